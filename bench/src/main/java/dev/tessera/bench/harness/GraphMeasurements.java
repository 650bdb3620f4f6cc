package dev.tessera.bench.harness;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.BooleanSupplier;

import dev.tessera.backend.Accuracy;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.graph.CompiledGraph;
import dev.tessera.backend.graph.GraphRun;
import dev.tessera.backend.graph.LayerTiming;
import dev.tessera.models.Model;
import dev.tessera.reports.results.ResultRow;

/** The scenarios on one compiled model: latency, throughput, accuracy. Each fills a row for its key. */
final class GraphMeasurements {
    private final Sampler sampler;
    private final BooleanSupplier stop;

    GraphMeasurements(Sampler sampler, BooleanSupplier stop) {
        this.sampler = sampler;
        this.stop = stop;
    }

    /** Profiled passes behind the per-layer breakdown, at most. */
    static final int PROFILED_RUNS = 15;

    /** What timing one compiled graph gave: end-to-end and resident samples, and the profiled passes' timings. */
    record Timed(List<Double> endToEnd, List<Double> resident, List<GraphRun> profiledRuns) {
    }

    Timed time(CompiledGraph graph, Tensor input) {
        // the two series alternate (one end-to-end run, one resident, ...) so both see the same machine state; the
        // resident runs use the input the end-to-end runs wrote (the same one), loaded once before the first
        graph.load(input);
        Sampler.Paired paired = sampler.sampleAlternately(() -> {
            long start = System.nanoTime();
            graph.run(input);
            return (System.nanoTime() - start) / 1e6;
        }, () -> graph.runResident().wallMs(), stop);
        List<Double> endToEnd = paired.first();
        List<Double> resident = paired.second();
        if (endToEnd.isEmpty() || resident.isEmpty()) {
            throw new IllegalStateException("interrupted before any sample");
        }
        // the timed runs launch without profiling events; the per-layer breakdown comes from profiled passes of their
        // own, as many as there were resident samples (at most PROFILED_RUNS)
        List<GraphRun> profiled = new ArrayList<>();
        for (int i = 0; i < Math.min(resident.size(), PROFILED_RUNS) && (profiled.isEmpty() || !stop.getAsBoolean());
                i++) {
            profiled.add(graph.runProfiled());
        }
        return new Timed(endToEnd, resident, List.copyOf(profiled));
    }

