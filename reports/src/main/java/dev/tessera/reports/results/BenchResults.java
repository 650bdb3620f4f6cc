package dev.tessera.reports.results;

import java.util.List;

/**
 * One results file of {@code tessera bench} (schema documented in docs/RESULTS.md). The harness rewrites it
 * atomically after every configuration, so a file is always complete and valid JSON; {@code status} says whether the
 * run finished.
 *
 * @param schema        always {@link #SCHEMA}
 * @param schemaVersion {@link #VERSION} for files this code writes; readers reject other versions
 * @param status        "running" (written while the run goes on), "complete" or "interrupted"
 * @param startedAt     ISO-8601 UTC instant the run started
 * @param finishedAt    ISO-8601 UTC instant of the last write
 * @param wallS         seconds from start to the last write
 * @param environment   where and how it ran
 * @param settings      what was asked for, after defaults were applied
 * @param rows          one per configuration, in the order they ran
 * @param fleet         host, devices, shard and matrix identity (null in files written before it existed)
 */
public record BenchResults(String schema, int schemaVersion, String status, String startedAt, String finishedAt,
        double wallS, Environment environment, RunSettings settings, List<ResultRow> rows, FleetInfo fleet) {
    public static final String SCHEMA = "tessera-bench-results";
    public static final int VERSION = 1;

    public BenchResults {
        rows = List.copyOf(rows);
    }

    /** A file without fleet information (an unsharded run, or one written before the field existed). */
    public BenchResults(String schema, int schemaVersion, String status, String startedAt, String finishedAt,
            double wallS, Environment environment, RunSettings settings, List<ResultRow> rows) {
        this(schema, schemaVersion, status, startedAt, finishedAt, wallS, environment, settings, rows, null);
    }
}
