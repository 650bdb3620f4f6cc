package dev.tessera.aparapi;

import com.aparapi.Kernel;

/**
 * Softmax along an axis ({@code Operator.AxisSoftmax}): one work-item per line of {@code span} values {@code inner}
 * apart in [outer, span, inner] (1-D range over the lines rounded up to the work-group size), numerically stable. The
 * maximum is taken by comparison, and a NaN makes it NaN, so a NaN anywhere in a line makes the line NaN, as in the
 * reference.
 */
final class AxisSoftmaxKernel extends Kernel {
    float[] x = new float[1];
    float[] y = new float[1];
    int span;
    int inner;
    int lines;

    @Override
    public void run() {
        int line = getGlobalId();
        if (line < lines) {
            int base = (line / inner) * span * inner + line % inner;
            float largest = x[base];
            for (int k = 1; k < span; k++) {
                float v = x[base + k * inner];
                if (v > largest) {
                    largest = v;
                }
                if (v != v) {
                    largest = v;
                }
            }
            float sum = 0f;
            for (int k = 0; k < span; k++) {
                sum += exp(x[base + k * inner] - largest);
            }
            for (int k = 0; k < span; k++) {
                y[base + k * inner] = exp(x[base + k * inner] - largest) / sum;
            }
        }
    }
}
