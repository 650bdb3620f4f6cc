package dev.tessera.aparapi;

import com.aparapi.Kernel;

/**
 * Fully connected layer, {@code y[n, o] = sum_f x[n, f] * weights[o, f] (+ bias[o]), optionally ReLU}: one work-group
 * of WIDTH work-items per output (1-D range of N * outputs * WIDTH). The work-items stride through the features (so
 * neighbouring work-items read neighbouring weights), then the work-group adds its partial sums in local memory with a
 * tree of barriers. At batch 1 this is a matrix-vector product, bound by reading the weights once.
 */
final class FullyConnectedKernel extends Kernel {
    /** Work-items per output: a power of two for the tree reduction, within every device's work-group limit. */
    static final int WIDTH = 64;

    float[] x = new float[1];
    float[] weights = new float[1];
    float[] bias = new float[1];
    float[] y = new float[1];
    @Local
    float[] partial = new float[WIDTH];
    int features;
    int outputs;
    int hasBias;
    int relu;

    @Override
    public void run() {
        int lid = getLocalId();
        int output = getGroupId();
        int o = output % outputs;
        int n = output / outputs;
        int xBase = n * features;
        int wBase = o * features;
        float sum = 0f;
        for (int f = lid; f < features; f += WIDTH) {
            sum = fma(x[xBase + f], weights[wBase + f], sum);
        }
        partial[lid] = sum;
        localBarrier();
        for (int stride = WIDTH / 2; stride > 0; stride = stride / 2) {
            if (lid < stride) {
                partial[lid] = partial[lid] + partial[lid + stride];
            }
            localBarrier();
        }
        if (lid == 0) {
            float v = partial[0];
            if (hasBias == 1) {
                v = v + bias[o];
            }
            if (relu == 1) {
                v = max(v, 0f);
            }
            y[output] = v;
        }
    }
}
