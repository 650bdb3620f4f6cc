package dev.tessera.backend.opencl.conv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.tessera.backend.ConvAlgorithm;
import dev.tessera.backend.ConvProblem;
import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.opencl.Fp32Accuracy;
import dev.tessera.backend.opencl.TestDevices;
import dev.tessera.backend.opencl.gemm.GemmTuning;
import dev.tessera.opencl.ClBuffer;
import dev.tessera.opencl.ClContext;
import dev.tessera.opencl.DeviceInfo;
import dev.tessera.opencl.LiveResources;
import dev.tessera.opencl.ProgramCache;

/**
 * The im2col + GEMM solver against a naive seven-loop convolution in double (tolerances: {@link Fp32Accuracy}), with
 * the device's tuning, with chunks of one panel (so that every problem runs in many chunks) and with the GPU tuning.
 */
class Im2colGemmSolverTest {
    private static final float SENTINEL = -7.25f;

    private static ClContext context;
    private static GemmTuning deviceTuning;
    private static GemmTuning onePanelChunks;

    @BeforeAll
    static void open() {
        context = ClContext.open(TestDevices.device(), ProgramCache.defaultCache());
        deviceTuning = GemmTuning.forDevice(context.info());
        GemmTuning t = deviceTuning;
        onePanelChunks = new GemmTuning(t.mr(), t.nr(), t.vectorWidth(), t.workGroupRows(), t.workGroupColumns(),
                t.kUnroll(), t.packWorkGroup(), t.packRowsPerItem(), 1, 1);
    }

    @AfterAll
    static void close() {
        context.close();
    }

    @Test
    void randomProblemsMatchTheSevenLoops() {
        SplittableRandom random = new SplittableRandom(1122);
        int checked = 0;
        while (checked < 100) {
            ConvProblem problem = randomProblem(random);
            if (problem == null) {
                continue;
            }
            GemmTuning tuning = checked % 4 == 3 ? onePanelChunks : deviceTuning;
            check(new Im2colGemmSolver(tuning), problem, random.split());
            checked++;
        }
    }

    @Test
    void edgeProblems() {
        List<ConvProblem> problems = new ArrayList<>(List.of(
                problem(1, 3, 9, 9, 8, 3, 3, Operator.Conv2d.of(1, 1)), // K = 27, RGB 3x3
                problem(2, 4, 11, 10, 6, 3, 3, conv(2, 2, 0, 1, 1, 0, 1, 1, 1)), // stride 2, asymmetric padding
                problem(1, 5, 12, 12, 7, 3, 3, conv(1, 1, 2, 2, 2, 2, 2, 2, 1)), // dilation 2
                problem(1, 3, 13, 11, 4, 3, 2, conv(2, 3, 1, 0, 2, 1, 2, 1, 1)), // everything different per axis
                problem(3, 6, 7, 5, 10, 1, 1, Operator.Conv2d.of(1, 0)), // pointwise: packed straight from the input
                problem(1, 6, 7, 5, 4, 1, 1, Operator.Conv2d.of(2, 0)), // 1x1 with stride: im2col
                problem(1, 4, 5, 6, 3, 1, 1, Operator.Conv2d.of(1, 1)), // 1x1 with padding: im2col
                problem(2, 8, 9, 9, 6, 3, 3, conv(1, 1, 1, 1, 1, 1, 1, 1, 2)), // two groups
                problem(1, 12, 10, 10, 12, 3, 3, conv(1, 1, 1, 1, 1, 1, 1, 1, 12)), // depthwise 3x3
                problem(2, 8, 6, 6, 16, 1, 1, conv(1, 1, 0, 0, 0, 0, 1, 1, 4)), // grouped pointwise
                problem(1, 3, 15, 15, 4, 7, 7, Operator.Conv2d.of(2, 3)), // a small ResNet stem
                problem(1, 2, 4, 4, 3, 6, 6, Operator.Conv2d.of(1, 1)), // the window is the padded input
                problem(1, 2, 1, 1, 3, 1, 1, Operator.Conv2d.of(1, 0)), // one pixel
                problem(1, 1, 1, 1, 1, 1, 1, Operator.Conv2d.of(1, 0)), // one multiply
                problem(1, 3, 9, 4, 5, 5, 2, conv(1, 2, 2, 2, 0, 1, 1, 1, 1)), // rectangular kernel
                problem(1, 16, 20, 20, 32, 3, 3, Operator.Conv2d.of(1, 1)))); // several chunks of one panel
        for (ConvProblem p : List.copyOf(problems)) {
            problems.add(new ConvProblem(p.n(), p.c(), p.h(), p.w(), p.k(), p.r(), p.s(), p.conv().withRelu(true),
                    !p.bias()));
        }
        SplittableRandom random = new SplittableRandom(5);
        for (ConvProblem problem : problems) {
            check(new Im2colGemmSolver(deviceTuning), problem, random.split());
            check(new Im2colGemmSolver(onePanelChunks), problem, random.split());
        }
    }

