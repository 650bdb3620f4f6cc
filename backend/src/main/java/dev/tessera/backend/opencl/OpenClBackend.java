package dev.tessera.backend.opencl;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.tessera.backend.Backend;
import dev.tessera.backend.ConvAlgorithm;
import dev.tessera.backend.ConvAlgorithms;
import dev.tessera.backend.ConvProblem;
import dev.tessera.backend.OpResult;
import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.graph.CompiledGraph;
import dev.tessera.backend.graph.Graph;
import dev.tessera.backend.graph.GraphFusion;
import dev.tessera.backend.opencl.common.KernelFamily;
import dev.tessera.backend.opencl.common.Launch;
import dev.tessera.backend.opencl.common.OwnedResources;
import dev.tessera.backend.opencl.common.PreparedStep;
import dev.tessera.backend.opencl.common.ProgramLibrary;
import dev.tessera.backend.opencl.conv.ConvSolver;
import dev.tessera.backend.opencl.conv.ConvSolverFinder;
import dev.tessera.backend.opencl.conv.ConvSolvers;
import dev.tessera.backend.opencl.conv.ConvTuningDatabase;
import dev.tessera.backend.opencl.conv.PreparedConv;
import dev.tessera.backend.opencl.gemm.GemmBatch;
import dev.tessera.backend.opencl.gemm.GemmEpilogue;
import dev.tessera.backend.opencl.gemm.PackedGemm;
import dev.tessera.backend.opencl.gemm.StridedMatrix;
import dev.tessera.backend.opencl.ops.ActivationPadSoftmaxSteps;
import dev.tessera.backend.opencl.ops.GpuFamilyOperators;
import dev.tessera.backend.opencl.ops.PackedFullyConnected;
import dev.tessera.backend.opencl.plan.NchwcChainFinder;
import dev.tessera.backend.opencl.plan.OpenClGraph;
import dev.tessera.backend.opencl.plan.PlanOptions;
import dev.tessera.opencl.ClBuffer;
import dev.tessera.opencl.ClContext;
import dev.tessera.opencl.ClDevice;
import dev.tessera.opencl.ClKernel;
import dev.tessera.opencl.EventTiming;
import dev.tessera.opencl.ProgramCache;

/**
 * The hand-written OpenCL kernels as a {@link Backend}. Each {@link #run} uploads the inputs, launches the operator's
 * kernels (for convolutions through a {@link ConvSolver}, AUTO's choice made by the {@link ConvSolverFinder}), and
 * downloads the result. Kernel times come from profiling events.
 *
 * <p>Operator to kernel: conv2d -> {@link ConvSolvers} (conv_direct.cl, ...); maxpool/avgpool/globalavgpool -> pool.cl;
 * lrn -> lrn.cl; relu, tanh, biasadd, add, batchnorm -> eltwise.cl; fc -> fully_connected.cl; softmax -> softmax.cl.
 *
 * <p>Not thread-safe.
 */
public final class OpenClBackend implements Backend {
    private final ClContext context;
    private final ProgramLibrary library;
    private final ConvSolverFinder finder;
    private final NchwcChainFinder chainFinder;
    private boolean packedFullyConnected = true;
    private boolean rowPooling = true;
    private final KernelSelection kernels;
    private final GpuFamilyOperators gpuOperators;

    private OpenClBackend(ClContext context, ConvTuningDatabase tuning, KernelSelection kernels) {
        this.context = context;
        this.library = new ProgramLibrary(context);
        this.finder = new ConvSolverFinder(context, tuning, kernels);
        this.chainFinder = new NchwcChainFinder(context, finder);
        this.kernels = kernels;
        this.gpuOperators = kernels.operators() == null ? null
                : new GpuFamilyOperators(context, library, kernels.operators());
    }

    /**
     * A backend on {@code device} with the default program cache and tuning database, the kernel family from
     * {@link KernelFamily#ENVIRONMENT} (default auto).
     */
    public static OpenClBackend open(ClDevice device) {
        return open(device, KernelFamily.fromEnvironment());
    }

