package dev.tessera.bench.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.tessera.opencl.OpenClDevices;

class CliTest {
    /** The exit code and both streams of one CLI run. */
    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = TesseraCli.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void devicesJsonListsEveryDeviceRecord() throws Exception {
        Run run = run("devices", "--json");
        assertEquals(0, run.code(), run.err());
        JsonNode devices = Json.MAPPER.readTree(run.out());
        assertTrue(devices.isArray());
        assertEquals(OpenClDevices.all().size(), devices.size());
        JsonNode first = devices.get(0);
        assertEquals(OpenClDevices.all().get(0).name(), first.get("name").asText());
        for (String field : List.of("platform", "vendor", "type", "driver_version", "opencl_language_version",
                "compute_units", "clock_mhz", "global_mem_bytes", "local_mem_bytes", "max_work_group_size",
                "max_work_item_sizes", "preferred_vector_width", "native_vector_width", "fp16", "fp64", "extensions")) {
            assertTrue(first.has(field), "device record has " + field);
        }
        assertEquals(OpenClDevices.all().get(0).info().computeUnits(), first.get("compute_units").asInt());
    }

    @Test
    void devicesTableNamesEachDevice() {
        Run run = run("devices");
        assertEquals(0, run.code());
        assertTrue(run.out().startsWith("#"), run.out());
        assertTrue(run.out().contains(OpenClDevices.all().get(0).name()));
    }

    @Test
    void quickProbeReportsCeilingsAboveZero() throws Exception {
        Run run = run("probe", "--device", "0", "--quick", "--json");
        assertEquals(0, run.code(), run.err());
        JsonNode report = Json.MAPPER.readTree(run.out()).get(0);
        assertEquals(OpenClDevices.all().get(0).name(), report.get("device").asText());
        double peak = report.get("peak_gflops_fp32").asDouble();
        double bandwidth = report.get("bandwidth_gbs").asDouble();
        assertTrue(peak > 0 && bandwidth > 0, run.out());
        double bestCompute = 0;
        for (JsonNode m : report.get("compute_measurements")) {
            bestCompute = Math.max(bestCompute, m.get("value").asDouble());
        }
        assertEquals(bestCompute, peak, 0.05 + 1e-3 * peak, "the peak is the best measurement");
    }

    @Test
    void badSelectorIsOneLineAndExitOne() {
        Run run = run("probe", "--device", "99");
        assertEquals(1, run.code());
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertTrue(run.err().startsWith("tessera: no OpenCL device with index 99"), run.err());
        assertFalse(run.err().contains("Exception"), "no stack trace");

        Run byName = run("probe", "--device", "no-such-gpu");
        assertEquals(1, byName.code());
        assertTrue(byName.err().contains("no-such-gpu"));
    }

    @Test
    void unknownOptionOrCommandIsOneLineAndExitOne() {
        for (String[] args : new String[][] {{"devices", "--bogus"}, {"no-such-command"}, {}}) {
            Run run = run(args);
            assertEquals(1, run.code(), String.join(" ", args));
            assertEquals(1, run.err().strip().lines().count(), run.err());
            assertTrue(run.err().startsWith("tessera: "), run.err());
        }
    }

    @Test
    void everyCommandExplainsItselfWithHelp() {
        for (String[] args : new String[][] {{"--help"}, {"devices", "--help"}, {"probe", "--help"},
            {"op", "--help"}, {"op", "conv2d", "--help"}, {"op", "lrn", "--help"}, {"models", "--help"},
            {"selftest", "--help"}, {"run", "--help"}, {"export", "--help"}, {"train", "--help"},
            {"bench", "--help"}}) {
            Run run = run(args);
            assertEquals(0, run.code(), String.join(" ", args) + ": " + run.err());
            assertTrue(run.out().startsWith("Usage: tessera"), run.out());
        }
        assertTrue(run("op", "conv2d", "--help").out().contains("--algo"));
    }