    @Test
    void gpuTuningIsCorrectToo() {
        Im2colGemmSolver gpu = Im2colGemmSolver.forDevice(TestDevices.asGpu(context.info()));
        SplittableRandom random = new SplittableRandom(77);
        for (int checked = 0; checked < 8;) {
            ConvProblem problem = randomProblem(random);
            if (problem != null) {
                check(gpu, problem, random.split());
                checked++;
            }
        }
    }

    @Test
    void appliesToEveryProblemTheDeviceCanHold() {
        Im2colGemmSolver solver = new Im2colGemmSolver(deviceTuning);
        ConvProblem problem = problem(1, 64, 56, 56, 64, 3, 3, Operator.Conv2d.of(1, 1));
        assertEquals(ConvAlgorithm.IM2COL.id(), solver.id());
        assertNull(solver.notApplicableReason(problem, context.info()));
        assertTrue(solver.workspaceBytes(problem) > 0);
        assertEquals((long) 64 * 9 * onePanelChunks.nr() * Float.BYTES,
                new Im2colGemmSolver(onePanelChunks).workspaceBytes(problem));
        DeviceInfo tiny = TestDevices.variant(context.info(), context.info().type(), 4096);
        String reason = solver.notApplicableReason(problem, tiny);
        assertNotNull(reason);
        assertTrue(reason.contains("largest allocation"), reason);
    }

    @Test
    void rejectsMismatchedWeightsAndBuffers() {
        Im2colGemmSolver solver = new Im2colGemmSolver(deviceTuning);
        ConvProblem problem = problem(1, 4, 6, 6, 5, 3, 3, Operator.Conv2d.of(1, 1));
        Tensor weights = Tensor.random(1, -1, 1, problem.weightShape());
        Tensor bias = Tensor.random(2, -1, 1, problem.k());
        assertThrows(IllegalArgumentException.class,
                () -> solver.prepare(context, problem, Tensor.zeros(5, 4, 3, 2), bias));
        assertThrows(IllegalArgumentException.class, () -> solver.prepare(context, problem, weights, null));
        assertThrows(IllegalArgumentException.class,
                () -> solver.prepare(context, problem, weights, Tensor.zeros(problem.k() + 1)));
        try (PreparedConv prepared = solver.prepare(context, problem, weights, bias);
                ClBuffer input = context.buffer(4L * 4 * 6 * 6 - 4);
                ClBuffer output = context.buffer(4L * 5 * 6 * 6)) {
            output.fill(SENTINEL);
            assertThrows(IllegalArgumentException.class, () -> prepared.run(input, output));
            float[] untouched = new float[5 * 6 * 6];
            java.util.Arrays.fill(untouched, SENTINEL);
            assertArrayEquals(untouched, output.readFloats(), "nothing was launched");
        }
    }

    @Test
    void releasesEveryBufferKernelAndProgram() {
        String before = LiveResources.summary();
        ConvProblem problem = problem(2, 6, 8, 8, 4, 3, 3, conv(1, 1, 1, 1, 1, 1, 1, 1, 2));
        check(new Im2colGemmSolver(deviceTuning), problem, new SplittableRandom(3));
        ConvProblem pointwise = problem(1, 6, 8, 8, 4, 1, 1, Operator.Conv2d.of(1, 0));
        check(new Im2colGemmSolver(deviceTuning), pointwise, new SplittableRandom(4));
        assertEquals(before, LiveResources.summary());
    }

