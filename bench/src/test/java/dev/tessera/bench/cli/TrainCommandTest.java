package dev.tessera.bench.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import dev.tessera.backend.training.ReferenceTrainingBackend;
import dev.tessera.models.Model;
import dev.tessera.models.ModelZoo;
import dev.tessera.models.onnx.OnnxImporter;
import dev.tessera.models.data.NpmSplit;
import dev.tessera.models.training.Trainer;

/** {@code tessera train}: a one-epoch run on a few digits end to end, and its one-line rejections. */
class TrainCommandTest {
    @Test
    void oneEpochReportsJsonShowsProgressAndWritesWeightsThatScoreWhatItSays(@TempDir Path dir) throws Exception {
        Path weights = dir.resolve("lenet5.onnx");
        CliTest.Run run = CliTest.run("train", "lenet5", "--epochs", "1", "--train-images", "200", "--batch", "16",
                "--lr", "0.01", "--seed", "5", "--json", "--out", weights.toString());
        assertEquals(0, run.code(), run.err());
        assertTrue(run.err().contains("epoch 1/1") && run.err().contains("100%"), "progress bar: " + run.err());
        JsonNode report = Json.MAPPER.readTree(run.out());
        assertEquals("lenet5", report.get("model").asText());
        assertEquals("reference", report.get("backend").asText());
        assertEquals(200, report.get("train_images").asInt());
        assertEquals(2000, report.get("test_images").asInt());
        assertEquals(1, report.get("epoch_results").size());
        JsonNode epoch = report.get("epoch_results").get(0);
        for (String field : new String[] {"epoch", "learning_rate", "train_loss", "train_accuracy", "test_loss",
                "test_accuracy", "seconds"}) {
            assertTrue(epoch.has(field), "epoch result has " + field);
        }
        double reported = report.get("test_accuracy").asDouble();
        assertEquals(epoch.get("test_accuracy").asDouble(), reported);
        assertTrue(reported > 0.3, "one short epoch already beats chance (10%): " + reported);

        // the weights it wrote, read back and evaluated apart from the command, score the figure it reported
        Model trained = OnnxImporter.load(weights);
        assertEquals(ModelZoo.build("lenet5").parameterCount(), trained.parameterCount());
        Trainer.Evaluation evaluation = Trainer.evaluate(new ReferenceTrainingBackend(), trained,
                NpmSplit.load().test(), 250);
        assertEquals(reported, evaluation.accuracy(), 1e-12);
    }

    @Test
    void modelsItCannotTrainAreOneLineErrors() {
        CliTest.Run run = CliTest.run("train", "alexnet");
        assertEquals(1, run.code());
        assertTrue(run.err().startsWith("tessera: ") && run.err().contains("training does not support"), run.err());
        assertEquals(1, run.err().strip().lines().count(), run.err());
    }

    @Test
    void badOptionsAreOneLineErrors() {
        for (String[] args : new String[][] {{"train", "lenet5", "--backend", "cuda"},
                {"train", "lenet5", "--train-images", "0"}, {"train", "lenet5", "--lr", "-1"},
                {"train", "lenet5", "--schedule", "step"}, {"train", "lenet5", "--augment-shift", "9"}}) {
            CliTest.Run run = CliTest.run(args);
            assertEquals(1, run.code(), String.join(" ", args));
            assertEquals(1, run.err().strip().lines().count(), run.err());
            assertTrue(run.err().startsWith("tessera: "), run.err());
        }
    }
}
