package dev.tessera.reports.results;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/** The results file as docs/RESULTS.md describes it: names, versions, round trips, the CSV beside it. */
class ResultsSchemaTest {
    static BenchResults example() {
        Distribution latency = new Distribution("ms", 3, 2.0, 2.2, 2.8, 2.98, 1.5, 3.0, 0.2, true, true,
                List.of(2.0, 3.0, 1.5));
        ResultRow ok = new ResultRow("latency/opencl/0/lenet5/auto/b1", "latency", "opencl", 0, "pocl", "opencl:pocl",
                "lenet5", List.of(1, 28, 28), "auto", 1, ResultRow.OK, "", List.of("conv1: AUTO chose direct"),
                new ResultRow.Preparation(1, 2, 3, 6), latency, latency, null, null,
                List.of(new ResultRow.LayerEntry("conv1", "conv2d", "direct", "", 100, 0.5, 0.6, 0.0004, 1.0, 0.25,
                        2.0)),
                new ResultRow.LayerCheck(0.5, 0.6, 2.0, 0.25, 0.3, true), null, null, null,
                List.of(new ResultRow.PeerComparison("onnxruntime", "latency/onnxruntime/cpu/lenet5/-/b1",
                        "end_to_end_ms.median", 2.0, 1.0, 2.0)),
                0.5);
        ResultRow failed = new ResultRow("latency/aparapi/0/lenet5/auto/b1", "latency", "aparapi", 0, "pocl", null,
                "lenet5", List.of(1, 28, 28), "auto", 1, ResultRow.UNSUPPORTED, "no aparapi", List.of(), null, null,
                null, null, null, null, null, null, null, null, List.of(), 0);
        Environment env = new Environment("h", "Linux 6", "amd64", "cpu", 2, 1L << 30, "jvm 17", 1L << 29, "0.1",
                "abc", "--quick", 42,
                List.of(new Environment.DeviceEntry(0, "PoCL", "3.0", "pocl", "v", "CPU", "5", "3.0", 2, 3000, 1L << 30,
                        1 << 16, false, true, false)),
                List.of(new Environment.ProbeEntry(0, "pocl", "quick", "ok", "", 50.0, 10.0)));
        RunSettings settings = new RunSettings(true, List.of("lenet5"), 32, List.of("opencl", "aparapi"), "all",
                List.of("auto"), List.of(1, 8), List.of("latency"), List.of("onnxruntime"), 0.3, 5, 2, 4);
        return new BenchResults(BenchResults.SCHEMA, BenchResults.VERSION, "complete", "2026-11-22T06:00:00Z",
                "2026-11-22T06:01:00Z", 60, env, settings, List.of(ok, failed));
    }

    @Test
    void roundTripsWithSnakeCaseNamesAndEveryFieldPresent() throws Exception {
        BenchResults results = example();
        byte[] bytes = ResultsJson.toBytes(results);
        JsonNode tree = ResultsJson.MAPPER.readTree(bytes);
        assertEquals("tessera-bench-results", tree.get("schema").asText());
        assertEquals(1, tree.get("schema_version").asInt());
        JsonNode row = tree.get("rows").get(0);
        assertEquals(2.0, row.get("end_to_end_ms").get("median").asDouble());
        assertTrue(row.get("end_to_end_ms").get("p99_too_few_samples").asBoolean());
        assertEquals(0.25, row.get("layers").get(0).get("clblast_ms").asDouble());
        assertEquals("end_to_end_ms.median", row.get("peer_comparisons").get(0).get("metric").asText());
        JsonNode failed = tree.get("rows").get(1);
        assertTrue(failed.has("end_to_end_ms") && failed.get("end_to_end_ms").isNull(), "null sections are present");
        assertEquals("unsupported", failed.get("status").asText());
        assertEquals(42, tree.get("environment").get("seed").asLong());
        assertEquals(50.0, tree.get("environment").get("probes").get(0).get("peak_gflops_fp32").asDouble());

        BenchResults back = ResultsJson.read(new ByteArrayInputStream(bytes));
        assertEquals(results.rows().get(0).endToEndMs(), back.rows().get(0).endToEndMs());
        assertEquals(results.rows().get(1).reason(), back.rows().get(1).reason());
        assertEquals(results.environment().openclDevices(), back.environment().openclDevices());
    }

    @Test
    void rejectsOtherSchemasAndVersions() {
        String future = "{\"schema\":\"tessera-bench-results\",\"schema_version\":2,\"rows\":[]}";
        var e = assertThrows(IllegalArgumentException.class,
                () -> ResultsJson.read(new ByteArrayInputStream(future.getBytes(StandardCharsets.UTF_8))));
        assertTrue(e.getMessage().contains("version 2"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> ResultsJson.read(new ByteArrayInputStream("{\"schema\":\"x\"}".getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void csvHasTheDocumentedColumnsAndTheJsonFigures() throws Exception {
        BenchResults results = example();
        byte[] csv = SummaryCsv.toBytes(results.rows());
        String header = new String(csv, StandardCharsets.UTF_8).lines().findFirst().orElseThrow();
        assertTrue(header.startsWith("id,scenario,backend,device_index,device,ran_on,model,input_shape,algorithm,batch,"
                + "status,reason,build_ms,prepare_ms,tune_ms,e2e_n,e2e_median_ms"), header);
        assertTrue(header.endsWith("top1_agreement,mnist_accuracy,peer_ratios"), header);
        List<SummaryCsv.Line> lines = SummaryCsv.read(csv);
        assertEquals(2, lines.size());
        assertEquals(2.0, lines.get(0).e2eMedianMs());
        assertEquals("1x28x28", lines.get(0).inputShape());
        assertEquals("onnxruntime:end_to_end_ms.median=2.0", lines.get(0).peerRatios());
        assertNull(lines.get(1).e2eMedianMs());
        assertEquals("unsupported", lines.get(1).status());
    }
}