    /** {@link #open(ClDevice)} with the kernel family chosen: cpu, gpu or auto (by device type). */
    public static OpenClBackend open(ClDevice device, String kernelFamily) {
        Path tuningDir = ProgramCache.defaultRoot().resolve("tuning");
        KernelSelection kernels = KernelSelection.resolve(kernelFamily, device.info(), kernelStore(tuningDir));
        ClContext context = ClContext.open(device);
        return new OpenClBackend(context, ConvTuningDatabase.open(tuningDir, device.info()), kernels);
    }

    /** A backend with an explicit program cache and tuning directory (null: keep AUTO's choices in memory only). */
    public static OpenClBackend open(ClDevice device, ProgramCache cache, Path tuningDir) {
        return open(device, cache, tuningDir, KernelFamily.fromEnvironment());
    }

    /** {@link #open(ClDevice, ProgramCache, Path)} with the kernel family chosen: cpu, gpu or auto. */
    public static OpenClBackend open(ClDevice device, ProgramCache cache, Path tuningDir, String kernelFamily) {
        KernelSelection kernels = KernelSelection.resolve(kernelFamily, device.info(), kernelStore(tuningDir));
        ClContext context = ClContext.open(device, cache);
        return new OpenClBackend(context, ConvTuningDatabase.open(tuningDir, device.info()), kernels);
    }

    /** A backend with an explicit program cache, tuning directory and kernel selection (for tune and tests). */
    public static OpenClBackend open(ClDevice device, ProgramCache cache, Path tuningDir, KernelSelection kernels) {
        ClContext context = ClContext.open(device, cache);
        return new OpenClBackend(context, ConvTuningDatabase.open(tuningDir, device.info()), kernels);
    }

    /**
     * Where the GPU family's tuned kernel parameters live: {@code kernels/} inside the tuning directory (null: none).
     */
    public static Path kernelStore(Path tuningDir) {
        return tuningDir == null ? null : tuningDir.resolve("kernels");
    }

    /** The kernel family and parameters this backend runs. */
    public KernelSelection kernels() {
        return kernels;
    }

    public ClContext context() {
        return context;
    }

    public ConvTuningDatabase tuningDatabase() {
        return finder.database();
    }

    /** AUTO: the finder that chooses convolution solvers on this backend. */
    public ConvSolverFinder finder() {
        return finder;
    }

    /** AUTO across layers: whether paths of convolutions run as NCHWc chains. */
    public NchwcChainFinder chainFinder() {
        return chainFinder;
    }

    /** Host nanoseconds AUTO has spent timing candidate solvers on this backend so far. */
    public long tuneNanos() {
        return finder.tuneNanos() + chainFinder.tuneNanos();
    }

    /**
     * Whether fully connected layers at small batch on CPU devices use the packed kernel ({@link PackedFullyConnected},
     * the default) or the row-per-work-item kernel; for comparisons. Affects what is prepared afterwards.
     */
    public void usePackedFullyConnected(boolean packed) {
        this.packedFullyConnected = packed;
    }

    /**
     * Whether a node's parameters must be in device buffers for its kernels (the plan uploads them once); convolutions,
     * batch norms and packed fully connected layers take their host values at prepare instead.
     */
    public boolean kernelsReadParameters(Operator op, int[] input) {
        if (op instanceof Operator.FullyConnected) {
            return !usesPackedFullyConnected(input[0]);
        }
        return !(op instanceof Operator.Conv2d || op instanceof Operator.BatchNorm);
    }

    /**
     * {@link #enqueue}'s preparation kept for many runs (benchmarks): the operator bound to the given buffers, weights
     * packed or transformed once. Close it before the buffers.
     */
    public PreparedStep prepareResident(Operator op, List<Tensor> inputs, List<ClBuffer> inputBuffers,
            ClBuffer output) {
        List<int[]> shapes = inputs.stream().map(Tensor::shape).toList();
        op.outputShape(shapes);
        return prepare(op, ConvAlgorithm.AUTO, shapes, inputs, inputBuffers, output);
    }

    ProgramLibrary library() {
        return library;
    }

    @Override
    public String name() {
        return "opencl";
    }

    @Override
    public String device() {
        return context.device().name();
    }

    @Override
    public OpResult run(Operator op, List<Tensor> inputs) {
        return run(op, inputs, ConvAlgorithm.AUTO);
    }

