package dev.tessera.backend.opencl;

import static dev.tessera.backend.RandomCases.convInputs;
import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

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
import dev.tessera.backend.opencl.ops.PackedFullyConnected;
import dev.tessera.backend.reference.ReferenceBackend;
import dev.tessera.opencl.LiveResources;
import dev.tessera.opencl.ProgramCache;

/**
 * Every OpenCL operator and convolution algorithm against the double-precision reference, on hundreds of random shapes
 * (fixed seeds) plus the edge cases: stride > 1, asymmetric padding, odd sizes, 1x1 kernels, dilation, groups and
 * depthwise, channel counts that are not multiples of the vector width, batch > 1.
 *
 * <p>Tolerances (relative L2 error of the whole output) are {@link Tolerances}' (direct and im2col 1e-5, Winograd 2x2
 * 5e-5, 4x4 5e-4, with the reasons there). Element-wise operators must be within 1e-6; LRN and softmax, which use
 * exp/log from the device's math library (OpenCL allows a few ulp), within 1e-5.
 */
public class OpenClPropertyTest {
    private static OpenClBackend opencl;
    private static ReferenceBackend reference;

    @BeforeAll
    static void open() {
        opencl = OpenClBackend.open(TestDevices.forEnvironmentFamily(TestDevices.device()), ProgramCache.defaultCache(),
                null);
        reference = new ReferenceBackend();
    }

    @AfterAll
    static void close() {
        opencl.close();
        assertEquals(0, LiveResources.buffers(), "no buffer leaked: " + LiveResources.summary());
    }

    static double tolerance(String algorithm) {
        return Tolerances.relativeL2(algorithm);
    }

    private static void check(RandomCases.Case c) {
        check(c.op(), c.algorithm(), c.inputs(), c.tolerance(), c.description());
    }

    private static void check(Operator op, List<Tensor> inputs, double tolerance, String what) {
        check(op, ConvAlgorithm.AUTO, inputs, tolerance, what);
    }

    private static void check(Operator op, ConvAlgorithm algorithm, List<Tensor> inputs, double tolerance,
            String what) {
        OpResult expected = reference.run(op, inputs);
        OpResult actual = opencl.run(op, inputs, algorithm);
        assertArrayEquals(expected.output().shape(), actual.output().shape(), what);
        Accuracy accuracy = Accuracy.of(actual.output(), expected.output());
        assertTrue(accuracy.relativeL2() <= tolerance, what + ": " + accuracy + " above " + tolerance);
        assertTrue(actual.ranOn().startsWith("opencl:"), actual.ranOn());
        assertTrue(actual.kernelMs() >= 0, "kernel time from events");
    }

    /** TESSERA_KERNELS (cpu, gpu, auto) decides which family this suite checks; the backend runs that one. */
    @Test
    void theSuiteRunsTheKernelFamilyTheEnvironmentNames() {
        KernelFamily expected = KernelFamily.resolve(KernelFamily.fromEnvironment(), opencl.context().info());
        assertEquals(expected, opencl.kernels().family());
        if (expected == KernelFamily.GPU) {
            assertTrue(opencl.context().info().maxWorkGroupSize() <= 256, "GPU-like work-group cap");
            assertTrue(opencl.context().info().localMemBytes() <= 32 * 1024, "GPU-like local-memory cap");
        }
        System.out.println("kernel family under test: " + opencl.kernels().summary() + ", " + opencl.kernels().origin());
    }

    @Test
    void convolutionMatchesReferenceForEveryAlgorithm() {
        for (RandomCases.Case random : RandomCases.convolutions(20261122, 200)) {
            Operator.Conv2d conv = (Operator.Conv2d) random.op();
            List<Tensor> inputs = random.inputs();
            ConvProblem problem = ConvProblem.of(conv, random.shapes());
            int solvers = 0;
            for (ConvSolver solver : ConvSolvers.forDevice(opencl.context().info(), opencl.kernels())) {
                if (solver.isApplicable(problem, opencl.context().info())) {
                    check(conv, ConvAlgorithm.parse(solver.id()), inputs, tolerance(solver.id()),
                            random.description() + " " + solver.id());
                    solvers++;
                }
            }
            assertTrue(solvers >= 1, "at least the direct solver applies to " + problem.key());
        }
    }

    /** Hundreds of shapes Winograd applies to (3x3, stride 1): the random mix above gives it only a few dozen. */
    @Test
    void winogradMatchesReferenceOnHundredsOfShapes() {
        SplittableRandom rnd = new SplittableRandom(33);
        for (int i = 0; i < 200; i++) {
            int c = 1 + rnd.nextInt(24);
            int k = 1 + rnd.nextInt(20);
            int h = 3 + rnd.nextInt(15);
            int w = 3 + rnd.nextInt(15);
            int n = rnd.nextInt(4) == 0 ? 2 : 1;
            Operator.Conv2d conv = new Operator.Conv2d(1, 1, rnd.nextInt(3), rnd.nextInt(3), rnd.nextInt(3),
                    rnd.nextInt(3), 1, 1, 1, rnd.nextBoolean());
            List<Tensor> inputs = convInputs(rnd, n, c, h, w, k, 3, 3, 1, rnd.nextBoolean());
            for (String id : List.of("winograd-2x2", "winograd-4x4", "winograd-fused-2x2", "winograd-fused-4x4")) {
                check(conv, ConvAlgorithm.parse(id), inputs, tolerance(id), "case " + i + " " + id + " "
                        + ConvProblem.of(conv, inputs.stream().map(Tensor::shape).toList()).key());
            }
        }
    }

