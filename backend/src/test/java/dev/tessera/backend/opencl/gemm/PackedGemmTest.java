package dev.tessera.backend.opencl.gemm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.tessera.backend.opencl.Fp32Accuracy;
import dev.tessera.backend.opencl.TestDevices;
import dev.tessera.backend.opencl.gemm.GemmEpilogue.Bias;
import dev.tessera.opencl.ClBuffer;
import dev.tessera.opencl.ClContext;
import dev.tessera.opencl.LiveResources;
import dev.tessera.opencl.ProgramCache;

/**
 * PackedGemm against a triple loop in double (tolerances: {@link Fp32Accuracy}). Operands sit at offsets inside larger
 * buffers with leading dimensions above their widths, and every float of C outside the product must be left exactly as
 * it was.
 */
class PackedGemmTest {
    private static ClContext context;
    private static PackedGemm gemm;

    /** One product to check; A and B are read transposed (column-major) when the flags say so. */
    record Case(int m, int n, int k, int batch, Bias bias, boolean relu, boolean accumulate, boolean transposedA,
            boolean transposedB) {
        static Case plain(int m, int n, int k) {
            return new Case(m, n, k, 1, Bias.NONE, false, false, false, false);
        }

        Case with(Bias b, boolean r, boolean a) {
            return new Case(m, n, k, batch, b, r, a, transposedA, transposedB);
        }

        Case batched(int count) {
            return new Case(m, n, k, count, bias, relu, accumulate, transposedA, transposedB);
        }
    }

    @BeforeAll
    static void open() {
        context = ClContext.open(TestDevices.device(), ProgramCache.defaultCache());
        gemm = new PackedGemm(context);
    }

    @AfterAll
    static void close() {
        gemm.close();
        context.close();
    }

    @Test
    void randomShapesMatchTheTripleLoop() {
        SplittableRandom random = new SplittableRandom(20261122);
        for (int i = 0; i < 100; i++) {
            int k = random.nextInt(8) == 0 ? 100 + random.nextInt(200) : 1 + random.nextInt(60);
            Case c = new Case(1 + random.nextInt(70), 1 + random.nextInt(100), k, 1 + random.nextInt(3),
                    Bias.values()[random.nextInt(3)], random.nextBoolean(), random.nextBoolean(), random.nextInt(4) == 0,
                    random.nextInt(4) == 0);
            check(gemm, c, random.split());
        }
    }

    @Test
    void edgeShapes() {
        int mr = gemm.tuning().mr();
        int nr = gemm.tuning().nr();
        int vector = gemm.tuning().vectorWidth();
        List<Case> cases = new ArrayList<>(List.of(Case.plain(1, 1, 1), Case.plain(1, 77, 13), Case.plain(45, 1, 9),
                Case.plain(19, 23, 1), Case.plain(64, 3136 / 16, 27), Case.plain(mr - 1 > 0 ? mr - 1 : 1, nr - 1, 27),
                Case.plain(mr + 1, nr + 1, 28), Case.plain(2 * mr, 2 * nr, 64), Case.plain(3, vector + 1, 5),
                Case.plain(5, vector - 1 > 0 ? vector - 1 : 1, 5), Case.plain(97, 131, 300)));
        for (Case c : List.copyOf(cases)) {
            cases.add(c.with(Bias.PER_ROW, true, false));
            cases.add(c.with(Bias.PER_COLUMN, false, true));
            cases.add(c.with(Bias.NONE, true, true));
        }
        SplittableRandom random = new SplittableRandom(7);
        for (Case c : cases) {
            check(gemm, c, random.split());
        }
    }

    @Test
    void batchedLikeWinograd() {
        SplittableRandom random = new SplittableRandom(16);
        check(gemm, Case.plain(24, 49, 32).batched(16), random.split());
        check(gemm, Case.plain(10, 9, 16).batched(36).with(Bias.PER_ROW, true, false), random.split());
        check(gemm, Case.plain(7, 40, 3).batched(5).with(Bias.PER_COLUMN, false, true), random.split());
    }

    @Test
    void otherTuningsAreCorrectToo() {
        List<GemmTuning> tunings = List.of(
                GemmTuning.forDevice(TestDevices.asGpu(context.info())), // float4, 8x8 work-groups
                new GemmTuning(3, 6, 1, 2, 1, 1, 1, 2, 1 << 20, 1), // scalar, odd tile, 2x1 work-groups
                new GemmTuning(5, 16, 8, 1, 2, 4, 4, 3, 1 << 20, 1)); // two vectors per row, K unrolled 4 times
        SplittableRandom random = new SplittableRandom(99);
        for (GemmTuning tuning : tunings) {
            try (PackedGemm other = new PackedGemm(context, tuning)) {
                for (int i = 0; i < 10; i++) {
                    Case c = new Case(1 + random.nextInt(30), 1 + random.nextInt(40), 1 + random.nextInt(40),
                            1 + random.nextInt(3), Bias.values()[i % 3], i % 2 == 0, i % 3 == 1, i % 5 == 4, i % 7 == 5);
                    check(other, c, random.split());
                }
            }
        }
    }

