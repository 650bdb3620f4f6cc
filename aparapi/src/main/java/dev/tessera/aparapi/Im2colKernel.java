package dev.tessera.aparapi;

/**
 * im2col: writes, for each group g, the column matrix {@code columns[g][j][col]} with rows
 * {@code j = (ci * R + r) * S + s} (ci within the group) and columns {@code col = n * P * Q + p * Q + q}, the input
 * value each tap sees (0 in the padding). One work-item per element of the matrix (1-D range over
 * groups * (C/groups * R * S) * (N * P * Q), rounded up to the work-group size). {@link GemmKernel} then multiplies
 * each group's weights, which in OIHW are already a (K/groups) x (C/groups * R * S) row-major matrix, by it.
 */
final class Im2colKernel extends ConvWindowKernel {
    float[] columns = new float[1];
    int total;
    int columnCount;

    @Override
    public void run() {
        int i = getGlobalId();
        if (i < total) {
            int col = i % columnCount;
            int row = i / columnCount;
            int rows = channelsPerGroup * kernelH * kernelW;
            int group = row / rows;
            int j = row % rows;
            int s = j % kernelW;
            int r = (j / kernelW) % kernelH;
            int ci = j / (kernelW * kernelH);
            int q = col % outW;
            int p = (col / outW) % outH;
            int n = col / (outW * outH);
            int hi = p * strideH - padTop + r * dilationH;
            int wi = q * strideW - padLeft + s * dilationW;
            float v = 0f;
            if (hi >= 0 && hi < height && wi >= 0 && wi < width) {
                v = x[((n * channels + group * channelsPerGroup + ci) * height + hi) * width + wi];
            }
            columns[i] = v;
        }
    }
}
