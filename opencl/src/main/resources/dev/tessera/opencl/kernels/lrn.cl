/*
 * lrn.cl: local response normalisation across channels (AlexNet):
 *   out[c] = in[c] / (k + alpha * sum_{j = max(0, c - size/2)}^{min(C - 1, c + size/2)} in[j]^2)^beta
 * The host passes alpha already divided by size when the Caffe/PyTorch convention is chosen.
 *
 * Layouts: in and out [N, C, H, W], row-major float32.
 * Work-items: one per (image, pixel), get_global_id(0) = n * plane_size + pixel; it walks down the channels keeping the
 *   window's sum of squares as a running sum (add the square entering the window, subtract the one leaving), so each
 *   input value is read twice instead of `size` times. Neighbouring work-items read neighbouring pixels. A sum that is
 *   not finite is recounted from scratch, so a NaN or Inf spoils only the channels whose window holds it (as in the
 *   reference backend).
 * Tunables: none.
 */
#include "common.h"

/* base^-beta for base >= k > 0. AlexNet's beta = 0.75 is rsqrt(base) * sqrt(rsqrt(base)), square roots that
 * devices do in hardware; any other beta goes through exp2 and log2 (pow() is several times slower on PoCL). */
inline float inverse_power(float base, float beta) {
    if (beta == 0.75f) {
        const float r = rsqrt(base);
        return r * sqrt(r);
    }
    return exp2(-beta * log2(base));
}

/* The sum of squares of channels first .. last of a column, from scratch. */
inline float window_sum_of_squares(__global const float *column, int plane_size, int first, int last) {
    float sum = 0.0f;
    for (int j = first; j <= last; ++j) {
        const float v = column[j * plane_size];
        sum = fma(v, v, sum);
    }
    return sum;
}

__kernel void lrn_across_channels(__global const float *restrict in, __global float *restrict out, const int C,
                                  const int plane_size, const int size, const float alpha, const float beta,
                                  const float k, const int pixels) {
    const int i = (int)get_global_id(0);
    if (i >= pixels) {
        return;
    }
    const int n = i / plane_size;
    const int pixel = i % plane_size;
    __global const float *column = in + n * C * plane_size + pixel;
    __global float *target = out + n * C * plane_size + pixel;
    const int reach = size / 2;
    float sum = 0.0f;
    for (int j = 0; j < min(reach, C); ++j) { /* the window of channel 0 before its first step adds channel reach */
        const float v = column[j * plane_size];
        sum = fma(v, v, sum);
    }
    for (int c = 0; c < C; ++c) {
        const int entering = c + reach;
        if (entering < C) {
            const float v = column[entering * plane_size];
            sum = fma(v, v, sum);
        }
        const int leaving = c - reach - 1;
        if (leaving >= 0) {
            const float v = column[leaving * plane_size];
            sum = fma(-v, v, sum);
        }
        if (!isfinite(sum)) { /* a NaN or Inf that left the window stays in a running sum (Inf - Inf = NaN): recount */
            sum = window_sum_of_squares(column, plane_size, max(c - reach, 0), min(c + reach, C - 1));
        }
        const float base = fma(alpha, max_propagating_nan(sum, 0.0f), k);
        target[c * plane_size] = column[c * plane_size] * inverse_power(base, beta);
    }
}
