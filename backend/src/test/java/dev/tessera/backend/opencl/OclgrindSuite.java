package dev.tessera.backend.opencl;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

import dev.tessera.backend.Accuracy;
import dev.tessera.backend.ConvAlgorithm;
import dev.tessera.backend.ConvProblem;
import dev.tessera.backend.OpResult;
import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.reference.ReferenceBackend;
import dev.tessera.opencl.ClBuffer;
import dev.tessera.opencl.ClDevice;
import dev.tessera.opencl.DeviceSelector;
import dev.tessera.opencl.OpenClDevices;
import dev.tessera.opencl.ProgramCache;

/**
 * The child process of {@link OclgrindSuiteTest}: runs every kernel family once or a few times on tiny shapes on the
 * Oclgrind simulator, each result checked against the {@link ReferenceBackend} with the tolerances of
 * {@link OpenClPropertyTest}. Oclgrind itself reports races, out-of-bounds and uninitialised accesses to its log (the
 * parent sets OCLGRIND_* in this process's environment, which the simulator reads when it loads).
 *
 * <p>Prints one line per case ({@code PASS}, {@code FAIL} or {@code N/A} with the solver's reason) and exits 1 if a
 * result was wrong or a launch failed, 0 otherwise.
 */
public final class OclgrindSuite {
    /** Selector of the simulated device. */
    static final String DEVICE = "Oclgrind";

    private final OpenClBackend opencl;
    private final ReferenceBackend reference = new ReferenceBackend();
    private final Map<String, Integer> solverRuns = new LinkedHashMap<>();
    private final List<String> failures = new ArrayList<>();

    private OclgrindSuite(OpenClBackend opencl) {
        this.opencl = opencl;
    }

    /**
     * Two deliberately broken kernels: an out-of-bounds write and a write-write race. {@link OclgrindSuiteTest} runs
     * them first and requires Oclgrind to report both, so a silent simulator (checks off, log elsewhere) cannot pass.
     */
    static final String CANARY = """
            __kernel void canary_out_of_bounds(__global float *out) {
                out[get_global_id(0) + 1] = 1.0f;
            }
            __kernel void canary_race(__global float *out) {
                out[0] = (float) get_global_id(0);
            }
            """;

    public static void main(String[] args) {
        ClDevice device = DeviceSelector.parse(DEVICE).selectOne(OpenClDevices.all());
        if (args.length > 0 && args[0].equals("--canary")) {
            canary(device);
            return;
        }
        int failed;
        try (OpenClBackend backend = openBackend(device)) {
            OclgrindSuite suite = new OclgrindSuite(backend);
            suite.runAll();
            failed = suite.failures.size();
            System.out.println("solver runs: " + suite.solverRuns);
            suite.failures.forEach(f -> System.out.println("FAILED " + f));
        }
        System.out.println(failed == 0 ? "ALL PASSED" : failed + " FAILED");
        System.exit(failed == 0 ? 0 : 1);
    }

    private static void canary(ClDevice device) {
        try (dev.tessera.opencl.ClContext context = dev.tessera.opencl.ClContext.open(device);
                dev.tessera.opencl.ClProgram program = context.build(
                        dev.tessera.opencl.ProgramSource.of("oclgrind_canary.cl", CANARY), "");
                dev.tessera.opencl.ClKernel outOfBounds = program.kernel("canary_out_of_bounds");
                dev.tessera.opencl.ClKernel race = program.kernel("canary_race");
                ClBuffer buffer = context.buffer(new float[4])) {
            outOfBounds.arg(0, buffer).run(new long[] {4}, new long[] {1});
            race.arg(0, buffer).run(new long[] {4}, new long[] {4});
        }
        System.out.println("canary kernels ran");
    }

    private static OpenClBackend openBackend(ClDevice device) {
        return OpenClBackend.open(device, ProgramCache.defaultCache(), null);
    }

    private void runAll() {
        convolutions();
        gemm();
        pooling();
        elementwise();
    }

