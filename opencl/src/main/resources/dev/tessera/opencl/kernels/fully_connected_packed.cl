/*
 * fully_connected_packed.cl: y = x W^T + b, optionally ReLU, for small batches on CPU devices, at memory speed: the
 * weights are packed once (on the host, at prepare) into panels of VECTOR_WIDTH output features, so that one
 * work-item streams one contiguous panel from start to end with VECTOR_WIDTH-wide loads, multiplying each
 * VECTOR_WIDTH-vector of weights by one broadcast input value; no horizontal sums, one vector store per image.
 *
 * Layouts: x [N, in]; packed [panels][in][VECTOR_WIDTH] with packed[p][i][j] = W[p * VECTOR_WIDTH + j][i], zero past
 *   out (panels = ceil(out / VECTOR_WIDTH)); bias [panels * VECTOR_WIDTH] (zero-padded; zeros when HAS_BIAS is 0);
 *   y [N, out]; row-major float32.
 * Work-items: get_global_id(0) = panel p, get_global_id(1) = block of ROWS_PER_ITEM images (the last block's missing
 *   images read image N-1 again and store nothing).
 * Tunables (-D): VECTOR_WIDTH (the panel width: 16 on CPUs), ROWS_PER_ITEM (1-4), FUSE_RELU (0/1).
 */
#include "common.h"
#include "vector_types.h"

__kernel void fully_connected_packed(__global const float *restrict x, __global const float *restrict packed,
                                     __global const float *restrict bias, __global float *restrict y, const int N,
                                     const int in_features, const int out_features) {
    const int p = (int)get_global_id(0);
    const int n0 = (int)get_global_id(1) * ROWS_PER_ITEM;
    if (p * VECTOR_WIDTH >= out_features || n0 >= N) {
        return;
    }
    __global const float *rows[ROWS_PER_ITEM];
    floatN acc[ROWS_PER_ITEM];
    floatN odd[ROWS_PER_ITEM];
    #pragma unroll
    for (int r = 0; r < ROWS_PER_ITEM; ++r) {
        rows[r] = x + (size_t)min(n0 + r, N - 1) * in_features;
        acc[r] = (floatN)(0.0f);
        odd[r] = (floatN)(0.0f);
    }
    __global const float *panel = packed + (size_t)p * in_features * VECTOR_WIDTH;
    /* two independent accumulator chains (even and odd inputs) so the FMA latency never stalls the stream */
    int i = 0;
    for (; i + 1 < in_features; i += 2) {
        const floatN w0 = vloadN(i, panel);
        const floatN w1 = vloadN(i + 1, panel);
        #pragma unroll
        for (int r = 0; r < ROWS_PER_ITEM; ++r) {
            acc[r] = fma((floatN)(rows[r][i]), w0, acc[r]);
            odd[r] = fma((floatN)(rows[r][i + 1]), w1, odd[r]);
        }
    }
    if (i < in_features) {
        const floatN w0 = vloadN(i, panel);
        #pragma unroll
        for (int r = 0; r < ROWS_PER_ITEM; ++r) {
            acc[r] = fma((floatN)(rows[r][i]), w0, acc[r]);
        }
    }
    const floatN b = vloadN(p, bias);
    const int first = p * VECTOR_WIDTH;
    const int valid = min(VECTOR_WIDTH, out_features - first);
    #pragma unroll
    for (int r = 0; r < ROWS_PER_ITEM; ++r) {
        if (n0 + r < N) {
            const floatN v = ACTIVATE(acc[r] + odd[r] + b);
            __global float *out = y + (size_t)(n0 + r) * out_features + first;
            if (valid == VECTOR_WIDTH) {
                vstoreN(v, 0, out);
            } else {
                float parts[VECTOR_WIDTH];
                vstoreN(v, 0, parts);
                for (int j = 0; j < valid; ++j) {
                    out[j] = parts[j];
                }
            }
        }
    }
}
