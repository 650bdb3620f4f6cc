/*
 * conv_backward.cl: the gradients of a 2-D convolution (cross-correlation with zero padding, any stride, dilation and
 * groups) for training: dL/dx from the output gradient and the weights, and dL/dweight from the input and the output
 * gradient. The bias gradient is bias_backward in eltwise_backward.cl; a fused ReLU is folded into dy by the host
 * first.
 *
 * Layouts: x and dx [N, C, H, W]; weight and dweight [K, C/groups, R, S]; dy [N, K, P, Q]; row-major float32. Input
 *   channel ci of group g is g * C/groups + ci; output channel k belongs to group k / (K/groups).
 * Work-items: conv_backward_data: one per dx element, get_global_id(0) = flat index into dx; it gathers, over the
 *   output channels of its group and the taps, the dy cells whose window tap read it (output_of_tap in common.h), so
 *   no two work-items write the same cell and no atomics are needed.
 *   conv_backward_weight: one per weight element, get_global_id(0) = flat index into dweight; it sums x * dy over the
 *   batch and the outputs whose tap reads a real cell (steps_to_nonnegative / steps_below bound the loops).
 * Accumulation: float, with fma. Tunables: none.
 */
#include "common.h"

__kernel void conv_backward_data(__global const float *restrict dy, __global const float *restrict weight,
                                 __global float *restrict dx, const int C, const int H, const int W, const int K,
                                 const int R, const int S, const int P, const int Q, const int stride_h,
                                 const int stride_w, const int pad_top, const int pad_left, const int dilation_h,
                                 const int dilation_w, const int groups, const int total) {
    const int i = (int)get_global_id(0);
    if (i >= total) {
        return;
    }
    const int w = i % W;
    const int h = (i / W) % H;
    const int c = (i / (W * H)) % C;
    const int n = i / (W * H * C);
    const int c_per_group = C / groups;
    const int k_per_group = K / groups;
    const int group = c / c_per_group;
    const int ci = c % c_per_group;
    float sum = 0.0f;
    for (int k = group * k_per_group; k < (group + 1) * k_per_group; ++k) {
        __global const float *dy_plane = dy + (n * K + k) * P * Q;
        __global const float *w_taps = weight + (k * c_per_group + ci) * R * S;
        for (int r = 0; r < R; ++r) {
            const int p = output_of_tap(h, r, stride_h, pad_top, dilation_h, P);
            if (p < 0) {
                continue;
            }
            for (int s = 0; s < S; ++s) {
                const int q = output_of_tap(w, s, stride_w, pad_left, dilation_w, Q);
                if (q >= 0) {
                    sum = fma(w_taps[r * S + s], dy_plane[p * Q + q], sum);
                }
            }
        }
    }
    dx[i] = sum;
}

__kernel void conv_backward_weight(__global const float *restrict x, __global const float *restrict dy,
                                   __global float *restrict dweight, const int N, const int C, const int H,
                                   const int W, const int K, const int R, const int S, const int P, const int Q,
                                   const int stride_h, const int stride_w, const int pad_top, const int pad_left,
                                   const int dilation_h, const int dilation_w, const int groups, const int total) {
    const int i = (int)get_global_id(0);
    if (i >= total) {
        return;
    }
    const int c_per_group = C / groups;
    const int s = i % S;
    const int r = (i / S) % R;
    const int ci = (i / (S * R)) % c_per_group;
    const int k = i / (S * R * c_per_group);
    const int c = (k / (K / groups)) * c_per_group + ci;
    /* output p reads row window_tap(p, ...) = p * stride_h + h_first; likewise for columns */
    const int h_first = window_tap(0, stride_h, pad_top, r, dilation_h);
    const int w_first = window_tap(0, stride_w, pad_left, s, dilation_w);
    const int p_begin = steps_to_nonnegative(h_first, stride_h);
    const int p_end = min(P, steps_below(h_first, stride_h, H));
    const int q_begin = steps_to_nonnegative(w_first, stride_w);
    const int q_end = min(Q, steps_below(w_first, stride_w, W));
    float sum = 0.0f;
    for (int n = 0; n < N; ++n) {
        __global const float *x_plane = x + nchw_offset(n, c, 0, 0, C, H, W);
        __global const float *dy_plane = dy + nchw_offset(n, k, 0, 0, K, P, Q);
        for (int p = p_begin; p < p_end; ++p) {
            const int row = (h_first + p * stride_h) * W;
            for (int q = q_begin; q < q_end; ++q) {
                sum = fma(x_plane[row + w_first + q * stride_w], dy_plane[p * Q + q], sum);
            }
        }
    }
    dweight[i] = sum;
}
