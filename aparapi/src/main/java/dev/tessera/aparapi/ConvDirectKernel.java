package dev.tessera.aparapi;

import com.aparapi.Kernel;

/**
 * Direct convolution, one work-item per output element {@code y[n, k, p, q]} (1-D range over N*K*P*Q, rounded up to
 * the work-group size; the excess items do nothing). Each sums its window over the C/groups input channels of its
 * group, skipping taps that fall into the padding. Layouts: x NCHW, weights OIHW, y NKPQ. No local memory: the window
 * of one output is read once, so staging it would not pay.
 */
final class ConvDirectKernel extends Kernel {
    float[] x = new float[1];
    float[] weights = new float[1];
    float[] bias = new float[1];
    float[] y = new float[1];
    int total;
    int channels;
    int height;
    int width;
    int filters;
    int kernelH;
    int kernelW;
    int outH;
    int outW;
    int strideH;
    int strideW;
    int padTop;
    int padLeft;
    int dilationH;
    int dilationW;
    int channelsPerGroup;
    int filtersPerGroup;
    int hasBias;
    int relu;

    @Override
    public void run() {
        int i = getGlobalId();
        if (i < total) {
            int q = i % outW;
            int p = (i / outW) % outH;
            int k = (i / (outW * outH)) % filters;
            int n = i / (outW * outH * filters);
            int group = k / filtersPerGroup;
            float sum = 0f;
            if (hasBias == 1) {
                sum = bias[k];
            }
            int h0 = p * strideH - padTop;
            int w0 = q * strideW - padLeft;
            for (int ci = 0; ci < channelsPerGroup; ci++) {
                int xPlane = (n * channels + group * channelsPerGroup + ci) * height;
                int wBase = (k * channelsPerGroup + ci) * kernelH;
                for (int r = 0; r < kernelH; r++) {
                    int hi = h0 + r * dilationH;
                    if (hi >= 0 && hi < height) {
                        for (int s = 0; s < kernelW; s++) {
                            int wi = w0 + s * dilationW;
                            if (wi >= 0 && wi < width) {
                                sum = fma(weights[(wBase + r) * kernelW + s], x[(xPlane + hi) * width + wi], sum);
                            }
                        }
                    }
                }
            }
            if (relu == 1) {
                sum = max(sum, 0f);
            }
            y[i] = sum;
        }
    }
}
