package dev.tessera.bench.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.tessera.reports.LayerFootprints;
import dev.tessera.reports.results.BenchResults;
import dev.tessera.reports.results.Distribution;
import dev.tessera.reports.results.Environment;
import dev.tessera.reports.results.ResultRow;
import dev.tessera.reports.results.ResultsJson;
import dev.tessera.reports.results.RunSettings;

/** {@code tessera report} and the report at the end of {@code tessera bench}: needs no OpenCL device. */
class ReportCommandTest {
    @TempDir
    Path dir;

    /** One LeNet-5 latency row on device 0 with conv1's time, the device's probe figures. */
    private Path results(String name) throws Exception {
        Distribution d = new Distribution("ms", 3, 2.0, 2.0, 3.0, 3.0, 1.0, 3.0, 0.5, true, true,
                List.of(1.0, 2.0, 3.0));
        ResultRow latency = new ResultRow("latency/opencl/0/lenet5/direct/b1", "latency", "opencl", 0, "dev0",
                "opencl:dev0", "lenet5", List.of(1, 28, 28), "direct", 1, ResultRow.OK, "", List.of(), null, d, d,
                null, null, List.of(new ResultRow.LayerEntry("conv1", "conv2d", "direct", "", 117_600, 0.1, 0.2,
                        2.352, 1.0, null, null)), null, null, null, null, List.of(), 0.1);
        Environment env = new Environment("host1", "Linux", "amd64", "cpu", 2, 1L << 30, "jvm", 1L << 30, "0.1",
                "abc", "bench --models lenet5", 42, List.of(),
                List.of(new Environment.ProbeEntry(0, "dev0", "quick", "ok", "", 50.0, 10.0)));
        RunSettings settings = new RunSettings(true, List.of("lenet5"), null, List.of("opencl"), "all",
                List.of("direct"), List.of(1), List.of("latency"), List.of(), 0.2, 3, 1, 1);
        BenchResults results = new BenchResults(BenchResults.SCHEMA, BenchResults.VERSION, "complete",
                "2026-11-22T06:00:00Z", "2026-11-22T06:00:10Z", 10, env, settings, List.of(latency));
        Path file = dir.resolve(name);
        Files.write(file, ResultsJson.toBytes(results));
        return file;
    }

    @Test
    void writesThePagesAndEveryChartAsPngAndSvgWithNothingHalfWritten() throws Exception {
        Path in = results("run.json");
        Path out = dir.resolve("report");
        CliTest.Run run = CliTest.run("report", in.toString(), "--out", out.toString(), "--json");
        assertEquals(0, run.code(), run.err());
        JsonNode summary = Json.MAPPER.readTree(run.out());
        assertEquals(out.toAbsolutePath().resolve("index.html").toString(), summary.get("html").asText());
        assertTrue(Files.isRegularFile(out.resolve("index.html")));
        assertTrue(Files.isRegularFile(out.resolve("REPORT.md")));
        // latency, layers and roofline, each as PNG and SVG
        assertEquals(6, summary.get("charts").size());
        for (JsonNode chart : summary.get("charts")) {
            assertTrue(Files.size(Path.of(chart.asText())) > 0, chart.asText());
        }
        try (Stream<Path> all = Files.walk(out)) {
            assertEquals(List.of(), all.filter(p -> !Files.isDirectory(p))
                    .filter(p -> !p.toString().endsWith(".png") && !p.toString().endsWith(".svg")
                            && !p.toString().endsWith(".html") && !p.toString().endsWith(".md")).toList(),
                    "no temporary files left");
        }
        String html = Files.readString(out.resolve("index.html"), StandardCharsets.UTF_8);
        assertTrue(html.contains("src=\"charts/roofline-dev0-host1.png\""), html);
        assertTrue(html.contains("tessera report " + in), "the report's own command line");
        assertTrue(html.contains("roofline"));
    }

    @Test
    void aNewerSchemaIsOneLineAndExitOne() throws Exception {
        Path in = results("new.json");
        ObjectNode tree = (ObjectNode) ResultsJson.MAPPER.readTree(in.toFile());
        tree.put("schema_version", BenchResults.VERSION + 1);
        Files.write(in, ResultsJson.MAPPER.writeValueAsBytes(tree));
        Path out = dir.resolve("never");
        CliTest.Run run = CliTest.run("report", in.toString(), "--out", out.toString());
        assertEquals(1, run.code());
        assertEquals("tessera: " + in + ": results schema version 2 is newer than this tessera reads (version 1); "
                + "use a newer tessera to report on it", run.err().strip());
        assertFalse(Files.exists(out), "nothing written");
        CliTest.Run none = CliTest.run("report");
        assertEquals(1, none.code());
        assertTrue(none.err().startsWith("tessera: Missing required parameter"), none.err());
    }

    @Test
    void benchsReportGoesBesideTheResultsFile() throws Exception {
        Path in = results("results-1.json");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertEquals(0, ReportCommand.afterBench(in, new PrintWriter(out, true), new PrintWriter(err, true)),
                err.toString());
        assertEquals("report: " + dir.resolve("results-1-report").resolve("index.html").toAbsolutePath(),
                out.toString().strip());
        Files.writeString(in, "{");
        assertEquals(1, ReportCommand.afterBench(in, new PrintWriter(out, true), new PrintWriter(err, true)));
        assertTrue(err.toString().startsWith("tessera bench: the results are in " + in
                + ", but the report could not be made: " + in + ": not valid JSON"), err.toString());
    }

    @Test
    void zooFootprintsCountEachLayersTensorsByHand() {
        ZooFootprints zoo = new ZooFootprints();
        // LeNet-5 conv1: input 1x28x28 = 784, output 6x28x28 = 4704 (pad 2); weights 6x1x5x5 + 6 biases = 156
        assertEquals(new LayerFootprints.Footprint(784 + 4704, 156),
                zoo.find("lenet5", List.of(1, 28, 28), "conv1").orElseThrow());
        // fc1: 400 in, 120 out; 400 x 120 weights + 120 biases
        assertEquals(new LayerFootprints.Footprint(520, 48_120),
                zoo.find("lenet5", List.of(1, 28, 28), "fc1").orElseThrow());
        assertEquals(4L * (8 * 5488 + 156), new LayerFootprints.Footprint(5488, 156).bytes(8));
        // a ResNet at 32x32: conv1 3x32x32 in, 64x16x16 out, 64x3x7x7 weights (no bias)
        assertEquals(new LayerFootprints.Footprint(3 * 32 * 32 + 64 * 16 * 16, 64 * 3 * 7 * 7),
                zoo.find("resnet18", List.of(3, 32, 32), "conv1").orElseThrow());
        assertTrue(zoo.find("lenet5", List.of(1, 32, 32), "conv1").isEmpty(), "another input shape: unknown");
        assertTrue(zoo.find("mystery", List.of(1, 28, 28), "conv1").isEmpty());
    }
}
