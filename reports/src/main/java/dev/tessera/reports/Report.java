package dev.tessera.reports;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A whole report: sections of charts and tables made from merged results, and the files that hold it, by path
 * relative to the report's directory: {@code index.html}, {@code REPORT.md} and {@code charts/<id>.png|.svg}. Links
 * between them are relative, so the directory reads without a server and can be moved as a whole.
 */
public final class Report {
    public static final String HTML = "index.html";
    public static final String MARKDOWN = "REPORT.md";
    public static final String CHARTS_DIR = "charts";

    private final List<Section> sections;
    private final Map<String, byte[]> files;

    /**
     * One section of the report.
     *
     * @param empty what to say when it has neither charts nor tables
     */
    public record Section(String id, String title, String empty, List<Charts.Drawn> charts,
            List<ReportTables.Table> tables, List<String> code) {
        public Section {
            charts = List.copyOf(charts);
            tables = tables.stream().filter(t -> !t.isEmpty()).toList();
            code = List.copyOf(code);
        }

        public boolean isEmpty() {
            return charts.isEmpty() && tables.isEmpty() && code.isEmpty();
        }
    }

    private Report(List<Section> sections, Map<String, byte[]> files) {
        this.sections = List.copyOf(sections);
        this.files = files;
    }

    /**
     * Computes every chart and table and renders the HTML and Markdown.
     *
     * @param reportCommand the command line that made the report (shown with the runs' command lines), or null
     */
    public static Report build(ReportData data, LayerFootprints footprints, String reportCommand) {
        List<ChartSpec> all = new ArrayList<>(ReportCharts.all(data, footprints));
        all.addAll(RunComparisonCharts.charts(data));
        List<ChartSpec> specs = uniqueIds(all);
        List<Charts.Drawn> drawn = specs.stream().map(Charts::draw).toList();
        List<Section> sections = new ArrayList<>();
        sections.add(new Section("files", "Result files", "", List.of(), List.of(ReportTables.sources(data),
                FleetCoverage.table(data)), List.of()));
        sections.add(new Section("throughput", "Throughput", "No throughput rows were measured.",
                charts(drawn, "throughput-"), List.of(ReportTables.throughput(data)), List.of()));
        sections.add(new Section("latency", "Latency", "No latency rows were measured.", charts(drawn, "latency-"),
                List.of(ReportTables.latency(data)), List.of()));
        sections.add(new Section("batch-sweep", "Batch-size sweep", "No throughput rows were measured.",
                charts(drawn, "batch-sweep-"), List.of(), List.of()));
        sections.add(new Section("layers", "Per-layer time", "No latency rows with a per-layer breakdown.",
                charts(drawn, "layers-"), List.of(), List.of()));
        sections.add(new Section("roofline", "Roofline", "No device with probe figures or per-layer times.",
                charts(drawn, "roofline-"), List.of(), List.of()));
        sections.add(new Section("accuracy", "Accuracy", "No accuracy rows were measured.",
                charts(drawn, "accuracy-"), List.of(ReportTables.accuracy(data)), List.of()));
        sections.add(new Section("peers", "Peers", "No peer comparisons: no peer ran, or none could be compared.",
                charts(drawn, "peers-"), List.of(ReportTables.peers(data)), List.of()));
        List<ReportTables.Table> comparisons = RunComparisonCharts.tables(data);
        if (!comparisons.isEmpty()) {
            sections.add(new Section("comparison", "Two runs compared", "", charts(drawn, "comparison-"), comparisons,
                    List.of()));
        }
        if (!data.jmh().isEmpty()) {
            sections.add(new Section("jmh", "JMH microbenchmarks", "", charts(drawn, "jmh-"),
                    List.of(ReportTables.jmh(data)), List.of()));
        }
        sections.add(new Section("not-measured", "Not measured", "Every configuration was measured.", List.of(),
                List.of(ReportTables.notMeasured(data)), List.of()));
        sections.add(new Section("environment", "Environment and command lines", "", List.of(),
                ReportTables.environments(data), ReportTables.commandLines(data, reportCommand)));

        Map<String, byte[]> files = new LinkedHashMap<>();
        for (Charts.Drawn d : drawn) {
            files.put(pngPath(d.spec()), d.png());
            files.put(svgPath(d.spec()), d.svg());
        }
        String title = "Tessera report";
        files.put(HTML, HtmlReport.render(title, data, sections).getBytes(StandardCharsets.UTF_8));
        files.put(MARKDOWN, MarkdownReport.render(title, data, sections).getBytes(StandardCharsets.UTF_8));
        return new Report(sections, files);
    }

    private static List<Charts.Drawn> charts(List<Charts.Drawn> drawn, String prefix) {
        Predicate<Charts.Drawn> match = d -> d.spec().id().startsWith(prefix);
        return drawn.stream().filter(match).toList();
    }

    /** Chart ids name files: make them unique by numbering repeats. */
    private static List<ChartSpec> uniqueIds(List<ChartSpec> specs) {
        Set<String> seen = new HashSet<>();
        List<ChartSpec> out = new ArrayList<>();
        for (ChartSpec s : specs) {
            String id = s.id();
            for (int n = 2; !seen.add(id); n++) {
                id = s.id() + "-" + n;
            }
            out.add(id.equals(s.id()) ? s : withId(s, id));
        }
        return out;
    }

    private static ChartSpec withId(ChartSpec s, String id) {
        if (s instanceof ChartSpec.Bars b) {
            return new ChartSpec.Bars(id, b.title(), b.caption(), b.xLabel(), b.yLabel(), b.categories(), b.series(),
                    b.stacked(), b.logY());
        }
        if (s instanceof ChartSpec.Lines l) {
            return new ChartSpec.Lines(id, l.title(), l.caption(), l.xLabel(), l.yLabel(), l.logX(), l.logY(),
                    l.lines());
        }
        ChartSpec.Boxes b = (ChartSpec.Boxes) s;
        return new ChartSpec.Boxes(id, b.title(), b.caption(), b.yLabel(), b.boxes());
    }

    static String pngPath(ChartSpec spec) {
        return CHARTS_DIR + "/" + spec.id() + ".png";
    }

    static String svgPath(ChartSpec spec) {
        return CHARTS_DIR + "/" + spec.id() + ".svg";
    }

    public List<Section> sections() {
        return sections;
    }

    /** Every file of the report by relative path (forward slashes), in writing order: charts first, pages last. */
    public Map<String, byte[]> files() {
        return files;
    }
}
