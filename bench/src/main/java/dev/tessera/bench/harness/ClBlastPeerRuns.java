package dev.tessera.bench.harness;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.tessera.backend.ConvProblem;
import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;
import dev.tessera.models.Layer;
import dev.tessera.models.Model;
import dev.tessera.opencl.ClBuffer;
import dev.tessera.opencl.ClContext;
import dev.tessera.opencl.ClDevice;
import dev.tessera.peers.ClBlastIm2colConv;
import dev.tessera.reports.results.ResultRow;

/**
 * The per-layer peer: every convolution of a model at batch 1 as im2col plus CLBlast's SGEMM on the same device, with
 * the same weights and the layer's input shape. One "layers" row per (device, model); {@link Comparisons} puts the
 * figures beside ours.
 */
final class ClBlastPeerRuns {
    static final String PEER = "clblast";

    private ClBlastPeerRuns() {
    }

    static Harness.Task task(Harness harness, ClDevice device, String name) {
        RowKey key = harness.key("layers", PEER, device, name, RowKey.NO_ALGORITHM, 1);
        return new Harness.Task("clblast #" + device.index() + " " + name, harness.weight(name, 1), List.of(key),
                () -> List.of(run(harness, key, device, harness.model(name))));
    }

    private static ResultRow run(Harness harness, RowKey key, ClDevice device, Model model) {
        long start = System.nanoTime();
        Map<String, int[]> shapes = new HashMap<>();
        shapes.put(Model.INPUT, batchOne(model.inputShape()));
        List<int[]> outputShapes = model.layerShapes(1);
        List<ResultRow.LayerEntry> entries = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        double total = 0;
        List<double[]> times = new ArrayList<>();
        List<Layer> convs = new ArrayList<>();
        List<Long> macs = new ArrayList<>();
        try (ClContext context = ClContext.open(device)) {
            for (int i = 0; i < model.layers().size(); i++) {
                Layer layer = model.layers().get(i);
                if (layer.op() instanceof Operator.Conv2d conv && !harness.stopping()) {
                    List<int[]> in = new ArrayList<>();
                    for (String input : layer.inputs()) {
                        in.add(shapes.get(input));
                    }
                    Tensor weight = layer.parameter("weight").requireValue(layer.name());
                    in.add(weight.shape());
                    ConvProblem problem = ConvProblem.of(conv, in);
                    String reason = ClBlastIm2colConv.notApplicableReason(problem);
                    if (reason != null) {
                        notes.add(layer.name() + ": " + reason);
                    } else {
                        double[] t = timeLayer(harness, context, problem, weight, in.get(0));
                        times.add(t);
                        convs.add(layer);
                        macs.add(problem.macs());
                        total += t[0];
                    }
                }
                shapes.put(layer.name(), outputShapes.get(i));
            }
        }
        for (int i = 0; i < convs.size(); i++) {
            double kernel = times.get(i)[0];
            entries.add(new ResultRow.LayerEntry(convs.get(i).name(), "conv2d", "im2col+clblast-sgemm", "",
                    macs.get(i), kernel, times.get(i)[1], 2.0 * macs.get(i) / (kernel * 1e6),
                    total == 0 ? 0 : kernel / total, null, null));
        }
        return key.row().ranOn("opencl:" + device.name()).notes(notes).layers(entries, null)
                .elapsedS((System.nanoTime() - start) / 1e9).build();
    }

    /** Median device time and median wall time of the peer on one layer. */
    private static double[] timeLayer(Harness harness, ClContext context, ConvProblem problem, Tensor weight,
            int[] inputShape) {
        try (ClBlastIm2colConv peer = new ClBlastIm2colConv(context, problem, weight);
                ClBuffer input = context.buffer(Tensor.random(harness.settings().seed(), -1, 1, inputShape).data());
                ClBuffer output = context.buffer(4L * Tensor.sizeOf(problem.outputShape()))) {
            List<Double> device = new ArrayList<>();
            List<Double> wall = harness.settings().sampler().sample(() -> {
                long start = System.nanoTime();
                device.add(peer.run(input, output));
                return (System.nanoTime() - start) / 1e6;
            }, harness::stopping);
            List<Double> timedDevice = device.subList(device.size() - wall.size(), device.size());
            return new double[] {Statistics.median(timedDevice.stream().mapToDouble(Double::doubleValue).toArray()),
                    Statistics.median(wall.stream().mapToDouble(Double::doubleValue).toArray())};
        }
    }

    private static int[] batchOne(int[] chw) {
        return new int[] {1, chw[0], chw[1], chw[2]};
    }
}