    @Test
    void rejectsArgumentsOutsideTheBuffersBeforeLaunching() {
        int m = 10;
        int n = 20;
        int k = 30;
        try (ClBuffer packedA = context.buffer(gemm.packedASize(m, k) * Float.BYTES);
                ClBuffer packedB = context.buffer(gemm.packedBSize(k, n) * Float.BYTES);
                ClBuffer c = context.buffer((long) m * n * Float.BYTES);
                ClBuffer bias = context.buffer((long) m * Float.BYTES)) {
            c.fill(3f);
            GemmEpilogue none = GemmEpilogue.NONE;
            GemmBatch one = GemmBatch.SINGLE;
            assertThrows(IllegalArgumentException.class,
                    () -> gemm.multiply(m + 1, n, k, packedA, 0, packedB, 0, c, 0, n, none, one));
            assertThrows(IllegalArgumentException.class,
                    () -> gemm.multiply(m, n, k, packedA, 1, packedB, 0, c, 0, n, none, one));
            assertThrows(IllegalArgumentException.class,
                    () -> gemm.multiply(m, n, k, packedA, 0, packedB, 0, c, 1, n, none, one));
            assertThrows(IllegalArgumentException.class,
                    () -> gemm.multiply(m, n, k, packedA, 0, packedB, 0, c, 0, n - 1, none, one));
            assertThrows(IllegalArgumentException.class,
                    () -> gemm.multiply(m, n, 0, packedA, 0, packedB, 0, c, 0, n, none, one));
            assertThrows(IllegalArgumentException.class,
                    () -> gemm.multiply(m, n, k, packedA, -1, packedB, 0, c, 0, n, none, one));
            assertThrows(IllegalArgumentException.class,
                    () -> gemm.multiply(m, n, k, packedA, 0, packedB, 0, c, 0, n, GemmEpilogue.columnBias(bias, 0), one));
            assertThrows(IllegalArgumentException.class,
                    () -> gemm.multiply(m, n, k, packedA, 0, packedB, 0, c, 0, n, none, GemmBatch.of(2, 0, 0, m * n)));
            assertThrows(IllegalArgumentException.class,
                    () -> gemm.multiply(m, n, k, packedA, 0, packedB, 0, c, 0, n, null, one));
            assertThrows(IllegalArgumentException.class,
                    () -> gemm.packA(StridedMatrix.rowMajor(c, 0, m, n + 1, n + 1), packedA, 0));
            assertThrows(IllegalArgumentException.class,
                    () -> gemm.packB(StridedMatrix.rowMajor(c, 0, k, n, n), packedB, 0));
            assertThrows(IllegalArgumentException.class, () -> StridedMatrix.rowMajor(c, 0, m, n, n - 1));
            assertThrows(IllegalArgumentException.class, () -> new GemmEpilogue(Bias.PER_ROW, null, 0, false, false));
            assertThrows(IllegalArgumentException.class, () -> GemmBatch.of(0, 0, 0, 0));
            assertThrows(IllegalArgumentException.class, () -> new GemmTuning(4, 6, 4, 1, 1, 1, 1, 1, 1, 1));
            float[] untouched = new float[m * n];
            java.util.Arrays.fill(untouched, 3f);
            assertArrayEquals(untouched, c.readFloats(), "nothing was launched");
        }
    }

    @Test
    void releasesEveryBufferKernelAndProgram() {
        String before = LiveResources.summary();
        try (PackedGemm own = new PackedGemm(context)) {
            check(own, Case.plain(9, 33, 17).with(Bias.PER_ROW, true, false), new SplittableRandom(1));
            assertTrue(LiveResources.programs() > 0 && LiveResources.kernels() >= 2);
        }
        assertEquals(before, LiveResources.summary());
    }

    /** Packs random operands at random offsets, multiplies and compares every float of C's buffer. */
    private static void check(PackedGemm g, Case c, SplittableRandom random) {
        check(context, g, c, random);
    }

