package dev.tessera.bench.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

import dev.tessera.opencl.AtomicFiles;
import dev.tessera.reports.results.BenchResults;
import dev.tessera.reports.results.ResultsJson;
import dev.tessera.reports.results.SummaryCsv;

/** Writes a results file and the summary CSV beside it, each atomically. */
public final class ResultFiles {
    private final Path json;
    private final Path csv;

    public ResultFiles(Path json) {
        this.json = json.toAbsolutePath();
        String name = this.json.getFileName().toString();
        String stem = name.endsWith(".json") ? name.substring(0, name.length() - 5) : name;
        this.csv = this.json.resolveSibling(stem + ".csv");
    }

    public Path json() {
        return json;
    }

    public Path csv() {
        return csv;
    }

    public synchronized void write(BenchResults results) {
        try {
            if (json.getParent() != null) {
                java.nio.file.Files.createDirectories(json.getParent());
            }
            AtomicFiles.write(json, ResultsJson.toBytes(results));
            AtomicFiles.write(csv, SummaryCsv.toBytes(results.rows()));
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + json + ": " + e.getMessage(), e);
        }
    }
}
