package dev.tessera.models.training;

import static org.junit.jupiter.api.Assertions.*;

import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import dev.tessera.backend.Accuracy;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.opencl.OpenClTrainingBackend;
import dev.tessera.backend.training.ReferenceTrainingBackend;
import dev.tessera.backend.training.SgdSettings;
import dev.tessera.models.Layer;
import dev.tessera.models.Model;
import dev.tessera.models.ModelZoo;
import dev.tessera.models.Parameter;
import dev.tessera.models.data.Mnist;
import dev.tessera.models.data.NpmSplit;
import dev.tessera.opencl.DeviceSelector;
import dev.tessera.opencl.ProgramCache;

/**
 * The trainer on the OpenCL backend (test device: {@code TESSERA_TEST_DEVICE}, default device 0) against the same
 * trainer on the reference: whole-model gradients of both LeNet-5s, and the weights after a few SGD steps. Direct
 * convolution is asked for so that the forward error is float32 summation only; float32 against double over a whole
 * model (forward and backward, about ten layers) stays within 1e-4 relative L2, and a few steps later within 1e-3.
 */
class OpenClTrainerTest {
    private static OpenClTrainingBackend open() {
        return OpenClTrainingBackend.open(DeviceSelector.fromSetting("tessera.test.device", "TESSERA_TEST_DEVICE"),
                ProgramCache.defaultCache(), null);
    }

    @Test
    void wholeModelGradientsMatchTheReference() {
        for (String name : new String[] {"lenet5", "lenet5-classic"}) {
            Model model = ModelZoo.build(name).initialise(21);
            Tensor images = Trainer.fitInput(Tensor.random(22, 0, 1, 4, 1, 28, 28), model.inputShape());
            int[] labels = {0, 9, 4, 4};
            TrainingSettings settings = new TrainingSettings(1, 4, new SgdSettings(0.01, 0.9, 0),
                    TrainingSettings.Schedule.CONSTANT, 1, 0);
            try (OpenClTrainingBackend opencl = open(); ReferenceTrainingBackend reference =
                    new ReferenceTrainingBackend()) {
                Trainer.BatchGradients expected = new Trainer(reference, settings).gradients(model, images, labels);
                Trainer.BatchGradients actual = new Trainer(opencl, settings).gradients(model, images, labels);
                assertEquals(expected.loss().meanLoss(), actual.loss().meanLoss(),
                        1e-5 * expected.loss().meanLoss(), name + " loss");
                for (Layer layer : model.layers()) {
                    for (Parameter p : layer.parameters()) {
                        Accuracy accuracy = Accuracy.of(actual.gradients().get(p), expected.gradients().get(p));
                        assertTrue(accuracy.relativeL2() <= 1e-4, name + " " + layer.name() + "." + p.name() + ": "
                                + accuracy);
                    }
                }
            }
        }
    }

    @Test
    void aFewStepsOnTheDeviceLandWhereTheReferenceDoes() {
        NpmSplit split = NpmSplit.load();
        Mnist train = split.train().subset(IntStream.range(0, 128).toArray());
        Mnist test = split.test().subset(IntStream.range(0, 100).toArray());
        Model initial = ModelZoo.build("lenet5").initialise(23);
        TrainingSettings settings = new TrainingSettings(1, 32, new SgdSettings(0.01, 0.9, 5e-4),
                TrainingSettings.Schedule.CONSTANT, 24, 1);
        try (OpenClTrainingBackend opencl = open(); ReferenceTrainingBackend reference =
                new ReferenceTrainingBackend()) {
            Model expected = new Trainer(reference, settings).train(initial, train, test, TrainingListener.NONE);
            Model actual = new Trainer(opencl, settings).train(initial, train, test, TrainingListener.NONE);
            for (int i = 0; i < initial.layers().size(); i++) {
                for (int j = 0; j < initial.layers().get(i).parameters().size(); j++) {
                    Tensor before = initial.layers().get(i).parameters().get(j).value();
                    Tensor e = expected.layers().get(i).parameters().get(j).value();
                    Tensor a = actual.layers().get(i).parameters().get(j).value();
                    // compare the change each made, not the weights, so that the bound is not diluted by them
                    Accuracy accuracy = Accuracy.of(minus(a, before), minus(e, before));
                    assertTrue(accuracy.relativeL2() <= 1e-3, initial.layers().get(i).name() + " parameter " + j
                            + " after 4 steps: " + accuracy);
                }
            }
        }
    }

    private static Tensor minus(Tensor a, Tensor b) {
        float[] d = new float[a.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = a.data()[i] - b.data()[i];
        }
        return new Tensor(d, a.shape());
    }
}
