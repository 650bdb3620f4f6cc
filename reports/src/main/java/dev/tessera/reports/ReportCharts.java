package dev.tessera.reports;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Predicate;

import dev.tessera.reports.ReportData.Entry;
import dev.tessera.reports.results.Environment;
import dev.tessera.reports.results.ResultRow;

/**
 * The data behind every chart of a report, computed from merged results ({@link ReportData}). Each method returns one
 * chart per model (or device, metric, benchmark), none when there is nothing to show.
 */
public final class ReportCharts {
    /** Per-layer stacks show at most this many layers; the rest are summed into one "other" bar part. */
    static final int MAX_STACKED_LAYERS = 12;
    /** With more layers than that, the slowest this many are shown one by one and the rest summed per operator. */
    static final int SLOWEST_LAYERS_SHOWN = 8;
    /** The roofline's ceiling line is named with this prefix (and drawn as a heavy black line). */
    static final String ROOF = "roof: ";

    private ReportCharts() {
    }

    /** Every chart in report order. */
    public static List<ChartSpec> all(ReportData data, LayerFootprints footprints) {
        List<ChartSpec> charts = new ArrayList<>();
        charts.addAll(throughput(data));
        charts.addAll(latency(data));
        charts.addAll(batchSweep(data));
        charts.addAll(layerBreakdown(data));
        charts.addAll(roofline(data, footprints));
        charts.addAll(accuracyByDepth(data));
        charts.addAll(peerRatios(data));
        charts.addAll(jmhGflops(data));
        return charts;
    }

    /**
     * Images per second end to end, per model: categories are batch sizes, one bar per configuration, error bars of
     * one standard error of the rate.
     */
    public static List<ChartSpec.Bars> throughput(ReportData data) {
        List<ChartSpec.Bars> charts = new ArrayList<>();
        ReportData.groupBy(withImagesPerSecond(data), e -> e.row().model()).forEach((model, rows) -> {
            Labels labels = Labels.of(rows);
            Set<Integer> batches = new TreeSet<>();
            rows.forEach(e -> batches.add(e.row().batch()));
            List<String> categories = batches.stream().map(b -> "batch " + b).toList();
            List<ChartSpec.BarSeries> series = new ArrayList<>();
            ReportData.groupBy(rows, labels.label()).forEach((config, configRows) -> {
                List<Double> values = nulls(categories.size());
                List<Double> errors = nulls(categories.size());
                for (Entry e : configRows) {
                    int i = categories.indexOf("batch " + e.row().batch());
                    double ips = e.row().imagesPerSecondEndToEnd();
                    values.set(i, ips);
                    errors.set(i, standardError(e.row()));
                }
                series.add(new ChartSpec.BarSeries(config, values, errors));
            });
            charts.add(new ChartSpec.Bars("throughput-" + slug(model), "Throughput: " + model + labels.onDevice(),
                    "Images per second end to end (host transfers included), per batch size and configuration; "
                            + "error bars: the standard error of that rate (images/s x the relative standard "
                            + "deviation of the per-run times / the square root of the number of runs).",
                    "batch size", "images/s", categories, series, false, false));
        });
        return charts;
    }

    /**
     * The standard error of a row's end-to-end images/s: the rate is batch / mean time, so its relative standard
     * error is the times' (rsd / sqrt(n)); 0 without an rsd (fewer than two runs).
     */
    static double standardError(ResultRow r) {
        var d = r.endToEndMs();
        if (d == null || d.rsd() == null || d.n() < 2 || r.imagesPerSecondEndToEnd() == null) {
            return 0.0;
        }
        return r.imagesPerSecondEndToEnd() * d.rsd() / Math.sqrt(d.n());
    }

    private static List<Entry> withImagesPerSecond(ReportData data) {
        return data.ok("throughput").stream().filter(e -> e.row().imagesPerSecondEndToEnd() != null).toList();
    }

