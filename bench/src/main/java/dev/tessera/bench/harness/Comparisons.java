package dev.tessera.bench.harness;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.tessera.reports.results.Distribution;
import dev.tessera.reports.results.ResultRow;

/**
 * Links rows that measure the same thing: our figure divided by each peer's (ONNX Runtime per model, CLBlast per
 * convolution layer), and the throughput at batch 1 against the latency row of the same configuration. Pure: rows in,
 * rows out, so the harness can link after every configuration.
 */
public final class Comparisons {
    private Comparisons() {
    }

    public static List<ResultRow> link(List<ResultRow> rows) {
        Map<String, ResultRow> byId = new HashMap<>();
        for (ResultRow r : rows) {
            byId.put(r.id(), r);
        }
        List<ResultRow> out = new ArrayList<>(rows.size());
        for (ResultRow r : rows) {
            out.add(r.status().equals(ResultRow.OK) ? linkOne(r, byId) : r);
        }
        return out;
    }

    private static ResultRow linkOne(ResultRow r, Map<String, ResultRow> byId) {
        boolean peer = r.backend().equals(OnnxPeerRuns.PEER) || r.backend().equals(ClBlastPeerRuns.PEER);
        List<ResultRow.PeerComparison> comparisons = new ArrayList<>();
        List<ResultRow.LayerEntry> layers = r.layers();
        ResultRow.LatencyCheck latencyCheck = null;
        String onnxId = r.scenario() + "/" + OnnxPeerRuns.PEER + "/cpu/" + r.model() + "/" + RowKey.NO_ALGORITHM
                + "/b" + r.batch();
        ResultRow onnx = peer ? null : okRow(byId, onnxId);
        switch (r.scenario()) {
            case "latency" -> {
                if (onnx != null && r.endToEndMs() != null && onnx.endToEndMs() != null) {
                    comparisons.add(compare(OnnxPeerRuns.PEER, onnx, "end_to_end_ms.median", r.endToEndMs().median(),
                            onnx.endToEndMs().median()));
                }
                ResultRow clblast = peer || r.deviceIndex() == null ? null
                        : okRow(byId, "layers/" + ClBlastPeerRuns.PEER + "/" + r.deviceIndex() + "/" + r.model() + "/"
                                + RowKey.NO_ALGORITHM + "/b1");
                if (clblast != null && layers != null && r.batch() == 1) {
                    layers = withClBlast(layers, clblast, comparisons);
                }
            }
            case "throughput" -> {
                if (onnx != null && r.imagesPerSecondEndToEnd() != null && onnx.imagesPerSecondEndToEnd() != null) {
                    comparisons.add(compare(OnnxPeerRuns.PEER, onnx, "images_per_second_end_to_end",
                            r.imagesPerSecondEndToEnd(), onnx.imagesPerSecondEndToEnd()));
                }
                if (r.batch() == 1) {
                    ResultRow latency = okRow(byId, "latency" + r.id().substring(r.scenario().length()));
                    latencyCheck = latency == null ? null : latencyCheck(r, latency);
                }
            }
            case "accuracy" -> {
                if (onnx != null && r.accuracy() != null && onnx.accuracy() != null) {
                    comparisons.add(compare(OnnxPeerRuns.PEER, onnx, "accuracy.relative_l2_mean",
                            r.accuracy().relativeL2Mean(), onnx.accuracy().relativeL2Mean()));
                }
            }
            default -> {
            }
        }
        return new ResultRow(r.id(), r.scenario(), r.backend(), r.deviceIndex(), r.device(), r.ranOn(), r.model(),
                r.inputShape(), r.algorithm(), r.batch(), r.status(), r.reason(), r.notes(), r.preparation(),
                r.endToEndMs(), r.residentMs(), r.imagesPerSecondEndToEnd(), r.imagesPerSecondResident(), layers,
                r.layerCheck(), latencyCheck, r.accuracy(), r.mnist(), comparisons, r.elapsedS());
    }

    /**
     * Images/s at batch 1 against 1000 / the latency row's median, on the resident figures where both rows have them,
     * else end to end.
     */
    static ResultRow.LatencyCheck latencyCheck(ResultRow throughput, ResultRow latency) {
        boolean resident = throughput.imagesPerSecondResident() != null && latency.residentMs() != null;
        Double imagesPerSecond = resident ? throughput.imagesPerSecondResident() : throughput.imagesPerSecondEndToEnd();
        Distribution latencyMs = resident ? latency.residentMs() : latency.endToEndMs();
        if (imagesPerSecond == null || latencyMs == null) {
            return null;
        }
        double implied = 1000.0 / latencyMs.median();
        double ratio = imagesPerSecond / implied;
        return new ResultRow.LatencyCheck(latency.id(), resident ? "resident" : "end_to_end", imagesPerSecond, implied,
                ratio, Math.abs(ratio - 1) <= ResultRow.LatencyCheck.TOLERANCE);
    }

    private static List<ResultRow.LayerEntry> withClBlast(List<ResultRow.LayerEntry> ours, ResultRow clblast,
            List<ResultRow.PeerComparison> comparisons) {
        Map<String, ResultRow.LayerEntry> theirs = new HashMap<>();
        for (ResultRow.LayerEntry e : clblast.layers()) {
            theirs.put(e.node(), e);
        }
        List<ResultRow.LayerEntry> out = new ArrayList<>();
        double oursSum = 0;
        double theirsSum = 0;
        for (ResultRow.LayerEntry e : ours) {
            ResultRow.LayerEntry peer = theirs.get(e.node());
            if (peer == null || peer.kernelMs() == null || e.kernelMs() == null) {
                out.add(e);
                continue;
            }
            oursSum += e.kernelMs();
            theirsSum += peer.kernelMs();
            out.add(new ResultRow.LayerEntry(e.node(), e.operator(), e.algorithm(), e.note(), e.macs(), e.kernelMs(),
                    e.wallMs(), e.gflops(), e.shareOfTotal(), peer.kernelMs(), e.kernelMs() / peer.kernelMs()));
        }
        if (theirsSum > 0) {
            comparisons.add(compare(ClBlastPeerRuns.PEER, clblast, "layers.kernel_ms_sum", oursSum, theirsSum));
        }
        return out;
    }

    private static ResultRow.PeerComparison compare(String peer, ResultRow peerRow, String metric, double ours,
            double theirs) {
        return new ResultRow.PeerComparison(peer, peerRow.id(), metric, ours, theirs, ours / theirs);
    }

    private static ResultRow okRow(Map<String, ResultRow> byId, String id) {
        ResultRow r = byId.get(id);
        return r != null && r.status().equals(ResultRow.OK) ? r : null;
    }
}
