package dev.tessera.backend.opencl.conv;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** AUTO's decision rule and schedule on injected timings: no test here times anything. */
class ConvSolverFinderTest {
    private static final List<String> PRIORITY = List.of("im2col", "direct", "winograd-2x2", "winograd-4x4");

    /**
     * Seven runs per candidate whose lower quartile (the mean of the 2nd and 3rd smallest) is exactly the given score:
     * one wild fast outlier below it, which the quartile ignores, and slow outliers of a loaded machine above it.
     */
    private static Map<String, double[]> samples(double... scores) {
        Map<String, double[]> s = new LinkedHashMap<>();
        for (int i = 0; i < scores.length; i++) {
            double m = scores[i];
            s.put(PRIORITY.get(i), new double[] {m * 1.02, m * 50, m, m, m * 0.2, m * 3, m * 1.5});
        }
        return s;
    }

    @Test
    void theDefaultStaysUnlessBeatenByTheMargin() {
        assertEquals(0.10, ConvSolverFinder.MARGIN);
        // winograd-4x4 5 % faster than the default: inside the margin, the default stays and says why
        var kept = ConvSolverFinder.decide(PRIORITY, samples(10, 12, 11, 9.5), 0.10);
        assertEquals("im2col", kept.chosen());
        assertTrue(kept.reason().contains("winograd-4x4 was faster by less than 10 %"), kept.reason());
        // exactly at the margin still keeps the default
        assertEquals("im2col", ConvSolverFinder.decide(PRIORITY, samples(11, 12, 12, 10), 0.10).chosen());
        // 20 % faster: displaces it
        var displaced = ConvSolverFinder.decide(PRIORITY, samples(10, 12, 11, 8), 0.10);
        assertEquals("winograd-4x4", displaced.chosen());
        assertEquals("", displaced.reason());
        assertEquals(8.0, displaced.scores().get("winograd-4x4"), 1e-12);
    }

    @Test
    void ofTwoChallengersWithinTheMarginOfEachOtherTheEarlierRegisteredWins() {
        // winograd-2x2 and winograd-4x4 both beat the default by far; 4x4 is 4 % faster than 2x2: noise, 2x2 stays
        assertEquals("winograd-2x2", ConvSolverFinder.decide(PRIORITY, samples(10, 12, 5.2, 5.0), 0.10).chosen());
        assertEquals("winograd-2x2", ConvSolverFinder.decide(PRIORITY, samples(10, 12, 5.0, 5.2), 0.10).chosen());
        assertEquals("winograd-4x4", ConvSolverFinder.decide(PRIORITY, samples(10, 12, 6.0, 5.0), 0.10).chosen());
        // a single candidate is chosen whatever its time
        assertEquals("direct", ConvSolverFinder.decide(List.of("direct"), Map.of("direct", new double[] {3}), 0.1)
                .chosen());
    }

    @Test
    void theDecisionDependsOnTheScoresOnlyNotOnTheOrderOfTheRuns() {
        SplittableRandom random = new SplittableRandom(13);
        Map<String, double[]> base = samples(10, 12, 7, 8.5);
        String expected = ConvSolverFinder.decide(PRIORITY, base, 0.10).chosen();
        assertEquals("winograd-2x2", expected);
        for (int trial = 0; trial < 200; trial++) {
            Map<String, double[]> shuffled = new LinkedHashMap<>();
            for (var e : base.entrySet()) {
                double[] runs = e.getValue().clone();
                for (int i = runs.length - 1; i > 0; i--) {
                    int j = random.nextInt(i + 1);
                    double t = runs[i];
                    runs[i] = runs[j];
                    runs[j] = t;
                }
                shuffled.put(e.getKey(), runs);
            }
            assertEquals(expected, ConvSolverFinder.decide(PRIORITY, shuffled, 0.10).chosen());
        }
    }

