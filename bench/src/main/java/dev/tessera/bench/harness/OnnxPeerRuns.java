package dev.tessera.bench.harness;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

import dev.tessera.backend.Tensor;
import dev.tessera.models.Model;
import dev.tessera.peers.OnnxRuntimePeer;
import dev.tessera.reports.results.ResultRow;

/**
 * The whole-model peer: ONNX Runtime (CPU) running the exported model with the same weights on the same inputs:
 * latency at batch 1, throughput at every batch size, accuracy against the reference. Host tensors only, so only
 * end-to-end figures.
 */
final class OnnxPeerRuns {
    static final String PEER = "onnxruntime";

    private OnnxPeerRuns() {
    }

    static Harness.Task task(Harness harness, String name, List<Integer> batches) {
        BenchSettings s = harness.settings();
        List<RowKey> keys = new ArrayList<>();
        if (s.has("latency")) {
            keys.add(harness.key("latency", PEER, null, name, RowKey.NO_ALGORITHM, 1));
        }
        if (s.has("throughput")) {
            for (int b : batches) {
                if (s.batches().contains(b)) {
                    keys.add(harness.key("throughput", PEER, null, name, RowKey.NO_ALGORITHM, b));
                }
            }
        }
        if (s.has("accuracy")) {
            keys.add(harness.key("accuracy", PEER, null, name, RowKey.NO_ALGORITHM, 1));
        }
        return new Harness.Task("onnxruntime " + name, harness.weight(name, 1) * keys.size(), keys,
                () -> run(harness, keys, harness.model(name)));
    }

    private static List<ResultRow> run(Harness harness, List<RowKey> keys, Model model) {
        BenchSettings s = harness.settings();
        List<ResultRow> rows = new ArrayList<>();
        long exportStart = System.nanoTime();
        byte[] onnx = OnnxExport.toBytes(model);
        try (OnnxRuntimePeer peer = new OnnxRuntimePeer(onnx)) {
            double prepareMs = (System.nanoTime() - exportStart) / 1e6;
            List<String> notes = List.of("ONNX Runtime " + peer.version() + ", CPU execution provider");
            for (RowKey key : keys) {
                long start = System.nanoTime();
                RowKey.RowBuilder row = key.row().ranOn(OnnxRuntimePeer.ranOn()).notes(notes)
                        .preparation(new ResultRow.Preparation(0, prepareMs, 0, prepareMs));
                try {
                    if (key.scenario().equals("accuracy")) {
                        row.accuracy(GraphMeasurements.accuracy(model, s.accuracyImages(), harness.reference(),
                                i -> finalOnly(model, peer.run(BenchInputs.image(model, i, s.seed()))), false,
                                harness::stopping));
                    } else {
                        Tensor input = BenchInputs.timing(model, key.batch(), s.seed());
                        List<Double> samples = s.sampler().sample(() -> {
                            long t = System.nanoTime();
                            peer.run(input);
                            return (System.nanoTime() - t) / 1e6;
                        }, harness::stopping);
                        if (key.scenario().equals("latency")) {
                            row.endToEnd(Statistics.summarise(samples));
                        } else {
                            GraphMeasurements.throughput(row, key.batch(), samples, null);
                        }
                    }
                    rows.add(row.elapsedS((System.nanoTime() - start) / 1e9).build());
                } catch (RuntimeException e) {
                    rows.add(key.failed(Failures.status(e), Failures.reason(e), (System.nanoTime() - start) / 1e9));
                }
            }
        }
        return rows;
    }

    private static LinkedHashMap<String, Tensor> finalOnly(Model model, Tensor output) {
        LinkedHashMap<String, Tensor> outputs = new LinkedHashMap<>();
        outputs.put(model.layers().get(model.layers().size() - 1).name(), output);
        return outputs;
    }
}
