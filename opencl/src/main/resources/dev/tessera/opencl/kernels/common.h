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

/*
 * Offset of element (row, col) of a rows x cols matrix stored as packed-B panels of width nr (gemm.cl's layout):
 * panel col / nr holds columns col - col % nr .. + nr - 1, row-major within the panel, rows = the K dimension.
 */
inline int packed_b_offset(int row, int col, int rows, int nr) {
    return ((col / nr) * rows + row) * nr + col % nr;
}

/* The fused activation applied by kernels compiled with -DFUSE_RELU=1. */
#if defined(FUSE_RELU) && FUSE_RELU
#define ACTIVATE(x) fmax((x), 0.0f)
#else
#define ACTIVATE(x) (x)
#endif

#endif
