package dev.tessera.aparapi;

import com.aparapi.Kernel;

/**
 * Tiled, batched GEMM with local memory: for each batch entry g, {@code C = A[g] * B[g]} with A row-major
 * (rows x depth, rows of entry g start at {@code g * rows}), B addressed by strides ({@code b[g * bBatchStride +
 * kk * bDepthStride + col * bColumnStride]}, so both an im2col matrix and a transposed activation matrix fit), then a
 * bias per row, an optional ReLU, and the write into an NCHW-like output:
 * {@code y[(col / plane) * outRows * plane + (g * rows + row) * plane + col % plane]}.
 *
 * <p>Work-items: a 2-D range of TILE x TILE work-groups, dimension 0 over the columns (rounded up to TILE),
 * dimension 1 over batch * rowsPadded (rows rounded up to TILE, so no work-group straddles two entries). Each
 * work-group stages a TILE x TILE tile of A and one of B in local memory per step along the depth, with a barrier
 * before and after the products, so each loaded value is used TILE times. Out-of-range tile cells are loaded as 0.
 * Used for conv2d's im2col path (entries = groups, plane = P*Q) and for the fully connected layer (one entry,
 * B = x transposed, plane = 1).
 */
final class GemmKernel extends Kernel {
    /** The tile edge: work-groups are TILE x TILE; 16 x 16 = 256 work-items fits every OpenCL 1.2 GPU. */
    static final int TILE = 16;

    float[] a = new float[1];
    float[] b = new float[1];
    float[] bias = new float[1];
    float[] y = new float[1];
    @Local
    float[] tileA = new float[TILE * TILE];
    @Local
    float[] tileB = new float[TILE * TILE];
    int rows;
    int rowsPadded;
    int depth;
    int columnCount;
    int bBatchStride;
    int bDepthStride;
    int bColumnStride;
    int plane;
    int outRows;
    int hasBias;
    int relu;

    @Override
    public void run() {
        int lx = getLocalId(0);
        int ly = getLocalId(1);
        int col = getGlobalId(0);
        int globalRow = getGlobalId(1);
        int g = globalRow / rowsPadded;
        int row = globalRow % rowsPadded;
        int aBase = g * rows * depth;
        int bBase = g * bBatchStride;
        float sum = 0f;
        for (int t = 0; t < depth; t += TILE) {
            int aColumn = t + lx;
            float av = 0f;
            if (row < rows && aColumn < depth) {
                av = a[aBase + row * depth + aColumn];
            }
            tileA[ly * TILE + lx] = av;
            int bRow = t + ly;
            float bv = 0f;
            if (bRow < depth && col < columnCount) {
                bv = b[bBase + bRow * bDepthStride + col * bColumnStride];
            }
            tileB[ly * TILE + lx] = bv;
            localBarrier();
            for (int i = 0; i < TILE; i++) {
                sum = fma(tileA[ly * TILE + i], tileB[i * TILE + lx], sum);
            }
            localBarrier();
        }
        if (row < rows && col < columnCount) {
            int outRow = g * rows + row;
            if (hasBias == 1) {
                sum = sum + bias[outRow];
            }
            if (relu == 1) {
                sum = max(sum, 0f);
            }
            y[(col / plane) * outRows * plane + outRow * plane + col % plane] = sum;
        }
    }
}
