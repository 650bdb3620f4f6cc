/*
 * conv_winograd.cl: the input and output transforms of Winograd convolution F(m x m, 3 x 3), m = WINOGRAD_M (2 or 4),
 * alpha = m + 2. Between them a batched GEMM (gemm.cl) multiplies, for each of the alpha^2 transform positions xi,
 * the transformed weights U[xi] (K x C, packed-A) by the transformed input V[xi] (C x T, packed-B) into M[xi] (K x T,
 * row-major). The weight transform U = G g G^T is done once on the host, in double.
 *
 * Tiles: output tile (th, tw) of image n covers rows th*m .. th*m+m-1 and columns tw*m .. tw*m+m-1; it reads the
 *   alpha x alpha input patch starting at (th*m - pad_top, tw*m - pad_left), zeros outside the input.
 *   t = (n * tiles_h + th) * tiles_w + tw, T = N * tiles_h * tiles_w.
 * winograd_input_transform: one work-item per (t, c): get_global_id(0) = t, get_global_id(1) = c. Writes
 *   V[xi] = (B^T d B)[xi] for every xi into the packed-B layout of the xi-th C x T matrix (panel width NR).
 * winograd_input_transform_tiled (the GPU family's): the same V from a group's input region staged in local memory
 *   (see the kernel).
 * winograd_output_transform: one work-item per (t, k): get_global_id(0) = t, get_global_id(1) = k. Reads M[xi][k][t]
 *   for every xi, writes the m x m tile A^T M A (+ bias, ReLU) into out [N, K, P, Q], clipped at the edges.
 * winograd_output_transform_tiled (the GPU family's): the same tiles, a group's written out together from local
 *   memory (see the kernel).
 * Tunables (-D): WINOGRAD_M (2 or 4), NR (the GEMM's packed-B panel width), HAS_BIAS (0/1), FUSE_RELU (0/1).
 */
#include "common.h"
#include "workgroup.h"

#define ALPHA (WINOGRAD_M + 2)

#if WINOGRAD_M == 2
/* Lavin and Gray, F(2x2, 3x3) */
#define BT_MATRIX { \
    1.0f,  0.0f, -1.0f,  0.0f, \
    0.0f,  1.0f,  1.0f,  0.0f, \
    0.0f, -1.0f,  1.0f,  0.0f, \
    0.0f,  1.0f,  0.0f, -1.0f }
#define AT_MATRIX { \
    1.0f, 1.0f,  1.0f,  0.0f, \
    0.0f, 1.0f, -1.0f, -1.0f }
#elif WINOGRAD_M == 4
/* Lavin and Gray, F(4x4, 3x3), interpolation points 0, 1, -1, 2, -2 */
#define BT_MATRIX { \
    4.0f,  0.0f, -5.0f,  0.0f, 1.0f, 0.0f, \
    0.0f, -4.0f, -4.0f,  1.0f, 1.0f, 0.0f, \
    0.0f,  4.0f, -4.0f, -1.0f, 1.0f, 0.0f, \
    0.0f, -2.0f, -1.0f,  2.0f, 1.0f, 0.0f, \
    0.0f,  2.0f, -1.0f, -2.0f, 1.0f, 0.0f, \
    0.0f,  4.0f,  0.0f, -5.0f, 0.0f, 1.0f }
#define AT_MATRIX { \
    1.0f, 1.0f,  1.0f, 1.0f,  1.0f, 0.0f, \
    0.0f, 1.0f, -1.0f, 2.0f, -2.0f, 0.0f, \
    0.0f, 1.0f,  1.0f, 4.0f,  4.0f, 0.0f, \
    0.0f, 1.0f, -1.0f, 8.0f, -8.0f, 1.0f }
#else
#error "WINOGRAD_M must be 2 or 4"
#endif

/* Writes V[xi] = (B^T d B)[xi] of input patch d, for every transform position xi, at tile t and channel c of the
 * packed-B layout of the xi-th C x T matrix (panel width NR). */
inline void store_input_transform(float d[ALPHA][ALPHA], __global float *restrict v, int t, int c, int C, int T) {
    const float bt[ALPHA * ALPHA] = BT_MATRIX;
    float bd[ALPHA][ALPHA]; /* B^T d */
    #pragma unroll
    for (int i = 0; i < ALPHA; ++i) {
        #pragma unroll
        for (int j = 0; j < ALPHA; ++j) {
            float s = 0.0f;
            #pragma unroll
            for (int l = 0; l < ALPHA; ++l) {
                s = fma(bt[i * ALPHA + l], d[l][j], s);
            }
            bd[i][j] = s;
        }
    }
    const int matrix = C * ceil_div(T, NR) * NR; /* floats per packed C x T matrix */
    #pragma unroll
    for (int i = 0; i < ALPHA; ++i) {
        #pragma unroll
        for (int j = 0; j < ALPHA; ++j) { /* (B^T d B)[i][j] = sum_l bd[i][l] * bt[j][l] */
            float s = 0.0f;
            #pragma unroll
            for (int l = 0; l < ALPHA; ++l) {
                s = fma(bd[i][l], bt[j * ALPHA + l], s);
            }
            v[(i * ALPHA + j) * matrix + packed_offset(t / NR, c, t % NR, C, NR)] = s;
        }
    }
}

