/*
 * softmax.cl: softmax over each row of a [rows, columns] matrix (the channel axis of [N, C] logits), numerically
 * stable: exp(x - max) / sum exp(x - max).
 *
 * Layouts: in and out [rows, columns], row-major float32.
 * Work-items: one per row, get_global_id(0) = row. Rows are short (classes), so one work-item per row is enough.
 * Tunables: none.
 */
#include "common.h"

__kernel void softmax_rows(__global const float *restrict in, __global float *restrict out, const int columns,
                           const int rows) {
    const int row = (int)get_global_id(0);
    if (row >= rows) {
        return;
    }
    __global const float *x = in + row * columns;
    __global float *y = out + row * columns;
    float largest = -INFINITY;
    for (int i = 0; i < columns; ++i) {
        largest = max_propagating_nan(largest, x[i]);
    }
    float sum = 0.0f;
    for (int i = 0; i < columns; ++i) {
        const float e = exp(x[i] - largest);
        y[i] = e;
        sum += e;
    }
    const float inverse = 1.0f / sum;
    for (int i = 0; i < columns; ++i) {
        y[i] *= inverse;
    }
}
