package dev.tessera.aparapi;

/**
 * Fully connected layer, {@code y[n, o] = sum_f x[n, f] * weights[o, f] (+ bias[o]), optionally ReLU}: one work-group
 * of WIDTH work-items per output (1-D range of N * outputs * WIDTH). The work-items stride through the features (so
 * neighbouring work-items read neighbouring weights), then the work-group adds its partial sums in local memory with a
 * tree of barriers. At batch 1 this is a matrix-vector product, bound by reading the weights once.
 */
final class FullyConnectedKernel extends WorkGroupReductionKernel {
    float[] x = new float[1];
    float[] weights = new float[1];
    float[] bias = new float[1];
    float[] y = new float[1];
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
        float total = sumOverWorkGroup(lid, sum);
        if (lid == 0) {
            float v = total;
            if (hasBias == 1) {
                v = v + bias[o];
            }
            if (relu == 1) {
                v = relu(v);
            }
            y[output] = v;
        }
    }
}
