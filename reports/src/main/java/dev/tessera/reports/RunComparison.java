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
 * <p>
 * The samples of one run only show the noise within that run; runs of the same code also differ from each other (other
 * load on the machine, clocks, temperature, memory placement), often by more. A side may therefore hold repeated runs:
 * the same configuration in several results files (a folder of runs, each possibly sharded). The bootstrap then has two
 * levels (Kalibera and Jones, "Rigorous benchmarking in reasonable time", 2013): it draws the runs with replacement,
 * then each drawn run's samples with replacement, and takes the statistic over the pooled draw, so the interval
 * widens with the variation between runs. The figure itself is the statistic over every sample of the side. With one
 * run per side this is the one-level bootstrap, and the interval covers only the noise within the runs. The same
 * samples twice on a side (a file given twice) are refused: they would pass for two runs that agree.
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
     * @param baselineRuns  runs behind the baseline figure (0 when not compared)
     * @param candidateRuns runs behind the candidate figure
     * @param verdict       one of the verdicts above
     * @param reason        why there is no ratio (one side missing or not ok); "" otherwise
     */
    public record Row(String configuration, Double baseline, Double candidate, Double ratio, Double low, Double high,
            int baselineN, int candidateN, int baselineRuns, int candidateRuns, String verdict, String reason) {
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

        /** Whether some interval comes from a single run on a side, so covers no variation between runs. */
        public boolean withinRunOnly() {
            return rows.stream().anyMatch(r -> r.low() != null && Math.min(r.baselineRuns(), r.candidateRuns()) < 2);
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
        Map<String, List<ResultRow>> base = rows(baseline, scenario, "baseline");
        Map<String, List<ResultRow>> cand = rows(candidate, scenario, "candidate");
        List<String> keys = new ArrayList<>(base.keySet());
        cand.keySet().stream().filter(k -> !base.containsKey(k)).forEach(keys::add);
        List<Row> out = new ArrayList<>();
        for (String key : keys) {
            out.add(row(key, base.get(key), cand.get(key), metric, threshold));
        }
        return new Result(metric, metric.equals("latency") ? "ms" : "images/s", threshold, CONFIDENCE, RESAMPLES, out);
    }

    /** Each configuration's rows on a side, one per run, in file order. */
    private static Map<String, List<ResultRow>> rows(List<BenchResults> side, String scenario, String name) {
        Map<String, List<ResultRow>> rows = new LinkedHashMap<>();
        for (BenchResults results : side) {
            for (ResultRow r : results.rows()) {
                if (!r.scenario().equals(scenario)) {
                    continue;
                }
                List<ResultRow> runs = rows.computeIfAbsent(key(r), k -> new ArrayList<>());
                for (ResultRow before : runs) {
                    if (before.endToEndMs() != null && r.endToEndMs() != null
                            && before.endToEndMs().samples().equals(r.endToEndMs().samples())) {
                        throw new IllegalArgumentException("the " + name + " has the same samples of configuration "
                                + key(r) + " twice (the same file given twice?); give each run once");
                    }
                }
                runs.add(r);
            }
        }
        return rows;
    }

    static String key(ResultRow r) {
        return r.id() + " (" + r.device() + ")";
    }

    private static Row row(String key, List<ResultRow> baseRuns, List<ResultRow> candRuns, String metric,
            double threshold) {
        String missing = baseRuns == null ? "only in the candidate" : candRuns == null ? "only in the baseline"
                : notComparable("baseline", baseRuns) != null ? notComparable("baseline", baseRuns)
                : notComparable("candidate", candRuns);
        if (missing != null) {
            return new Row(key, null, null, null, null, null, 0, 0, 0, 0, NOT_COMPARED, missing);
        }
        double[][] b = samples(baseRuns);
        double[][] c = samples(candRuns);
        int bn = count(b);
        int cn = count(c);
        boolean latency = metric.equals("latency");
        int batch = baseRuns.get(0).batch();
        double bValue = statistic(pool(b), latency, batch);
        double cValue = statistic(pool(c), latency, batch);
        if (Arrays.stream(b).anyMatch(s -> s.length < MIN_SAMPLES) || Arrays.stream(c).anyMatch(s -> s.length
                < MIN_SAMPLES)) {
            return new Row(key, bValue, cValue, cValue / bValue, null, null, bn, cn, b.length, c.length, TOO_FEW,
                    "fewer than " + MIN_SAMPLES + " samples in a run");
        }
        SplittableRandom random = new SplittableRandom(seed(key));
        double[] ratios = new double[RESAMPLES];
        for (int i = 0; i < RESAMPLES; i++) {
            double bs = statistic(resample(b, random), latency, batch);
            double cs = statistic(resample(c, random), latency, batch);
            ratios[i] = cs / bs;
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
        return new Row(key, bValue, cValue, cValue / bValue, low, high, bn, cn, b.length, c.length, verdict, "");
    }

    /** Why a side's runs of a configuration cannot be compared; null when they can. */
    private static String notComparable(String side, List<ResultRow> runs) {
        for (ResultRow r : runs) {
            if (!ResultRow.OK.equals(r.status())) {
                return side + " " + r.status();
            }
            if (r.endToEndMs() == null) {
                return "no end-to-end samples";
            }
            if (r.batch() != runs.get(0).batch()) {
                return side + " runs differ in batch";
            }
        }
        return null;
    }

    private static double[][] samples(List<ResultRow> runs) {
        return runs.stream().map(r -> r.endToEndMs().samples().stream().mapToDouble(Double::doubleValue).toArray())
                .toArray(double[][]::new);
    }

    private static int count(double[][] runs) {
        return Arrays.stream(runs).mapToInt(s -> s.length).sum();
    }

    private static double[] pool(double[][] runs) {
        return Arrays.stream(runs).flatMapToDouble(Arrays::stream).toArray();
    }

    /** Latency: the median ms; throughput: images/s at the median run. */
    private static double statistic(double[] samples, boolean latency, int batch) {
        double[] sorted = samples.clone();
        Arrays.sort(sorted);
        double median = quantile(sorted, 0.5);
        return latency ? median : batch * 1000.0 / median;
    }

    /**
     * One bootstrap draw of a side: its runs with replacement (when there are several), then each drawn run's
     * samples with replacement, pooled.
     */
    private static double[] resample(double[][] runs, SplittableRandom random) {
        double[][] drawn = new double[runs.length][];
        for (int r = 0; r < runs.length; r++) {
            drawn[r] = runs[runs.length == 1 ? 0 : random.nextInt(runs.length)];
        }
        double[] out = new double[count(drawn)];
        int i = 0;
        for (double[] run : drawn) {
            for (int j = 0; j < run.length; j++) {
                out[i++] = run[random.nextInt(run.length)];
            }
        }
        return out;
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
