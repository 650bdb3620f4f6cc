package dev.tessera.reports;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tessera.reports.results.BenchResults;
import dev.tessera.reports.results.FleetInfo;
import dev.tessera.reports.results.ResultsJson;

/** Folders of results, and which shards of a sharded run a report was given. */
class FleetCoverageTest {
    @TempDir
    Path dir;

    private static BenchResults shard(String host, String matrix, int k, int n, String model) {
        BenchResults r = RunComparisonTest.run(List.of(RunComparisonTest.row("latency", model, 1,
                RunComparisonTest.samples(new Random(k), 1, 5))));
        FleetInfo fleet = new FleetInfo(host, List.of("0: gpu"), new FleetInfo.Shard(k, n), "slurm", matrix, 3, 1);
        return new BenchResults(r.schema(), r.schemaVersion(), r.status(), r.startedAt(), r.finishedAt(), r.wallS(),
                new dev.tessera.reports.results.Environment(host, "Linux", "amd64", "cpu", 2, 1, "jvm", 1, "0.1",
                        "abc", "tessera bench --shard auto", 42, List.of(), List.of()),
                r.settings(), r.rows(), fleet);
    }

    private Path write(String name, BenchResults r) throws Exception {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        Files.write(p, ResultsJson.toBytes(r));
        return p;
    }

    @Test
    void aFolderIsSearchedForResultsFilesAndOtherJsonIsSkipped() throws Exception {
        write("fleet/node1/shard-1.json", shard("node1", "m1", 1, 3, "a"));
        write("fleet/node2/shard-2.json", shard("node2", "m1", 2, 3, "b"));
        Files.writeString(dir.resolve("fleet/node2/compare.json"), "{\"metric\": \"latency\"}");
        Files.writeString(dir.resolve("fleet/notes.txt"), "not JSON, not .json");
        ReportInputs.Inputs in = ReportInputs.read(List.of(dir.resolve("fleet")));
        assertEquals(List.of("shard-1.json", "shard-2.json"), in.bench().stream()
                .map(f -> f.path().getFileName().toString()).toList());
        Files.createDirectories(dir.resolve("empty"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ReportInputs.read(List.of(dir.resolve("empty"))));
        assertTrue(e.getMessage().contains("no results files"), e.getMessage());
        // a file named explicitly must be a results file or JMH
        assertThrows(IllegalArgumentException.class,
                () -> ReportInputs.read(List.of(dir.resolve("fleet/node2/compare.json"))));
    }

    @Test
    void missingAndDuplicatedShardsAreNamedPerMatrix() throws Exception {
        write("a/s1.json", shard("node1", "m1", 1, 3, "a"));
        write("b/s1.json", shard("node2", "m1", 1, 3, "a"));
        write("a/s3.json", shard("node1", "m1", 3, 3, "c"));
        write("c/t1.json", shard("node3", "m2", 1, 2, "a"));
        write("c/t2.json", shard("node3", "m2", 2, 2, "b"));
        write("c/single.json", RunComparisonTest.run(List.of()));
        ReportData data = ReportData.merge(ReportInputs.read(List.of(dir)));
        List<FleetCoverage.Run> runs = FleetCoverage.of(data);
        assertEquals(2, runs.size(), "the unsharded file is no sharded run");
        FleetCoverage.Run m1 = runs.get(0);
        assertEquals(List.of(1, 3), m1.present());
        assertEquals(List.of(2), m1.missing());
        assertEquals(Map.of(1, List.of(dir.resolve("a/s1.json").toString(), dir.resolve("b/s1.json").toString())),
                m1.duplicated());
        assertFalse(m1.complete());
        assertTrue(m1.summary().contains("missing 2") && m1.summary().contains("shard 1 given 2 times"),
                m1.summary());
        FleetCoverage.Run m2 = runs.get(1);
        assertTrue(m2.complete(), m2.summary());
        assertEquals("matrix m2: 2 of 2 shards, complete (node3)", m2.summary());

        String md = new String(Report.build(data, LayerFootprints.NONE, null).files().get(Report.MARKDOWN),
                StandardCharsets.UTF_8);
        assertTrue(md.contains("| m1 | 3 | 1, 3 | 2 |"), md);
        assertTrue(md.contains("INCOMPLETE") && md.contains("| m2 | 2 | 1, 2 | none | none | none | node3 | complete |"),
                md);
    }

    @Test
    void anInterruptedOrUnfinishedShardLeavesTheRunIncomplete() throws Exception {
        BenchResults one = shard("node1", "m", 1, 2, "a");
        write("s1.json", new BenchResults(one.schema(), one.schemaVersion(), "interrupted", one.startedAt(),
                one.finishedAt(), one.wallS(), one.environment(), one.settings(), one.rows(), one.fleet()));
        write("s2.json", shard("node2", "m", 2, 2, "b"));
        FleetCoverage.Run run = FleetCoverage.of(ReportData.merge(ReportInputs.read(List.of(dir)))).get(0);
        assertEquals(List.of(), run.missing());
        assertEquals(Map.of(1, "interrupted"), run.unfinished());
        assertFalse(run.complete());
        assertEquals("matrix m: 2 of 2 shards; shard 1 interrupted", run.summary());
    }

    @Test
    void theShardsOfOneRunAreOneSourceForLabelsButADuplicatedShardIsLabelledByFile() throws Exception {
        write("r/s1.json", shard("node", "m1", 1, 2, "a"));
        write("r/s2.json", shard("node", "m1", 2, 2, "b"));
        ReportData data = ReportData.merge(ReportInputs.read(List.of(dir.resolve("r"))));
        assertTrue(data.entries().stream().noneMatch(e -> e.config().contains("[")), "no file label on shards");
        write("r/s2-again.json", shard("node", "m1", 2, 2, "b"));
        ReportData twice = ReportData.merge(ReportInputs.read(List.of(dir.resolve("r"))));
        assertEquals(2, twice.entries().stream().filter(e -> e.config().contains("[s2")).count(), "both copies");
    }

    @Test
    void aFileWrittenBeforeTheFleetFieldReadsWithNone() throws Exception {
        String json = new String(ResultsJson.toBytes(RunComparisonTest.run(List.of())), StandardCharsets.UTF_8);
        assertTrue(json.contains("\"fleet\" : null"));
        Files.writeString(dir.resolve("old.json"), json.replace(",\n  \"fleet\" : null", ""));
        assertFalse(Files.readString(dir.resolve("old.json")).contains("fleet"));
        BenchResults old = ReportInputs.read(List.of(dir.resolve("old.json"))).bench().get(0).results();
        assertNull(old.fleet());
    }
}