    @Test
    void theScoreIsTheLowerQuartileInterpolatedLikeNumpy() {
        // numpy.quantile([9, 1, 3, 7, 5, 2, 8], 0.25) = 2.5 (position 1.5 between the sorted 2 and 3)
        assertEquals(2.5, ConvSolverFinder.score(new double[] {9, 1, 3, 7, 5, 2, 8}), 1e-12);
        // numpy.quantile([4, 1, 3, 2], 0.25) = 1.75; of one value, that value
        assertEquals(1.75, ConvSolverFinder.score(new double[] {4, 1, 3, 2}), 1e-12);
        assertEquals(6.0, ConvSolverFinder.score(new double[] {6}));
        assertEquals(5.0, ConvSolverFinder.quantile(new double[] {9, 1, 3, 7, 5, 2, 8}, 0.5), 1e-12);
        assertEquals(9.0, ConvSolverFinder.quantile(new double[] {9, 1, 3, 7, 5, 2, 8}, 1.0), 1e-12);
        assertThrows(IllegalArgumentException.class,
                () -> ConvSolverFinder.decide(List.of("direct"), Map.of("direct", new double[0]), 0.1));
        // slow outliers (another process took the cores) do not move the score; three of seven rounds may be hit
        double[] quiet = {2.0, 2.1, 2.0, 2.05, 2.1, 2.0, 2.02};
        double[] hit = {2.0, 9.0, 2.0, 2.05, 7.0, 2.0, 8.0};
        assertEquals(ConvSolverFinder.score(quiet), ConvSolverFinder.score(hit), 1e-12);
    }

    @Test
    void theRuleIsPartOfTheTuningKey() {
        String solvers = "0123456789abcdef";
        String today = ConvSolverFinder.fingerprint(solvers, ConvSolverFinder.RULE);
        assertEquals(16, today.length());
        assertEquals(today, ConvSolverFinder.fingerprint(solvers, ConvSolverFinder.RULE), "deterministic");
        assertNotEquals(today, ConvSolverFinder.fingerprint(solvers, "auto-rule v1: median"), "a new rule re-times");
        assertNotEquals(today, ConvSolverFinder.fingerprint("fedcba9876543210", ConvSolverFinder.RULE),
                "new solvers re-time");
        assertTrue(ConvSolverFinder.RULE.contains("lower quartile") && ConvSolverFinder.RULE.contains("10 %"),
                ConvSolverFinder.RULE);
    }

    /** A clock that answers from a table of per-step times and records the order in which candidates were timed. */
    private static final class FakeClock implements ConvSolverFinder.SampleClock {
        final List<Integer> order = new ArrayList<>();
        final List<Integer> steps = new ArrayList<>();
        final double[][] perStepMs;

        FakeClock(double[][] perStepMs) {
            this.perStepMs = perStepMs;
        }

        @Override
        public double wallMs(int index, int stepCount) {
            int round = (int) order.stream().filter(i -> i == index).count();
            order.add(index);
            steps.add(stepCount);
            return perStepMs[index][round] * stepCount;
        }
    }

    private static double[] repeat(double value, int n) {
        double[] v = new double[n];
        Arrays.fill(v, value);
        return v;
    }

    @Test
    void candidatesAreTimedRoundRobinSevenRoundsWhenTheDecisionIsClear() {
        List<String> ids = List.of("im2col", "direct", "winograd-4x4");
        int max = ConvSolverFinder.MAX_ROUNDS;
        FakeClock clock = new FakeClock(new double[][] {repeat(4.0, max), repeat(6.0, max), repeat(2.0, max)});
        Map<String, double[]> samples = ConvSolverFinder.schedule(ids, 2.0, clock);
        assertEquals(3 * ConvSolverFinder.REPETITIONS, clock.order.size());
        // round r starts at candidate r mod 3
        assertEquals(List.of(0, 1, 2, 1, 2, 0, 2, 0, 1), clock.order.subList(0, 9));
        // 2 ms warm-up of the fastest: 5 steps per sample fill SAMPLE_MS = 10 ms; samples are per-step means
        assertTrue(clock.steps.stream().allMatch(s -> s == 5), clock.steps.toString());
        assertArrayEquals(repeat(2.0, ConvSolverFinder.REPETITIONS), samples.get("winograd-4x4"), 1e-12);
        var decision = ConvSolverFinder.decide(ids, samples, ConvSolverFinder.MARGIN);
        assertEquals("winograd-4x4", decision.chosen());
    }

