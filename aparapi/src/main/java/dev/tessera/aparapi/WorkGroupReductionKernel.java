package dev.tessera.aparapi;

/**
 * A kernel whose work-groups of WIDTH work-items reduce values together in local memory: a tree of halving steps, a
 * barrier after each, so that every work-item gets the result. Shared by {@link FullyConnectedKernel} and
 * {@link SoftmaxKernel}.
 */
abstract class WorkGroupReductionKernel extends IeeeKernel {
    /** Work-items per work-group: a power of two for the tree, within every device's work-group limit. */
    static final int WIDTH = 64;

    @Local
    float[] partial = new float[WIDTH];

    /** The sum of {@code value} over the work-group; every work-item must call it. */
    protected float sumOverWorkGroup(int lid, float value) {
        partial[lid] = value;
        localBarrier();
        for (int stride = WIDTH / 2; stride > 0; stride = stride / 2) {
            if (lid < stride) {
                partial[lid] = partial[lid] + partial[lid + stride];
            }
            localBarrier();
        }
        float result = partial[0];
        localBarrier();
        return result;
    }

    /** The maximum of {@code value} over the work-group; every work-item must call it. */
    protected float maxOverWorkGroup(int lid, float value) {
        partial[lid] = value;
        localBarrier();
        for (int stride = WIDTH / 2; stride > 0; stride = stride / 2) {
            if (lid < stride) {
                partial[lid] = maxPropagatingNaN(partial[lid], partial[lid + stride]);
            }
            localBarrier();
        }
        float result = partial[0];
        localBarrier();
        return result;
    }
}
