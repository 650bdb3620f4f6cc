package dev.tessera.models;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tessera.backend.training.ReferenceTrainingBackend;
import dev.tessera.models.data.NpmSplit;
import dev.tessera.models.training.Trainer;

/**
 * The shipped LeNet-5 weights: forward passes only, on the reference backend, over the 2,000 held-out npm digits
 * (never seen in training): the figure docs/ACCURACY.md records, and at least the 98.5% the project promises.
 */
class TrainedWeightsTest {
    /** The held-out figure docs/ACCURACY.md records for the shipped weights (correct digits of 2,000). */
    static final int RECORDED_CORRECT = 1974;

    @Test
    void shippedLenet5ScoresItsRecordedFigureOnTheHeldOutDigits() {
        Model model = TrainedWeights.lenet5Mnist();
        assertEquals(ModelZoo.build("lenet5").parameterCount(), model.parameterCount());
        Trainer.Evaluation evaluation = Trainer.evaluate(new ReferenceTrainingBackend(), model, NpmSplit.load().test(),
                500);
        assertEquals(NpmSplit.TEST_SIZE, evaluation.total());
        assertEquals(RECORDED_CORRECT, evaluation.correct(), "docs/ACCURACY.md's figure");
        assertTrue(evaluation.accuracy() >= 0.985, "top-1 on the held-out digits: " + evaluation.accuracy());
    }

    @Test
    void npyWeightsRoundTripBitForBit(@TempDir Path dir) {
        Model model = ModelZoo.build("lenet5-classic").initialise(31);
        NpyWeights.write(model, dir);
        Model back = NpyWeights.read(ModelZoo.build("lenet5-classic"), dir);
        for (int i = 0; i < model.layers().size(); i++) {
            for (int j = 0; j < model.layers().get(i).parameters().size(); j++) {
                assertArrayEquals(model.layers().get(i).parameters().get(j).value().data(),
                        back.layers().get(i).parameters().get(j).value().data());
            }
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NpyWeights.read(ModelZoo.build("lenet5"), dir));
        assertTrue(e.getMessage().contains("conv1.weight.npy"), e.getMessage());
    }
}
