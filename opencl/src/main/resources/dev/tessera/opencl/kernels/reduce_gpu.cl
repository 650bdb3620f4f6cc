/*
 * reduce_gpu.cl: the GPU family's row reductions, a work-group per row with the reduction in local memory
 * (workgroup.h): softmax over each row, global average pooling per plane, and the fully connected layer at batch 1
 * (a matrix-vector product, where reading the weights dominates: the group's work-items read consecutive weights,
 * so the reads coalesce).
 *
 * Layouts (row-major float32): softmax in/out [rows, columns]; global_avg_pool_workgroup in [planes, plane_size],
 *   out [planes]; fc_workgroup x [N, K], weights [out, K], bias [out], y [N, out].
 * Work-items: 1-D groups of WG items (a power of two). softmax_workgroup / global_avg_pool_workgroup: group g = row g,
 *   item l reads columns l, l + WG, ... fc_workgroup: group (g, n) computes outputs g*ROWS .. g*ROWS + ROWS - 1 of
 *   image n, item l summing inputs l, l + WG, ... of each row; item r writes output row r (the host keeps ROWS <= WG).
 * Softmax is exp(x - max) / sum exp(x - max) with the NaN-keeping max, so a NaN in a row makes the row NaN, as in the
 *   reference backend.
 * Local memory: WG floats (the reduction's scratch).
 * Tunables (-D): WG (items per group; the host takes the table's value rounded down to a power of two within the
 *   device's and the built kernel's limits), ROWS (fc_workgroup: outputs per group),
 *   HAS_BIAS and FUSE_RELU (fc_workgroup, 0/1; the ReLU is common.h's ACTIVATE).
 */
#include "common.h"
#include "workgroup.h"

#ifndef ROWS
#define ROWS 1
#endif
#ifndef HAS_BIAS
#define HAS_BIAS 0
#endif

__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void softmax_workgroup(__global const float *restrict in, __global float *restrict out, const int columns) {
    __local float scratch[WG];
    const int lid = (int)get_local_id(0);
    __global const float *x = in + (int)get_group_id(0) * columns;
    __global float *y = out + (int)get_group_id(0) * columns;
    float largest = -INFINITY;
    for (int i = lid; i < columns; i += WG) {
        largest = max_propagating_nan(largest, x[i]);
    }
    largest = group_max(scratch, largest);
    float sum = 0.0f;
    for (int i = lid; i < columns; i += WG) {
        sum += exp(x[i] - largest);
    }
    const float inverse = 1.0f / group_sum(scratch, sum);
    for (int i = lid; i < columns; i += WG) {
        y[i] = exp(x[i] - largest) * inverse;
    }
}

__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void global_avg_pool_workgroup(__global const float *restrict in, __global float *restrict out, const int plane_size) {
    __local float scratch[WG];
    const int lid = (int)get_local_id(0);
    __global const float *x = in + (int)get_group_id(0) * plane_size;
    float sum = 0.0f;
    for (int i = lid; i < plane_size; i += WG) {
        sum += x[i];
    }
    sum = group_sum(scratch, sum);
    if (lid == 0) {
        out[get_group_id(0)] = sum / (float)plane_size;
    }
}

__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void fc_workgroup(__global const float *restrict x, __global const float *restrict weights,
             __global const float *restrict bias, __global float *restrict y, const int K, const int out_features) {
    __local float scratch[WG];
    const int lid = (int)get_local_id(0);
    const int first = (int)get_group_id(0) * ROWS;
    const int n = (int)get_group_id(1);
    __global const float *image = x + n * K;
    float partial[ROWS];
    #pragma unroll
    for (int r = 0; r < ROWS; ++r) {
        partial[r] = 0.0f;
    }
    for (int k = lid; k < K; k += WG) {
        const float v = image[k];
        #pragma unroll
        for (int r = 0; r < ROWS; ++r) {
            if (first + r < out_features) {
                partial[r] = fma(weights[(first + r) * K + k], v, partial[r]);
            }
        }
    }
    #pragma unroll
    for (int r = 0; r < ROWS; ++r) {
        const float total = group_sum(scratch, partial[r]);
        if (lid == r && first + r < out_features) {
#if HAS_BIAS
            const float b = bias[first + r];
#else
            const float b = 0.0f;
#endif
            y[n * out_features + first + r] = ACTIVATE(total + b);
        }
    }
}
