package dev.tessera.backend.opencl.ops;

import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.opencl.KernelSelection;
import dev.tessera.backend.opencl.common.Launch;
import dev.tessera.backend.opencl.common.OwnedResources;
import dev.tessera.backend.opencl.common.PreparedStep;
import dev.tessera.backend.opencl.common.ProgramLibrary;
import dev.tessera.backend.opencl.gpu.GpuOperatorParameters;
import dev.tessera.backend.opencl.gpu.GpuWorkGroups;
import dev.tessera.opencl.ClBuffer;
import dev.tessera.opencl.ClContext;
import dev.tessera.opencl.ClKernel;
import dev.tessera.opencl.DeviceInfo;

/**
 * The GPU kernel family's operators other than convolution and the GEMM: the one place {@link dev.tessera.backend.opencl.OpenClBackend} hands an
 * operator to when the GPU family runs. Max and average pooling ({@code pool_gpu.cl}: a tile of outputs per group
 * from an input tile in local memory), ReLU, tanh, residual add and bias add ({@code eltwise_gpu.cl}: a vector per
 * work-item), softmax, global average pooling and FC at batch 1 ({@code reduce_gpu.cl}: a work-group per row reducing
 * in local memory), LRN ({@code lrn_gpu.cl}: a tile of pixels x channels per group from the squares staged in local
 * memory). Parameters come from {@link GpuOperatorParameters}' table (via {@link KernelSelection}); every
 * work-group is fitted by {@link GpuWorkGroups} to the built kernel's limit, its preferred multiple and the device's
 * local memory.
 *
 * <p>Operators this family has no kernel of its own for (batch norm, concat, FC at batch > 1 = the GPU GEMM)
 * return null and run the shared kernels; a pooling or LRN whose single window does not fit local memory runs the
 * shared kernel and its note says so.
 */
public final class GpuFamilyOperators {
    private final ClContext context;
    private final ProgramLibrary library;
    private final GpuOperatorParameters.Choice choice;

    /** The operators with {@code choice}'s parameters ({@link KernelSelection#operators}). */
    public GpuFamilyOperators(ClContext context, ProgramLibrary library, GpuOperatorParameters.Choice choice) {
        this.context = context;
        this.library = library;
        this.choice = choice;
    }

    /** The parameters in use and where they came from. */
    GpuOperatorParameters.Choice choice() {
        return choice;
    }

    /**
     * The step for {@code op} on this family's kernels, null where it has none ({@code shared} is the shared kernels'
     * step, for a reported fallback).
     */
    public PreparedStep prepare(Operator op, List<int[]> shapes, List<ClBuffer> buf, ClBuffer out,
            Supplier<PreparedStep> shared) {
        int[] x = shapes.get(0);
        int total = Math.toIntExact(Tensor.sizeOf(x));
        if (op instanceof Operator.Pool pool) {
            return pool(pool, x, buf.get(0), out, shared);
        } else if (op instanceof Operator.Lrn lrn) {
            return lrn(lrn, x, buf.get(0), out, shared);
        } else if (op instanceof Operator.GlobalAvgPool) {
            int plane = x[2] * x[3];
            Reduction r = reduction("global_avg_pool_workgroup", "");
            try {
                r.kernel().arg(0, buf.get(0)).arg(1, out).arg(2, plane);
            } catch (RuntimeException e) {
                r.kernel().close();
                throw e;
            }
            return rowsStep(r, x[0] * x[1]);
        } else if (op instanceof Operator.Softmax) {
            int rows = x[0];
            Reduction r = reduction("softmax_workgroup", "");
            try {
                r.kernel().arg(0, buf.get(0)).arg(1, out).arg(2, total / rows);
            } catch (RuntimeException e) {
                r.kernel().close();
                throw e;
            }
            return rowsStep(r, rows);
        } else if (op instanceof Operator.FullyConnected fc && x[0] == 1) {
            return fullyConnected(fc, total, shapes.get(1)[0], shapes.size() == 3, buf, out);
        } else if (op instanceof Operator.Relu) {
            return elementwise("relu_vec", "-DFUSE_RELU=1", choice.parameters().vectorWidth(), total,
                    k -> k.arg(0, buf.get(0)).arg(1, out).arg(2, total));
        } else if (op instanceof Operator.Tanh) {
            return elementwise("tanh_vec", "", choice.parameters().vectorWidth(), total,
                    k -> k.arg(0, buf.get(0)).arg(1, out).arg(2, total));
        } else if (op instanceof Operator.Add add) {
            return elementwise("residual_add_vec", "-DFUSE_RELU=" + (add.relu() ? 1 : 0),
                    choice.parameters().vectorWidth(), total,
                    k -> k.arg(0, buf.get(0)).arg(1, buf.get(1)).arg(2, out).arg(3, total));
        } else if (op instanceof Operator.BiasAdd) {
            int plane = total / (x[0] * x[1]);
            int width = plane % choice.parameters().vectorWidth() == 0 ? choice.parameters().vectorWidth() : 1;
            return elementwise("bias_add_vec", "", width, total,
                    k -> k.arg(0, buf.get(0)).arg(1, buf.get(1)).arg(2, out).arg(3, x[1]).arg(4, plane)
                            .arg(5, total));
        }
        return null;
    }

