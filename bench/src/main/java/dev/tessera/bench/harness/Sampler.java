package dev.tessera.bench.harness;

import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleSupplier;

/**
 * How long a timed series runs: {@code warmupRuns} untimed runs, then runs until both {@code minSamples} samples and
 * {@code minTimeS} seconds of measuring have been reached, or {@code maxSamples}, whichever comes first.
 *
 * @param warmupRuns untimed runs first (they also absorb first-run costs such as AUTO's tuning in a layer-by-layer
 *                   plan; never counted)
 * @param minSamples samples at least
 * @param minTimeS   seconds of measuring at least
 * @param maxSamples samples at most
 */
public record Sampler(int warmupRuns, int minSamples, double minTimeS, int maxSamples) {
    public Sampler {
        if (warmupRuns < 0 || minSamples < 1 || minTimeS < 0 || maxSamples < minSamples) {
            throw new IllegalArgumentException("bad sampling settings: warm-up " + warmupRuns + ", min samples "
                    + minSamples + ", min time " + minTimeS + " s, max samples " + maxSamples);
        }
    }

    /**
     * Runs {@code run} (which returns the milliseconds one run took) as described above and returns the samples.
     * {@code stop} is checked between runs: when it says so the samples so far are returned.
     */
    public List<Double> sample(DoubleSupplier run, java.util.function.BooleanSupplier stop) {
        for (int i = 0; i < warmupRuns && !stop.getAsBoolean(); i++) {
            run.getAsDouble();
        }
        List<Double> samples = new ArrayList<>();
        long start = System.nanoTime();
        long minNanos = (long) (minTimeS * 1e9);
        while (samples.size() < maxSamples && !stop.getAsBoolean()
                && (samples.size() < minSamples || System.nanoTime() - start < minNanos)) {
            samples.add(run.getAsDouble());
        }
        return samples;
    }
}
