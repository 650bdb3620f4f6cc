package dev.tessera.backend.opencl.ops;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.tessera.backend.Accuracy;
import dev.tessera.backend.ConvAlgorithm;
import dev.tessera.backend.OpResult;
import dev.tessera.backend.Operator;
import dev.tessera.backend.RandomCases;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.Tolerances;
import dev.tessera.backend.opencl.common.KernelFamily;
import dev.tessera.backend.opencl.KernelSelection;
import dev.tessera.backend.opencl.OpenClBackend;
import dev.tessera.backend.opencl.TestDevices;
import dev.tessera.backend.opencl.gpu.GpuOperatorParameters;
import dev.tessera.backend.opencl.gpu.GpuWorkGroups;
import dev.tessera.backend.reference.ReferenceBackend;
import dev.tessera.opencl.DeviceLimits;
import dev.tessera.opencl.LiveResources;
import dev.tessera.opencl.ProgramCache;

/**
 * The GPU family's own kernels for pooling, element-wise operators, softmax, global average pooling and FC at batch 1
 * ({@link GpuFamilyOperators}), whatever TESSERA_KERNELS says: the GPU family under GPU-like limits (256 items, 32 KiB)
 * on the test device, against the double-precision reference on random shapes (fixed seeds) and edge cases, each
 * check also asserting which kernel ran. NaN propagates as in the reference (ReLU, max pooling, softmax).
 */
class GpuFamilyOperatorsTest {
    private static OpenClBackend gpu;
    private static final ReferenceBackend reference = new ReferenceBackend();

    @BeforeAll
    static void open() {
        var device = TestDevices.device().withLimits(DeviceLimits.GPU_LIKE);
        gpu = OpenClBackend.open(device, ProgramCache.defaultCache(), null, KernelSelection.resolve("gpu",
                device.info(), null));
    }

    @AfterAll
    static void close() {
        gpu.close();
        assertEquals(0, LiveResources.buffers(), "no buffer leaked: " + LiveResources.summary());
    }

    private static OpResult check(Operator op, List<Tensor> inputs, double tolerance, String kernel, String what) {
        OpResult expected = reference.run(op, inputs);
        // a convolution runs the solver its kernel names (the plan's choice, not the operator's)
        OpResult actual = gpu.run(op, inputs, op instanceof Operator.Conv2d ? ConvAlgorithm.parse(kernel)
                : ConvAlgorithm.AUTO);
        assertArrayEquals(expected.output().shape(), actual.output().shape(), what);
        Accuracy accuracy = Accuracy.of(actual.output(), expected.output());
        assertTrue(accuracy.relativeL2() <= tolerance, what + ": " + accuracy + " above " + tolerance);
        assertEquals(kernel, actual.algorithm(), what + ": the GPU family's kernel ran");
        return actual;
    }

    @Test
    void poolingTilesMatchTheReference() {
        for (RandomCases.Case c : RandomCases.pools(4242, 150)) {
            check(c.op(), c.inputs(), 1e-6, "pool_tiled", c.description());
        }
        // AlexNet's 3x3 stride 2 over a plane wider than a tile, batch 2, odd sizes; a 1x1 window; count_pad with
        // asymmetric padding
        check(new Operator.Pool(Operator.Pool.Kind.MAX, 3, 3, 2, 2, 0, 0, 0, 0, false),
                List.of(Tensor.random(1, -2, 2, 2, 3, 55, 37)), 0, "pool_tiled", "max 3x3/2 55x37");
        check(new Operator.Pool(Operator.Pool.Kind.AVG, 1, 1, 1, 1, 0, 0, 0, 0, false),
                List.of(Tensor.random(2, -2, 2, 1, 2, 9, 33)), 1e-6, "pool_tiled", "avg 1x1");
        check(new Operator.Pool(Operator.Pool.Kind.AVG, 3, 2, 2, 3, 2, 1, 0, 1, true),
                List.of(Tensor.random(3, -2, 2, 1, 5, 17, 19)), 1e-6, "pool_tiled", "avg count_pad asymmetric");
    }

