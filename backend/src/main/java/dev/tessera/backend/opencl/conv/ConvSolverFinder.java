package dev.tessera.backend.opencl.conv;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

import dev.tessera.backend.ConvProblem;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.opencl.KernelSelection;
import dev.tessera.backend.opencl.common.OwnedResources;
import dev.tessera.opencl.ClBuffer;
import dev.tessera.opencl.ClContext;
import dev.tessera.opencl.DeviceInfo;
import dev.tessera.opencl.QueuedLaunches;
import dev.tessera.opencl.Sha256;

/**
 * AUTO (MIOpen's "find" step): chooses the convolution solver for a problem on a device by timing the applicable
 * solvers registered in {@link ConvSolvers}, and remembers the choice in the {@link ConvTuningDatabase}.
 *
 * <p>The measurement is made for stability, so that fresh processes agree: every candidate is prepared, run once to warm
 * up, then the candidates run round-robin (round r starting at candidate r, so that none always follows the same one)
 * for {@value #REPETITIONS} rounds, and for up to {@value #MAX_ROUNDS} while the decision is {@link #ambiguous}, each
 * sample timed as the host wall time of whole steps with their launches queued and waited for once (what a compiled
 * plan pays); a sample of a fast convolution queues several steps back to back ({@link #stepsPerSample}) and counts
 * their mean ({@link #schedule}, with the clock injected so that tests time nothing). A candidate's score is the
 * {@linkplain #score lower quartile} of its samples: on a loaded machine the noise only ever adds time, so the lower
 * quartile tracks what the kernel costs while ignoring the rounds another process interfered with; replayed on the
 * same samples it was as stable across fresh processes as the median on ResNet and more stable on VGG-16 at 32x32
 * (docs/PERFORMANCE.md, "AUTO's rule"). The rule ({@link #decide})
 * keeps the {@link ConvSolvers#defaultFor default} unless another candidate beats it by more than
 * {@value #MARGIN_PERCENT} %, and among candidates that close to the fastest prefers the earlier-registered one, so
 * that two solvers within noise of each other do not swap from run to run. {@link #RULE} names this rule; it is part of
 * the {@link #fingerprint} under which choices are stored, so that a changed rule times again.
 *
 * <p>Not thread-safe (it times on its context's queue).
 */
public final class ConvSolverFinder {
    /** Timed runs of each candidate, after one warm-up run. */
    public static final int REPETITIONS = 7;
    /**
     * The rule's name and version, stored in the tuning database's fingerprint: change it whenever the statistic, the
     * margin or the schedule changes, so that choices made by the old rule are timed again.
     */
    public static final String RULE = "auto-rule v2: round-robin >=7, lower quartile, margin 10 %";
    static final int MARGIN_PERCENT = 10;
    /** The fraction by which a candidate must beat the preferred one (the default first) to displace it. */
    public static final double MARGIN = MARGIN_PERCENT / 100.0;
    /** The least wall time one sample should last (a sample queues several steps of a fast convolution). */
    static final double SAMPLE_MS = 10.0;
    /** Rounds beyond {@link #REPETITIONS} run while the decision is {@link #ambiguous}, up to this many in all. */
    static final int MAX_ROUNDS = 15;
    /** How near a ratio to the fastest may come to the margin's edge before the decision counts as ambiguous. */
    static final double AMBIGUITY = 0.04;
    static final int MAX_STEPS_PER_SAMPLE = 64;

    private final ClContext context;
    private final ConvTuningDatabase database;
    private final KernelSelection kernels;
    private final String fingerprint;
    private long tuneNanos;

    /** A finder among the CPU family's solvers. */
    public ConvSolverFinder(ClContext context, ConvTuningDatabase database) {
        this(context, database, KernelSelection.CPU);
    }

    /**
     * A finder among the solvers of the kernel family {@code kernels}; its choices are remembered under
     * {@link KernelSelection#autoKey}, so the two families' timings never mix.
     */
    public ConvSolverFinder(ClContext context, ConvTuningDatabase database, KernelSelection kernels) {
        this.context = context;
        this.database = database;
        this.kernels = kernels;
        this.fingerprint = fingerprint(ConvSolvers.fingerprint(context.info(), kernels), RULE);
    }

    public ConvTuningDatabase database() {
        return database;
    }

    /**
     * The key of the candidates and the rule under which this finder's choices are stored: the fingerprint of the
     * solvers it chooses among ({@link ConvSolvers#fingerprint}: ids, versions, kernel sources' hashes) and {@link #RULE}.
     */
    public String fingerprint() {
        return fingerprint;
    }

    /** The stored fingerprint of choices made among {@code solversFingerprint} by the rule {@code rule}. */
    public static String fingerprint(String solversFingerprint, String rule) {
        return Sha256.hex(solversFingerprint + "\n" + rule).substring(0, 16);
    }

    /** {@code problemKey} as stored for this finder's kernel family ({@link KernelSelection#autoKey}). */
    public String autoKey(String problemKey) {
        return kernels.autoKey(problemKey);
    }

