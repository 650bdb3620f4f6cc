package dev.tessera.bench.harness;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.tessera.reports.results.ResultRow;

/** The consistency checks and the our/peer ratios, on hand-made rows with hand-computed answers. */
class ComparisonsTest {
    private static final List<Integer> SHAPE = List.of(1, 28, 28);

    private static RowKey key(String scenario, String backend, Integer device, String algo, int batch) {
        return new RowKey(scenario, backend, device, device == null ? "cpu" : "dev", "lenet5", SHAPE, algo, batch);
    }

    @Test
    void throughputAtBatchOneIsCheckedAgainstTheLatencyMedian() {
        ResultRow latency = key("latency", "opencl", 0, "auto", 1).row()
                .endToEnd(Statistics.summarise(List.of(4.0, 5.0, 6.0)))
                .resident(Statistics.summarise(List.of(2.0, 2.5, 3.0))).build();
        // 3 runs of 2.0 ms each: 3 images in 6 ms = 500 images/s; latency median 2.5 ms implies 400 images/s
        ResultRow throughput = key("throughput", "opencl", 0, "auto", 1).row()
                .endToEnd(Statistics.summarise(List.of(4.0, 4.0))).imagesPerSecond(250.0, 500.0).build();
        List<ResultRow> linked = Comparisons.link(List.of(latency, throughput));
        ResultRow.LatencyCheck check = linked.get(1).latencyCheck();
        assertEquals("latency/opencl/0/lenet5/auto/b1", check.latencyRowId());
        assertEquals("resident", check.basis());
        assertEquals(400.0, check.impliedImagesPerSecond(), 1e-9);
        assertEquals(1.25, check.ratio(), 1e-12);
        assertTrue(check.consistent(), "25% off is the documented limit");
        assertNull(linked.get(0).latencyCheck());

        ResultRow slow = key("throughput", "opencl", 0, "auto", 1).row().imagesPerSecond(100.0, 200.0).build();
        assertFalse(Comparisons.link(List.of(latency, slow)).get(1).latencyCheck().consistent());
    }

    @Test
    void imagesPerSecondIsImagesOverTheWholeWindow() {
        assertEquals(8 * 3 * 1000.0 / 60.0, GraphMeasurements.imagesPerSecond(8, List.of(10.0, 20.0, 30.0)), 1e-9);
    }

    @Test
    void onnxRuntimeRatiosAreOursOverTheirs() {
        ResultRow ours = key("latency", "opencl", 0, "auto", 1).row()
                .endToEnd(Statistics.summarise(List.of(3.0))).build();
        ResultRow peer = key("latency", "onnxruntime", null, "-", 1).row()
                .endToEnd(Statistics.summarise(List.of(1.5))).build();
        ResultRow failedPeer = key("throughput", "onnxruntime", null, "-", 8).failed(ResultRow.ERROR, "boom", 0);
        ResultRow oursThroughput = key("throughput", "opencl", 0, "auto", 8).row().imagesPerSecond(80.0, 90.0).build();
        List<ResultRow> linked = Comparisons.link(List.of(ours, peer, failedPeer, oursThroughput));
        ResultRow.PeerComparison c = linked.get(0).peerComparisons().get(0);
        assertEquals("onnxruntime", c.peer());
        assertEquals("end_to_end_ms.median", c.metric());
        assertEquals(2.0, c.ratio(), 1e-12);
        assertTrue(linked.get(1).peerComparisons().isEmpty(), "peers are not compared with themselves");
        assertTrue(linked.get(3).peerComparisons().isEmpty(), "no ratio against a failed peer row");
    }

    @Test
    void clblastTimesGoBesideOurLayers() {
        ResultRow ours = key("latency", "opencl", 0, "auto", 1).row().layers(List.of(
                new ResultRow.LayerEntry("conv1", "conv2d", "direct", "", 100, 1.0, 1.2, 0.2, 0.5, null, null),
                new ResultRow.LayerEntry("relu1", "relu", "relu", "", 0, 0.5, 0.6, null, 0.25, null, null),
                new ResultRow.LayerEntry("conv2", "conv2d", "im2col", "", 100, 0.5, 0.6, 0.4, 0.25, null, null)),
                null).build();
        ResultRow peer = key("layers", "clblast", 0, "-", 1).row().layers(List.of(
                new ResultRow.LayerEntry("conv1", "conv2d", "im2col+clblast-sgemm", "", 100, 2.0, 2.1, 0.1, 0.8, null,
                        null),
                new ResultRow.LayerEntry("conv2", "conv2d", "im2col+clblast-sgemm", "", 100, 0.5, 0.6, 0.4, 0.2, null,
                        null)), null).build();
        ResultRow linked = Comparisons.link(List.of(ours, peer)).get(0);
        assertEquals(2.0, linked.layers().get(0).clblastMs());
        assertEquals(0.5, linked.layers().get(0).ratioToClblast(), 1e-12);
        assertNull(linked.layers().get(1).clblastMs());
        assertEquals(1.0, linked.layers().get(2).ratioToClblast(), 1e-12);
        ResultRow.PeerComparison sum = linked.peerComparisons().get(0);
        assertEquals("layers.kernel_ms_sum", sum.metric());
        assertEquals(1.5, sum.ours(), 1e-12);
        assertEquals(2.5, sum.theirs(), 1e-12);
        assertEquals(0.6, sum.ratio(), 1e-12);
    }

    @Test
    void layerCheckFlagsPartsThatAddUpToMoreThanTheWhole() {
        ResultRow.LayerCheck ok = GraphMeasurements.layerCheck(8.0, 9.5, 10.0);
        assertEquals(0.8, ok.kernelToWall(), 1e-12);
        assertEquals(0.95, ok.layerWallToWall(), 1e-12);
        assertTrue(ok.consistent());
        assertFalse(GraphMeasurements.layerCheck(11.0, 9.0, 10.0).consistent(), "kernels longer than the run");
        assertFalse(GraphMeasurements.layerCheck(null, 12.0, 10.0).consistent(), "layers longer than the run");
        assertTrue(GraphMeasurements.layerCheck(null, 10.4, 10.0).consistent(), "within 5%");
    }
}
