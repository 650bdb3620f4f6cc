package dev.tessera.backend.reference;

import static dev.tessera.backend.TensorAssert.assertClose;
import static dev.tessera.backend.TensorAssert.assertTensor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.tessera.backend.OpResult;
import dev.tessera.backend.Operator.Conv2d;
import dev.tessera.backend.Tensor;

/**
 * Convolutions small enough to work out by hand. Unless said otherwise the input is one 4x4 channel X and the kernel
 * one 3x3 K:
 * <pre>
 *   X =  1  2  3  4        K = 1 2 3
 *        5  6  7  8            4 5 6
 *        9 10 11 12            7 8 9
 *       13 14 15 16
 * </pre>
 * K is not symmetric, so a flipped kernel (true convolution) would give other numbers: at (0,0) the flipped kernel
 * gives 9*1+8*2+7*3+6*5+5*6+4*7+3*9+2*10+1*11 = 192 instead of 348.
 */
class ReferenceConvTest {
    private final ReferenceBackend backend = new ReferenceBackend();

    private static final Tensor X = new Tensor(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
            1, 1, 4, 4);
    private static final Tensor K = new Tensor(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 1, 3, 3);

    private static Conv2d conv(int stride, int top, int bottom, int left, int right, int dilation) {
        return new Conv2d(stride, stride, top, bottom, left, right, dilation, dilation, 1, false);
    }

    @Test
    void stride1NoPadding() {
        // (0,0): 1*1+2*2+3*3 + 4*5+5*6+6*7 + 7*9+8*10+9*11 = 14 + 92 + 242 = 348.
        // Moving one column right adds 1 to every cell: +45 (the kernel's sum); one row down adds 4: +180.
        Tensor y = backend.apply(Conv2d.of(1, 0), X, K);
        assertTensor(y, new int[] {1, 1, 2, 2}, 348, 393, 528, 573);
    }

    @Test
    void padding1KeepsTheSize() {
        // (0,0): only X rows 0-1, cols 0-1 are real, under kernel taps (1,1),(1,2),(2,1),(2,2):
        //        1*5 + 2*6 + 5*8 + 6*9 = 111.
        // (0,1): X rows 0-1, cols 0-2 under kernel rows 1-2: (1*4+2*5+3*6) + (5*7+6*8+7*9) = 32 + 146 = 178.
        // (0,3): X rows 0-1, cols 2-3 under taps (1,0),(1,1),(2,0),(2,1): 3*4+4*5+7*7+8*8 = 145.
        // (1,1): the whole kernel inside, same as the unpadded (0,0): 348.
        // (3,3): X rows 2-3, cols 2-3 under taps (0,0),(0,1),(1,0),(1,1): 11*1+12*2+15*4+16*5 = 175.
        Tensor y = backend.apply(Conv2d.of(1, 1), X, K);
        assertTensor(y, new int[] {1, 1, 4, 4},
                111, 178, 217, 145,
                231, 348, 393, 252,
                363, 528, 573, 360,
                197, 274, 295, 175);
    }

    @Test
    void stride2WithPadding1() {
        // out = floor((4 + 2 - 3) / 2) + 1 = 2; windows start at padded rows/cols -1 and 1, i.e. outputs (0,0), (0,2),
        // (2,0), (2,2) of the padding-1 case above: 111, 217, 363, 573.
        Tensor y = backend.apply(Conv2d.of(2, 1), X, K);
        assertTensor(y, new int[] {1, 1, 2, 2}, 111, 217, 363, 573);
    }

    @Test
    void dilation2WithPadding1() {
        // The dilated kernel spans 5; out = (4 + 2 - 5) + 1 = 2. Taps of output (p,q) are rows p-1, p+1, p+3 and
        // cols q-1, q+1, q+3.
        // (0,0): rows 1,3 (taps r=1,2) x cols 1,3 (taps s=1,2): 6*5 + 8*6 + 14*8 + 16*9 = 334.
        // (0,1): rows 1,3 x cols 0,2 (taps s=0,1):             5*4 + 7*5 + 13*7 + 15*8 = 266.
        // (1,0): rows 0,2 (taps r=0,1) x cols 1,3:              2*2 + 4*3 + 10*5 + 12*6 = 138.
        // (1,1): rows 0,2 x cols 0,2:                           1*1 + 3*2 + 9*4 + 11*5 = 98.
        Tensor y = backend.apply(conv(1, 1, 1, 1, 1, 2), X, K);
        assertTensor(y, new int[] {1, 1, 2, 2}, 334, 266, 138, 98);
    }

    @Test
    void asymmetricPadding() {
        // top 1, bottom 0, left 0, right 2: P = 4+1+0-3+1 = 3, Q = 4+0+2-3+1 = 4.
        // Row 0 of the output sees X rows 0-1 under kernel rows 1-2 (like padding-1 row 0 shifted one column).
        // (0,0): (1*4+2*5+3*6) + (5*7+6*8+7*9) = 178.
        // (0,3): cols 3,4,5, only col 3 real (tap s=0): 4*4 + 8*7 = 72.
        // (2,3): X rows 1-3 col 3 under taps (0,0),(1,0),(2,0): 8*1 + 12*4 + 16*7 = 168.
        Tensor y = backend.apply(conv(1, 1, 0, 0, 2, 1), X, K);
        assertTensor(y, new int[] {1, 1, 3, 4},
                178, 217, 145, 72,
                348, 393, 252, 120,
                528, 573, 360, 168);
    }