    /** Per model, one box per configuration of the latency samples (end to end, every sample after warm-up). */
    public static List<ChartSpec.Boxes> latency(ReportData data) {
        List<ChartSpec.Boxes> charts = new ArrayList<>();
        List<Entry> rows = data.ok("latency").stream().filter(e -> e.row().endToEndMs() != null
                && !e.row().endToEndMs().samples().isEmpty()).toList();
        ReportData.groupBy(rows, e -> e.row().model()).forEach((model, modelRows) -> {
            Labels labels = Labels.of(modelRows);
            List<ChartSpec.Box> boxes = new ArrayList<>();
            for (Entry e : modelRows) {
                boxes.add(new ChartSpec.Box(withBatch(e, labels.label()), e.row().endToEndMs().samples()));
            }
            charts.add(new ChartSpec.Boxes("latency-" + slug(model), "Latency distribution: " + model
                    + labels.onDevice(),
                    "Every timed run end to end (host transfers included), after warm-up; box: quartiles, "
                            + "whiskers: 1.5 x the interquartile range.",
                    "ms per run", boxes));
        });
        return charts;
    }

    /** Per model, images per second against batch size, one line per configuration. */
    public static List<ChartSpec.Lines> batchSweep(ReportData data) {
        List<ChartSpec.Lines> charts = new ArrayList<>();
        ReportData.groupBy(withImagesPerSecond(data), e -> e.row().model()).forEach((model, rows) -> {
            Labels labels = Labels.of(rows);
            List<ChartSpec.Line> lines = new ArrayList<>();
            int minBatch = Integer.MAX_VALUE;
            int maxBatch = 0;
            for (var group : ReportData.groupBy(rows, labels.label()).entrySet()) {
                List<Entry> sorted = group.getValue().stream()
                        .sorted(Comparator.comparingInt(e -> e.row().batch())).toList();
                List<Double> x = new ArrayList<>();
                List<Double> y = new ArrayList<>();
                for (Entry e : sorted) {
                    x.add((double) e.row().batch());
                    y.add(e.row().imagesPerSecondEndToEnd());
                    minBatch = Math.min(minBatch, e.row().batch());
                    maxBatch = Math.max(maxBatch, e.row().batch());
                }
                lines.add(new ChartSpec.Line(group.getKey(), x, y, false));
            }
            charts.add(new ChartSpec.Lines("batch-sweep-" + slug(model), "Batch-size sweep: " + model
                    + labels.onDevice(),
                    "Images per second end to end against the batch size, one line per configuration.",
                    "batch size", "images/s", maxBatch >= 32L * minBatch, false, lines));
        });
        return charts;
    }

    /**
     * Per model, one stacked bar per configuration (latency rows): each layer's time, device time from OpenCL events
     * where every layer has one, else host wall time. With more than {@link #MAX_STACKED_LAYERS} layers the
     * {@link #SLOWEST_LAYERS_SHOWN} slowest (summed over the configurations) are shown and the rest summed per
     * operator ("other conv2d (40 layers)").
     */
    public static List<ChartSpec.Bars> layerBreakdown(ReportData data) {
        List<ChartSpec.Bars> charts = new ArrayList<>();
        List<Entry> rows = data.ok("latency").stream()
                .filter(e -> e.row().layers() != null && !e.row().layers().isEmpty()).toList();
        ReportData.groupBy(rows, e -> e.row().model()).forEach((model, modelRows) -> {
            Labels labels = Labels.of(modelRows);
            List<String> categories = modelRows.stream().map(e -> withBatch(e, labels.label())).toList();
            Map<String, Double> totals = new LinkedHashMap<>();
            boolean anyWall = false;
            for (Entry e : modelRows) {
                anyWall |= !allHaveKernelTimes(e.row());
                for (ResultRow.LayerEntry l : e.row().layers()) {
                    totals.merge(l.node(), layerMs(e.row(), l), Double::sum);
                }
            }
            List<String> shown = new ArrayList<>(totals.keySet());
            Map<String, String> operatorOf = new LinkedHashMap<>();
            modelRows.forEach(e -> e.row().layers().forEach(l -> operatorOf.putIfAbsent(l.node(), l.operator())));
            if (shown.size() > MAX_STACKED_LAYERS) {
                Set<String> slowest = new LinkedHashSet<>(totals.entrySet().stream()
                        .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                        .limit(SLOWEST_LAYERS_SHOWN).map(Map.Entry::getKey).toList());
                shown.removeIf(node -> !slowest.contains(node));
            }
            List<ChartSpec.BarSeries> series = new ArrayList<>();
            for (String node : shown) {
                series.add(new ChartSpec.BarSeries(node, layerSums(modelRows, l -> l.node().equals(node)), null));
            }
            Map<String, Long> restByOperator = new LinkedHashMap<>();
            totals.keySet().stream().filter(node -> !shown.contains(node))
                    .forEach(node -> restByOperator.merge(operatorOf.get(node), 1L, Long::sum));
            restByOperator.forEach((operator, count) -> series.add(new ChartSpec.BarSeries("other " + operator + " ("
                    + count + (count == 1 ? " layer)" : " layers)"), layerSums(modelRows, l -> !shown.contains(l.node())
                            && l.operator().equals(operator)), null)));
            int others = totals.size() - shown.size();
            charts.add(new ChartSpec.Bars("layers-" + slug(model), "Per-layer time: " + model + labels.onDevice(),
                    "Median time of each layer over the resident latency runs, stacked per configuration: device time "
                            + "from OpenCL profiling events" + (anyWall ? " (host wall time for configurations "
                            + "without events)" : "") + (others > 0 ? "; the " + SLOWEST_LAYERS_SHOWN
                            + " slowest layers, the other " + others + " summed per operator" : "") + ".",
                    "configuration", "ms", categories, series, true, false));
        });
        return charts;
    }

