package dev.tessera.backend.opencl;

import java.util.List;

import dev.tessera.backend.ConvProblem;
import dev.tessera.backend.Tensor;
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
public final class DirectConvSolver implements ConvSolver {
    public static final String ID = "direct";
    /** Output columns per work-item: the device's preferred float vector width, at least 4, at most 16. */
    static int columnsPerItem(DeviceInfo device) {
        return Integer.getInteger("tessera.direct.owBlock",
                Math.min(16, Math.max(4, device.preferredVectorWidth().floatWidth())));
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

    @Override
    public PreparedConv prepare(ClContext context, ConvProblem problem, Tensor weights, Tensor bias) {
        int ocBlock = outputChannelBlock(problem);
        int owBlock = columnsPerItem(context.info());
        String options = "-DOC_BLOCK=" + ocBlock + " -DVECTOR_WIDTH=" + owBlock + " -DHAS_BIAS=" + (bias != null ? 1 : 0)
                + " -DFUSE_RELU=" + (problem.conv().relu() ? 1 : 0);
        ClProgram program = null;
        ClKernel kernel = null;
        ClBuffer w = null;
        ClBuffer b = null;
        try {
            program = context.build(ProgramSource.resource("conv_direct.cl"), options);
            kernel = program.kernel("conv_direct");
            w = context.buffer(weights.data());
            b = context.buffer(bias != null ? bias.data() : new float[1]);
            return new Prepared(problem, program, kernel, w, b, ocBlock, owBlock);
        } catch (RuntimeException e) {
            for (AutoCloseable c : new AutoCloseable[] {b, w, kernel, program}) {
                Resources.closeQuietly(c);
            }
            throw e;
        }
    }

    private static final class Prepared implements PreparedConv {
        private final ConvProblem problem;
        private final ClProgram program;
        private final ClKernel kernel;
        private final ClBuffer weights;
        private final ClBuffer bias;
        private final long[] global;

        Prepared(ConvProblem p, ClProgram program, ClKernel kernel, ClBuffer weights, ClBuffer bias, int ocBlock,
                int owBlock) {
            this.problem = p;
            this.program = program;
            this.kernel = kernel;
            this.weights = weights;
            this.bias = bias;
            this.global = new long[] {Launch.ceilDiv(p.q(), owBlock), p.p(), (long) p.n() * (p.k() / ocBlock)};
            var c = p.conv();
            kernel.arg(1, weights).arg(2, bias).arg(4, p.c()).arg(5, p.h()).arg(6, p.w()).arg(7, p.k()).arg(8, p.p())
                    .arg(9, p.q()).arg(10, p.r()).arg(11, p.s()).arg(12, c.strideH()).arg(13, c.strideW())
                    .arg(14, c.padTop()).arg(15, c.padLeft()).arg(16, c.dilationH()).arg(17, c.dilationW())
                    .arg(18, p.groups());
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
            long lx = Long.getLong("tessera.direct.local", 0);
            if (lx > 0) {
                long[] g = {Launch.roundUp(global[0], lx), global[1], global[2]};
                return List.of(kernel.run(g, new long[] {lx, 1, 1}));
            }
            return List.of(kernel.run(global, null));
        }

        @Override
        public void close() {
            bias.close();
            weights.close();
            kernel.close();
            program.close();
        }
    }
}