    /** {@link #check(PackedGemm, Case, SplittableRandom)} on a GEMM built on {@code context}. */
    static void check(ClContext context, PackedGemm g, Case c, SplittableRandom random) {
        int batch = c.batch();
        int ldaGap = random.nextInt(4);
        int ldbGap = random.nextInt(4);
        int ldc = c.n() + random.nextInt(4);
        int aRows = c.transposedA() ? c.k() : c.m();
        int aColumns = c.transposedA() ? c.m() : c.k();
        int bRows = c.transposedB() ? c.n() : c.k();
        int bColumns = c.transposedB() ? c.k() : c.n();
        int lda = aColumns + ldaGap;
        int ldb = bColumns + ldbGap;
        long aItem = (long) aRows * lda + random.nextInt(3);
        long bItem = (long) bRows * ldb + random.nextInt(3);
        long strideA = g.packedASize(c.m(), c.k()) + random.nextInt(5);
        long strideB = g.packedBSize(c.k(), c.n()) + random.nextInt(5);
        long strideC = (long) c.m() * ldc + random.nextInt(5);
        int biasValues = c.bias() == Bias.PER_ROW ? c.m() : c.n();
        long strideBias = biasValues + random.nextInt(3);
        int offsetA = random.nextInt(5);
        int offsetB = random.nextInt(5);
        int offsetC = random.nextInt(5);
        int offsetBias = random.nextInt(3);

        float[] a = uniform(random, offsetA + batch * aItem);
        float[] b = uniform(random, offsetB + batch * bItem);
        float[] cBefore = uniform(random, offsetC + batch * strideC + 3);
        float[] bias = uniform(random, offsetBias + batch * strideBias);

        double[] exact = new double[cBefore.length];
        double[] magnitude = new double[cBefore.length];
        for (int i = 0; i < cBefore.length; i++) {
            exact[i] = cBefore[i];
        }
        for (int item = 0; item < batch; item++) {
            for (int row = 0; row < c.m(); row++) {
                for (int col = 0; col < c.n(); col++) {
                    double sum = 0;
                    double abs = 0;
                    for (int kk = 0; kk < c.k(); kk++) {
                        int ai = c.transposedA() ? kk * lda + row : row * lda + kk;
                        int bi = c.transposedB() ? col * ldb + kk : kk * ldb + col;
                        double product = (double) a[(int) (offsetA + item * aItem + ai)]
                                * b[(int) (offsetB + item * bItem + bi)];
                        sum += product;
                        abs += Math.abs(product);
                    }
                    int ci = (int) (offsetC + item * strideC + (long) row * ldc + col);
                    if (c.bias() != Bias.NONE) {
                        double value = bias[(int) (offsetBias + item * strideBias
                                + (c.bias() == Bias.PER_ROW ? row : col))];
                        sum += value;
                        abs += Math.abs(value);
                    }
                    if (c.accumulate()) {
                        sum += cBefore[ci];
                        abs += Math.abs(cBefore[ci]);
                    }
                    exact[ci] = c.relu() ? Math.max(sum, 0) : sum;
                    magnitude[ci] = abs;
                }
            }
        }

        try (ClBuffer aBuffer = context.buffer(a);
                ClBuffer bBuffer = context.buffer(b);
                ClBuffer cBuffer = context.buffer(cBefore);
                ClBuffer biasBuffer = context.buffer(bias);
                ClBuffer packedA = context.buffer((offsetA + batch * strideA) * Float.BYTES);
                ClBuffer packedB = context.buffer((offsetB + batch * strideB) * Float.BYTES)) {
            for (int item = 0; item < batch; item++) {
                StridedMatrix aSource = StridedMatrix.rowMajor(aBuffer, offsetA + item * aItem, aRows, aColumns, lda);
                StridedMatrix bSource = StridedMatrix.rowMajor(bBuffer, offsetB + item * bItem, bRows, bColumns, ldb);
                g.packA(c.transposedA() ? aSource.transposed() : aSource, packedA, offsetA + item * strideA);
                g.packB(c.transposedB() ? bSource.transposed() : bSource, packedB, offsetB + item * strideB);
            }
            GemmEpilogue epilogue = switch (c.bias()) {
                case NONE -> GemmEpilogue.NONE;
                case PER_ROW -> GemmEpilogue.rowBias(biasBuffer, offsetBias);
                case PER_COLUMN -> GemmEpilogue.columnBias(biasBuffer, offsetBias);
            };
            g.multiply(c.m(), c.n(), c.k(), packedA, offsetA, packedB, offsetB, cBuffer, offsetC, ldc,
                    epilogue.withRelu(c.relu()).withAccumulate(c.accumulate()),
                    GemmBatch.of(batch, strideA, strideB, strideC).withBiasStride(strideBias));
            Fp32Accuracy.assertClose(exact, magnitude, c.k() + 2, cBuffer.readFloats(), c + " with " + g.tuning());
        }
    }

    private static float[] uniform(SplittableRandom random, long size) {
        float[] values = new float[(int) size];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return values;
    }
}
