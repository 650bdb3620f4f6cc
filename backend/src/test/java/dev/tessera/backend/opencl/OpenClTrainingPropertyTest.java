package dev.tessera.backend.opencl;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.tessera.backend.Accuracy;
import dev.tessera.backend.ConvProblem;
import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.Tolerances;
import dev.tessera.backend.training.LossResult;
import dev.tessera.backend.training.ReferenceTrainingBackend;
import dev.tessera.backend.training.SgdSettings;
import dev.tessera.opencl.LiveResources;
import dev.tessera.opencl.ProgramCache;

/**
 * Every OpenCL backward operator against the double-precision reference ({@link ReferenceTrainingBackend}, itself
 * checked against finite differences) on random shapes with fixed seeds: stride > 1, asymmetric padding, dilation,
 * groups, odd sizes, 1x1 kernels, batch > 1, and max pooling over ReLU outputs full of ties. Float32 sums must be
 * within {@link Tolerances}' 1e-5 relative L2 (the loss, which uses the device's exp and log, too).
 */
class OpenClTrainingPropertyTest {
    private static OpenClTrainingBackend opencl;
    private static ReferenceTrainingBackend reference;

    @BeforeAll
    static void open() {
        opencl = OpenClTrainingBackend.open(TestDevices.device(), ProgramCache.defaultCache(), null);
        reference = new ReferenceTrainingBackend();
    }

    @AfterAll
    static void close() {
        opencl.close();
        assertEquals(0, LiveResources.buffers(), "no buffer leaked: " + LiveResources.summary());
    }

