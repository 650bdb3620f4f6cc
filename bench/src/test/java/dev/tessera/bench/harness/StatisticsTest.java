package dev.tessera.bench.harness;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.tessera.reports.results.Distribution;

/** Statistics against hand-computed figures (and NumPy's documented linear interpolation). */
class StatisticsTest {
    @Test
    void fiveSamplesByHand() {
        Distribution d = Statistics.summarise(List.of(5.0, 1.0, 4.0, 2.0, 3.0));
        assertEquals(5, d.n());
        assertEquals(3.0, d.median(), 1e-12);
        assertEquals(3.0, d.mean(), 1e-12);
        assertEquals(4.6, d.p90(), 1e-12); // h = 4 x 0.9 = 3.6: 4 + 0.6 x (5 - 4)
        assertEquals(4.96, d.p99(), 1e-12); // h = 3.96
        assertEquals(1.0, d.min());
        assertEquals(5.0, d.max());
        assertEquals(Math.sqrt(2.5) / 3, d.rsd(), 1e-12); // squares 4+1+0+1+4 over n-1 = 4
        assertTrue(d.p90TooFewSamples());
        assertTrue(d.p99TooFewSamples());
        assertEquals(List.of(5.0, 1.0, 4.0, 2.0, 3.0), d.samples(), "samples keep the order taken");
        assertEquals("ms", d.unit());
    }

    @Test
    void percentilesInterpolateLikeNumpy() {
        double[] sorted = {15, 20, 35, 40, 50};
        assertEquals(29.0, Statistics.percentile(sorted, 0.4), 1e-12); // numpy.percentile(..., 40) = 29.0
        assertEquals(15.0, Statistics.percentile(sorted, 0.0));
        assertEquals(50.0, Statistics.percentile(sorted, 1.0));
        assertEquals(27.5, Statistics.median(new double[] {40, 15, 35, 20}), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> Statistics.percentile(sorted, 1.5));
    }

    @Test
    void oneSampleHasNoSpread() {
        Distribution d = Statistics.summarise(List.of(7.5));
        assertEquals(7.5, d.median());
        assertEquals(7.5, d.p99());
        assertNull(d.rsd(), "RSD is undefined for one sample");
    }

    @Test
    void percentilesAreMarkedUntilEnoughSamples() {
        assertTrue(Statistics.summarise(ramp(9)).p90TooFewSamples());
        Distribution ten = Statistics.summarise(ramp(10));
        assertFalse(ten.p90TooFewSamples());
        assertTrue(ten.p99TooFewSamples());
        Distribution hundred = Statistics.summarise(ramp(100));
        assertFalse(hundred.p99TooFewSamples());
        assertEquals(99 * 0.99, hundred.p99(), 1e-9); // values 0..99: h = 98.01
        assertEquals(49.5, hundred.median(), 1e-12);
    }

    @Test
    void rejectsNoSamplesAndNonFiniteOnes() {
        assertThrows(IllegalArgumentException.class, () -> Statistics.summarise(List.of()));
        assertThrows(IllegalArgumentException.class, () -> Statistics.summarise(List.of(1.0, Double.NaN)));
    }

    @Test
    void samplerRunsWarmUpThenAtLeastMinSamplesAndStopsWhenTold() {
        int[] calls = {0};
        List<Double> samples = new Sampler(2, 4, 0, 100).sample(() -> ++calls[0], () -> false);
        assertEquals(List.of(3.0, 4.0, 5.0, 6.0), samples, "two warm-up runs are not samples");
        calls[0] = 0;
        List<Double> stopped = new Sampler(0, 50, 0, 100).sample(() -> ++calls[0], () -> calls[0] >= 7);
        assertEquals(7, stopped.size());
        long begin = System.nanoTime();
        List<Double> timed = new Sampler(0, 1, 0.05, 1_000_000).sample(() -> {
            long start = System.nanoTime();
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return (System.nanoTime() - start) / 1e6;
        }, () -> false);
        double wallMs = (System.nanoTime() - begin) / 1e6;
        double all = timed.stream().mapToDouble(Double::doubleValue).sum();
        double allButLast = all - timed.get(timed.size() - 1);
        assertTrue(wallMs >= 50, "measures for at least the minimum time: " + wallMs);
        assertTrue(allButLast < 50 + 1, "stops after the first sample past the minimum time: " + timed);
        assertEquals(3, new Sampler(0, 1, 10, 3).sample(() -> 1, () -> false).size(), "max samples caps the time");
    }

    private static List<Double> ramp(int n) {
        List<Double> v = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            v.add((double) i);
        }
        return v;
    }
}