    /**
     * On a realistic layer (128 input channels) the error of each algorithm against the double reference, and the
     * published relation: F(4x4,3x3) about 3-4x the error of direct convolution (networks.md), F(2x2) close to direct.
     * Bounds are loose multiples of that (the ratio varies with the data); the figures are printed for the record.
     */
    @Test
    void winogradErrorGrowsAsPublishedOnARealLayer() {
        List<Tensor> inputs = convInputs(new SplittableRandom(128), 1, 128, 14, 14, 32, 3, 3, 1, true);
        Operator.Conv2d conv = Operator.Conv2d.of(1, 1);
        Tensor expected = reference.run(conv, inputs).output();
        java.util.Map<String, Double> error = new java.util.LinkedHashMap<>();
        for (String id : List.of("direct", "im2col", "winograd-2x2", "winograd-4x4", "winograd-fused-2x2",
                "winograd-fused-4x4", "nchwc-direct")) {
            error.put(id, Accuracy.of(opencl.run(conv, inputs, ConvAlgorithm.parse(id)).output(),
                    expected).relativeL2());
        }
        System.out.println("relative L2 error at C=128, 14x14, 3x3: " + error);
        double direct = Math.max(error.get("direct"), error.get("im2col"));
        assertTrue(direct < 2e-6, "direct " + direct);
        assertTrue(error.get("winograd-2x2") < 4 * direct + 1e-7, error.toString());
        assertTrue(error.get("winograd-4x4") < 15 * direct + 1e-7, error.toString());
        assertTrue(error.get("winograd-4x4") > error.get("winograd-2x2"), "F(4x4) rounds more than F(2x2): " + error);
        // the fused kernels compute the same transforms in another order: the same bounds
        assertTrue(error.get("winograd-fused-2x2") < 4 * direct + 1e-7, error.toString());
        assertTrue(error.get("winograd-fused-4x4") < 15 * direct + 1e-7, error.toString());
        assertTrue(error.get("winograd-fused-4x4") > error.get("winograd-fused-2x2"), error.toString());
        // the blocked direct kernel sums the same products in another order: direct's error
        assertTrue(error.get("nchwc-direct") < 2 * direct + 1e-7, error.toString());
    }