__kernel void winograd_input_transform(__global const float *restrict in, __global float *restrict v,
                                       const int C, const int H, const int W, const int tiles_h, const int tiles_w,
                                       const int pad_top, const int pad_left, const int T) {
    const int t = (int)get_global_id(0);
    const int c = (int)get_global_id(1);
    if (t >= T || c >= C) {
        return;
    }
    const int tw = t % tiles_w;
    const int th = (t / tiles_w) % tiles_h;
    const int n = t / (tiles_w * tiles_h);
    const int h0 = th * WINOGRAD_M - pad_top;
    const int w0 = tw * WINOGRAD_M - pad_left;
    __global const float *plane = in + nchw_offset(n, c, 0, 0, C, H, W);

    float d[ALPHA][ALPHA];
    #pragma unroll
    for (int i = 0; i < ALPHA; ++i) {
        #pragma unroll
        for (int j = 0; j < ALPHA; ++j) {
            const int h = h0 + i, w = w0 + j;
            d[i][j] = (h >= 0 && h < H && w >= 0 && w < W) ? plane[h * W + w] : 0.0f;
        }
    }
    store_input_transform(d, v, t, c, C, T);
}

/* The m x m output tile y = ACTIVATE(A^T M A + b) of the alpha x alpha products mm. */
inline void output_tile(float mm[ALPHA][ALPHA], float b, float y[WINOGRAD_M][WINOGRAD_M]) {
    const float at[WINOGRAD_M * ALPHA] = AT_MATRIX;
    float am[WINOGRAD_M][ALPHA]; /* A^T M */
    #pragma unroll
    for (int i = 0; i < WINOGRAD_M; ++i) {
        #pragma unroll
        for (int j = 0; j < ALPHA; ++j) {
            float s = 0.0f;
            #pragma unroll
            for (int l = 0; l < ALPHA; ++l) {
                s = fma(at[i * ALPHA + l], mm[l][j], s);
            }
            am[i][j] = s;
        }
    }
    #pragma unroll
    for (int i = 0; i < WINOGRAD_M; ++i) {
        #pragma unroll
        for (int j = 0; j < WINOGRAD_M; ++j) {
            float s = b;
            #pragma unroll
            for (int l = 0; l < ALPHA; ++l) {
                s = fma(am[i][l], at[j * ALPHA + l], s);
            }
            y[i][j] = ACTIVATE(s);
        }
    }
}

/* M[xi][k][t] for every transform position xi, and the bias of channel k. */
inline float load_products(__global const float *restrict m, int k, int t, int K, int T, float mm[ALPHA][ALPHA],
                           __global const float *restrict bias) {
    #pragma unroll
    for (int i = 0; i < ALPHA; ++i) {
        #pragma unroll
        for (int j = 0; j < ALPHA; ++j) {
            mm[i][j] = m[((i * ALPHA + j) * K + k) * T + t];
        }
    }
#if HAS_BIAS
    return bias[k];
#else
    return 0.0f;
#endif
}

__kernel void winograd_output_transform(__global const float *restrict m, __global const float *restrict bias,
                                        __global float *restrict out, const int K, const int P, const int Q,
                                        const int tiles_h, const int tiles_w, const int T) {
    const int t = (int)get_global_id(0);
    const int k = (int)get_global_id(1);
    if (t >= T || k >= K) {
        return;
    }
    const int tw = t % tiles_w;
    const int th = (t / tiles_w) % tiles_h;
    const int n = t / (tiles_w * tiles_h);
    float mm[ALPHA][ALPHA];
    float y[WINOGRAD_M][WINOGRAD_M];
    output_tile(mm, load_products(m, k, t, K, T, mm, bias), y);
    for (int i = 0; i < WINOGRAD_M && th * WINOGRAD_M + i < P; ++i) {
        for (int j = 0; j < WINOGRAD_M && tw * WINOGRAD_M + j < Q; ++j) {
            out[nchw_offset(n, k, th * WINOGRAD_M + i, tw * WINOGRAD_M + j, K, P, Q)] = y[i][j];
        }
    }
}