    private PreparedStep elementwise(String name, String options, int width, int total,
            Consumer<ClKernel> bind) {
        ClKernel k = library.kernel("eltwise_gpu.cl", options + " -DVECTOR_WIDTH=" + width, name);
        try {
            bind.accept(k);
            long group = GpuWorkGroups.linear(choice.parameters().elementGroup(), k.preferredWorkGroupSizeMultiple(),
                    k.maxWorkGroupSize());
            long[] global = {Launch.roundUp(Launch.ceilDiv(total, width), group)};
            return PreparedStep.of(k, name, "", () -> List.of(k.run(global, new long[] {group})));
        } catch (RuntimeException e) {
            k.close();
            throw e;
        }
    }

    /**
     * A row-reduction kernel of {@code reduce_gpu.cl} built with WG = the table's group rounded down to a power of two
     * within the device's limit, then the built kernel's. One WG per device whatever the row length (short rows leave
     * items idle), so each kernel is built once, not once per row length.
     */
    private Reduction reduction(String name, String options) {
        int group = GpuWorkGroups.powerOfTwoAtMost(choice.parameters().reduceGroup(),
                context.info().maxWorkGroupSize());
        ClKernel k = library.kernel("reduce_gpu.cl", options + " -DWG=" + group, name);
        if (k.maxWorkGroupSize() < group) {
            group = GpuWorkGroups.powerOfTwoAtMost(group, k.maxWorkGroupSize());
            k.close();
            k = library.kernel("reduce_gpu.cl", options + " -DWG=" + group, name);
        }
        return new Reduction(k, group);
    }

    /** A kernel of reduce_gpu.cl and the WG it was built with (its required work-group size). */
    private record Reduction(ClKernel kernel, int group) {
    }

    /** Runs a reduction kernel over {@code rows} groups of its WG items. */
    private static PreparedStep rowsStep(Reduction r, int rows) {
        ClKernel k = r.kernel();
        long[] global = {(long) rows * r.group()};
        return PreparedStep.of(k, k.name(), "", () -> List.of(k.run(global, new long[] {r.group()})));
    }

    private PreparedStep fullyConnected(Operator.FullyConnected fc, int features, int outFeatures, boolean bias,
            List<ClBuffer> buf, ClBuffer out) {
        int wg = GpuWorkGroups.powerOfTwoAtMost(choice.parameters().reduceGroup(), context.info().maxWorkGroupSize());
        int rows = Math.min(choice.parameters().fcRows(), wg);
        Reduction r = reduction("fc_workgroup", "-DROWS=" + rows + " -DHAS_BIAS="
                + (bias ? 1 : 0) + " -DFUSE_RELU=" + (fc.relu() ? 1 : 0));
        ClKernel k = r.kernel();
        OwnedResources owned = new OwnedResources();
        owned.add(k);
        try {
            long group = r.group();
            if (group < rows) {
                throw new IllegalStateException("fc_workgroup: " + rows + " rows per group need as many "
                        + "work-items, the kernel allows " + group);
            }
            ClBuffer biasBuf = bias ? buf.get(2) : owned.add(context.buffer(Float.BYTES));
            k.arg(0, buf.get(0)).arg(1, buf.get(1)).arg(2, biasBuf).arg(3, out).arg(4, features).arg(5, outFeatures);
            long[] global = {(long) Launch.ceilDiv(outFeatures, rows) * group};
            return PreparedStep.of(owned, k.name(), "", () -> List.of(k.run(global, new long[] {group})));
        } catch (RuntimeException e) {
            owned.close();
            throw e;
        }
    }

