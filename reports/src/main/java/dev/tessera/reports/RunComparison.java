package dev.tessera.reports;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

import dev.tessera.reports.results.BenchResults;
import dev.tessera.reports.results.ResultRow;

/**
 * A baseline run against a candidate run, configuration by configuration, from the recorded samples: the ratio of a
 * metric with a bootstrap confidence interval and a verdict. The interval is the percentile bootstrap of the ratio
 * (each side's samples resampled with replacement, {@link #RESAMPLES} times, seeded from the configuration's name so
 * the result is the same on every run), so a difference inside the noise of the samples is reported as such.
 * <ul>
 * <li>{@code latency}: latency rows, the median of the end-to-end samples; ratio = candidate / baseline (above 1 is
 * slower);</li>
 * <li>{@code throughput}: throughput rows, images/s at the median run: batch x 1000 / the median of the end-to-end
 * samples (the file's images/s is over the mean, which one outlier run moves and the bootstrap cannot model when a
 * side happens to have none); ratio = candidate / baseline (below 1 is slower).</li>
 * </ul>
 * The slowdown is the ratio turned into time (latency: the ratio; throughput: its inverse). Verdicts: "slower" when
 * the whole interval of the slowdown is above 1 + threshold (a regression: {@code tessera compare} exits 1);
 * "faster" when it is below 1 / (1 + threshold); "within noise" when it contains 1; otherwise "slightly slower" or
 * "slightly faster" (a change the samples are sure of, but smaller than the threshold).
 */
public final class RunComparison {
    public static final int RESAMPLES = 2000;
    public static final double CONFIDENCE = 0.95;
    /** Fewer samples than this on either side and no verdict is given. */
    public static final int MIN_SAMPLES = 3;
    public static final List<String> METRICS = List.of("latency", "throughput");

    public static final String SLOWER = "slower";
    public static final String FASTER = "faster";
    public static final String NOISE = "within noise";
    public static final String SLIGHTLY_SLOWER = "slightly slower";
    public static final String SLIGHTLY_FASTER = "slightly faster";
    public static final String TOO_FEW = "too few samples";
    public static final String NOT_COMPARED = "not compared";

    private RunComparison() {
    }

    /**
     * One configuration.
     *
     * @param configuration row id with the device name
     * @param baseline      the metric on the baseline (null: not measured there)
     * @param candidate     the metric on the candidate (null: not measured there)
     * @param ratio         candidate / baseline (null when not compared)
     * @param low           lower end of the ratio's confidence interval
     * @param high          upper end
     * @param baselineN     samples behind the baseline figure
     * @param candidateN    samples behind the candidate figure
     * @param verdict       one of the verdicts above
     * @param reason        why there is no ratio (one side missing or not ok); "" otherwise
     */
    public record Row(String configuration, Double baseline, Double candidate, Double ratio, Double low, Double high,
            int baselineN, int candidateN, String verdict, String reason) {
        public boolean regression() {
            return SLOWER.equals(verdict);
        }

        /** "low - high" for tables; empty without an interval. */
        public String interval() {
            return low == null ? "" : fmt(low) + " - " + fmt(high);
        }

        /** The verdict with its reason, for tables. */
        public String verdictAndReason() {
            return reason.isEmpty() ? verdict : verdict + " (" + reason + ")";
        }
    }

    /**
     * The whole comparison.
     *
     * @param metric    "latency" or "throughput"
     * @param unit      "ms" or "images/s"
     * @param threshold the slowdown tolerated, as a fraction (0.05 = 5 %)
     */
    public record Result(String metric, String unit, double threshold, double confidence, int resamples,
            List<Row> rows) {
        public Result {
            rows = List.copyOf(rows);
        }

        public List<Row> regressions() {
            return rows.stream().filter(Row::regression).toList();
        }

        public List<Row> compared() {
            return rows.stream().filter(r -> r.ratio() != null).toList();
        }
    }

    /** Compares two sides, each one or more results files (the shards of a run, say). */
    public static Result compare(List<BenchResults> baseline, List<BenchResults> candidate, String metric,
            double threshold) {
        if (!METRICS.contains(metric)) {
            throw new IllegalArgumentException("unknown metric '" + metric + "'; choose from " + METRICS);
        }
        if (!(threshold >= 0) || threshold >= 10) {
            throw new IllegalArgumentException("the threshold must be between 0 % and 1000 %: " + threshold * 100 + " %");
        }
        String scenario = metric;
        Map<String, ResultRow> base = rows(baseline, scenario, "baseline");
        Map<String, ResultRow> cand = rows(candidate, scenario, "candidate");
        List<String> keys = new ArrayList<>(base.keySet());
        cand.keySet().stream().filter(k -> !base.containsKey(k)).forEach(keys::add);
        List<Row> out = new ArrayList<>();
        for (String key : keys) {
            out.add(row(key, base.get(key), cand.get(key), metric, threshold));
        }
        return new Result(metric, metric.equals("latency") ? "ms" : "images/s", threshold, CONFIDENCE, RESAMPLES, out);
    }

