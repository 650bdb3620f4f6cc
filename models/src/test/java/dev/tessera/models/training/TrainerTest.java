package dev.tessera.models.training;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.tessera.backend.Tensor;
import dev.tessera.backend.training.LossResult;
import dev.tessera.backend.training.ReferenceTrainingBackend;
import dev.tessera.backend.training.SgdSettings;
import dev.tessera.models.Layer;
import dev.tessera.models.Model;
import dev.tessera.models.ModelZoo;
import dev.tessera.models.Parameter;
import dev.tessera.models.data.Mnist;
import dev.tessera.models.data.NpmSplit;

/**
 * The trainer on the reference backend: its backpropagation through whole models against finite differences of the
 * loss, a short training run on a subset of the npm digits (a lower bar than the committed weights' 98.5%, to stay
 * fast), and determinism for a seed.
 */
class TrainerTest {
    private static NpmSplit split;

    @BeforeAll
    static void load() {
        split = NpmSplit.load();
    }

    private static Mnist first(Mnist data, int count) {
        return data.subset(IntStream.range(0, count).toArray());
    }

    /**
     * For a sample of entries of every parameter: the analytic gradient of the mean loss against central differences
     * of the loss computed by forward passes, on random images (real digits' zero background makes max-pooling
     * windows of exactly tied values, where the loss has kinks that finite differences cannot follow). The forward
     * passes round to float after every layer, so the differences carry an error of about 1e-7 * loss / eps; the bound (relative L2 over the sample) allows for it while catching
     * any error in the chaining (a wrong transpose, layout or missing term is off by O(1)). Masked entries (the
     * classic's C3 table) must have gradient exactly 0.
     */
    private static void checkGradients(String modelName, double eps, double bound) {
        Model model = withRandomBiases(ModelZoo.build(modelName).initialise(7));
        int[] labels = {3, 8, 1};
        Tensor images = Trainer.fitInput(Tensor.random(9, 0, 1, 3, 1, 28, 28), model.inputShape());
        try (ReferenceTrainingBackend backend = new ReferenceTrainingBackend()) {
            Trainer trainer = new Trainer(backend, settings(1, 3, 0.01, 0));
            Trainer.BatchGradients analytic = trainer.gradients(model, images, labels);
            SplittableRandom rnd = new SplittableRandom(8);
            double diff = 0;
            double norm = 0;
            int masked = 0;
            for (Layer layer : model.layers()) {
                for (Parameter p : layer.parameters()) {
                    Tensor gradient = analytic.gradients().get(p);
                    assertNotNull(gradient, layer.name() + "." + p.name() + " has a gradient");
                    if (p.mask() != null) {
                        for (int i = 0; i < gradient.size(); i++) {
                            if (p.mask().data()[i] == 0f) {
                                assertEquals(0f, gradient.data()[i], "masked entry " + i + " of " + layer.name());
                                masked++;
                            }
                        }
                    }
                    float[] values = p.value().data();
                    for (int sample = 0; sample < 6; sample++) {
                        int i = rnd.nextInt(values.length);
                        if (p.mask() != null && p.mask().data()[i] == 0f) {
                            continue;
                        }
                        float keep = values[i];
                        values[i] = (float) (keep + eps);
                        double plus = loss(backend, model, images, labels);
                        values[i] = (float) (keep - eps);
                        double minus = loss(backend, model, images, labels);
                        values[i] = keep;
                        double numeric = (plus - minus) / (2 * eps);
                        diff += Math.pow(gradient.data()[i] - numeric, 2);
                        norm += numeric * numeric;
                    }
                }
            }
            double error = Math.sqrt(diff / norm);
            assertTrue(error <= bound, modelName + ": relative L2 error " + error + " above " + bound);
            assertEquals(modelName.equals("lenet5-classic") ? 16 * 6 * 25 - 60 * 25 : 0, masked,
                    "masked-out C3 weights (16 x 6 maps less the 60 connections, 25 taps each)");
        }
    }

    /**
     * The model with biases uniform in +-0.1 instead of 0: with zero biases the zero background of the digits makes
     * convolution outputs exactly 0, on ReLU's kink, where finite differences see half a slope.
     */
    private static Model withRandomBiases(Model model) {
        List<Layer> layers = new ArrayList<>();
        int seed = 0;
        for (Layer layer : model.layers()) {
            List<Parameter> ps = new ArrayList<>();
            for (Parameter p : layer.parameters()) {
                ps.add(p.name().equals("bias") ? p.withValue(Tensor.random(seed++, -0.1f, 0.1f, p.shape())) : p);
            }
            layers.add(new Layer(layer.name(), layer.op(), layer.inputs(), ps));
        }
        return new Model(model.name(), model.inputShape(), layers);
    }

    private static double loss(ReferenceTrainingBackend backend, Model model, Tensor images, int[] labels) {
        LossResult loss = backend.softmaxCrossEntropy(model.forward(backend.forward(), images), labels);
        return loss.meanLoss();
    }

    private static TrainingSettings settings(int epochs, int batch, double rate, int shift) {
        return new TrainingSettings(epochs, batch, new SgdSettings(rate, 0.9, 5e-4),
                TrainingSettings.Schedule.CONSTANT, 11, shift);
    }

    @Test
    void lenet5GradientsMatchFiniteDifferences() {
        checkGradients("lenet5", 1e-3, 1e-2);
    }

    @Test
    void classicLenet5GradientsMatchFiniteDifferencesAndMaskedEntriesStayZero() {
        checkGradients("lenet5-classic", 1e-2, 1e-2);
    }