    /** Per row, the summed time of the layers that match. */
    private static List<Double> layerSums(List<Entry> rows, Predicate<ResultRow.LayerEntry> match) {
        List<Double> values = new ArrayList<>();
        for (Entry e : rows) {
            values.add(e.row().layers().stream().filter(match).mapToDouble(l -> layerMs(e.row(), l)).sum());
        }
        return values;
    }

    static boolean allHaveKernelTimes(ResultRow r) {
        return r.layers().stream().allMatch(l -> l.kernelMs() != null);
    }

    /** The layer's time on the row's basis: kernel time when every layer of the row has one, else wall time. */
    static double layerMs(ResultRow r, ResultRow.LayerEntry l) {
        return allHaveKernelTimes(r) ? l.kernelMs() : l.wallMs();
    }

    /**
     * Per device, the roofline: the probe's peak GFLOP/s and bandwidth as ceilings and each convolution layer as a
     * point, arithmetic intensity (2 x MACs over the compulsory bytes of its tensors) against achieved GFLOP/s, one
     * point series per configuration (the CLBlast peer's per-layer rows included).
     */
    public static List<ChartSpec.Lines> roofline(ReportData data, LayerFootprints footprints) {
        List<ChartSpec.Lines> charts = new ArrayList<>();
        List<Entry> onDevices = data.select(e -> e.ok() && e.row().deviceIndex() != null);
        ReportData.groupBy(onDevices, Entry::deviceLabel).forEach((device, deviceEntries) -> {
            Environment.ProbeEntry probe = deviceEntries.stream().map(ReportData::probe)
                    .filter(p -> p != null).findFirst().orElse(null);
            List<Entry> deviceRows = deviceEntries.stream().filter(e -> (e.row().scenario().equals("latency")
                    || e.row().scenario().equals("layers")) && e.row().layers() != null).toList();
            List<ChartSpec.Line> lines = new ArrayList<>();
            double minX = Double.MAX_VALUE;
            double maxX = 0;
            int unknown = 0;
            for (var group : ReportData.groupBy(deviceRows, e -> withBatch(e, Entry::shortConfig)).entrySet()) {
                List<Double> x = new ArrayList<>();
                List<Double> y = new ArrayList<>();
                for (Entry e : group.getValue()) {
                    for (ResultRow.LayerEntry l : e.row().layers()) {
                        if (!l.operator().equals("conv2d") || l.gflops() == null || l.macs() <= 0) {
                            continue;
                        }
                        Optional<LayerFootprints.Footprint> f = footprints.find(e.row().model(),
                                e.row().inputShape(), l.node());
                        if (f.isEmpty()) {
                            unknown++;
                            continue;
                        }
                        double intensity = 2.0 * l.macs() / f.get().bytes(e.row().batch());
                        x.add(intensity);
                        y.add(l.gflops());
                        minX = Math.min(minX, intensity);
                        maxX = Math.max(maxX, intensity);
                    }
                }
                if (!x.isEmpty()) {
                    lines.add(new ChartSpec.Line(group.getKey(), x, y, true));
                }
            }
            if (lines.isEmpty() && probe == null) {
                return;
            }
            String missing = unknown > 0 ? " " + unknown + " layer(s) left out: their tensor sizes are unknown to "
                    + "this tessera (a model it does not know)." : "";
            if (probe != null) {
                double knee = probe.peakGflopsFp32() / probe.bandwidthGbs();
                double x0 = Math.min(lines.isEmpty() ? knee / 8 : minX / 2, knee / 2);
                double x1 = Math.max(lines.isEmpty() ? knee * 8 : maxX * 2, knee * 2);
                lines.add(0, new ChartSpec.Line(String.format(Locale.ROOT, ROOF + "%.1f GFLOP/s, %.1f GB/s",
                        probe.peakGflopsFp32(), probe.bandwidthGbs()), List.of(x0, knee, x1),
                        List.of(probe.bandwidthGbs() * x0, probe.peakGflopsFp32(), probe.peakGflopsFp32()), false));
            }
            charts.add(new ChartSpec.Lines("roofline-" + slug(device), "Roofline: " + device,
                    "Ceilings: the probe's peak fp32 GFLOP/s and global-memory bandwidth" + (probe == null
                            ? " (no probe figures in the results: no ceilings)" : " (" + probe.sweep() + " sweep)")
                            + ". Points: each convolution layer, arithmetic intensity = 2 x MACs / bytes of its "
                            + "input, weights and output read or written once, against the GFLOP/s it achieved "
                            + "(device time)." + missing,
                    "FLOP per byte", "GFLOP/s", true, true, lines));
        });
        return charts;
    }

