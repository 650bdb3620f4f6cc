package dev.tessera.bench.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.io.Npy;
import dev.tessera.backend.reference.ReferenceBackend;

class OpCommandTest {
    @TempDir
    Path dir;

    private Path npy(String name, Tensor t) {
        Path path = dir.resolve(name);
        Npy.write(path, t);
        return path;
    }

    private static double maxRelativeError(Tensor actual, Tensor expected) {
        double worst = 0;
        for (int i = 0; i < expected.size(); i++) {
            double e = expected.data()[i];
            worst = Math.max(worst, Math.abs(actual.data()[i] - e) / Math.max(1, Math.abs(e)));
        }
        return worst;
    }

    /** Runs one operator on every backend through the CLI and checks both against the reference in-process. */
    private void checkOperator(Operator op, List<Tensor> inputs, String... args) throws Exception {
        Tensor expected = new ReferenceBackend().run(op, inputs).output();
        for (String backend : new String[] {"opencl", "aparapi", "reference"}) {
            Path out = dir.resolve(op.name() + "-" + backend + ".npy");
            List<String> command = new ArrayList<>(List.of(args));
            command.addAll(List.of("--out", out.toString(), "--backend", backend, "--json"));
            CliTest.Run run = CliTest.run(command.toArray(String[]::new));
            assertEquals(0, run.code(), run.err());
            JsonNode json = Json.MAPPER.readTree(run.out());
            assertEquals(backend, json.get("backend").asText());
            assertEquals(op.name(), json.get("operator").asText());
            Tensor actual = Npy.read(out);
            assertArrayEquals(expected.shape(), actual.shape());
            assertArrayEquals(expected.shape(), Json.MAPPER.convertValue(json.get("output_shape"), int[].class));
            assertTrue(maxRelativeError(actual, expected) < 1e-4, op.name() + " on " + backend);
            if (!backend.equals("reference")) {
                assertEquals("opencl:" + json.get("device").asText(), json.get("ran_on").asText(), backend);
                int algo = List.of(args).indexOf("--algo");
                if (algo >= 0) {
                    // --algo reaches the backend as a run option and the algorithm that ran is reported
                    assertEquals(args[algo + 1], json.get("algorithm").asText(), backend);
                }
                assertTrue(json.get("kernel_ms").asDouble() >= 0);
            } else {
                assertEquals("reference-java", json.get("ran_on").asText());
            }
        }
    }

    @Test
    void everyOperatorRunsOnEveryBackendAndMatchesTheReference() throws Exception {
        Tensor x = Tensor.random(1, -1, 1, 2, 6, 9, 9);
        Tensor w = Tensor.random(2, -1, 1, 4, 3, 3, 3);
        Tensor b = Tensor.random(3, -1, 1, 4);
        String in = npy("x.npy", x).toString();
        checkOperator(new Operator.Conv2d(2, 2, 1, 0, 1, 2, 1, 1, 2, true),
                List.of(x, w, b), "op", "conv2d", "--input", in, "--weight", npy("w.npy", w).toString(), "--bias",
                npy("b.npy", b).toString(), "--stride", "2", "--pad", "1,0,1,2", "--groups", "2", "--relu", "--algo",
                "direct");
        checkOperator(new Operator.Conv2d(1, 1, 1, 1, 1, 1, 2, 2, 1, false),
                List.of(x, Tensor.random(6, -1, 1, 5, 6, 3, 3)), "op", "conv2d", "--input", in, "--weight",
                npy("w6.npy", Tensor.random(6, -1, 1, 5, 6, 3, 3)).toString(), "--pad", "1", "--dilation", "2",
                "--algo", "im2col");
        checkOperator(new Operator.Pool(Operator.Pool.Kind.MAX, 3, 3, 2, 2, 1, 1, 1, 1, false), List.of(x), "op",
                "maxpool", "--input", in, "--kernel", "3", "--stride", "2", "--pad", "1");
        checkOperator(new Operator.Pool(Operator.Pool.Kind.AVG, 3, 3, 2, 2, 1, 1, 1, 1, true), List.of(x), "op",
                "avgpool", "--input", in, "--kernel", "3", "--stride", "2", "--pad", "1", "--count-pad");
        checkOperator(new Operator.Lrn(3, 0.01, 0.75, 2, true), List.of(x), "op", "lrn", "--input", in, "--size", "3",
                "--alpha", "0.01", "--alpha-over-size");
        checkOperator(new Operator.Relu(), List.of(x), "op", "relu", "--input", in);
        checkOperator(new Operator.Tanh(), List.of(x), "op", "tanh", "--input", in);
        checkOperator(new Operator.GlobalAvgPool(), List.of(x), "op", "globalavgpool", "--input", in);
        Tensor other = Tensor.random(7, -1, 1, 2, 6, 9, 9);
        checkOperator(new Operator.Add(true), List.of(x, other), "op", "add", "--input", in, "--other",
                npy("other.npy", other).toString(), "--relu");
        Tensor logits = Tensor.random(4, -5, 5, 3, 10);
        checkOperator(new Operator.Softmax(), List.of(logits), "op", "softmax", "--input",
                npy("logits.npy", logits).toString());
        Tensor fcw = Tensor.random(5, -1, 1, 7, 6 * 9 * 9);
        checkOperator(new Operator.FullyConnected(false), List.of(x, fcw), "op", "fc", "--input", in, "--weight",
                npy("fcw.npy", fcw).toString());
    }