    @Override
    public OpResult run(Operator op, List<Tensor> inputs, ConvAlgorithm algorithm) {
        List<int[]> shapes = inputs.stream().map(Tensor::shape).toList();
        int[] outShape = op.outputShape(shapes);
        long start = System.nanoTime();
        if (op instanceof Operator.Flatten) {
            // a reshape: no data moves, no kernel runs
            return new OpResult(inputs.get(0).copy().reshape(outShape), "reshape", 0.0,
                    (System.nanoTime() - start) / 1e6, "opencl:" + device(), "");
        }
        try (OwnedResources owned = new OwnedResources()) {
            List<ClBuffer> buffers = new ArrayList<>();
            for (Tensor t : inputs) {
                buffers.add(owned.add(context.buffer(t.data())));
            }
            Tensor output = Tensor.zeros(outShape);
            ClBuffer out = owned.add(context.buffer(4L * output.size()));
            PreparedStep step = owned.add(prepare(op, algorithm, shapes, inputs, buffers, out));
            List<EventTiming> timings = step.run();
            out.read(output.data());
            double kernelMs = timings.stream().mapToLong(EventTiming::kernelNs).sum() / 1e6;
            return new OpResult(output, step.algorithm(), kernelMs, (System.nanoTime() - start) / 1e6,
                    "opencl:" + device(), step.note());
        }
    }

    /**
     * Runs {@code op} on device buffers that already hold the inputs, writing {@code output}; for benchmarks and
     * callers that keep data on the device. {@code inputs} supply the shapes and the host-side parameters (weights
     * for convolutions, batch-norm statistics); the data the kernels read is the buffers'.
     *
     * @return the timing of every kernel launched
     */
    public List<EventTiming> enqueue(Operator op, List<Tensor> inputs, List<ClBuffer> inputBuffers, ClBuffer output) {
        List<int[]> shapes = inputs.stream().map(Tensor::shape).toList();
        op.outputShape(shapes);
        try (PreparedStep step = prepare(op, ConvAlgorithm.AUTO, shapes, inputs, inputBuffers, output)) {
            return step.run();
        }
    }

    /**
     * Compiles {@code graph} into a device-resident plan ({@link OpenClGraph}): every node's kernels built and bound
     * to its buffers once, convolution weights transformed once, AUTO's choices made at compile time.
     */
    @Override
    public CompiledGraph compile(Graph graph, int batch) {
        return compile(graph, batch, PlanOptions.DEFAULT);
    }

    @Override
    public CompiledGraph compile(Graph graph, int batch, ConvAlgorithms algorithms) {
        return compile(graph, batch, PlanOptions.DEFAULT.withAlgorithms(algorithms));
    }

    /** {@link #compile(Graph, int)} with the plan's fusion and launch queueing chosen. */
    public CompiledGraph compile(Graph graph, int batch, PlanOptions options) {
        return OpenClGraph.compile(this, graph, batch, options.fuse() ? GraphFusion.of(graph) : GraphFusion.NONE,
                options.queueLaunches(), options.algorithms());
    }

    /**
     * Prepares {@code op} to run on fixed buffers: kernels created with their arguments bound, weights transformed,
     * constants uploaded. {@code shapes} are every operand's shape; {@code values} the operands' host values where
     * the kernels need them before running (convolution weights and bias, batch-norm statistics; data inputs may be
     * null). {@code algorithm} is the convolution's (other operators ignore it). The caller closes the step, then the
     * buffers. When preparing fails, the kernels it created are released.
     */
    public PreparedStep prepare(Operator op, ConvAlgorithm algorithm, List<int[]> shapes, List<Tensor> values,
            List<ClBuffer> buf, ClBuffer out) {
        return library.releasingKernelsOnFailure(() -> prepareStep(op, algorithm, shapes, values, buf, out));
    }

    private PreparedStep prepareStep(Operator op, ConvAlgorithm algorithm, List<int[]> shapes, List<Tensor> values,
            List<ClBuffer> buf, ClBuffer out) {
        if (kernels.family() == KernelFamily.GPU) {
            PreparedStep step = gpuOperators.prepare(op, shapes, buf, out,
                    () -> prepareShared(op, algorithm, shapes, values, buf, out));
            if (step != null) {
                return step;
            }
        }
        return prepareShared(op, algorithm, shapes, values, buf, out);
    }

