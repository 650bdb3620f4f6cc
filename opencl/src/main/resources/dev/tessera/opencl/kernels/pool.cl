/*
 * pool.cl: max pooling, average pooling and global average pooling, per channel (no sum across channels).
 *
 * Layouts: in [N, C, H, W], out [N, C, P, Q] (global: [N, C, 1, 1]); row-major float32.
 * Work-items: max_pool / avg_pool: one per output element, get_global_id(0) = flat index into out.
 *   global_avg_pool: one per (n, c) plane, get_global_id(0) = n * C + c.
 * Windows: rows h0 .. h0 + kernel_h - 1 with h0 = p * stride_h - pad_top (columns likewise). Max pooling ignores
 *   padded cells; a window holding a NaN gives NaN. Average pooling sums the real cells and divides by their count,
 *   or, with count_pad = 1, by the cells of the window that lie inside the padded input (ONNX count_include_pad; cells
 *   past the padding never count).
 * Tunables: none.
 */
#include "common.h"

__kernel void max_pool(__global const float *restrict in, __global float *restrict out, const int H, const int W,
                       const int P, const int Q, const int kernel_h, const int kernel_w, const int stride_h,
                       const int stride_w, const int pad_top, const int pad_left, const int total) {
    const int i = (int)get_global_id(0);
    if (i >= total) {
        return;
    }
    int h0, w0, h_begin, h_end, w_begin, w_end;
    const int plane = pool_window(i, P, Q, H, W, kernel_h, kernel_w, stride_h, stride_w, pad_top, pad_left, &h0, &w0,
                                  &h_begin, &h_end, &w_begin, &w_end);
    __global const float *src = in + plane * H * W;
    float best = -INFINITY;
    for (int h = h_begin; h < h_end; ++h) {
        for (int w = w_begin; w < w_end; ++w) {
            best = max_propagating_nan(best, src[h * W + w]);
        }
    }
    out[i] = best;
}

__kernel void avg_pool(__global const float *restrict in, __global float *restrict out, const int H, const int W,
                       const int P, const int Q, const int kernel_h, const int kernel_w, const int stride_h,
                       const int stride_w, const int pad_top, const int pad_left, const int pad_bottom,
                       const int pad_right, const int count_pad, const int total) {
    const int i = (int)get_global_id(0);
    if (i >= total) {
        return;
    }
    int h0, w0, h_begin, h_end, w_begin, w_end;
    const int plane = pool_window(i, P, Q, H, W, kernel_h, kernel_w, stride_h, stride_w, pad_top, pad_left, &h0, &w0,
                                  &h_begin, &h_end, &w_begin, &w_end);
    __global const float *src = in + plane * H * W;
    float sum = 0.0f;
    for (int h = h_begin; h < h_end; ++h) {
        for (int w = w_begin; w < w_end; ++w) {
            sum += src[h * W + w];
        }
    }
    const int cells = count_pad
            ? (min(h0 + kernel_h, H + pad_bottom) - h0) * (min(w0 + kernel_w, W + pad_right) - w0)
            : (h_end - h_begin) * (w_end - w_begin);
    out[i] = sum / (float)cells;
}

__kernel void global_avg_pool(__global const float *restrict in, __global float *restrict out, const int plane_size,
                              const int planes) {
    const int plane = (int)get_global_id(0);
    if (plane >= planes) {
        return;
    }
    __global const float *src = in + plane * plane_size;
    float sum = 0.0f;
    for (int i = 0; i < plane_size; ++i) {
        sum += src[i];
    }
    out[plane] = sum / (float)plane_size;
}
