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
import dev.tessera.backend.RandomCases;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.Tolerances;
import dev.tessera.backend.opencl.common.KernelFamily;
import dev.tessera.backend.opencl.conv.ConvSolver;
import dev.tessera.backend.opencl.conv.ConvSolvers;
import dev.tessera.backend.opencl.conv.DirectConvSolver;
import dev.tessera.backend.opencl.conv.Im2colGemmSolver;
import dev.tessera.backend.opencl.conv.NchwcDirectSolver;
import dev.tessera.backend.opencl.conv.PreparedConv;
import dev.tessera.backend.opencl.conv.WinogradFusedSolver;
import dev.tessera.backend.opencl.gemm.GemmBatch;
import dev.tessera.backend.opencl.gemm.GemmEpilogue;
import dev.tessera.backend.opencl.gemm.GemmTuning;
import dev.tessera.backend.opencl.gemm.PackedGemm;
import dev.tessera.backend.opencl.gemm.StridedMatrix;
import dev.tessera.backend.opencl.plan.NchwcChainsTest;
import dev.tessera.backend.opencl.plan.PlanOptions;
import dev.tessera.backend.opencl.plan.PoolFusion;
import dev.tessera.backend.reference.ReferenceBackend;
import dev.tessera.backend.training.ReferenceTrainingBackend;
import dev.tessera.backend.training.SgdSettings;
import dev.tessera.opencl.ClBuffer;
import dev.tessera.opencl.ClDevice;
import dev.tessera.opencl.DeviceInfo;
import dev.tessera.opencl.DeviceSelector;
import dev.tessera.opencl.OpenClDevices;
import dev.tessera.opencl.ProgramCache;