    @Test
    void anAmbiguousDecisionTimesMoreRoundsUpToTheLimit() {
        List<String> ids = List.of("im2col", "winograd-4x4");
        int max = ConvSolverFinder.MAX_ROUNDS;
        // the default 10.9 against 10: 9 % slower, near the 10 % edge, in every round: ambiguous to the end
        FakeClock edge = new FakeClock(new double[][] {repeat(10.9, max), repeat(10.0, max)});
        assertEquals(max, ConvSolverFinder.schedule(ids, 10.0, edge).get("im2col").length);
        assertEquals(2 * max, edge.order.size());
        // ambiguous after 7 rounds (two quiet fast rounds of the default), clear once more rounds come in
        double[] settling = repeat(12.0, max);
        settling[0] = 10.9;
        settling[1] = 10.9;
        settling[2] = 10.9;
        FakeClock settles = new FakeClock(new double[][] {settling, repeat(10.0, max)});
        int rounds = ConvSolverFinder.schedule(ids, 10.0, settles).get("im2col").length;
        assertTrue(rounds > ConvSolverFinder.REPETITIONS && rounds < max, "rounds " + rounds);
    }

    @Test
    void theNoteListsEverySample() {
        Map<String, double[]> samples = new LinkedHashMap<>();
        samples.put("im2col", new double[] {1.5, 1.25});
        samples.put("direct", new double[] {2});
        assertEquals("im2col 1.5000 1.2500, direct 2.0000", ConvSolverFinder.samplesText(samples));
    }

    @Test
    void decisionsNearTheMarginsEdgeAskForMoreRounds() {
        assertTrue(ConvSolverFinder.REPETITIONS >= 7 && ConvSolverFinder.MAX_ROUNDS >= ConvSolverFinder.REPETITIONS);
        // default 10.8 against the fastest 10: 8 % slower, 2 points from the 10 % edge: ambiguous
        assertTrue(ConvSolverFinder.ambiguous(ConvSolverFinder.decide(PRIORITY, samples(10.8, 12, 11, 10), 0.10), 0.10));
        // default 5 % slower or 30 % slower: clear either way
        assertFalse(ConvSolverFinder.ambiguous(ConvSolverFinder.decide(PRIORITY, samples(10.5, 12, 11, 10), 0.10), 0.1));
        assertFalse(ConvSolverFinder.ambiguous(ConvSolverFinder.decide(PRIORITY, samples(13, 12.5, 20, 10), 0.10), 0.1));
        // a candidate after the chosen one near the edge does not matter
        assertFalse(ConvSolverFinder.ambiguous(ConvSolverFinder.decide(PRIORITY, samples(10, 12, 11, 11.1), 0.10), 0.1));
    }

    @Test
    void fastConvolutionsAreSampledSeveralStepsAtATime() {
        assertEquals(1, ConvSolverFinder.stepsPerSample(ConvSolverFinder.SAMPLE_MS * 1.5));
        assertEquals(1, ConvSolverFinder.stepsPerSample(ConvSolverFinder.SAMPLE_MS));
        assertEquals(4, ConvSolverFinder.stepsPerSample(ConvSolverFinder.SAMPLE_MS / 3.5));
        assertEquals(ConvSolverFinder.MAX_STEPS_PER_SAMPLE, ConvSolverFinder.stepsPerSample(1e-6));
        assertEquals(ConvSolverFinder.MAX_STEPS_PER_SAMPLE, ConvSolverFinder.stepsPerSample(0));
    }
}
