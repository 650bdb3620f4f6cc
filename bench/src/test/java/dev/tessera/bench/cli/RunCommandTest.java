package dev.tessera.bench.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import dev.tessera.backend.Accuracy;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.io.Npy;
import dev.tessera.backend.reference.ReferenceBackend;
import dev.tessera.models.Model;
import dev.tessera.models.ModelZoo;
import dev.tessera.models.ModelBuilder;
import dev.tessera.models.onnx.OnnxExporter;

/** {@code tessera run} and {@code tessera export}, checked against the reference backend run in-process. */
class RunCommandTest {
    private static final ReferenceBackend REFERENCE = new ReferenceBackend();

    @TempDir
    Path dir;

    @AfterAll
    static void close() {
        REFERENCE.close();
    }

    @Test
    void seededZooModelOnTheReferenceGivesTheReferenceOutputAndItsTopClasses() throws Exception {
        Path out = dir.resolve("y.npy");
        CliTest.Run run = CliTest.run("run", "lenet5-classic", "--backend", "reference", "--seed", "5", "--batch", "3",
                "--out", out.toString(), "--json", "--plan");
        assertEquals(0, run.code(), run.err());
        Model model = ModelZoo.build("lenet5-classic").initialise(5);
        Tensor input = Tensor.random(5, 0f, 1f, 3, 1, 32, 32);
        Tensor expected = model.forward(REFERENCE, input);
        assertArrayEquals(expected.data(), Npy.read(out).data(), "the reference through the CLI is the reference");

        JsonNode json = Json.MAPPER.readTree(run.out());
        assertEquals("lenet5-classic", json.get("model").asText());
        assertEquals("seeded random (seed 5)", json.get("weights").asText());
        assertTrue(json.get("softmax_applied").asBoolean(), "its last layer is an fc");
        JsonNode plan = json.get("plan");
        assertEquals(model.layers().size(), plan.size(), "--plan lists every layer");
        for (int i = 0; i < plan.size(); i++) {
            assertEquals(model.layers().get(i).name(), plan.get(i).get("layer").asText());
            assertEquals(model.layers().get(i).op().name(), plan.get(i).get("operator").asText());
        }
        assertEquals("chosen per run by reference", plan.get(0).get("algorithm").asText());
        JsonNode top = json.get("top5");
        assertEquals(3, top.size());
        for (int i = 0; i < 3; i++) {
            double[] p = softmax(expected, i);
            int previous = -1;
            for (int r = 0; r < 5; r++) {
                int c = top.get(i).get(r).get("class_index").asInt();
                assertEquals(p[c], top.get(i).get(r).get("probability").asDouble(), 1e-12);
                assertEquals(rank(p, r), c, "image " + i + " rank " + r);
                assertNotEquals(previous, c);
                previous = c;
            }
        }
    }

    @Test
    void exportedFileRunsOnOpenClLikeTheReference() throws Exception {
        Path onnx = dir.resolve("resnet18.onnx");
        CliTest.Run export = CliTest.run("export", "resnet18", "--input-size", "32", "--seed", "9", "--out",
                onnx.toString(), "--json");
        assertEquals(0, export.code(), export.err());
        assertEquals(13, Json.MAPPER.readTree(export.out()).get("opset").asInt());
        Tensor input = Tensor.random(4, -1f, 1f, 2, 3, 32, 32);
        Path x = dir.resolve("x.npy");
        Npy.write(x, input);
        Path out = dir.resolve("y.npy");
        CliTest.Run run = CliTest.run("run", onnx.toString(), "--backend", "opencl", "--input", x.toString(), "--out",
                out.toString());
        assertEquals(0, run.code(), run.err());
        assertTrue(run.out().contains("probabilities: softmax of the output (the last layer, fc, is fc"), run.out());
        // the file holds the seeded zoo model: its reference output is the answer
        Tensor expected = ModelZoo.build("resnet18", 32).initialise(9).forward(REFERENCE, input);
        Accuracy error = Accuracy.of(Npy.read(out), expected);
        assertTrue(error.relativeL2() < 1e-4, "opencl vs reference: " + error);
    }

