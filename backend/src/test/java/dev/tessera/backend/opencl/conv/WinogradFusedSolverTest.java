package dev.tessera.backend.opencl.conv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.tessera.backend.ConvProblem;
import dev.tessera.backend.Operator;
import dev.tessera.backend.RandomCases;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.Tolerances;
import dev.tessera.backend.opencl.OpenClPropertyTest;
import dev.tessera.backend.opencl.TestDevices;
import dev.tessera.backend.reference.ReferenceBackend;
import dev.tessera.opencl.ClContext;
import dev.tessera.opencl.LiveResources;
import dev.tessera.opencl.ProgramCache;

/**
 * The fused Winograd solvers ({@code conv_winograd_fused.cl}) against the double-precision reference within
 * {@link Tolerances}' Winograd bounds, with the device's default tunables and with small ones that make every block
 * partial: channel chunks that do not divide C, output-channel blocks that do not divide K, tile blocks and groups of
 * them that span tile rows and images and end past the last tile. The residual epilogue is covered for every solver by
 * {@link ResidualConvTest}, the random shape mix by {@link OpenClPropertyTest}.
 */
class WinogradFusedSolverTest {
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

    /** [K=3][C=2] per position, positions 2, blocks of 2 channels: [block][xi][c][k in block], K padded with 0. */
    @Test
    void weightsArePackedPerBlockOfOutputChannels() {
        float[] u = new float[2 * 3 * 2];
        for (int i = 0; i < u.length; i++) {
            u[i] = i + 1; // u[(xi * 3 + k) * 2 + c]
        }
        assertArrayEquals(new float[] {
            1, 3, 2, 4, // block 0, xi 0: c 0 (k 0, 1), c 1 (k 0, 1)
            7, 9, 8, 10, // block 0, xi 1
            5, 0, 6, 0, // block 1, xi 0: k 2 and padding
            11, 0, 12, 0}, // block 1, xi 1
                WinogradFusedSolver.packWeights(u, 3, 2, 2, 2));
    }

    /** Edge shapes {n, c, h, w, k, pad} with the default tunables and with small ones (every block partial). */
    @Test
    void edgeShapesMatchTheReferenceWithDefaultAndSmallTunables() {
        int[][] shapes = {
            {1, 1, 9, 9, 1, 1}, // one input and one output channel
            {2, 7, 11, 13, 6, 1}, // batch 2, odd sizes, C and K not multiples of the vector width
            {3, 5, 6, 7, 9, 0}, // no padding, 4x5 outputs: partial tiles, batch 3
            {1, 3, 3, 3, 2, 0}, // a single output pixel
            {1, 17, 14, 14, 33, 1}, // K one past a multiple of 16 and 32
            {2, 64, 10, 10, 70, 1}, // several channel chunks and output-channel blocks, batch 2
        };
        List<WinogradFusedSolver.Tuning> small = List.of(new WinogradFusedSolver.Tuning(4, 1, 3, 3, 5),
                new WinogradFusedSolver.Tuning(1, 3, 1, 1, 1), new WinogradFusedSolver.Tuning(8, 2, 2, 7, 3),
                new WinogradFusedSolver.Tuning(4, 1, 2, 2, 3, 5)); // 3 groups of 2 tiles per work-item
        SplittableRandom rnd = new SplittableRandom(1304);
        int checked = 0;
        for (int[] s : shapes) {
            for (int m : new int[] {2, 4}) {
                List<WinogradFusedSolver> solvers = new ArrayList<>(List.of(new WinogradFusedSolver(m)));
                small.forEach(t -> solvers.add(new WinogradFusedSolver(m, t)));
                for (WinogradFusedSolver solver : solvers) {
                    boolean relu = rnd.nextBoolean();
                    boolean bias = rnd.nextBoolean();
                    Operator.Conv2d conv = Operator.Conv2d.of(1, s[5]).withRelu(relu);
                    List<Tensor> inputs = RandomCases.convInputs(rnd, s[0], s[1], s[2], s[3], s[4], 3, 3, 1, bias);
                    check(solver, conv, inputs, java.util.Arrays.toString(s) + " m " + m + (relu ? " relu" : "")
                            + (bias ? " bias" : ""));
                    checked++;
                }
            }
        }
        assertEquals(shapes.length * 2 * 5, checked);
    }

    /** Asymmetric padding (top/left differ from bottom/right) and VGG-like channel counts at 28x28. */
    @Test
    void asymmetricPaddingAndARealisticLayer() {
        SplittableRandom rnd = new SplittableRandom(2804);
        Operator.Conv2d asymmetric = new Operator.Conv2d(1, 1, 0, 2, 1, 0, 1, 1, 1, true);
        for (int m : new int[] {2, 4}) {
            check(new WinogradFusedSolver(m), asymmetric, RandomCases.convInputs(rnd, 2, 5, 9, 8, 7, 3, 3, 1, true),
                    "asymmetric padding m " + m);
            check(new WinogradFusedSolver(m), Operator.Conv2d.of(1, 1).withRelu(true),
                    RandomCases.convInputs(rnd, 1, 64, 28, 28, 64, 3, 3, 1, true), "64 -> 64 at 28x28 m " + m);
        }
    }

    /**
     * Transformed weights above 1 MiB (64 -> 512 channels: 4.7 MB for F(4x4)) make the default choose several tile
     * groups per work-item; 25 tiles in 5 groups of 6: the last group holds one tile.
     */
    @Test
    void largeWeightsUseTileGroups() {
        ConvProblem problem = ConvProblem.of(Operator.Conv2d.of(1, 1), List.of(new int[] {1, 64, 20, 20},
                new int[] {512, 64, 3, 3}, new int[] {512}));
        WinogradFusedSolver.Tuning fitted = WinogradFusedSolver.Tuning.forDevice(context.info(), 4)
                .fittedTo(problem, 4, context.info().localMemBytes());
        if (context.info().localMemBytes() >= (1L << 20)) { // PoCL's 1 MiB: 5 groups of 6 tiles, 4 work-items
            assertEquals(5, fitted.tileGroups(), fitted.toString());
        }
        check(new WinogradFusedSolver(4), Operator.Conv2d.of(1, 1).withRelu(true),
                RandomCases.convInputs(new SplittableRandom(2025), 1, 64, 20, 20, 512, 3, 3, 1, true),
                "64 -> 512 at 20x20, " + fitted);
    }

    @Test
    void declinesWhatWinogradCannotCompute() {
        WinogradFusedSolver solver = new WinogradFusedSolver(4);
        ConvProblem fiveByFive = ConvProblem.of(Operator.Conv2d.of(1, 2),
                List.of(new int[] {1, 4, 9, 9}, new int[] {4, 4, 5, 5}));
        ConvProblem strided = ConvProblem.of(Operator.Conv2d.of(2, 1),
                List.of(new int[] {1, 4, 9, 9}, new int[] {4, 4, 3, 3}));
        assertNotNull(solver.notApplicableReason(fiveByFive, context.info()));
        assertTrue(solver.notApplicableReason(strided, context.info()).contains("stride"));
    }

    private static void check(WinogradFusedSolver solver, Operator.Conv2d conv, List<Tensor> inputs, String what) {
        ConvSolverChecks.check(context, reference, solver, conv, inputs, what);
    }
}
