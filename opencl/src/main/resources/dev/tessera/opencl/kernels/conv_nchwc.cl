/*
 * conv_nchwc.cl: direct convolution as an implicit GEMM over the channel-blocked layout NCHWc (nchwc.h), one launch,
 * no im2col buffer. One group, any stride and dilation; the padding is already in the input (see below).
 *
 * Layouts: in [N][CBLOCKS][HP][WP][CB], written by to_nchwc (nchwc.cl) with the convolution's zero border (HP = H +
 *   pad top + pad bottom, WP likewise) and zero channels past C; so every tap of every output pixel reads inside the
 *   buffer and the hot loop has no bounds test. Weights packed once on the host per group of K_TILE blocks of CB output
 *   channels: wt[((((kg * CBLOCKS + cb) * R + r) * S + s) * CB + ci) * K_TILE * CB + kt * CB + lane] = w(k, c, r, s)
 *   with k = (kg * K_TILE + kt) * CB + lane, c = cb * CB + ci, zeros past K and C; one work-item streams its weights
 *   contiguously. bias [KGROUPS * K_TILE * CB] (zeros past K). out [N, K, P, Q] plain NCHW.
 * Work-items: get_global_id(0) = tile of W_TILE consecutive output pixels of the flattened (n, p, q) range of M = N * P
 *   * Q pixels (a tile may span rows and images: 1x1 layers on 7x7 or 14x14 maps waste nothing); get_global_id(1) = group
 *   kg of K_TILE blocks of CB output channels. Register tile: W_TILE x K_TILE floatN accumulators; per input channel ci of
 *   a block, per tap, K_TILE vector loads of weights and W_TILE broadcasts of one input value, W_TILE * K_TILE fma.
 *   Pixels of the last tile past M compute on the last pixel and are not written; channels past K are not written.
 * Epilogue: + bias (HAS_BIAS), + the output's previous contents (ADD_RESIDUAL: the residual, NCHW, in place), then
 *   ReLU (FUSE_RELU), stored lane by lane into NCHW.
 * Tunables (-D): CB (4, 8, 16: channels per block = float vector width), W_TILE (output pixels per item), K_TILE (blocks
 *   of output channels per item); HAS_BIAS, FUSE_RELU, ADD_RESIDUAL (0/1).
 */
#include "common.h"
#define VECTOR_WIDTH CB
#include "vector_types.h"
#include "nchwc.h"

#ifndef ADD_RESIDUAL
#define ADD_RESIDUAL 0
#endif

#define KV (K_TILE * CB) /* output channels per work-item */

__kernel void conv_nchwc(__global const float *restrict in, __global const float *restrict wt,
                         __global const float *restrict bias, __global float *restrict out, const int cblocks,
                         const int HP, const int WP, const int K, const int P, const int Q, const int R, const int S,
                         const int stride_h, const int stride_w, const int dil_h, const int dil_w, const int M) {
    const int m0 = (int)get_global_id(0) * W_TILE;
    const int kg = (int)get_global_id(1);
    int off[W_TILE]; /* offset of each pixel's window origin in block 0 */
    #pragma unroll
    for (int j = 0; j < W_TILE; ++j) {
        const int m = min(m0 + j, M - 1);
        const int q = m % Q;
        const int p = (m / Q) % P;
        const int n = m / (P * Q);
        off[j] = nchwc_pixel(n, 0, p * stride_h, q * stride_w, cblocks, HP, WP);
    }
    floatN acc[W_TILE][K_TILE];
    #pragma unroll
    for (int j = 0; j < W_TILE; ++j) {
        #pragma unroll
        for (int kt = 0; kt < K_TILE; ++kt) {
            acc[j][kt] = (floatN)(0.0f);
        }
    }
    const int plane = HP * WP * CB;
    __global const float *w = wt + kg * cblocks * R * S * CB * KV;
    for (int cb = 0; cb < cblocks; ++cb) {
        for (int r = 0; r < R; ++r) {
            for (int s = 0; s < S; ++s) {
                __global const float *x = in + cb * plane + (r * dil_h * WP + s * dil_w) * CB;
                #pragma unroll
                for (int ci = 0; ci < CB; ++ci) {
                    floatN wv[K_TILE];
                    #pragma unroll
                    for (int kt = 0; kt < K_TILE; ++kt) {
                        wv[kt] = vloadN(0, w + ci * KV + kt * CB);
                    }
                    #pragma unroll
                    for (int j = 0; j < W_TILE; ++j) {
                        const floatN xs = (floatN)(x[off[j] + ci]);
                        #pragma unroll
                        for (int kt = 0; kt < K_TILE; ++kt) {
                            acc[j][kt] = fma(xs, wv[kt], acc[j][kt]);
                        }
                    }
                }
                w += CB * KV;
            }
        }
    }

    #pragma unroll
    for (int j = 0; j < W_TILE; ++j) {
        const int m = m0 + j;
        if (m >= M) {
            break;
        }
        const int q = m % Q;
        const int p = (m / Q) % P;
        const int n = m / (P * Q);
        #pragma unroll
        for (int kt = 0; kt < K_TILE; ++kt) {
            const int k0 = (kg * K_TILE + kt) * CB;
            floatN v = acc[j][kt];
#if HAS_BIAS
            v += vloadN(0, bias + k0);
#endif
            float lanes[CB];
            vstoreN(v, 0, lanes);
            for (int l = 0; l < CB && k0 + l < K; ++l) {
                const int o = nchw_offset(n, k0 + l, p, q, K, P, Q);
#if ADD_RESIDUAL
                out[o] = ACTIVATE(lanes[l] + out[o]);
#else
                out[o] = ACTIVATE(lanes[l]);
#endif
            }
        }
    }
}
