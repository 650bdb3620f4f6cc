package dev.tessera.reports;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.tessera.reports.ReportData.Entry;
import dev.tessera.reports.ReportData.Source;
import dev.tessera.reports.results.Distribution;
import dev.tessera.reports.results.Environment;
import dev.tessera.reports.results.ResultRow;

/** The tables of a report, shared by the HTML and the Markdown. */
public final class ReportTables {
    private ReportTables() {
    }

    /** A table: a title, a header and rows of cells already formatted. */
    public record Table(String id, String title, String note, List<String> header, List<List<String>> rows) {
        public Table {
            header = List.copyOf(header);
            rows = rows.stream().map(List::copyOf).toList();
        }

        public boolean isEmpty() {
            return rows.isEmpty();
        }
    }

    public static Table sources(ReportData data) {
        List<List<String>> rows = new ArrayList<>();
        for (Source s : data.sources()) {
            long ok = s.results().rows().stream().filter(r -> ResultRow.OK.equals(r.status())).count();
            var fleet = s.results().fleet();
            String shard = fleet == null || fleet.shard().count() < 2 ? "" : ", shard " + fleet.shard();
            rows.add(List.of(s.label(), s.host(), s.results().status() + shard, s.results().startedAt(),
                    fmt(s.results().wallS()), ok + " / " + s.results().rows().size()));
        }
        for (ReportInputs.JmhFile f : data.jmh()) {
            rows.add(List.of(f.path().getFileName().toString(), "", "JMH", "", "", f.results().size() + " benchmarks"));
        }
        return new Table("sources", "Result files", "", List.of("file", "host", "status", "started (UTC)", "wall s",
                "rows ok"), rows);
    }

    public static Table throughput(ReportData data) {
        List<List<String>> rows = new ArrayList<>();
        for (Entry e : data.ok("throughput")) {
            ResultRow r = e.row();
            Distribution d = r.endToEndMs();
            rows.add(List.of(r.model(), e.config(), String.valueOf(r.batch()), fmt(r.imagesPerSecondEndToEnd()),
                    fmt(ReportCharts.standardError(r)),
                    fmt(r.imagesPerSecondResident()), d == null ? "" : String.valueOf(d.n())));
        }
        return new Table("throughput", "Throughput", "images/s: end to end (host transfers included) and "
                + "device-resident; s.e.: the standard error of the end-to-end figure.",
                List.of("model", "configuration", "batch", "images/s", "s.e.", "images/s resident", "runs"), rows);
    }

    public static Table latency(ReportData data) {
        List<List<String>> rows = new ArrayList<>();
        for (Entry e : data.ok("latency")) {
            ResultRow r = e.row();
            Distribution d = r.endToEndMs();
            if (d == null) {
                continue;
            }
            rows.add(List.of(r.model(), e.config(), String.valueOf(r.batch()), String.valueOf(d.n()), fmt(d.median()),
                    fmt(d.mean()), fmt(d.p90()) + (d.p90TooFewSamples() ? " *" : ""),
                    fmt(d.p99()) + (d.p99TooFewSamples() ? " *" : ""), fmt(d.min()), fmt(d.max()), fmt(d.rsd()),
                    r.residentMs() == null ? "" : fmt(r.residentMs().median()),
                    r.layerCheck() == null ? "" : fmt(r.layerCheck().kernelToWall())));
        }
        return new Table("latency", "Latency", "Milliseconds per run end to end; * marks a percentile with too few "
                + "samples behind it to be a tail (p90: fewer than 10, p99: fewer than 100). kernels/wall: the "
                + "layers' device time over the resident run's wall time.",
                List.of("model", "configuration", "batch", "n", "median", "mean", "p90", "p99", "min", "max", "rsd",
                        "resident median", "kernels/wall"), rows);
    }

