/*
 * eltwise.cl: element-wise operators: ReLU, tanh, per-channel bias add, residual add (optionally with ReLU),
 * inference batch normalisation as a per-channel scale and shift (the host folds gamma, beta, mean, var and epsilon
 * into scale = gamma / sqrt(var + eps) and shift = beta - mean * scale, in double), and the copy of one input of a
 * channel concatenation into its place in the output.
 *
 * Layouts: flat float32 arrays; per-channel operators see [N, C, plane_size] with channel = (i / plane_size) % C.
 *   copy_into_channels: input [N, in_block] (in_block = C_i x plane), output [N, out_block] (out_block = C x plane);
 *   input image n lands at out[n * out_block + offset], offset = (channels of the earlier inputs) x plane.
 * Work-items: one per element, get_global_id(0) = flat index; the host rounds the global size up, so each kernel
 *   checks i < total.
 * Tunables (-D): FUSE_RELU (0/1) for residual_add.
 */
#include "common.h"

__kernel void relu(__global const float *restrict in, __global float *restrict out, const int total) {
    const int i = (int)get_global_id(0);
    if (i < total) {
        out[i] = RELU(in[i]);
    }
}

__kernel void tanh_activation(__global const float *restrict in, __global float *restrict out, const int total) {
    const int i = (int)get_global_id(0);
    if (i < total) {
        out[i] = tanh(in[i]);
    }
}

__kernel void bias_add(__global const float *restrict in, __global const float *restrict bias,
                       __global float *restrict out, const int C, const int plane_size, const int total) {
    const int i = (int)get_global_id(0);
    if (i < total) {
        out[i] = in[i] + bias[(i / plane_size) % C];
    }
}

__kernel void residual_add(__global const float *restrict a, __global const float *restrict b,
                           __global float *restrict out, const int total) {
    const int i = (int)get_global_id(0);
    if (i < total) {
        out[i] = ACTIVATE(a[i] + b[i]);
    }
}

__kernel void scale_shift(__global const float *restrict in, __global const float *restrict scale,
                          __global const float *restrict shift, __global float *restrict out, const int C,
                          const int plane_size, const int total) {
    const int i = (int)get_global_id(0);
    if (i < total) {
        const int c = (i / plane_size) % C;
        out[i] = fma(in[i], scale[c], shift[c]);
    }
}

__kernel void copy_into_channels(__global const float *restrict in, __global float *restrict out, const int in_block,
                                 const int out_block, const int offset, const int total) {
    const int i = (int)get_global_id(0);
    if (i < total) {
        const int n = i / in_block;
        out[n * out_block + offset + (i - n * in_block)] = in[i];
    }
}
