package dev.tessera.bench.harness;

import java.util.Arrays;
import java.util.List;

import dev.tessera.reports.results.Distribution;

/**
 * Summaries of timed samples as docs/RESULTS.md defines them: median, mean, p90 and p99 interpolated linearly between
 * closest ranks (NumPy's default, Hyndman-Fan type 7), min, max, relative standard deviation (n - 1 divisor), and
 * the marks for percentiles with too few samples behind them ({@link Distribution#P90_MIN_SAMPLES},
 * {@link Distribution#P99_MIN_SAMPLES}).
 */
public final class Statistics {
    private Statistics() {
    }

    /**
     * The distribution of {@code samples} (kept in the order given).
     *
     * @throws IllegalArgumentException when there are no samples or one is not finite
     */
    public static Distribution summarise(List<Double> samples) {
        if (samples.isEmpty()) {
            throw new IllegalArgumentException("no samples to summarise");
        }
        double[] sorted = new double[samples.size()];
        double sum = 0;
        for (int i = 0; i < sorted.length; i++) {
            double v = samples.get(i);
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException("sample " + i + " is not a finite number: " + v);
            }
            sorted[i] = v;
            sum += v;
        }
        Arrays.sort(sorted);
        int n = sorted.length;
        double mean = sum / n;
        Double rsd = null;
        if (n >= 2) {
            double squares = 0;
            for (double v : sorted) {
                squares += (v - mean) * (v - mean);
            }
            rsd = mean == 0 ? 0.0 : Math.sqrt(squares / (n - 1)) / mean;
        }
        return new Distribution("ms", n, percentile(sorted, 0.5), mean, percentile(sorted, 0.9),
                percentile(sorted, 0.99), sorted[0], sorted[n - 1], rsd, n < Distribution.P90_MIN_SAMPLES,
                n < Distribution.P99_MIN_SAMPLES, samples);
    }

    /**
     * The {@code q} quantile of ascending {@code sorted}: {@code h = (n - 1) q}, then linear interpolation between
     * {@code sorted[floor h]} and the next value.
     */
    public static double percentile(double[] sorted, double q) {
        if (sorted.length == 0) {
            throw new IllegalArgumentException("no values");
        }
        if (!(q >= 0 && q <= 1)) {
            throw new IllegalArgumentException("quantile must be in [0, 1]: " + q);
        }
        double h = (sorted.length - 1) * q;
        int lo = (int) Math.floor(h);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }

    /** The median of unsorted values (a sorted copy is taken). */
    public static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return percentile(sorted, 0.5);
    }
}
