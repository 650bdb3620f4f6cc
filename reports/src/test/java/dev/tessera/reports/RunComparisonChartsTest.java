package dev.tessera.reports;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tessera.reports.results.BenchResults;
import dev.tessera.reports.results.ResultsJson;

/** The report's comparison of two runs of one host. */
class RunComparisonChartsTest {
    @TempDir
    Path dir;

    private Path write(String name, BenchResults r, String startedAt) throws Exception {
        BenchResults dated = new BenchResults(r.schema(), r.schemaVersion(), r.status(), startedAt, startedAt, r.wallS(),
                r.environment(), r.settings(), r.rows(), r.fleet());
        Path p = dir.resolve(name);
        Files.write(p, ResultsJson.toBytes(dated));
        return p;
    }

    @Test
    void twoRunsOfOneHostGetARatioChartAndVerdictsTheEarlierOneIsTheBaseline() throws Exception {
        // given later-first: the earlier start is still the baseline
        Path later = write("later.json", RunComparisonTest.synthetic(2, "model3"), "2026-12-02T00:00:00Z");
        Path earlier = write("earlier.json", RunComparisonTest.synthetic(1, null), "2026-12-01T00:00:00Z");
        ReportData data = ReportData.merge(ReportInputs.read(List.of(later, earlier)));
        List<ChartSpec> charts = RunComparisonCharts.charts(data);
        assertEquals(1, charts.size());
        ChartSpec.Bars bars = (ChartSpec.Bars) charts.get(0);
        assertEquals("comparison-host", bars.id());
        assertTrue(bars.title().contains("later against earlier"), bars.title());
        ChartSpec.BarSeries ratio = bars.series("latency ratio");
        assertEquals(5, bars.categories().size());
        assertEquals(1.3, ratio.value(bars.categories(), "latency/opencl/0/model3/auto/b1 (gpu)"), 0.1);
        assertEquals(1.0, ratio.value(bars.categories(), "latency/opencl/0/model0/auto/b1 (gpu)"), 0.1);
        String slowed = "latency/opencl/0/model3/auto/b1 (gpu)";
        double low = bars.series("95% interval, low end").value(bars.categories(), slowed);
        double high = bars.series("95% interval, high end").value(bars.categories(), slowed);
        assertTrue(1.05 < low && low < ratio.value(bars.categories(), slowed) && high > low, low + " " + high);

        Report report = Report.build(data, LayerFootprints.NONE, null);
        assertTrue(report.files().containsKey("charts/comparison-host.png"));
        String md = new String(report.files().get(Report.MARKDOWN), StandardCharsets.UTF_8);
        assertTrue(md.contains("## Two runs compared"), md);
        assertTrue(md.contains("not the variation between runs"), "the table says what its interval covers");
        assertEquals(1, md.lines().filter(l -> l.startsWith("| latency/") && l.endsWith("| slower |")).count(), md);
        assertTrue(md.lines().anyMatch(l -> l.startsWith("| latency/opencl/0/model3/auto/b1 (gpu) |")
                && l.endsWith("| slower |")), md);
    }

    @Test
    void oneRunOrThreeRunsOfAHostGetNoComparison() throws Exception {
        Path a = write("a.json", RunComparisonTest.synthetic(1, null), "2026-12-01T00:00:00Z");
        assertEquals(List.of(), RunComparisonCharts.charts(ReportData.merge(ReportInputs.read(List.of(a)))));
        Path b = write("b.json", RunComparisonTest.synthetic(2, null), "2026-12-02T00:00:00Z");
        Path c = write("c.json", RunComparisonTest.synthetic(3, null), "2026-12-03T00:00:00Z");
        ReportData three = ReportData.merge(ReportInputs.read(List.of(a, b, c)));
        assertEquals(List.of(), RunComparisonCharts.charts(three));
        String md = new String(Report.build(three, LayerFootprints.NONE, null).files().get(Report.MARKDOWN),
                StandardCharsets.UTF_8);
        assertFalse(md.contains("Two runs compared"));
    }
}
