package dev.tessera.backend.opencl.conv;

import dev.tessera.backend.ConvProblem;
import dev.tessera.backend.Operator;
import dev.tessera.backend.opencl.gemm.GemmTuning;

/**
 * How one convolution maps onto im2col + GEMM for a tuning. Per image and group g the GEMM is
 * {@code C_g (Kg x P*Q) = W_g (Kg x depth) B_g (depth x P*Q)} with Kg = K/groups output channels and
 * depth = C/groups * R * S; the columns are processed in chunks of {@link #chunkColumns()} so that the packed B of a
 * chunk (all groups) stays in cache until the GEMM reads it.
 */
public record Im2colGemmPlan(ConvProblem problem, GemmTuning tuning) {
    /** Output channels per group: the GEMM's M. */
    int outputChannelsPerGroup() {
        return problem.k() / problem.groups();
    }

    /** Input channels per group: the rows of the input plane that form B for a pointwise convolution. */
    int inputChannelsPerGroup() {
        return problem.c() / problem.groups();
    }

    /** C/groups * R * S: the GEMM's K. */
    int depth() {
        return inputChannelsPerGroup() * problem.r() * problem.s();
    }

    /** P * Q output pixels per image and channel: the GEMM's N. */
    int columns() {
        return problem.p() * problem.q();
    }

    /** 1x1, stride 1, no padding, no dilation: the input plane is B already (C x H*W = C x P*Q, row-major). */
    public boolean pointwise() {
        Operator.Conv2d conv = problem.conv();
        return problem.r() == 1 && problem.s() == 1 && problem.isUnitStride() && problem.isUndilated()
                && conv.padTop() == 0 && conv.padBottom() == 0 && conv.padLeft() == 0 && conv.padRight() == 0;
    }

    /**
     * Columns per chunk: as many panels of NR as fit in the tuning's chunk bytes (all groups), at least its chunk
     * panels, at most all columns.
     */
    int chunkColumns() {
        long bytesPerColumn = (long) problem.groups() * depth() * Float.BYTES;
        long panels = Math.max(tuning.im2colChunkPanels(), tuning.im2colChunkBytes() / bytesPerColumn / tuning.nr());
        return (int) Math.min(columns(), panels * tuning.nr());
    }

    /** Floats between the packed weights of consecutive groups. */
    long packedWeightsGroupStride() {
        return tuning.packedASize(outputChannelsPerGroup(), depth());
    }

    long packedWeightsFloats() {
        return problem.groups() * packedWeightsGroupStride();
    }

    /** Floats between the packed B of consecutive groups in the workspace. */
    long workspaceGroupStride() {
        return tuning.packedBSize(depth(), chunkColumns());
    }

    long workspaceFloats() {
        return problem.groups() * workspaceGroupStride();
    }

    /** Element index of channel {@code channel}, pixel 0 of image {@code image} in the NCHW input. */
    long inputPlaneOffset(int image, int channel) {
        return ((long) image * problem.c() + channel) * problem.h() * problem.w();
    }

    /** Element index of channel 0, pixel {@code column} of image {@code image} in the NCHW output. */
    long outputOffset(int image, int column) {
        return (long) image * problem.k() * columns() + column;
    }
}
