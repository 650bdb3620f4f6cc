/*
 * lrn.cl: local response normalisation across channels (AlexNet):
 *   out[c] = in[c] / (k + alpha * sum_{j = max(0, c - size/2)}^{min(C - 1, c + size/2)} in[j]^2)^beta
 * The host passes alpha already divided by size when the Caffe/PyTorch convention is chosen.
 *
 * Layouts: in and out [N, C, H, W], row-major float32.
 * Work-items: one per output element, get_global_id(0) = flat index into out.
 * Tunables: none.
 */
#include "common.h"

__kernel void lrn_across_channels(__global const float *restrict in, __global float *restrict out, const int C,
                                  const int plane_size, const int size, const float alpha, const float beta,
                                  const float k, const int total) {
    const int i = (int)get_global_id(0);
    if (i >= total) {
        return;
    }
    const int pixel = i % plane_size;
    const int c = (i / plane_size) % C;
    const int n = i / (plane_size * C);
    const int first = max(0, c - size / 2);
    const int last = min(C - 1, c + size / 2);
    __global const float *column = in + n * C * plane_size + pixel;
    float sum = 0.0f;
    for (int j = first; j <= last; ++j) {
        const float v = column[j * plane_size];
        sum = fma(v, v, sum);
    }
    /* base^-beta as exp2(-beta * log2(base)): base >= k > 0, and PoCL's pow() costs ten times as much */
    out[i] = in[i] * exp2(-beta * log2(fma(alpha, sum, k)));
}