    /** Host nanoseconds spent timing candidates so far. */
    public long tuneNanos() {
        return tuneNanos;
    }

    /** AUTO's decision and what to tell the user about it. */
    public record Choice(ConvSolver solver, String note) {
    }

    /**
     * The solver for {@code problem}: the database's choice when it has one made among today's solvers, otherwise
     * measured on {@code input} and {@code output} (their contents are overwritten) and stored.
     */
    public Choice find(ConvProblem problem, Tensor weights, Tensor bias, ClBuffer input, ClBuffer output) {
        DeviceInfo device = context.info();
        var remembered = database.lookup(kernels.autoKey(problem.tuningKey()), fingerprint);
        if (remembered.isPresent()) {
            ConvSolver solver = ConvSolvers.byId(remembered.get().solverId(), device, kernels);
            if (solver.isApplicable(problem, device)) {
                return new Choice(solver, "auto: " + solver.id() + " from the tuning database ("
                        + remembered.get().timings() + ")");
            }
        }
        long start = System.nanoTime();
        List<ConvSolver> candidates = new ArrayList<>();
        List<String> notApplicable = new ArrayList<>();
        ConvSolver preferred = ConvSolvers.defaultFor(problem, device, kernels);
        candidates.add(preferred);
        for (ConvSolver solver : ConvSolvers.forDevice(device, kernels)) {
            if (solver.id().equals(preferred.id())) {
                continue;
            }
            if (solver.isApplicable(problem, device)) {
                candidates.add(solver);
            } else {
                notApplicable.add(solver.id() + "=n/a");
            }
        }
        Map<String, double[]> samples = measure(candidates, problem, weights, bias, input, output);
        Decision decision = decide(candidates.stream().map(ConvSolver::id).toList(), samples, MARGIN);
        tuneNanos += System.nanoTime() - start;
        String summary = decision.summary() + (notApplicable.isEmpty() ? "" : " " + String.join(" ", notApplicable));
        database.store(new ConvTuningDatabase.Entry(kernels.autoKey(problem.tuningKey()), fingerprint, decision.chosen(),
                decision.scores().get(decision.chosen()), summary));
        ConvSolver chosen = candidates.stream().filter(s -> s.id().equals(decision.chosen())).findFirst().orElseThrow();
        return new Choice(chosen, "auto: timed " + summary + " (lower quartile of round-robin wall ms), chose "
                + chosen.id() + decision.reason() + "; samples " + samplesText(samples));
    }

    private Map<String, double[]> measure(List<ConvSolver> candidates, ConvProblem problem, Tensor weights,
            Tensor bias, ClBuffer input, ClBuffer output) {
        try (OwnedResources owned = new OwnedResources()) {
            List<PreparedConv> prepared = new ArrayList<>();
            double fastestMs = Double.MAX_VALUE;
            for (ConvSolver solver : candidates) {
                PreparedConv p = owned.add(solver.prepare(context, problem, weights, bias));
                prepared.add(p);
                p.run(input, output); // warm-up: drivers such as PoCL compile a kernel at its first launch
                fastestMs = Math.min(fastestMs, wallMsOfSteps(p, 1, input, output));
            }
            return schedule(candidates.stream().map(ConvSolver::id).toList(), fastestMs,
                    (i, steps) -> wallMsOfSteps(prepared.get(i), steps, input, output));
        }
    }

    /** Times {@code steps} steps of candidate {@code index} queued back to back, in wall milliseconds. */
    @FunctionalInterface
    public interface SampleClock {
        double wallMs(int index, int steps);
    }

    /**
     * The timing schedule, with the clock injected: {@link #stepsPerSample} steps per sample from the fastest
     * candidate's warm-up time, round r running the candidates from index r on (round-robin), {@value #REPETITIONS}
     * rounds and more, up to {@value #MAX_ROUNDS}, while the decision is {@link #ambiguous}.
     *
     * @return each candidate's samples (per-step wall ms), by id in {@code ids}' order
     */
    public static Map<String, double[]> schedule(List<String> ids, double fastestWarmUpMs, SampleClock clock) {
        int steps = stepsPerSample(fastestWarmUpMs);
        double[][] wall = new double[ids.size()][MAX_ROUNDS];
        int rounds = 0;
        while (rounds < REPETITIONS
                || rounds < MAX_ROUNDS && ambiguous(decide(ids, samples(ids, wall, rounds), MARGIN), MARGIN)) {
            for (int j = 0; j < ids.size(); j++) {
                int i = (rounds + j) % ids.size();
                wall[i][rounds] = clock.wallMs(i, steps) / steps;
            }
            rounds++;
        }
        return samples(ids, wall, rounds);
    }

