/*
 * fully_connected.cl: y = x W^T + b, optionally ReLU: the fully connected layer at small batch, where reading the
 * weights dominates (a matrix-vector product per image), so each weight row is read once for ROWS_PER_ITEM images.
 *
 * Layouts: x [N, in], weights [out, in], bias [out], y [N, out]; row-major float32.
 * Work-items: get_global_id(0) = output feature o, get_global_id(1) = block of ROWS_PER_ITEM images. Each work-item
 *   computes y[n][o] for its images with VECTOR_WIDTH-wide partial sums over the input features.
 * Tunables (-D): ROWS_PER_ITEM, VECTOR_WIDTH (the host picks the device's preferred float width when in is a
 *   multiple of it, else 1), HAS_BIAS (0/1), FUSE_RELU (0/1).
 */
#include "common.h"
#include "vector_types.h"

#if VECTOR_WIDTH == 1
#define HSUM(v) (v)
#else
#define HSUM(v) horizontal_sum(v)
inline float horizontal_sum(floatN v) {
    float s = 0.0f;
    float parts[VECTOR_WIDTH];
    vstoreN(v, 0, parts);
    #pragma unroll
    for (int i = 0; i < VECTOR_WIDTH; ++i) {
        s += parts[i];
    }
    return s;
}
#endif

__kernel void fully_connected(__global const float *restrict x, __global const float *restrict weights,
                              __global const float *restrict bias, __global float *restrict y, const int N,
                              const int in_features, const int out_features) {
    const int o = (int)get_global_id(0);
    const int n0 = (int)get_global_id(1) * ROWS_PER_ITEM;
    if (o >= out_features) {
        return;
    }
    floatN acc[ROWS_PER_ITEM];
    #pragma unroll
    for (int r = 0; r < ROWS_PER_ITEM; ++r) {
        acc[r] = (floatN)(0.0f);
    }
    __global const float *w = weights + o * in_features;
    const int vectors = in_features / VECTOR_WIDTH;
    for (int i = 0; i < vectors; ++i) {
        const floatN wv = vloadN(i, w);
        #pragma unroll
        for (int r = 0; r < ROWS_PER_ITEM; ++r) {
            if (n0 + r < N) {
                acc[r] = fma(wv, vloadN(i, x + (n0 + r) * in_features), acc[r]);
            }
        }
    }
#if HAS_BIAS
    const float b = bias[o];
#else
    const float b = 0.0f;
#endif
    #pragma unroll
    for (int r = 0; r < ROWS_PER_ITEM && n0 + r < N; ++r) {
        y[(n0 + r) * out_features + o] = ACTIVATE(HSUM(acc[r]) + b);
    }
}