    public static Table accuracy(ReportData data) {
        List<List<String>> rows = new ArrayList<>();
        for (Entry e : data.ok("accuracy")) {
            ResultRow.AccuracyResult a = e.row().accuracy();
            if (a == null) {
                continue;
            }
            rows.add(List.of(e.row().model(), e.deviceLabel(), e.row().backend(), e.row().algorithm(),
                    String.valueOf(a.images()), fmt(a.relativeL2Mean()), fmt(a.relativeL2Max()), fmt(a.maxAbs()),
                    a.top1Agreed() + "/" + a.images() + " (" + percent(a.top1Agreement()) + ")"));
        }
        for (Entry e : data.ok("mnist")) {
            ResultRow.MnistResult m = e.row().mnist();
            if (m == null) {
                continue;
            }
            rows.add(List.of(e.row().model() + " (MNIST)", e.deviceLabel(), e.row().backend(), e.row().algorithm(),
                    String.valueOf(m.images()), "", "", "", "accuracy " + percent(m.accuracy()) + ", reference "
                            + percent(m.referenceAccuracy())));
        }
        return new Table("accuracy", "Accuracy against the double-precision reference", "Relative L2 error of the "
                + "final output (mean and worst over the images), largest absolute difference, and how many images "
                + "have the same top-1 class as the reference.",
                List.of("model", "device", "backend", "algorithm", "images", "rel. L2 mean", "rel. L2 max", "max abs",
                        "top-1 agreement"), rows);
    }

    public static Table peers(ReportData data) {
        List<List<String>> rows = new ArrayList<>();
        for (Entry e : data.select(Entry::ok)) {
            if (e.row().peerComparisons() == null) {
                continue;
            }
            for (ResultRow.PeerComparison c : e.row().peerComparisons()) {
                rows.add(List.of(e.row().model(), String.valueOf(e.row().batch()), e.config(), c.peer(), c.metric(),
                        fmt(c.ours()), fmt(c.theirs()), fmt(c.ratio()), ReportCharts.peerReading(c.metric())));
            }
        }
        return new Table("peers", "Against the peers", "ratio = ours / theirs on the same inputs and batch.",
                List.of("model", "batch", "configuration", "peer", "metric", "ours", "theirs", "ratio", "reading"),
                rows);
    }

    public static Table jmh(ReportData data) {
        List<List<String>> rows = new ArrayList<>();
        for (ReportInputs.JmhFile f : data.jmh()) {
            for (JmhResults.Result r : f.results()) {
                rows.add(List.of(r.shortName(), r.param("layer"), r.param("algorithm"),
                        fmt(r.score()) + " " + r.unit(), fmt(r.scoreError()),
                        r.gflops() == null ? "" : fmt(r.gflops()), r.gflopsError() == null ? "" : fmt(r.gflopsError())));
            }
        }
        return new Table("jmh", "JMH microbenchmarks", "Score and GFLOP/s with JMH's 99.9% confidence half-width.",
                List.of("benchmark", "layer", "algorithm", "score", "error", "GFLOP/s", "GFLOP/s error"), rows);
    }

    /** Rows that did not run, one line per file, status and reason with every row it applies to. */
    public static Table notMeasured(ReportData data) {
        List<List<String>> rows = new ArrayList<>();
        ReportData.groupBy(data.notOk(), e -> e.source().label() + "\u0000" + e.row().status() + "\u0000"
                + e.row().reason()).forEach((key, entries) -> {
                    Entry first = entries.get(0);
                    rows.add(List.of(first.source().label(), first.row().status(), first.row().reason(),
                            String.valueOf(entries.size()),
                            String.join(", ", entries.stream().map(e -> e.row().id()).toList())));
                });
        return new Table("not-measured", "Not measured", "Configurations that did not run (unsupported here, failed, "
                + "or interrupted), grouped by reason.", List.of("file", "status", "reason", "rows", "row ids"),
                rows);
    }