    @Test
    void zooModelRunsOnAparapiOnTheDeviceLikeTheReference() throws Exception {
        Path out = dir.resolve("y.npy");
        CliTest.Run run = CliTest.run("run", "lenet5-classic", "--backend", "aparapi", "--no-thread-pool", "--seed",
                "5", "--batch", "2", "--out", out.toString(), "--json");
        assertEquals(0, run.code(), run.err());
        JsonNode json = Json.MAPPER.readTree(run.out());
        assertEquals("aparapi", json.get("backend").asText());
        assertEquals("opencl:" + json.get("device").asText(), json.get("ran_on").asText(), "every layer on the device");
        Tensor expected = ModelZoo.build("lenet5-classic").initialise(5).forward(REFERENCE,
                Tensor.random(5, 0f, 1f, 2, 1, 32, 32));
        Accuracy error = Accuracy.of(Npy.read(out), expected);
        assertTrue(error.relativeL2() < 1e-4, "aparapi vs reference: " + error);
    }

    /** A fully convolutional ONNX file with symbolic H and W: sized by --input, its raw output summarised. */
    @Test
    void featureMapOutputIsSummarisedAndWrittenNotRanked() throws Exception {
        Model model = new ModelBuilder("fcn", 2, 5, 5).conv("conv", 3, 3).build().initialise(4);
        ai.onnx.proto.OnnxMl.ModelProto.Builder proto = OnnxExporter.toProto(model).toBuilder();
        var shape = proto.getGraphBuilder().getInputBuilder(0).getTypeBuilder().getTensorTypeBuilder()
                .getShapeBuilder();
        shape.getDimBuilder(2).clearDimValue().setDimParam("H");
        shape.getDimBuilder(3).clearDimValue().setDimParam("W");
        Path onnx = dir.resolve("fcn.onnx");
        Files.write(onnx, proto.build().toByteArray());
        Tensor x = Tensor.random(8, -1f, 1f, 1, 2, 6, 9);
        Path in = dir.resolve("x.npy");
        Npy.write(in, x);
        Path out = dir.resolve("y.npy");
        // the seeded weights depend on the seed and the layer only, not on the input size
        Model sized = new ModelBuilder("fcn", 2, 6, 9).conv("conv", 3, 3).build().initialise(4);
        Tensor expected = sized.forward(REFERENCE, x);

        CliTest.Run text = CliTest.run("run", onnx.toString(), "--backend", "reference", "--input", in.toString(),
                "--out", out.toString());
        assertEquals(0, text.code(), text.err());
        assertTrue(text.out().contains("output 1x3x4x7 (not class scores [N, K]; no top-5): 84 values: min "),
                text.out());
        assertFalse(text.out().contains("probabilit"), text.out());
        assertArrayEquals(expected.data(), Npy.read(out).data());

        CliTest.Run json = CliTest.run("run", onnx.toString(), "--backend", "reference", "--input", in.toString(),
                "--json");
        assertEquals(0, json.code(), json.err());
        JsonNode j = Json.MAPPER.readTree(json.out());
        assertTrue(j.get("top5").isNull());
        assertFalse(j.get("softmax_applied").asBoolean());
        JsonNode summary = j.get("output_summary");
        double min = Double.MAX_VALUE;
        double max = -Double.MAX_VALUE;
        double sum = 0;
        for (float v : expected.data()) {
            min = Math.min(min, v);
            max = Math.max(max, v);
            sum += v;
        }
        assertEquals(84, summary.get("values").asLong());
        assertEquals(min, summary.get("min").asDouble(), 0);
        assertEquals(max, summary.get("max").asDouble(), 0);
        assertEquals(sum / 84, summary.get("mean").asDouble(), 1e-12);
        assertEquals(0, summary.get("non_finite").asLong());
    }

