/*
 * conv_winograd_fused.cl: Winograd convolution F(m x m, 3 x 3), m = WINOGRAD_M (2 or 4), alpha = m + 2, in one kernel:
 * input transform, the alpha^2 products and the output transform of a block of tiles, the transformed tiles kept in
 * work-group scratch (__local; one work-item per group on CPUs, so it is that item's cache-resident scratch) and never
 * written to global memory. Stride 1, no dilation, one group.
 *
 * Layouts: in [N, C, H, W], out [N, K, P, Q], bias [K]; all row-major float32. The weights are transformed once on the
 *   host (U = G g G^T, in double) and packed per block of KB = K_VECTORS * VECTOR_WIDTH output channels:
 *   u[((kb * alpha^2 + xi) * C + c) * KB + (k - kb * KB)], K padded with zeros to a multiple of KB, so one work-item
 *   reads its weights as one contiguous stream.
 * Tiles: tile t of the N * tiles_h * tiles_w (image-major, then tile row, then tile column) covers output rows th*m ..
 *   th*m+m-1 and columns tw*m .. tw*m+m-1; it reads the alpha x alpha input patch at (th*m - pad_top, tw*m - pad_left),
 *   zeros outside the input.
 * Work-items: get_global_id(0) = block of ITEM_TILES = TILES * TILE_GROUPS consecutive tiles (a block may span tile
 *   rows and images), get_global_id(1) = group of K_BLOCKS blocks of KB output channels; one work-item per
 *   work-group. For each chunk of C_BLOCK input channels the item transforms its tiles' patches once into
 *   v[xi][c][tile] (scratch), then for each of its blocks of output channels, each transform position xi and each
 *   group of TILES tiles runs a register-tiled product: TILES x K_VECTORS floatN accumulators, per input channel one
 *   broadcast of each transformed input value times K_VECTORS vectors of weights (the chunk's weights of one (block,
 *   xi), C_BLOCK x KB floats, stay in L1 across the groups); the accumulators persist across chunks in mm[xi][tile][k]
 *   (scratch). After the last chunk it applies the
 *   output transform A^T M A to vectors of output channels, adds the bias (and, with ADD_RESIDUAL, the output's
 *   previous contents), applies ReLU and writes the m x m tiles clipped to P x Q. Tiles past the last are computed on
 *   zeros and not written; blocks past K are skipped, channels past K in the last block not written.
 * Costs: the input transform is done ceil(K / (K_BLOCKS * KB)) times per (tile, channel), the weights of a group of
 *   output channels are read once per ITEM_TILES tiles; so it wins where tiles are many and channels few (early
 *   layers), and loses to the three-launch winograd-4x4 where the transformed weights outgrow the caches (deep layers).
 * Tunables (-D): WINOGRAD_M (2 or 4), VECTOR_WIDTH (1, 2, 4, 8, 16), K_VECTORS (floatN of output channels in the
 *   register tile), K_BLOCKS (register-tile blocks of output channels per item), TILES (tiles per register tile),
 *   TILE_GROUPS (register tiles of tiles per item, default 1), C_BLOCK (input channels per transformed chunk). The
 *   scratch is alpha^2 * ITEM_TILES * (C_BLOCK + K_BLOCKS * KB) floats, fitted by the host to the device's local
 *   memory. HAS_BIAS (0/1), FUSE_RELU (0/1), ADD_RESIDUAL (0/1, default 0; the output
 *   must not share the input's buffer).
 */
#include "common.h"
#include "vector_types.h"

#ifndef ADD_RESIDUAL
#define ADD_RESIDUAL 0
#endif

#define ALPHA (WINOGRAD_M + 2)
#define POSITIONS (ALPHA * ALPHA)
#define KB (K_VECTORS * VECTOR_WIDTH)
#ifndef TILE_GROUPS
#define TILE_GROUPS 1
#endif
#define ITEM_TILES (TILES * TILE_GROUPS) /* tiles per work-item */

