package dev.tessera.reports;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tessera.reports.results.BenchResults;
import dev.tessera.reports.results.Distribution;
import dev.tessera.reports.results.Environment;
import dev.tessera.reports.results.ResultRow;
import dev.tessera.reports.results.ResultsJson;
import dev.tessera.reports.results.RunSettings;

/** The numbers behind each chart, from the hand-written fixtures (see {@link Fixtures}), checked by hand. */
class ReportChartsTest {
    private static final String ALPHA = "opencl direct @ gpu-a on alpha [alpha]";
    private static final String ALPHA_AGAIN = "opencl direct @ gpu-a on alpha [alpha-again]";
    private static final String BETA = "opencl direct @ gpu-b on beta";
    /** In charts of alpha's device only, whose title names the device. */
    private static final String ALPHA_SHORT = "opencl direct [alpha]";

    @TempDir
    Path dir;

    private ReportData all() {
        return Fixtures.merged(dir, Fixtures.ALPHA, Fixtures.BETA, Fixtures.ALPHA_AGAIN, Fixtures.JMH);
    }

    @Test
    void throughputBarsPerBatchWithOneStandardDeviationAsErrorBars() {
        List<ChartSpec.Bars> charts = ReportCharts.throughput(all());
        assertEquals(1, charts.size());
        ChartSpec.Bars c = charts.get(0);
        assertEquals("throughput-lenet5", c.id());
        assertEquals(List.of("batch 1", "batch 4"), c.categories());
        assertEquals("Throughput: lenet5", c.title(), "two devices: the labels name them");
        assertEquals(List.of(ALPHA, BETA, ALPHA_AGAIN), c.series().stream().map(ChartSpec.BarSeries::name).toList());
        assertEquals(Arrays.asList(250.0, 800.0), c.series(ALPHA).values());
        // standard error = images/s x rsd / sqrt(n): 250 x 0.1 / 2, 800 x 0.2 / 2 (4 runs each)
        assertEquals(12.5, c.series(ALPHA).errors().get(0), 1e-12);
        assertEquals(80.0, c.series(ALPHA).errors().get(1), 1e-12);
        assertEquals(Arrays.asList(500.0, null), c.series(BETA).values());
        assertEquals(0.0, c.series(BETA).errors().get(0), "no rsd (two equal samples' file says null): no bar");
        assertEquals(330.0, c.series(ALPHA_AGAIN).value(c.categories(), "batch 1"));
        assertEquals(330 * 0.05 / Math.sqrt(2), c.series(ALPHA_AGAIN).errors().get(0), 1e-12);
        assertFalse(c.stacked());
    }

    @Test
    void latencyBoxesHoldEverySample() {
        List<ChartSpec.Boxes> charts = ReportCharts.latency(all());
        assertEquals(1, charts.size());
        List<ChartSpec.Box> boxes = charts.get(0).boxes();
        assertEquals(2, boxes.size(), "the unsupported aparapi row has no box");
        assertEquals(ALPHA, boxes.get(0).name());
        assertEquals(List.of(2.0, 4.0, 3.0, 5.0, 6.0), boxes.get(0).samples());
        assertEquals(BETA, boxes.get(1).name());
        assertEquals(List.of(1.0, 2.0, 3.0), boxes.get(1).samples());
    }

    @Test
    void batchSweepHasALinePerConfigurationOrderedByBatch() {
        ChartSpec.Lines c = ReportCharts.batchSweep(all()).get(0);
        assertEquals(List.of(1.0, 4.0), c.line(ALPHA).x());
        assertEquals(List.of(250.0, 800.0), c.line(ALPHA).y());
        assertEquals(List.of(500.0), c.line(BETA).y());
        assertEquals(List.of(330.0), c.line(ALPHA_AGAIN).y());
        assertFalse(c.logX(), "batches 1 to 4 do not need a log axis");
    }

    @Test
    void layerBreakdownStacksEachLayersKernelTime() {
        ChartSpec.Bars c = ReportCharts.layerBreakdown(all()).get(0);
        assertTrue(c.stacked());
        assertEquals(List.of(ALPHA_SHORT), c.categories(), "beta's latency row has no per-layer times");
        assertEquals("Per-layer time: lenet5 on gpu-a (alpha)", c.title());
        assertEquals(List.of("conv1", "relu1", "fc1"), c.series().stream().map(ChartSpec.BarSeries::name).toList());
        assertEquals(List.of(0.5), c.series("conv1").values());
        assertEquals(List.of(0.25), c.series("relu1").values());
        assertEquals(List.of(0.25), c.series("fc1").values());
        assertTrue(c.caption().contains("device time"));
    }