    @Test
    void modelEndingInSoftmaxReportsItsOwnProbabilities() throws Exception {
        Model model = new ModelBuilder("tiny-softmax", 2, 5, 5).conv("conv", 3, 3).flatten("flatten")
                .fc("fc", 7, false).softmax("softmax").build().initialise(3);
        Path onnx = dir.resolve("tiny.onnx");
        OnnxExporter.export(model, onnx);
        CliTest.Run run = CliTest.run("run", onnx.toString(), "--backend", "reference", "--batch", "2", "--seed", "6",
                "--json");
        assertEquals(0, run.code(), run.err());
        JsonNode json = Json.MAPPER.readTree(run.out());
        assertEquals("onnx", json.get("source").asText());
        assertFalse(json.get("softmax_applied").asBoolean());
        // --seed seeds the random input only: the file keeps its weights
        Tensor expected = model.forward(REFERENCE, Tensor.random(6, 0f, 1f, 2, 2, 5, 5));
        for (int i = 0; i < 2; i++) {
            float[] p = java.util.Arrays.copyOfRange(expected.data(), 7 * i, 7 * i + 7);
            for (int r = 0; r < 5; r++) {
                JsonNode ranked = json.get("top5").get(i).get(r);
                assertEquals(rank(p, r), ranked.get("class_index").asInt());
                assertEquals(p[ranked.get("class_index").asInt()], ranked.get("probability").asDouble(), 0);
            }
        }
    }

    @Test
    void badInputIsOneLineAndWritesNothing() throws Exception {
        Path x = dir.resolve("wrong.npy");
        Npy.write(x, Tensor.zeros(1, 3, 28, 28));
        Path out = dir.resolve("y.npy");
        OnnxExporter.export(ModelZoo.build("lenet5").initialise(1), dir.resolve("tiny.onnx"));
        String[][] cases = {
            {"run", "lenet5", "--backend", "reference", "--input", x.toString(), "--out", out.toString()},
            {"run", "lenet6", "--backend", "reference"},
            {"run", "lenet5", "--backend", "reference", "--input-size", "32"},
            {"run", "lenet5", "--backend", "reference", "--batch", "0"},
            {"run", dir.resolve("missing.onnx").toString(), "--backend", "reference"},
            {"run", x.toString(), "--backend", "reference"},
            {"run", dir.resolve("tiny.onnx").toString(), "--input", x.toString(), "--seed", "2"},
            {"export", "lenet5", "--out", dir.resolve("no/such/dir/m.onnx").toString()},
        };
        for (String[] args : cases) {
            CliTest.Run run = CliTest.run(args);
            assertEquals(1, run.code(), String.join(" ", args));
            assertEquals(1, run.err().strip().lines().count(), run.err());
            assertTrue(run.err().startsWith("tessera: "), run.err());
        }
        assertFalse(Files.exists(out));
        CliTest.Run help = CliTest.run("run", "--help");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("--input-size"));
    }

    private static double[] softmax(Tensor scores, int image) {
        int k = scores.size() / scores.dim(0);
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < k; c++) {
            max = Math.max(max, scores.data()[image * k + c]);
        }
        double[] p = new double[k];
        double sum = 0;
        for (int c = 0; c < k; c++) {
            p[c] = Math.exp(scores.data()[image * k + c] - max);
            sum += p[c];
        }
        for (int c = 0; c < k; c++) {
            p[c] /= sum;
        }
        return p;
    }

    /** The class at rank {@code r} (0 = most probable) of {@code p}, found by counting. */
    private static int rank(double[] p, int r) {
        for (int c = 0; c < p.length; c++) {
            int above = 0;
            for (int d = 0; d < p.length; d++) {
                above += p[d] > p[c] || p[d] == p[c] && d < c ? 1 : 0;
            }
            if (above == r) {
                return c;
            }
        }
        throw new AssertionError();
    }

    private static int rank(float[] p, int r) {
        double[] d = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            d[i] = p[i];
        }
        return rank(d, r);
    }
}
