package dev.tessera.reports.results;

import java.util.List;

/**
 * Raw samples of one timed series and their summary. Percentiles interpolate linearly between closest ranks (NumPy's
 * default, Hyndman-Fan type 7): for sorted {@code x[0..n-1]} and fraction {@code q}, {@code h = (n - 1) q} and the
 * value is {@code x[floor h] + (h - floor h) (x[floor h + 1] - x[floor h])}. The median is the 0.5 percentile.
 *
 * @param unit              "ms"
 * @param n                 number of samples
 * @param median            0.5 percentile
 * @param mean              arithmetic mean
 * @param p90               0.9 percentile
 * @param p99               0.99 percentile
 * @param min               smallest sample
 * @param max               largest sample
 * @param rsd               relative standard deviation: sample standard deviation (n - 1) over the mean; null when
 *                          n &lt; 2
 * @param p90TooFewSamples  true when n &lt; {@link #P90_MIN_SAMPLES}: p90 is then close to the maximum, not a tail
 * @param p99TooFewSamples  true when n &lt; {@link #P99_MIN_SAMPLES}
 * @param samples           every sample, in the order taken
 */
public record Distribution(String unit, int n, double median, double mean, double p90, double p99, double min,
        double max, Double rsd, boolean p90TooFewSamples, boolean p99TooFewSamples, List<Double> samples) {
    /** A p90 needs at least 10 samples behind it (one sample above it). */
    public static final int P90_MIN_SAMPLES = 10;
    /** A p99 needs at least 100 samples behind it. */
    public static final int P99_MIN_SAMPLES = 100;

    public Distribution {
        samples = List.copyOf(samples);
    }
}
