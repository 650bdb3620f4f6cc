package dev.tessera.aparapi;

/**
 * Direct convolution. One work-item per output pixel and block of CHANNEL_BLOCK output channels of one group: the
 * 1-D range is over N * groups * blocksPerGroup * P * Q, pixels fastest (so neighbouring work-items read neighbouring
 * inputs), rounded up to the work-group size; the excess items do nothing. Each work-item sums its window over the
 * C/groups input channels of its group, skipping taps in the padding, and uses every input value it loads
 * CHANNEL_BLOCK times (four accumulators; a block that runs past the group's last channel computes copies of that
 * channel and does not store them). Layouts: x NCHW, weights OIHW, y NKPQ. No local memory: neighbouring work-items
 * share weights, which caches serve, and their windows overlap only for stride < kernel.
 */
final class ConvDirectKernel extends ConvWindowKernel {
    static final int CHANNEL_BLOCK = 4;

    float[] weights = new float[1];
    float[] bias = new float[1];
    float[] y = new float[1];
    int total;
    int filters;
    int filtersPerGroup;
    int blocksPerGroup;
    int groups;
    int hasBias;
    int relu;

    @Override
    public void run() {
        int i = getGlobalId();
        if (i < total) {
            int plane = outH * outW;
            int pixel = i % plane;
            int q = pixel % outW;
            int p = pixel / outW;
            int block = (i / plane) % blocksPerGroup;
            int group = (i / (plane * blocksPerGroup)) % groups;
            int n = i / (plane * blocksPerGroup * groups);
            int first = block * CHANNEL_BLOCK;
            int groupLast = filtersPerGroup - 1;
            int k0 = group * filtersPerGroup + first;
            int k1 = group * filtersPerGroup + min(first + 1, groupLast);
            int k2 = group * filtersPerGroup + min(first + 2, groupLast);
            int k3 = group * filtersPerGroup + min(first + 3, groupLast);
            int taps = kernelH * kernelW;
            int perFilter = channelsPerGroup * taps;
            float s0 = 0f;
            float s1 = 0f;
            float s2 = 0f;
            float s3 = 0f;
            int h0 = p * strideH - padTop;
            int w0 = q * strideW - padLeft;
            for (int ci = 0; ci < channelsPerGroup; ci++) {
                int xPlane = (n * channels + group * channelsPerGroup + ci) * height;
                int wChannel = ci * taps;
                for (int r = 0; r < kernelH; r++) {
                    int hi = h0 + r * dilationH;
                    if (hi >= 0 && hi < height) {
                        for (int s = 0; s < kernelW; s++) {
                            int wi = w0 + s * dilationW;
                            if (wi >= 0 && wi < width) {
                                float v = x[(xPlane + hi) * width + wi];
                                int tap = wChannel + r * kernelW + s;
                                s0 = fma(weights[k0 * perFilter + tap], v, s0);
                                s1 = fma(weights[k1 * perFilter + tap], v, s1);
                                s2 = fma(weights[k2 * perFilter + tap], v, s2);
                                s3 = fma(weights[k3 * perFilter + tap], v, s3);
                            }
                        }
                    }
                }
            }
            int yBase = n * filters * plane + pixel;
            store(yBase, k0, s0);
            if (first + 1 <= groupLast) {
                store(yBase, k1, s1);
            }
            if (first + 2 <= groupLast) {
                store(yBase, k2, s2);
            }
            if (first + 3 <= groupLast) {
                store(yBase, k3, s3);
            }
        }
    }

    private void store(int yBase, int k, float sum) {
        float v = sum;
        if (hasBias == 1) {
            v = v + bias[k];
        }
        if (relu == 1) {
            v = relu(v);
        }
        y[yBase + k * outH * outW] = v;
    }
}
