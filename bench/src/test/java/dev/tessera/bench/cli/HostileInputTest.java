package dev.tessera.bench.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import dev.tessera.backend.Tensor;
import dev.tessera.backend.io.Npy;

/**
 * Bad input that is not refused but must still come out right: an all-NaN image through `run` (flagged, no top-5 as if
 * it were an answer), an .npy piped into `--input /dev/stdin` through a real pipe, and a heap too small for the model
 * (one line, never a stack trace). The last two run the CLI in a child JVM.
 */
class HostileInputTest {
    @TempDir
    Path dir;

    @Test
    void anAllNaNImageIsFlaggedOnEveryBackendAndGetsNoTopFive() throws Exception {
        float[] nan = new float[28 * 28];
        Arrays.fill(nan, Float.NaN);
        Path input = dir.resolve("nan.npy");
        Npy.write(input, new Tensor(nan, 1, 1, 28, 28));
        for (String backend : List.of("reference", "opencl", "aparapi")) {
            CliTest.Run run = CliTest.run("run", "lenet5", "--backend", backend, "--input", input.toString(),
                    "--json");
            assertEquals(0, run.code(), backend + ": " + run.err());
            JsonNode json = Json.MAPPER.readTree(run.out());
            assertEquals(10, json.get("non_finite_outputs").asLong(), backend + ": every score is NaN");
            assertEquals(1, json.get("top5").size());
            assertEquals(0, json.get("top5").get(0).size(), backend + ": no ranking of NaN scores");
            assertTrue(run.err().contains("warning: 10 of 10 output values are NaN or infinite"), run.err());
        }
        CliTest.Run text = CliTest.run("run", "lenet5", "--backend", "reference", "--input", input.toString());
        assertEquals(0, text.code());
        assertFalse(text.out().matches("(?s).*\\d\\.\\d{6}.*"), "no probability printed: " + text.out());
    }

    @Test
    void aFiniteImageHasNoWarningAndZeroNonFiniteOutputs() throws Exception {
        CliTest.Run run = CliTest.run("run", "lenet5", "--backend", "reference", "--json");
        assertEquals(0, run.code(), run.err());
        JsonNode json = Json.MAPPER.readTree(run.out());
        assertEquals(0, json.get("non_finite_outputs").asLong());
        assertEquals(5, json.get("top5").get(0).size());
        assertFalse(run.err().contains("warning"), run.err());
    }

    @Test
    void anNpyPipedIntoDevStdinIsRead() throws Exception {
        Tensor x = Tensor.random(5, 0, 1, 1, 1, 28, 28);
        Path file = dir.resolve("x.npy");
        Npy.write(file, x);
        Path out = dir.resolve("y.npy");
        Process p = child("run", "lenet5", "--backend", "reference", "--input", "/dev/stdin", "--out",
                out.toString(), "--json").start();
        try (OutputStream stdin = p.getOutputStream()) { // a real pipe: no size, read to its end
            stdin.write(Files.readAllBytes(file));
        }
        String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String stderr = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), stderr);
        assertEquals("/dev/stdin", Json.MAPPER.readTree(stdout).get("input").asText());
        // the same answer as from the file itself
        CliTest.Run fromFile = CliTest.run("run", "lenet5", "--backend", "reference", "--input", file.toString(),
                "--json");
        assertEquals(Json.MAPPER.readTree(fromFile.out()).get("top5"), Json.MAPPER.readTree(stdout).get("top5"));
        assertArrayEquals(new int[] {1, 10}, Npy.read(out).shape());
    }

    @Test
    void aPipeHoldingGarbageIsBlamedOnItsContentInOneLine() throws Exception {
        Process p = child("op", "relu", "--backend", "reference", "--input", "/dev/stdin", "--out",
                dir.resolve("y.npy").toString()).start();
        try (OutputStream stdin = p.getOutputStream()) {
            stdin.write("not an npy".getBytes(StandardCharsets.US_ASCII));
        }
        String stderr = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(1, p.exitValue());
        assertEquals(1, stderr.strip().lines().count(), stderr);
        assertTrue(stderr.contains("npy file /dev/stdin: not an npy file (bad magic"), stderr);
        assertFalse(Files.exists(dir.resolve("y.npy")));
    }

    @Test
    void aHeapTooSmallForTheModelIsOneLine() throws Exception {
        // VGG-16's weights (528 MiB) cannot fit a 64 MiB heap: refused before allocating, or caught at the top
        Process p = child("-Xmx64m", "run", "vgg16", "--backend", "reference", "--out",
                dir.resolve("y.npy").toString()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String stderr = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(1, p.exitValue(), stderr);
        assertEquals(1, stderr.strip().lines().count(), stderr);
        assertTrue(stderr.startsWith("tessera: ") && stderr.contains("Java heap"), stderr);
        assertFalse(stderr.contains("Exception") || stderr.contains("\tat "), stderr);
        assertFalse(Files.exists(dir.resolve("y.npy")));
    }

    @Test
    void anOutOfMemoryErrorPastTheChecksIsOneLine() throws Exception {
        // 48 MiB of input fits a 96 MiB heap's limit, so the checks let it through; the input and the output together
        // do not, and the OutOfMemoryError is caught at the CLI's top level
        Path input = dir.resolve("big.npy");
        Npy.write(input, Tensor.zeros(12, 1024, 1024));
        Process p = child("-Xmx96m", "op", "relu", "--backend", "reference", "--input", input.toString(), "--out",
                dir.resolve("y.npy").toString()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String stderr = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(1, p.exitValue(), stderr);
        assertEquals(1, stderr.strip().lines().count(), stderr);
        assertTrue(stderr.startsWith("tessera: out of memory"), stderr);
        assertFalse(stderr.contains("\tat "), stderr);
        assertFalse(Files.exists(dir.resolve("y.npy")));
    }

    /** The CLI in a child JVM with this test's class path; a leading -X option goes to the JVM. */
    private static ProcessBuilder child(String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "--enable-native-access=ALL-UNNAMED"));
        int i = 0;
        while (i < args.length && args[i].startsWith("-X")) {
            command.add(args[i++]);
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), TesseraCli.class.getName()));
        command.addAll(Arrays.asList(args).subList(i, args.length));
        return new ProcessBuilder(command);
    }
}
