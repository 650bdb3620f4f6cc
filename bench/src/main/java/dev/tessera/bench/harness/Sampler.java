package dev.tessera.bench.harness;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

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
    public List<Double> sample(DoubleSupplier run, BooleanSupplier stop) {
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

    /** Two series sampled alternately ({@link #sampleAlternately}): each holds its own runs' milliseconds. */
    public record Paired(List<Double> first, List<Double> second) {
    }

    /**
     * Samples two series alternately, so that both see the same machine state (load from other processes, clock
     * frequency, caches): {@code warmupRuns} untimed runs of each, then pairs of runs, one of each, until each series has
     * {@code minSamples} samples and has spent {@code minTimeS} seconds in its own runs (as {@link #sample} would give
     * it alone), or {@code maxSamples} each. Within a pair the order swaps every pair ({@code first, second, second,
     * first, ...}), so neither series always runs right after the other. {@code stop} is checked before every run; the
     * series keep equal lengths (a pair cut short is dropped).
     */
    public Paired sampleAlternately(DoubleSupplier first, DoubleSupplier second, BooleanSupplier stop) {
        return sampleAlternately(first, second, stop, System::nanoTime);
    }

    /** {@link #sampleAlternately(DoubleSupplier, DoubleSupplier, BooleanSupplier)} on the clock given (tests). */
    Paired sampleAlternately(DoubleSupplier first, DoubleSupplier second, BooleanSupplier stop, LongSupplier nanoClock) {
        for (int i = 0; i < warmupRuns && !stop.getAsBoolean(); i++) {
            first.getAsDouble();
            second.getAsDouble();
        }
        List<Double> a = new ArrayList<>();
        List<Double> b = new ArrayList<>();
        long[] spent = new long[2];
        long minNanos = (long) (minTimeS * 1e9);
        while (a.size() < maxSamples && !stop.getAsBoolean()
                && (a.size() < minSamples || Math.min(spent[0], spent[1]) < minNanos)) {
            int one = a.size() % 2;
            double[] ms = new double[2];
            for (int k = 0; k < 2; k++) {
                int series = k == 0 ? one : 1 - one;
                if (k == 1 && stop.getAsBoolean()) {
                    return new Paired(a, b);
                }
                long begin = nanoClock.getAsLong();
                ms[series] = (series == 0 ? first : second).getAsDouble();
                spent[series] += nanoClock.getAsLong() - begin;
            }
            a.add(ms[0]);
            b.add(ms[1]);
        }
        return new Paired(a, b);
    }
}
