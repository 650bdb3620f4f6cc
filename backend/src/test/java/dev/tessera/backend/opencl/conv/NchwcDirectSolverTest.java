package dev.tessera.backend.opencl.conv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.tessera.backend.Accuracy;
import dev.tessera.backend.ConvProblem;
import dev.tessera.backend.Operator;
import dev.tessera.backend.RandomCases;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.Tolerances;
import dev.tessera.backend.opencl.common.Launch;
import dev.tessera.backend.opencl.OpenClPropertyTest;
import dev.tessera.backend.opencl.TestDevices;
import dev.tessera.backend.reference.ReferenceBackend;
import dev.tessera.opencl.ClBuffer;
import dev.tessera.opencl.ClContext;
import dev.tessera.opencl.ClKernel;
import dev.tessera.opencl.ClProgram;
import dev.tessera.opencl.LiveResources;
import dev.tessera.opencl.ProgramCache;
import dev.tessera.opencl.ProgramSource;

/**
 * The channel-blocked direct convolution ({@code conv_nchwc.cl}, {@code nchwc.cl}) against the double-precision
 * reference within {@link Tolerances}' direct bound, with the device's default tunables and with small ones that make
 * every tile partial: C and K not multiples of the block (3, 5, 17), pixel tiles spanning rows and images and ending
 * past the last pixel, stride 2, padding (also asymmetric), dilation, 1x1, 3x3, the 7x7/s2 stem, batch > 1, bias, ReLU.
 * The residual epilogue is covered for every solver by {@link ResidualConvTest}, the random shape mix by
 * {@link OpenClPropertyTest}.
 */
class NchwcDirectSolverTest {
    private static ClContext context;
    private static ReferenceBackend reference;

    @BeforeAll
    static void open() {
        context = ClContext.open(TestDevices.device(), ProgramCache.defaultCache());
        reference = new ReferenceBackend();
    }

    @AfterAll
    static void close() {
        context.close();
        reference.close();
        assertEquals(0, LiveResources.buffers(), "no buffer leaked: " + LiveResources.summary());
    }

    /** K=3, C=2, 1x1, blocks of 4 channels, 1 block per group: [kg][cb][r][s][ci 4][k 4], zeros past K and C. */
    @Test
    void weightsArePackedPerBlockOfChannels() {
        float[] w = {1, 2, 3, 4, 5, 6}; // w[k][c]
        float[] expected = new float[16];
        expected[0] = 1; // ci 0: k 0, 1, 2
        expected[1] = 3;
        expected[2] = 5;
        expected[4] = 2; // ci 1
        expected[5] = 4;
        expected[6] = 6;
        assertArrayEquals(expected, NchwcDirectSolver.packWeights(w, 3, 2, 1, 1,
                new NchwcDirectSolver.Tuning(4, 1, 1)));
    }

    /** NCHW -> padded NCHWc -> NCHW gives back the input; the border and the channels past C are zeros. */
    @Test
    void reordersRoundTripWithZeroBorderAndChannels() {
        int n = 2;
        int c = 5;
        int h = 3;
        int w = 4;
        int cb = 4;
        int top = 1;
        int left = 2;
        int hp = h + top + 2;
        int wp = w + left + 1;
        int cblocks = 2;
        float[] x = Tensor.random(7, -1, 1, n, c, h, w).data();
        float[] blocked = new float[n * cblocks * hp * wp * cb];
        float[] back = new float[x.length];
        try (ClProgram program = context.build(ProgramSource.resource("nchwc.cl"), "-DCB=" + cb);
                ClKernel to = program.kernel("to_nchwc");
                ClKernel from = program.kernel("from_nchwc");
                ClBuffer in = context.buffer(x);
                ClBuffer mid = context.buffer(Float.BYTES * (long) blocked.length);
                ClBuffer out = context.buffer(Float.BYTES * (long) x.length)) {
            to.arg(0, in).arg(1, mid);
            from.arg(0, mid).arg(1, out).arg(2, c).arg(3, h).arg(4, w);
            for (ClKernel k : List.of(to, from)) {
                k.arg(5, cblocks).arg(6, hp).arg(7, wp).arg(8, top).arg(9, left);
            }
            to.arg(2, c).arg(3, h).arg(4, w);
            Launch.grid(to, new long[] {wp, hp, n * cblocks}, new long[] {16, 1, 1});
            Launch.grid(from, new long[] {w, h, n * c}, new long[] {16, 1, 1});
            mid.read(blocked);
            out.read(back);
        }
        assertArrayEquals(x, back);
        int nonZero = 0;
        for (int ni = 0; ni < n; ni++) {
            for (int ci = 0; ci < cblocks * cb; ci++) {
                for (int y = 0; y < hp; y++) {
                    for (int xi = 0; xi < wp; xi++) {
                        float v = blocked[(((ni * cblocks + ci / cb) * hp + y) * wp + xi) * cb + ci % cb];
                        boolean inside = ci < c && y >= top && y < top + h && xi >= left && xi < left + w;
                        if (inside) {
                            assertEquals(x[((ni * c + ci) * h + y - top) * w + xi - left], v);
                            nonZero++;
                        } else {
                            assertEquals(0f, v, "border/pad channel " + ni + "," + ci + "," + y + "," + xi);
                        }
                    }
                }
            }
        }
        assertEquals(x.length, nonZero);
    }

