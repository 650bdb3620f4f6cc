package dev.tessera.bench.harness;

import static org.junit.jupiter.api.Assertions.*;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tessera.reports.results.BenchResults;
import dev.tessera.reports.results.ResultRow;
import dev.tessera.reports.results.ResultsJson;
import dev.tessera.reports.results.RunSettings;

/** The CSV lands beside the JSON; once finished (the run's end or the interrupt) nothing overwrites the files. */
class ResultFilesTest {
    private static BenchResults results(String status, int rows) {
        List<ResultRow> list = new java.util.ArrayList<>();
        for (int i = 0; i < rows; i++) {
            list.add(new RowKey("latency", "reference", null, "cpu", "lenet5", List.of(1, 28, 28), "auto", 1 + i)
                    .failed(ResultRow.INTERRUPTED, "stopped", 0));
        }
        return new BenchResults(BenchResults.SCHEMA, BenchResults.VERSION, status, "t0", "t1", 1,
                EnvironmentInfo.collect("x", 1, List.of(), true), new RunSettings(true, List.of("lenet5"), null,
                        List.of("reference"), "all", List.of("auto"), List.of(1), List.of("latency"), List.of(), 0, 1,
                        0, 1), list);
    }

    @Test
    void finishedFilesAreNotOverwritten(@TempDir Path dir) throws Exception {
        ResultFiles files = new ResultFiles(dir.resolve("sub/run.json"));
        assertEquals(dir.resolve("sub/run.csv").toAbsolutePath(), files.csv());
        files.write(results("running", 1));
        files.finish(results("interrupted", 2));
        files.write(results("running", 3));
        files.finish(results("complete", 4));
        try (InputStream in = Files.newInputStream(files.json())) {
            BenchResults read = ResultsJson.read(in);
            assertEquals("interrupted", read.status());
            assertEquals(2, read.rows().size());
        }
        assertEquals(3, Files.readAllLines(files.csv()).size(), "header and two rows");
        try (var listing = Files.list(files.json().getParent())) {
            assertEquals(2, listing.count(), "no temporary files left behind");
        }
    }
}
