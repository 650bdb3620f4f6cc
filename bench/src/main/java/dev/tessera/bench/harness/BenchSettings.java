package dev.tessera.bench.harness;

import java.util.List;

import dev.tessera.backend.ConvAlgorithm;
import dev.tessera.opencl.ClDevice;
import dev.tessera.reports.results.RunSettings;

/**
 * What {@code tessera bench} measures, after defaults and validation.
 *
 * @param quick          --quick: small inputs and few repetitions
 * @param models         zoo names
 * @param inputSize      side of VGG/ResNet inputs (null: each model's default); fixed-size models ignore it
 * @param backends       "opencl", "aparapi", "reference"
 * @param deviceSelector the selector as given
 * @param devices        the OpenCL devices it names
 * @param algorithms     convolution algorithms asked for
 * @param batches        batch sizes of the throughput scenario
 * @param scenarios      "latency", "throughput", "accuracy"
 * @param peers          "onnxruntime", "clblast"
 * @param sampler        how long each timed series runs
 * @param accuracyImages images compared with the reference per accuracy row
 * @param seed           seed of weights and inputs
 * @param probe          whether to run the peak probe on each device
 */
public record BenchSettings(boolean quick, List<String> models, Integer inputSize, List<String> backends,
        String deviceSelector, List<ClDevice> devices, List<ConvAlgorithm> algorithms, List<Integer> batches,
        List<String> scenarios, List<String> peers, Sampler sampler, int accuracyImages, long seed, boolean probe) {
    public static final List<String> SCENARIOS = List.of("latency", "throughput", "accuracy");
    public static final List<String> PEERS = List.of("onnxruntime", "clblast");
    public static final List<String> BACKENDS = List.of("opencl", "aparapi", "reference");

    public BenchSettings {
        models = List.copyOf(models);
        backends = List.copyOf(backends);
        devices = List.copyOf(devices);
        algorithms = List.copyOf(algorithms);
        batches = List.copyOf(batches);
        scenarios = List.copyOf(scenarios);
        peers = List.copyOf(peers);
        for (String s : scenarios) {
            if (!SCENARIOS.contains(s)) {
                throw new IllegalArgumentException("unknown scenario '" + s + "'; choose from " + SCENARIOS);
            }
        }
        for (String p : peers) {
            if (!PEERS.contains(p)) {
                throw new IllegalArgumentException("unknown peer '" + p + "'; choose from " + PEERS);
            }
        }
        for (String b : backends) {
            if (!BACKENDS.contains(b)) {
                throw new IllegalArgumentException("unknown backend '" + b + "'; choose from " + BACKENDS);
            }
        }
        for (int b : batches) {
            if (b < 1) {
                throw new IllegalArgumentException("batch sizes must be at least 1: " + b);
            }
        }
        if (accuracyImages < 1) {
            throw new IllegalArgumentException("accuracy needs at least one image: " + accuracyImages);
        }
    }

    public boolean has(String scenario) {
        return scenarios.contains(scenario);
    }

    public boolean hasPeer(String peer) {
        return peers.contains(peer);
    }

    /** The record written into the results file. */
    public RunSettings toRecord() {
        return new RunSettings(quick, models, inputSize, backends, deviceSelector,
                algorithms.stream().map(ConvAlgorithm::id).toList(), batches, scenarios, peers, sampler.minTimeS(),
                sampler.minSamples(), sampler.warmupRuns(), accuracyImages);
    }
}
