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
 * conv_direct_maxpool2: the same convolution, bias and ReLU followed by a 2x2 stride-2 max pool (no padding) in one
 *   launch; the host uses it where P and Q are even (the pool windows tile the convolution's output). Out is the
 *   pooled output [N, K, P/2, Q/2]. Work-items: get_global_id(0) = block of VECTOR_WIDTH convolution columns (VECTOR_WIDTH
 *   / 2 pooled columns), get_global_id(1) = pooled row (convolution rows 2 pp and 2 pp + 1), get_global_id(2) as above.
 *   Each convolution value gets its bias and ReLU, then the pool's max (a NaN in the window gives NaN); VECTOR_WIDTH
 *   must be at least 2.
 */
#include "common.h"
#include "vector_types.h"

#ifndef ADD_RESIDUAL
#define ADD_RESIDUAL 0
#endif

/* Adds output row p, columns q0 .. q0 + VECTOR_WIDTH - 1, of output channels k0 .. k0 + OC_BLOCK - 1 of image n to
 * acc[0 .. OC_BLOCK - 1]: per (input channel, kernel tap) one floatN of inputs (one vector load when the stride is 1 and
 * the row segment lies inside the input, else element by element with zeros for padding) and OC_BLOCK vector
 * multiply-adds with broadcast weights. */
inline void conv_direct_row(__global const float *restrict in, __global const float *restrict weights, const int n,
                            const int k0, const int p, const int q0, const int C, const int H, const int W,
                            const int K, const int R, const int S, const int stride_h, const int stride_w,
                            const int pad_top, const int pad_left, const int dilation_h, const int dilation_w,
                            const int groups, floatN *acc) {
    const int channels_per_group = C / groups;
    const int first_channel = (k0 / (K / groups)) * channels_per_group;
    const int h0 = window_origin(p, stride_h, pad_top);
    const int w0 = window_origin(q0, stride_w, pad_left);
    const int weights_per_channel = channels_per_group * R * S;
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
}

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
    floatN acc[OC_BLOCK];
#pragma unroll
    for (int o = 0; o < OC_BLOCK; ++o) {
        acc[o] = (floatN)(0.0f);
    }
    conv_direct_row(in, weights, n, k0, p, q0, C, H, W, K, R, S, stride_h, stride_w, pad_top, pad_left, dilation_h,
                    dilation_w, groups, acc);

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

#if VECTOR_WIDTH >= 2
#if VECTOR_WIDTH == 2
#define floatHalf float
#define vstoreHalf(x, i, p) ((p)[i] = (x))
#else
#define floatHalf TESSERA_CAT(float, TESSERA_HALF_WIDTH)
#define vstoreHalf TESSERA_CAT(vstore, TESSERA_HALF_WIDTH)
#endif
#if VECTOR_WIDTH == 4
#define TESSERA_HALF_WIDTH 2
#elif VECTOR_WIDTH == 8
#define TESSERA_HALF_WIDTH 4
#elif VECTOR_WIDTH == 16
#define TESSERA_HALF_WIDTH 8
#endif

__kernel void conv_direct_maxpool2(__global const float *restrict in, __global const float *restrict weights,
                                   __global const float *restrict bias, __global float *restrict out,
                                   const int N, const int C, const int H, const int W, const int K, const int P,
                                   const int Q, const int R, const int S, const int stride_h, const int stride_w,
                                   const int pad_top, const int pad_left, const int dilation_h, const int dilation_w,
                                   const int groups) {
    const int q0 = (int)get_global_id(0) * VECTOR_WIDTH;
    const int pp = (int)get_global_id(1);
    const int k_blocks = K / OC_BLOCK;
    const int n = (int)get_global_id(2) / k_blocks;
    const int k0 = ((int)get_global_id(2) % k_blocks) * OC_BLOCK;
    const int PP = P / 2;
    const int PQ = Q / 2;
    if (q0 >= Q || pp >= PP || n >= N) {
        return;
    }
    floatN top[OC_BLOCK];
    floatN bottom[OC_BLOCK];
#pragma unroll
    for (int o = 0; o < OC_BLOCK; ++o) {
        top[o] = (floatN)(0.0f);
        bottom[o] = (floatN)(0.0f);
    }
    conv_direct_row(in, weights, n, k0, 2 * pp, q0, C, H, W, K, R, S, stride_h, stride_w, pad_top, pad_left,
                    dilation_h, dilation_w, groups, top);
    conv_direct_row(in, weights, n, k0, 2 * pp + 1, q0, C, H, W, K, R, S, stride_h, stride_w, pad_top, pad_left,
                    dilation_h, dilation_w, groups, bottom);
    const int pq0 = q0 / 2;
#pragma unroll
    for (int o = 0; o < OC_BLOCK; ++o) {
#if HAS_BIAS
        const floatN b = (floatN)(bias[k0 + o]);
#else
        const floatN b = (floatN)(0.0f);
#endif
        const floatN rows = MAX_PROPAGATING_NAN(ACTIVATE(top[o] + b), ACTIVATE(bottom[o] + b));
#if VECTOR_WIDTH == 2
        const floatHalf pooled = max_propagating_nan(rows.s0, rows.s1);
#else
        const floatHalf pooled = MAX_PROPAGATING_NAN(rows.even, rows.odd);
#endif
        __global float *out_row = out + nchw_offset(n, k0 + o, pp, 0, K, PP, PQ);
        if (pq0 + VECTOR_WIDTH / 2 <= PQ) {
            vstoreHalf(pooled, 0, out_row + pq0);
        } else {
            float parts[VECTOR_WIDTH / 2];
            vstoreHalf(pooled, 0, parts);
            for (int j = 0; pq0 + j < PQ; ++j) {
                out_row[pq0 + j] = parts[j];
            }
        }
    }
}
#endif