    private void attempt(String what, Runnable body) {
        long start = System.nanoTime();
        try {
            body.run();
            System.out.printf(Locale.ROOT, "PASS %s (%.1f s)%n", what, (System.nanoTime() - start) / 1e9);
        } catch (Throwable t) {
            failures.add(what + ": " + t);
            System.out.println("FAIL " + what + ": " + t);
            t.printStackTrace(System.out);
        }
        System.out.flush();
    }

    private void check(Operator op, List<Tensor> inputs, double tolerance, String what) {
        attempt(what, () -> {
            OpResult expected = reference.run(op, inputs);
            OpResult actual = opencl.run(op, inputs);
            if (!java.util.Arrays.equals(expected.output().shape(), actual.output().shape())) {
                throw new AssertionError("shape " + java.util.Arrays.toString(actual.output().shape()) + ", expected "
                        + java.util.Arrays.toString(expected.output().shape()));
            }
            Accuracy accuracy = Accuracy.of(actual.output(), expected.output());
            if (!(accuracy.relativeL2() <= tolerance)) {
                throw new AssertionError(accuracy + " above " + tolerance);
            }
        });
    }

    /** Tiny convolutions with the edge cases (padding, asymmetric padding, stride, groups, depthwise, 1x1, ReLU). */
    private void convolutions() {
        SplittableRandom rnd = new SplittableRandom(2026);
        record Conv(String name, Operator.Conv2d op, List<Tensor> inputs) {
        }
        List<Conv> convs = List.of(
                new Conv("3x3 pad 1 bias relu", Operator.Conv2d.of(1, 1).withRelu(true),
                        OpenClPropertyTest.convInputs(rnd, 1, 3, 6, 6, 4, 3, 3, 1, true)),
                new Conv("3x3 groups 2 asymmetric pad batch 2",
                        new Operator.Conv2d(1, 1, 0, 1, 1, 0, 1, 1, 2, false, ConvAlgorithm.AUTO),
                        OpenClPropertyTest.convInputs(rnd, 2, 4, 7, 5, 4, 3, 3, 2, false)),
                new Conv("3x3 depthwise pad 1", Operator.Conv2d.of(1, 1).withGroups(3),
                        OpenClPropertyTest.convInputs(rnd, 1, 3, 5, 5, 3, 3, 3, 3, true)),
                new Conv("3x3 stride 2x1 pad 1,0,2,1 dilation 2",
                        new Operator.Conv2d(2, 1, 1, 0, 2, 1, 2, 2, 1, false, ConvAlgorithm.AUTO),
                        OpenClPropertyTest.convInputs(rnd, 1, 2, 9, 8, 3, 3, 3, 1, true)),
                new Conv("1x1 pointwise", Operator.Conv2d.of(1, 0),
                        OpenClPropertyTest.convInputs(rnd, 1, 5, 4, 3, 3, 1, 1, 1, true)),
                new Conv("3x3 no pad batch 2 partial tiles", Operator.Conv2d.of(1, 0),
                        OpenClPropertyTest.convInputs(rnd, 2, 5, 9, 7, 6, 3, 3, 1, false)),
                new Conv("3x3 asymmetric pad 2,0,0,1 relu",
                        new Operator.Conv2d(1, 1, 2, 0, 0, 1, 1, 1, 1, true, ConvAlgorithm.AUTO),
                        OpenClPropertyTest.convInputs(rnd, 1, 1, 4, 11, 2, 3, 3, 1, true)),
                new Conv("3x3 pad 1 several tiles and panels", Operator.Conv2d.of(1, 1),
                        OpenClPropertyTest.convInputs(rnd, 1, 9, 13, 11, 17, 3, 3, 1, true)),
                new Conv("5x3 stride 1x2 pad 2,2,1,1", new Operator.Conv2d(1, 2, 2, 2, 1, 1, 1, 1, 1, false,
                        ConvAlgorithm.AUTO), OpenClPropertyTest.convInputs(rnd, 1, 3, 8, 9, 5, 5, 3, 1, true)),
                new Conv("7x7 stride 2 pad 3 (a ResNet stem in small)", Operator.Conv2d.of(2, 3).withRelu(true),
                        OpenClPropertyTest.convInputs(rnd, 1, 3, 15, 13, 6, 7, 7, 1, true)));
        for (Conv conv : convs) {
            ConvProblem problem = ConvProblem.of(conv.op(), conv.inputs().stream().map(Tensor::shape).toList());
            for (ConvSolver solver : ConvSolvers.forDevice(opencl.context().info())) {
                String what = "conv " + solver.id() + " " + conv.name() + " " + problem.key();
                String reason = solver.notApplicableReason(problem, opencl.context().info());
                if (reason != null) {
                    System.out.println("N/A  " + what + ": " + reason);
                    continue;
                }
                solverRuns.merge(solver.id(), 1, Integer::sum);
                check(conv.op().withAlgorithm(ConvAlgorithm.parse(solver.id())), conv.inputs(),
                        OpenClPropertyTest.tolerance(solver.id()), what);
            }
        }
        // the GEMM tuning a GPU gets (float4 tiles in 8x8 work-groups; Oclgrind counts as a CPU and gets the CPU one)
        Im2colGemmSolver gpuTuned = Im2colGemmSolver.forDevice(TestDevices.asGpu(opencl.context().info()));
        for (Conv conv : convs) {
            ConvProblem problem = ConvProblem.of(conv.op(), conv.inputs().stream().map(Tensor::shape).toList());
            attempt("conv im2col with GPU tuning " + conv.name() + " " + problem.key(), () -> {
                Tensor expected = reference.run(conv.op(), conv.inputs()).output();
                Tensor actual = Tensor.zeros(expected.shape());
                try (PreparedConv prepared = gpuTuned.prepare(opencl.context(), problem, conv.inputs().get(1),
                        conv.inputs().size() > 2 ? conv.inputs().get(2) : null);
                        ClBuffer input = opencl.context().buffer(conv.inputs().get(0).data());
                        ClBuffer output = opencl.context().buffer(4L * actual.size())) {
                    prepared.run(input, output);
                    output.read(actual.data());
                }
                Accuracy accuracy = Accuracy.of(actual, expected);
                if (!(accuracy.relativeL2() <= OpenClPropertyTest.tolerance("im2col"))) {
                    throw new AssertionError(accuracy + " above " + OpenClPropertyTest.tolerance("im2col"));
                }
            });
        }
        for (ConvSolver solver : ConvSolvers.forDevice(opencl.context().info())) {
            if (solverRuns.getOrDefault(solver.id(), 0) < 2) {
                failures.add("solver " + solver.id() + " ran on fewer than 2 problems");
            }
        }
    }

