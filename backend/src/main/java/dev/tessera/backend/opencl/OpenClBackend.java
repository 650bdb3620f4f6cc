package dev.tessera.backend.opencl;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.tessera.backend.Backend;
import dev.tessera.backend.ConvAlgorithm;
import dev.tessera.backend.ConvProblem;
import dev.tessera.backend.OpResult;
import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;
import dev.tessera.opencl.ClBuffer;
import dev.tessera.opencl.ClContext;
import dev.tessera.opencl.ClDevice;
import dev.tessera.opencl.ClKernel;
import dev.tessera.opencl.EventTiming;
import dev.tessera.opencl.ProgramCache;

/**
 * The hand-written OpenCL kernels as a {@link Backend}. Each {@link #run} uploads the inputs, launches the operator's
 * kernels (for convolutions through a {@link ConvSolver}, AUTO choosing by timing and remembering the choice in the
 * {@link ConvTuningDatabase}), and downloads the result. Kernel times come from profiling events.
 *
 * <p>Operator to kernel: conv2d -> {@link ConvSolvers} (conv_direct.cl, ...); maxpool/avgpool/globalavgpool -> pool.cl;
 * lrn -> lrn.cl; relu, tanh, biasadd, add, batchnorm -> eltwise.cl; fc -> fully_connected.cl; softmax -> softmax.cl.
 *
 * <p>Not thread-safe.
 */
public final class OpenClBackend implements Backend {
    private final ClContext context;
    private final ProgramLibrary library;
    private final ConvTuningDatabase tuning;

    private OpenClBackend(ClContext context, ConvTuningDatabase tuning) {
        this.context = context;
        this.library = new ProgramLibrary(context);
        this.tuning = tuning;
    }

    /** A backend on {@code device} with the default program cache and tuning database. */
    public static OpenClBackend open(ClDevice device) {
        ClContext context = ClContext.open(device);
        return new OpenClBackend(context,
                ConvTuningDatabase.open(ProgramCache.defaultRoot().resolve("tuning"), device.info()));
    }

    /** A backend with an explicit program cache and tuning directory (null: keep AUTO's choices in memory only). */
    public static OpenClBackend open(ClDevice device, ProgramCache cache, Path tuningDir) {
        ClContext context = ClContext.open(device, cache);
        return new OpenClBackend(context, ConvTuningDatabase.open(tuningDir, device.info()));
    }

    public ClContext context() {
        return context;
    }

