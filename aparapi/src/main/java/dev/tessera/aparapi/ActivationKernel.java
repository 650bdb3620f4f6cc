package dev.tessera.aparapi;

import com.aparapi.Kernel;

/**
 * The parametrised activations of {@code Operator.Activation}, one work-item per element (1-D range rounded up to the
 * work-group size), chosen by {@code function} (the enum's ordinal): clip ({@code a} = min, {@code b} = max), leaky
 * ReLU ({@code a} = alpha), sigmoid, hard sigmoid ({@code a} = alpha, {@code b} = beta) and hard swish. The clamps
 * compare rather than call min/max, so a NaN input stays NaN, as in the reference.
 */
final class ActivationKernel extends Kernel {
    static final int CLIP = 0;
    static final int LEAKY_RELU = 1;
    static final int SIGMOID = 2;
    static final int HARD_SIGMOID = 3;
    static final int HARD_SWISH = 4;

    float[] x = new float[1];
    float[] y = new float[1];
    float a;
    float b;
    int total;
    int function;

    @Override
    public void run() {
        int i = getGlobalId();
        if (i < total) {
            float v = x[i];
            float result = v;
            // flat ifs only: Aparapi's translator rejects else-if chains nested in a branch
            if (function == CLIP) {
                result = clamp(v, a, b);
            }
            if (function == LEAKY_RELU && v < 0f) {
                result = a * v;
            }
            if (function == SIGMOID) {
                result = 1f / (1f + exp(-v));
            }
            if (function == HARD_SIGMOID) {
                result = clamp(a * v + b, 0f, 1f);
            }
            if (function == HARD_SWISH) {
                result = v * clamp(v / 6f + 0.5f, 0f, 1f);
            }
            y[i] = result;
        }
    }

    /** v held to [lo, hi] (lo <= hi) by comparisons, so that NaN stays NaN. */
    private float clamp(float v, float lo, float hi) {
        float r = v;
        if (v < lo) {
            r = lo;
        }
        if (v > hi) {
            r = hi;
        }
        return r;
    }
}
