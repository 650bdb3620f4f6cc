package dev.tessera.reports;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.tessera.reports.results.BenchResults;
import dev.tessera.reports.results.Distribution;
import dev.tessera.reports.results.Environment;
import dev.tessera.reports.results.ResultRow;
import dev.tessera.reports.results.RunSettings;

/** {@link RunComparison} on synthetic runs whose sample distributions are known. */
class RunComparisonTest {
    /** Log-normal run times around {@code median} ms with 10 % spread, plus an occasional 3x outlier. */
    static List<Double> samples(Random random, double median, int n) {
        List<Double> s = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double t = median * Math.exp(0.1 * random.nextGaussian());
            s.add(random.nextDouble() < 0.05 ? 3 * t : t);
        }
        return s;
    }

    static ResultRow row(String scenario, String model, int batch, List<Double> samples) {
        double[] sorted = samples.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double median = RunComparison.quantile(sorted, 0.5);
        double mean = Arrays.stream(sorted).average().orElseThrow();
        Distribution d = new Distribution("ms", sorted.length, median, mean, median, median, sorted[0],
                sorted[sorted.length - 1], 0.1, true, true, samples);
        return new ResultRow(scenario + "/opencl/0/" + model + "/auto/b" + batch, scenario, "opencl", 0, "gpu",
                "opencl:gpu", model, List.of(3, 32, 32), "auto", batch, ResultRow.OK, "", List.of(), null, d, null,
                scenario.equals("throughput") ? batch * 1000.0 / mean : null, null, null, null, null, null, null,
                List.of(), 1.0);
    }

    static BenchResults run(List<ResultRow> rows) {
        Environment env = new Environment("host", "Linux", "amd64", "cpu", 2, 1L << 30, "jvm", 1L << 30, "0.1", "abc",
                "tessera bench", 42, List.of(), List.of());
        RunSettings settings = new RunSettings(true, List.of("m"), null, List.of("opencl"), "all", List.of("auto"),
                List.of(1), List.of("latency", "throughput"), List.of(), 0.2, 5, 1, 1);
        return new BenchResults(BenchResults.SCHEMA, BenchResults.VERSION, "complete", "t0", "t1", 1, env, settings,
                rows);
    }

    /** Five models, latency and throughput rows, 30 samples each; {@code slowed} runs 1.3x slower. */
    static BenchResults synthetic(long seed, String slowed) {
        Random random = new Random(seed);
        List<ResultRow> rows = new ArrayList<>();
        for (int m = 0; m < 5; m++) {
            String model = "model" + m;
            double factor = model.equals(slowed) ? 1.3 : 1.0;
            rows.add(row("latency", model, 1, samples(random, (m + 1) * factor, 30)));
            rows.add(row("throughput", model, 4, samples(random, 3 * (m + 1) * factor, 30)));
        }
        return run(rows);
    }

    @Test
    void runsOfTheSameDistributionAreNeverFlagged() {
        for (long seed = 0; seed < 20; seed++) {
            for (String metric : RunComparison.METRICS) {
                RunComparison.Result r = RunComparison.compare(List.of(synthetic(2 * seed, null)),
                        List.of(synthetic(2 * seed + 1, null)), metric, 0.05);
                assertEquals(5, r.compared().size());
                assertEquals(List.of(), r.regressions(), "seed " + seed + " " + metric);
                for (RunComparison.Row row : r.rows()) {
                    assertNotEquals(RunComparison.FASTER, row.verdict(), row.toString());
                    assertTrue(row.low() <= row.ratio() && row.ratio() <= row.high(), row.toString());
                }
            }
        }
    }

    @Test
    void aConfigurationSlowedBy30PercentIsFlaggedAndOnlyThatOne() {
        for (long seed = 0; seed < 20; seed++) {
            RunComparison.Result latency = RunComparison.compare(List.of(synthetic(2 * seed, null)),
                    List.of(synthetic(2 * seed + 1, "model2")), "latency", 0.05);
            assertEquals(List.of("latency/opencl/0/model2/auto/b1 (gpu)"), latency.regressions().stream()
                    .map(RunComparison.Row::configuration).toList(), "seed " + seed);
            RunComparison.Row slow = latency.regressions().get(0);
            assertEquals(1.3, slow.ratio(), 0.1);
            assertTrue(slow.low() > 1.05, slow.toString());

            RunComparison.Result throughput = RunComparison.compare(List.of(synthetic(2 * seed, null)),
                    List.of(synthetic(2 * seed + 1, "model2")), "throughput", 0.05);
            RunComparison.Row t = throughput.regressions().get(0);
            assertEquals("throughput/opencl/0/model2/auto/b4 (gpu)", t.configuration());
            assertEquals(1 / 1.3, t.ratio(), 0.08, "images/s fall: the ratio is below 1");
            assertEquals(1, throughput.regressions().size());
            // the other way round it is faster, not a regression
            RunComparison.Result back = RunComparison.compare(List.of(synthetic(2 * seed + 1, "model2")),
                    List.of(synthetic(2 * seed, null)), "latency", 0.05);
            assertEquals(List.of(), back.regressions());
            assertEquals(RunComparison.FASTER, back.rows().get(2).verdict());
        }
    }

    /**
     * One run of five models as on a shared machine: each run has its own speed (log-normal, 25 % between runs: load,
     * clocks), its samples 5 % around it; {@code slowed} runs {@code factor} times slower.
     */
    static BenchResults drifting(Random random, String slowed, double factor) {
        double runSpeed = Math.exp(0.25 * random.nextGaussian());
        List<ResultRow> rows = new ArrayList<>();
        for (int m = 0; m < 5; m++) {
            String model = "model" + m;
            double median = (m + 1) * runSpeed * (model.equals(slowed) ? factor : 1);
            List<Double> s = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                s.add(median * Math.exp(0.05 * random.nextGaussian()));
            }
            rows.add(row("latency", model, 1, s));
        }
        return run(rows);
    }

    static List<BenchResults> drifting(Random random, int runs, String slowed, double factor) {
        List<BenchResults> out = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            out.add(drifting(random, slowed, factor));
        }
        return out;
    }

    @Test
    void repeatedRunsPerSideBringTheVariationBetweenRunsIntoTheInterval() {
        int singleFlagged = 0;
        int repeatedFlagged = 0;
        int comparisons = 0;
        for (long seed = 0; seed < 20; seed++) {
            // (Random's first draws of neighbouring seeds are alike: the seeds go through a mixing generator first)
            Random random = new Random(new java.util.SplittableRandom(seed).nextLong());
            // one run a side: the samples cannot show that the next run is 25 % off, and same-code runs get flagged
            RunComparison.Result single = RunComparison.compare(drifting(random, 1, null, 1),
                    drifting(random, 1, null, 1), "latency", 0.05);
            assertTrue(single.withinRunOnly());
            singleFlagged += single.regressions().size();
            // five runs a side of the same code: the two-level bootstrap's interval spans the runs' spread
            RunComparison.Result repeated = RunComparison.compare(drifting(random, 5, null, 1),
                    drifting(random, 5, null, 1), "latency", 0.05);
            assertFalse(repeated.withinRunOnly());
            repeatedFlagged += repeated.regressions().size();
            comparisons += repeated.compared().size();
            for (RunComparison.Row row : repeated.rows()) {
                assertEquals(5, row.baselineRuns());
                assertEquals(150, row.candidateN());
                assertTrue(row.low() <= row.ratio() && row.ratio() <= row.high(), row.toString());
            }
            // a configuration slowed 3x in every candidate run (beyond the runs' spread) is still flagged, and only it
            RunComparison.Result slowed = RunComparison.compare(drifting(random, 5, null, 1),
                    drifting(random, 5, "model3", 3), "latency", 0.05);
            assertEquals(RunComparison.SLOWER, slowed.rows().get(3).verdict(), "seed " + seed);
            for (int m : new int[] {0, 1, 2, 4}) {
                repeatedFlagged += slowed.rows().get(m).regression() ? 1 : 0;
                comparisons++;
            }
        }
        assertEquals(180, comparisons);
        assertTrue(singleFlagged >= 20, "one run a side flags same-code runs often: " + singleFlagged);
        // the interval is a 95 % one and the flag one-sided beyond 5 %: at most a few in a hundred by chance
        assertTrue(repeatedFlagged <= 5, "repeated runs flagged " + repeatedFlagged + " of " + comparisons);
    }

    @Test
    void oneRunOfTwoAgainstItselfIsTheOneLevelBootstrap() {
        // a side of one run gives the same interval whatever the other side's run count: no run draw is made
        Random random = new Random(7);
        List<BenchResults> base = drifting(random, 1, null, 1);
        List<BenchResults> cand = drifting(random, 1, null, 1);
        RunComparison.Result r = RunComparison.compare(base, cand, "latency", 0.05);
        for (RunComparison.Row row : r.rows()) {
            assertEquals(1, row.baselineRuns());
            assertEquals(1, row.candidateRuns());
            assertEquals(30, row.baselineN());
        }
        // the figure of a side of several runs is the statistic over all its samples: here the median of 60 values
        List<BenchResults> two = drifting(random, 2, null, 1);
        RunComparison.Row row = RunComparison.compare(two, cand, "latency", 0.05).rows().get(0);
        double[] pooled = two.stream().flatMap(b -> b.rows().get(0).endToEndMs().samples().stream())
                .mapToDouble(Double::doubleValue).sorted().toArray();
        assertEquals(60, pooled.length);
        assertEquals((pooled[29] + pooled[30]) / 2, row.baseline(), 1e-12);
        assertEquals(2, row.baselineRuns());
    }

    @Test
    void aSmallSureChangeIsUnderTheThresholdAndAHugeThresholdForgivesEverything() {
        Random random = new Random(3);
        List<Double> base = new ArrayList<>();
        List<Double> cand = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            double noise = 1 + 0.001 * random.nextGaussian();
            base.add(10 * noise);
            cand.add(10.2 * noise);
        }
        RunComparison.Result r = RunComparison.compare(List.of(run(List.of(row("latency", "m", 1, base)))),
                List.of(run(List.of(row("latency", "m", 1, cand)))), "latency", 0.05);
        assertEquals(RunComparison.SLIGHTLY_SLOWER, r.rows().get(0).verdict(), "2 % slower, surely, under 5 %");
        assertEquals(1.02, r.rows().get(0).ratio(), 1e-3);
        RunComparison.Result strict = RunComparison.compare(List.of(run(List.of(row("latency", "m", 1, base)))),
                List.of(run(List.of(row("latency", "m", 1, cand)))), "latency", 0.01);
        assertEquals(RunComparison.SLOWER, strict.rows().get(0).verdict(), "2 % slower is beyond 1 %");
    }

    @Test
    void theSameInputsGiveTheSameIntervals() {
        RunComparison.Result a = RunComparison.compare(List.of(synthetic(1, null)), List.of(synthetic(2, "model1")),
                "latency", 0.05);
        RunComparison.Result b = RunComparison.compare(List.of(synthetic(1, null)), List.of(synthetic(2, "model1")),
                "latency", 0.05);
        assertEquals(a, b);
    }

    @Test
    void missingFailedAndThinConfigurationsGetNoVerdictAndNoGate() {
        ResultRow failed = new ResultRow("latency/opencl/0/b/auto/b1", "latency", "opencl", 0, "gpu", null, "b",
                List.of(3, 32, 32), "auto", 1, ResultRow.ERROR, "out of memory", List.of(), null, null, null, null,
                null, null, null, null, null, null, List.of(), 0);
        Random random = new Random(1);
        BenchResults base = run(List.of(row("latency", "a", 1, samples(random, 1, 10)), row("latency", "b", 1,
                samples(random, 1, 10)), row("latency", "c", 1, samples(random, 1, 2))));
        BenchResults cand = run(List.of(row("latency", "a", 1, samples(random, 9, 10)), failed,
                row("latency", "c", 1, samples(random, 9, 2)), row("latency", "d", 1, samples(random, 1, 10))));
        RunComparison.Result r = RunComparison.compare(List.of(base), List.of(cand), "latency", 0.05);
        assertEquals(List.of(RunComparison.SLOWER, RunComparison.NOT_COMPARED, RunComparison.TOO_FEW,
                RunComparison.NOT_COMPARED), r.rows().stream().map(RunComparison.Row::verdict).toList());
        assertEquals("candidate error", r.rows().get(1).reason());
        assertEquals("only in the candidate", r.rows().get(3).reason());
        assertThrows(IllegalArgumentException.class, () -> RunComparison.compare(List.of(base, base), List.of(cand),
                "latency", 0.05), "a configuration twice on one side");
        assertThrows(IllegalArgumentException.class, () -> RunComparison.compare(List.of(base), List.of(cand),
                "accuracy", 0.05));
    }
}