    private PreparedStep pool(Operator.Pool pool, int[] x, ClBuffer in, ClBuffer out, Supplier<PreparedStep> shared) {
        int[] o = pool.outputShape(List.of(x));
        boolean max = pool.kind() == Operator.Pool.Kind.MAX;
        ClKernel k = library.kernel("pool_gpu.cl", "-DMAX_POOL=" + (max ? 1 : 0), "pool_tiled");
        try {
            DeviceInfo info = context.info();
            List<Long> itemSizes = info.maxWorkItemSizes();
            int wantQ = (int) Math.min(choice.parameters().poolTileQ(), itemSizes.get(0));
            int wantP = (int) Math.min(choice.parameters().poolTileP(), itemSizes.size() > 1 ? itemSizes.get(1) : 1);
            int[] tile = GpuWorkGroups.poolTile(wantQ, wantP, o[3], o[2], pool.kernelH(), pool.kernelW(),
                    pool.strideH(), pool.strideW(), k.maxWorkGroupSize(), info.localMemBytes() - k.localMemBytes());
            if (tile == null) {
                k.close();
                return sharedWithNote(shared, "the " + pool.kernelH() + "x" + pool.kernelW() + " window");
            }
            long tileBytes = GpuWorkGroups.poolTileBytes(tile[0], tile[1], pool.kernelH(), pool.kernelW(),
                    pool.strideH(), pool.strideW());
            k.arg(0, in).arg(1, out).localArg(2, tileBytes).arg(3, x[2]).arg(4, x[3]).arg(5, o[2]).arg(6, o[3])
                    .arg(7, pool.kernelH()).arg(8, pool.kernelW()).arg(9, pool.strideH()).arg(10, pool.strideW())
                    .arg(11, pool.padTop()).arg(12, pool.padLeft()).arg(13, pool.padBottom()).arg(14, pool.padRight())
                    .arg(15, pool.countPad() ? 1 : 0);
            long[] global = {Launch.roundUp(o[3], tile[0]), Launch.roundUp(o[2], tile[1]), (long) x[0] * x[1]};
            long[] local = {tile[0], tile[1], 1};
            return PreparedStep.of(k, k.name(), "", () -> List.of(k.run(global, local)));
        } catch (RuntimeException e) {
            k.close();
            throw e;
        }
    }

    /** The shared kernels' step, its note saying that {@code what} did not fit local memory. */
    private PreparedStep sharedWithNote(Supplier<PreparedStep> shared, String what) {
        PreparedStep fallback = shared.get();
        String why = "gpu family: " + what + " does not fit " + context.info().localMemBytes()
                + " bytes of local memory; ran the shared " + fallback.algorithm();
        return PreparedStep.of(fallback, fallback.algorithm(), why, fallback::run);
    }

    private PreparedStep lrn(Operator.Lrn lrn, int[] x, ClBuffer in, ClBuffer out, Supplier<PreparedStep> shared) {
        int plane = x[2] * x[3];
        ClKernel k = library.kernel("lrn_gpu.cl", "", "lrn_tiled");
        try {
            DeviceInfo info = context.info();
            List<Long> itemSizes = info.maxWorkItemSizes();
            int wantPixels = (int) Math.min(choice.parameters().lrnPixels(), itemSizes.get(0));
            int wantChannels = (int) Math.min(choice.parameters().lrnChannels(),
                    itemSizes.size() > 1 ? itemSizes.get(1) : 1);
            int[] tile = GpuWorkGroups.lrnTile(wantPixels, wantChannels, plane, x[1], lrn.size(), k.maxWorkGroupSize(),
                    info.localMemBytes() - k.localMemBytes());
            if (tile == null) {
                k.close();
                return sharedWithNote(shared, "the LRN window of " + lrn.size() + " channels");
            }
            k.arg(0, in).arg(1, out).localArg(2, GpuWorkGroups.lrnTileBytes(tile[0], tile[1], lrn.size()))
                    .arg(3, x[1]).arg(4, plane).arg(5, lrn.size()).arg(6, (float) lrn.effectiveAlpha())
                    .arg(7, (float) lrn.beta()).arg(8, (float) lrn.k());
            long[] global = {Launch.roundUp(plane, tile[0]), Launch.roundUp(x[1], tile[1]), x[0]};
            long[] local = {tile[0], tile[1], 1};
            return PreparedStep.of(k, k.name(), "", () -> List.of(k.run(global, local)));
        } catch (RuntimeException e) {
            k.close();
            throw e;
        }
    }
}