    /**
     * Per model, each layer's output error against the double-precision reference (worst relative L2 over the
     * compared images) by depth, one line per configuration. Zero errors cannot be drawn on the log axis and are left
     * out.
     */
    public static List<ChartSpec.Lines> accuracyByDepth(ReportData data) {
        List<ChartSpec.Lines> charts = new ArrayList<>();
        List<Entry> rows = data.ok("accuracy").stream().filter(e -> e.row().accuracy() != null
                && !e.row().accuracy().perLayer().isEmpty()).toList();
        ReportData.groupBy(rows, e -> e.row().model()).forEach((model, modelRows) -> {
            Labels labels = Labels.of(modelRows);
            List<ChartSpec.Line> lines = new ArrayList<>();
            int zeros = 0;
            for (Entry e : modelRows) {
                List<Double> x = new ArrayList<>();
                List<Double> y = new ArrayList<>();
                List<ResultRow.LayerError> perLayer = e.row().accuracy().perLayer();
                for (int i = 0; i < perLayer.size(); i++) {
                    if (perLayer.get(i).relativeL2() > 0) {
                        x.add(i + 1.0);
                        y.add(perLayer.get(i).relativeL2());
                    } else {
                        zeros++;
                    }
                }
                lines.add(new ChartSpec.Line(labels.label().apply(e), x, y, false));
            }
            lines = mergeIdentical(lines);
            charts.add(new ChartSpec.Lines("accuracy-" + slug(model), "Error by layer depth: " + model
                    + labels.onDevice(),
                    "Relative L2 error of each layer's output against the double-precision reference (worst over the "
                            + "compared images), by position in the model (1 = first layer); configurations with "
                            + "identical errors share one line (a = b)."
                            + (zeros > 0 ? " " + zeros + " exact (zero-error) point(s) are not drawn on the log "
                                    + "axis." : ""),
                    "layer depth", "relative L2 error", false, true, lines));
        });
        return charts;
    }

    /**
     * Lines with exactly the same points would hide each other: they become one line named "a = b = c", so that
     * the legend says which configurations gave the same numbers.
     */
    static List<ChartSpec.Line> mergeIdentical(List<ChartSpec.Line> lines) {
        Map<List<List<Double>>, List<ChartSpec.Line>> byPoints = new LinkedHashMap<>();
        for (ChartSpec.Line line : lines) {
            byPoints.computeIfAbsent(List.of(line.x(), line.y()), k -> new ArrayList<>()).add(line);
        }
        List<ChartSpec.Line> merged = new ArrayList<>();
        byPoints.values().forEach(same -> merged.add(new ChartSpec.Line(String.join(" = ",
                same.stream().map(ChartSpec.Line::name).toList()), same.get(0).x(), same.get(0).y(),
                same.get(0).markersOnly())));
        return merged;
    }

