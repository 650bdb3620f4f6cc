package dev.tessera.bench.harness;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.tessera.reports.ReportInputs;
import dev.tessera.reports.results.BenchResults;
import dev.tessera.reports.results.Distribution;
import dev.tessera.reports.results.Environment;
import dev.tessera.reports.results.FleetInfo;
import dev.tessera.reports.results.ResultRow;
import dev.tessera.reports.results.RunSettings;

/** A row and its peer measured in different shards are compared once the shards are merged. */
class FleetMergeTest {
    private static ResultRow latency(String backend, Integer deviceIndex, String device, String algorithm,
            double medianMs) {
        Distribution d = new Distribution("ms", 3, medianMs, medianMs, medianMs, medianMs, medianMs, medianMs, 0.0,
                true, true, List.of(medianMs, medianMs, medianMs));
        String id = "latency/" + backend + "/" + (deviceIndex == null ? "cpu" : deviceIndex) + "/lenet5/" + algorithm
                + "/b1";
        return new ResultRow(id, "latency", backend, deviceIndex, device, "x", "lenet5", List.of(1, 28, 28), algorithm,
                1, ResultRow.OK, "", List.of(), null, d, null, null, null, null, null, null, null, null, List.of(),
                0.1);
    }

    private static BenchResults shard(String matrix, int k, int n, ResultRow row) {
        Environment env = new Environment("h" + k, "Linux", "amd64", "cpu", 2, 1, "jvm", 1, "0.1", "abc", "bench", 42,
                List.of(), List.of());
        RunSettings settings = new RunSettings(true, List.of("lenet5"), null, List.of("opencl"), "all",
                List.of("direct"), List.of(1), List.of("latency"), List.of("onnxruntime"), 0.2, 3, 1, 1);
        return new BenchResults(BenchResults.SCHEMA, BenchResults.VERSION, "complete", "t0", "t1", 1, env, settings,
                List.of(row), new FleetInfo("h" + k, List.of("0: gpu"), new FleetInfo.Shard(k, n), "manual", matrix,
                        2, 1));
    }

    @Test
    void peerRatiosAreLinkedAcrossTheShardsOfOneMatrixOnly() {
        ResultRow ours = latency("opencl", 0, "gpu", "direct", 2.0);
        ResultRow onnx = latency("onnxruntime", null, "cpu", RowKey.NO_ALGORITHM, 8.0);
        ReportInputs.Inputs in = new ReportInputs.Inputs(List.of(
                new ReportInputs.BenchFile(Path.of("s1.json"), shard("m", 1, 2, ours)),
                new ReportInputs.BenchFile(Path.of("s2.json"), shard("m", 2, 2, onnx)),
                new ReportInputs.BenchFile(Path.of("other.json"), shard("other", 1, 2, ours))), List.of());
        assertTrue(in.bench().get(0).results().rows().get(0).peerComparisons().isEmpty());
        ReportInputs.Inputs linked = FleetMerge.relink(in);
        List<ResultRow.PeerComparison> c = linked.bench().get(0).results().rows().get(0).peerComparisons();
        assertEquals(1, c.size());
        assertEquals("onnxruntime", c.get(0).peer());
        assertEquals(0.25, c.get(0).ratio(), 1e-12, "2 ms / 8 ms");
        assertEquals(List.of(), linked.bench().get(2).results().rows().get(0).peerComparisons(),
                "another matrix is not linked with it");
        assertEquals(in.bench().get(1).results().fleet(), linked.bench().get(1).results().fleet());
    }
}
