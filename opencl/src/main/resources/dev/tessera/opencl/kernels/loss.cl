/*
 * loss.cl: softmax cross-entropy of logits against integer labels, with its gradient, for training.
 *
 * Per row n: loss[n] = log(sum_c exp(z[n, c])) - z[n, label[n]] (computed after subtracting the row maximum),
 *   grad[n, c] = (softmax(z)[n, c] - (c == label[n])) / N (the gradient of the mean loss over the N rows), and
 *   correct[n] = 1 when the row's first largest logit is the label, else 0. The host sums loss and correct (in double).
 * Layouts: z and grad [N, classes], row-major float32; labels float [N] holding whole numbers (exact below 2^24);
 *   loss and correct float [N].
 * Work-items: one per row, get_global_id(0) = n. Tunables: none.
 */

__kernel void softmax_cross_entropy(__global const float *restrict z, __global const float *restrict labels,
                                    __global float *restrict grad, __global float *restrict loss,
                                    __global float *restrict correct, const int classes, const int N) {
    const int n = (int)get_global_id(0);
    if (n >= N) {
        return;
    }
    __global const float *row = z + n * classes;
    int best = 0;
    for (int c = 1; c < classes; ++c) {
        if (row[c] > row[best]) {
            best = c;
        }
    }
    const float max_logit = row[best];
    float sum = 0.0f;
    for (int c = 0; c < classes; ++c) {
        sum += exp(row[c] - max_logit);
    }
    const float log_sum = log(sum) + max_logit;
    const int label = (int)labels[n];
    loss[n] = log_sum - row[label];
    correct[n] = best == label ? 1.0f : 0.0f;
    for (int c = 0; c < classes; ++c) {
        grad[n * classes + c] = (exp(row[c] - log_sum) - (c == label ? 1.0f : 0.0f)) / (float)N;
    }
}
