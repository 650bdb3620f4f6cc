package dev.tessera.backend.opencl.conv;

import java.util.List;

import dev.tessera.backend.ConvProblem;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.opencl.common.Launch;
import dev.tessera.backend.opencl.common.OwnedResources;
import dev.tessera.opencl.ClBuffer;
import dev.tessera.opencl.ClContext;
import dev.tessera.opencl.ClKernel;
import dev.tessera.opencl.ClProgram;
import dev.tessera.opencl.DeviceInfo;
import dev.tessera.opencl.EventTiming;
import dev.tessera.opencl.ProgramSource;

/**
 * Direct convolution ({@code conv_direct.cl}): any stride, padding, dilation and grouping. Each work-item computes an
 * OC_BLOCK x VECTOR_WIDTH tile of outputs. Needs no workspace and no weight transform; the weights are only uploaded.
 */
public final class DirectConvSolver implements ResidualEpilogueSolver {
    public static final String ID = "direct";
    /** Output columns per work-item: the device's preferred float vector width, at least 4, at most 16. */
    static int columnsPerItem(DeviceInfo device) {
        return Math.min(16, Math.max(4, device.preferredVectorWidth().floatWidth()));
    }

    @Override
    public List<String> kernelFiles() {
        return List.of("conv_direct.cl");
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String notApplicableReason(ConvProblem problem, DeviceInfo device) {
        return null;
    }

    @Override
    public long workspaceBytes(ConvProblem problem) {
        return 0;
    }

    /** The largest of 8, 4, 2, 1 that divides the output channels per group. */
    static int outputChannelBlock(ConvProblem problem) {
        int perGroup = problem.k() / problem.groups();
        for (int block : new int[] {8, 4, 2}) {
            if (perGroup % block == 0) {
                return block;
            }
        }
        return 1;
    }

    /**
     * The work-group shape: on CPUs a few work-items along the output columns (a CPU runs a work-group as one thread,
     * so small groups balance best over cores); on GPUs 64 work-items, along rows and columns.
     */
    static long[] workGroup(DeviceInfo device) {
        return device.isCpu() ? new long[] {4, 1, 1} : new long[] {8, 8, 1};
    }

    /**
     * With {@code residual}: the kernel built with -DADD_RESIDUAL=1 adds the output's previous contents before the
     * ReLU.
     */
    @Override
    public PreparedConv prepare(ClContext context, ConvProblem problem, Tensor weights, Tensor bias,
            boolean residual) {
        return prepare(context, problem, weights, bias, residual, false);
    }

    /**
     * Why the convolution cannot be followed by a 2x2 stride-2 max pool in one launch
     * ({@link #prepareMaxPooled}), or null: its output rows and columns must be even (the pool's windows tile it).
     */
    public static String maxPoolNotApplicableReason(ConvProblem problem) {
        if (problem.p() % 2 != 0 || problem.q() % 2 != 0) {
            return "the " + problem.p() + "x" + problem.q() + " output is not tiled by 2x2 pooling windows";
        }
        return null;
    }

    /**
     * The convolution (with its bias and ReLU) followed by a 2x2 stride-2 max pool without padding, in one launch of
     * {@code conv_direct_maxpool2}: {@code output} receives the pooled [N, K, P/2, Q/2]. Only where
     * {@link #maxPoolNotApplicableReason} is null.
     */
    public PreparedConv prepareMaxPooled(ClContext context, ConvProblem problem, Tensor weights, Tensor bias) {
        String reason = maxPoolNotApplicableReason(problem);
        if (reason != null) {
            throw new IllegalArgumentException("direct convolution with max pooling: " + reason);
        }
        return prepare(context, problem, weights, bias, false, true);
    }

    private PreparedConv prepare(ClContext context, ConvProblem problem, Tensor weights, Tensor bias,
            boolean residual, boolean maxPooled) {
        int ocBlock = outputChannelBlock(problem);
        int owBlock = columnsPerItem(context.info());
        String options = "-DOC_BLOCK=" + ocBlock + " -DVECTOR_WIDTH=" + owBlock + " -DHAS_BIAS=" + (bias != null ? 1 : 0)
                + " -DFUSE_RELU=" + (problem.conv().relu() ? 1 : 0) + (residual ? " -DADD_RESIDUAL=1" : "");
        OwnedResources resources = new OwnedResources();
        try {
            ClProgram program = resources.add(context.build(ProgramSource.resource("conv_direct.cl"), options));
            ClKernel kernel = resources.add(program.kernel(maxPooled ? "conv_direct_maxpool2" : "conv_direct"));
            ClBuffer w = resources.add(context.buffer(weights.data()));
            ClBuffer b = resources.add(context.buffer(bias != null ? bias.data() : new float[1]));
            return new Prepared(problem, resources, kernel, w, b, ocBlock, owBlock, maxPooled, context.info());
        } catch (RuntimeException e) {
            resources.close();
            throw e;
        }
    }

    private static final class Prepared implements PreparedConv {
        private final ConvProblem problem;
        private final OwnedResources resources;
        private final ClKernel kernel;
        private final long[] global;
        private final long[] local;

        Prepared(ConvProblem p, OwnedResources resources, ClKernel kernel, ClBuffer weights, ClBuffer bias,
                int ocBlock, int owBlock, boolean maxPooled, DeviceInfo device) {
            this.problem = p;
            this.resources = resources;
            this.kernel = kernel;
            this.global = new long[] {Launch.ceilDiv(p.q(), owBlock), maxPooled ? p.p() / 2 : p.p(),
                    (long) p.n() * (p.k() / ocBlock)};
            this.local = workGroup(device);
            var c = p.conv();
            kernel.arg(1, weights).arg(2, bias).arg(4, p.n()).arg(5, p.c()).arg(6, p.h()).arg(7, p.w()).arg(8, p.k())
                    .arg(9, p.p()).arg(10, p.q()).arg(11, p.r()).arg(12, p.s()).arg(13, c.strideH())
                    .arg(14, c.strideW()).arg(15, c.padTop()).arg(16, c.padLeft()).arg(17, c.dilationH())
                    .arg(18, c.dilationW()).arg(19, p.groups());
        }

        @Override
        public ConvProblem problem() {
            return problem;
        }

        @Override
        public String solverId() {
            return ID;
        }

        @Override
        public List<EventTiming> run(ClBuffer input, ClBuffer output) {
            kernel.arg(0, input).arg(3, output);
            return List.of(Launch.grid(kernel, global, local));
        }

        @Override
        public void close() {
            resources.close();
        }
    }
}
