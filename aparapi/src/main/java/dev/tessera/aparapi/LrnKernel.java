package dev.tessera.aparapi;

import com.aparapi.Kernel;

/**
 * Local response normalisation across channels, one work-item per element (1-D range over N*C*H*W rounded up to the
 * work-group size): {@code y = x / (k + alpha * sum of squares over channels [c - size/2, c + size/2])^beta}, where
 * alpha is already {@link dev.tessera.backend.Operator.Lrn#effectiveAlpha()} (the paper's or Caffe's convention
 * resolved on the host). The neighbouring channels of one pixel are a plane apart, so there is nothing for local memory
 * to share within a work-group of consecutive pixels.
 */
final class LrnKernel extends Kernel {
    float[] x = new float[1];
    float[] y = new float[1];
    int total;
    int channels;
    int plane;
    /** size / 2, the channels on each side ("half" is an OpenCL type name). */
    int radius;
    float alpha;
    float beta;
    float k;

    @Override
    public void run() {
        int i = getGlobalId();
        if (i < total) {
            int pixel = i % plane;
            int c = (i / plane) % channels;
            int n = i / (plane * channels);
            int first = max(0, c - radius);
            int last = min(channels - 1, c + radius);
            float squares = 0f;
            for (int j = first; j <= last; j++) {
                float v = x[(n * channels + j) * plane + pixel];
                squares = fma(v, v, squares);
            }
            y[i] = x[i] / pow(fma(alpha, squares, k), beta);
        }
    }
}
