/*
 * common.h: index arithmetic and helpers shared by Tessera's kernels. Include it with #include "common.h"; the
 * program loader inlines it (ProgramSource), so no include path is needed.
 *
 * Layouts: activations are NCHW, convolution weights KCRS (= OIHW), all row-major; offsets are computed in size_t-free
 * int arithmetic where a tensor fits in 2^31 elements, which every caller checks on the host.
 */
#ifndef TESSERA_COMMON_H
#define TESSERA_COMMON_H

/* Offset of element (n, c, h, w) in an NCHW tensor of C channels, H rows and W columns. */
inline int nchw_offset(int n, int c, int h, int w, int C, int H, int W) {
    return ((n * C + c) * H + h) * W + w;
}

/* The first input coordinate a window starting at output coordinate o reads, before dilation steps. */
inline int window_origin(int o, int stride, int pad_begin) {
    return o * stride - pad_begin;
}

/* Integer ceiling division for non-negative a and positive b. */
inline int ceil_div(int a, int b) {
    return (a + b - 1) / b;
}

/* The output coordinate whose window tap t reads input coordinate x (x = o * stride - pad_begin + t * dilation), or -1
 * when no output in [0, out_extent) does: the gather form of a strided window, used by the backward kernels. */
inline int output_of_tap(int x, int t, int stride, int pad_begin, int dilation, int out_extent) {
    const int offset = x + pad_begin - t * dilation;
    if (offset < 0 || offset % stride != 0) {
        return -1;
    }
    const int o = offset / stride;
    return o < out_extent ? o : -1;
}

/* The input coordinate that tap t (0 .. kernel-1) of the window at output coordinate o reads; outside [0, extent) it
 * falls in the padding. */
inline int window_tap(int o, int stride, int pad_begin, int t, int dilation) {
    return window_origin(o, stride, pad_begin) + t * dilation;
}

/* Of the coordinates x, x + step, x + 2 step, ... (step > 0): how many come before the first that is >= 0. (Step 1, the
 * common case, skips the division: an integer division costs tens of cycles on a CPU.) */
inline int steps_to_nonnegative(int x, int step) {
    return x >= 0 ? 0 : step == 1 ? -x : ceil_div(-x, step);
}

/* Of the coordinates x, x + step, x + 2 step, ... (step > 0): how many are below limit. */
inline int steps_below(int x, int step, int limit) {
    return x >= limit ? 0 : step == 1 ? limit - x : ceil_div(limit - x, step);
}

/* Offset of element (kk, lane) of panel `panel` in a packed GEMM operand of depth K: the operand is a sequence of
 * panels of `width` lanes (rows of a packed A, columns of a packed B), each stored depth-major, [panel][K][width]. */
inline int packed_offset(int panel, int kk, int lane, int K, int width) {
    return (panel * K + kk) * width + lane;
}

/* The window of output element i of an [planes, P, Q] output: its first row and column (before clipping), and the
 * clipped ranges [h_begin, h_end) x [w_begin, w_end) of real input cells it covers. Returns the plane index. */
inline int pool_window(int i, int P, int Q, int H, int W, int kernel_h, int kernel_w, int stride_h, int stride_w,
                       int pad_top, int pad_left, int *h0, int *w0, int *h_begin, int *h_end, int *w_begin,
                       int *w_end) {
    const int q = i % Q;
    const int p = (i / Q) % P;
    *h0 = window_origin(p, stride_h, pad_top);
    *w0 = window_origin(q, stride_w, pad_left);
    *h_begin = max(*h0, 0);
    *h_end = min(*h0 + kernel_h, H);
    *w_begin = max(*w0, 0);
    *w_end = min(*w0 + kernel_w, W);
    return i / (P * Q);
}

/* ReLU with the IEEE rules of the reference backend: NaN stays NaN (fmax(NaN, 0) would give 0 and hide it), +-Inf
 * map to +Inf and 0. Works on float and floatN alike (OpenCL 1.2 6.3.i: a vector condition selects per component).
 * The ONE definition every kernel's ReLU uses (eltwise, the fused epilogues of conv/GEMM/FC). */
#define RELU(x) ((x) < 0.0f ? 0.0f : (x))

/* max(a, b) that propagates NaN like Java's Math.max (fmax drops a NaN operand): max pooling, LRN, softmax. */
inline float max_propagating_nan(float a, float b) {
    return (isnan(a) || a > b) ? a : b;
}

/* max_propagating_nan lane by lane, for float and floatN alike: a, unless b is larger and a is not NaN. */
#define MAX_PROPAGATING_NAN(a, b) select((b), (a), isnan(a) | ((a) > (b)))

/* The fused activation applied by kernels compiled with -DFUSE_RELU=1. */
#if defined(FUSE_RELU) && FUSE_RELU
#define ACTIVATE(x) RELU(x)
#else
#define ACTIVATE(x) (x)
#endif

#endif