    static void assertMatches(Tensor expected, Tensor actual, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what);
        Accuracy accuracy = Accuracy.of(actual, expected);
        double bound = Tolerances.relativeL2("backward");
        assertTrue(accuracy.relativeL2() <= bound, what + ": " + accuracy + " above " + bound);
    }

    @Test
    void convolutionGradientsMatchTheReference() {
        SplittableRandom rnd = new SplittableRandom(61);
        for (int trial = 0; trial < 40; trial++) {
            int groups = trial % 5 == 4 ? (rnd.nextBoolean() ? 2 : 3) : 1;
            int r = trial % 7 == 6 ? 1 : 1 + rnd.nextInt(5);
            int s = trial % 7 == 6 ? 1 : 1 + rnd.nextInt(5);
            Operator.Conv2d op = new Operator.Conv2d(1 + rnd.nextInt(3), 1 + rnd.nextInt(3),
                    rnd.nextInt(Math.min(r, 3)), rnd.nextInt(Math.min(r, 3)), rnd.nextInt(Math.min(s, 3)),
                    rnd.nextInt(Math.min(s, 3)), rnd.nextInt(5) == 0 ? 2 : 1, rnd.nextInt(5) == 0 ? 2 : 1, groups,
                    false);
            int[] xs = {1 + rnd.nextInt(3), groups * (1 + rnd.nextInt(5)), 9 + rnd.nextInt(12), 9 + rnd.nextInt(12)};
            int[] ws = {groups * (1 + rnd.nextInt(6)), xs[1] / groups, r, s};
            ConvProblem pr = ConvProblem.of(op, List.of(xs, ws));
            Tensor x = Tensor.random(1000 + trial, -1, 1, xs);
            Tensor w = Tensor.random(2000 + trial, -1, 1, ws);
            Tensor dy = Tensor.random(3000 + trial, -1, 1, pr.outputShape());
            String what = op + " x " + Tensor.shapeString(xs) + " w " + Tensor.shapeString(ws);
            assertMatches(reference.convBackwardData(op, dy, w, xs), opencl.convBackwardData(op, dy, w, xs),
                    "dx of " + what);
            assertMatches(reference.convBackwardWeight(op, x, dy, ws), opencl.convBackwardWeight(op, x, dy, ws),
                    "dw of " + what);
            assertMatches(reference.biasBackward(dy), opencl.biasBackward(dy), "bias of " + what);
        }
    }

    @Test
    void poolingGradientsMatchTheReference() {
        SplittableRandom rnd = new SplittableRandom(62);
        for (int trial = 0; trial < 40; trial++) {
            Operator.Pool.Kind kind = trial % 2 == 0 ? Operator.Pool.Kind.MAX : Operator.Pool.Kind.AVG;
            int kh = 1 + rnd.nextInt(4);
            int kw = 1 + rnd.nextInt(4);
            Operator.Pool op = new Operator.Pool(kind, kh, kw, 1 + rnd.nextInt(3), 1 + rnd.nextInt(3),
                    rnd.nextInt(kh), rnd.nextInt(kh), rnd.nextInt(kw), rnd.nextInt(kw), rnd.nextBoolean());
            int[] xs = {1 + rnd.nextInt(3), 1 + rnd.nextInt(5), 5 + rnd.nextInt(12), 5 + rnd.nextInt(12)};
            Tensor x = Tensor.random(4000 + trial, -1, 1, xs);
            if (trial % 4 == 0) {
                x = reference.forward().run(new Operator.Relu(), List.of(x)).output(); // many tied zeros
            }
            Tensor dy = Tensor.random(5000 + trial, -1, 1, op.outputShape(List.of(xs)));
            assertMatches(reference.poolBackward(op, x, dy), opencl.poolBackward(op, x, dy),
                    op + " on " + x.shapeString());
        }
    }

    @Test
    void activationGradientsMatchTheReference() {
        Tensor x = Tensor.random(63, -2, 2, 3, 5, 7, 9);
        Tensor dy = Tensor.random(64, -1, 1, x.shape());
        Tensor relu = reference.forward().run(new Operator.Relu(), List.of(x)).output();
        assertMatches(reference.reluBackward(relu, dy), opencl.reluBackward(relu, dy), "relu");
        Tensor tanh = reference.forward().run(new Operator.Tanh(), List.of(x)).output();
        assertMatches(reference.tanhBackward(tanh, dy), opencl.tanhBackward(tanh, dy), "tanh");
    }

    @Test
    void fullyConnectedGradientsMatchTheReference() {
        SplittableRandom rnd = new SplittableRandom(65);
        for (int trial = 0; trial < 10; trial++) {
            int n = 1 + rnd.nextInt(9);
            int[] xs = trial % 2 == 0 ? new int[] {n, 1 + rnd.nextInt(300)}
                    : new int[] {n, 1 + rnd.nextInt(7), 1 + rnd.nextInt(5), 1 + rnd.nextInt(5)};
            int features = (int) (Tensor.sizeOf(xs) / n);
            int outputs = 1 + rnd.nextInt(130);
            Tensor x = Tensor.random(6000 + trial, -1, 1, xs);
            Tensor w = Tensor.random(7000 + trial, -1, 1, outputs, features);
            Tensor dy = Tensor.random(8000 + trial, -1, 1, n, outputs);
            String what = "fc x " + x.shapeString() + " w " + w.shapeString();
            assertMatches(reference.fcBackwardData(dy, w, xs), opencl.fcBackwardData(dy, w, xs), "dx of " + what);
            assertMatches(reference.fcBackwardWeight(x, dy), opencl.fcBackwardWeight(x, dy), "dw of " + what);
            assertMatches(reference.biasBackward(dy), opencl.biasBackward(dy), "bias of " + what);
        }
    }

    @Test
    void softmaxCrossEntropyMatchesTheReference() {
        SplittableRandom rnd = new SplittableRandom(66);
        for (int trial = 0; trial < 5; trial++) {
            int n = 1 + rnd.nextInt(70);
            int classes = 2 + rnd.nextInt(12);
            Tensor logits = Tensor.random(9000 + trial, -8, 8, n, classes);
            int[] labels = rnd.ints(n, 0, classes).toArray();
            LossResult expected = reference.softmaxCrossEntropy(logits, labels);
            LossResult actual = opencl.softmaxCrossEntropy(logits, labels);
            assertEquals(expected.meanLoss(), actual.meanLoss(), 1e-5 * Math.abs(expected.meanLoss()), "loss");
            assertEquals(expected.correct(), actual.correct(), "correct rows");
            assertMatches(expected.gradient(), actual.gradient(), "gradient of " + logits.shapeString());
        }
    }

    @Test
    void sgdStepMatchesTheReferenceWithAndWithoutMask() {
        for (boolean masked : new boolean[] {false, true}) {
            Tensor weight = Tensor.random(67, -1, 1, 4, 3, 5, 5);
            Tensor velocity = Tensor.random(68, -1, 1, weight.shape());
            Tensor gradient = Tensor.random(69, -1, 1, weight.shape());
            Tensor mask = null;
            if (masked) {
                mask = Tensor.random(70, 0, 2, weight.shape());
                for (int i = 0; i < mask.size(); i++) {
                    mask.data()[i] = mask.data()[i] < 1 ? 0f : 1f;
                }
            }
            SgdSettings settings = new SgdSettings(0.05, 0.9, 5e-4);
            Tensor expectedW = weight.copy();
            Tensor expectedV = velocity.copy();
            reference.sgdStep(expectedW, expectedV, gradient, mask, settings);
            Tensor keptW = weight.copy();
            opencl.sgdStep(weight, velocity, gradient, mask, settings);
            assertMatches(expectedW, weight, "weight, masked " + masked);
            assertMatches(expectedV, velocity, "velocity, masked " + masked);
            for (int i = 0; masked && i < mask.size(); i++) {
                if (mask.data()[i] == 0f) {
                    assertEquals(keptW.data()[i], weight.data()[i], "masked weight " + i + " unchanged");
                }
            }
        }
    }
}