    /** {@link #prepare} on the kernels both families share (and the convolution solvers and GEMM of the family). */
    private PreparedStep prepareShared(Operator op, ConvAlgorithm algorithm, List<int[]> shapes, List<Tensor> values,
            List<ClBuffer> buf, ClBuffer out) {
        int[] x = shapes.get(0);
        int total = elements(x);
        if (op instanceof Operator.Conv2d conv) {
            return convolve(ConvProblem.of(conv, shapes), algorithm, values, buf, out);
        } else if (op instanceof Operator.Pool pool) {
            return pool(pool, x, buf.get(0), out);
        } else if (op instanceof Operator.GlobalAvgPool) {
            int planes = x[0] * x[1];
            ClKernel k = library.kernel("pool.cl", "", "global_avg_pool");
            k.arg(0, buf.get(0)).arg(1, out).arg(2, x[2] * x[3]).arg(3, planes);
            return PreparedStep.elementwise(k, planes);
        } else if (op instanceof Operator.Lrn lrn) {
            int pixels = x[0] * x[2] * x[3];
            ClKernel k = library.kernel("lrn.cl", "", "lrn_across_channels");
            k.arg(0, buf.get(0)).arg(1, out).arg(2, x[1]).arg(3, x[2] * x[3]).arg(4, lrn.size())
                    .arg(5, (float) lrn.effectiveAlpha()).arg(6, (float) lrn.beta()).arg(7, (float) lrn.k())
                    .arg(8, pixels);
            return PreparedStep.elementwise(k, pixels);
        } else if (op instanceof Operator.Relu) {
            return unary("relu", buf.get(0), out, total);
        } else if (op instanceof Operator.Tanh) {
            return unary("tanh_activation", buf.get(0), out, total);
        } else if (op instanceof Operator.BiasAdd) {
            ClKernel k = library.kernel("eltwise.cl", "", "bias_add");
            k.arg(0, buf.get(0)).arg(1, buf.get(1)).arg(2, out).arg(3, x[1]).arg(4, planeSize(x)).arg(5, total);
            return PreparedStep.elementwise(k, total);
        } else if (op instanceof Operator.Add add) {
            ClKernel k = library.kernel("eltwise.cl", "-DFUSE_RELU=" + (add.relu() ? 1 : 0), "residual_add");
            k.arg(0, buf.get(0)).arg(1, buf.get(1)).arg(2, out).arg(3, total);
            return PreparedStep.elementwise(k, total);
        } else if (op instanceof Operator.BatchNorm bn) {
            return batchNorm(bn, x, values, buf.get(0), out);
        } else if (op instanceof Operator.FullyConnected fc) {
            return fullyConnected(fc, x, shapes.get(1)[0], values, buf, out);
        } else if (op instanceof Operator.Softmax) {
            int rows = x[0];
            ClKernel k = library.kernel("softmax.cl", "", "softmax_rows");
            k.arg(0, buf.get(0)).arg(1, out).arg(2, total / rows).arg(3, rows);
            return PreparedStep.elementwise(k, rows);
        } else if (op instanceof Operator.Concat) {
            return concat(shapes, buf, out);
        } else if (op instanceof Operator.Activation a) {
            return ActivationPadSoftmaxSteps.activation(library, a, x, buf.get(0), out);
        } else if (op instanceof Operator.Pad pad) {
            return ActivationPadSoftmaxSteps.pad(library, pad, x, buf.get(0), out);
        } else if (op instanceof Operator.AxisSoftmax softmax) {
            return ActivationPadSoftmaxSteps.axisSoftmax(library, softmax, x, buf.get(0), out);
        }
        throw new IllegalArgumentException("the OpenCL backend has no kernel for " + op.name());
    }