    @Test
    void aWindowBeyondLocalMemoryRunsTheSharedKernelAndSaysSo() {
        // 100 x 100 floats = 40,000 bytes > 32 KiB; 1e-5: pool.cl sums the 10,000 cells one after another in float
        Operator.Pool big = new Operator.Pool(Operator.Pool.Kind.AVG, 100, 100, 1, 1, 0, 0, 0, 0, false);
        OpResult result = check(big, List.of(Tensor.random(4, -1, 1, 1, 2, 101, 100)), 1e-5, "avg_pool",
                "window beyond local memory");
        assertTrue(result.note().contains("does not fit") && result.note().contains("avg_pool"), result.note());
    }

    @Test
    void maxPoolingReluAndSoftmaxKeepNaN() {
        Tensor x = Tensor.random(5, -2, 2, 1, 2, 6, 6);
        x.set(Float.NaN, 0, 1, 2, 3);
        OpResult pooled = gpu.run(new Operator.Pool(Operator.Pool.Kind.MAX, 2, 2, 2, 2, 0, 0, 0, 0, false),
                List.of(x));
        assertEquals("pool_tiled", pooled.algorithm());
        for (int c = 0; c < 2; c++) {
            for (int p = 0; p < 3; p++) {
                for (int q = 0; q < 3; q++) {
                    boolean holdsNaN = c == 1 && p == 1 && q == 1;
                    assertEquals(holdsNaN, Float.isNaN(pooled.output().get(0, c, p, q)), "window " + c + "," + p
                            + "," + q);
                }
            }
        }
        OpResult relu = gpu.run(new Operator.Relu(), List.of(x));
        assertEquals("relu_vec", relu.algorithm());
        assertTrue(Float.isNaN(relu.output().get(0, 1, 2, 3)));
        assertEquals(0f, relu.output().get(0, 0, 0, 0) < 0 ? 1 : 0, 0f, "negative values become 0");
        for (int i = 0; i < x.size(); i++) {
            float v = x.data()[i];
            if (!Float.isNaN(v)) {
                assertEquals(Math.max(v, 0f), relu.output().data()[i], "relu of " + v);
            }
        }
        Tensor logits = Tensor.random(6, -5, 5, 3, 300);
        logits.set(Float.NaN, 1, 77);
        OpResult softmax = gpu.run(new Operator.Softmax(), List.of(logits));
        assertEquals("softmax_workgroup", softmax.algorithm());
        for (int row = 0; row < 3; row++) {
            for (int i = 0; i < 300; i++) {
                assertEquals(row == 1, Float.isNaN(softmax.output().get(row, i)), "row " + row + " column " + i);
            }
        }
    }

    @Test
    void lrnTilesMatchTheReferenceAndKeepANaNInItsWindows() {
        for (RandomCases.Case c : RandomCases.lrns(515, 120)) {
            check(c.op(), c.inputs(), 1e-5, "lrn_tiled", c.description());
        }
        // AlexNet's LRN (5 channels, beta 0.75) over more channels and pixels than one tile, batch 2
        Operator.Lrn alexnet = new Operator.Lrn(5, 1e-4, 0.75, 2, true);
        check(alexnet, List.of(Tensor.random(8, -3, 3, 2, 37, 13, 13)), 1e-5, "lrn_tiled", "alexnet lrn");
        Tensor x = Tensor.random(9, -3, 3, 1, 12, 3, 5);
        x.set(Float.NaN, 0, 6, 1, 2);
        OpResult result = gpu.run(alexnet, List.of(x));
        assertEquals("lrn_tiled", result.algorithm());
        for (int c = 0; c < 12; c++) {
            for (int h = 0; h < 3; h++) {
                for (int w = 0; w < 5; w++) {
                    boolean spoiled = h == 1 && w == 2 && Math.abs(c - 6) <= 2;
                    assertEquals(spoiled, Float.isNaN(result.output().get(0, c, h, w)), c + "," + h + "," + w);
                }
            }
        }
    }

