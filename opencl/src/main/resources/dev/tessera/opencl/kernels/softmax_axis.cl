/*
 * softmax_axis.cl: softmax along an axis of any tensor (Operator.AxisSoftmax), numerically stable:
 * exp(x - max) / sum exp(x - max) over each line. A NaN anywhere in a line makes the whole line NaN, as in the
 * reference (the maximum is taken by comparison, not fmax, which would skip the NaN).
 *
 * Layouts: in and out [outer, span, inner], row-major float32; a line is the span values of one (outer, inner) pair,
 *   inner apart.
 * Work-items: one per line, get_global_id(0) = outer index x inner + inner index; the host rounds the global size up,
 *   so the kernel checks the line count.
 * Tunables: none.
 */
__kernel void softmax_lines(__global const float *restrict in, __global float *restrict out, const int span,
                            const int inner, const int lines) {
    const int line = (int)get_global_id(0);
    if (line >= lines) {
        return;
    }
    const int base = (line / inner) * span * inner + line % inner;
    float largest = -INFINITY;
    for (int k = 0; k < span; ++k) {
        const float v = in[base + k * inner];
        largest = (v > largest || isnan(v)) && !isnan(largest) ? v : largest;
    }
    float sum = 0.0f;
    for (int k = 0; k < span; ++k) {
        sum += exp(in[base + k * inner] - largest);
    }
    const float scale = 1.0f / sum;
    for (int k = 0; k < span; ++k) {
        out[base + k * inner] = exp(in[base + k * inner] - largest) * scale;
    }
}
