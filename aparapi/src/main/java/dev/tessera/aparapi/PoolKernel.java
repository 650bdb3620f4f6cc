package dev.tessera.aparapi;

/**
 * Max and average pooling per channel plane, one work-item per output element {@code y[n, c, p, q]} (1-D range over
 * N*C*P*Q rounded up to the work-group size). Max ignores padded cells; average divides by the real cells in the
 * window, or with {@code countPad} by the cells of the padded input it covers (ONNX count_include_pad), with
 * asymmetric padding. Global average pooling is the window H x W with stride 1 and no padding.
 */
final class PoolKernel extends IeeeKernel {
    float[] x = new float[1];
    float[] y = new float[1];
    int total;
    int height;
    int width;
    int outH;
    int outW;
    int kernelH;
    int kernelW;
    int strideH;
    int strideW;
    int padTop;
    int padBottom;
    int padLeft;
    int padRight;
    int isMax;
    int countPad;
    /** Where a max starts: -Inf, as in the reference (Aparapi cannot write the constant into OpenCL C). */
    float lowest = Float.NEGATIVE_INFINITY;

    @Override
    public void run() {
        int i = getGlobalId();
        if (i < total) {
            int q = i % outW;
            int p = (i / outW) % outH;
            int planeIndex = i / (outW * outH);
            int base = planeIndex * height * width;
            int h0 = p * strideH - padTop;
            int w0 = q * strideW - padLeft;
            int h1 = h0 + kernelH;
            int w1 = w0 + kernelW;
            int rh0 = max(h0, 0);
            int rh1 = min(h1, height);
            int rw0 = max(w0, 0);
            int rw1 = min(w1, width);
            float result = 0f;
            if (isMax == 1) {
                result = lowest;
            }
            for (int hi = rh0; hi < rh1; hi++) {
                for (int wi = rw0; wi < rw1; wi++) {
                    float v = x[base + hi * width + wi];
                    if (isMax == 1) {
                        result = maxPropagatingNaN(result, v);
                    } else {
                        result = result + v;
                    }
                }
            }
            if (isMax == 0) {
                int cells = (rh1 - rh0) * (rw1 - rw0);
                if (countPad == 1) {
                    cells = (min(h1, height + padBottom) - h0) * (min(w1, width + padRight) - w0);
                }
                result = result / cells;
            }
            y[i] = result;
        }
    }
}
