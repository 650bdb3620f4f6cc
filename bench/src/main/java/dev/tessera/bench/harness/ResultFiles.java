package dev.tessera.bench.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

import dev.tessera.opencl.AtomicFiles;
import dev.tessera.reports.results.BenchResults;
import dev.tessera.reports.results.ResultsJson;
import dev.tessera.reports.results.SummaryCsv;

/**
 * Writes a results file and the summary CSV beside it, each atomically. After {@link #finish} (the run's last write,
 * or the interrupt's) later writes are ignored, so a configuration finishing while the interrupt writes cannot
 * overwrite the final file.
 */
public final class ResultFiles {
    private final Path json;
    private final Path csv;
    private boolean finished;

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

    /** Writes the results so far, unless the file is already finished. */
    public synchronized void write(BenchResults results) {
        if (finished) {
            return;
        }
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

    /** Writes the final results (unless another final write came first) and ignores every write after it. */
    public synchronized void finish(BenchResults results) {
        write(results);
        finished = true;
    }
}
