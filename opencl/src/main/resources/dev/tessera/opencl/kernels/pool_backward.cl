/*
 * pool_backward.cl: the gradient of max or average pooling (the forward kernels are in pool.cl).
 *
 * Layouts: x and dx [N, C, H, W]; dy [N, C, P, Q]; row-major float32.
 * Work-items: one per dx element, get_global_id(0) = flat index into dx. Each gathers from the outputs whose window
 *   covers its cell (rows p with p * stride_h - pad_top <= h < that + kernel_h, columns likewise), so no atomics.
 *   Max pooling (POOL_MAX=1): a window passes its gradient to its first largest real cell in row-major order
 *   (strictly larger replaces), the same cell as the reference's; the work-item re-scans each covering window
 *   (pool_window in common.h) to see whether it is that cell. Average pooling (POOL_MAX=0; x is not read): each
 *   covering window adds dy / cells, cells counted as the forward kernel counts them (real cells, or with count_pad
 *   the cells inside the padded input).
 * Tunables (-D): POOL_MAX (1: max pooling, 0: average pooling).
 */
#include "common.h"

/* The range [*p_begin, *p_end) of outputs along one axis whose window (`window` taps) covers input coordinate x. */
inline void covering_outputs(int x, int window, int stride, int pad_begin, int out_extent, int *p_begin, int *p_end) {
    const int lowest = x + pad_begin - window + 1;
    *p_begin = lowest <= 0 ? 0 : ceil_div(lowest, stride);
    *p_end = min(out_extent, (x + pad_begin) / stride + 1);
}

__kernel void pool_backward(__global const float *restrict x, __global const float *restrict dy,
                            __global float *restrict dx, const int H, const int W, const int P, const int Q,
                            const int kernel_h, const int kernel_w, const int stride_h, const int stride_w,
                            const int pad_top, const int pad_left, const int pad_bottom, const int pad_right,
                            const int count_pad, const int total) {
    const int i = (int)get_global_id(0);
    if (i >= total) {
        return;
    }
    const int w = i % W;
    const int h = (i / W) % H;
    const int plane = i / (W * H);
    int p_begin, p_end, q_begin, q_end;
    covering_outputs(h, kernel_h, stride_h, pad_top, P, &p_begin, &p_end);
    covering_outputs(w, kernel_w, stride_w, pad_left, Q, &q_begin, &q_end);
    float sum = 0.0f;
    for (int p = p_begin; p < p_end; ++p) {
        for (int q = q_begin; q < q_end; ++q) {
            const int o = (plane * P + p) * Q + q;
            int h0, w0, h_begin, h_end, w_begin, w_end;
            pool_window(o, P, Q, H, W, kernel_h, kernel_w, stride_h, stride_w, pad_top, pad_left, &h0, &w0, &h_begin,
                        &h_end, &w_begin, &w_end);
#if POOL_MAX
            __global const float *src = x + plane * H * W;
            int best = h_begin * W + w_begin;
            for (int hh = h_begin; hh < h_end; ++hh) {
                for (int ww = w_begin; ww < w_end; ++ww) {
                    if (src[hh * W + ww] > src[best]) {
                        best = hh * W + ww;
                    }
                }
            }
            if (best == h * W + w) {
                sum += dy[o];
            }
#else
            const int cells = count_pad
                    ? (min(h0 + kernel_h, H + pad_bottom) - h0) * (min(w0 + kernel_w, W + pad_right) - w0)
                    : (h_end - h_begin) * (w_end - w_begin);
            sum += dy[o] / (float)cells;
#endif
        }
    }
    dx[i] = sum;
}