    @Test
    void importedModelsOperatorsRunOnEveryBackendAndMatchTheReference() throws Exception {
        Tensor x = Tensor.random(8, -7, 7, 2, 3, 5, 6);
        String in = npy("y.npy", x).toString();
        checkOperator(Operator.Activation.clip(0, 6), List.of(x), "op", "clip", "--input", in, "--min", "0", "--max",
                "6");
        checkOperator(Operator.Activation.leakyRelu(0.1), List.of(x), "op", "leakyrelu", "--input", in, "--alpha",
                "0.1");
        checkOperator(Operator.Activation.sigmoid(), List.of(x), "op", "sigmoid", "--input", in);
        checkOperator(Operator.Activation.hardSigmoid(0.2, 0.5), List.of(x), "op", "hardsigmoid", "--input", in);
        checkOperator(Operator.Activation.hardSwish(), List.of(x), "op", "hardswish", "--input", in);
        checkOperator(new Operator.Pad(Operator.Pad.Mode.REFLECT, 1, 2, 3, 0, 0), List.of(x), "op", "pad", "--input",
                in, "--pad", "1,2,3,0", "--mode", "reflect");
        checkOperator(new Operator.AxisSoftmax(2, 2), List.of(x), "op", "axissoftmax", "--input", in, "--axis", "2",
                "--count", "2");
    }

    @Test
    void aparapiDumpsItsKernelsAndCanForbidTheThreadPool() throws Exception {
        Path x = npy("x.npy", Tensor.random(1, -1, 1, 1, 3, 8, 8));
        Path w = npy("w.npy", Tensor.random(2, -1, 1, 4, 3, 3, 3));
        Path kernels = dir.resolve("kernels");
        CliTest.Run run = CliTest.run("op", "conv2d", "--input", x.toString(), "--weight", w.toString(), "--algo",
                "im2col", "--backend", "aparapi", "--no-thread-pool", "--dump-kernels", kernels.toString(), "--out",
                dir.resolve("y.npy").toString());
        assertEquals(0, run.code(), run.err());
        assertTrue(run.out().contains("ran on opencl:"), run.out());
        assertTrue(Files.readString(kernels.resolve("GemmKernel.cl")).contains("barrier(CLK_LOCAL_MEM_FENCE)"));
        assertTrue(Files.readString(kernels.resolve("Im2colKernel.cl")).contains("__kernel void run("));
    }

    @Test
    void badInputIsOneLineExitOneAndNoOutputFile() throws Exception {
        Path x = npy("x.npy", Tensor.random(1, -1, 1, 1, 3, 8, 8));
        Path w = npy("w.npy", Tensor.random(2, -1, 1, 4, 3, 5, 5));
        Path wrongChannels = npy("w2.npy", Tensor.random(2, -1, 1, 4, 2, 3, 3));
        Path doubles = dir.resolve("doubles.npy");
        byte[] bytes = Files.readAllBytes(x);
        String header = new String(bytes, 0, 128, java.nio.charset.StandardCharsets.ISO_8859_1).replace("<f4", "<f8");
        System.arraycopy(header.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), 0, bytes, 0, 128);
        Files.write(doubles, bytes);
        Path out = dir.resolve("never.npy");
        String[][] cases = {
            {"op", "conv2d", "--input", dir.resolve("missing.npy").toString(), "--weight", w.toString()},
            {"op", "conv2d", "--input", doubles.toString(), "--weight", w.toString()},
            {"op", "conv2d", "--input", x.toString(), "--weight", wrongChannels.toString()},
            {"op", "conv2d", "--input", w.toString(), "--weight", w.toString(), "--groups", "2"},
            {"op", "conv2d", "--input", x.toString(), "--weight", w.toString(), "--algo", "winograd-4x4"},
            {"op", "conv2d", "--input", x.toString(), "--weight", w.toString(), "--algo", "fastest"},
            {"op", "maxpool", "--input", x.toString(), "--kernel", "9"},
            {"op", "fc", "--input", x.toString(), "--weight", w.toString()},
            {"op", "conv2d", "--input", x.toString(), "--weight", w.toString(), "--stride", "a"},
            {"op", "conv2d", "--input", x.toString(), "--weight", w.toString(), "--backend", "aparapi", "--algo",
                "winograd-2x2"},
            {"op", "relu", "--input", x.toString(), "--backend", "opencl", "--no-thread-pool"},
            {"op", "relu", "--input", x.toString(), "--backend", "reference", "--dump-kernels", dir.toString()},
        };
        for (String[] args : cases) {
            List<String> command = new ArrayList<>(List.of(args));
            command.addAll(List.of("--out", out.toString()));
            CliTest.Run run = CliTest.run(command.toArray(String[]::new));
            assertEquals(1, run.code(), String.join(" ", args) + "\n" + run.out());
            assertEquals(1, run.err().strip().lines().count(), run.err());
            assertTrue(run.err().startsWith("tessera: "), run.err());
            assertFalse(run.err().contains("Exception"), run.err());
            assertFalse(Files.exists(out), "no output written for " + String.join(" ", args));
        }
    }
}
