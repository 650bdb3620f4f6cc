package dev.tessera.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.tessera.backend.NonFiniteCases;
import dev.tessera.backend.OpResult;
import dev.tessera.backend.Operator;
import dev.tessera.backend.Operator.Pool.Kind;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.Tolerances;

/**
 * pool.cl's {@code pool_rows} (eight outputs of a row per work-item, float vectors inside the input, the scalar path at
 * the borders) against the double-precision reference: max pooling exactly (NaN where the window holds one), average
 * pooling within {@link Tolerances}; and bit for bit against the one-output-per-item kernels it replaces.
 */
class RowPoolingTest extends OpenClAgainstReference {

    private static boolean cpuFamily() {
        return opencl.usesRowPooling(Operator.Pool.of(Kind.MAX, 2, 2, 0), new int[] {1, 1, 16, 16});
    }

    /** Runs {@code pool} with pool_rows and checks it against the reference and the per-output kernel. */
    private static void check(Operator.Pool pool, Tensor x, String description) {
        assertTrue(opencl.usesRowPooling(pool, x.shape()), description + ": pool_rows applies");
        OpResult rows = opencl.run(pool, List.of(x));
        assertEquals("pool_rows", rows.algorithm(), description);
        Tensor expected = reference.run(pool, List.of(x)).output();
        assertArrayEquals(expected.shape(), rows.output().shape(), description);
        if (pool.kind() == Kind.MAX) {
            assertArrayEquals(expected.data(), rows.output().data(), description);
        } else {
            // NaN where the reference has NaN, the rest within the tolerance
            assertNull(NonFiniteCases.mismatch(rows.output(), expected, Tolerances.relativeL2("pool_rows")),
                    description);
        }
        opencl.useRowPooling(false);
        try {
            OpResult single = opencl.run(pool, List.of(x));
            assertEquals(pool.kind() == Kind.MAX ? "max_pool" : "avg_pool", single.algorithm(), description);
            assertArrayEquals(single.output().data(), rows.output().data(), description + ": same bits as "
                    + single.algorithm());
        } finally {
            opencl.useRowPooling(true);
        }
    }

    @Test
    void networkShapesMatchTheReference() {
        if (!cpuFamily()) {
            return;
        }
        for (Kind kind : Kind.values()) {
            // VGG-16: 2x2 stride 2, odd width, batch 2
            check(Operator.Pool.of(kind, 2, 2, 0), Tensor.random(1, -2, 2, 2, 3, 20, 37), kind + " 2x2/s2 odd width");
            // ResNet: 3x3 stride 2 pad 1, odd and even sizes
            check(Operator.Pool.of(kind, 3, 2, 1), Tensor.random(2, -2, 2, 2, 3, 17, 33), kind + " 3x3/s2 pad 1");
            check(Operator.Pool.of(kind, 3, 2, 1), Tensor.random(3, -2, 2, 1, 2, 32, 32), kind + " 3x3/s2 pad 1 even");
            // stride 1 with padding, count-pad average
            check(new Operator.Pool(kind, 3, 3, 1, 1, 1, 1, 1, 1, true), Tensor.random(4, -2, 2, 1, 5, 9, 19),
                    kind + " 3x3/s1 pad 1 count-pad");
            // rectangular window, different strides, asymmetric padding, exactly one run per row
            check(new Operator.Pool(kind, 2, 3, 3, 2, 1, 0, 2, 1, false), Tensor.random(5, -2, 2, 3, 1, 10, 16),
                    kind + " 2x3 stride 3x2 asymmetric pad");
            // runs of 4: VGG-16's pool5 (14 -> 7), LeNet-5's pool2 (10 -> 5), 3x3/s2 pad 1 on 13
            check(Operator.Pool.of(kind, 2, 2, 0), Tensor.random(9, -2, 2, 2, 5, 14, 14), kind + " 2x2/s2 14 -> 7");
            check(Operator.Pool.of(kind, 2, 2, 0), Tensor.random(10, -2, 2, 1, 16, 10, 10), kind + " 2x2/s2 10 -> 5");
            check(Operator.Pool.of(kind, 3, 2, 1), Tensor.random(11, -2, 2, 1, 3, 13, 13), kind + " 3x3/s2 pad 1 13");
            // 1x1 window stride 1: a copy
            check(Operator.Pool.of(kind, 1, 1, 0), Tensor.random(6, -2, 2, 1, 1, 1, 8), kind + " 1x1 on 1x8");
        }
    }

