package dev.tessera.reports.results;

import java.util.List;

/**
 * What a run was asked to measure, after defaults.
 *
 * @param quick            whether {@code --quick} was given
 * @param models           model names
 * @param inputSize        input side for VGG/ResNet (null: each model's default)
 * @param backends         backend names
 * @param devices          the device selector as given ("all", an index, part of a name)
 * @param algorithms       convolution algorithm ids asked for
 * @param batches          batch sizes of the throughput scenario
 * @param scenarios        "latency", "throughput", "accuracy"
 * @param peers            "onnxruntime", "clblast"
 * @param minTimeS         each timed series runs at least this long ...
 * @param minSamples       ... and at least this many times, after ...
 * @param warmupRuns       ... this many untimed runs
 * @param accuracyImages   images compared with the reference per accuracy row
 */
public record RunSettings(boolean quick, List<String> models, Integer inputSize, List<String> backends, String devices,
        List<String> algorithms, List<Integer> batches, List<String> scenarios, List<String> peers, double minTimeS,
        int minSamples, int warmupRuns, int accuracyImages) {
    public RunSettings {
        models = List.copyOf(models);
        backends = List.copyOf(backends);
        algorithms = List.copyOf(algorithms);
        batches = List.copyOf(batches);
        scenarios = List.copyOf(scenarios);
        peers = List.copyOf(peers);
    }
}
