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
 *   ReLU (FUSE_RELU), stored into NCHW channel by channel (the tile's pixels consecutive in each plane). The pixels'
 *   coordinates are stepped from the tile's first (no division per pixel). With OUT_BLOCKED=1 the output is NCHWc
 *   instead, [N][out_blocks][OHP][OWP][CB] with the pixel (p, q) stored at (p + out_top, q + out_left): the padded
 *   input of a next nchwc-direct convolution, whose zero border the host wrote once (plan-level layout,
 *   NchwcChains); one vector store per pixel and block, no residual.
 *   Where the tile's windows step uniformly by STRIDE_W pixels (one row; or rows joined, as in an unpadded 1x1
 *   stride-1 layer) the loop addresses the input from one pointer with constant displacements, else per pixel.
 * Tunables (-D): CB (4, 8, 16: channels per block = float vector width), W_TILE (output pixels per item), K_TILE (blocks
 *   of output channels per item); STRIDE_W (the problem's horizontal stride); HAS_BIAS, FUSE_RELU, ADD_RESIDUAL,
 *   OUT_BLOCKED (0/1).
 */
#include "common.h"
#define VECTOR_WIDTH CB
#include "vector_types.h"
#include "nchwc.h"

#ifndef ADD_RESIDUAL
#define ADD_RESIDUAL 0
#endif
#ifndef OUT_BLOCKED
#define OUT_BLOCKED 0
#endif
#if OUT_BLOCKED && ADD_RESIDUAL
#error "the residual epilogue writes NCHW only"
#endif

#define KV (K_TILE * CB) /* output channels per work-item */

/* The hot loop: every input block, tap and channel of the block; the input value of pixel j is
 * base[PIXEL(j) + tap offset + ci]. No bounds test: the input carries the zero border. */
#define CONV_TAPS(base, PIXEL) \
    for (int cb = 0; cb < cblocks; ++cb) { \
        for (int r = 0; r < R; ++r) { \
            for (int s = 0; s < S; ++s) { \
                __global const float *x = (base) + cb * plane + (r * dil_h * WP + s * dil_w) * CB; \
                _Pragma("unroll") \
                for (int ci = 0; ci < CB; ++ci) { \
                    floatN wv[K_TILE]; \
                    _Pragma("unroll") \
                    for (int kt = 0; kt < K_TILE; ++kt) { \
                        wv[kt] = vloadN(0, w + ci * KV + kt * CB); \
                    } \
                    _Pragma("unroll") \
                    for (int j = 0; j < W_TILE; ++j) { \
                        const floatN xs = (floatN)(x[(PIXEL) + ci]); \
                        _Pragma("unroll") \
                        for (int kt = 0; kt < K_TILE; ++kt) { \
                            acc[j][kt] = fma(xs, wv[kt], acc[j][kt]); \
                        } \
                    } \
                } \
                w += CB * KV; \
            } \
        } \
    }

__kernel void conv_nchwc(__global const float *restrict in, __global const float *restrict wt,
                         __global const float *restrict bias, __global float *restrict out, const int cblocks,
                         const int HP, const int WP, const int K, const int P, const int Q, const int R, const int S,
                         const int stride_h, const int stride_w, const int dil_h, const int dil_w, const int M,
                         const int out_blocks, const int OHP, const int OWP, const int out_top, const int out_left) {
    const int m0 = (int)get_global_id(0) * W_TILE;
    const int kg = (int)get_global_id(1);
    const int PQ = P * Q;
    int off[W_TILE];  /* offset of each pixel's window origin in block 0 of the input */
    int obase[W_TILE]; /* offset of each pixel in channel 0 of the output */
    {
        /* (n, p, q) of pixel m0, then stepped pixel by pixel: two divisions per item, not three per pixel */
        int n = m0 / PQ;
        int p = (m0 - n * PQ) / Q;
        int q = m0 - n * PQ - p * Q;
        #pragma unroll
        for (int j = 0; j < W_TILE; ++j) {
            off[j] = nchwc_pixel(n, 0, p * stride_h, q * stride_w, cblocks, HP, WP);
#if OUT_BLOCKED
            obase[j] = nchwc_pixel(n, 0, p + out_top, q + out_left, out_blocks, OHP, OWP);
#else
            obase[j] = n * K * PQ + p * Q + q;
#endif
            if (m0 + j + 1 < M) { /* the last tile's pixels past M repeat the last pixel */
                if (++q == Q) {
                    q = 0;
                    if (++p == P) {
                        p = 0;
                        ++n;
                    }
                }
            }
        }
    }
    floatN acc[W_TILE][K_TILE];
    #pragma unroll
    for (int j = 0; j < W_TILE; ++j) {
        #pragma unroll
        for (int kt = 0; kt < K_TILE; ++kt) {
            acc[j][kt] = (floatN)(0.0f);
        }
    }
    /* uniform: the tile's windows step by STRIDE_W pixels (one row, or rows joined as in an unpadded 1x1 stride-1
     * layer): the loop then addresses the input with constant displacements from one pointer */
    bool uniform = true;
    #pragma unroll
    for (int j = 1; j < W_TILE; ++j) {
        uniform = uniform && off[j] == off[0] + j * STRIDE_W * CB;
    }
    const int plane = HP * WP * CB;
    __global const float *w = wt + kg * cblocks * R * S * CB * KV;
    if (uniform) {
        __global const float *in0 = in + off[0];
        CONV_TAPS(in0, j * STRIDE_W * CB);
    } else {
        CONV_TAPS(in, off[j]);
    }

    const int valid = min(W_TILE, M - m0); /* pixels of this tile inside M */
#if OUT_BLOCKED
    /* one vector store per pixel and block: the channels past K hold ACTIVATE(0 + 0) = 0 (zero weights and bias) */
    #pragma unroll
    for (int kt = 0; kt < K_TILE; ++kt) {
        const int kb = kg * K_TILE + kt;
        if (kb >= out_blocks) {
            break;
        }
#if HAS_BIAS
        const floatN b = vloadN(0, bias + kb * CB);
#else
        const floatN b = (floatN)(0.0f);
#endif
        __global float *o = out + kb * OHP * OWP * CB;
        #pragma unroll
        for (int j = 0; j < W_TILE; ++j) {
            if (j < valid) {
                vstoreN(ACTIVATE(acc[j][kt] + b), 0, o + obase[j]);
            }
        }
    }
#else
    #pragma unroll
    for (int kt = 0; kt < K_TILE; ++kt) {
        const int k0 = (kg * K_TILE + kt) * CB;
        if (k0 >= K) {
            break;
        }
        float lanes[W_TILE][CB];
        #pragma unroll
        for (int j = 0; j < W_TILE; ++j) {
#if HAS_BIAS
            vstoreN(acc[j][kt] + vloadN(0, bias + k0), 0, lanes[j]);
#else
            vstoreN(acc[j][kt], 0, lanes[j]);
#endif
        }
        /* channel by channel: the tile's pixels are consecutive in each output plane (within one image) */
        const int lanes_in_k = min(CB, K - k0);
        for (int l = 0; l < lanes_in_k; ++l) {
            __global float *o = out + (k0 + l) * PQ;
            for (int j = 0; j < valid; ++j) {
#if ADD_RESIDUAL
                o[obase[j]] = ACTIVATE(lanes[j][l] + o[obase[j]]);
#else
                o[obase[j]] = ACTIVATE(lanes[j][l]);
#endif
            }
        }
    }
#endif
}
