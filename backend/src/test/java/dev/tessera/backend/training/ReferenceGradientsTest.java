package dev.tessera.backend.training;

import static dev.tessera.backend.TensorAssert.widen;
import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.tessera.backend.ConvProblem;
import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.TensorAssert;

/**
 * The reference backward operators against central finite differences of forward operators written in double
 * ({@link DoubleOps}), on random shapes (fixed seeds) with stride > 1, asymmetric padding, dilation, groups, odd sizes
 * and batch > 1. The loss is {@code sum(R * y)} for a random R, so R is the output gradient handed to the backward
 * operator. The bound (relative L2 1e-6) covers the float rounding of the analytic gradient (about 6e-8) and the
 * finite differences' O(eps^2) truncation; the operators are linear or smooth where probed (inputs are kept away
 * from ReLU's kink and from ties in max pooling).
 */
class ReferenceGradientsTest {
    private static final double BOUND = 1e-6;
    private final ReferenceTrainingBackend backend = new ReferenceTrainingBackend();

    static void assertGradient(double[] expected, Tensor actual, String what) {
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < expected.length; i++) {
            double d = actual.data()[i] - expected[i];
            diff += d * d;
            norm += expected[i] * expected[i];
        }
        assertEquals(expected.length, actual.size(), what);
        assertTrue(norm > 0, what + ": the expected gradient is all zero, so the check would prove nothing");
        double error = Math.sqrt(diff / norm);
        assertTrue(error <= BOUND, what + ": relative L2 error " + error + " above " + BOUND);
    }

    static Operator.Conv2d randomConv(SplittableRandom rnd, int groups) {
        int strideH = 1 + rnd.nextInt(2);
        int strideW = 1 + rnd.nextInt(3);
        return new Operator.Conv2d(strideH, strideW, rnd.nextInt(3), rnd.nextInt(2), rnd.nextInt(2), rnd.nextInt(3),
                1 + (rnd.nextInt(4) == 0 ? 1 : 0), 1, groups, false);
    }

    @Test
    void convolutionGradientsMatchFiniteDifferences() {
        SplittableRandom rnd = new SplittableRandom(51);
        for (int trial = 0; trial < 12; trial++) {
            int groups = trial % 4 == 3 ? 2 : 1;
            Operator.Conv2d op = randomConv(rnd, groups);
            int n = 1 + rnd.nextInt(2);
            int c = groups * (1 + rnd.nextInt(3));
            int k = groups * (1 + rnd.nextInt(3));
            int r = 1 + rnd.nextInt(3);
            int s = 1 + rnd.nextInt(3);
            int h = 4 + rnd.nextInt(5);
            int w = 3 + rnd.nextInt(6);
            int[] xs = {n, c, h, w};
            int[] ws = {k, c / groups, r, s};
            ConvProblem pr = ConvProblem.of(op, List.of(xs, ws));
            Tensor x = Tensor.random(100 + trial, -1, 1, xs);
            Tensor weight = Tensor.random(200 + trial, -1, 1, ws);
            Tensor dy = Tensor.random(300 + trial, -1, 1, pr.outputShape());
            double[] rWeights = widen(dy.data());
            String what = "conv " + op + " x " + x.shapeString() + " w " + weight.shapeString();

            double[] wd = widen(weight.data());
            double[] dx = DoubleOps.numericGradient(
                    v -> DoubleOps.dot(rWeights, DoubleOps.conv(op, v, xs, wd, ws, pr.p(), pr.q())),
                    widen(x.data()), 1e-3);
            assertGradient(dx, backend.convBackwardData(op, dy, weight, xs), "dx of " + what);

            double[] xd = widen(x.data());
            double[] dw = DoubleOps.numericGradient(
                    v -> DoubleOps.dot(rWeights, DoubleOps.conv(op, xd, xs, v, ws, pr.p(), pr.q())),
                    widen(weight.data()), 1e-3);
            assertGradient(dw, backend.convBackwardWeight(op, x, dy, ws), "dw of " + what);
        }
    }

    @Test
    void biasGradientIsThePerChannelSum() {
        Tensor dy = new Tensor(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 2, 2, 3);
        // channel 0: 1+2+3 + 7+8+9 = 30; channel 1: 4+5+6 + 10+11+12 = 48
        TensorAssert.assertTensor(backend.biasBackward(dy), new int[] {2}, 30, 48);
    }

    /** Random values whose pairwise gaps exceed 1e-3, so no max-pooling window is near a tie. */
    static Tensor distinctValues(long seed, int... shape) {
        Tensor t = Tensor.zeros(shape);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = (i - d.length / 2) * 0.01f;
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = d.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            float v = d[i];
            d[i] = d[j];
            d[j] = v;
        }
        return t;
    }

    @Test
    void poolingGradientsMatchFiniteDifferences() {
        SplittableRandom rnd = new SplittableRandom(52);
        for (int trial = 0; trial < 16; trial++) {
            Operator.Pool.Kind kind = trial % 2 == 0 ? Operator.Pool.Kind.MAX : Operator.Pool.Kind.AVG;
            int kh = 1 + rnd.nextInt(3);
            int kw = 1 + rnd.nextInt(3);
            Operator.Pool op = new Operator.Pool(kind, kh, kw, 1 + rnd.nextInt(2), 1 + rnd.nextInt(3),
                    rnd.nextInt(kh), rnd.nextInt(kh), rnd.nextInt(kw), rnd.nextInt(kw), trial % 4 == 1);
            int[] xs = {1 + rnd.nextInt(2), 1 + rnd.nextInt(3), 3 + rnd.nextInt(5), 3 + rnd.nextInt(5)};
            int[] ys = op.outputShape(List.of(xs));
            Tensor x = distinctValues(400 + trial, xs);
            Tensor dy = Tensor.random(500 + trial, -1, 1, ys);
            double[] rWeights = widen(dy.data());
            double[] dx = DoubleOps.numericGradient(
                    v -> DoubleOps.dot(rWeights, DoubleOps.pool(op, v, xs, ys[2], ys[3])), widen(x.data()), 1e-4);
            assertGradient(dx, backend.poolBackward(op, x, dy), op + " on " + x.shapeString());
        }
    }

    @Test
    void maxPoolingRoutesATieToTheFirstLargestCell() {
        Operator.Pool op = Operator.Pool.of(Operator.Pool.Kind.MAX, 2, 2, 0);
        Tensor x = new Tensor(new float[] {0, 3, 3, 1}, 1, 1, 2, 2);
        Tensor dy = new Tensor(new float[] {5}, 1, 1, 1, 1);
        TensorAssert.assertTensor(backend.poolBackward(op, x, dy), new int[] {1, 1, 2, 2}, 0, 5, 0, 0);
    }

    @Test
    void activationGradientsMatchFiniteDifferences() {
        Tensor x = Tensor.random(61, -2, 2, 2, 3, 4, 5);
        for (float v : x.data()) {
            assumeAwayFromZero(v);
        }
        Tensor dy = Tensor.random(62, -1, 1, x.shape());
        double[] rWeights = widen(dy.data());
        Tensor relu = backend.forward().run(new Operator.Relu(), List.of(x)).output();
        double[] dRelu = DoubleOps.numericGradient(v -> {
            double[] y = v.clone();
            for (int i = 0; i < y.length; i++) {
                y[i] = Math.max(y[i], 0);
            }
            return DoubleOps.dot(rWeights, y);
        }, widen(x.data()), 1e-4);
        assertGradient(dRelu, backend.reluBackward(relu, dy), "relu");

        Tensor tanh = backend.forward().run(new Operator.Tanh(), List.of(x)).output();
        double[] dTanh = DoubleOps.numericGradient(v -> {
            double[] y = v.clone();
            for (int i = 0; i < y.length; i++) {
                y[i] = Math.tanh(y[i]);
            }
            return DoubleOps.dot(rWeights, y);
        }, widen(x.data()), 1e-4);
        assertGradient(dTanh, backend.tanhBackward(tanh, dy), "tanh");
    }

    private static void assumeAwayFromZero(float v) {
        assertTrue(Math.abs(v) > 1e-3, "seed 61 gives an input too close to ReLU's kink: " + v);
    }

    @Test
    void fullyConnectedGradientsMatchFiniteDifferences() {
        int n = 3;
        int outputs = 5;
        int[] xs = {n, 2, 3, 2};
        Tensor x = Tensor.random(71, -1, 1, xs);
        Tensor weight = Tensor.random(72, -1, 1, outputs, 12);
        Tensor dy = Tensor.random(73, -1, 1, n, outputs);
        double[] rWeights = widen(dy.data());
        double[] wd = widen(weight.data());
        double[] dx = DoubleOps.numericGradient(v -> DoubleOps.dot(rWeights, DoubleOps.fc(v, n, wd, outputs)),
                widen(x.data()), 1e-3);
        Tensor actualDx = backend.fcBackwardData(dy, weight, xs);
        assertArrayEquals(xs, actualDx.shape());
        assertGradient(dx, actualDx, "fc dx");
        double[] xd = widen(x.data());
        double[] dw = DoubleOps.numericGradient(v -> DoubleOps.dot(rWeights, DoubleOps.fc(xd, n, v, outputs)),
                widen(weight.data()), 1e-3);
        assertGradient(dw, backend.fcBackwardWeight(x, dy), "fc dw");
    }

    @Test
    void softmaxCrossEntropyMatchesFiniteDifferencesAndCountsHits() {
        Tensor logits = Tensor.random(81, -3, 3, 4, 10);
        int[] labels = {3, 0, 9, 5};
        LossResult result = backend.softmaxCrossEntropy(logits, labels);
        double[] z = widen(logits.data());
        assertEquals(DoubleOps.crossEntropy(z, labels), result.meanLoss(), 1e-12);
        double[] dz = DoubleOps.numericGradient(v -> DoubleOps.crossEntropy(v, labels), z, 1e-4);
        assertGradient(dz, result.gradient(), "softmax cross-entropy");
        int expectedCorrect = 0;
        for (int n = 0; n < labels.length; n++) {
            int best = 0;
            for (int c = 1; c < 10; c++) {
                best = z[n * 10 + c] > z[n * 10 + best] ? c : best;
            }
            expectedCorrect += best == labels[n] ? 1 : 0;
        }
        assertEquals(expectedCorrect, result.correct());
    }

    @Test
    void softmaxCrossEntropyRejectsLabelsOutsideTheClasses() {
        Tensor logits = Tensor.zeros(2, 10);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> backend.softmaxCrossEntropy(logits, new int[] {1, 10}));
        assertTrue(e.getMessage().contains("label 10"), e.getMessage());
    }

    @Test
    void sgdStepMatchesAHandComputedCaseAndKeepsMaskedWeights() {
        Tensor weight = new Tensor(new float[] {1f, 0f}, 2);
        Tensor velocity = new Tensor(new float[] {0.5f, 0f}, 2);
        Tensor gradient = new Tensor(new float[] {0.2f, 0.7f}, 2);
        Tensor mask = new Tensor(new float[] {1f, 0f}, 2);
        backend.sgdStep(weight, velocity, gradient, mask, new SgdSettings(0.1, 0.9, 0.01));
        // v = 0.9 * 0.5 + (0.2 + 0.01 * 1) = 0.66; w = 1 - 0.1 * 0.66 = 0.934; the masked entry stays 0
        TensorAssert.assertTensor(velocity, new int[] {2}, 0.66, 0);
        TensorAssert.assertTensor(weight, new int[] {2}, 0.934, 0);
    }
}
