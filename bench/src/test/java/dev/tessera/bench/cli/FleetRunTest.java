package dev.tessera.bench.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.File;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.tessera.opencl.ClDevice;
import dev.tessera.opencl.DeviceSelector;
import dev.tessera.reports.results.BenchResults;
import dev.tessera.reports.results.ResultRow;
import dev.tessera.reports.results.ResultsJson;

/**
 * A fleet on one machine: three {@code tessera bench} processes, each a shard of one matrix (one from a Slurm job
 * array's variables, one from a Kubernetes Indexed Job's, one from {@code --shard 3/3}), and one unsharded process;
 * then the report over the shards' folder and {@code tessera compare} on the real run and a slowed copy of it.
 * LeNet-5 only, 20 samples per series (enough for the bootstrap interval of a median): tens of seconds.
 */
class FleetRunTest {
    private static final ClDevice DEVICE = DeviceSelector.fromSetting("tessera.test.device", "TESSERA_TEST_DEVICE");

    @TempDir
    Path dir;

    private Process bench(Path out, String shard, Map<String, String> env, Path log) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                System.getProperty("java.home") + File.separator + "bin" + File.separator + "java",
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                TesseraCli.class.getName(), "bench", "--models", "lenet5", "--backends", "opencl,reference",
                "--devices", String.valueOf(DEVICE.index()), "--algos", "direct,im2col", "--batch", "1,2",
                "--scenarios", "latency,throughput", "--peers", "none", "--no-probe", "--min-samples", "20",
                "--min-time", "0", "--warmup", "1", "--no-report", "--no-progress", "--out", out.toString()));
        if (shard != null) {
            command.addAll(List.of("--shard", shard));
        }
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("SLURM_") || k.equals("JOB_COMPLETION_INDEX")
                || k.equals("TESSERA_SHARD_COUNT"));
        builder.environment().putAll(env);
        return builder.start();
    }

    private static BenchResults read(Path file) throws Exception {
        try (InputStream in = Files.newInputStream(file)) {
            return ResultsJson.read(in);
        }
    }

    @Test
    void threeShardsMergeIntoTheConfigurationsOfOneUnshardedRun() throws Exception {
        Path shards = dir.resolve("fleet");
        List<Process> processes = List.of(
                bench(shards.resolve("node-a/shard-1.json"), "auto", Map.of("SLURM_ARRAY_TASK_ID", "0",
                        "SLURM_ARRAY_TASK_MIN", "0", "SLURM_ARRAY_TASK_MAX", "2"), dir.resolve("1.log")),
                bench(shards.resolve("node-b/shard-2.json"), "auto", Map.of("JOB_COMPLETION_INDEX", "1",
                        "TESSERA_SHARD_COUNT", "3"), dir.resolve("2.log")),
                bench(shards.resolve("node-c/shard-3.json"), "3/3", Map.of(), dir.resolve("3.log")),
                bench(dir.resolve("whole.json"), null, Map.of(), dir.resolve("whole.log")));
        for (int i = 0; i < processes.size(); i++) {
            Process p = processes.get(i);
            assertTrue(p.waitFor(240, TimeUnit.SECONDS), "bench process " + i + " did not finish");
            String log = Files.readString(dir.resolve(i < 3 ? (i + 1) + ".log" : "whole.log"));
            assertEquals(0, p.exitValue(), log);
        }
        BenchResults whole = read(dir.resolve("whole.json"));
        assertEquals(new dev.tessera.reports.results.FleetInfo.Shard(1, 1), whole.fleet().shard());
        assertEquals("none", whole.fleet().scheduler());
        Set<String> merged = new HashSet<>();
        List<String> schedulers = new ArrayList<>();
        int rows = 0;
        for (int k = 1; k <= 3; k++) {
            Path file = shards.resolve("node-" + (char) ('a' + k - 1) + "/shard-" + k + ".json");
            BenchResults shard = read(file);
            assertEquals(k, shard.fleet().shard().index());
            assertEquals(3, shard.fleet().shard().count());
            assertEquals(whole.fleet().matrixId(), shard.fleet().matrixId(), "one matrix");
            assertEquals(whole.rows().size(), shard.fleet().matrixRows());
            assertFalse(shard.rows().isEmpty(), "12 rows in 8 tasks: every shard has some");
            schedulers.add(shard.fleet().scheduler());
            for (ResultRow r : shard.rows()) {
                assertEquals(ResultRow.OK, r.status(), r.id() + ": " + r.reason());
                assertTrue(merged.add(r.id()), r.id() + " is in two shards");
            }
            rows += shard.rows().size();
        }
        assertEquals(List.of("slurm", "kubernetes", "manual"), schedulers);
        assertEquals(whole.rows().stream().map(ResultRow::id).collect(java.util.stream.Collectors.toSet()), merged,
                "the shards' configurations are the unsharded run's");
        assertEquals(whole.rows().size(), rows);

        // the report over the folder: every shard once
        CliTest.Run report = CliTest.run("report", shards.toString(), "--out", dir.resolve("report").toString());
        assertEquals(0, report.code(), report.err());
        assertTrue(report.err().contains(": 3 of 3 shards, complete"), report.err());
        String md = Files.readString(dir.resolve("report/REPORT.md"));
        assertTrue(md.contains("| " + whole.fleet().matrixId().substring(0, 12) + " | 3 | 1, 2, 3 | none | none |"),
                md);
        assertTrue(md.contains("12 rows measured, 0 not"), md);
        // without shard 2 the report says so, on stderr and in the page
        Files.delete(shards.resolve("node-b/shard-2.json"));
        CliTest.Run partial = CliTest.run("report", shards.toString(), "--out", dir.resolve("report2").toString());
        assertEquals(0, partial.code(), partial.err());
        assertTrue(partial.err().contains("2 of 3 shards; missing 2"), partial.err());
        assertTrue(Files.readString(dir.resolve("report2/REPORT.md")).contains("INCOMPLETE"));

        // compare: the real run against itself passes; against a copy with one configuration slowed beyond the spread of
        // its own samples (every slowed sample above every original one: this shared machine's noise spans 10x and
        // more, and a slowdown inside the noise is rightly not flagged) it fails, on that configuration only
        CliTest.Run same = CliTest.run("compare", dir.resolve("whole.json").toString(),
                dir.resolve("whole.json").toString());
        assertEquals(0, same.code(), same.out() + same.err());
        ObjectNode tree = (ObjectNode) ResultsJson.MAPPER.readTree(dir.resolve("whole.json").toFile());
        String slowed = "latency/opencl/" + DEVICE.index() + "/lenet5/im2col/b1";
        double factor = 0;
        for (JsonNode row : tree.get("rows")) {
            if (row.get("id").asText().equals(slowed)) {
                ArrayNode samples = (ArrayNode) row.get("end_to_end_ms").get("samples");
                double min = Double.MAX_VALUE;
                double max = 0;
                for (JsonNode x : samples) {
                    min = Math.min(min, x.asDouble());
                    max = Math.max(max, x.asDouble());
                }
                factor = Math.max(3, 2 * max / min);
                for (int i = 0; i < samples.size(); i++) {
                    samples.set(i, DoubleNode.valueOf(samples.get(i).asDouble() * factor));
                }
            }
        }
        assertTrue(factor > 0, slowed + " not in the run");
        Path slow = dir.resolve("slowed.json");
        ResultsJson.MAPPER.writeValue(slow.toFile(), tree);
        CliTest.Run gate = CliTest.run("compare", dir.resolve("whole.json").toString(), slow.toString(), "--json");
        assertEquals(1, gate.code(), gate.out() + gate.err());
        JsonNode verdicts = Json.MAPPER.readTree(gate.out());
        assertEquals(1, verdicts.get("regressions").asInt());
        for (JsonNode r : verdicts.get("rows")) {
            boolean isSlowed = r.get("configuration").asText().startsWith(slowed + " ");
            assertEquals(isSlowed, r.get("verdict").asText().equals("slower"), r.toString());
            if (isSlowed) {
                assertEquals(factor, r.get("ratio").asDouble(), 1e-9 * factor);
                assertTrue(r.get("low").asDouble() >= 2, r.toString());
            }
        }

        // a folder of repeated runs is one side, resampled run by run; the same file twice on a side is refused
        Path repeated = Files.createDirectories(dir.resolve("repeated"));
        Files.copy(dir.resolve("whole.json"), repeated.resolve("run-1.json"));
        ObjectNode again = (ObjectNode) ResultsJson.MAPPER.readTree(dir.resolve("whole.json").toFile());
        for (JsonNode row : again.get("rows")) {
            if (row.hasNonNull("end_to_end_ms")) {
                ArrayNode samples = (ArrayNode) row.get("end_to_end_ms").get("samples");
                for (int i = 0; i < samples.size(); i++) {
                    samples.set(i, DoubleNode.valueOf(samples.get(i).asDouble() * 1.001));
                }
            }
        }
        ResultsJson.MAPPER.writeValue(repeated.resolve("run-2.json").toFile(), again);
        CliTest.Run runs = CliTest.run("compare", repeated.toString(), dir.resolve("whole.json").toString(), "--json");
        assertEquals(0, runs.code(), runs.out() + runs.err());
        for (JsonNode r : Json.MAPPER.readTree(runs.out()).get("rows")) {
            assertEquals(2, r.get("baseline_runs").asInt(), r.toString());
            assertEquals(1, r.get("candidate_runs").asInt(), r.toString());
        }
        Files.copy(dir.resolve("whole.json"), repeated.resolve("run-2.json"), StandardCopyOption.REPLACE_EXISTING);
        CliTest.Run twice = CliTest.run("compare", repeated.toString(), dir.resolve("whole.json").toString());
        assertEquals(1, twice.code(), twice.out() + twice.err());
        assertEquals(1, twice.err().strip().lines().count(), twice.err());
        assertTrue(twice.err().contains("twice"), twice.err());
    }
}