    @Test
    void randomWideShapesMatchTheReference() {
        if (!cpuFamily()) {
            return;
        }
        SplittableRandom rnd = new SplittableRandom(20261205);
        int checked = 0;
        while (checked < 40) {
            int kh = 1 + rnd.nextInt(4);
            int kw = 1 + rnd.nextInt(4);
            int sh = 1 + rnd.nextInt(3);
            int sw = 1 + rnd.nextInt(2);
            Kind kind = rnd.nextBoolean() ? Kind.MAX : Kind.AVG;
            Operator.Pool pool = new Operator.Pool(kind, kh, kw, sh, sw, rnd.nextInt(kh), rnd.nextInt(kh),
                    rnd.nextInt(kw), rnd.nextInt(kw), rnd.nextBoolean());
            Tensor x = Tensor.random(rnd.nextLong(), -2, 2, 1 + rnd.nextInt(2), 1 + rnd.nextInt(5),
                    kh + rnd.nextInt(10), kw + 3 * sw + rnd.nextInt(40));
            if (opencl.usesRowPooling(pool, x.shape())) {
                check(pool, x, pool + " on " + x.shapeString());
                checked++;
            }
        }
    }

    @Test
    void aNaNInTheWindowGivesNaN() {
        if (!cpuFamily()) {
            return;
        }
        Tensor x = Tensor.random(7, -2, 2, 2, 2, 12, 40);
        float[] data = x.data();
        data[5 * 40 + 20] = Float.NaN; // inside, vector path
        data[40 + 0] = Float.NaN; // left border, scalar path
        data[12 * 40 + 11 * 40 + 39] = Float.NaN; // last cell of the second plane
        data[2 * 12 * 40 + 7 * 40 + 9] = Float.NaN; // second image
        Tensor withNaN = new Tensor(data, x.shape());
        for (Operator.Pool pool : List.of(Operator.Pool.of(Kind.MAX, 3, 2, 1), Operator.Pool.of(Kind.MAX, 2, 2, 0),
                Operator.Pool.of(Kind.MAX, 3, 1, 1), Operator.Pool.of(Kind.AVG, 3, 2, 1))) {
            Tensor out = opencl.run(pool, List.of(withNaN)).output();
            Tensor expected = reference.run(pool, List.of(withNaN)).output();
            int nans = 0;
            for (int i = 0; i < out.data().length; i++) {
                assertEquals(Float.isNaN(expected.data()[i]), Float.isNaN(out.data()[i]), pool + " element " + i);
                nans += Float.isNaN(out.data()[i]) ? 1 : 0;
            }
            assertTrue(nans >= 4, pool + ": " + nans + " NaN outputs");
            check(pool, withNaN, pool + " with NaN");
        }
    }

    @Test
    void theRuleKeepsNarrowAndWideStrideShapesOnTheOldKernels() {
        if (!cpuFamily()) {
            return;
        }
        // runs of 8 from 8 output columns, of 4 from 4 to 7, none below
        assertEquals(8, opencl.rowPoolingRun(Operator.Pool.of(Kind.MAX, 2, 2, 0), new int[] {1, 4, 16, 16}));
        assertEquals(4, opencl.rowPoolingRun(Operator.Pool.of(Kind.MAX, 2, 2, 0), new int[] {1, 4, 14, 15}));
        assertEquals(4, opencl.rowPoolingRun(Operator.Pool.of(Kind.MAX, 2, 2, 0), new int[] {1, 4, 8, 8}));
        assertFalse(opencl.usesRowPooling(Operator.Pool.of(Kind.MAX, 2, 2, 0), new int[] {1, 4, 6, 7}));
        assertFalse(opencl.usesRowPooling(Operator.Pool.of(Kind.MAX, 1, 1, 0), new int[] {1, 1, 1, 1}));
        // column stride 3
        assertFalse(opencl.usesRowPooling(Operator.Pool.of(Kind.MAX, 3, 3, 0), new int[] {1, 4, 60, 60}));
        Operator.Pool stride3 = Operator.Pool.of(Kind.AVG, 3, 3, 0);
        Tensor x = Tensor.random(8, -2, 2, 1, 2, 30, 30);
        assertEquals("avg_pool", opencl.run(stride3, List.of(x)).algorithm());
        // the LeNet-5 pool (28 -> 14) runs rows, AlexNet's 3x3/s2 on 55 too
        assertTrue(opencl.usesRowPooling(Operator.Pool.of(Kind.MAX, 2, 2, 0), new int[] {1, 6, 28, 28}));
        assertTrue(opencl.usesRowPooling(Operator.Pool.of(Kind.MAX, 3, 2, 0), new int[] {1, 96, 55, 55}));
    }
}