    /** Edge shapes {n, c, h, w, k, r, s, stride, pad} with the default tunables and with small ones. */
    @Test
    void edgeShapesMatchTheReferenceWithDefaultAndSmallTunables() {
        int[][] shapes = {
            {1, 1, 1, 1, 1, 1, 1, 1, 0}, // 1x1 image, 1x1 kernel, one channel
            {1, 3, 9, 9, 5, 3, 3, 1, 1}, // C and K below the block
            {2, 17, 11, 13, 17, 3, 3, 1, 1}, // batch 2, odd sizes, C and K one past a block of 16
            {3, 5, 7, 7, 33, 1, 1, 1, 0}, // 1x1 on 7x7, tiles spanning rows and images
            {2, 6, 10, 9, 7, 3, 3, 2, 1}, // stride 2, padding
            {1, 3, 23, 21, 9, 7, 7, 2, 3}, // the 7x7/s2 stem shape, small
            {2, 20, 8, 8, 40, 1, 1, 2, 0}, // 1x1 stride 2 (ResNet's downsampling shortcut)
            {1, 64, 14, 14, 70, 3, 3, 1, 1}, // several channel blocks, K past a multiple of 32
            {1, 8, 5, 6, 16, 3, 3, 1, 2}, // padding wider than the kernel's reach: border outputs all bias
        };
        List<NchwcDirectSolver.Tuning> small = List.of(new NchwcDirectSolver.Tuning(4, 1, 1),
                new NchwcDirectSolver.Tuning(4, 5, 3), new NchwcDirectSolver.Tuning(8, 3, 2),
                new NchwcDirectSolver.Tuning(16, 7, 1));
        SplittableRandom rnd = new SplittableRandom(1313);
        int checked = 0;
        for (int[] s : shapes) {
            List<NchwcDirectSolver> solvers = new ArrayList<>(List.of(new NchwcDirectSolver()));
            small.forEach(t -> solvers.add(new NchwcDirectSolver(t)));
            for (NchwcDirectSolver solver : solvers) {
                boolean relu = rnd.nextBoolean();
                boolean bias = rnd.nextBoolean();
                Operator.Conv2d conv = Operator.Conv2d.of(s[7], s[8]).withRelu(relu);
                List<Tensor> inputs = RandomCases.convInputs(rnd, s[0], s[1], s[2], s[3], s[4], s[5], s[6], 1, bias);
                check(solver, conv, inputs, Arrays.toString(s) + (relu ? " relu" : "") + (bias ? " bias" : ""));
                checked++;
            }
        }
        assertEquals(shapes.length * 5, checked);
    }

    /** Asymmetric padding, unequal strides, dilation 2, and a ResNet-like 3x3 layer at 28x28. */
    @Test
    void asymmetricPaddingDilationAndARealisticLayer() {
        SplittableRandom rnd = new SplittableRandom(2813);
        Operator.Conv2d asymmetric = new Operator.Conv2d(2, 1, 0, 2, 1, 0, 1, 1, 1, true);
        Operator.Conv2d dilated = Operator.Conv2d.of(1, 2).withDilation(2, 2);
        for (NchwcDirectSolver solver : List.of(new NchwcDirectSolver(),
                new NchwcDirectSolver(new NchwcDirectSolver.Tuning(8, 4, 2)))) {
            check(solver, asymmetric, RandomCases.convInputs(rnd, 2, 5, 9, 8, 7, 3, 3, 1, true), "asymmetric");
            check(solver, dilated, RandomCases.convInputs(rnd, 1, 6, 9, 10, 5, 3, 3, 1, false), "dilated");
            check(solver, Operator.Conv2d.of(1, 1).withRelu(true),
                    RandomCases.convInputs(rnd, 1, 128, 28, 28, 128, 3, 3, 1, true), "128 -> 128 at 28x28");
        }
    }

