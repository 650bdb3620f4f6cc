package dev.tessera.backend.opencl.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The search tune runs, with a fake clock and fake candidates: it picks the fastest verified candidate, never a wrong
 * one (however fast), lists refused candidates with their reasons without running them, and starts no candidate
 * after the budget.
 */
class TuningSearchTest {
    /** A clock that only moves when a candidate "runs". */
    private static final class FakeClock {
        long nanos = 5_000_000_000L;
    }

    /** A fake candidate: its kernel time, its error, whether the device refuses it. */
    private record Fake(String name, double seconds, double error, String refusal) {
    }

    private static TuningSearch.Evaluator<Fake> evaluator(FakeClock clock, List<String> ran, long costNanos) {
        return new TuningSearch.Evaluator<>() {
            @Override
            public List<String> refusals(Fake f) {
                return f.refusal() == null ? List.of() : List.of(f.refusal());
            }

            @Override
            public TuningSearch.Measurement measure(Fake f) {
                ran.add(f.name());
                clock.nanos += costNanos;
                if (f.name().equals("throws")) {
                    throw new IllegalStateException("build failed\nsecond line");
                }
                return new TuningSearch.Measurement(f.error(), 1e-5, f.seconds(), null);
            }
        };
    }

    @Test
    void picksTheFastestVerifiedCandidateNeverAWrongOneAndListsRefusals() {
        FakeClock clock = new FakeClock();
        List<String> ran = new ArrayList<>();
        List<Fake> order = List.of(
                new Fake("baseline", 3e-3, 1e-7, null),
                new Fake("wrong-and-fastest", 1e-4, 3e-2, null),
                new Fake("nan", 1e-4, Double.NaN, null),
                new Fake("too-big", 1e-5, 0, "work-group too large: 1024 items, the device allows 256"),
                new Fake("throws", 1e-5, 0, null),
                new Fake("good", 2e-3, 5e-6, null),
                new Fake("slower", 2.5e-3, 1e-7, null));
        TuningSearch.Result<Fake> result = new TuningSearch<Fake>(() -> clock.nanos)
                .run(order, evaluator(clock, ran, 1_000_000L), 100);
        assertEquals(7, result.candidates().size());
        assertEquals("good", result.best().parameters().name());
        assertEquals(2e-3, result.best().seconds());
        assertEquals("baseline", result.baseline().parameters().name());
        assertTrue(result.candidates().get(1).status().startsWith("wrong: relative L2 error 3.00e-02 above 1e-05"),
                result.candidates().get(1).status());
        assertTrue(result.candidates().get(2).status().startsWith("wrong"), result.candidates().get(2).status());
        assertEquals(List.of(order.get(3)), result.refused().stream().map(TuningSearch.Candidate::parameters).toList());
        assertEquals("refused: work-group too large: 1024 items, the device allows 256", result.refused().get(0)
                .status());
        assertEquals("skipped: build failed", result.candidates().get(4).status());
        // the refused candidate never ran
        assertEquals(List.of("baseline", "wrong-and-fastest", "nan", "throws", "good", "slower"), ran);
        assertEquals(6e-3, result.seconds(), 1e-12);
    }

    @Test
    void startsNoCandidateAfterTheBudgetButAlwaysMeasuresTheBaseline() {
        FakeClock clock = new FakeClock();
        List<String> ran = new ArrayList<>();
        List<Fake> order = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            order.add(new Fake("c" + i, 10e-3 - i * 1e-3, 1e-7, null));
        }
        // each candidate takes 1 s of the fake clock: with 3.5 s, those starting at 0, 1, 2 and 3 s run
        TuningSearch.Result<Fake> result = new TuningSearch<Fake>(() -> clock.nanos)
                .run(order, evaluator(clock, ran, 1_000_000_000L), 3.5);
        assertEquals(List.of("c0", "c1", "c2", "c3"), ran);
        assertEquals("c3", result.best().parameters().name());
        assertEquals(4.0, result.seconds(), 1e-9);
        // a budget already spent still measures the baseline, and only it
        ran.clear();
        TuningSearch.Result<Fake> tiny = new TuningSearch<Fake>(() -> clock.nanos)
                .run(order, evaluator(clock, ran, 1_000_000_000L), 1e-9);
        assertEquals(List.of("c0"), ran);
        assertEquals("c0", tiny.baseline().parameters().name());
    }

    @Test
    void noVerifiedCandidateMeansNoBest() {
        FakeClock clock = new FakeClock();
        TuningSearch.Result<Fake> result = new TuningSearch<Fake>(() -> clock.nanos).run(
                List.of(new Fake("wrong", 1e-3, 1.0, null), new Fake("refused", 1e-3, 0, "too much local memory")),
                evaluator(clock, new ArrayList<>(), 1), 10);
        assertNull(result.best());
        assertEquals(1, result.refused().size());
    }

    @Test
    void confirmationReTimesBaselineAndBestRoundRobin() {
        FakeClock clock = new FakeClock();
        List<String> ran = new ArrayList<>();
        List<Fake> order = List.of(new Fake("baseline", 4e-3, 1e-7, null), new Fake("best", 1e-3, 1e-7, null));
        TuningSearch<Fake> search = new TuningSearch<>(() -> clock.nanos);
        TuningSearch.Result<Fake> result = search.run(order, evaluator(clock, ran, 1), 100);
        ran.clear();
        List<Double> ratios = search.confirm(result, evaluator(clock, ran, 1), 3);
        assertEquals(List.of("baseline", "best", "baseline", "best", "baseline", "best"), ran);
        assertEquals(List.of(0.25, 0.25, 0.25), ratios);
        assertEquals(0.25, TuningSearch.median(ratios));
        assertEquals(2.5, TuningSearch.median(List.of(4.0, 1.0, 2.0, 3.0)));
        assertEquals("best", TuningSearch.winner(result, ratios).parameters().name());
        // a search winner that is not faster when timed side by side: the baseline is kept
        assertTrue(TuningSearch.keepBaseline(List.of(0.9, 1.1, 1.2)));
        assertEquals("baseline", TuningSearch.winner(result, List.of(0.9, 1.1, 1.2)).parameters().name());
        assertEquals("best", TuningSearch.winner(result, List.of()).parameters().name());
        // nothing to confirm when the baseline won
        TuningSearch.Result<Fake> baselineWins = search.run(List.of(order.get(1), order.get(0)),
                evaluator(clock, ran, 1), 100);
        assertEquals(List.of(), search.confirm(baselineWins, evaluator(clock, ran, 1), 3));
    }
}