#if WINOGRAD_M == 2
/* d -> B^T d of F(2x2, 3x3) (Lavin and Gray), one column (or row) of 4 at stride s */
#define INPUT_1D(T, d, s, r, rs) do { \
    const T d0_ = (d)[0], d1_ = (d)[(s)], d2_ = (d)[2 * (s)], d3_ = (d)[3 * (s)]; \
    (r)[0] = d0_ - d2_; (r)[(rs)] = d1_ + d2_; (r)[2 * (rs)] = d2_ - d1_; (r)[3 * (rs)] = d1_ - d3_; \
} while (0)
/* x -> A^T x of F(2x2, 3x3): 4 products to 2 outputs */
#define OUTPUT_1D(T, x, s, r, rs) do { \
    const T x0_ = (x)[0], x1_ = (x)[(s)], x2_ = (x)[2 * (s)], x3_ = (x)[3 * (s)]; \
    (r)[0] = x0_ + x1_ + x2_; (r)[(rs)] = x1_ - x2_ - x3_; \
} while (0)
#elif WINOGRAD_M == 4
/* d -> B^T d of F(4x4, 3x3), interpolation points 0, 1, -1, 2, -2 (Lavin and Gray) */
#define INPUT_1D(T, d, s, r, rs) do { \
    const T d0_ = (d)[0], d1_ = (d)[(s)], d2_ = (d)[2 * (s)], d3_ = (d)[3 * (s)], d4_ = (d)[4 * (s)], \
            d5_ = (d)[5 * (s)]; \
    (r)[0] = 4.0f * d0_ - 5.0f * d2_ + d4_; \
    (r)[(rs)] = d3_ + d4_ - 4.0f * (d1_ + d2_); \
    (r)[2 * (rs)] = d4_ - d3_ + 4.0f * (d1_ - d2_); \
    (r)[3 * (rs)] = d4_ - d2_ + 2.0f * (d3_ - d1_); \
    (r)[4 * (rs)] = d4_ - d2_ + 2.0f * (d1_ - d3_); \
    (r)[5 * (rs)] = 4.0f * d1_ - 5.0f * d3_ + d5_; \
} while (0)
/* x -> A^T x of F(4x4, 3x3): 6 products to 4 outputs */
#define OUTPUT_1D(T, x, s, r, rs) do { \
    const T x0_ = (x)[0], x1_ = (x)[(s)], x2_ = (x)[2 * (s)], x3_ = (x)[3 * (s)], x4_ = (x)[4 * (s)], \
            x5_ = (x)[5 * (s)]; \
    const T p12_ = x1_ + x2_, m12_ = x1_ - x2_, p34_ = x3_ + x4_, m34_ = x3_ - x4_; \
    (r)[0] = x0_ + p12_ + p34_; \
    (r)[(rs)] = m12_ + 2.0f * m34_; \
    (r)[2 * (rs)] = p12_ + 4.0f * p34_; \
    (r)[3 * (rs)] = m12_ + 8.0f * m34_ + x5_; \
} while (0)
#else
#error "WINOGRAD_M must be 2 or 4"
#endif

/* The transformed patch B^T d B of tile t, channel c, written to v[xi * C_BLOCK * TILES + cc * TILES + slot];
 * zeros for a tile past T. */
inline void transform_patch(__global const float *restrict in, int t, int c, int C, int H, int W, int tiles_h,
                            int tiles_w, int pad_top, int pad_left, int T, __local float *v, int cc, int slot) {
    float d[POSITIONS];
    const bool valid = t < T;
    const int tt = valid ? t : T - 1; /* a tile past T reads nothing; its plane stays inside the input */
    const int tw = tt % tiles_w;
    const int th = (tt / tiles_w) % tiles_h;
    const int n = tt / (tiles_w * tiles_h);
    const int h0 = th * WINOGRAD_M - pad_top;
    const int w0 = tw * WINOGRAD_M - pad_left;
    __global const float *plane = in + nchw_offset(n, c, 0, 0, C, H, W);
    if (valid && h0 >= 0 && h0 + ALPHA <= H && w0 >= 0 && w0 + ALPHA <= W) { /* inside: no per-element test */
        #pragma unroll
        for (int i = 0; i < ALPHA; ++i) {
            #pragma unroll
            for (int j = 0; j < ALPHA; ++j) {
                d[i * ALPHA + j] = plane[(h0 + i) * W + w0 + j];
            }
        }
    } else {
        #pragma unroll
        for (int i = 0; i < ALPHA; ++i) {
            #pragma unroll
            for (int j = 0; j < ALPHA; ++j) {
                const int h = h0 + i, w = w0 + j;
                d[i * ALPHA + j] = (valid && h >= 0 && h < H && w >= 0 && w < W) ? plane[h * W + w] : 0.0f;
            }
        }
    }
    float bd[POSITIONS]; /* B^T d: columns transformed */
    #pragma unroll
    for (int j = 0; j < ALPHA; ++j) {
        INPUT_1D(float, d + j, ALPHA, bd + j, ALPHA);
    }
    float r[ALPHA];
    #pragma unroll
    for (int i = 0; i < ALPHA; ++i) { /* (B^T d) B: rows transformed */
        INPUT_1D(float, bd + i * ALPHA, 1, r, 1);
        #pragma unroll
        for (int j = 0; j < ALPHA; ++j) {
            v[((i * ALPHA + j) * C_BLOCK + cc) * ITEM_TILES + slot] = r[j];
        }
    }
}

