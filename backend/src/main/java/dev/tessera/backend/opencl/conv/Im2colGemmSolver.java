package dev.tessera.backend.opencl.conv;

import java.util.Arrays;
import java.util.List;

import dev.tessera.backend.ConvAlgorithm;
import dev.tessera.backend.ConvProblem;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.opencl.gemm.GemmTuning;
import dev.tessera.opencl.ClContext;
import dev.tessera.opencl.DeviceInfo;

/**
 * Convolution as im2col + GEMM: the weights of each group, a Kg x (C/groups * R * S) row-major matrix in KCRS order,
 * are packed once as A; each run writes the im2col columns of an image straight into the packed-B layout, a chunk of
 * output pixels at a time, and one batched GEMM over the groups writes the NCHW output with bias and ReLU fused.
 * Pointwise convolutions (1x1, stride 1, no padding, no dilation) skip im2col: the input plane of a group is already the
 * row-major B and is only packed.
 *
 * <p>Runs every problem; it declines only what the device cannot hold (a packed operand or workspace beyond the largest
 * allocation) or what exceeds the kernels' int indexing.
 */
public final class Im2colGemmSolver implements ResidualEpilogueSolver {
    /** The solver's id, {@link ConvAlgorithm#IM2COL}'s. */
    public static final String ID = ConvAlgorithm.IM2COL.id();

    private final GemmTuning tuning;

    /** A solver with the given kernel tuning (it decides the packed layouts and hence the workspace). */
    public Im2colGemmSolver(GemmTuning tuning) {
        this.tuning = tuning;
    }

    /** A solver with the device's default tuning. */
    public static Im2colGemmSolver forDevice(DeviceInfo device) {
        return new Im2colGemmSolver(GemmTuning.forDevice(device));
    }

    @Override
    public List<String> kernelFiles() {
        return tuning.xgemm() == null ? List.of("im2col.cl", "gemm.cl") : List.of("im2col.cl", "gemm.cl", "gemm_gpu.cl");
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String notApplicableReason(ConvProblem problem, DeviceInfo device) {
        Im2colGemmPlan plan = new Im2colGemmPlan(problem, tuning);
        String reason = tooLarge("packed weights", plan.packedWeightsFloats(), device);
        if (reason == null) {
            reason = tooLarge("packed-B workspace", plan.workspaceFloats(), device);
        }
        if (reason == null) {
            reason = tooLarge("input", (long) problem.n() * problem.c() * problem.h() * problem.w(), device);
        }
        if (reason == null) {
            reason = tooLarge("output", (long) problem.n() * problem.k() * problem.p() * problem.q(), device);
        }
        return reason;
    }

    private static String tooLarge(String what, long floats, DeviceInfo device) {
        if (floats * Float.BYTES > device.maxAllocBytes()) {
            return what + " of " + floats * Float.BYTES + " bytes exceed the device's largest allocation of "
                    + device.maxAllocBytes() + " bytes";
        }
        if (floats > Integer.MAX_VALUE) {
            return what + " of " + floats + " floats exceed the kernels' int indexing";
        }
        return null;
    }

    @Override
    public long workspaceBytes(ConvProblem problem) {
        return new Im2colGemmPlan(problem, tuning).workspaceFloats() * Float.BYTES;
    }

    /**
     * With {@code residual}: the GEMM's accumulate epilogue (beta = 1) adds the output's previous contents before the
     * ReLU.
     */
    @Override
    public PreparedConv prepare(ClContext context, ConvProblem problem, Tensor weights, Tensor bias,
            boolean residual) {
        if (!Arrays.equals(weights.shape(), problem.weightShape())) {
            throw new IllegalArgumentException("im2col: weights " + weights.shapeString() + " do not match "
                    + Tensor.shapeString(problem.weightShape()) + " of " + problem.key());
        }
        if (problem.bias() != (bias != null)
                || bias != null && !Arrays.equals(bias.shape(), new int[] {problem.k()})) {
            throw new IllegalArgumentException("im2col: problem " + problem.key() + " needs "
                    + (problem.bias() ? "a bias of [" + problem.k() + "]" : "no bias") + ", got "
                    + (bias == null ? "none" : bias.shapeString()));
        }
        String reason = notApplicableReason(problem, context.info());
        if (reason != null) {
            throw new IllegalArgumentException("im2col cannot run " + problem.key() + ": " + reason);
        }
        return new Im2colGemmConv(context, new Im2colGemmPlan(problem, tuning), weights, bias, residual);
    }

    @Override
    public String toString() {
        return ID + " solver, " + tuning;
    }
}
