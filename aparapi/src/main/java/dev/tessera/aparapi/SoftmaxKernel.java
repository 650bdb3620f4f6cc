package dev.tessera.aparapi;

import com.aparapi.Kernel;

/**
 * Softmax over each row of a [rows, columns] matrix, one work-group of WIDTH work-items per row (1-D range of
 * rows * WIDTH). Each work-item strides over the row, then the work-group reduces in local memory with barriers, first
 * the maximum (subtracted before exp, so nothing overflows), then the sum of exponentials; each work-item writes its
 * share of {@code exp(x - max) / sum}.
 */
final class SoftmaxKernel extends Kernel {
    /** Work-items per row: a power of two (the tree reduction halves it) and within every device's work-group limit. */
    static final int WIDTH = 64;

    float[] x = new float[1];
    float[] y = new float[1];
    @Local
    float[] partial = new float[WIDTH];
    int columns;

    @Override
    public void run() {
        int lid = getLocalId();
        int base = getGroupId() * columns;
        float m = -3.4028235E38f;
        for (int c = lid; c < columns; c += WIDTH) {
            m = max(m, x[base + c]);
        }
        partial[lid] = m;
        localBarrier();
        for (int stride = WIDTH / 2; stride > 0; stride = stride / 2) {
            if (lid < stride) {
                partial[lid] = max(partial[lid], partial[lid + stride]);
            }
            localBarrier();
        }
        float rowMax = partial[0];
        localBarrier();
        float sum = 0f;
        for (int c = lid; c < columns; c += WIDTH) {
            sum = sum + exp(x[base + c] - rowMax);
        }
        partial[lid] = sum;
        localBarrier();
        for (int stride = WIDTH / 2; stride > 0; stride = stride / 2) {
            if (lid < stride) {
                partial[lid] = partial[lid] + partial[lid + stride];
            }
            localBarrier();
        }
        float total = partial[0];
        for (int c = lid; c < columns; c += WIDTH) {
            y[base + c] = exp(x[base + c] - rowMax) / total;
        }
    }
}