    /**
     * Two convolutions exchanging NCHWc: the first writes its output blocked, into the second's padded input (the
     * border zeroed once), the second reads it without a reorder; the result equals the reference's two convolutions.
     * Shapes: odd sizes, C and K not multiples of the block, stride 2 after padding 2, batch 2, small tunables too.
     */
    @Test
    void chainedConvolutionsExchangeNchwcWithoutAReorder() {
        SplittableRandom rnd = new SplittableRandom(1414);
        for (NchwcDirectSolver solver : List.of(new NchwcDirectSolver(),
                new NchwcDirectSolver(new NchwcDirectSolver.Tuning(4, 5, 3)))) {
            List<Tensor> first = RandomCases.convInputs(rnd, 2, 5, 11, 9, 19, 3, 3, 1, true);
            List<Tensor> second = RandomCases.convInputs(rnd, 2, 19, 11, 9, 7, 3, 3, 1, true);
            Operator.Conv2d a = Operator.Conv2d.of(1, 1).withRelu(true);
            Operator.Conv2d b = new Operator.Conv2d(2, 2, 2, 1, 2, 0, 1, 1, 1, false);
            ConvProblem pa = ConvProblem.of(a, first.stream().map(Tensor::shape).toList());
            ConvProblem pb = ConvProblem.of(b, List.of(pa.outputShape(), second.get(1).shape(), second.get(2).shape()));
            Tensor mid = reference.run(a, first).output();
            Tensor expected = reference.run(b, List.of(mid, second.get(1), second.get(2))).output();
            Tensor actual = Tensor.zeros(pb.outputShape());
            try (ClBuffer x = context.buffer(first.get(0).data());
                    ClBuffer blocked = context.buffer(new float[(int) solver.blockedInputFloats(pb, context.info())]);
                    ClBuffer y = context.buffer(Float.BYTES * (long) actual.data().length);
                    PreparedConv pre = solver.prepareBlocked(context, pa, first.get(1), first.get(2), false,
                            false, NchwcDirectSolver.border(pb));
                    PreparedConv post = solver.prepareBlocked(context, pb, second.get(1), second.get(2), false,
                            true, null)) {
                for (int run = 0; run < 2; run++) { // the border stays zero from one run to the next
                    assertEquals(2, pre.run(x, blocked).size(), "the first reorders its NCHW input");
                    assertEquals(1, post.run(blocked, y).size(), "the second runs on NCHWc as it is");
                    y.read(actual.data());
                    Accuracy acc = Accuracy.of(actual, expected);
                    assertTrue(acc.relativeL2() <= Tolerances.relativeL2(solver.id()), solver.tuning(context.info())
                            + " run " + run + ": " + acc);
                }
            }
        }
    }

    @Test
    void declinesGroupedConvolutions() {
        ConvProblem grouped = ConvProblem.of(Operator.Conv2d.of(1, 1).withGroups(2),
                List.of(new int[] {1, 4, 5, 5}, new int[] {4, 2, 3, 3}));
        assertNotNull(new NchwcDirectSolver().notApplicableReason(grouped, context.info()));
    }

    /** The default block is the device's native float vector width (16 on AVX-512, 8 on AVX2), within 4..16. */
    @Test
    void defaultBlockIsTheNativeVectorWidth() {
        int native_ = context.info().nativeVectorWidth().floatWidth();
        int cb = new NchwcDirectSolver().tuning(context.info()).cb();
        assertEquals(Math.max(4, Math.min(16, Integer.highestOneBit(Math.max(1, native_)))), cb);
    }

    private static void check(NchwcDirectSolver solver, Operator.Conv2d conv, List<Tensor> inputs, String what) {
        assertEquals(2, ConvSolverChecks.check(context, reference, solver, conv, inputs,
                what + " " + solver.tuning(context.info())), "the reorder and the convolution");
    }
}