    @Test
    void directConvolutionWithLocalTilesMatchesTheReference() {
        int checked = 0;
        for (RandomCases.Case random : RandomCases.convolutions(8080, 80)) {
            Operator.Conv2d conv = (Operator.Conv2d) random.op();
            OpResult result = check(conv, random.inputs(), Tolerances.relativeL2("direct"), "direct",
                    random.description());
            assertEquals("", result.note(), random.description());
            checked++;
        }
        assertTrue(checked > 60, "checked " + checked);
        // more input channels than one stage, a plane wider than one tile, stride 2 with padding, batch 2, ReLU
        Operator.Conv2d wide = new Operator.Conv2d(2, 2, 1, 0, 1, 2, 1, 1, 1, true);
        check(wide, RandomCases.convInputs(new SplittableRandom(5), 2, 19, 37, 41, 12, 3, 3, 1, true),
                Tolerances.relativeL2("direct"), "direct", "19->12 3x3/2 37x41 batch 2");
        // a 11x11 stride-4 window (AlexNet's first layer, small)
        Operator.Conv2d alex = new Operator.Conv2d(4, 4, 0, 0, 0, 0, 1, 1, 1, false);
        check(alex, RandomCases.convInputs(new SplittableRandom(6), 1, 3, 43, 43, 8, 11, 11, 1, false),
                Tolerances.relativeL2("direct"), "direct", "11x11/4");
        // dilation 2 and depthwise
        Operator.Conv2d dilated = new Operator.Conv2d(1, 1, 2, 2, 2, 2, 2, 2, 6, false);
        check(dilated, RandomCases.convInputs(new SplittableRandom(7), 1, 6, 15, 17, 6, 3, 3, 6, true),
                Tolerances.relativeL2("direct"), "direct", "depthwise dilated");
    }

    @Test
    void winogradWithTheTiledInputTransformMatchesTheReference() {
        SplittableRandom rnd = new SplittableRandom(12);
        // odd sizes (partial tiles at the edges), padding on some sides, planes wider and taller than one group, batch 2
        int[][] shapes = {{1, 3, 5, 5, 4}, {2, 7, 19, 23, 5}, {1, 16, 34, 30, 8}, {1, 1, 3, 3, 1}};
        for (ConvAlgorithm algorithm : new ConvAlgorithm[] {ConvAlgorithm.WINOGRAD_2X2, ConvAlgorithm.WINOGRAD_4X4}) {
            for (int[] s : shapes) {
                for (int pad = 0; pad <= 1; pad++) {
                    Operator.Conv2d conv = new Operator.Conv2d(1, 1, pad, 1 - pad, pad, pad, 1, 1, 1, pad == 1);
                    check(conv, RandomCases.convInputs(rnd, s[0], s[1], s[2], s[3], s[4], 3, 3, 1, pad == 0),
                            Tolerances.relativeL2(algorithm.id()), algorithm.id(),
                            algorithm.id() + " " + java.util.Arrays.toString(s) + " pad " + pad);
                }
            }
        }
    }

    @Test
    void elementwiseOperatorsMatchTheReference() {
        SplittableRandom rnd = new SplittableRandom(99);
        // sizes around the vector widths: 1, 7, 8, 9, 63, 65, ... and planes not a multiple of them
        for (int[] shape : new int[][] {{1, 1, 1, 1}, {1, 7, 1, 1}, {1, 1, 2, 4}, {1, 3, 3, 3}, {2, 5, 7, 9},
                {3, 16, 4, 4}, {1, 64, 13, 13}}) {
            for (int round = 0; round < 3; round++) {
                Tensor x = Tensor.random(rnd.nextLong(), -2, 2, shape);
                Tensor y = Tensor.random(rnd.nextLong(), -2, 2, shape);
                Tensor bias = Tensor.random(rnd.nextLong(), -1, 1, shape[1]);
                String what = Tensor.shapeString(shape);
                check(new Operator.Relu(), List.of(x), 0, "relu_vec", "relu " + what);
                check(new Operator.Tanh(), List.of(x), 1e-6, "tanh_vec", "tanh " + what);
                check(new Operator.Add(round % 2 == 0), List.of(x, y), 1e-6, "residual_add_vec", "add " + what);
                check(new Operator.BiasAdd(), List.of(x, bias), 1e-6, "bias_add_vec", "bias add " + what);
            }
        }
    }

