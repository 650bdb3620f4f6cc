package dev.tessera.reports;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The report's comparison of two runs of one host (the earlier file as baseline, the later as candidate), when a
 * host has exactly two results files: the latency ratio per configuration with its 95 % bootstrap interval
 * ({@link RunComparison}, threshold 5 %), as a chart and a table of verdicts.
 */
final class RunComparisonCharts {
    static final double THRESHOLD = 0.05;

    private RunComparisonCharts() {
    }

    /** Each host with exactly two results files: baseline (started first) and candidate. */
    static List<List<ReportData.Source>> pairs(ReportData data) {
        List<List<ReportData.Source>> pairs = new ArrayList<>();
        Map<String, List<ReportData.Source>> byHost = ReportData.groupBy(data.sources().stream()
                .filter(s -> s.results().fleet() == null || s.results().fleet().shard().count() == 1).toList(),
                ReportData.Source::host);
        for (List<ReportData.Source> sources : byHost.values()) {
            if (sources.size() == 2) {
                pairs.add(sources.stream().sorted(Comparator.comparing(s -> s.results().startedAt())).toList());
            }
        }
        return pairs;
    }

    static RunComparison.Result compare(List<ReportData.Source> pair) {
        return RunComparison.compare(List.of(pair.get(0).results()), List.of(pair.get(1).results()), "latency",
                THRESHOLD);
    }

    static List<ChartSpec> charts(ReportData data) {
        List<ChartSpec> charts = new ArrayList<>();
        for (List<ReportData.Source> pair : pairs(data)) {
            List<RunComparison.Row> rows = compare(pair).rows().stream().filter(r -> r.low() != null).toList();
            if (rows.isEmpty()) {
                continue;
            }
            List<String> categories = rows.stream().map(RunComparison.Row::configuration).toList();
            List<Double> values = rows.stream().map(RunComparison.Row::ratio).toList();
            String host = pair.get(0).host();
            // the interval is not symmetric about the ratio, so its ends are bars of their own rather than error bars
            charts.add(new ChartSpec.Bars("comparison-" + ReportCharts.slug(host), "Latency: " + pair.get(1).label()
                    + " against " + pair.get(0).label() + " on " + host, "Median end-to-end latency of the later run "
                    + "over the earlier one per configuration (above 1 is slower), between the ends of its 95 % "
                    + "bootstrap interval (tessera compare).", "configuration", "candidate / baseline", categories,
                    List.of(new ChartSpec.BarSeries("95% interval, low end", rows.stream()
                            .map(RunComparison.Row::low).toList(), null),
                            new ChartSpec.BarSeries("latency ratio", values, null),
                            new ChartSpec.BarSeries("95% interval, high end", rows.stream()
                                    .map(RunComparison.Row::high).toList(), null)), false, false));
        }
        return charts;
    }

    static List<ReportTables.Table> tables(ReportData data) {
        List<ReportTables.Table> tables = new ArrayList<>();
        for (List<ReportData.Source> pair : pairs(data)) {
            List<List<String>> rows = new ArrayList<>();
            RunComparison.Result result = compare(pair);
            if (result.compared().isEmpty()) {
                continue;
            }
            for (RunComparison.Row r : result.rows()) {
                rows.add(List.of(r.configuration(), RunComparison.fmt(r.baseline()), RunComparison.fmt(r.candidate()),
                        RunComparison.fmt(r.ratio()), r.interval(), r.verdictAndReason()));
            }
            tables.add(new ReportTables.Table("comparison-" + ReportCharts.slug(pair.get(0).host()), "Latency: "
                    + pair.get(1).label() + " against " + pair.get(0).label() + " on " + pair.get(0).host(),
                    "Median end-to-end ms; 'slower' means the 95 % interval of the ratio lies wholly above "
                            + (1 + THRESHOLD) + "; from one run each, the interval covers the noise within the "
                            + "runs, not the variation between runs (tessera compare takes folders of repeated "
                            + "runs).", List.of("configuration", "baseline ms", "candidate ms", "ratio",
                            "95% interval", "verdict"), rows));
        }
        return tables;
    }
}