    public ConvTuningDatabase tuningDatabase() {
        return tuning;
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
        List<int[]> shapes = inputs.stream().map(Tensor::shape).toList();
        int[] outShape = op.outputShape(shapes);
        long start = System.nanoTime();
        if (op instanceof Operator.Flatten) {
            // a reshape: no data moves, no kernel runs
            return new OpResult(inputs.get(0).copy().reshape(outShape), "reshape", 0.0,
                    (System.nanoTime() - start) / 1e6, "opencl:" + device(), "");
        }
        List<ClBuffer> buffers = new ArrayList<>();
        try {
            for (Tensor t : inputs) {
                buffers.add(context.buffer(t.data()));
            }
            Tensor output = Tensor.zeros(outShape);
            try (ClBuffer out = context.buffer(4L * output.size())) {
                Launched launched = launch(op, inputs, buffers, out);
                out.read(output.data());
                double kernelMs = launched.timings().stream().mapToLong(EventTiming::kernelNs).sum() / 1e6;
                return new OpResult(output, launched.algorithm(), kernelMs, (System.nanoTime() - start) / 1e6,
                        "opencl:" + device(), launched.note());
            }
        } finally {
            buffers.forEach(ClBuffer::close);
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
        op.outputShape(inputs.stream().map(Tensor::shape).toList());
        return launch(op, inputs, inputBuffers, output).timings();
    }

    /** What a launch did: the kernels' timings, the algorithm name, and a note for the user. */
    private record Launched(List<EventTiming> timings, String algorithm, String note) {
        static Launched of(EventTiming timing, String algorithm) {
            return new Launched(List.of(timing), algorithm, "");
        }
    }

    private Launched launch(Operator op, List<Tensor> in, List<ClBuffer> buf, ClBuffer out) {
        int total = in.get(0).size();
        if (op instanceof Operator.Conv2d conv) {
            return convolve(ConvProblem.of(conv, in.stream().map(Tensor::shape).toList()), in, buf, out);
        } else if (op instanceof Operator.Pool pool) {
            return pool(pool, in.get(0), buf.get(0), out);
        } else if (op instanceof Operator.GlobalAvgPool) {
            int planes = in.get(0).dim(0) * in.get(0).dim(1);
            try (ClKernel k = library.kernel("pool.cl", "", "global_avg_pool")) {
                k.arg(0, buf.get(0)).arg(1, out).arg(2, in.get(0).dim(2) * in.get(0).dim(3)).arg(3, planes);
                return Launched.of(Launch.elementwise(k, planes), "global_avg_pool");
            }
        } else if (op instanceof Operator.Lrn lrn) {
            Tensor x = in.get(0);
            int pixels = x.dim(0) * x.dim(2) * x.dim(3);
            try (ClKernel k = library.kernel("lrn.cl", "", "lrn_across_channels")) {
                k.arg(0, buf.get(0)).arg(1, out).arg(2, x.dim(1)).arg(3, x.dim(2) * x.dim(3)).arg(4, lrn.size())
                        .arg(5, (float) lrn.effectiveAlpha()).arg(6, (float) lrn.beta()).arg(7, (float) lrn.k())
                        .arg(8, pixels);
                return Launched.of(Launch.elementwise(k, pixels), "lrn_across_channels");
            }
        } else if (op instanceof Operator.Relu) {
            return unary("relu", buf.get(0), out, total);
        } else if (op instanceof Operator.Tanh) {
            return unary("tanh_activation", buf.get(0), out, total);
        } else if (op instanceof Operator.BiasAdd) {
            Tensor x = in.get(0);
            try (ClKernel k = library.kernel("eltwise.cl", "", "bias_add")) {
                k.arg(0, buf.get(0)).arg(1, buf.get(1)).arg(2, out).arg(3, x.dim(1)).arg(4, planeSize(x))
                        .arg(5, total);
                return Launched.of(Launch.elementwise(k, total), "bias_add");
            }
        } else if (op instanceof Operator.Add add) {
            try (ClKernel k = library.kernel("eltwise.cl", "-DFUSE_RELU=" + (add.relu() ? 1 : 0), "residual_add")) {
                k.arg(0, buf.get(0)).arg(1, buf.get(1)).arg(2, out).arg(3, total);
                return Launched.of(Launch.elementwise(k, total), "residual_add");
            }
        } else if (op instanceof Operator.BatchNorm bn) {
            return batchNorm(bn, in, buf.get(0), out);
        } else if (op instanceof Operator.FullyConnected fc) {
            return fullyConnected(fc, in, buf, out);
        } else if (op instanceof Operator.Softmax) {
            Tensor x = in.get(0);
            int rows = x.dim(0);
            try (ClKernel k = library.kernel("softmax.cl", "", "softmax_rows")) {
                k.arg(0, buf.get(0)).arg(1, out).arg(2, x.size() / rows).arg(3, rows);
                return Launched.of(Launch.elementwise(k, rows), "softmax_rows");
            }
        }
        throw new IllegalArgumentException("the OpenCL backend has no kernel for " + op.name());
    }

    private static int planeSize(Tensor x) {
        return x.size() / (x.dim(0) * x.dim(1));
    }

    private Launched unary(String kernelName, ClBuffer in, ClBuffer out, int total) {
        try (ClKernel k = library.kernel("eltwise.cl", "", kernelName)) {
            k.arg(0, in).arg(1, out).arg(2, total);
            return Launched.of(Launch.elementwise(k, total), kernelName);
        }
    }

    private Launched pool(Operator.Pool pool, Tensor x, ClBuffer in, ClBuffer out) {
        int[] o = pool.outputShape(List.of(x.shape()));
        int total = o[0] * o[1] * o[2] * o[3];
        boolean max = pool.kind() == Operator.Pool.Kind.MAX;
        String name = max ? "max_pool" : "avg_pool";
        try (ClKernel k = library.kernel("pool.cl", "", name)) {
            k.arg(0, in).arg(1, out).arg(2, x.dim(2)).arg(3, x.dim(3)).arg(4, o[2]).arg(5, o[3]).arg(6, pool.kernelH())
                    .arg(7, pool.kernelW()).arg(8, pool.strideH()).arg(9, pool.strideW()).arg(10, pool.padTop())
                    .arg(11, pool.padLeft());
            if (max) {
                k.arg(12, total);
            } else {
                k.arg(12, pool.padBottom()).arg(13, pool.padRight()).arg(14, pool.countPad() ? 1 : 0).arg(15, total);
            }
            return Launched.of(Launch.elementwise(k, total), name);
        }
    }

    private Launched batchNorm(Operator.BatchNorm bn, List<Tensor> in, ClBuffer x, ClBuffer out) {
        Tensor input = in.get(0);
        int channels = input.dim(1);
        float[] scale = new float[channels];
        float[] shift = new float[channels];
        for (int c = 0; c < channels; c++) {
            double s = in.get(1).data()[c] / Math.sqrt(in.get(4).data()[c] + bn.epsilon());
            scale[c] = (float) s;
            shift[c] = (float) (in.get(2).data()[c] - in.get(3).data()[c] * s);
        }
        int total = input.size();
        try (ClBuffer scaleBuf = context.buffer(scale); ClBuffer shiftBuf = context.buffer(shift);
                ClKernel k = library.kernel("eltwise.cl", "", "scale_shift")) {
            k.arg(0, x).arg(1, scaleBuf).arg(2, shiftBuf).arg(3, out).arg(4, channels).arg(5, planeSize(input))
                    .arg(6, total);
            return Launched.of(Launch.elementwise(k, total), "scale_shift");
        }
    }

    private Launched fullyConnected(Operator.FullyConnected fc, List<Tensor> in, List<ClBuffer> buf, ClBuffer out) {
        Tensor x = in.get(0);
        int n = x.dim(0);
        int features = x.size() / n;
        int outFeatures = in.get(1).dim(0);
        int preferred = Math.max(1, context.info().preferredVectorWidth().floatWidth());
        int width = features % preferred == 0 && preferred <= 16 ? preferred : 1;
        int rowsPerItem = Math.min(n, 4);
        boolean bias = in.size() == 3;
        String options = "-DVECTOR_WIDTH=" + width + " -DROWS_PER_ITEM=" + rowsPerItem + " -DHAS_BIAS="
                + (bias ? 1 : 0) + " -DFUSE_RELU=" + (fc.relu() ? 1 : 0);
        try (ClBuffer dummy = bias ? null : context.buffer(4);
                ClKernel k = library.kernel("fully_connected.cl", options, "fully_connected")) {
            k.arg(0, buf.get(0)).arg(1, buf.get(1)).arg(2, bias ? buf.get(2) : dummy).arg(3, out).arg(4, n)
                    .arg(5, features).arg(6, outFeatures);
            long[] items = {outFeatures, Launch.ceilDiv(n, rowsPerItem)};
            return Launched.of(Launch.grid(k, items, new long[] {Launch.ELEMENTWISE_GROUP, 1}), "fully_connected");
        }
    }

    private Launched convolve(ConvProblem problem, List<Tensor> in, List<ClBuffer> buf, ClBuffer out) {
        Tensor bias = in.size() == 3 ? in.get(2) : null;
        ConvAlgorithm algorithm = problem.conv().algorithm();
        String note = "";
        ConvSolver solver;
        if (algorithm == ConvAlgorithm.AUTO) {
            AutoChoice choice = chooseAutomatically(problem, in.get(1), bias, buf.get(0), out);
            solver = choice.solver();
            note = choice.note();
        } else {
            solver = ConvSolvers.forAlgorithm(algorithm, context.info());
            String reason = solver.notApplicableReason(problem, context.info());
            if (reason != null) {
                throw new IllegalArgumentException("algorithm " + solver.id() + " does not apply to this convolution: "
                        + reason);
            }
        }
        try (PreparedConv prepared = solver.prepare(context, problem, in.get(1), bias)) {
            return new Launched(prepared.run(buf.get(0), out), solver.id(), note);
        }
    }

    /** AUTO's decision and what to tell the user about it. */
    private record AutoChoice(ConvSolver solver, String note) {
    }

    private AutoChoice chooseAutomatically(ConvProblem problem, Tensor weights, Tensor bias, ClBuffer input,
            ClBuffer output) {
        var remembered = tuning.lookup(problem.key());
        if (remembered.isPresent()) {
            try {
                ConvSolver solver = ConvSolvers.byId(remembered.get().solverId(), context.info());
                if (solver.isApplicable(problem, context.info())) {
                    return new AutoChoice(solver, "auto: " + solver.id() + " from the tuning database ("
                            + remembered.get().timings() + ")");
                }
            } catch (IllegalArgumentException unknownSolver) {
                // a solver that no longer exists: time afresh below
            }
        }
        ConvSolver best = null;
        double bestMs = Double.MAX_VALUE;
        List<String> timings = new ArrayList<>();
        for (ConvSolver solver : ConvSolvers.forDevice(context.info())) {
            String reason = solver.notApplicableReason(problem, context.info());
            if (reason != null) {
                timings.add(solver.id() + "=n/a");
                continue;
            }
            double ms = timeSolver(solver, problem, weights, bias, input, output);
            timings.add(solver.id() + "=" + String.format(Locale.ROOT, "%.3fms", ms));
            if (ms < bestMs) {
                bestMs = ms;
                best = solver;
            }
        }
        if (best == null) {
            throw new IllegalStateException("no convolution solver applies to " + problem.key());
        }
        String summary = String.join(" ", timings);
        tuning.store(new ConvTuningDatabase.Entry(problem.key(), best.id(), bestMs, summary));
        return new AutoChoice(best, "auto: timed " + summary + ", chose " + best.id());
    }

    /** The fastest of three runs after a warm-up, in kernel milliseconds. */
    private double timeSolver(ConvSolver solver, ConvProblem problem, Tensor weights, Tensor bias, ClBuffer input,
            ClBuffer output) {
        try (PreparedConv prepared = solver.prepare(context, problem, weights, bias)) {
            prepared.run(input, output);
            double best = Double.MAX_VALUE;
            for (int i = 0; i < 3; i++) {
                best = Math.min(best, prepared.run(input, output).stream().mapToLong(EventTiming::kernelNs).sum() / 1e6);
            }
            return best;
        }
    }

    @Override
    public void close() {
        library.close();
        context.close();
    }
}
