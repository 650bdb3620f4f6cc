package dev.tessera.backend.opencl.gpu;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * The bounded search {@code tessera tune} runs for one kernel's parameters: candidates in the given order (the current
 * choice first, as the baseline), each refused with its reasons if the device cannot run it, else measured by an
 * {@link Evaluator} that checks it against a double-precision answer before timing it. Only a verified candidate may
 * win; the fastest verified one does. No candidate starts once the budget is spent (the first always runs, so a
 * baseline is always measured). The clock is injected so that tests can drive the budget.
 *
 * @param <P> the parameters searched
 */
public final class TuningSearch<P> {
    /** Measures one candidate. */
    public interface Evaluator<P> {
        /** Why the device cannot run {@code candidate} as asked (empty: it can). */
        List<String> refusals(P candidate);

        /** Runs {@code candidate}, checks it, times it; a verified measurement has its error within its bound. */
        Measurement measure(P candidate);
    }

    /**
     * One run: its relative L2 error against the double-precision answer, the bound it must be within (the checked
     * kernel's {@code Tolerances} entry) and its best kernel time; a candidate that failed to build or launch has
     * {@code failure} set.
     */
    public record Measurement(double relativeL2, double tolerance, double seconds, String failure) {
        public static Measurement failed(String why) {
            return new Measurement(Double.NaN, Double.NaN, Double.NaN, why);
        }
    }

    /** How one candidate fared: "ok", "wrong: ...", "refused: ..." or "skipped: ...". */
    public record Candidate<P>(P parameters, double seconds, double relativeL2, String status) {
        public boolean ok() {
            return status.equals("ok");
        }
    }

    /** Every candidate in order, the best verified (null if none) and the first (the baseline). */
    public record Result<P>(List<Candidate<P>> candidates, Candidate<P> best, Candidate<P> baseline, double seconds) {
        /** The refused candidates. */
        public List<Candidate<P>> refused() {
            return candidates.stream().filter(c -> c.status().startsWith("refused")).toList();
        }
    }

    private final LongSupplier nanoClock;

    /** A search whose budget is kept by {@code nanoClock}. */
    public TuningSearch(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    /** A search on the system clock. */
    public TuningSearch() {
        this(System::nanoTime);
    }

    /** Tries {@code order} until it is exhausted or {@code budgetSeconds} have passed. */
    public Result<P> run(List<P> order, Evaluator<P> evaluator, double budgetSeconds) {
        long start = nanoClock.getAsLong();
        long deadline = start + (long) (budgetSeconds * 1e9);
        List<Candidate<P>> candidates = new ArrayList<>();
        Candidate<P> best = null;
        for (P p : order) {
            if (!candidates.isEmpty() && nanoClock.getAsLong() >= deadline) {
                break;
            }
            Candidate<P> candidate = evaluate(p, evaluator);
            candidates.add(candidate);
            if (candidate.ok() && (best == null || candidate.seconds() < best.seconds())) {
                best = candidate;
            }
        }
        return new Result<>(candidates, best, candidates.isEmpty() ? null : candidates.get(0),
                (nanoClock.getAsLong() - start) / 1e9);
    }

    /**
     * Re-times the baseline and the best round-robin, {@code rounds} times (baseline, best, baseline, best, ...), so
     * that their ratio comes from runs side by side rather than from two moments of a loaded machine: the best's time
     * over the baseline's per round (below 1: the best is faster). Empty when there is no best, the best is the
     * baseline, or a re-run failed its check.
     */
    public List<Double> confirm(Result<P> result, Evaluator<P> evaluator, int rounds) {
        List<Double> ratios = new ArrayList<>();
        if (result.best() == null || result.best() == result.baseline() || !result.baseline().ok()) {
            return ratios;
        }
        for (int r = 0; r < rounds; r++) {
            Candidate<P> baseline = evaluate(result.baseline().parameters(), evaluator);
            Candidate<P> best = evaluate(result.best().parameters(), evaluator);
            if (!baseline.ok() || !best.ok()) {
                return List.of();
            }
            ratios.add(best.seconds() / baseline.seconds());
        }
        return ratios;
    }

    /**
     * Whether the confirmation rounds {@code ratios} ({@link #confirm}) say to keep the baseline: they ran and the best
     * was not faster in their median.
     */
    public static boolean keepBaseline(List<Double> ratios) {
        return !ratios.isEmpty() && median(ratios) >= 1.0;
    }

    /** What to store: the baseline where {@link #keepBaseline}, else the best (null if none verified). */
    public static <P> Candidate<P> winner(Result<P> result, List<Double> ratios) {
        return keepBaseline(ratios) ? result.baseline() : result.best();
    }

    /** The median of {@code values} (NaN if empty). */
    public static double median(List<Double> values) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private Candidate<P> evaluate(P p, Evaluator<P> evaluator) {
        List<String> refusals = evaluator.refusals(p);
        if (!refusals.isEmpty()) {
            return new Candidate<>(p, Double.NaN, Double.NaN, "refused: " + String.join("; ", refusals));
        }
        Measurement m;
        try {
            m = evaluator.measure(p);
        } catch (RuntimeException e) {
            String message = e.getMessage() == null ? e.toString() : e.getMessage().split("\n", 2)[0];
            m = Measurement.failed(message);
        }
        if (m.failure() != null) {
            return new Candidate<>(p, Double.NaN, m.relativeL2(), "skipped: " + m.failure());
        }
        if (!(m.relativeL2() <= m.tolerance())) {
            return new Candidate<>(p, Double.NaN, m.relativeL2(), String.format(Locale.ROOT,
                    "wrong: relative L2 error %.2e above %.0e", m.relativeL2(), m.tolerance()));
        }
        if (!(m.seconds() > 0)) {
            return new Candidate<>(p, Double.NaN, m.relativeL2(), "skipped: no kernel time measured");
        }
        return new Candidate<>(p, m.seconds(), m.relativeL2(), "ok");
    }
}