    /** Latency: both distributions, the per-layer breakdown of the profiled passes, and its check. */
    void latency(RowKey.RowBuilder row, Model model, Timed t, List<String> layerNotes) {
        row.endToEnd(Statistics.summarise(t.endToEnd())).resident(Statistics.summarise(t.resident()));
        List<Long> macs = model.layerMacs();
        List<GraphRun> runs = t.profiledRuns();
        int layers = runs.get(0).layers().size();
        double[] kernel = new double[layers];
        double[] wall = new double[layers];
        boolean allKernel = true;
        for (int i = 0; i < layers; i++) {
            final int index = i;
            kernel[i] = Statistics.median(runs.stream().mapToDouble(r -> r.layers().get(index).kernelMs()).toArray());
            wall[i] = Statistics.median(runs.stream().mapToDouble(r -> r.layers().get(index).wallMs()).toArray());
            allKernel &= !Double.isNaN(kernel[i]);
        }
        double total = 0;
        for (int i = 0; i < layers; i++) {
            total += allKernel ? kernel[i] : wall[i];
        }
        int batch = row.key().batch();
        List<ResultRow.LayerEntry> entries = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            LayerTiming timing = runs.get(runs.size() - 1).layers().get(i);
            long layerMacs = i < macs.size() ? macs.get(i) * batch : 0;
            double time = allKernel ? kernel[i] : wall[i];
            Double gflops = layerMacs == 0 || time <= 0 ? null : 2.0 * layerMacs / (time * 1e6);
            String note = i < layerNotes.size() ? layerNotes.get(i) : "";
            entries.add(new ResultRow.LayerEntry(timing.node(), timing.operator(), timing.algorithm(), note, layerMacs,
                    Double.isNaN(kernel[i]) ? null : kernel[i], wall[i], gflops, total == 0 ? 0 : time / total, null,
                    null));
        }
        double kernelSum = Statistics.median(runs.stream().mapToDouble(GraphRun::kernelMs).toArray());
        double layerWallSum = Statistics.median(
                runs.stream().mapToDouble(r -> r.layers().stream().mapToDouble(LayerTiming::wallMs).sum()).toArray());
        double runWall = Statistics.median(runs.stream().mapToDouble(GraphRun::wallMs).toArray());
        row.layers(entries, layerCheck(Double.isNaN(kernelSum) ? null : kernelSum, layerWallSum, runWall));
    }

    static ResultRow.LayerCheck layerCheck(Double kernelSum, double layerWallSum, double runWall) {
        Double kernelToWall = kernelSum == null ? null : kernelSum / runWall;
        double layerWallToWall = layerWallSum / runWall;
        double limit = 1 + ResultRow.LayerCheck.TOLERANCE;
        boolean consistent = layerWallToWall <= limit && (kernelToWall == null || kernelToWall <= limit);
        return new ResultRow.LayerCheck(kernelSum, layerWallSum, runWall, kernelToWall, layerWallToWall, consistent);
    }

    /** Throughput: both distributions and images/s over the timed window. */
    static void throughput(RowKey.RowBuilder row, int batch, List<Double> endToEnd, List<Double> resident) {
        row.endToEnd(Statistics.summarise(endToEnd));
        if (resident != null) {
            row.resident(Statistics.summarise(resident));
        }
        row.imagesPerSecond(imagesPerSecond(batch, endToEnd), resident == null ? null : imagesPerSecond(batch,
                resident));
    }

    /** batch x samples x 1000 / the sum of the samples (ms). */
    static double imagesPerSecond(int batch, List<Double> samplesMs) {
        double sum = samplesMs.stream().mapToDouble(Double::doubleValue).sum();
        return batch * samplesMs.size() * 1000.0 / sum;
    }

    /** The final outputs of {@code images} images against the reference, and every layer's for the first few. */
    static ResultRow.AccuracyResult accuracy(Model model, int images, ReferenceOutputs reference,
            java.util.function.IntFunction<LinkedHashMap<String, Tensor>> runAll, boolean perLayer,
            BooleanSupplier stop) {
        int perLayerImages = perLayer ? ReferenceOutputs.perLayerImages(model, images) : 0;
        double l2Sum = 0;
        double l2Max = 0;
        double maxAbs = 0;
        int agreed = 0;
        int done = 0;
        long nonFinite = 0;
        LinkedHashMap<String, double[]> layerErrors = new LinkedHashMap<>();
        for (int i = 0; i < images && !stop.getAsBoolean(); i++) {
            LinkedHashMap<String, Tensor> outputs = runAll.apply(i);
            Tensor out = ReferenceOutputs.lastValue(outputs);
            Tensor expected = reference.output(model, i);
            nonFinite += out.countNonFinite();
            Accuracy a = Accuracy.of(out, expected);
            l2Sum += a.relativeL2();
            l2Max = Math.max(l2Max, a.relativeL2());
            maxAbs = Math.max(maxAbs, a.maxAbs());
            agreed += BenchInputs.argmax(out) == BenchInputs.argmax(expected) ? 1 : 0;
            if (i < perLayerImages) {
                LinkedHashMap<String, Tensor> expectedLayers = reference.layers(model, i);
                for (var e : expectedLayers.entrySet()) {
                    Tensor actual = outputs.get(e.getKey());
                    if (actual == null) {
                        continue;
                    }
                    Accuracy la = Accuracy.of(actual, e.getValue());
                    double[] worst = layerErrors.computeIfAbsent(e.getKey(), k -> new double[2]);
                    worst[0] = Math.max(worst[0], la.relativeL2());
                    worst[1] = Math.max(worst[1], la.maxAbs());
                }
            }
            done++;
        }
        if (done == 0) {
            throw new IllegalStateException("interrupted before any image");
        }
        List<ResultRow.LayerError> perLayerErrors = new ArrayList<>();
        layerErrors.forEach((node, e) -> perLayerErrors.add(new ResultRow.LayerError(node, e[0], e[1])));
        return new ResultRow.AccuracyResult(done, l2Sum / done, l2Max, maxAbs, agreed, (double) agreed / done,
                Math.min(perLayerImages, done), perLayerErrors, nonFinite);
    }

}
