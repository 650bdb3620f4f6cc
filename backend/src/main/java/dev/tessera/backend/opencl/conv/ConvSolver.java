package dev.tessera.backend.opencl.conv;

import java.util.List;

import dev.tessera.backend.ConvProblem;
import dev.tessera.backend.Tensor;
import dev.tessera.opencl.ClContext;
import dev.tessera.opencl.DeviceInfo;

/**
 * One convolution algorithm on OpenCL (MIOpen's solver idea). Solvers are registered in {@link ConvSolvers}; AUTO
 * times the applicable ones and remembers the winner per device and problem.
 */
public interface ConvSolver {
    /** Stable id, the {@link dev.tessera.backend.ConvAlgorithm} id: stored in the tuning database and result files. */
    String id();

    /**
     * The solver's version: raise it when a change of its Java side (launch shapes, packing, tunables) may change its
     * speed, so that the tuning database times it again. Kernel source changes are caught by {@link #kernelFiles()}.
     */
    default int version() {
        return 1;
    }

    /** The kernel files (under {@code dev/tessera/opencl/kernels/}) its kernels are built from, headers resolved. */
    List<String> kernelFiles();

    /** Null when this solver can run {@code problem} on {@code device}, otherwise the reason it cannot. */
    String notApplicableReason(ConvProblem problem, DeviceInfo device);

    default boolean isApplicable(ConvProblem problem, DeviceInfo device) {
        return notApplicableReason(problem, device) == null;
    }

    /** Device memory beyond input, output and the transformed weights that one run needs. */
    long workspaceBytes(ConvProblem problem);

    /**
     * Builds the kernels, transforms or packs the weights once, and allocates the workspace. The result runs the
     * convolution any number of times.
     *
     * @param weights [K, C/groups, R, S]
     * @param bias    [K], or null
     */
    PreparedConv prepare(ClContext context, ConvProblem problem, Tensor weights, Tensor bias);

    /**
     * Null when this solver can add a residual in its epilogue ({@link #prepareResidual}), otherwise the reason it
     * cannot; a plan then keeps the residual add as its own step.
     */
    default String residualNotApplicableReason(ConvProblem problem) {
        return id() + " has no residual epilogue (im2col and direct have one)";
    }

    /**
     * As {@link #prepare}, but each run adds the output buffer's previous contents (the residual, written there
     * before) to the convolution plus bias, then applies the problem's ReLU: {@code out = relu?(conv(in) + bias +
     * out)}, in place. The input must not share the output's buffer.
     */
    default PreparedConv prepareResidual(ClContext context, ConvProblem problem, Tensor weights, Tensor bias) {
        throw new IllegalArgumentException(residualNotApplicableReason(problem));
    }
}
