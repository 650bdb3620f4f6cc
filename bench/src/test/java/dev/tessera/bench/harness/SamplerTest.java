package dev.tessera.bench.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleSupplier;

import org.junit.jupiter.api.Test;

/** {@link Sampler#sampleAlternately}: the two series interleave, each keeps its own samples and its own time budget. */
class SamplerTest {
    /** A fake clock that each run advances by its series' duration, and a log of which series ran. */
    private static final class FakeRuns {
        long nanos;
        final List<String> order = new ArrayList<>();
        int runs;

        DoubleSupplier series(String name, double ms) {
            return () -> {
                order.add(name);
                runs++;
                nanos += (long) (ms * 1e6);
                // the sample is the run's duration plus a run counter in the fraction, so its origin can be checked
                return ms + runs / 1e6;
            };
        }
    }

    @Test
    void theSeriesAlternateAndSwapOrderEveryPair() {
        FakeRuns f = new FakeRuns();
        Sampler.Paired p = new Sampler(1, 4, 0, 100).sampleAlternately(f.series("E", 3), f.series("R", 1),
                () -> false, () -> f.nanos);
        assertEquals(List.of("E", "R", "E", "R", "R", "E", "E", "R", "R", "E"), f.order,
                "a warm-up pair, then pairs in swapped order");
        // run numbers: warm-up 1, 2; then E3 R4, R5 E6, E7 R8, R9 E10
        assertEquals(List.of(3 + 3e-6, 3 + 6e-6, 3 + 7e-6, 3 + 10e-6), p.first());
        assertEquals(List.of(1 + 4e-6, 1 + 5e-6, 1 + 8e-6, 1 + 9e-6), p.second());
        assertEquals(3.0, Statistics.median(p.first().stream().mapToDouble(Double::doubleValue).toArray()), 1e-4);
        assertEquals(1.0, Statistics.median(p.second().stream().mapToDouble(Double::doubleValue).toArray()), 1e-4);
    }

    @Test
    void eachSeriesGetsTheMinimumTimeInItsOwnRuns() {
        FakeRuns f = new FakeRuns();
        // 10 ms each: the 3 ms series needs 4 runs, the 1 ms one 10, so 10 pairs
        Sampler.Paired p = new Sampler(0, 1, 0.010, 1000).sampleAlternately(f.series("E", 3), f.series("R", 1),
                () -> false, () -> f.nanos);
        assertEquals(10, p.first().size());
        assertEquals(10, p.second().size());
        FakeRuns capped = new FakeRuns();
        assertEquals(3, new Sampler(0, 1, 10, 3).sampleAlternately(capped.series("E", 3), capped.series("R", 1),
                () -> false, () -> capped.nanos).first().size(), "max samples caps the time");
    }

    @Test
    void aStopMidPairKeepsTheSeriesTheSameLength() {
        FakeRuns f = new FakeRuns();
        Sampler.Paired p = new Sampler(0, 50, 0, 100).sampleAlternately(f.series("E", 3), f.series("R", 1),
                () -> f.runs >= 7, () -> f.nanos);
        assertEquals(7, f.runs);
        assertEquals(3, p.first().size());
        assertEquals(3, p.second().size());
    }
}