    /** One copy_into_channels launch per input, each writing its channels at its offset in every output image. */
    private PreparedStep concat(List<int[]> shapes, List<ClBuffer> buf, ClBuffer out) {
        OwnedResources owned = new OwnedResources();
        try {
            List<ClKernel> kernels = new ArrayList<>();
            List<Integer> totals = new ArrayList<>();
            int images = shapes.get(0)[0];
            int outBlock = elements(new Operator.Concat().outputShape(shapes)) / images;
            int offset = 0;
            for (int i = 0; i < shapes.size(); i++) {
                int total = elements(shapes.get(i));
                int block = total / images;
                ClKernel k = owned.add(library.kernel("eltwise.cl", "", "copy_into_channels"));
                k.arg(0, buf.get(i)).arg(1, out).arg(2, block).arg(3, outBlock).arg(4, offset).arg(5, total);
                kernels.add(k);
                totals.add(total);
                offset += block;
            }
            return PreparedStep.of(owned, "copy_into_channels", "", () -> {
                List<EventTiming> timings = new ArrayList<>();
                for (int i = 0; i < kernels.size(); i++) {
                    timings.add(Launch.elementwise(kernels.get(i), totals.get(i)));
                }
                return timings;
            });
        } catch (RuntimeException e) {
            owned.close();
            throw e;
        }
    }

    private static int elements(int[] shape) {
        return Math.toIntExact(Tensor.sizeOf(shape));
    }

    private static int planeSize(int[] x) {
        return elements(x) / (x[0] * x[1]);
    }

    private PreparedStep unary(String kernelName, ClBuffer in, ClBuffer out, int total) {
        ClKernel k = library.kernel("eltwise.cl", "", kernelName);
        k.arg(0, in).arg(1, out).arg(2, total);
        return PreparedStep.elementwise(k, total);
    }

    /**
     * Output pixels one pool.cl {@code pool_rows} work-item produces along a row (its RUN, the vector width): 8 where
     * the output rows hold at least 8, else 4 where they hold at least 4; 0 where pool_rows does not apply: outside
     * the CPU family, column strides above 2, output rows under 4 wide. Those shapes run max_pool/avg_pool, one output
     * per work-item.
     */
    int rowPoolingRun(Operator.Pool pool, int[] x) {
        int q = pool.outputShape(List.of(x))[3];
        if (!rowPooling || kernels.family() != KernelFamily.CPU || pool.strideW() > 2 || q < 4) {
            return 0;
        }
        return q >= 8 ? 8 : 4;
    }

    /** Whether {@code pool} on input {@code x} runs pool.cl's {@code pool_rows} ({@link #rowPoolingRun}). */
    boolean usesRowPooling(Operator.Pool pool, int[] x) {
        return rowPoolingRun(pool, x) > 0;
    }

    /** Lets benchmarks compare pool_rows with the one-output-per-item kernels; on by default. */
    public void useRowPooling(boolean rows) {
        this.rowPooling = rows;
    }

    private PreparedStep pool(Operator.Pool pool, int[] x, ClBuffer in, ClBuffer out) {
        int[] o = pool.outputShape(List.of(x));
        int total = elements(o);
        boolean max = pool.kind() == Operator.Pool.Kind.MAX;
        int run = rowPoolingRun(pool, x);
        if (run > 0) {
            int items = x[0] * x[1] * o[2] * Launch.ceilDiv(o[3], run);
            String options = "-DRUN=" + run + " -DKH=" + pool.kernelH() + " -DKW=" + pool.kernelW() + " -DSW="
                    + pool.strideW() + " -DAVG=" + (max ? 0 : 1);
            ClKernel k = library.kernel("pool.cl", options, "pool_rows");
            k.arg(0, in).arg(1, out).arg(2, x[2]).arg(3, x[3]).arg(4, o[2]).arg(5, o[3]).arg(6, pool.strideH())
                    .arg(7, pool.padTop()).arg(8, pool.padLeft()).arg(9, pool.padBottom()).arg(10, pool.padRight())
                    .arg(11, pool.countPad() ? 1 : 0).arg(12, items);
            return PreparedStep.elementwise(k, items);
        }
        ClKernel k = library.kernel("pool.cl", "", max ? "max_pool" : "avg_pool");
        k.arg(0, in).arg(1, out).arg(2, x[2]).arg(3, x[3]).arg(4, o[2]).arg(5, o[3]).arg(6, pool.kernelH())
                .arg(7, pool.kernelW()).arg(8, pool.strideH()).arg(9, pool.strideW()).arg(10, pool.padTop())
                .arg(11, pool.padLeft());
        if (max) {
            k.arg(12, total);
        } else {
            k.arg(12, pool.padBottom()).arg(13, pool.padRight()).arg(14, pool.countPad() ? 1 : 0).arg(15, total);
        }
        return PreparedStep.elementwise(k, total);
    }