    @Test
    void winogradAppliesOnlyTo3x3UnitStrideConvolutions() {
        assertEquals(4, ConvSolvers.forDevice(opencl.context().info(), opencl.kernels()).stream()
                .filter(s -> s.id().startsWith("winograd")).count());
        for (ConvSolver solver : ConvSolvers.forDevice(opencl.context().info(), opencl.kernels())) {
            if (!solver.id().startsWith("winograd")) {
                continue;
            }
            ConvProblem fiveByFive = ConvProblem.of(Operator.Conv2d.of(1, 2),
                    List.of(new int[] {1, 4, 9, 9}, new int[] {4, 4, 5, 5}));
            ConvProblem strided = ConvProblem.of(Operator.Conv2d.of(2, 1),
                    List.of(new int[] {1, 4, 9, 9}, new int[] {4, 4, 3, 3}));
            assertNotNull(solver.notApplicableReason(fiveByFive, opencl.context().info()));
            assertNotNull(solver.notApplicableReason(strided, opencl.context().info()));
            Tensor x = Tensor.random(1, -1, 1, 1, 4, 9, 9);
            Tensor w = Tensor.random(2, -1, 1, 4, 4, 5, 5);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> opencl.run(
                    Operator.Conv2d.of(1, 2), List.of(x, w), ConvAlgorithm.parse(solver.id())));
            assertTrue(e.getMessage().contains(solver.id()), e.getMessage());
        }
    }

    @Test
    void autoChoosesByTimingAndRemembersTheChoice() {
        List<Tensor> inputs = convInputs(new SplittableRandom(5), 1, 8, 12, 12, 8, 3, 3, 1, true);
        Operator.Conv2d conv = Operator.Conv2d.of(1, 1);
        OpResult first = opencl.run(conv, inputs);
        assertTrue(first.note().startsWith("auto: timed"), first.note());
        assertTrue(first.note().contains("chose " + first.algorithm()), first.note());
        OpResult second = opencl.run(conv, inputs);
        assertEquals(first.algorithm(), second.algorithm());
        assertTrue(second.note().contains("from the tuning database"), second.note());
        assertEquals(first.algorithm(), opencl.tuningDatabase().lookup(opencl.kernels().autoKey(ConvProblem.of(conv,
                inputs.stream().map(Tensor::shape).toList()).tuningKey()), opencl.finder().fingerprint()).orElseThrow()
                .solverId());
        // the fused variant (ReLU in the epilogue) shares the choice
        OpResult fused = opencl.run(conv.withRelu(true), inputs);
        assertEquals(first.algorithm(), fused.algorithm());
        assertTrue(fused.note().contains("from the tuning database"), fused.note());
        assertTrue(Accuracy.of(second.output(), reference.run(conv, inputs).output()).relativeL2()
                <= tolerance(second.algorithm()));
    }

    @Test
    void packedFullyConnectedPacksPanelsOfOutputFeatures() {
        // W [3, 2] = {{1, 2}, {3, 4}, {5, 6}} in panels of 2: panel 0 = (1, 3), (2, 4); panel 1 = (5, 0), (6, 0)
        assertArrayEquals(new float[] {1, 3, 2, 4, 5, 0, 6, 0},
                PackedFullyConnected.pack(new float[] {1, 2, 3, 4, 5, 6}, 3, 2, 2));
    }

    @Test
    void fullyConnectedMatchesReferenceInBothKernelsAtOddSizes() {
        SplittableRandom rnd = new SplittableRandom(4242);
        boolean cpu = opencl.context().info().isCpu();
        int[][] sizes = {{1, 1}, {1, 17}, {15, 16}, {16, 33}, {33, 15}, {257, 100}, {1000, 47}, {2053, 129}};
        try {
            for (boolean packed : new boolean[] {true, false}) {
                opencl.usePackedFullyConnected(packed);
                for (int[] size : sizes) {
                    for (int n : new int[] {1, 2, 3, 4, 5, 9}) {
                        int in = size[0];
                        int out = size[1];
                        List<Tensor> inputs = new java.util.ArrayList<>(List.of(
                                Tensor.random(rnd.nextLong(), -1, 1, n, in),
                                Tensor.random(rnd.nextLong(), -1, 1, out, in)));
                        boolean bias = rnd.nextBoolean();
                        if (bias) {
                            inputs.add(Tensor.random(rnd.nextLong(), -1, 1, out));
                        }
                        Operator.FullyConnected fc = new Operator.FullyConnected(rnd.nextBoolean());
                        String what = "fc " + in + "->" + out + " batch " + n + (bias ? " bias" : "")
                                + (fc.relu() ? " relu" : "") + (packed ? " packed allowed" : "");
                        check(fc, inputs, 1e-5, what);
                        // the GPU family: its work-group reduction at batch 1, its GEMM above; the CPU family: the
                        // packed kernel on CPU devices at small batches, the plain one otherwise
                        String expected = opencl.kernels().family() == KernelFamily.GPU
                                ? (n == 1 ? "fc_workgroup" : "xgemm_packed")
                                : packed && cpu && n <= PackedFullyConnected.MAX_BATCH
                                        ? "fully_connected_packed" : "fully_connected";
                        assertEquals(expected, opencl.run(fc, inputs).algorithm(), what);
                    }
                }
            }
        } finally {
            opencl.usePackedFullyConnected(true);
        }
    }

    @Test
    void poolingMatchesReference() {
        RandomCases.pools(77, 200).forEach(OpenClPropertyTest::check);
        check(new Operator.GlobalAvgPool(), List.of(Tensor.random(3, -1, 1, 2, 5, 7, 7)), 1e-6, "global avg pool");
    }

    @Test
    void lrnMatchesReferenceInBothConventions() {
        RandomCases.lrns(9, 200).forEach(OpenClPropertyTest::check);
    }

    @Test
    void activationsAndPaddingMatchReferenceWithNanAndInfinity() {
        for (RandomCases.Case c : RandomCases.activationsAndPads(515, 60)) {
            OpResult expected = reference.run(c.op(), c.inputs());
            OpResult actual = opencl.run(c.op(), c.inputs(), c.algorithm());
            assertArrayEquals(expected.output().shape(), actual.output().shape(), c.description());
            String mismatch = RandomCases.mismatch(actual.output(), expected.output(), c.tolerance());
            assertNull(mismatch, () -> c.description() + ": " + mismatch);
            assertTrue(actual.ranOn().startsWith("opencl:"), c.description() + ": " + actual.ranOn());
        }
    }

    @Test
    void elementwiseFullyConnectedAndSoftmaxMatchReference() {
        RandomCases.elementwise(31, 200).forEach(OpenClPropertyTest::check);
    }

    @Test
    void badShapesAreRejectedBeforeAnyKernelRuns() {
        Tensor x = Tensor.random(1, -1, 1, 1, 3, 4, 4);
        Tensor w = Tensor.random(2, -1, 1, 8, 3, 5, 5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> opencl.run(Operator.Conv2d.of(1, 0), List.of(x, w)));
        assertTrue(e.getMessage().contains("larger than the padded input"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> opencl.run(Operator.Conv2d.of(1, 0), List.of(x, Tensor.random(3, -1, 1, 8, 2, 3, 3))));
    }
}
