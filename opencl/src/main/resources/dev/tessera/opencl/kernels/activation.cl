/*
 * activation.cl: the parametrised element-wise activations of Operator.Activation: clip (ReLU6), leaky ReLU,
 * sigmoid, hard sigmoid and hard swish, y = f(x; a, b).
 *
 * Layouts: flat float32 arrays of any shape, in and out of the same size.
 * Work-items: one per element, get_global_id(0) = flat index; the host rounds the global size up, so the kernel checks
 *   i < total.
 * Tunables (-D): FUNCTION, the function: 0 clip (a = min, b = max), 1 leaky ReLU (a = alpha), 2 sigmoid,
 *   3 hard sigmoid (a = alpha, b = beta), 4 hard swish. Every function lets a NaN through: the clamps compare instead
 *   of calling fmin/fmax, which would turn NaN into a bound.
 */
#ifndef FUNCTION
#error "activation.cl needs -DFUNCTION"
#endif

/* max(0, min(1, v)), NaN stays NaN. */
inline float unit_clamp(float v) {
    return v < 0.0f ? 0.0f : (v > 1.0f ? 1.0f : v);
}

inline float activate(float x, float a, float b) {
#if FUNCTION == 0
    return x < a ? a : (x > b ? b : x);
#elif FUNCTION == 1
    return x < 0.0f ? a * x : x;
#elif FUNCTION == 2
    return 1.0f / (1.0f + exp(-x));
#elif FUNCTION == 3
    return unit_clamp(fma(a, x, b));
#elif FUNCTION == 4
    return x * unit_clamp(fma(x, 1.0f / 6.0f, 0.5f));
#else
#error "activation.cl: unknown FUNCTION"
#endif
}

__kernel void activation(__global const float *restrict in, __global float *restrict out, const float a,
                         const float b, const int total) {
    const int i = (int)get_global_id(0);
    if (i < total) {
        out[i] = activate(in[i], a, b);
    }
}
