package dev.tessera.backend.reference;

import static dev.tessera.backend.TensorAssert.assertTensor;

import org.junit.jupiter.api.Test;

import dev.tessera.backend.Operator.GlobalAvgPool;
import dev.tessera.backend.Operator.Pool;
import dev.tessera.backend.Tensor;

/** Pooling on inputs small enough to work out by hand. */
class ReferencePoolingTest {
    private final ReferenceBackend backend = new ReferenceBackend();

    /** 1..9 as one 3x3 channel. */
    private static final Tensor ONE_TO_NINE = new Tensor(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 1, 3, 3);
    /** 1..16 as one 4x4 channel. */
    private static final Tensor ONE_TO_SIXTEEN = new Tensor(
            new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, 1, 1, 4, 4);

    @Test
    void maxPool2x2Stride2() {
        Tensor x = new Tensor(new float[] {
                1, 3, 2, 4,
                5, 0, 8, 6,
                7, 9, -1, -2,
                -3, 11, -5, -4}, 1, 1, 4, 4);
        // quadrants: {1,3,5,0} -> 5, {2,4,8,6} -> 8, {7,9,-3,11} -> 11, {-1,-2,-5,-4} -> -1
        assertTensor(backend.apply(Pool.of(Pool.Kind.MAX, 2, 2, 0), x), new int[] {1, 1, 2, 2}, 5, 8, 11, -1);
    }

    @Test
    void overlappingMaxPool3x3Stride2() {
        // AlexNet-style: 5x5 -> floor((5-3)/2)+1 = 2. Windows cover rows/cols 0-2 and 2-4, so row 2 and col 2 are in
        // two windows each; 40 at (3,2) lies in both bottom windows.
        Tensor x = new Tensor(new float[] {
                1, 2, 3, 4, 5,
                6, 20, 8, 9, 10,
                11, 12, 13, 14, 30,
                16, 17, 40, 19, 20,
                21, 22, 23, 24, 25}, 1, 1, 5, 5);
        // top-left rows 0-2 cols 0-2: 20; top-right rows 0-2 cols 2-4: 30; bottom-left and bottom-right: 40
        assertTensor(backend.apply(Pool.of(Pool.Kind.MAX, 3, 2, 0), x), new int[] {1, 1, 2, 2}, 20, 30, 40, 40);
    }

    @Test
    void maxPoolIgnoresPaddedCells() {
        // All values negative: a padded zero must never win. 3x3 window, stride 1, pad 1 over -1..-9.
        Tensor x = new Tensor(new float[] {-1, -2, -3, -4, -5, -6, -7, -8, -9}, 1, 1, 3, 3);
        // (0,0) real {-1,-2,-4,-5} -> -1; (2,2) real {-5,-6,-8,-9} -> -5; the rest include -1, -2 or -4 likewise
        assertTensor(backend.apply(Pool.of(Pool.Kind.MAX, 3, 1, 1), x), new int[] {1, 1, 3, 3},
                -1, -1, -2,
                -1, -1, -2,
                -4, -4, -5);
    }

    @Test
    void averagePoolWithPaddingExcludingPaddedCells() {
        // 3x3 window, stride 1, pad 1 over 1..9: divide by the real cells only.
        // corner (0,0): {1,2,4,5} = 12 / 4 = 3;      edge (0,1): {1,2,3,4,5,6} = 21 / 6 = 3.5
        // corner (0,2): {2,3,5,6} = 16 / 4 = 4;      edge (1,0): {1,2,4,5,7,8} = 27 / 6 = 4.5
        // centre (1,1): 45 / 9 = 5;                  edge (1,2): {2,3,5,6,8,9} = 33 / 6 = 5.5
        // corner (2,0): {4,5,7,8} = 24 / 4 = 6;      edge (2,1): {4..9} = 39 / 6 = 6.5;  corner (2,2): 28 / 4 = 7
        assertTensor(backend.apply(Pool.of(Pool.Kind.AVG, 3, 1, 1), ONE_TO_NINE), new int[] {1, 1, 3, 3},
                3, 3.5, 4,
                4.5, 5, 5.5,
                6, 6.5, 7);
    }

