package dev.tessera.backend.reference;

import static dev.tessera.backend.TensorAssert.assertTensor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import org.junit.jupiter.api.Test;

import dev.tessera.backend.Operator.Add;
import dev.tessera.backend.Operator.BatchNorm;
import dev.tessera.backend.Operator.BiasAdd;
import dev.tessera.backend.Operator.Flatten;
import dev.tessera.backend.Operator.FullyConnected;
import dev.tessera.backend.Operator.Lrn;
import dev.tessera.backend.Operator.Relu;
import dev.tessera.backend.Operator.Softmax;
import dev.tessera.backend.Operator.Tanh;
import dev.tessera.backend.Tensor;

/** The non-convolution operators on hand-worked inputs. */
class ReferenceOperatorsTest {
    private final ReferenceBackend backend = new ReferenceBackend();

    /** 4 channels at 2 positions: position 0 holds a = [1, 2, 3, 4], position 1 holds [-1, 0.5, 2, -3]. */
    private static final Tensor LRN_INPUT = new Tensor(new float[] {1, -1, 2, 0.5f, 3, 2, 4, -3}, 1, 4, 1, 2);

    /**
     * LRN with n = 3 over 4 channels: channel c sums squares over c-1..c+1 clipped to 0..3.
     * Position 0, squares [1, 4, 9, 16]: c0 sums 1+4 = 5, c1 1+4+9 = 14, c2 4+9+16 = 29, c3 9+16 = 25.
     * Position 1, squares [1, 0.25, 4, 9]: c0 1.25, c1 5.25, c2 13.25, c3 13.
     */
    private static double[] lrnExpected(double k, double alphaPrime, double beta) {
        double[] a = {1, -1, 2, 0.5, 3, 2, 4, -3};
        double[] sums = {5, 1.25, 14, 5.25, 29, 13.25, 25, 13};
        double[] b = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            b[i] = a[i] / Math.pow(k + alphaPrime * sums[i], beta);
        }
        return b;
    }

    @Test
    void lrnPaperConvention() {
        // b = a / (k + alpha * sum)^beta with k = 1, alpha = 0.3, beta = 0.75.
        // e.g. position 0, c0: 1 / (1 + 0.3 * 5)^0.75 = 1 / 2.5^0.75 = 0.50297...
        Tensor y = backend.apply(new Lrn(3, 0.3, 0.75, 1.0, false), LRN_INPUT);
        assertTensor(y, new int[] {1, 4, 1, 2}, lrnExpected(1.0, 0.3, 0.75));
        assertEquals(1 / Math.pow(2.5, 0.75), y.data()[0], 1e-6);
    }

    @Test
    void lrnAlphaOverSizeConvention() {
        // Caffe / PyTorch: alpha' = alpha / n = 0.3 / 3 = 0.1; position 0, c0: 1 / (1 + 0.1 * 5)^0.75 = 1 / 1.5^0.75
        Tensor y = backend.apply(new Lrn(3, 0.3, 0.75, 1.0, true), LRN_INPUT);
        assertTensor(y, new int[] {1, 4, 1, 2}, lrnExpected(1.0, 0.1, 0.75));
        assertEquals(1 / Math.pow(1.5, 0.75), y.data()[0], 1e-6);
    }

    @Test
    void lrnAlexNetValues() {
        // n = 5 reaches 2 channels each way, so c1 and c2 see all 4 channels:
        // sums of squares are c0 1+4+9 = 14, c1 30, c2 30, c3 4+9+16 = 29
        double[] a = {1, 2, 3, 4};
        double[] sums = {14, 30, 30, 29};
        double[] expected = new double[4];
        for (int c = 0; c < 4; c++) {
            expected[c] = a[c] / Math.pow(2 + 1e-4 * sums[c], 0.75);
        }
        Tensor x = new Tensor(new float[] {1, 2, 3, 4}, 1, 4, 1, 1);
        assertTensor(backend.apply(Lrn.alexNet(), x), new int[] {1, 4, 1, 1}, expected);
    }

    @Test
    void concatStacksChannelsImageByImage() {
        // a [2, 1, 1, 2] and b [2, 2, 1, 2]: image 0 is a's channel then b's two, then image 1 the same
        Tensor a = new Tensor(new float[] {1, 2, 3, 4}, 2, 1, 1, 2);
        Tensor b = new Tensor(new float[] {10, 11, 12, 13, 20, 21, 22, 23}, 2, 2, 1, 2);
        assertTensor(backend.apply(new dev.tessera.backend.Operator.Concat(), a, b), new int[] {2, 3, 1, 2},
                1, 2, 10, 11, 12, 13, 3, 4, 20, 21, 22, 23);
    }

    @Test
    void softmaxKnownValues() {
        // softmax([1, 2, 3]) = [0.09003057, 0.24472847, 0.66524096]; [1000, 1001, 1002] is the same after shifting.
        Tensor x = new Tensor(new float[] {1, 2, 3, 1000, 1001, 1002}, 2, 3);
        assertTensor(backend.apply(new Softmax(), x), new int[] {2, 3},
                0.09003057, 0.24472847, 0.66524096, 0.09003057, 0.24472847, 0.66524096);
    }

    @Test
    void softmaxOfLargeInputsDoesNotOverflow() {
        // exp(1000) overflows a double; shifted by the maximum: [e^-1, 1] / (1 + e^-1) = [0.26894142, 0.73105858]
        assertTensor(backend.apply(new Softmax(), new Tensor(new float[] {1000, 1001}, 1, 2)), new int[] {1, 2},
                0.26894142, 0.73105858);
        assertTensor(backend.apply(new Softmax(), new Tensor(new float[] {-1000, -1001}, 1, 2, 1, 1)),
                new int[] {1, 2, 1, 1}, 0.73105858, 0.26894142);
    }

    @Test
    void fullyConnectedWithBias() {
        // x = [[1, 2, 3], [-1, 0, 2]], W = [[1, 0, -1], [0.5, 2, 1]], b = [0.5, -1]
        // y[0] = [1 - 3 + 0.5, 0.5 + 4 + 3 - 1] = [-1.5, 6.5]; y[1] = [-1 - 2 + 0.5, -0.5 + 2 - 1] = [-2.5, 0.5]
        Tensor x = new Tensor(new float[] {1, 2, 3, -1, 0, 2}, 2, 3);
        Tensor w = new Tensor(new float[] {1, 0, -1, 0.5f, 2, 1}, 2, 3);
        Tensor b = new Tensor(new float[] {0.5f, -1}, 2);
        assertTensor(backend.apply(new FullyConnected(false), x, w, b), new int[] {2, 2}, -1.5, 6.5, -2.5, 0.5);
        assertTensor(backend.apply(new FullyConnected(true), x, w, b), new int[] {2, 2}, 0, 6.5, 0, 0.5);
        // without bias: [-2, 7.5, -3, 1.5]
        assertTensor(backend.apply(new FullyConnected(false), x, w), new int[] {2, 2}, -2, 7.5, -3, 1.5);
        // a [N, C, H, W] input is flattened: [2, 3, 1, 1] gives the same
        assertTensor(backend.apply(new FullyConnected(false), x.reshape(2, 3, 1, 1), w, b), new int[] {2, 2},
                -1.5, 6.5, -2.5, 0.5);
    }

    @Test
    void batchNorm() {
        // x channel 0 = [1, 3], channel 1 = [-2, 4]; gamma [2, 0.5], beta [1, -1], mean [2, 1], var [3, 3], eps 1:
        // channel 0: 2 (x - 2) / sqrt(4) + 1 = x - 1        -> [0, 2]
        // channel 1: 0.5 (x - 1) / sqrt(4) - 1 = (x-1)/4 - 1 -> [-1.75, -0.25]
        Tensor x = new Tensor(new float[] {1, 3, -2, 4}, 1, 2, 1, 2);
        Tensor gamma = new Tensor(new float[] {2, 0.5f}, 2);
        Tensor beta = new Tensor(new float[] {1, -1}, 2);
        Tensor mean = new Tensor(new float[] {2, 1}, 2);
        Tensor var = new Tensor(new float[] {3, 3}, 2);
        assertTensor(backend.apply(new BatchNorm(1.0), x, gamma, beta, mean, var), new int[] {1, 2, 1, 2},
                0, 2, -1.75, -0.25);
        // the usual epsilon, by the formula: channel 0, x = 1: 2 * (1 - 2) / sqrt(3 + 1e-5) + 1
        double c0 = 2 / Math.sqrt(3 + 1e-5);
        double c1 = 0.5 / Math.sqrt(3 + 1e-5);
        assertTensor(backend.apply(new BatchNorm(1e-5), x, gamma, beta, mean, var), new int[] {1, 2, 1, 2},
                -c0 + 1, c0 + 1, -3 * c1 - 1, 3 * c1 - 1);
    }

    @Test
    void elementWise() {
        Tensor x = new Tensor(new float[] {-2, -0.5f, 0, 0.5f, 3, 1}, 1, 2, 3);
        assertTensor(backend.apply(new Relu(), x), new int[] {1, 2, 3}, 0, 0, 0, 0.5, 3, 1);
        assertTensor(backend.apply(new Tanh(), x), new int[] {1, 2, 3},
                -0.96402758, -0.46211716, 0, 0.46211716, 0.99505475, 0.76159416);
        Tensor other = new Tensor(new float[] {1, 1, 1, -1, -4, 0}, 1, 2, 3);
        assertTensor(backend.apply(new Add(false), x, other), new int[] {1, 2, 3}, -1, 0.5, 1, -0.5, -1, 1);
        assertTensor(backend.apply(new Add(true), x, other), new int[] {1, 2, 3}, 0, 0.5, 1, 0, 0, 1);
        // bias per channel of [1, 2, 3]: channel 0 + 10, channel 1 - 1
        assertTensor(backend.apply(new BiasAdd(), x, new Tensor(new float[] {10, -1}, 2)), new int[] {1, 2, 3},
                8, 9.5, 10, -0.5, 2, 0);
    }

    @Test
    void flattenCopiesInOrder() {
        Tensor x = new Tensor(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 2, 2, 1, 2);
        Tensor y = backend.apply(new Flatten(), x);
        assertTensor(y, new int[] {2, 4}, 1, 2, 3, 4, 5, 6, 7, 8);
        assertNotSame(x.data(), y.data());
    }
}
