package dev.tessera.backend.opencl.conv;

import java.util.List;

import dev.tessera.backend.ConvProblem;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.opencl.common.Launch;
import dev.tessera.backend.opencl.common.OwnedResources;
import dev.tessera.backend.opencl.gpu.GpuOperatorParameters;
import dev.tessera.backend.opencl.gpu.GpuWorkGroups;
import dev.tessera.opencl.ClBuffer;
import dev.tessera.opencl.ClContext;
import dev.tessera.opencl.ClKernel;
import dev.tessera.opencl.ClProgram;
import dev.tessera.opencl.DeviceInfo;
import dev.tessera.opencl.EventTiming;
import dev.tessera.opencl.ProgramSource;

/**
 * The GPU family's direct convolution ({@code conv_direct_gpu.cl}), registered as {@code direct} when the GPU family
 * runs: a tile of TQ x TP outputs for OC_BLOCK channels per work-group, input tiles and weights staged in local memory
 * CC input channels at a time. Any stride, padding, dilation and grouping; no workspace. Applicable when a tile of at
 * least one output and one channel fits the device's work-group and local-memory limits (the tile and CC shrink from
 * the table's {@link GpuOperatorParameters} to fit, and again to the built kernel's CL_KERNEL_WORK_GROUP_SIZE).
 */
final class GpuDirectConvSolver implements ConvSolver {
    private final GpuOperatorParameters parameters;

    GpuDirectConvSolver(GpuOperatorParameters parameters) {
        this.parameters = parameters;
    }

    @Override
    public List<String> kernelFiles() {
        return List.of("conv_direct_gpu.cl");
    }

    @Override
    public String id() {
        return DirectConvSolver.ID;
    }

    /** The launch shape: tile columns, tile rows and input channels per stage. */
    private record Shape(int tq, int tp, int cc) {
    }

    /** The largest tile and channel chunk within {@code items} work-items and {@code localBytes}; null if none. */
    private Shape shape(ConvProblem p, long items, long localBytes, int ocBlock, List<Long> itemSizes) {
        int wantQ = (int) Math.min(parameters.convTileQ(), itemSizes.get(0));
        int wantP = (int) Math.min(parameters.convTileP(), itemSizes.size() > 1 ? itemSizes.get(1) : 1);
        var c = p.conv();
        for (int cc = Math.min(parameters.convChannels(), p.c() / p.groups()); cc >= 1; cc /= 2) {
            int chunk = cc;
            int[] tile = GpuWorkGroups.tile(wantQ, wantP, p.q(), p.p(), items,
                    (tq, tp) -> localBytes(tq, tp, chunk, ocBlock, p.r(), p.s(), c.strideH(), c.strideW(),
                            c.dilationH(), c.dilationW()),
                    localBytes);
            if (tile != null) {
                return new Shape(tile[0], tile[1], cc);
            }
        }
        return null;
    }

    /** Local memory of a tile: CC x TH x TW inputs and OC_BLOCK x CC x R x S weights. */
    static long localBytes(int tq, int tp, int cc, int ocBlock, int r, int s, int strideH, int strideW, int dilationH,
            int dilationW) {
        long th = (long) (tp - 1) * strideH + (long) (r - 1) * dilationH + 1;
        long tw = (long) (tq - 1) * strideW + (long) (s - 1) * dilationW + 1;
        return (cc * th * tw + (long) ocBlock * cc * r * s) * Float.BYTES;
    }

    @Override
    public String notApplicableReason(ConvProblem problem, DeviceInfo device) {
        int ocBlock = DirectConvSolver.outputChannelBlock(problem);
        return shape(problem, device.maxWorkGroupSize(), device.localMemBytes(), ocBlock,
                device.maxWorkItemSizes()) == null
                ? "the GPU family's direct convolution needs " + localBytes(1, 1, 1, ocBlock, problem.r(), problem.s(),
                        1, 1, problem.conv().dilationH(), problem.conv().dilationW())
                        + " bytes of local memory for one output, the device has " + device.localMemBytes()
                : null;
    }

    @Override
    public long workspaceBytes(ConvProblem problem) {
        return 0;
    }

