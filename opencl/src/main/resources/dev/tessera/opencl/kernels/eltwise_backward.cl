/*
 * eltwise_backward.cl: the gradients of ReLU and tanh (from their outputs y), and of a per-channel bias (the sum of dy
 * over every axis but the channel one), used for convolution and fully connected biases alike.
 *
 * Layouts: flat float32 arrays; bias_backward sees dy as [N, C, inner] (inner = H * W, or 1 after an FC layer).
 * Work-items: relu_backward / tanh_backward: one per element, get_global_id(0) = flat index. bias_backward: one per
 *   channel, get_global_id(0) = c, summing N * inner values in float.
 * Tunables: none.
 */

__kernel void relu_backward(__global const float *restrict y, __global const float *restrict dy,
                            __global float *restrict dx, const int total) {
    const int i = (int)get_global_id(0);
    if (i < total) {
        dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
    }
}

__kernel void tanh_backward(__global const float *restrict y, __global const float *restrict dy,
                            __global float *restrict dx, const int total) {
    const int i = (int)get_global_id(0);
    if (i < total) {
        dx[i] = dy[i] * fma(-y[i], y[i], 1.0f);
    }
}

__kernel void bias_backward(__global const float *restrict dy, __global float *restrict dbias, const int N,
                            const int C, const int inner) {
    const int c = (int)get_global_id(0);
    if (c >= C) {
        return;
    }
    float sum = 0.0f;
    for (int n = 0; n < N; ++n) {
        __global const float *row = dy + (n * C + c) * inner;
        for (int j = 0; j < inner; ++j) {
            sum += row[j];
        }
    }
    dbias[c] = sum;
}