__kernel void winograd_fused(__global const float *restrict in, __global const float *restrict u,
                             __global const float *restrict bias, __global float *restrict out,
                             const int C, const int H, const int W, const int K, const int P, const int Q,
                             const int tiles_h, const int tiles_w, const int pad_top, const int pad_left, const int T) {
    __local float v[POSITIONS * C_BLOCK * ITEM_TILES];
    __local floatN mm[POSITIONS * ITEM_TILES * K_BLOCKS * K_VECTORS];
    const int t0 = (int)get_global_id(0) * ITEM_TILES;
    const int kb0 = (int)get_global_id(1) * K_BLOCKS; /* the item's first block of KB output channels */
    if (t0 >= T || kb0 * KB >= K) {
        return;
    }
    const int blocks = min(K_BLOCKS, ceil_div(K, KB) - kb0); /* blocks inside K */
    const int groups = min(TILE_GROUPS, ceil_div(T - t0, TILES)); /* tile groups with a tile inside T */

    for (int c0 = 0; c0 < C; c0 += C_BLOCK) {
        const int cb = min(C_BLOCK, C - c0);
        for (int cc = 0; cc < cb; ++cc) {
            for (int s = 0; s < groups * TILES; ++s) {
                transform_patch(in, t0 + s, c0 + cc, C, H, W, tiles_h, tiles_w, pad_top, pad_left, T, v, cc, s);
            }
        }
        for (int b = 0; b < blocks; ++b) {
            __global const float *ub = u + (size_t)(kb0 + b) * POSITIONS * C * KB;
            __local floatN *mb = mm + b * K_VECTORS;
            for (int xi = 0; xi < POSITIONS; ++xi) {
                __global const float *w = ub + ((size_t)xi * C + c0) * KB;
                for (int g = 0; g < groups; ++g) { /* the weights of (xi, chunk) stay in L1 across the groups */
                    __local floatN *mg = mb + (xi * ITEM_TILES + g * TILES) * K_BLOCKS * K_VECTORS;
                    __local const float *x = v + xi * C_BLOCK * ITEM_TILES + g * TILES;
                    floatN acc[TILES][K_VECTORS];
                    #pragma unroll
                    for (int s = 0; s < TILES; ++s) {
                        #pragma unroll
                        for (int j = 0; j < K_VECTORS; ++j) {
                            acc[s][j] = c0 == 0 ? (floatN)(0.0f) : mg[s * K_BLOCKS * K_VECTORS + j];
                        }
                    }
                    for (int cc = 0; cc < cb; ++cc) {
                        floatN wv[K_VECTORS];
                        #pragma unroll
                        for (int j = 0; j < K_VECTORS; ++j) {
                            wv[j] = vloadN(j, w + cc * KB);
                        }
                        #pragma unroll
                        for (int s = 0; s < TILES; ++s) {
                            const floatN xs = (floatN)(x[cc * ITEM_TILES + s]);
                            #pragma unroll
                            for (int j = 0; j < K_VECTORS; ++j) {
                                acc[s][j] = fma(xs, wv[j], acc[s][j]);
                            }
                        }
                    }
                    #pragma unroll
                    for (int s = 0; s < TILES; ++s) {
                        #pragma unroll
                        for (int j = 0; j < K_VECTORS; ++j) {
                            mg[s * K_BLOCKS * K_VECTORS + j] = acc[s][j];
                        }
                    }
                }
            }
        }
    }

    for (int s = 0; s < ITEM_TILES && t0 + s < T; ++s) {
        const int t = t0 + s;
        const int tw = t % tiles_w;
        const int th = (t / tiles_w) % tiles_h;
        const int n = t / (tiles_w * tiles_h);
        for (int j = 0; j < blocks * K_VECTORS && kb0 * KB + j * VECTOR_WIDTH < K; ++j) {
            floatN am[WINOGRAD_M * ALPHA]; /* A^T M: columns transformed */
            #pragma unroll
            for (int col = 0; col < ALPHA; ++col) {
                floatN x[ALPHA];
                #pragma unroll
                for (int i = 0; i < ALPHA; ++i) {
                    x[i] = mm[((i * ALPHA + col) * ITEM_TILES + s) * K_BLOCKS * K_VECTORS + j];
                }
                OUTPUT_1D(floatN, x, 1, am + col, ALPHA);
            }
            const int k0 = kb0 * KB + j * VECTOR_WIDTH;
            for (int i = 0; i < WINOGRAD_M && th * WINOGRAD_M + i < P; ++i) {
                floatN y[WINOGRAD_M]; /* (A^T M) A: row i */
                OUTPUT_1D(floatN, am + i * ALPHA, 1, y, 1);
                float ys[WINOGRAD_M * VECTOR_WIDTH]; /* y[q], lane l at ys[q * VECTOR_WIDTH + l] */
                #pragma unroll
                for (int q = 0; q < WINOGRAD_M; ++q) {
                    vstoreN(y[q], q, ys);
                }
                const int p = th * WINOGRAD_M + i;
                for (int l = 0; l < VECTOR_WIDTH && k0 + l < K; ++l) {
#if HAS_BIAS
                    const float b = bias[k0 + l];
#else
                    const float b = 0.0f;
#endif
                    __global float *row = out + nchw_offset(n, k0 + l, p, 0, K, P, Q);
                    for (int q = 0; q < WINOGRAD_M && tw * WINOGRAD_M + q < Q; ++q) {
                        float value = ys[q * VECTOR_WIDTH + l] + b;
#if ADD_RESIDUAL
                        value += row[tw * WINOGRAD_M + q];
#endif
                        row[tw * WINOGRAD_M + q] = ACTIVATE(value);
                    }
                }
            }
        }
    }
}