    /** Per compared metric, our figure over the peer's for each configuration, model and batch. */
    public static List<ChartSpec.Bars> peerRatios(ReportData data) {
        record Ratio(String category, String series, double ratio) {
        }
        List<Entry> compared = data.select(e -> e.ok() && e.row().peerComparisons() != null
                && !e.row().peerComparisons().isEmpty());
        Labels labels = Labels.of(compared);
        Map<String, List<Ratio>> byMetric = new LinkedHashMap<>();
        for (Entry e : compared) {
            for (ResultRow.PeerComparison c : e.row().peerComparisons()) {
                byMetric.computeIfAbsent(c.metric(), k -> new ArrayList<>()).add(new Ratio(e.row().model() + " b"
                        + e.row().batch(), labels.label().apply(e) + " vs " + c.peer(), c.ratio()));
            }
        }
        List<ChartSpec.Bars> charts = new ArrayList<>();
        byMetric.forEach((metric, ratios) -> {
            List<String> categories = ratios.stream().map(Ratio::category).distinct().toList();
            List<ChartSpec.BarSeries> series = new ArrayList<>();
            ReportData.groupBy(ratios, Ratio::series).forEach((name, rs) -> {
                List<Double> values = nulls(categories.size());
                rs.forEach(r -> values.set(categories.indexOf(r.category()), r.ratio()));
                series.add(new ChartSpec.BarSeries(name, values, null));
            });
            charts.add(new ChartSpec.Bars("peers-" + slug(metric), "Against the peers: " + metric
                    + labels.onDevice(),
                    "Our " + metric + " over the peer's on the same inputs: " + peerReading(metric) + ".",
                    "model and batch", "ours / theirs", categories, series, false, false));
        });
        return charts;
    }

    /** How to read a ratio of the metric. */
    static String peerReading(String metric) {
        if (metric.startsWith("images_per_second")) {
            return "above 1 means Tessera is faster";
        }
        if (metric.startsWith("accuracy")) {
            return "below 1 means Tessera is closer to the reference";
        }
        return "below 1 means Tessera is faster";
    }

    /** Per JMH benchmark, GFLOP/s (the {@code gflop} secondary metric) per layer, one bar per algorithm. */
    public static List<ChartSpec.Bars> jmhGflops(ReportData data) {
        List<JmhResults.Result> all = new ArrayList<>();
        data.jmh().forEach(f -> all.addAll(f.results()));
        List<ChartSpec.Bars> charts = new ArrayList<>();
        ReportData.groupBy(all.stream().filter(r -> r.gflops() != null).toList(), JmhResults.Result::shortName)
                .forEach((benchmark, results) -> {
                    List<String> layers = results.stream().map(r -> r.param("layer")).distinct().toList();
                    List<ChartSpec.BarSeries> series = new ArrayList<>();
                    ReportData.groupBy(results, r -> r.params().containsKey("algorithm") ? r.param("algorithm")
                            : "GFLOP/s").forEach((algorithm, rs) -> {
                                List<Double> values = nulls(layers.size());
                                for (JmhResults.Result r : rs) {
                                    values.set(layers.indexOf(r.param("layer")), r.gflops());
                                }
                                series.add(new ChartSpec.BarSeries(algorithm, values, null));
                            });
                    charts.add(new ChartSpec.Bars("jmh-" + slug(benchmark), "JMH: " + benchmark,
                            "GFLOP/s per layer (JMH secondary metric 'gflop'), one bar per algorithm; JMH's "
                                    + "99.9% confidence half-widths are in the table.",
                            "layer", "GFLOP/s", layers, series, false, false));
                });
        return charts;
    }

    /** The configuration label, with the batch when it is not 1. */
    static String withBatch(Entry e, Function<Entry, String> label) {
        return e.row().batch() == 1 ? label.apply(e) : label.apply(e) + " b" + e.row().batch();
    }

    /**
     * How one chart labels its configurations: without the device when all of them ran on one device, whose name
     * then goes into the title ({@code onDevice}); with it otherwise.
     */
    record Labels(Function<Entry, String> label, String onDevice) {
        static Labels of(List<Entry> entries) {
            Set<String> devices = new LinkedHashSet<>();
            entries.forEach(e -> devices.add(e.deviceLabel()));
            return devices.size() == 1 ? new Labels(Entry::shortConfig, " on " + devices.iterator().next())
                    : new Labels(Entry::config, "");
        }
    }

    private static List<Double> nulls(int n) {
        List<Double> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            list.add(null);
        }
        return list;
    }

    /** A file-name-safe id: lower case letters, digits and dashes. */
    static String slug(String s) {
        String slug = s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "");
        return slug.isEmpty() ? "chart" : slug;
    }
}
