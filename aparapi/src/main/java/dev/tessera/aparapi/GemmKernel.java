package dev.tessera.aparapi;

/**
 * Tiled, batched GEMM with local memory, for conv2d's im2col path: for each group g, {@code C = A[g] * B[g]} with A
 * the group's weights (rows x depth, row-major, entry g starting at row {@code g * rows}) and B the group's im2col
 * matrix (depth x columns, row-major, entry g at {@code g * depth * columns}), then a bias per row, an optional ReLU,
 * and the write into the NCHW output: column {@code col = n * plane + pixel} of row {@code g * rows + row} goes to
 * {@code y[(n * outRows + g * rows + row) * plane + pixel]}.
 *
 * <p>Work-items: a 2-D range of TILE x TILE work-groups; a work-group computes a block of TILE rows by
 * COLUMNS_PER_ITEM * TILE columns, each work-item one row and COLUMNS_PER_ITEM columns TILE apart (so that
 * neighbouring work-items touch neighbouring columns). Dimension 0 is over column blocks, dimension 1 over
 * groups * rowsPadded (rows rounded up to TILE, so no work-group straddles two groups). Per step of TILE along the
 * depth the work-group stages the A tile (TILE x TILE) and the B tile (TILE x COLUMNS_PER_ITEM * TILE) in local memory
 * between two barriers, so each value loaded from global memory is used TILE times. Out-of-range cells load as 0.
 */
final class GemmKernel extends IeeeKernel {
    /** The tile edge: work-groups are TILE x TILE = 256 work-items, which every OpenCL 1.2 GPU allows. */
    static final int TILE = 16;
    /** Columns per work-item (written out as four accumulators below: Aparapi has no private arrays in loops). */
    static final int COLUMNS_PER_ITEM = 4;
    static final int BLOCK_COLUMNS = TILE * COLUMNS_PER_ITEM;

    float[] a = new float[1];
    float[] b = new float[1];
    float[] bias = new float[1];
    float[] y = new float[1];
    @Local
    float[] tileA = new float[TILE * TILE];
    @Local
    float[] tileB = new float[TILE * BLOCK_COLUMNS];
    int rows;
    int rowsPadded;
    int depth;
    int columnCount;
    int plane;
    int outRows;
    int hasBias;
    int relu;

    @Override
    public void run() {
        int lx = getLocalId(0);
        int ly = getLocalId(1);
        int col0 = getGroupId(0) * BLOCK_COLUMNS + lx;
        int globalRow = getGlobalId(1);
        int g = globalRow / rowsPadded;
        int row = globalRow % rowsPadded;
        int aBase = g * rows * depth;
        int bBase = g * depth * columnCount;
        float s0 = 0f;
        float s1 = 0f;
        float s2 = 0f;
        float s3 = 0f;
        for (int t = 0; t < depth; t += TILE) {
            float av = 0f;
            if (row < rows && t + lx < depth) {
                av = a[aBase + row * depth + t + lx];
            }
            tileA[ly * TILE + lx] = av;
            int bRow = t + ly;
            for (int j = 0; j < COLUMNS_PER_ITEM; j++) {
                int col = col0 + j * TILE;
                float bv = 0f;
                if (bRow < depth && col < columnCount) {
                    bv = b[bBase + bRow * columnCount + col];
                }
                tileB[ly * BLOCK_COLUMNS + lx + j * TILE] = bv;
            }
            localBarrier();
            for (int i = 0; i < TILE; i++) {
                float w = tileA[ly * TILE + i];
                int bOffset = i * BLOCK_COLUMNS + lx;
                s0 = fma(w, tileB[bOffset], s0);
                s1 = fma(w, tileB[bOffset + TILE], s1);
                s2 = fma(w, tileB[bOffset + 2 * TILE], s2);
                s3 = fma(w, tileB[bOffset + 3 * TILE], s3);
            }
            localBarrier();
        }
        if (row < rows) {
            int outRow = g * rows + row;
            float b0 = 0f;
            if (hasBias == 1) {
                b0 = bias[outRow];
            }
            store(col0, outRow, s0 + b0);
            store(col0 + TILE, outRow, s1 + b0);
            store(col0 + 2 * TILE, outRow, s2 + b0);
            store(col0 + 3 * TILE, outRow, s3 + b0);
        }
    }

    private void store(int col, int outRow, float value) {
        if (col < columnCount) {
            float v = value;
            if (relu == 1) {
                v = relu(v);
            }
            y[((col / plane) * outRows + outRow) * plane + col % plane] = v;
        }
    }
}