    @Test
    void selftestPassesEveryCheckOnDeviceZeroAndReportsTheErrors() throws Exception {
        Run run = run("selftest", "--device", "0", "--json");
        assertEquals(0, run.code(), run.err());
        JsonNode report = Json.MAPPER.readTree(run.out()).get(0);
        assertEquals(OpenClDevices.all().get(0).name(), report.get("device").asText());
        assertEquals(0, report.get("failed").asInt());
        assertTrue(report.get("passed").asInt() >= 50, run.out());
        java.util.Map<String, Integer> convPasses = new java.util.HashMap<>();
        java.util.Set<String> operators = new java.util.HashSet<>();
        for (JsonNode check : report.get("checks")) {
            operators.add(check.get("operator").asText());
            if (check.get("status").asText().equals("PASS")) {
                assertTrue(check.get("relative_l2").asDouble() <= check.get("tolerance").asDouble(), check.toString());
                if (check.get("operator").asText().equals("conv2d")) {
                    convPasses.merge(check.get("algorithm").asText(), 1, Integer::sum);
                }
            }
        }
        for (String solver : List.of("direct", "im2col", "winograd-2x2", "winograd-4x4", "winograd-fused-2x2",
                "winograd-fused-4x4", "nchwc-direct")) {
            assertTrue(convPasses.getOrDefault(solver, 0) >= 2, solver + " checked: " + convPasses);
        }
        assertTrue(operators.containsAll(List.of("conv2d", "maxpool", "avgpool", "globalavgpool", "lrn", "relu", "tanh",
                "biasadd", "add", "batchnorm", "fc", "softmax", "concat")), operators.toString());
    }

    @Test
    void selftestChecksTheAparapiBackendToo() throws Exception {
        Run run = run("selftest", "--device", "0", "--backend", "aparapi", "--no-thread-pool", "--json");
        assertEquals(0, run.code(), run.err());
        JsonNode report = Json.MAPPER.readTree(run.out()).get(0);
        assertEquals("aparapi", report.get("backend").asText());
        assertEquals(0, report.get("failed").asInt(), run.out());
        java.util.Map<String, Integer> convPasses = new java.util.HashMap<>();
        for (JsonNode check : report.get("checks")) {
            assertEquals("PASS", check.get("status").asText(), check.toString());
            assertTrue(check.get("relative_l2").asDouble() <= check.get("tolerance").asDouble(), check.toString());
            if (check.get("operator").asText().equals("conv2d")) {
                convPasses.merge(check.get("algorithm").asText(), 1, Integer::sum);
            }
        }
        assertEquals(java.util.Map.of("direct", 10, "im2col", 10), convPasses);
        assertEquals(1, run("selftest", "--backend", "reference").code());
    }

    @Test
    void benchGivenNothingRunsTheQuickSet() {
        for (String[] args : new String[][] {{"bench"}, {"bench", "--verbose"}, {"--verbose", "bench"}}) {
            picocli.CommandLine.ParseResult parsed = new picocli.CommandLine(new TesseraCli()).parseArgs(args);
            assertTrue(BenchCommand.givenNothing(parsed.subcommand()), String.join(" ", args));
        }
        for (String[] args : new String[][] {{"bench", "--models", "lenet5"}, {"bench", "--no-probe"}}) {
            picocli.CommandLine.ParseResult parsed = new picocli.CommandLine(new TesseraCli()).parseArgs(args);
            assertFalse(BenchCommand.givenNothing(parsed.subcommand()), String.join(" ", args));
        }
    }

    @Test
    void benchRejectsBadInputInOneLine() {
        for (String[] args : new String[][] {{"bench", "--models", "lenet7"}, {"bench", "--algos", "fft"},
                {"bench", "--scenarios", "power"}, {"bench", "--backends", "cuda"}, {"bench", "--batch", "0"},
                {"bench", "--models", "vgg16", "--input-size", "8"}}) {
            Run run = run(args);
            assertEquals(1, run.code(), String.join(" ", args));
            assertTrue(run.err().startsWith("tessera: "), run.err());
            assertEquals(1, run.err().strip().lines().count(), run.err());
            assertEquals("", run.out());
        }
    }