/* The GPU family's input transform, per work-group: a group of TW x TH work-items (the local size) covers tile columns
 * tw0 .. tw0 + TW - 1 and tile rows th0 .. th0 + TH - 1 of one (image, channel) plane, get_global_id(0) = tw,
 * get_global_id(1) = th, get_global_id(2) = n * C + c (local size 1). The items first stage, together, the input
 * region all those patches read ((TH m + 2) x (TW m + 2) floats, zeros outside the input; neighbouring patches overlap
 * by two rows and columns, so each input value is read from global memory once instead of up to four times) in
 * `region`, a __local argument the host sizes within the device's local memory, wait at the barrier, then each
 * transforms its own patch from local memory and writes V like winograd_input_transform. Items past the tiles load
 * but write nothing. */
__kernel void winograd_input_transform_tiled(__global const float *restrict in, __global float *restrict v,
                                             __local float *region, const int C, const int H, const int W,
                                             const int tiles_h, const int tiles_w, const int pad_top,
                                             const int pad_left, const int T) {
    const int group_w = (int)get_local_size(0);
    const int group_h = (int)get_local_size(1);
    const int region_w = group_w * WINOGRAD_M + 2;
    const int region_h = group_h * WINOGRAD_M + 2;
    const int top = (int)get_group_id(1) * group_h * WINOGRAD_M - pad_top;
    const int left = (int)get_group_id(0) * group_w * WINOGRAD_M - pad_left;
    const int n = (int)get_global_id(2) / C;
    const int c = (int)get_global_id(2) % C;
    __global const float *plane = in + nchw_offset(n, c, 0, 0, C, H, W);
    stage_region(plane, H, W, top, left, region_h, region_w, region);
    barrier(CLK_LOCAL_MEM_FENCE);
    const int tw = (int)get_global_id(0);
    const int th = (int)get_global_id(1);
    if (tw >= tiles_w || th >= tiles_h) {
        return;
    }
    __local const float *patch = region + (int)get_local_id(1) * WINOGRAD_M * region_w
            + (int)get_local_id(0) * WINOGRAD_M;
    float d[ALPHA][ALPHA];
    #pragma unroll
    for (int i = 0; i < ALPHA; ++i) {
        #pragma unroll
        for (int j = 0; j < ALPHA; ++j) {
            d[i][j] = patch[i * region_w + j];
        }
    }
    store_input_transform(d, v, (n * tiles_h + th) * tiles_w + tw, c, C, T);
}

/* The GPU family's output transform, per work-group: a group of TW x TH work-items (the local size) covers tile columns
 * tw0 .. tw0 + TW - 1 and tile rows th0 .. th0 + TH - 1 of one output plane (n, k): get_global_id(0) = tw,
 * get_global_id(1) = th, get_global_id(2) = n * K + k (local size 1). Each item reads its tile's products (consecutive
 * items read consecutive tiles of M) and puts its m x m outputs into `region` ((TH m) x (TW m) floats, a __local
 * argument the host sizes within the device's local memory); after the barrier the group writes the region's rows
 * inside P x Q to `out` together, consecutive items writing consecutive columns. Items past the tiles compute nothing;
 * their region cells lie past P or Q and are never written out. */
__kernel void winograd_output_transform_tiled(__global const float *restrict m, __global const float *restrict bias,
                                              __global float *restrict out, const int K, const int P, const int Q,
                                              const int tiles_h, const int tiles_w, const int T,
                                              __local float *region) {
    const int group_w = (int)get_local_size(0);
    const int group_h = (int)get_local_size(1);
    const int region_w = group_w * WINOGRAD_M;
    const int tw = (int)get_global_id(0);
    const int th = (int)get_global_id(1);
    const int n = (int)get_global_id(2) / K;
    const int k = (int)get_global_id(2) % K;
    if (tw < tiles_w && th < tiles_h) {
        float mm[ALPHA][ALPHA];
        float y[WINOGRAD_M][WINOGRAD_M];
        output_tile(mm, load_products(m, k, (n * tiles_h + th) * tiles_w + tw, K, T, mm, bias), y);
        __local float *corner = region + (int)get_local_id(1) * WINOGRAD_M * region_w
                + (int)get_local_id(0) * WINOGRAD_M;
        #pragma unroll
        for (int i = 0; i < WINOGRAD_M; ++i) {
            #pragma unroll
            for (int j = 0; j < WINOGRAD_M; ++j) {
                corner[i * region_w + j] = y[i][j];
            }
        }
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    const int top = (int)get_group_id(1) * group_h * WINOGRAD_M;
    const int left = (int)get_group_id(0) * region_w;
    __global float *plane = out + nchw_offset(n, k, 0, 0, K, P, Q);
    for (int i = (int)(get_local_id(1) * group_w + get_local_id(0)); i < group_h * WINOGRAD_M * region_w;
         i += group_w * group_h) {
        const int p = top + i / region_w;
        const int q = left + i % region_w;
        if (p < P && q < Q) {
            plane[p * Q + q] = region[i];
        }
    }
}