    @Test
    void manyLayersShowTheSlowestEightAndTheRestSummedPerOperator() throws Exception {
        // 15 layers L0..L14 of kernel time i + 1 ms; even ones conv2d, odd ones relu
        List<ResultRow.LayerEntry> layers = new ArrayList<>();
        for (int i = 0; i < 15; i++) {
            layers.add(new ResultRow.LayerEntry("L" + i, i % 2 == 0 ? "conv2d" : "relu", "direct", "", 0, i + 1.0,
                    i + 2.0, null, 0, null, null));
        }
        Distribution d = new Distribution("ms", 2, 1, 1, 1, 1, 1, 1, 0.0, true, true, List.of(1.0, 1.0));
        ResultRow row = new ResultRow("latency/opencl/0/deep/direct/b1", "latency", "opencl", 0, "dev", "opencl:dev",
                "deep", List.of(1, 8, 8), "direct", 1, ResultRow.OK, "", List.of(), null, d, d, null, null, layers,
                null, null, null, null, List.of(), 0);
        Environment env = new Environment("h", "os", "arch", "cpu", 1, 0, "jvm", 0, "v", "c", "bench", 1, List.of(),
                List.of());
        RunSettings settings = new RunSettings(true, List.of("deep"), null, List.of("opencl"), "all",
                List.of("direct"), List.of(1), List.of("latency"), List.of(), 0.1, 2, 0, 1);
        Path file = dir.resolve("deep.json");
        Files.write(file, ResultsJson.toBytes(new BenchResults(BenchResults.SCHEMA, BenchResults.VERSION, "complete",
                "t0", "t1", 1, env, settings, List.of(row))));
        ChartSpec.Bars c = ReportCharts.layerBreakdown(ReportData.merge(ReportInputs.read(List.of(file)))).get(0);
        assertEquals(List.of("L7", "L8", "L9", "L10", "L11", "L12", "L13", "L14", "other conv2d (4 layers)",
                "other relu (3 layers)"), c.series().stream().map(ChartSpec.BarSeries::name).toList());
        assertEquals(List.of(15.0), c.series("L14").values());
        assertEquals(List.of(1.0 + 3 + 5 + 7), c.series("other conv2d (4 layers)").values());
        assertEquals(List.of(2.0 + 4 + 6), c.series("other relu (3 layers)").values());
        assertTrue(c.caption().contains("the 8 slowest layers, the other 7 summed per operator"), c.caption());
    }

    @Test
    void rooflineHasTheProbeAsCeilingsAndEachConvLayerAsAPoint() {
        LayerFootprints footprints = (model, shape, node) -> node.equals("conv1") && model.equals("lenet5")
                && shape.equals(List.of(1, 28, 28)) ? Optional.of(new LayerFootprints.Footprint(100, 150))
                        : Optional.empty();
        List<ChartSpec.Lines> charts = ReportCharts.roofline(all(), footprints);
        assertEquals(2, charts.size(), "one per device: gpu-a on alpha, gpu-b on beta");
        ChartSpec.Lines alpha = charts.get(0);
        assertEquals("Roofline: gpu-a (alpha)", alpha.title());
        assertTrue(alpha.logX() && alpha.logY());
        // roof: knee at 100 / 10 = 10 FLOP/byte; conv1 at 2 x 1000 MACs / (4 x (100 + 150)) bytes = 2 FLOP/byte,
        // so the roof runs from 2 / 2 = 1 (10 GB/s x 1 = 10 GFLOP/s) through the knee to 2 x 10 = 20
        ChartSpec.Line roof = alpha.line("roof: 100.0 GFLOP/s, 10.0 GB/s");
        assertEquals(List.of(1.0, 10.0, 20.0), roof.x());
        assertEquals(List.of(10.0, 100.0, 100.0), roof.y());
        ChartSpec.Line points = alpha.line(ALPHA_SHORT);
        assertTrue(points.markersOnly());
        assertEquals(List.of(2.0), points.x(), "fc1 is not a convolution, relu1 has no MACs");
        assertEquals(List.of(0.004), points.y());
        // beta: ceilings only (its latency row has no layers, so no points)
        ChartSpec.Lines beta = charts.get(1);
        assertEquals(1, beta.lines().size());
        assertEquals(List.of(1000.0, 1000.0), beta.lines().get(0).y().subList(1, 3));
        assertTrue(ReportCharts.roofline(all(), LayerFootprints.NONE).get(0).caption().contains("1 layer(s) left out"));
    }

