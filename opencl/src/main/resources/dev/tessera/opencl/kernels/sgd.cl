/*
 * sgd.cl: one step of stochastic gradient descent with momentum, in place, PyTorch's form:
 *   v = momentum * v + (g + weight_decay * w);  w = w - learning_rate * v.
 * With HAS_MASK=1, entries where mask is 0 are structurally absent (LeNet-5's C3 table): neither w nor v changes.
 *
 * Layouts: weight, velocity, gradient (and mask) flat float32 arrays of the same length.
 * Work-items: one per element, get_global_id(0) = flat index.
 * Tunables (-D): HAS_MASK (0/1).
 */

__kernel void sgd_momentum(__global float *restrict weight, __global float *restrict velocity,
                           __global const float *restrict gradient, __global const float *restrict mask,
                           const float learning_rate, const float momentum, const float weight_decay,
                           const int total) {
    const int i = (int)get_global_id(0);
    if (i >= total) {
        return;
    }
#if HAS_MASK
    if (mask[i] == 0.0f) {
        return;
    }
#endif
    const float w = weight[i];
    const float v = fma(momentum, velocity[i], fma(weight_decay, w, gradient[i]));
    velocity[i] = v;
    weight[i] = fma(-learning_rate, v, w);
}