    @Test
    void softmaxAndGlobalAveragePoolingReduceInAWorkGroup() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int columns : new int[] {1, 2, 10, 31, 64, 257, 1000, 4097}) {
            Tensor logits = Tensor.random(rnd.nextLong(), -20, 20, 1 + rnd.nextInt(4), columns);
            check(new Operator.Softmax(), List.of(logits), 1e-5, "softmax_workgroup", "softmax " + columns);
        }
        for (int[] shape : new int[][] {{1, 1, 1, 1}, {2, 3, 7, 7}, {1, 5, 13, 11}, {1, 2, 64, 65}}) {
            check(new Operator.GlobalAvgPool(), List.of(Tensor.random(rnd.nextLong(), -1, 1, shape)), 1e-6,
                    "global_avg_pool_workgroup", "global avg pool " + Tensor.shapeString(shape));
        }
    }

    @Test
    void fullyConnectedAtBatchOneReducesOverTheInputsInAWorkGroup() {
        SplittableRandom rnd = new SplittableRandom(11);
        int[][] sizes = {{1, 1}, {7, 1}, {1, 9}, {33, 10}, {300, 17}, {4096, 33}, {9216, 5}};
        for (int[] size : sizes) {
            for (boolean bias : new boolean[] {false, true}) {
                boolean relu = rnd.nextBoolean();
                List<Tensor> inputs = new ArrayList<>(List.of(Tensor.random(rnd.nextLong(), -1, 1, 1, size[0]),
                        Tensor.random(rnd.nextLong(), -1, 1, size[1], size[0])));
                if (bias) {
                    inputs.add(Tensor.random(rnd.nextLong(), -1, 1, size[1]));
                }
                check(new Operator.FullyConnected(relu), inputs, 1e-5, "fc_workgroup",
                        "fc " + size[0] + "->" + size[1] + " bias " + bias + " relu " + relu);
            }
        }
        // batch 2 is the GPU GEMM's
        List<Tensor> batch2 = List.of(Tensor.random(1, -1, 1, 2, 20), Tensor.random(2, -1, 1, 6, 20));
        check(new Operator.FullyConnected(false), batch2, 1e-5, "xgemm_packed", "fc at batch 2");
    }

    /**
     * Every distinct table entry for GPUs (NVIDIA's 256-item groups and float4, AMD's 64-wide tiles, Intel's and the
     * generic one), which no GPU has run here, on the test device under GPU-like limits: one case per kernel against the
     * reference.
     */
    @Test
    void everyTableEntryComputesTheReferenceUnderGpuLikeLimits() {
        var device = TestDevices.device().withLimits(DeviceLimits.GPU_LIKE);
        java.util.Set<GpuOperatorParameters> seen = new java.util.HashSet<>();
        SplittableRandom rnd = new SplittableRandom(21);
        for (GpuOperatorParameters.Entry entry : GpuOperatorParameters.TABLE) {
            if (entry.pattern().equals("cpu") || !seen.add(entry.parameters())) {
                continue; // the CPU entry is what the other tests run on this device
            }
            KernelSelection selection = new KernelSelection(KernelFamily.GPU,
                    dev.tessera.backend.opencl.gpu.GpuTunables.defaultsFor(device.info()).xgemm(),
                    new GpuOperatorParameters.Choice(entry.parameters(), "test: " + entry.pattern()), "test");
            try (OpenClBackend backend = OpenClBackend.open(device, ProgramCache.defaultCache(), null, selection)) {
                Tensor x = Tensor.random(rnd.nextLong(), -2, 2, 2, 5, 37, 35);
                List<Object[]> cases = List.of(
                        new Object[] {new Operator.Pool(Operator.Pool.Kind.MAX, 3, 3, 2, 2, 1, 1, 0, 1, false),
                            List.of(x), "pool_tiled"},
                        new Object[] {new Operator.Lrn(5, 1e-3, 0.75, 2, true), List.of(x), "lrn_tiled"},
                        new Object[] {new Operator.Add(true), List.of(x, x), "residual_add_vec"},
                        new Object[] {new Operator.GlobalAvgPool(), List.of(x), "global_avg_pool_workgroup"},
                        new Object[] {new Operator.Softmax(), List.of(Tensor.random(rnd.nextLong(), -9, 9, 3, 1001)),
                            "softmax_workgroup"},
                        new Object[] {new Operator.FullyConnected(true), List.of(
                            Tensor.random(rnd.nextLong(), -1, 1, 1, 600),
                            Tensor.random(rnd.nextLong(), -1, 1, 45, 600)), "fc_workgroup"},
                        new Object[] {new Operator.Conv2d(1, 1, 1, 1, 1, 1, 1, 1, 1, true),
                            RandomCases.convInputs(rnd, 1, 11, 33, 35, 8, 3, 3, 1, true), "direct"},
                        new Object[] {new Operator.Conv2d(1, 1, 1, 1, 1, 1, 1, 1, 1, false),
                            RandomCases.convInputs(rnd, 1, 6, 37, 35, 7, 3, 3, 1, true), "winograd-4x4"});
                for (Object[] c : cases) {
                    Operator op = (Operator) c[0];
                    @SuppressWarnings("unchecked")
                    List<Tensor> inputs = (List<Tensor>) c[1];
                    ConvAlgorithm algorithm = op instanceof Operator.Conv2d ? ConvAlgorithm.parse((String) c[2])
                            : ConvAlgorithm.AUTO;
                    OpResult actual = backend.run(op, inputs, algorithm);
                    String what = entry.pattern() + " " + op.name();
                    assertEquals(c[2], actual.algorithm(), what);
                    Accuracy accuracy = Accuracy.of(actual.output(), reference.run(op, inputs).output());
                    double bound = op instanceof Operator.Conv2d ? Tolerances.relativeL2(algorithm.id())
                            : 1e-5;
                    assertTrue(accuracy.relativeL2() <= bound, what + ": " + accuracy);
                }
            }
        }
        assertTrue(seen.size() >= 4, "distinct entries " + seen.size());
    }

    @Test
    void workGroupsNeverExceedTheLimits() {
        assertEquals(96, GpuWorkGroups.linear(100, 32, 256), "rounded down to the warp multiple");
        assertEquals(256, GpuWorkGroups.linear(1000, 32, 256), "capped at the limit");
        assertEquals(48, GpuWorkGroups.linear(100, 64, 48), "a limit below the multiple");
        assertEquals(128, GpuWorkGroups.powerOfTwoAtMost(200, 256));
        assertEquals(64, GpuWorkGroups.powerOfTwoAtMost(200, 100));
        int[] tile = GpuWorkGroups.poolTile(32, 8, 55, 55, 3, 3, 2, 2, 256, 32 * 1024);
        assertTrue(tile[0] * tile[1] <= 256);
        assertTrue(GpuWorkGroups.poolTileBytes(tile[0], tile[1], 3, 3, 2, 2) <= 32 * 1024);
        int[] small = GpuWorkGroups.poolTile(32, 8, 3, 2, 2, 2, 2, 2, 256, 32 * 1024);
        assertArrayEquals(new int[] {4, 2}, small, "no larger than the output needs");
        assertNull(GpuWorkGroups.poolTile(32, 8, 10, 10, 100, 100, 1, 1, 256, 32 * 1024));
        int[] lrn = GpuWorkGroups.lrnTile(64, 8, 169, 96, 5, 256, 32 * 1024);
        assertArrayEquals(new int[] {32, 8}, lrn, "halved on the larger side to 256 items");
        for (GpuOperatorParameters.Entry entry : GpuOperatorParameters.TABLE) {
            assertTrue(entry.parameters().elementGroup() <= 256 && entry.parameters().reduceGroup() <= 256
                    && entry.parameters().poolTileQ() * entry.parameters().poolTileP() <= 256
                    && entry.parameters().lrnPixels() * entry.parameters().lrnChannels() <= 256, entry.toString());
        }
    }
}
