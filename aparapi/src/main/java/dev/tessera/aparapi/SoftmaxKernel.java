package dev.tessera.aparapi;

/**
 * Softmax over each row of a [rows, columns] matrix, one work-group of WIDTH work-items per row (1-D range of
 * rows * WIDTH). Each work-item strides over the row, then the work-group reduces in local memory with barriers, first
 * the maximum (subtracted before exp, so nothing overflows), then the sum of exponentials; each work-item writes its
 * share of {@code exp(x - max) / sum}.
 */
final class SoftmaxKernel extends WorkGroupReductionKernel {
    float[] x = new float[1];
    float[] y = new float[1];
    int columns;

    @Override
    public void run() {
        int lid = getLocalId();
        int base = getGroupId() * columns;
        float m = -3.4028235E38f;
        for (int c = lid; c < columns; c += WIDTH) {
            m = maxPropagatingNaN(m, x[base + c]);
        }
        float rowMax = maxOverWorkGroup(lid, m);
        float sum = 0f;
        for (int c = lid; c < columns; c += WIDTH) {
            sum = sum + exp(x[base + c] - rowMax);
        }
        float total = sumOverWorkGroup(lid, sum);
        for (int c = lid; c < columns; c += WIDTH) {
            y[base + c] = exp(x[base + c] - rowMax) / total;
        }
    }
}
