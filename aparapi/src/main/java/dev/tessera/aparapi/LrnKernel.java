package dev.tessera.aparapi;

/**
 * Local response normalisation across channels:
 * {@code y[c] = x[c] / (k + alpha * sum of x[j]^2 over j in [c - size/2, c + size/2] within [0, C))^beta}, where alpha
 * is already {@link dev.tessera.backend.Operator.Lrn#effectiveAlpha()} (the paper's or Caffe's convention resolved on
 * the host). One work-item per (image, pixel) (1-D range over N * H * W rounded up to the work-group size); it walks
 * down the channels keeping the window's sum of squares as a running sum (add the square entering the window,
 * subtract the one leaving), so each input is read twice, not size times; neighbouring work-items read neighbouring
 * pixels; a sum that is not finite is recounted, so a NaN or Inf spoils only the channels whose window holds it. The
 * power: AlexNet's beta = 0.75 as rsqrt(base) * sqrt(rsqrt(base)), any other through exp and log (pow is
 * several times slower on PoCL). The neighbouring channels of a pixel are a plane apart, so there is nothing for local
 * memory to share within a work-group.
 */
final class LrnKernel extends IeeeKernel {
    float[] x = new float[1];
    float[] y = new float[1];
    int pixels;
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
        if (i < pixels) {
            int base = (i / plane) * channels * plane + i % plane;
            float sum = 0f;
            int firstWindowEnd = min(channels - 1, radius);
            for (int j = 0; j <= firstWindowEnd; j++) {
                float v = x[base + j * plane];
                sum = fma(v, v, sum);
            }
            for (int c = 0; c < channels; c++) {
                if (sum - sum != 0f) {
                    // not finite: a NaN or Inf that left the window would stay in the running sum, so recount
                    sum = 0f;
                    for (int j = max(c - radius, 0); j <= min(c + radius, channels - 1); j++) {
                        float v = x[base + j * plane];
                        sum = fma(v, v, sum);
                    }
                }
                y[base + c * plane] = x[base + c * plane] * inversePower(fma(alpha, maxPropagatingNaN(sum, 0f), k));
                int entering = c + radius + 1;
                if (entering < channels) {
                    float v = x[base + entering * plane];
                    sum = fma(v, v, sum);
                }
                int leaving = c - radius;
                if (leaving >= 0) {
                    float v = x[base + leaving * plane];
                    sum = sum - v * v;
                }
            }
        }
    }

    /** base^-beta for base >= k > 0. */
    private float inversePower(float base) {
        float result = 0f;
        if (beta == 0.75f) {
            float r = rsqrt(base);
            result = r * sqrt(r);
        } else {
            result = exp(-beta * log(base));
        }
        return result;
    }
}
