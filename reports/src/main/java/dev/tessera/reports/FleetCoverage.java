package dev.tessera.reports;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import dev.tessera.reports.results.FleetInfo;

/**
 * Which shards of each sharded run a report was given: the results files grouped by the identity of their whole
 * configuration matrix, with the shards present, missing and given more than once. Unsharded files and files written
 * before the {@code fleet} field existed are not part of it.
 */
public final class FleetCoverage {
    private FleetCoverage() {
    }

    /**
     * One sharded run.
     *
     * @param matrixId  the whole matrix's identity
     * @param count     shards it was split into (the largest count its files name)
     * @param present   shard indices given, ascending
     * @param missing   shard indices not given
     * @param duplicated per shard index given more than once, the files that hold it
     * @param unfinished per shard index whose file did not finish, its status ("interrupted", or "running" when the
     *                   process ended without a final write)
     * @param counts    every shard count its files name (more than one means the files disagree)
     * @param hosts     hosts the shards ran on
     * @param files     every file of the run
     */
    public record Run(String matrixId, int count, List<Integer> present, List<Integer> missing,
            Map<Integer, List<String>> duplicated, Map<Integer, String> unfinished, Set<Integer> counts,
            Set<String> hosts, List<String> files) {
        public boolean complete() {
            return missing.isEmpty() && duplicated.isEmpty() && unfinished.isEmpty() && counts.size() == 1;
        }

        public String shortId() {
            return matrixId.substring(0, Math.min(12, matrixId.length()));
        }

        /** One line: complete, or what is missing and duplicated. */
        public String summary() {
            StringBuilder s = new StringBuilder("matrix " + shortId() + ": " + present.size() + " of " + count
                    + " shards");
            if (complete()) {
                return s.append(", complete (").append(String.join(", ", hosts)).append(')').toString();
            }
            if (!missing.isEmpty()) {
                s.append("; missing ").append(join(missing));
            }
            duplicated.forEach((shard, files) -> s.append("; shard ").append(shard).append(" given ")
                    .append(files.size()).append(" times (").append(String.join(", ", files)).append(')'));
            unfinished.forEach((shard, status) -> s.append("; shard ").append(shard).append(' ').append(status));
            if (counts.size() > 1) {
                s.append("; the files disagree on the number of shards (").append(join(List.copyOf(counts)))
                        .append(')');
            }
            return s.toString();
        }
    }

    /** The sharded runs among the report's files, in the order they first appear. */
    public static List<Run> of(ReportData data) {
        Map<String, List<ReportData.Source>> byMatrix = new LinkedHashMap<>();
        for (ReportData.Source s : data.sources()) {
            FleetInfo f = s.results().fleet();
            if (f != null && f.shard().count() > 1) {
                byMatrix.computeIfAbsent(f.matrixId(), k -> new ArrayList<>()).add(s);
            }
        }
        List<Run> runs = new ArrayList<>();
        byMatrix.forEach((id, sources) -> {
            Map<Integer, List<String>> byShard = new TreeMap<>();
            Set<Integer> counts = new LinkedHashSet<>();
            Set<String> hosts = new LinkedHashSet<>();
            Map<Integer, String> unfinished = new TreeMap<>();
            for (ReportData.Source s : sources) {
                FleetInfo f = s.results().fleet();
                if (!"complete".equals(s.results().status())) {
                    unfinished.put(f.shard().index(), s.results().status());
                }
                byShard.computeIfAbsent(f.shard().index(), k -> new ArrayList<>()).add(s.label());
                counts.add(f.shard().count());
                hosts.add(f.host());
            }
            int count = counts.stream().mapToInt(Integer::intValue).max().orElse(1);
            List<Integer> missing = new ArrayList<>();
            for (int k = 1; k <= count; k++) {
                if (!byShard.containsKey(k)) {
                    missing.add(k);
                }
            }
            Map<Integer, List<String>> duplicated = new TreeMap<>();
            byShard.forEach((k, files) -> {
                if (files.size() > 1) {
                    duplicated.put(k, List.copyOf(files));
                }
            });
            runs.add(new Run(id, count, List.copyOf(byShard.keySet()), missing, duplicated, unfinished, counts, hosts,
                    sources.stream().map(ReportData.Source::label).toList()));
        });
        return runs;
    }

    /** The table in the report's first section. */
    static ReportTables.Table table(ReportData data) {
        List<List<String>> rows = new ArrayList<>();
        for (Run r : of(data)) {
            rows.add(List.of(r.shortId(), String.valueOf(r.count()), join(r.present()),
                    r.missing().isEmpty() ? "none" : join(r.missing()),
                    r.duplicated().isEmpty() ? "none" : String.join("; ", r.duplicated().entrySet().stream()
                            .map(e -> e.getKey() + ": " + String.join(", ", e.getValue())).toList()),
                    r.unfinished().isEmpty() ? "none" : String.join("; ", r.unfinished().entrySet().stream()
                            .map(e -> e.getKey() + ": " + e.getValue()).toList()),
                    String.join(", ", r.hosts()), r.complete() ? "complete" : "INCOMPLETE"));
        }
        return new ReportTables.Table("shards", "Shards", "Sharded runs (tessera bench --shard), grouped by the "
                + "identity of the whole configuration matrix: a run is complete when every shard is here once and "
                + "finished.",
                List.of("matrix", "shards", "present", "missing", "duplicated", "unfinished", "hosts", "status"), rows);
    }

    private static String join(List<Integer> values) {
        return String.join(", ", values.stream().map(String::valueOf).toList());
    }
}