    /** Prepares, runs on random data and compares every float of the output buffer, including its untouched tail. */
    private static void check(Im2colGemmSolver solver, ConvProblem problem, SplittableRandom random) {
        Tensor input = Tensor.random(random.nextLong(), -1, 1, problem.inputShape());
        Tensor weights = Tensor.random(random.nextLong(), -1, 1, problem.weightShape());
        Tensor bias = problem.bias() ? Tensor.random(random.nextLong(), -1, 1, problem.k()) : null;
        int outputSize = problem.n() * problem.k() * problem.p() * problem.q();
        double[] exact = new double[outputSize + 5];
        double[] magnitude = new double[exact.length];
        java.util.Arrays.fill(exact, SENTINEL);
        sevenLoops(problem, input, weights, bias, exact, magnitude);
        int terms = problem.c() / problem.groups() * problem.r() * problem.s() + 1;
        try (PreparedConv prepared = solver.prepare(context, problem, weights, bias);
                ClBuffer in = context.buffer(input.data());
                ClBuffer out = context.buffer((long) exact.length * Float.BYTES)) {
            out.fill(SENTINEL);
            assertEquals(Im2colGemmSolver.ID, prepared.solverId());
            assertTrue(!prepared.run(in, out).isEmpty());
            Fp32Accuracy.assertClose(exact, magnitude, terms, out.readFloats(), problem.key() + " with " + solver);
        }
    }

    /** The definition: out[n, k, p, q] = bias[k] + sum over (c, r, s) of in[n, g*C/G + c, h, w] * w[k, c, r, s]. */
    private static void sevenLoops(ConvProblem pr, Tensor input, Tensor weights, Tensor bias, double[] out,
            double[] magnitude) {
        Operator.Conv2d conv = pr.conv();
        int cg = pr.c() / pr.groups();
        int kg = pr.k() / pr.groups();
        int index = 0;
        for (int n = 0; n < pr.n(); n++) {
            for (int k = 0; k < pr.k(); k++) {
                int g = k / kg;
                for (int p = 0; p < pr.p(); p++) {
                    for (int q = 0; q < pr.q(); q++) {
                        double sum = bias == null ? 0 : bias.get(k);
                        double abs = Math.abs(sum);
                        for (int c = 0; c < cg; c++) {
                            for (int r = 0; r < pr.r(); r++) {
                                for (int s = 0; s < pr.s(); s++) {
                                    int h = p * conv.strideH() - conv.padTop() + r * conv.dilationH();
                                    int w = q * conv.strideW() - conv.padLeft() + s * conv.dilationW();
                                    if (h >= 0 && h < pr.h() && w >= 0 && w < pr.w()) {
                                        double product = (double) input.get(n, g * cg + c, h, w)
                                                * weights.get(k, c, r, s);
                                        sum += product;
                                        abs += Math.abs(product);
                                    }
                                }
                            }
                        }
                        out[index] = conv.relu() ? Math.max(sum, 0) : sum;
                        magnitude[index++] = abs;
                    }
                }
            }
        }
    }

    /** A random small problem (any stride, padding, dilation and groups), or null where the window does not fit. */
    private static ConvProblem randomProblem(SplittableRandom random) {
        int groupsKind = random.nextInt(6);
        int cg = 1 + random.nextInt(6);
        int kg = 1 + random.nextInt(6);
        int groups = groupsKind < 3 ? 1 : groupsKind == 3 ? 2 : groupsKind == 4 ? 3 : 1 + random.nextInt(8);
        if (groupsKind == 5) { // depthwise
            cg = 1;
            kg = 1 + random.nextInt(2);
        }
        int r = random.nextInt(3) == 0 ? 1 + random.nextInt(5) : random.nextBoolean() ? 1 : 3;
        int s = random.nextInt(4) == 0 ? 1 + random.nextInt(5) : r;
        Operator.Conv2d conv = conv(1 + random.nextInt(3), 1 + random.nextInt(3), random.nextInt(3),
                random.nextInt(3), random.nextInt(3), random.nextInt(3), random.nextInt(4) == 0 ? 2 : 1,
                random.nextInt(4) == 0 ? 2 : 1, groups).withRelu(random.nextBoolean());
        try {
            ConvProblem p = new ConvProblem(1 + random.nextInt(2), cg * groups, 1 + random.nextInt(14),
                    1 + random.nextInt(14), kg * groups, r, s, conv, random.nextBoolean());
            p.outputShape();
            return p;
        } catch (IllegalArgumentException windowLargerThanInput) {
            return null;
        }
    }

    private static ConvProblem problem(int n, int c, int h, int w, int k, int r, int s, Operator.Conv2d conv) {
        return new ConvProblem(n, c, h, w, k, r, s, conv, true);
    }

    private static Operator.Conv2d conv(int strideH, int strideW, int padTop, int padBottom, int padLeft,
            int padRight, int dilationH, int dilationW, int groups) {
        return new Operator.Conv2d(strideH, strideW, padTop, padBottom, padLeft, padRight, dilationH, dilationW, groups,
                false);
    }
}