    private static Map<String, ResultRow> rows(List<BenchResults> side, String scenario, String name) {
        Map<String, ResultRow> rows = new LinkedHashMap<>();
        for (BenchResults results : side) {
            for (ResultRow r : results.rows()) {
                if (!r.scenario().equals(scenario)) {
                    continue;
                }
                ResultRow before = rows.put(key(r), r);
                if (before != null) {
                    throw new IllegalArgumentException("the " + name + " has configuration " + key(r) + " more than "
                            + "once; give each configuration once per side");
                }
            }
        }
        return rows;
    }

    static String key(ResultRow r) {
        return r.id() + " (" + r.device() + ")";
    }

    private static Row row(String key, ResultRow base, ResultRow cand, String metric, double threshold) {
        String missing = base == null ? "only in the candidate" : cand == null ? "only in the baseline"
                : !ResultRow.OK.equals(base.status()) ? "baseline " + base.status()
                : !ResultRow.OK.equals(cand.status()) ? "candidate " + cand.status()
                : base.endToEndMs() == null || cand.endToEndMs() == null ? "no end-to-end samples" : null;
        if (missing != null) {
            return new Row(key, null, null, null, null, null, 0, 0, NOT_COMPARED, missing);
        }
        double[] b = samples(base);
        double[] c = samples(cand);
        boolean latency = metric.equals("latency");
        double bValue = statistic(b, latency, base.batch());
        double cValue = statistic(c, latency, cand.batch());
        if (b.length < MIN_SAMPLES || c.length < MIN_SAMPLES) {
            return new Row(key, bValue, cValue, cValue / bValue, null, null, b.length, c.length, TOO_FEW,
                    "fewer than " + MIN_SAMPLES + " samples on a side");
        }
        SplittableRandom random = new SplittableRandom(seed(key));
        double[] ratios = new double[RESAMPLES];
        double[] bs = new double[b.length];
        double[] cs = new double[c.length];
        for (int i = 0; i < RESAMPLES; i++) {
            resample(b, bs, random);
            resample(c, cs, random);
            ratios[i] = statistic(cs, latency, cand.batch()) / statistic(bs, latency, base.batch());
        }
        Arrays.sort(ratios);
        double low = quantile(ratios, (1 - CONFIDENCE) / 2);
        double high = quantile(ratios, 1 - (1 - CONFIDENCE) / 2);
        // the slowdown as a time ratio: above 1 is slower
        double slowLow = latency ? low : 1 / high;
        double slowHigh = latency ? high : 1 / low;
        String verdict = slowLow > 1 + threshold ? SLOWER
                : slowHigh < 1 / (1 + threshold) ? FASTER
                : slowLow <= 1 && slowHigh >= 1 ? NOISE
                : slowLow > 1 ? SLIGHTLY_SLOWER : SLIGHTLY_FASTER;
        return new Row(key, bValue, cValue, cValue / bValue, low, high, b.length, c.length, verdict, "");
    }

    private static double[] samples(ResultRow r) {
        return r.endToEndMs().samples().stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** Latency: the median ms; throughput: images/s at the median run. */
    private static double statistic(double[] samples, boolean latency, int batch) {
        double[] sorted = samples.clone();
        Arrays.sort(sorted);
        double median = quantile(sorted, 0.5);
        return latency ? median : batch * 1000.0 / median;
    }

    private static void resample(double[] from, double[] to, SplittableRandom random) {
        for (int i = 0; i < to.length; i++) {
            to[i] = from[random.nextInt(from.length)];
        }
    }

    /** Linear interpolation between closest ranks (type 7, as the results' percentiles). */
    static double quantile(double[] sorted, double q) {
        double h = (sorted.length - 1) * q;
        int lo = (int) Math.floor(h);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }

    private static long seed(String key) {
        long h = 1125899906842597L;
        for (int i = 0; i < key.length(); i++) {
            h = 31 * h + key.charAt(i);
        }
        return h;
    }

    /** A figure for tables: three significant digits. */
    public static String fmt(Double v) {
        if (v == null) {
            return "";
        }
        return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.3g", v);
    }
}
