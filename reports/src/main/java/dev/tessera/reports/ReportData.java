package dev.tessera.reports;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import dev.tessera.reports.results.BenchResults;
import dev.tessera.reports.results.Environment;
import dev.tessera.reports.results.ResultRow;

/**
 * Result files from one or many machines merged into one set of labelled rows. A row's merge key is (host, device,
 * backend, model, algorithm, batch, scenario). Rows from different files never replace each other: when the same
 * configuration (host, device, backend, algorithm) comes from more than one file, every row of that configuration is
 * kept and its label names the file; when the files come from more than one host, labels name the host.
 */
public final class ReportData {
    private final List<Source> sources;
    private final List<Entry> entries;
    private final List<ReportInputs.JmhFile> jmh;
    private final boolean manyHosts;

    /**
     * One results file.
     *
     * @param label   short name: the file name without ".json" (the whole path when two files share a name)
     * @param path    the file
     * @param results what it holds
     */
    public record Source(String label, Path path, BenchResults results) {
        public String host() {
            return results.environment().host();
        }
    }

    /** The identity rows are merged by. */
    public record Key(String host, String device, String backend, String model, String algorithm, int batch,
            String scenario) {
    }

    /**
     * One row of one file with its display label.
     *
     * @param config      the configuration's label: backend, algorithm and device, plus the host when the report
     *                    covers several hosts and the file when the same configuration comes from several files
     * @param shortConfig the same without device and host, for charts of one device (whose title names it)
     */
    public record Entry(Source source, ResultRow row, String config, String shortConfig) {
        public Key key() {
            return new Key(source.host(), row.device(), row.backend(), row.model(), row.algorithm(), row.batch(),
                    row.scenario());
        }

        public boolean ok() {
            return ResultRow.OK.equals(row.status());
        }

        /** Host and device: a roofline is per device. */
        public String deviceLabel() {
            return row.device() + " (" + source.host() + ")";
        }
    }

    private ReportData(List<Source> sources, List<Entry> entries, List<ReportInputs.JmhFile> jmh, boolean manyHosts) {
        this.sources = List.copyOf(sources);
        this.entries = List.copyOf(entries);
        this.jmh = List.copyOf(jmh);
        this.manyHosts = manyHosts;
    }

    public static ReportData merge(ReportInputs.Inputs inputs) {
        Map<String, Integer> nameCounts = new HashMap<>();
        for (ReportInputs.BenchFile f : inputs.bench()) {
            nameCounts.merge(fileLabel(f.path()), 1, Integer::sum);
        }
        List<Source> sources = new ArrayList<>();
        for (ReportInputs.BenchFile f : inputs.bench()) {
            String label = fileLabel(f.path());
            sources.add(new Source(nameCounts.get(label) > 1 ? f.path().toString() : label, f.path(), f.results()));
        }
        Set<String> hosts = new LinkedHashSet<>();
        sources.forEach(s -> hosts.add(s.host()));
        boolean manyHosts = hosts.size() > 1;
        // which runs each configuration comes from: the shards of one run count as one (unless a shard is given twice)
        Map<String, Integer> shardCopies = new HashMap<>();
        sources.stream().map(ReportData::shardKey).filter(k -> k != null)
                .forEach(k -> shardCopies.merge(k, 1, Integer::sum));
        Map<String, Set<String>> configSources = new HashMap<>();
        for (Source s : sources) {
            String run = shardKey(s) != null && shardCopies.get(shardKey(s)) == 1
                    ? s.results().fleet().matrixId() : s.path().toString();
            for (ResultRow r : s.results().rows()) {
                configSources.computeIfAbsent(configKey(s, r), k -> new LinkedHashSet<>()).add(run);
            }
        }
        List<Entry> entries = new ArrayList<>();
        for (Source s : sources) {
            for (ResultRow r : s.results().rows()) {
                String label = backendAndAlgorithm(r) + " @ " + r.device() + (manyHosts ? " on " + s.host() : "");
                String file = configSources.get(configKey(s, r)).size() > 1 ? " [" + s.label() + "]" : "";
                entries.add(new Entry(s, r, label + file, backendAndAlgorithm(r) + file));
            }
        }
        return new ReportData(sources, entries, inputs.jmh(), manyHosts);
    }

    /** matrix and shard of a sharded file; null for an unsharded one. */
    private static String shardKey(Source s) {
        var f = s.results().fleet();
        return f == null || f.shard().count() < 2 ? null : f.matrixId() + "#" + f.shard();
    }

    private static String fileLabel(Path p) {
        String name = p.getFileName().toString();
        return name.endsWith(".json") ? name.substring(0, name.length() - ".json".length()) : name;
    }

    private static String configKey(Source s, ResultRow r) {
        return s.host() + "\u0000" + r.device() + "\u0000" + r.backend() + "\u0000" + r.algorithm();
    }

    /** backend + algorithm (peers have none). */
    static String backendAndAlgorithm(ResultRow r) {
        String algo = r.algorithm() == null || r.algorithm().equals("-") ? "" : " " + r.algorithm();
        return r.backend() + algo;
    }

    public List<Source> sources() {
        return sources;
    }

    public List<Entry> entries() {
        return entries;
    }

    public List<ReportInputs.JmhFile> jmh() {
        return jmh;
    }

    public boolean manyHosts() {
        return manyHosts;
    }

    /** Rows with status ok in the scenario, in file order. */
    public List<Entry> ok(String scenario) {
        return select(e -> e.ok() && e.row().scenario().equals(scenario));
    }

    public List<Entry> select(Predicate<Entry> filter) {
        return entries.stream().filter(filter).toList();
    }

    /** Rows whose status is not ok: what failed, could not run, or was interrupted. */
    public List<Entry> notOk() {
        return select(e -> !e.ok());
    }

    /** Models in the order they first appear. */
    public List<String> models() {
        Set<String> models = new LinkedHashSet<>();
        entries.forEach(e -> models.add(e.row().model()));
        return List.copyOf(models);
    }

    /** The probe of the device a row ran on, from the same file's environment; null when there is none or it failed. */
    public static Environment.ProbeEntry probe(Entry e) {
        for (Environment.ProbeEntry p : e.source().results().environment().probes()) {
            boolean sameDevice = e.row().deviceIndex() != null ? e.row().deviceIndex() == p.deviceIndex()
                    && p.device().equals(e.row().device()) : p.device().equals(e.row().device());
            if (sameDevice && "ok".equals(p.status()) && p.peakGflopsFp32() != null && p.bandwidthGbs() != null) {
                return p;
            }
        }
        return null;
    }

    /** Groups entries by a label, keeping first-appearance order. */
    static <T> Map<String, List<T>> groupBy(List<T> items, java.util.function.Function<T, String> label) {
        Map<String, List<T>> groups = new LinkedHashMap<>();
        for (T item : items) {
            groups.computeIfAbsent(label.apply(item), k -> new ArrayList<>()).add(item);
        }
        return groups;
    }
}
