package dev.tessera.backend.opencl;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** AUTO's decision rule and schedule on injected timings: no test here times anything. */
class ConvSolverFinderTest {
    private static final List<String> PRIORITY = List.of("im2col", "direct", "winograd-2x2", "winograd-4x4");

    private static Map<String, double[]> samples(double... medians) {
        Map<String, double[]> s = new LinkedHashMap<>();
        for (int i = 0; i < medians.length; i++) {
            // seven runs around the median, two of them wild outliers that the median ignores
            double m = medians[i];
            s.put(PRIORITY.get(i), new double[] {m * 1.02, m * 50, m, m * 0.99, m * 0.2, m * 1.01, m * 0.98});
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
        assertEquals(8.0, displaced.medians().get("winograd-4x4"), 1e-12);
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
    void theDecisionDependsOnTheMediansOnlyNotOnTheOrderOfTheRuns() {
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
    void mediansOfOddAndEvenCounts() {
        assertEquals(3, ConvSolverFinder.median(new double[] {9, 1, 3}));
        assertEquals(2.5, ConvSolverFinder.median(new double[] {4, 1, 3, 2}));
        assertThrows(IllegalArgumentException.class,
                () -> ConvSolverFinder.decide(List.of("direct"), Map.of("direct", new double[0]), 0.1));
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