    /** PackedGemm directly: odd sizes around the panel widths, a batch of 2, bias per row and per column, ReLU. */
    private void gemm() {
        for (GemmTuning tuning : List.of(GemmTuning.forDevice(opencl.context().info()),
                GemmTuning.forDevice(TestDevices.asGpu(opencl.context().info())))) {
            try (PackedGemm gemm = new PackedGemm(opencl.context(), tuning)) {
                int mr = gemm.tuning().mr();
                int nr = gemm.tuning().nr();
                gemmCase(gemm, mr + 1, nr + 3, 7, 1, GemmEpilogue.Bias.PER_ROW, true);
                gemmCase(gemm, 3, 5, 13, 2, GemmEpilogue.Bias.PER_COLUMN, false);
                gemmCase(gemm, 1, 1, 1, 1, GemmEpilogue.Bias.NONE, false);
                gemmCase(gemm, 2 * mr + 3, 9 * nr + 1, 5, 1, GemmEpilogue.Bias.NONE, true);
            }
        }
    }

    private void gemmCase(PackedGemm gemm, int m, int n, int k, int batch, GemmEpilogue.Bias biasKind, boolean relu) {
        attempt("gemm m=" + m + " n=" + n + " k=" + k + " batch=" + batch + " bias " + biasKind + " relu " + relu
                + " " + gemm.tuning(), () -> {
            SplittableRandom rnd = new SplittableRandom(m * 31L + n * 7L + k);
            float[] a = uniform(rnd, batch * m * k);
            float[] b = uniform(rnd, batch * k * n);
            int biasValues = biasKind == GemmEpilogue.Bias.PER_ROW ? m : n;
            float[] bias = uniform(rnd, batch * biasValues);
            double[] exact = new double[batch * m * n];
            double[] magnitude = new double[exact.length];
            for (int item = 0; item < batch; item++) {
                for (int row = 0; row < m; row++) {
                    for (int col = 0; col < n; col++) {
                        double sum = 0;
                        double abs = 0;
                        for (int kk = 0; kk < k; kk++) {
                            double p = (double) a[item * m * k + row * k + kk] * b[item * k * n + kk * n + col];
                            sum += p;
                            abs += Math.abs(p);
                        }
                        if (biasKind != GemmEpilogue.Bias.NONE) {
                            double v = bias[item * biasValues + (biasKind == GemmEpilogue.Bias.PER_ROW ? row : col)];
                            sum += v;
                            abs += Math.abs(v);
                        }
                        int ci = item * m * n + row * n + col;
                        exact[ci] = relu ? Math.max(sum, 0) : sum;
                        magnitude[ci] = abs;
                    }
                }
            }
            long strideA = gemm.packedASize(m, k);
            long strideB = gemm.packedBSize(k, n);
            try (ClBuffer aBuffer = opencl.context().buffer(a);
                    ClBuffer bBuffer = opencl.context().buffer(b);
                    ClBuffer biasBuffer = opencl.context().buffer(bias);
                    ClBuffer cBuffer = opencl.context().buffer(new float[exact.length]);
                    ClBuffer packedA = opencl.context().buffer(batch * strideA * Float.BYTES);
                    ClBuffer packedB = opencl.context().buffer(batch * strideB * Float.BYTES)) {
                for (int item = 0; item < batch; item++) {
                    gemm.packA(StridedMatrix.rowMajor(aBuffer, (long) item * m * k, m, k, k), packedA, item * strideA);
                    gemm.packB(StridedMatrix.rowMajor(bBuffer, (long) item * k * n, k, n, n), packedB, item * strideB);
                }
                GemmEpilogue epilogue = switch (biasKind) {
                    case NONE -> GemmEpilogue.NONE;
                    case PER_ROW -> GemmEpilogue.rowBias(biasBuffer, 0);
                    case PER_COLUMN -> GemmEpilogue.columnBias(biasBuffer, 0);
                };
                gemm.multiply(m, n, k, packedA, 0, packedB, 0, cBuffer, 0, n, epilogue.withRelu(relu),
                        GemmBatch.of(batch, strideA, strideB, (long) m * n).withBiasStride(biasValues));
                Fp32Accuracy.assertClose(exact, magnitude, k + 2, cBuffer.readFloats(), "gemm");
            }
        });
    }

