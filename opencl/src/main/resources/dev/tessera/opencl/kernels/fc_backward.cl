/*
 * fc_backward.cl: the gradients of a fully connected layer y = x W^T (+ b): dL/dx = dy W and dL/dW = dy^T x. The bias
 * gradient is bias_backward in eltwise_backward.cl; a fused ReLU is folded into dy by the host first.
 *
 * Layouts: x and dx [N, F] (a flattened [N, C, H, W] is the same memory); weight and dweight [O, F]; dy [N, O];
 *   row-major float32.
 * Work-items: fc_backward_data: one per dx element, get_global_id(0) = n * F + f, summing over the O outputs.
 *   fc_backward_weight: one per dweight element, get_global_id(0) = o * F + f, summing over the N rows.
 *   Neighbouring work-items read neighbouring f, so reads of weight and x coalesce.
 * Accumulation: float, with fma. Tunables: none.
 */

__kernel void fc_backward_data(__global const float *restrict dy, __global const float *restrict weight,
                               __global float *restrict dx, const int O, const int F, const int total) {
    const int i = (int)get_global_id(0);
    if (i >= total) {
        return;
    }
    const int f = i % F;
    const int n = i / F;
    float sum = 0.0f;
    for (int o = 0; o < O; ++o) {
        sum = fma(dy[n * O + o], weight[o * F + f], sum);
    }
    dx[i] = sum;
}

__kernel void fc_backward_weight(__global const float *restrict x, __global const float *restrict dy,
                                 __global float *restrict dweight, const int N, const int O, const int F,
                                 const int total) {
    const int i = (int)get_global_id(0);
    if (i >= total) {
        return;
    }
    const int f = i % F;
    const int o = i / F;
    float sum = 0.0f;
    for (int n = 0; n < N; ++n) {
        sum = fma(dy[n * O + o], x[n * F + f], sum);
    }
    dweight[i] = sum;
}