/**
 * The child process of {@link OclgrindSuiteTest}: runs every kernel family once or a few times on tiny shapes on the
 * Oclgrind simulator: {@link SelfTest}'s checks (every operator and solver against the {@link ReferenceBackend}), plus
 * im2col and GEMM with the GPU tuning and GEMM called directly, and the training kernels against
 * {@link ReferenceTrainingBackend}. Oclgrind itself reports races, out-of-bounds and uninitialised accesses to its
 * log (the parent sets OCLGRIND_* in this process's environment, which the simulator reads when it loads).
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
     * Two deliberately broken kernels: an out-of-bounds write and a write-write race. The Oclgrind suites run them
     * first ({@link OclgrindChild#assertChecksAreOn}) and require Oclgrind to report both, so a silent simulator
     * (checks off, log elsewhere) cannot pass.
     */
    static final String CANARY = """
            __kernel void canary_out_of_bounds(__global float *out) {
                out[get_global_id(0) + 1] = 1.0f;
            }
            __kernel void canary_race(__global float *out) {
                out[0] = (float) get_global_id(0);
            }
            """;

    /**
     * {@code canary_uninitialized} stores a private value nothing wrote (written only for {@code first} < 4, run
     * with 4): the uninitialised-memory plugin must report it. {@code canary_write_all} and {@code canary_read_all}
     * write and read buffers whose every float was written, by a kernel after a smaller buffer was released (the
     * simulator reuses its index) or by a fill: they must draw no report, which an Oclgrind without
     * scripts/oclgrind's fix gives them ({@link OclgrindChild#assertUninitializedChecksAreOn}).
     */
    static final String UNINITIALIZED_CANARY = """
            __kernel void canary_uninitialized(__global float *out, const int first) {
                float never_written[4];
                for (int i = first; i < 4; ++i) {
                    never_written[i] = 1.0f;
                }
                out[get_global_id(0)] = never_written[get_global_id(0) % 4];
            }
            __kernel void canary_write_all(__global float *buffer) {
                buffer[get_global_id(0)] = (float) get_global_id(0);
            }
            __kernel void canary_read_all(__global const float *buffer, __global float *out) {
                const size_t i = get_global_id(0);
                float x = 0.0f;
                if (buffer[i] > 31.0f) {
                    x = 1.0f;
                }
                out[i] = x;
            }
            """;

    public static void main(String[] args) {
        ClDevice device = DeviceSelector.parse(DEVICE).selectOne(OpenClDevices.all());
        if (args.length > 0 && args[0].equals("--canary")) {
            canary(device);
            return;
        }
        if (args.length > 0 && args[0].equals("--canary-uninitialized")) {
            uninitializedCanary(device);
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

    private static void uninitializedCanary(ClDevice device) {
        try (dev.tessera.opencl.ClContext context = dev.tessera.opencl.ClContext.open(device);
                dev.tessera.opencl.ClProgram program = context.build(
                        dev.tessera.opencl.ProgramSource.of("oclgrind_canary_uninitialized.cl", UNINITIALIZED_CANARY),
                        "");
                dev.tessera.opencl.ClKernel kernel = program.kernel("canary_uninitialized");
                dev.tessera.opencl.ClKernel writeAll = program.kernel("canary_write_all");
                dev.tessera.opencl.ClKernel readAll = program.kernel("canary_read_all");
                ClBuffer buffer = context.buffer(new float[4])) {
            kernel.arg(0, buffer).arg(1, 4).run(new long[] {4}, new long[] {1});
            try (ClBuffer released = context.buffer(new float[4])) {
                released.readFloats();
            }
            try (ClBuffer larger = context.buffer(64L * Float.BYTES);
                    ClBuffer filled = context.buffer(64L * Float.BYTES);
                    ClBuffer out = context.buffer(64L * Float.BYTES)) {
                writeAll.arg(0, larger).run(new long[] {64}, new long[] {16});
                readAll.arg(0, larger).arg(1, out).run(new long[] {64}, new long[] {16});
                filled.fill(40f);
                readAll.arg(0, filled).arg(1, out).run(new long[] {64}, new long[] {16});
                float[] result = out.readFloats();
                for (float r : result) {
                    if (r != 1f) {
                        throw new AssertionError("canary_read_all on the filled buffer gave " + r + ", not 1");
                    }
                }
            }
        }
        System.out.println("uninitialised-memory canary kernels ran");
    }

    /** The backend of the family TESSERA_KERNELS names; the GPU family under GPU-like limits (256 items, 32 KiB). */
    private static OpenClBackend openBackend(ClDevice device) {
        ClDevice limited = TestDevices.forEnvironmentFamily(device);
        System.out.println("device limits: " + limited.info().maxWorkGroupSize() + " work-items, "
                + limited.info().localMemBytes() + " bytes of local memory");
        return OpenClBackend.open(limited, ProgramCache.defaultCache(), null);
    }

    private void runAll() {
        for (SelfTest.Check check : SelfTest.run(opencl)) {
            System.out.printf(Locale.ROOT, "%-4s %s %s %s (relative L2 %.3g, bound %.3g) %s%n", check.status(),
                    check.operator(), check.algorithm(), check.description(), check.relativeL2(), check.tolerance(),
                    check.detail());
            if (check.failed()) {
                failures.add(check.operator() + " " + check.algorithm() + " " + check.description() + ": "
                        + check.detail());
            }
            if (check.status().equals("PASS") && check.operator().equals("conv2d")) {
                solverRuns.merge(check.algorithm(), 1, Integer::sum);
            }
        }
        for (ConvSolver solver : ConvSolvers.forDevice(opencl.context().info(), opencl.kernels())) {
            if (solverRuns.getOrDefault(solver.id(), 0) < 2) {
                failures.add("solver " + solver.id() + " ran on fewer than 2 problems");
            }
        }
        gpuTunedConvolutions();
        gpuFamilyOperators();
        gemm();
        probeAndPeerKernels();
        trainingKernels();
        residualConvolutions();
        pooledConvolutions();
        nchwcChain();
    }

    /**
     * conv_direct.cl's conv_direct_maxpool2 (convolution, bias, ReLU and a 2x2 stride-2 max pool in one launch,
     * {@link PoolFusion}) against the reference's convolution then max pool, on the convolution cases whose output
     * the pool's windows tile.
     */
    private void pooledConvolutions() {
        DirectConvSolver direct = new DirectConvSolver();
        Operator.Pool pool = Operator.Pool.of(Operator.Pool.Kind.MAX, 2, 2, 0);
        int ran = 0;
        for (SelfTest.ConvCase conv : SelfTest.convCases()) {
            ConvProblem problem = ConvProblem.of(conv.op().withRelu(true),
                    conv.inputs().stream().map(Tensor::shape).toList());
            if (DirectConvSolver.maxPoolNotApplicableReason(problem) != null) {
                continue;
            }
            ran++;
            attempt("conv relu + max pool 2x2, direct, " + conv.name() + " " + problem.key(), () -> {
                Tensor convolved = reference.run(conv.op().withRelu(true), conv.inputs()).output();
                Tensor expected = reference.run(pool, List.of(convolved)).output();
                Tensor actual = Tensor.zeros(expected.shape());
                try (PreparedConv prepared = direct.prepareMaxPooled(opencl.context(), problem, conv.inputs().get(1),
                        conv.inputs().size() > 2 ? conv.inputs().get(2) : null);
                        ClBuffer input = opencl.context().buffer(conv.inputs().get(0).data());
                        ClBuffer output = opencl.context().buffer(4L * expected.data().length)) {
                    prepared.run(input, output);
                    output.read(actual.data());
                }
                Accuracy accuracy = Accuracy.of(actual, expected);
                if (!(accuracy.relativeL2() <= Tolerances.relativeL2(direct.id()))) {
                    throw new AssertionError(accuracy + " above " + Tolerances.relativeL2(direct.id()));
                }
            });
        }
        if (ran < 2) {
            failures.add("conv_direct_maxpool2 ran on " + ran + " problems, fewer than 2");
        }
    }

    /**
     * The plan-level NCHWc layout ({@link NchwcChainsTest#graph}): conv_nchwc.cl with OUT_BLOCKED into a padded
     * buffer, with NCHWc input and no reorder, and with a residual added to NCHW output, against the reference.
     */
    private void nchwcChain() {
        attempt("nchwc-direct chain (blocked output, blocked input, residual consumer)", () -> {
            var graph = NchwcChainsTest.graph();
            Tensor x = Tensor.random(16, -1, 1, 2, 5, 11, 9);
            Tensor expected;
            try (var plan = reference.compile(graph, 2)) {
                expected = plan.run(x);
            }
            try (var plan = opencl.compile(graph, 2, PlanOptions.DEFAULT.withAlgorithms(
                    dev.tessera.backend.ConvAlgorithms.of(dev.tessera.backend.ConvAlgorithm.NCHWC_DIRECT)))) {
                Accuracy accuracy = Accuracy.of(plan.run(x), expected);
                if (!(accuracy.relativeL2() <= Tolerances.relativeL2(NchwcDirectSolver.ID))) {
                    throw new AssertionError(accuracy + " above " + Tolerances.relativeL2(NchwcDirectSolver.ID));
                }
            }
        });
    }

    /**
     * The residual epilogues (im2col's GEMM with the device's and the GPU's tuning, conv_direct.cl with ADD_RESIDUAL,
     * conv_winograd_fused.cl and conv_nchwc.cl with ADD_RESIDUAL, also with small tunables that leave every block
     * partial) against the reference's convolution followed by its add with ReLU, on the cases each applies to.
     */
    private void residualConvolutions() {
        Map<String, ConvSolver> solvers = new LinkedHashMap<>();
        solvers.put("im2col, device tuning", Im2colGemmSolver.forDevice(opencl.context().info()));
        solvers.put("im2col, GPU tuning", Im2colGemmSolver.forDevice(TestDevices.asGpu(opencl.context().info())));
        solvers.put("direct", new DirectConvSolver());
        solvers.put("winograd-fused-2x2", new WinogradFusedSolver(2));
        solvers.put("winograd-fused-4x4", new WinogradFusedSolver(4));
        solvers.put("winograd-fused-4x4, small blocks, 2 tile groups", new WinogradFusedSolver(4,
                new WinogradFusedSolver.Tuning(2, 1, 2, 3, 2, 2)));
        solvers.put("nchwc-direct", new NchwcDirectSolver());
        solvers.put("nchwc-direct, blocks of 4, partial pixel and channel tiles", new NchwcDirectSolver(
                new NchwcDirectSolver.Tuning(4, 5, 3)));
        solvers.forEach((label, solver) -> {
            for (SelfTest.ConvCase conv : SelfTest.convCases()) {
                ConvProblem problem = ConvProblem.of(conv.op().withRelu(true),
                        conv.inputs().stream().map(Tensor::shape).toList());
                if (!solver.isApplicable(problem, opencl.context().info())) {
                    continue;
                }
                attempt("conv residual + relu, " + label + ", " + conv.name() + " " + problem.key(), () -> {
                    Tensor plain = reference.run(conv.op().withRelu(false), conv.inputs()).output();
                    Tensor residual = Tensor.random(29, -1f, 1f, plain.shape());
                    Tensor expected = reference.run(new Operator.Add(true), List.of(plain, residual)).output();
                    Tensor actual = Tensor.zeros(expected.shape());
                    try (PreparedConv prepared = solver.prepareResidual(opencl.context(), problem,
                            conv.inputs().get(1), conv.inputs().size() > 2 ? conv.inputs().get(2) : null);
                            ClBuffer input = opencl.context().buffer(conv.inputs().get(0).data());
                            ClBuffer output = opencl.context().buffer(residual.data())) {
                        prepared.run(input, output);
                        output.read(actual.data());
                    }
                    Accuracy accuracy = Accuracy.of(actual, expected);
                    if (!(accuracy.relativeL2() <= Tolerances.relativeL2(solver.id()))) {
                        throw new AssertionError(accuracy + " above " + Tolerances.relativeL2(solver.id()));
                    }
                });
            }
        });
    }

    /**
     * The backward kernels (conv_backward.cl, pool_backward.cl, fc_backward.cl, eltwise_backward.cl, loss.cl, sgd.cl)
     * through {@link OpenClTrainingBackend} on tiny shapes with stride 2, asymmetric padding, groups and batch 2,
     * each against {@link ReferenceTrainingBackend}.
     */
    private void trainingKernels() {
        ReferenceTrainingBackend ref = new ReferenceTrainingBackend();
        try (OpenClTrainingBackend training = OpenClTrainingBackend.open(opencl.context().device(),
                ProgramCache.defaultCache(), null)) {
            Operator.Conv2d conv = new Operator.Conv2d(2, 1, 1, 0, 0, 2, 1, 1, 2, false);
            int[] xs = {2, 4, 5, 6};
            int[] ws = {4, 2, 3, 2};
            Tensor x = Tensor.random(11, -1, 1, xs);
            Tensor w = Tensor.random(12, -1, 1, ws);
            Tensor dy = Tensor.random(13, -1, 1, ConvProblem.of(conv, List.of(xs, ws)).outputShape());
            compare("conv_backward_data", ref.convBackwardData(conv, dy, w, xs),
                    () -> training.convBackwardData(conv, dy, w, xs));
            compare("conv_backward_weight", ref.convBackwardWeight(conv, x, dy, ws),
                    () -> training.convBackwardWeight(conv, x, dy, ws));
            compare("bias_backward", ref.biasBackward(dy), () -> training.biasBackward(dy));
            for (Operator.Pool.Kind kind : Operator.Pool.Kind.values()) {
                Operator.Pool pool = new Operator.Pool(kind, 3, 2, 2, 1, 1, 0, 0, 1, kind == Operator.Pool.Kind.AVG);
                Tensor poolDy = Tensor.random(14, -1, 1, pool.outputShape(List.of(xs)));
                compare(pool.name() + "_backward", ref.poolBackward(pool, x, poolDy),
                        () -> training.poolBackward(pool, x, poolDy));
            }
            Tensor y = Tensor.random(15, -1, 1, 3, 7);
            Tensor g = Tensor.random(16, -1, 1, 3, 7);
            compare("relu_backward", ref.reluBackward(y, g), () -> training.reluBackward(y, g));
            compare("tanh_backward", ref.tanhBackward(y, g), () -> training.tanhBackward(y, g));
            Tensor fcWeight = Tensor.random(17, -1, 1, 5, 7);
            Tensor fcDy = Tensor.random(18, -1, 1, 3, 5);
            compare("fc_backward_data", ref.fcBackwardData(fcDy, fcWeight, new int[] {3, 7}),
                    () -> training.fcBackwardData(fcDy, fcWeight, new int[] {3, 7}));
            compare("fc_backward_weight", ref.fcBackwardWeight(y, fcDy), () -> training.fcBackwardWeight(y, fcDy));
            int[] labels = {6, 0, 3};
            compare("softmax_cross_entropy", ref.softmaxCrossEntropy(y, labels).gradient(),
                    () -> training.softmaxCrossEntropy(y, labels).gradient());
            Tensor mask = new Tensor(new float[] {1, 0, 1, 1, 0, 1, 1}, 7);
            for (Tensor m : new Tensor[] {null, mask}) {
                Tensor expected = Tensor.random(19, -1, 1, 7);
                Tensor velocity = Tensor.random(20, -1, 1, 7);
                Tensor gradient = Tensor.random(21, -1, 1, 7);
                Tensor actual = expected.copy();
                Tensor actualVelocity = velocity.copy();
                SgdSettings sgd = new SgdSettings(0.1, 0.9, 1e-3);
                ref.sgdStep(expected, velocity, gradient, m, sgd);
                compare("sgd_momentum mask " + (m != null), expected, () -> {
                    training.sgdStep(actual, actualVelocity, gradient, m, sgd);
                    return actual;
                });
            }
        }
    }

    private void compare(String what, Tensor expected, java.util.function.Supplier<Tensor> actual) {
        attempt(what, () -> {
            Accuracy accuracy = Accuracy.of(actual.get(), expected);
            if (!(accuracy.relativeL2() <= Tolerances.relativeL2(what))) {
                throw new AssertionError(accuracy + " above " + Tolerances.relativeL2(what));
            }
        });
    }

    /**
     * The kernels outside the operators: the probe's (peak and bandwidth) and the CLBlast peer's row-major im2col, each
     * on a tiny launch, results checked against Java.
     */
    private void probeAndPeerKernels() {
        dev.tessera.opencl.ClContext context = opencl.context();
        attempt("probe_peak.cl peak_multiply_add float4, 8 chains", () -> {
            try (dev.tessera.opencl.ClProgram program = context.build(
                    dev.tessera.opencl.ProgramSource.resource("probe_peak.cl"),
                    "-DVECTOR_WIDTH=4 -DACCUMULATORS=8 -DMULTIPLY_ADD=fma");
                    dev.tessera.opencl.ClKernel kernel = program.kernel("peak_multiply_add");
                    ClBuffer out = context.buffer(8 * 4 * Float.BYTES)) {
                kernel.arg(0, out).arg(1, 0.75f).arg(2, 0.125f).arg(3, 2).run(new long[] {8}, new long[] {4});
                float[] result = out.readFloats();
                for (int g = 0; g < 8; g++) {
                    float total = 0;
                    for (int chain = 0; chain < 8; chain++) {
                        float acc = (float) g * 1e-6f + (float) chain * 0.01f;
                        for (int step = 0; step < 8; step++) {
                            acc = Math.fma(acc, 0.75f, 0.125f);
                        }
                        total += acc;
                    }
                    if (Math.abs(result[g * 4] - total) > 1e-5f) {
                        throw new AssertionError("work-item " + g + ": " + result[g * 4] + " != " + total);
                    }
                }
            }
        });
        attempt("probe_bandwidth.cl copy_vector, read_tiled, read_blocked float4", () -> {
            float[] data = uniform(new SplittableRandom(3), 64 * 4);
            try (dev.tessera.opencl.ClProgram program = context.build(
                    dev.tessera.opencl.ProgramSource.resource("probe_bandwidth.cl"), "-DVECTOR_WIDTH=4");
                    dev.tessera.opencl.ClKernel copy = program.kernel("copy_vector");
                    dev.tessera.opencl.ClKernel tiled = program.kernel("read_tiled");
                    dev.tessera.opencl.ClKernel blocked = program.kernel("read_blocked");
                    ClBuffer src = context.buffer(data);
                    ClBuffer dst = context.buffer(data.length * Float.BYTES)) {
                copy.arg(0, src).arg(1, dst).run(new long[] {64}, new long[] {16});
                if (!java.util.Arrays.equals(data, dst.readFloats())) {
                    throw new AssertionError("copy_vector changed the data");
                }
                double expected = 0;
                for (float v : data) {
                    expected += v;
                }
                for (dev.tessera.opencl.ClKernel read : List.of(tiled, blocked)) {
                    dst.fill(0f);
                    read.arg(0, src).arg(1, dst).arg(2, 4).run(new long[] {16}, new long[] {4});
                    double total = 0;
                    for (float v : dst.readFloats()) {
                        total += v;
                    }
                    if (Math.abs(total - expected) > 1e-4) {
                        throw new AssertionError(read.name() + " summed " + total + ", expected " + expected);
                    }
                }
            }
        });
        attempt("im2col_rowmajor.cl (the CLBlast peer's im2col)", () -> {
            Operator.Conv2d conv = new Operator.Conv2d(2, 1, 1, 0, 0, 2, 1, 2, 1, false);
            ConvProblem p = ConvProblem.of(conv, List.of(new int[] {1, 2, 5, 6}, new int[] {1, 2, 3, 3}));
            Tensor x = Tensor.random(4, -1, 1, 1, 2, 5, 6);
            int columns = p.p() * p.q();
            int rows = p.c() * p.r() * p.s();
            try (dev.tessera.opencl.ClProgram program = context.build(
                    dev.tessera.opencl.ProgramSource.resource("im2col_rowmajor.cl"), "");
                    dev.tessera.opencl.ClKernel kernel = program.kernel("im2col_rowmajor");
                    ClBuffer in = context.buffer(x.data());
                    ClBuffer cols = context.buffer((long) rows * columns * Float.BYTES)) {
                kernel.arg(0, in).arg(1, cols).arg(2, p.c()).arg(3, p.h()).arg(4, p.w()).arg(5, p.p()).arg(6, p.q())
                        .arg(7, p.r()).arg(8, p.s()).arg(9, conv.strideH()).arg(10, conv.strideW())
                        .arg(11, conv.padTop()).arg(12, conv.padLeft()).arg(13, conv.dilationH())
                        .arg(14, conv.dilationW());
                kernel.run(new long[] {16, p.c()}, new long[] {16, 1});
                float[] result = cols.readFloats();
                for (int c = 0; c < p.c(); c++) {
                    for (int r = 0; r < p.r(); r++) {
                        for (int s2 = 0; s2 < p.s(); s2++) {
                            for (int column = 0; column < columns; column++) {
                                int h = (column / p.q()) * conv.strideH() - conv.padTop() + r * conv.dilationH();
                                int w = (column % p.q()) * conv.strideW() - conv.padLeft() + s2 * conv.dilationW();
                                float expected = h >= 0 && h < p.h() && w >= 0 && w < p.w() ? x.get(0, c, h, w) : 0;
                                float actual = result[((c * p.r() + r) * p.s() + s2) * columns + column];
                                if (actual != expected) {
                                    throw new AssertionError("row " + ((c * p.r() + r) * p.s() + s2) + " column "
                                            + column + ": " + actual + " != " + expected);
                                }
                            }
                        }
                    }
                }
            }
        });
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

    /**
     * The GPU family's own operator kernels (pool_gpu.cl, eltwise_gpu.cl, reduce_gpu.cl) whatever family the suite
     * runs: a GPU-family backend on the simulated device under GPU-like limits, tiny shapes with padding, strides,
     * sizes off the vector width and several tiles, each against the reference and naming the kernel that must run.
     */
    private void gpuFamilyOperators() {
        ClDevice limited = opencl.context().device().withLimits(dev.tessera.opencl.DeviceLimits.GPU_LIKE);
        KernelSelection table = KernelSelection.resolve("gpu", limited.info(), null);
        // and NVIDIA's entry: 256-item reductions, 32 x 8 pooling tiles, 16 x 16 convolution tiles, float4
        var nvidia = dev.tessera.backend.opencl.gpu.GpuOperatorParameters.TABLE.stream()
                .filter(e -> e.pattern().equals("nvidia")).findFirst().orElseThrow();
        // and values at (or, for ROWS, beyond) the edges of what tune searches (GpuOperatorTuner.space) that the
        // GPU-like limits admit:
        // float16 element-wise in groups of 32, 64 x 4 pooling tiles, 32-item reductions of 16 rows, 128 x 2 LRN
        // tiles, 32 x 8 convolution tiles staging 16 channels (24 KiB of the 32)
        var tuned = new dev.tessera.backend.opencl.gpu.GpuOperatorParameters(16, 32, 64, 4, 32, 16, 128, 2, 32, 8, 16);
        for (String group : dev.tessera.backend.opencl.gpu.GpuOperatorParameters.GROUP_ORDER) {
            if (!tuned.problemsOn(limited.info(), group).isEmpty()) {
                failures.add("the tuned-range case does not fit the GPU-like limits: "
                        + tuned.problemsOn(limited.info(), group));
            }
        }
        for (KernelSelection selection : List.of(table, new KernelSelection(KernelFamily.GPU, table.xgemm(),
                new dev.tessera.backend.opencl.gpu.GpuOperatorParameters.Choice(nvidia.parameters(), "nvidia"),
                "nvidia"), new KernelSelection(KernelFamily.GPU, table.xgemm(),
                new dev.tessera.backend.opencl.gpu.GpuOperatorParameters.Choice(tuned, "tuned range"),
                "tuned range"))) {
            gpuFamilyOperators(limited, selection);
        }
    }

    private void gpuFamilyOperators(ClDevice limited, KernelSelection selection) {
        try (OpenClBackend gpu = OpenClBackend.open(limited, ProgramCache.defaultCache(), null, selection)) {
            Tensor x = Tensor.random(31, -2, 2, 2, 3, 11, 13);
            Tensor y = Tensor.random(32, -2, 2, 2, 3, 11, 13);
            List<Object[]> cases = List.of(
                    new Object[] {new Operator.Pool(Operator.Pool.Kind.MAX, 3, 3, 2, 2, 1, 0, 1, 1, false), x,
                        "pool_tiled"},
                    new Object[] {new Operator.Pool(Operator.Pool.Kind.AVG, 2, 3, 1, 2, 1, 1, 0, 2, true), x,
                        "pool_tiled"},
                    new Object[] {new Operator.Lrn(3, 1e-3, 0.75, 1, true), x, "lrn_tiled"},
                    new Object[] {new Operator.Lrn(5, 1e-2, 0.6, 2, false), Tensor.random(38, -2, 2, 1, 7, 4, 5),
                        "lrn_tiled"},
                    // conv_direct_gpu.cl: 5 input channels = two stages of CC = 4 (barriers between them), a 6x7
                    // output over tiles of 8x4, stride 2, asymmetric padding, ReLU; then groups with dilation
                    new Object[] {new Operator.Conv2d(2, 2, 1, 0, 1, 2, 1, 1, 1, true),
                        RandomCases.convInputs(new SplittableRandom(39), 2, 5, 11, 13, 4, 3, 3, 1, true), "direct"},
                    new Object[] {new Operator.Conv2d(1, 1, 2, 2, 1, 1, 2, 1, 2, false),
                        RandomCases.convInputs(new SplittableRandom(40), 1, 4, 7, 6, 6, 3, 2, 2, false), "direct"},
                    // winograd_input_transform_tiled: partial tiles, padding, 2 x 2 tiles... per group
                    new Object[] {new Operator.Conv2d(1, 1, 1, 1, 1, 0, 1, 1, 1, true),
                        RandomCases.convInputs(new SplittableRandom(41), 2, 3, 9, 11, 4, 3, 3, 1, true),
                        "winograd-2x2"},
                    new Object[] {new Operator.Conv2d(1, 1, 0, 1, 1, 1, 1, 1, 1, false),
                        RandomCases.convInputs(new SplittableRandom(42), 1, 2, 13, 10, 3, 3, 3, 1, false),
                        "winograd-4x4"},
                    new Object[] {new Operator.Relu(), x, "relu_vec"},
                    new Object[] {new Operator.Tanh(), x, "tanh_vec"},
                    new Object[] {new Operator.Add(true), List.of(x, y), "residual_add_vec"},
                    new Object[] {new Operator.BiasAdd(), List.of(x, Tensor.random(33, -1, 1, 3)), "bias_add_vec"},
                    new Object[] {new Operator.GlobalAvgPool(), x, "global_avg_pool_workgroup"},
                    new Object[] {new Operator.Softmax(), Tensor.random(34, -5, 5, 3, 37), "softmax_workgroup"},
                    new Object[] {new Operator.FullyConnected(true), List.of(Tensor.random(35, -1, 1, 1, 43),
                        Tensor.random(36, -1, 1, 9, 43), Tensor.random(37, -1, 1, 9)), "fc_workgroup"});
            for (Object[] c : cases) {
                Operator op = (Operator) c[0];
                @SuppressWarnings("unchecked")
                List<Tensor> inputs = c[1] instanceof Tensor t ? List.of(t) : (List<Tensor>) c[1];
                ConvAlgorithm algorithm = op instanceof Operator.Conv2d ? ConvAlgorithm.parse((String) c[2])
                        : ConvAlgorithm.AUTO;
                attempt("gpu family " + op.name() + " " + c[2] + " " + selection.operators().parameters(), () -> {
                    OpResult actual = gpu.run(op, inputs, algorithm);
                    if (!actual.algorithm().equals(c[2])) {
                        throw new AssertionError("ran " + actual.algorithm() + ", not " + c[2]);
                    }
                    Accuracy accuracy = Accuracy.of(actual.output(), reference.run(op, inputs).output());
                    if (!(accuracy.relativeL2() <= 1e-5)) {
                        throw new AssertionError(accuracy + " above 1e-5");
                    }
                });
            }
        }
    }

    /** im2col with the GEMM tuning a GPU gets (float4 tiles in 8x8 work-groups); Oclgrind counts as a CPU. */
    private void gpuTunedConvolutions() {
        Im2colGemmSolver gpuTuned = Im2colGemmSolver.forDevice(TestDevices.asGpu(opencl.context().info()));
        for (SelfTest.ConvCase conv : SelfTest.convCases()) {
            ConvProblem problem = conv.problem();
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
                if (!(accuracy.relativeL2() <= Tolerances.relativeL2("im2col"))) {
                    throw new AssertionError(accuracy + " above " + Tolerances.relativeL2("im2col"));
                }
            });
        }
    }

    /**
     * PackedGemm directly: odd sizes around the panel widths, a batch of 2, bias per row and per column, ReLU; with the
     * CPU family's tunings and the GPU family's GEMM (the table's GPU default, which stays within GPU-like limits of
     * 256 work-items and 32 KiB of local memory, and a small shape with both vector widths and K not a multiple of
     * KWG), so that its barriers and local-memory staging run under Oclgrind's race and bounds checks.
     */
    private void gemm() {
        DeviceInfo info = opencl.context().info();
        dev.tessera.backend.opencl.gpu.XgemmParameters gpuDefault =
                dev.tessera.backend.opencl.gpu.GpuTunables.defaultsFor(TestDevices.asGpu(info)).xgemm();
        if (gpuDefault.workGroupSize() > 256 || gpuDefault.localMemBytes() > 32 * 1024) {
            throw new AssertionError("the GPU default " + gpuDefault + " exceeds GPU-like limits");
        }
        for (GemmTuning tuning : List.of(GemmTuning.forDevice(info), GemmTuning.forDevice(TestDevices.asGpu(info)),
                GemmTuning.forXgemm(gpuDefault),
                GemmTuning.forXgemm(new dev.tessera.backend.opencl.gpu.XgemmParameters(8, 16, 4, 2, 2, 2, 4)))) {
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
}