    private static float[] uniform(SplittableRandom rnd, int size) {
        float[] values = new float[size];
        for (int i = 0; i < size; i++) {
            values[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return values;
    }

    private void pooling() {
        check(Operator.Pool.of(Operator.Pool.Kind.MAX, 3, 2, 1), List.of(Tensor.random(1, -2, 2, 1, 2, 7, 7)), 1e-6,
                "maxpool 3x3 stride 2 pad 1");
        check(new Operator.Pool(Operator.Pool.Kind.MAX, 2, 3, 2, 1, 0, 1, 2, 0, false),
                List.of(Tensor.random(2, -2, 2, 1, 3, 6, 5)), 1e-6, "maxpool 2x3 stride 2x1 asymmetric pad");
        check(new Operator.Pool(Operator.Pool.Kind.AVG, 3, 3, 2, 2, 1, 1, 1, 1, true),
                List.of(Tensor.random(3, -2, 2, 2, 3, 6, 5)), 1e-6, "avgpool 3x3 stride 2 pad 1 count-pad");
        check(new Operator.Pool(Operator.Pool.Kind.AVG, 3, 2, 1, 2, 2, 0, 1, 0, false),
                List.of(Tensor.random(4, -2, 2, 1, 2, 5, 6)), 1e-6, "avgpool 3x2 asymmetric pad");
        check(new Operator.GlobalAvgPool(), List.of(Tensor.random(5, -1, 1, 2, 3, 5, 5)), 1e-6, "global avg pool");
        check(Operator.Pool.of(Operator.Pool.Kind.MAX, 2, 2, 0), List.of(Tensor.random(15, -2, 2, 1, 4, 15, 13)), 1e-6,
                "maxpool 2x2 stride 2 odd plane");
        check(new Operator.GlobalAvgPool(), List.of(Tensor.random(16, -1, 1, 1, 9, 1, 3)), 1e-6,
                "global avg pool 1x3 plane");
    }

    private void elementwise() {
        SplittableRandom rnd = new SplittableRandom(31);
        int n = 2;
        int c = 3;
        int h = 4;
        int w = 5;
        Tensor x = Tensor.random(rnd.nextLong(), -2, 2, n, c, h, w);
        Tensor y = Tensor.random(rnd.nextLong(), -2, 2, n, c, h, w);
        Tensor perChannel = Tensor.random(rnd.nextLong(), -1, 1, c);
        Tensor positive = Tensor.random(rnd.nextLong(), 0.1f, 2, c);
        check(new Operator.Lrn(5, 1e-4, 0.75, 2, true), List.of(Tensor.random(6, -3, 3, 1, 7, 3, 4)), 1e-5,
                "lrn size 5 alpha/size");
        check(new Operator.Lrn(3, 2e-3, 0.6, 1, false), List.of(Tensor.random(7, -3, 3, 2, 2, 2, 3)), 1e-5,
                "lrn size 3 fewer channels than the window");
        check(new Operator.Relu(), List.of(x), 0, "relu");
        check(new Operator.Tanh(), List.of(x), 1e-6, "tanh");
        check(new Operator.BiasAdd(), List.of(x, perChannel), 1e-6, "bias add");
        check(new Operator.Add(false), List.of(x, y), 1e-6, "add");
        check(new Operator.Add(true), List.of(x, y), 1e-6, "add relu");
        check(new Operator.BatchNorm(1e-5), List.of(x, positive, perChannel, Tensor.random(8, -1, 1, c), positive),
                1e-6, "batchnorm");
        check(new Operator.FullyConnected(true),
                List.of(x, Tensor.random(9, -1, 1, 7, c * h * w), Tensor.random(10, -1, 1, 7)), 1e-5,
                "fc 60->7 bias relu");
        check(new Operator.FullyConnected(false), List.of(Tensor.random(11, -1, 1, 1, 5),
                Tensor.random(12, -1, 1, 3, 5)), 1e-5, "fc 5->3");
        check(new Operator.Softmax(), List.of(Tensor.random(13, -20, 20, 2, 37)), 1e-5, "softmax 2x37");
        check(new Operator.Softmax(), List.of(Tensor.random(14, -20, 20, 1, 300)), 1e-5, "softmax 1x300");
        check(new Operator.Softmax(), List.of(Tensor.random(17, -20, 20, 3, 1000)), 1e-5, "softmax 3x1000");
        check(new Operator.Softmax(), List.of(Tensor.random(18, -20, 20, 1, 1)), 1e-5, "softmax 1x1");
        Tensor big = Tensor.random(19, -2, 2, 2, 8, 17, 19);
        check(new Operator.Relu(), List.of(big), 0, "relu 5168 elements");
        check(new Operator.Add(true), List.of(big, Tensor.random(20, -2, 2, 2, 8, 17, 19)), 1e-6,
                "add relu 5168 elements");
        check(new Operator.BiasAdd(), List.of(big, Tensor.random(21, -1, 1, 8)), 1e-6, "bias add 5168 elements");
        check(new Operator.Lrn(5, 1e-4, 0.75, 2, true), List.of(Tensor.random(22, -3, 3, 1, 16, 7, 9)), 1e-5,
                "lrn 16 channels 7x9");
        check(new Operator.FullyConnected(false), List.of(Tensor.random(23, -1, 1, 2, 300),
                Tensor.random(24, -1, 1, 37, 300), Tensor.random(25, -1, 1, 37)), 1e-5, "fc 300->37 batch 2");
    }
}