    private PreparedStep batchNorm(Operator.BatchNorm bn, int[] x, List<Tensor> values, ClBuffer in, ClBuffer out) {
        int channels = x[1];
        float[] scale = new float[channels];
        float[] shift = new float[channels];
        for (int c = 0; c < channels; c++) {
            double s = values.get(1).data()[c] / Math.sqrt(values.get(4).data()[c] + bn.epsilon());
            scale[c] = (float) s;
            shift[c] = (float) (values.get(2).data()[c] - values.get(3).data()[c] * s);
        }
        int total = elements(x);
        OwnedResources owned = new OwnedResources();
        try {
            ClBuffer scaleBuf = owned.add(context.buffer(scale));
            ClBuffer shiftBuf = owned.add(context.buffer(shift));
            ClKernel k = owned.add(library.kernel("eltwise.cl", "", "scale_shift"));
            k.arg(0, in).arg(1, scaleBuf).arg(2, shiftBuf).arg(3, out).arg(4, channels).arg(5, planeSize(x))
                    .arg(6, total);
            return PreparedStep.of(owned, k.name(), "", () -> List.of(Launch.elementwise(k, total)));
        } catch (RuntimeException e) {
            owned.close();
            throw e;
        }
    }

    /** Whether FC at this batch runs the packed kernel (CPU family on a CPU device, small batches). */
    private boolean usesPackedFullyConnected(int batch) {
        return kernels.family() == KernelFamily.CPU && packedFullyConnected
                && PackedFullyConnected.applies(context.info(), batch);
    }

    private PreparedStep fullyConnected(Operator.FullyConnected fc, int[] x, int outFeatures, List<Tensor> values,
            List<ClBuffer> buf, ClBuffer out) {
        int n = x[0];
        int features = elements(x) / n;
        boolean bias = values.size() == 3;
        if (kernels.family() == KernelFamily.GPU && n > 1) {
            return fullyConnectedGemm(fc, n, features, outFeatures, bias, buf, out);
        }
        if (usesPackedFullyConnected(n)) {
            return PackedFullyConnected.prepare(library, fc, n, features, values.get(1), bias ? values.get(2) : null,
                    buf.get(0), out);
        }
        int preferred = Math.max(1, context.info().preferredVectorWidth().floatWidth());
        int width = features % preferred == 0 && preferred <= 16 ? preferred : 1;
        int rowsPerItem = Math.min(n, 4);
        String options = "-DVECTOR_WIDTH=" + width + " -DROWS_PER_ITEM=" + rowsPerItem + " -DHAS_BIAS="
                + (bias ? 1 : 0) + " -DFUSE_RELU=" + (fc.relu() ? 1 : 0);
        OwnedResources owned = new OwnedResources();
        try {
            ClBuffer biasBuf = bias ? buf.get(2) : owned.add(context.buffer(4));
            ClKernel k = owned.add(library.kernel("fully_connected.cl", options, "fully_connected"));
            k.arg(0, buf.get(0)).arg(1, buf.get(1)).arg(2, biasBuf).arg(3, out).arg(4, n).arg(5, features)
                    .arg(6, outFeatures);
            long[] items = {outFeatures, Launch.ceilDiv(n, rowsPerItem)};
            long[] local = {Launch.ELEMENTWISE_GROUP, 1};
            return PreparedStep.of(owned, k.name(), "", () -> List.of(Launch.grid(k, items, local)));
        } catch (RuntimeException e) {
            owned.close();
            throw e;
        }
    }