    @Override
    public PreparedConv prepare(ClContext context, ConvProblem problem, Tensor weights, Tensor bias) {
        int ocBlock = DirectConvSolver.outputChannelBlock(problem);
        DeviceInfo device = context.info();
        Shape wanted = shape(problem, device.maxWorkGroupSize(), device.localMemBytes(), ocBlock,
                device.maxWorkItemSizes());
        if (wanted == null) {
            throw new IllegalArgumentException(notApplicableReason(problem, device));
        }
        // CC as the table says unless local memory made it smaller: the kernel never stages more than the group's
        // channels, so fewer channels than CC need no build of their own
        int compiledCc = wanted.cc() == Math.min(parameters.convChannels(), problem.c() / problem.groups())
                ? parameters.convChannels() : wanted.cc();
        String options = "-DOC_BLOCK=" + ocBlock + " -DCC=" + compiledCc + " -DHAS_BIAS=" + (bias != null ? 1 : 0)
                + " -DFUSE_RELU=" + (problem.conv().relu() ? 1 : 0);
        OwnedResources resources = new OwnedResources();
        try {
            ClProgram program = resources.add(context.build(ProgramSource.resource("conv_direct_gpu.cl"), options));
            ClKernel kernel = resources.add(program.kernel("conv_direct_tiled"));
            // CC is compiled in: the tile alone shrinks to the built kernel's limits
            int[] tile = GpuWorkGroups.tile(wanted.tq(), wanted.tp(), problem.q(), problem.p(),
                    kernel.maxWorkGroupSize(), (tq, tp) -> localBytes(tq, tp, wanted.cc(), ocBlock, problem.r(),
                            problem.s(), problem.conv().strideH(), problem.conv().strideW(),
                            problem.conv().dilationH(), problem.conv().dilationW()),
                    device.localMemBytes() - kernel.localMemBytes());
            if (tile == null) {
                throw new IllegalStateException("conv_direct_tiled built for " + wanted + " fits no tile within the "
                        + "kernel's " + kernel.maxWorkGroupSize() + " work-items");
            }
            Shape fitted = new Shape(tile[0], tile[1], wanted.cc());
            ClBuffer w = resources.add(context.buffer(weights.data()));
            ClBuffer b = resources.add(context.buffer(bias != null ? bias.data() : new float[1]));
            var c = problem.conv();
            int th = (fitted.tp() - 1) * c.strideH() + (problem.r() - 1) * c.dilationH() + 1;
            int tw = (fitted.tq() - 1) * c.strideW() + (problem.s() - 1) * c.dilationW() + 1;
            kernel.arg(1, w).arg(2, b).localArg(4, (long) fitted.cc() * th * tw * Float.BYTES)
                    .localArg(5, (long) ocBlock * fitted.cc() * problem.r() * problem.s() * Float.BYTES)
                    .arg(6, problem.c()).arg(7, problem.h()).arg(8, problem.w()).arg(9, problem.k())
                    .arg(10, problem.p()).arg(11, problem.q()).arg(12, problem.r()).arg(13, problem.s())
                    .arg(14, c.strideH()).arg(15, c.strideW()).arg(16, c.padTop()).arg(17, c.padLeft())
                    .arg(18, c.dilationH()).arg(19, c.dilationW()).arg(20, problem.groups());
            long[] global = {Launch.roundUp(problem.q(), fitted.tq()), Launch.roundUp(problem.p(), fitted.tp()),
                (long) problem.n() * (problem.k() / ocBlock)};
            long[] local = {fitted.tq(), fitted.tp(), 1};
            return new PreparedConv() {
                @Override
                public ConvProblem problem() {
                    return problem;
                }

                @Override
                public String solverId() {
                    return DirectConvSolver.ID;
                }

                @Override
                public List<EventTiming> run(ClBuffer input, ClBuffer output) {
                    kernel.arg(0, input).arg(3, output);
                    return List.of(kernel.run(global, local));
                }

                @Override
                public void close() {
                    resources.close();
                }
            };
        } catch (RuntimeException e) {
            resources.close();
            throw e;
        }
    }
}