    @Test
    void trainingOnASubsetLearnsTheDigits() {
        Mnist train = first(split.train(), 1000);
        Mnist test = first(split.test(), 500);
        List<EpochResult> epochs = new ArrayList<>();
        try (ReferenceTrainingBackend backend = new ReferenceTrainingBackend()) {
            Model trained = new Trainer(backend, settings(2, 16, 0.01, 0)).train(ModelZoo.build("lenet5").initialise(1),
                    train, test, new TrainingListener() {
                        @Override
                        public void epochDone(EpochResult result) {
                            epochs.add(result);
                        }
                    });
            assertEquals(2, epochs.size());
            assertTrue(epochs.get(1).trainLoss() < epochs.get(0).trainLoss(), "the loss falls: " + epochs);
            // the figure the listener heard is the model's accuracy on the held-out digits, recomputed here
            Trainer.Evaluation evaluation = Trainer.evaluate(backend, trained, test, 100);
            assertEquals(epochs.get(1).testAccuracy(), evaluation.accuracy(), 1e-12);
            // a lower bar than the full run's 98.5% (chance is 10%): 89.2% measured with these settings
            assertTrue(evaluation.accuracy() > 0.85, "held-out accuracy after 2 epochs on 1000 digits: "
                    + evaluation.accuracy());
        }
    }

    @Test
    void trainingIsDeterministicForASeedOnTheReference() {
        Mnist train = first(split.train(), 192);
        Mnist test = first(split.test(), 50);
        try (ReferenceTrainingBackend backend = new ReferenceTrainingBackend()) {
            Model initial = ModelZoo.build("lenet5").initialise(3);
            float[] before = initial.layers().get(0).parameters().get(0).value().data().clone();
            Model a = new Trainer(backend, settings(1, 64, 0.05, 2)).train(initial, train, test, TrainingListener.NONE);
            Model b = new Trainer(backend, settings(1, 64, 0.05, 2)).train(initial, train, test, TrainingListener.NONE);
            TrainingSettings otherSeed = new TrainingSettings(1, 64, new SgdSettings(0.05, 0.9, 5e-4),
                    TrainingSettings.Schedule.CONSTANT, 12, 2);
            Model c = new Trainer(backend, otherSeed).train(initial, train, test, TrainingListener.NONE);
            float[] wa = a.layers().get(0).parameters().get(0).value().data();
            float[] wb = b.layers().get(0).parameters().get(0).value().data();
            float[] wc = c.layers().get(0).parameters().get(0).value().data();
            float[] w0 = initial.layers().get(0).parameters().get(0).value().data();
            assertArrayEquals(wa, wb, "same seed, same weights bit for bit");
            assertFalse(java.util.Arrays.equals(wa, wc), "another shuffling seed gives other weights");
            assertFalse(java.util.Arrays.equals(wa, w0), "training changed the weights");
            assertArrayEquals(before, w0, "the caller's model is not changed");
        }
    }

    @Test
    void fitInputCentresDigitsInAZeroBorder() {
        Tensor image = Tensor.zeros(1, 1, 28, 28);
        image.set(0.5f, 0, 0, 0, 0);
        image.set(0.25f, 0, 0, 27, 27);
        Tensor padded = Trainer.fitInput(image, new int[] {1, 32, 32});
        assertArrayEquals(new int[] {1, 1, 32, 32}, padded.shape());
        assertEquals(0.5f, padded.get(0, 0, 2, 2));
        assertEquals(0.25f, padded.get(0, 0, 29, 29));
        double sum = 0;
        for (float v : padded.data()) {
            sum += v;
        }
        assertEquals(0.75, sum, 0.0, "nothing else is set");
        assertSame(image, Trainer.fitInput(image, new int[] {1, 28, 28}));
    }

    @Test
    void shiftMovesEachImageByItsDrawnOffset() {
        Tensor image = Tensor.zeros(2, 1, 5, 5);
        image.set(1f, 0, 0, 2, 2);
        image.set(2f, 1, 0, 0, 0);
        SplittableRandom draws = new SplittableRandom(4);
        int[] offsets = {draws.nextInt(5) - 2, draws.nextInt(5) - 2, draws.nextInt(5) - 2, draws.nextInt(5) - 2};
        Tensor moved = Trainer.shifted(image, 2, new SplittableRandom(4));
        assertEquals(1f, moved.get(0, 0, 2 + offsets[0], 2 + offsets[1]));
        int row = offsets[2];
        int col = offsets[3];
        double expectedSum = 1 + (row >= 0 && col >= 0 ? 2 : 0); // moved up or left, the corner pixel leaves
        double sum = 0;
        for (float v : moved.data()) {
            sum += v;
        }
        assertEquals(expectedSum, sum, 0.0);
    }

    @Test
    void modelsTrainingCannotHandleAreRefusedUpFront() {
        Model alexnet = ModelZoo.build("alexnet");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Trainer.requireTrainable(alexnet));
        assertTrue(e.getMessage().contains("lrn"), e.getMessage());
        Mnist few = first(split.train(), 10);
        IllegalArgumentException uninitialised = assertThrows(IllegalArgumentException.class,
                () -> new Trainer(new ReferenceTrainingBackend(), settings(1, 5, 0.01, 0))
                        .train(ModelZoo.build("lenet5"), few, few, TrainingListener.NONE));
        assertTrue(uninitialised.getMessage().contains("initialise"), uninitialised.getMessage());
    }
}