    /** One table per results file: the machine, software, devices and ceilings, and the settings. */
    public static List<Table> environments(ReportData data) {
        List<Table> tables = new ArrayList<>();
        for (Source s : data.sources()) {
            Environment env = s.results().environment();
            List<List<String>> rows = new ArrayList<>();
            rows.add(List.of("host", env.host()));
            rows.add(List.of("OS, architecture", env.os() + ", " + env.arch()));
            rows.add(List.of("CPU", env.cpuModel() + ", " + env.cpuCores() + " logical processors"));
            rows.add(List.of("memory", gib(env.memoryBytes())));
            rows.add(List.of("JVM", env.jvm() + ", max heap " + gib(env.maxHeapBytes())));
            rows.add(List.of("tessera", env.tesseraVersion() + ", commit "
                    + (env.gitCommit() == null ? "unknown" : env.gitCommit())));
            rows.add(List.of("seed", String.valueOf(env.seed())));
            for (Environment.DeviceEntry d : env.openclDevices()) {
                rows.add(List.of("OpenCL device " + d.index(), d.name() + " (" + d.type() + ", " + d.computeUnits()
                        + " CU, " + d.clockMhz() + " MHz, " + gib(d.globalMemBytes()) + "; " + d.platformVersion()
                        + ", driver " + d.driverVersion() + (d.simulator() ? "; simulator" : "") + ")"));
            }
            for (Environment.ProbeEntry p : env.probes()) {
                rows.add(List.of("probe, device " + p.deviceIndex(), "ok".equals(p.status())
                        ? fmt(p.peakGflopsFp32()) + " GFLOP/s fp32, " + fmt(p.bandwidthGbs()) + " GB/s (" + p.sweep()
                                + " sweep)" : p.status() + ": " + p.reason()));
            }
            var st = s.results().settings();
            if (st != null) {
                rows.add(List.of("settings", "models " + st.models() + ", backends " + st.backends() + ", devices "
                        + st.devices() + ", algorithms " + st.algorithms() + ", batches " + st.batches()
                        + ", scenarios " + st.scenarios() + ", peers " + st.peers() + ", input size "
                        + (st.inputSize() == null ? "model default" : st.inputSize()) + ", at least "
                        + fmt(st.minTimeS()) + " s and " + st.minSamples() + " runs after " + st.warmupRuns()
                        + " warm-up runs, " + st.accuracyImages() + " accuracy images"
                        + (st.quick() ? ", quick" : "")));
            }
            tables.add(new Table("environment-" + ReportCharts.slug(s.label()), "Environment: " + s.label(), "",
                    List.of("", ""), rows));
        }
        return tables;
    }

    /** The exact command lines: each run's, and the report's own. */
    public static List<String> commandLines(ReportData data, String reportCommand) {
        List<String> lines = new ArrayList<>();
        for (Source s : data.sources()) {
            lines.add(commandLine(s.results().environment().commandLine()) + "    # " + s.label() + " on "
                    + s.host());
        }
        if (reportCommand != null && !reportCommand.isBlank()) {
            lines.add(reportCommand + "    # this report");
        }
        return lines;
    }

    /** The recorded command line as typed: files record it with or without the leading "tessera". */
    static String commandLine(String recorded) {
        return recorded.startsWith("tessera ") ? recorded : "tessera " + recorded;
    }

    /** Three significant digits, plain notation between 0.001 and 10^7, else scientific; empty for null. */
    public static String fmt(Double v) {
        if (v == null) {
            return "";
        }
        if (v.isNaN() || v.isInfinite()) {
            return String.valueOf(v);
        }
        if (v == 0) {
            return "0";
        }
        double abs = Math.abs(v);
        if (abs >= 1e-3 && abs < 1e7) {
            return new BigDecimal(v).round(new MathContext(3)).stripTrailingZeros().toPlainString();
        }
        return String.format(Locale.ROOT, "%.2e", v);
    }

    static String percent(double fraction) {
        return fmt(100 * fraction) + "%";
    }

    static String gib(long bytes) {
        return bytes <= 0 ? "unknown" : fmt(bytes / (double) (1L << 30)) + " GiB";
    }
}
