package dev.tessera.aparapi;

/**
 * The element-wise operators, one work-item per element (1-D range rounded up to the work-group size), chosen by
 * {@code mode}: ReLU, tanh, bias add ({@code y = x + second[c]}), add ({@code y = x + second[i]}, optionally ReLU) and
 * scale-shift ({@code y = x * second[c] + shift[c]}, batch normalisation with the scale and shift folded on the host).
 * The channel of element i is {@code (i / inner) % channels}.
 */
final class ElementwiseKernel extends IeeeKernel {
    static final int RELU = 0;
    static final int TANH = 1;
    static final int BIAS_ADD = 2;
    static final int ADD = 3;
    static final int ADD_RELU = 4;
    static final int SCALE_SHIFT = 5;

    float[] x = new float[1];
    float[] second = new float[1];
    float[] shift = new float[1];
    float[] y = new float[1];
    int total;
    int inner;
    int channels;
    int mode;

    @Override
    public void run() {
        int i = getGlobalId();
        if (i < total) {
            float v = x[i];
            int c = (i / inner) % channels;
            float result = v;
            if (mode == RELU) {
                result = relu(v);
            } else if (mode == TANH) {
                // Aparapi maps no tanh; tanh(v) = sign(v) (1 - e) / (1 + e) with e = exp(-2|v|), which cannot overflow
                float e = exp(-2f * abs(v));
                float t = (1f - e) / (1f + e);
                result = t;
                if (v < 0f) {
                    result = -t;
                }
            } else if (mode == BIAS_ADD) {
                result = v + second[c];
            } else if (mode == ADD) {
                result = v + second[i];
            } else if (mode == ADD_RELU) {
                result = relu(v + second[i]);
            } else if (mode == SCALE_SHIFT) {
                result = fma(v, second[c], shift[c]);
            }
            y[i] = result;
        }
    }
}
