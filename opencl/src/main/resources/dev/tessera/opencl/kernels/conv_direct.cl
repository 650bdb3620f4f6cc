/*
 * conv_direct.cl: direct 2-D convolution (cross-correlation) for any shape: stride, separate top/bottom/left/right
 * padding, dilation, groups (depthwise included), optional bias, optional fused ReLU.
 *
 * Layouts: in [N, C, H, W], weights [K, C/groups, R, S], bias [K], out [N, K, P, Q]; all row-major float32.
 * Work-items: get_global_id(0) = block of VECTOR_WIDTH consecutive output columns, get_global_id(1) = output row p,
 *   get_global_id(2) = n * (K / OC_BLOCK) + block of OC_BLOCK output channels. Each work-item holds OC_BLOCK floatN
 *   accumulators: per (input channel, kernel tap) it loads one floatN of inputs (one vector load when the stride is 1
 *   and the row segment lies inside the input, else element by element with zeros for padding) and does OC_BLOCK
 *   vector multiply-adds with broadcast weights. The host rounds every dimension up to the work-group size;
 *   surplus work-items return at once.
 * Tunables (-D): VECTOR_WIDTH (output columns per work-item), OC_BLOCK (divides K / groups, so a block never spans two
 *   groups), HAS_BIAS (0/1), FUSE_RELU (0/1), ADD_RESIDUAL (0/1, default 0: add the output's previous contents, a
 *   residual written there before the launch, after the bias and before the ReLU; the output is read and written in
 *   place by the same work-item).
 */
#include "common.h"
#include "vector_types.h"

#ifndef ADD_RESIDUAL
#define ADD_RESIDUAL 0
#endif

__kernel void conv_direct(__global const float *restrict in, __global const float *restrict weights,
                          __global const float *restrict bias, __global float *restrict out,
                          const int N, const int C, const int H, const int W, const int K, const int P, const int Q,
                          const int R, const int S, const int stride_h, const int stride_w,
                          const int pad_top, const int pad_left, const int dilation_h, const int dilation_w,
                          const int groups) {
    const int q0 = (int)get_global_id(0) * VECTOR_WIDTH;
    const int p = (int)get_global_id(1);
    const int k_blocks = K / OC_BLOCK;
    const int n = (int)get_global_id(2) / k_blocks;
    const int k0 = ((int)get_global_id(2) % k_blocks) * OC_BLOCK;
    if (q0 >= Q || p >= P || n >= N) {
        return;
    }
    const int channels_per_group = C / groups;
    const int first_channel = (k0 / (K / groups)) * channels_per_group;
    const int h0 = window_origin(p, stride_h, pad_top);
    const int w0 = window_origin(q0, stride_w, pad_left);
    const int weights_per_channel = channels_per_group * R * S;

    floatN acc[OC_BLOCK];
#pragma unroll
    for (int o = 0; o < OC_BLOCK; ++o) {
        acc[o] = (floatN)(0.0f);
    }

    for (int c = 0; c < channels_per_group; ++c) {
        __global const float *plane = in + nchw_offset(n, first_channel + c, 0, 0, C, H, W);
        __global const float *w_c = weights + (k0 * channels_per_group + c) * R * S;
        for (int r = 0; r < R; ++r) {
            const int h = h0 + r * dilation_h;
            if (h < 0 || h >= H) {
                continue;
            }
            __global const float *row = plane + h * W;
            for (int s = 0; s < S; ++s) {
                const int w_first = w0 + s * dilation_w;
                floatN x;
                if (stride_w == 1 && w_first >= 0 && w_first + VECTOR_WIDTH <= W) {
                    x = vloadN(0, row + w_first);
                } else {
                    float gathered[VECTOR_WIDTH];
                    for (int j = 0; j < VECTOR_WIDTH; ++j) {
                        const int w = w_first + j * stride_w;
                        gathered[j] = (w >= 0 && w < W) ? row[w] : 0.0f;
                    }
                    x = vloadN(0, gathered);
                }
#pragma unroll
                for (int o = 0; o < OC_BLOCK; ++o) {
                    acc[o] = fma((floatN)(w_c[o * weights_per_channel + r * S + s]), x, acc[o]);
                }
            }
        }
    }

#pragma unroll
    for (int o = 0; o < OC_BLOCK; ++o) {
#if HAS_BIAS
        floatN sum = acc[o] + bias[k0 + o];
#else
        floatN sum = acc[o];
#endif
        __global float *out_row = out + nchw_offset(n, k0 + o, p, 0, K, P, Q);
        const int full = q0 + VECTOR_WIDTH <= Q;
#if ADD_RESIDUAL
        /* the residual is what the output holds before this launch */
        if (full) {
            sum += vloadN(0, out_row + q0);
        } else {
            float residual[VECTOR_WIDTH];
            for (int j = 0; j < VECTOR_WIDTH; ++j) {
                residual[j] = q0 + j < Q ? out_row[q0 + j] : 0.0f;
            }
            sum += vloadN(0, residual);
        }
#endif
        const floatN result = ACTIVATE(sum);
        if (full) {
            vstoreN(result, 0, out_row + q0);
        } else {
            float parts[VECTOR_WIDTH];
            vstoreN(result, 0, parts);
            for (int j = 0; q0 + j < Q; ++j) {
                out_row[q0 + j] = parts[j];
            }
        }
    }
}