    @Test
    void benchWritesTheResultsFileAndItsCsv(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path out = dir.resolve("r.json");
        Run run = run("bench", "--models", "lenet5", "--backends", "reference", "--scenarios", "latency,accuracy",
                "--peers", "none", "--no-probe", "--min-samples", "2", "--min-time", "0", "--warmup", "0",
                "--accuracy-images", "1", "--seed", "7", "--out", out.toString());
        assertEquals(0, run.code(), run.err());
        assertTrue(run.out().contains("latency/reference/cpu/lenet5/auto/b1"), run.out());
        JsonNode results = Json.MAPPER.readTree(out.toFile());
        assertEquals("complete", results.get("status").asText());
        assertEquals(7, results.get("environment").get("seed").asInt());
        assertTrue(results.get("environment").get("command_line").asText().startsWith("tessera bench --models"));
        assertTrue(results.get("environment").get("command_line").asText().contains("--seed 7"));
        assertFalse(results.get("settings").get("quick").asBoolean());
        assertEquals(3, results.get("rows").size(), "latency, accuracy and the MNIST check");
        assertEquals(0.0, results.get("rows").get(1).get("accuracy").get("relative_l2_max").asDouble());
        assertEquals("mnist/reference/cpu/lenet5/auto/b8", results.get("rows").get(2).get("id").asText());
        String csv = java.nio.file.Files.readString(dir.resolve("r.csv"));
        assertEquals(4, csv.lines().count(), csv);
    }

    @Test
    void withoutAPlatformDevicesSaysHowToInstallAndProbeFails() throws Exception {
        Run devices = runWithoutPlatform("devices", "--json");
        assertEquals(0, devices.code(), devices.err());
        assertEquals("[]", devices.out().strip());
        assertTrue(devices.err().contains("pocl-opencl-icd") && devices.err().contains("ocl-icd-libopencl1"),
                devices.err());

        Run probe = runWithoutPlatform("probe");
        assertEquals(1, probe.code());
        assertEquals(1, probe.err().strip().lines().count(), probe.err());
        assertTrue(probe.err().contains("no OpenCL platform found") && probe.err().contains("pocl-opencl-icd"));
    }

    @Test
    void withoutAPlatformBenchStillRunsTheReferenceAndSaysWhyOpenClDidNot(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path out = dir.resolve("r.json");
        Run bench = runWithoutPlatform("bench", "--models", "lenet5", "--backends", "opencl,reference",
                "--scenarios", "latency", "--peers", "clblast", "--min-samples", "1", "--warmup", "0", "--min-time",
                "0", "--out", out.toString());
        assertEquals(0, bench.code(), bench.err());
        assertTrue(bench.err().contains("no OpenCL platform"), bench.err());
        JsonNode rows = Json.MAPPER.readTree(out.toFile()).get("rows");
        assertEquals(2, rows.size(), rows.toString());
        assertEquals("unsupported", rows.get(0).get("status").asText());
        assertTrue(rows.get(0).get("reason").asText().contains("no OpenCL device"), rows.get(0).toString());
        assertEquals("ok", rows.get(1).get("status").asText());
        assertEquals("reference-java", rows.get(1).get("ran_on").asText());
    }

    /** Runs the CLI in a child JVM whose OpenCL loader finds no vendor files. */
    private static Run runWithoutPlatform(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                System.getProperty("java.home") + File.separator + "bin" + File.separator + "java",
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                TesseraCli.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("OCL_ICD_VENDORS", "/nonexistent-tessera-vendors");
        builder.environment().remove("OCL_ICD_FILENAMES");
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Run(process.waitFor(), out, err);
    }
}