    @Test
    void accuracyByDepthLeavesOutExactLayersOnTheLogAxis() {
        ChartSpec.Lines c = ReportCharts.accuracyByDepth(all()).get(0);
        assertTrue(c.logY());
        assertEquals("Error by layer depth: lenet5 on gpu-a (alpha)", c.title());
        ChartSpec.Line line = c.line(ALPHA_SHORT);
        assertEquals(List.of(1.0, 3.0), line.x(), "relu1's zero error is not drawn");
        assertEquals(List.of(1e-7, 3e-7), line.y());
        assertTrue(c.caption().contains("1 exact"));
    }

    @Test
    void linesWithTheSamePointsBecomeOneNamedByAll() {
        ChartSpec.Line a = new ChartSpec.Line("auto", List.of(1.0, 2.0), List.of(1e-7, 2e-7), false);
        ChartSpec.Line b = new ChartSpec.Line("direct", List.of(1.0, 2.0), List.of(1e-7, 2e-7), false);
        ChartSpec.Line c = new ChartSpec.Line("winograd", List.of(1.0, 2.0), List.of(1e-7, 3e-7), false);
        List<ChartSpec.Line> merged = ReportCharts.mergeIdentical(List.of(a, c, b));
        assertEquals(List.of("auto = direct", "winograd"), merged.stream().map(ChartSpec.Line::name).toList());
        assertEquals(List.of(1e-7, 2e-7), merged.get(0).y());
    }

    @Test
    void peerRatiosAreOursOverTheirsPerMetric() {
        List<ChartSpec.Bars> charts = ReportCharts.peerRatios(all());
        assertEquals(1, charts.size());
        ChartSpec.Bars c = charts.get(0);
        assertEquals("peers-layers-kernel-ms-sum", c.id());
        assertEquals(List.of("lenet5 b1"), c.categories());
        assertEquals(List.of(0.25), c.series(ALPHA_SHORT + " vs clblast").values());
        assertTrue(c.caption().contains("below 1 means Tessera is faster"));
    }

    @Test
    void jmhGflopsPerLayerAndAlgorithm() {
        List<ChartSpec.Bars> charts = ReportCharts.jmhGflops(all());
        assertEquals(List.of("jmh-alexnetlayerbenchmark-run", "jmh-convlayerbenchmark-run"),
                charts.stream().map(ChartSpec::id).toList());
        ChartSpec.Bars conv = charts.get(1);
        assertEquals(List.of("vgg16.conv3_2"), conv.categories());
        // the file's gflop metric is ops/s x 2 x MACs: 56 x 56 x 256 x 256 x 9 MACs = 3.699376128 GFLOP per run
        double flop = 2.0 * 56 * 56 * 256 * 256 * 9 / 1e9;
        assertEquals(5.748675053572193 * flop, conv.series("direct").values().get(0), 1e-3);
        assertEquals(27.282358296635195 * flop, conv.series("im2col").values().get(0), 1e-3);
        assertEquals(List.of("alexnet.pool1"), charts.get(0).categories());
        assertEquals("GFLOP/s", charts.get(0).series().get(0).name(), "no algorithm parameter");
    }

    @Test
    void everyChartDrawsAsPngAndSvg() {
        for (ChartSpec spec : ReportCharts.all(all(), LayerFootprints.NONE)) {
            Charts.Drawn d = Charts.draw(spec);
            assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, Arrays.copyOf(d.png(), 4), spec.id());
            String svg = new String(d.svg(), java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(svg.contains("<svg"), spec.id());
        }
    }

    @Test
    void slugsAreSafeFileNames() {
        assertEquals("pthread-skylake-intel-r-xeon-r", ReportCharts.slug("pthread-skylake-Intel(R) Xeon(R)"));
        assertEquals("layers-kernel-ms-sum", ReportCharts.slug("layers.kernel_ms_sum"));
    }
}