    @Test
    void averagePoolWithPaddingCountingPaddedCells() {
        // The same sums, every divisor 9 (the window lies wholly inside the padded input).
        Pool op = new Pool(Pool.Kind.AVG, 3, 3, 1, 1, 1, 1, 1, 1, true);
        assertTensor(backend.apply(op, ONE_TO_NINE), new int[] {1, 1, 3, 3},
                12 / 9.0, 21 / 9.0, 16 / 9.0,
                27 / 9.0, 45 / 9.0, 33 / 9.0,
                24 / 9.0, 39 / 9.0, 28 / 9.0);
    }

    @Test
    void averagePoolStride2BothConventions() {
        // 3x3 window, stride 2, pad 1 over 1..16 (4x4): windows start at -1 and 1 on each axis.
        // (0,0) rows/cols -1..1: real {1,2,5,6} = 14          -> 14/4 = 3.5  or 14/9
        // (0,1) rows -1..1, cols 1..3: {2,3,4,6,7,8} = 30     -> 30/6 = 5    or 30/9
        // (1,0) rows 1..3, cols -1..1: {5,6,9,10,13,14} = 57  -> 57/6 = 9.5  or 57/9
        // (1,1) rows/cols 1..3: {6,7,8,10,11,12,14,15,16} = 99 -> 99/9 = 11 either way
        assertTensor(backend.apply(Pool.of(Pool.Kind.AVG, 3, 2, 1), ONE_TO_SIXTEEN), new int[] {1, 1, 2, 2},
                3.5, 5, 9.5, 11);
        Pool countPad = new Pool(Pool.Kind.AVG, 3, 3, 2, 2, 1, 1, 1, 1, true);
        assertTensor(backend.apply(countPad, ONE_TO_SIXTEEN), new int[] {1, 1, 2, 2},
                14 / 9.0, 30 / 9.0, 57 / 9.0, 11);
    }

    @Test
    void averagePoolAsymmetricPaddingCountsOnlyThePaddedArea() {
        // 2x2 window, stride 2, pad top 1 / bottom 0 / left 0 / right 1 over 1..9 (3x3): P = (3+1-2)/2+1 = 2, Q = 2.
        // Windows: rows {-1,0} and {1,2}; cols {0,1} and {2,3}.
        // (0,0): real {1,2}       -> 3/2 = 1.5   counting padding: 3/4
        // (0,1): real {3}         -> 3           counting padding: 3/4
        // (1,0): real {4,5,7,8}   -> 24/4 = 6    either way
        // (1,1): real {6,9}       -> 15/2 = 7.5  counting padding: 15/4
        assertTensor(backend.apply(new Pool(Pool.Kind.AVG, 2, 2, 2, 2, 1, 0, 0, 1, false), ONE_TO_NINE),
                new int[] {1, 1, 2, 2}, 1.5, 3, 6, 7.5);
        assertTensor(backend.apply(new Pool(Pool.Kind.AVG, 2, 2, 2, 2, 1, 0, 0, 1, true), ONE_TO_NINE),
                new int[] {1, 1, 2, 2}, 0.75, 0.75, 6, 3.75);
    }

    @Test
    void poolingIsPerChannelAndPerImage() {
        // Two images, two channels, 2x2 max and average pooling over each 2x2 plane separately.
        Tensor x = new Tensor(new float[] {1, 2, 3, 4, -1, -2, -3, -4, 10, 0, 0, 0, 5, 5, 5, 6}, 2, 2, 2, 2);
        assertTensor(backend.apply(Pool.of(Pool.Kind.MAX, 2, 2, 0), x), new int[] {2, 2, 1, 1}, 4, -1, 10, 6);
        assertTensor(backend.apply(Pool.of(Pool.Kind.AVG, 2, 2, 0), x), new int[] {2, 2, 1, 1}, 2.5, -2.5, 2.5, 5.25);
    }

    @Test
    void globalAveragePool() {
        // [2 images, 2 channels, 1x2]: n0c0 {1,3} -> 2, n0c1 {-2,4} -> 1, n1c0 {0,0} -> 0, n1c1 {10,20} -> 15
        Tensor x = new Tensor(new float[] {1, 3, -2, 4, 0, 0, 10, 20}, 2, 2, 1, 2);
        assertTensor(backend.apply(new GlobalAvgPool(), x), new int[] {2, 2, 1, 1}, 2, 1, 0, 15);
        // one 3x3 plane of 1..9: 45 / 9 = 5
        assertTensor(backend.apply(new GlobalAvgPool(), ONE_TO_NINE), new int[] {1, 1, 1, 1}, 5);
    }
}
