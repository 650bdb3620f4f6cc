/*
 * eltwise_gpu.cl: the GPU family's element-wise operators: ReLU (common.h's ACTIVATE, built with FUSE_RELU=1, so NaN
 * stays NaN), tanh, residual add (ReLU with FUSE_RELU=1) and per-channel bias add.
 *
 * Layouts: flat float32 arrays; bias_add_vec sees [N, C, plane_size], channel = (element / plane_size) % C.
 * Work-items: one per VECTOR_WIDTH consecutive elements, get_global_id(0) = vector index v covering elements
 *   v*VECTOR_WIDTH .. v*VECTOR_WIDTH + VECTOR_WIDTH - 1, so consecutive work-items read consecutive vectors;
 *   the last, partial vector is done element by element. bias_add_vec needs plane_size to be a multiple of
 *   VECTOR_WIDTH (one channel per vector; the host uses width 1 otherwise).
 * Tunables (-D): VECTOR_WIDTH (1, 2, 4, 8, 16: the table's width), FUSE_RELU (0/1). The host launches groups of the
 *   table's size rounded to CL_KERNEL_PREFERRED_WORK_GROUP_SIZE_MULTIPLE, within the kernel's limit.
 */
#include "common.h"
#include "vector_types.h"

/* Runs STATEMENT_V on this item's whole vector (index v, first element `first`) or, for the last, partial vector,
 * STATEMENT_1 on each of its elements e. */
#define FOR_MY_ELEMENTS(total, STATEMENT_V, STATEMENT_1)                                                              \
    const int v = (int)get_global_id(0);                                                                             \
    const int first = v * VECTOR_WIDTH;                                                                              \
    if (first + VECTOR_WIDTH <= (total)) {                                                                           \
        STATEMENT_V;                                                                                                 \
    } else {                                                                                                         \
        for (int e = first; e < (total); ++e) {                                                                      \
            STATEMENT_1;                                                                                             \
        }                                                                                                            \
    }

__kernel void relu_vec(__global const float *restrict in, __global float *restrict out, const int total) {
    FOR_MY_ELEMENTS(total, vstoreN(ACTIVATE(vloadN(v, in)), v, out), out[e] = ACTIVATE(in[e]))
}

__kernel void tanh_vec(__global const float *restrict in, __global float *restrict out, const int total) {
    FOR_MY_ELEMENTS(total, vstoreN(tanh(vloadN(v, in)), v, out), out[e] = tanh(in[e]))
}

__kernel void residual_add_vec(__global const float *restrict a, __global const float *restrict b,
                               __global float *restrict out, const int total) {
    FOR_MY_ELEMENTS(total, vstoreN(ACTIVATE(vloadN(v, a) + vloadN(v, b)), v, out), out[e] = ACTIVATE(a[e] + b[e]))
}

__kernel void bias_add_vec(__global const float *restrict in, __global const float *restrict bias,
                           __global float *restrict out, const int C, const int plane_size, const int total) {
    FOR_MY_ELEMENTS(total, vstoreN(vloadN(v, in) + bias[(first / plane_size) % C], v, out),
                    out[e] = in[e] + bias[(e / plane_size) % C])
}