    @Test
    void twoGroups() {
        // 4 input channels of 2x2, 4 output channels, 1x1 kernels, 2 groups: outputs 0-1 see inputs 0-1 only,
        // outputs 2-3 see inputs 2-3 only.
        Tensor x = new Tensor(new float[] {
                1, 2, 3, 4,     // c0
                5, 6, 7, 8,     // c1
                -1, 0, 1, 2,    // c2
                2, 2, 2, 2},    // c3
                1, 4, 2, 2);
        Tensor w = new Tensor(new float[] {
                1, 2,           // k0 = 1*c0 + 2*c1
                0, -1,          // k1 = -c1
                3, -1,          // k2 = 3*c2 - c3
                0.5f, 0},       // k3 = 0.5*c2
                4, 2, 1, 1);
        Tensor y = backend.apply(Conv2d.of(1, 0).withGroups(2), x, w);
        assertTensor(y, new int[] {1, 4, 2, 2},
                11, 14, 17, 20,
                -5, -6, -7, -8,
                -5, -2, 1, 4,
                -0.5, 0, 0.5, 1);
    }

    @Test
    void depthwise() {
        // groups = C = K = 2: each channel is convolved with its own 2x2 kernel.
        Tensor x = new Tensor(new float[] {
                1, 2, 3, 4, 5, 6, 7, 8, 9,      // c0
                9, 8, 7, 6, 5, 4, 3, 2, 1},     // c1
                1, 2, 3, 3);
        Tensor w = new Tensor(new float[] {1, 2, 3, 4, 2, 0, 0, 1}, 2, 1, 2, 2);
        // c0 with [[1,2],[3,4]]: (0,0) 1+4+12+20 = 37, (0,1) 2+6+15+24 = 47, (1,0) 4+10+21+32 = 67, (1,1) 77.
        // c1 with [[2,0],[0,1]]: (0,0) 18+5 = 23, (0,1) 16+4 = 20, (1,0) 12+2 = 14, (1,1) 10+1 = 11.
        Tensor y = backend.apply(Conv2d.of(1, 0).withGroups(2), x, w);
        assertTensor(y, new int[] {1, 2, 2, 2}, 37, 47, 67, 77, 23, 20, 14, 11);
    }

    @Test
    void biasAndFusedRelu() {
        // 1x1 kernels 2 and -1, bias 1 and 0.5, on x = [1, -2, 3, -4]:
        // k0 = 2x + 1   = [3, -3, 7, -7]           -> ReLU [3, 0, 7, 0]
        // k1 = -x + 0.5 = [-0.5, 2.5, -2.5, 4.5]   -> ReLU [0, 2.5, 0, 4.5]
        Tensor x = new Tensor(new float[] {1, -2, 3, -4}, 1, 1, 2, 2);
        Tensor w = new Tensor(new float[] {2, -1}, 2, 1, 1, 1);
        Tensor b = new Tensor(new float[] {1, 0.5f}, 2);
        assertTensor(backend.apply(Conv2d.of(1, 0), x, w, b), new int[] {1, 2, 2, 2},
                3, -3, 7, -7, -0.5, 2.5, -2.5, 4.5);
        assertTensor(backend.apply(Conv2d.of(1, 0).withRelu(true), x, w, b), new int[] {1, 2, 2, 2},
                3, 0, 7, 0, 0, 2.5, 0, 4.5);
        // With the 3x3 case: every output of the unpadded convolution plus 10.
        assertTensor(backend.apply(Conv2d.of(1, 0), X, K, new Tensor(new float[] {10}, 1)), new int[] {1, 1, 2, 2},
                358, 403, 538, 583);
    }

    @Test
    void networksMdExample() {
        // networks.md: a 32x32x3 input, ten 5x5 filters, pad 2 -> 32x32x10 output, 10*3*5*5 + 10 = 760 parameters.
        Tensor x = Tensor.random(1, -1, 1, 1, 3, 32, 32);
        Tensor w = Tensor.random(2, -1, 1, 10, 3, 5, 5);
        Tensor b = Tensor.random(3, -1, 1, 10);
        Conv2d op = Conv2d.of(1, 2);
        OpResult result = backend.run(op, List.of(x, w, b));
        assertArrayEquals(new int[] {1, 10, 32, 32}, result.output().shape());
        assertEquals(760, w.size() + b.size());
        assertEquals(10L * 32 * 32 * 3 * 5 * 5, op.macs(List.of(x.shape(), w.shape(), b.shape())));
        assertClose(NaiveConv.conv(op, x, w, b, 32, 32), result.output().data(), 1e-6, 1e-12);
    }
}