    /** "id a b c ..., id ..." with every sample in ms, for the note (and scripts/auto-stability). */
    static String samplesText(Map<String, double[]> samples) {
        return samples.entrySet().stream().map(e -> e.getKey() + " " + Arrays.stream(e.getValue())
                .mapToObj(v -> String.format(Locale.ROOT, "%.4f", v)).collect(Collectors.joining(" ")))
                .collect(Collectors.joining(", "));
    }

    private static Map<String, double[]> samples(List<String> ids, double[][] wall, int rounds) {
        Map<String, double[]> samples = new LinkedHashMap<>();
        for (int i = 0; i < ids.size(); i++) {
            samples.put(ids.get(i), Arrays.copyOf(wall[i], rounds));
        }
        return samples;
    }

    /**
     * Whether more rounds should be timed: some candidate up to the chosen one in priority order has a score within
     * {@link #AMBIGUITY} of the margin's edge (a little noise would change the decision).
     */
    static boolean ambiguous(Decision decision, double margin) {
        double fastest = decision.scores().values().stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        for (var e : decision.scores().entrySet()) {
            if (Math.abs(e.getValue() / fastest - (1 + margin)) < AMBIGUITY) {
                return true;
            }
            if (e.getKey().equals(decision.chosen())) {
                return false;
            }
        }
        return false;
    }

    /**
     * How many steps one sample queues back to back: enough for the fastest candidate to fill about
     * {@value #SAMPLE_MS} ms, so that a sample of a tiny convolution is not all timer and scheduling jitter; at most
     * {@value #MAX_STEPS_PER_SAMPLE}.
     */
    static int stepsPerSample(double fastestStepMs) {
        if (!(fastestStepMs > 0)) {
            return MAX_STEPS_PER_SAMPLE;
        }
        return (int) Math.max(1, Math.min(MAX_STEPS_PER_SAMPLE, Math.ceil(SAMPLE_MS / fastestStepMs)));
    }

    /** Host wall time of {@code steps} runs queued back to back and waited for once, in milliseconds. */
    private double wallMsOfSteps(PreparedConv prepared, int steps, ClBuffer input, ClBuffer output) {
        long start = System.nanoTime();
        try (QueuedLaunches queued = context.queueLaunches()) {
            for (int s = 0; s < steps; s++) {
                prepared.run(input, output);
            }
            queued.finish();
        }
        return (System.nanoTime() - start) / 1e6;
    }

    /**
     * The decision.
     *
     * @param chosen  the chosen candidate's id
     * @param scores every candidate's {@link #score}, in priority order
     * @param reason empty, or why a faster candidate was not taken
     */
    public record Decision(String chosen, Map<String, Double> scores, String reason) {
        public String summary() {
            return scores.entrySet().stream()
                    .map(e -> e.getKey() + "=" + String.format(Locale.ROOT, "%.3fms", e.getValue()))
                    .collect(Collectors.joining(" "));
        }
    }

    /**
     * AUTO's rule, a pure function of the measurements: the first candidate in {@code priority} order (the default
     * first) whose {@link #score} is within {@code margin} of the fastest score. So a candidate displaces the default
     * only by beating it by more than the margin, and of two candidates within the margin of each other the earlier one
     * wins whatever the noise.
     *
     * @param priority the candidates' ids, most preferred first
     * @param samples  each candidate's timed runs (any order)
     */
    public static Decision decide(List<String> priority, Map<String, double[]> samples, double margin) {
        Map<String, Double> scores = new LinkedHashMap<>();
        for (String id : priority) {
            double[] runs = samples.get(id);
            if (runs == null || runs.length == 0) {
                throw new IllegalArgumentException("no timed runs of candidate " + id);
            }
            scores.put(id, score(runs));
        }
        String fastest = priority.get(0);
        for (String id : priority) {
            if (scores.get(id) < scores.get(fastest)) {
                fastest = id;
            }
        }
        double bound = scores.get(fastest) * (1 + margin);
        for (String id : priority) {
            if (scores.get(id) <= bound) {
                String reason = id.equals(fastest) ? ""
                        : String.format(Locale.ROOT, " (%s was faster by less than %.0f %%)", fastest, margin * 100);
                return new Decision(id, scores, reason);
            }
        }
        throw new AssertionError("the fastest candidate is within its own margin");
    }

    /** A candidate's score: the lower quartile of its samples ({@link #quantile} 0.25). */
    static double score(double[] samples) {
        return quantile(samples, 0.25);
    }

    /**
     * The {@code q}-quantile of {@code values}, interpolating linearly between the sorted values at positions
     * {@code q * (n - 1)} (R's type 7, numpy's default): for 7 samples the lower quartile is the mean of the 2nd and
     * 3rd smallest.
     */
    static double quantile(double[] values, double q) {
        if (values.length == 0 || !(q >= 0 && q <= 1)) {
            throw new IllegalArgumentException("quantile " + q + " of " + values.length + " values");
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        double position = q * (sorted.length - 1);
        int below = (int) Math.floor(position);
        int above = Math.min(below + 1, sorted.length - 1);
        return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
    }
}