    /**
     * The GPU family's FC at batch > 1: Y (N x out) = X (N x in) W^T (in x out) through the GPU GEMM, the bias per
     * column and the ReLU in its epilogue. Each run packs X as A and W^T as B (the weights are read once either way).
     */
    private PreparedStep fullyConnectedGemm(Operator.FullyConnected fc, int n, int features, int outFeatures,
            boolean bias, List<ClBuffer> buf, ClBuffer out) {
        OwnedResources owned = new OwnedResources();
        try {
            PackedGemm gemm = owned.add(new PackedGemm(context, kernels.gemmTuning(context.info())));
            ClBuffer packedA = owned.add(context.buffer(gemm.packedASize(n, features) * Float.BYTES));
            ClBuffer packedB = owned.add(context.buffer(gemm.packedBSize(features, outFeatures) * Float.BYTES));
            GemmEpilogue epilogue = (bias ? GemmEpilogue.columnBias(buf.get(2), 0) : GemmEpilogue.NONE)
                    .withRelu(fc.relu());
            StridedMatrix input = StridedMatrix.rowMajor(buf.get(0), 0, n, features, features);
            StridedMatrix weightsTransposed = StridedMatrix.rowMajor(buf.get(1), 0, outFeatures, features, features)
                    .transposed();
            return PreparedStep.of(owned, "xgemm_packed", "", () -> List.of(gemm.packA(input, packedA, 0),
                    gemm.packB(weightsTransposed, packedB, 0),
                    gemm.multiply(n, outFeatures, features, packedA, 0, packedB, 0, out, 0, outFeatures, epilogue,
                            GemmBatch.SINGLE)));
        } catch (RuntimeException e) {
            owned.close();
            throw e;
        }
    }

    private PreparedStep convolve(ConvProblem problem, ConvAlgorithm algorithm, List<Tensor> values,
            List<ClBuffer> buf, ClBuffer out) {
        Tensor weights = values.get(1);
        Tensor bias = values.size() == 3 ? values.get(2) : null;
        ConvSolverFinder.Choice choice = chooseSolver(problem, algorithm, weights, bias, buf.get(0), out);
        ConvSolver solver = choice.solver();
        PreparedConv prepared = solver.prepare(context, problem, weights, bias);
        ClBuffer input = buf.get(0);
        return PreparedStep.of(prepared, solver.id(), choice.note(), () -> prepared.run(input, out));
    }

    /**
     * The system property that, when {@code true}, runs the plan default ({@link ConvSolvers#defaultFor}) where a named
     * algorithm does not apply instead of refusing, the step's note saying so: for comparisons of whole fixed-algorithm
     * plans (scripts/auto-vs-fixed), e.g. {@code TESSERA_JAVA_OPTS=-Dtessera.fixedAlgorithmFallback=true}.
     */
    static final String FIXED_FALLBACK_PROPERTY = "tessera.fixedAlgorithmFallback";

    /**
     * The solver of {@code problem}: AUTO's ({@link ConvSolverFinder}, which may time candidates writing {@code out}),
     * or the named algorithm's, refused with the reason when it does not apply (unless {@link #FIXED_FALLBACK_PROPERTY}
     * is set: then the plan default, and the note says so).
     */
    public ConvSolverFinder.Choice chooseSolver(ConvProblem problem, ConvAlgorithm algorithm, Tensor weights, Tensor bias,
            ClBuffer input, ClBuffer out) {
        if (algorithm == ConvAlgorithm.AUTO) {
            return finder.find(problem, weights, bias, input, out);
        }
        return fixedChoice(problem, algorithm, Boolean.getBoolean(FIXED_FALLBACK_PROPERTY));
    }

    /** The named algorithm's solver; where it does not apply, the plan default with a note if {@code fallBack}. */
    ConvSolverFinder.Choice fixedChoice(ConvProblem problem, ConvAlgorithm algorithm, boolean fallBack) {
        ConvSolver solver = ConvSolvers.forAlgorithm(algorithm, context.info(), kernels);
        String reason = solver.notApplicableReason(problem, context.info());
        if (reason == null) {
            return new ConvSolverFinder.Choice(solver, "");
        }
        if (!fallBack) {
            throw new IllegalArgumentException("algorithm " + solver.id() + " does not apply to this convolution: "
                    + reason);
        }
        ConvSolver fallback = ConvSolvers.defaultFor(problem, context.info(), kernels);
        return new ConvSolverFinder.Choice(fallback, "fallback: " + solver.id() + " does not apply (" + reason
                + "), ran the plan default " + fallback.id());
    }

    @Override
    public void close() {
        library.close();
        context.close();
    }
}
