package dev.tessera.backend.opencl.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

import dev.tessera.backend.ConvProblem;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.opencl.common.OwnedResources;
import dev.tessera.backend.opencl.conv.ConvSolver;
import dev.tessera.backend.opencl.conv.ConvSolverFinder;
import dev.tessera.backend.opencl.conv.ConvTuningDatabase;
import dev.tessera.backend.opencl.conv.NchwcDirectSolver;
import dev.tessera.backend.opencl.conv.PreparedConv;
import dev.tessera.opencl.ClBuffer;
import dev.tessera.opencl.ClContext;
import dev.tessera.opencl.QueuedLaunches;

/**
 * AUTO across layers: whether a path of convolutions that could exchange the channel-blocked layout
 * ({@link NchwcChains}: each feeds only the next) should run as an nchwc-direct chain. The candidates are the path run
 * with every layer's own AUTO winner ("per-layer", NCHW between layers, each winner chosen by the
 * {@link ConvSolverFinder} first) and, for each contiguous sub-path of two or more layers, the same sequence with that
 * sub-path run as a chain (NCHWc between its members: one reorder at its start, NCHW written at its end, the rest of
 * the path per-layer). Each candidate is timed as the whole sequence, with {@link ConvSolverFinder}'s schedule and rule
 * (round-robin, lower quartile, a candidate must beat per-layer, the default, by the margin; among candidates within
 * the margin the longer chain is preferred). The decision is stored in the {@link ConvTuningDatabase} under the path's
 * members' tuning keys and a fingerprint of the solvers (kernel sources' hashes) and both rules' versions.
 *
 * <p>The residual a path's last layer may add in its epilogue is left out of the timed sequence (both forms add it the
 * same way). Not thread-safe.
 */
public final class NchwcChainFinder {
    /** The chain rule's name and version, part of the stored fingerprint. */
    static final String RULE = "chain-rule v1: whole path, per-layer winners vs each sub-chain";
    /** The candidate that runs every layer with its own AUTO winner. */
    static final String PER_LAYER = "per-layer";
    /** The system property that, when {@code false}, keeps AUTO per-layer (no chains unless asked for explicitly). */
    static final String PROPERTY = "tessera.autoChains";

    private final ClContext context;
    private final ConvSolverFinder finder;
    private final String fingerprint;
    private final NchwcDirectSolver solver = new NchwcDirectSolver();
    /** Tests: each candidate's per-step time by id instead of the clock (the candidates still run). */
    private ToDoubleFunction<String> forcedMs;
    private long tuneNanos;

    public NchwcChainFinder(ClContext context, ConvSolverFinder finder) {
        this.context = context;
        this.finder = finder;
        this.fingerprint = ConvSolverFinder.fingerprint(finder.fingerprint(), RULE);
    }

    static boolean enabled() {
        return !"false".equals(System.getProperty(PROPERTY));
    }

    void forceTimingsForTests(ToDoubleFunction<String> msById) {
        this.forcedMs = msById;
    }

    public long tuneNanos() {
        return tuneNanos;
    }

    /** One convolution of a path: its name, problem, weights and bias (null: none). */
    record Member(String name, ConvProblem problem, Tensor weights, Tensor bias) {
    }

    /**
     * The decision for a path.
     *
     * @param from first member of the chosen chain (inclusive), -1 when per-layer
     * @param to   last member (inclusive)
     * @param note why, for the plan's notes
     * @param memberNotes the members' own AUTO notes when the finder timed them now (for the plan's notes, which would
     *                    otherwise say "from the tuning database"), else empty
     */
    record ChainChoice(int from, int to, String note, List<String> memberNotes) {
        boolean chained(int member) {
            return from >= 0 && member >= from && member <= to;
        }
    }

    /** The candidates' ids of a path of {@code n} members, per-layer first, then longer chains before shorter. */
    static List<String> candidates(int n) {
        List<String> ids = new ArrayList<>();
        ids.add(PER_LAYER);
        for (int length = n; length >= 2; length--) {
            for (int from = 0; from + length <= n; from++) {
                ids.add("chain " + from + "-" + (from + length - 1));
            }
        }
        return ids;
    }

    static ChainChoice parse(String id, List<Member> path, String why) {
        if (id.equals(PER_LAYER)) {
            return new ChainChoice(-1, -1, why, List.of());
        }
        String[] range = id.substring("chain ".length()).split("-");
        int from = Integer.parseInt(range[0]);
        int to = Integer.parseInt(range[1]);
        if (from < 0 || to >= path.size() || to <= from) {
            throw new IllegalArgumentException("bad chain candidate " + id + " for a path of " + path.size());
        }
        return new ChainChoice(from, to, why, List.of());
    }

    /** The pure decision from a clock: {@link ConvSolverFinder#schedule} and {@link ConvSolverFinder#decide}. */
    static ConvSolverFinder.Decision decide(List<String> ids, double fastestWarmUpMs,
            ConvSolverFinder.SampleClock clock) {
        Map<String, double[]> samples = ConvSolverFinder.schedule(ids, fastestWarmUpMs, clock);
        return ConvSolverFinder.decide(ids, samples, ConvSolverFinder.MARGIN);
    }

    /** The path's decision: the database's, or timed now and stored. */
    ChainChoice find(List<Member> path) {
        String key = finderKey(path);
        var remembered = finder.database().lookup(key, fingerprint);
        if (remembered.isPresent()) {
            return parse(remembered.get().solverId(), path, "auto chose " + label(remembered.get().solverId(), path)
                    + " from the tuning database (" + remembered.get().timings() + ")");
        }
        long start = System.nanoTime();
        long finderNanos = finder.tuneNanos(); // the per-layer winners' timing counts there, not twice
        List<String> ids = candidates(path.size());
        try (OwnedResources owned = new OwnedResources()) {
            int n = path.size();
            ClBuffer[] nchw = new ClBuffer[n + 1];
            ClBuffer[] blocked = new ClBuffer[n];
            nchw[0] = owned.add(context.buffer(4L * inputFloats(path.get(0).problem())));
            PreparedConv[] perLayer = new PreparedConv[n];
            String[] winners = new String[n];
            List<String> memberNotes = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Member m = path.get(i);
                nchw[i + 1] = owned.add(context.buffer(4L * outputFloats(m.problem())));
                if (i > 0) {
                    blocked[i] = owned.add(context.buffer(new float[Math.toIntExact(
                            solver.blockedInputFloats(m.problem(), context.info()))]));
                }
                ConvSolverFinder.Choice own = finder.find(m.problem(), m.weights(), m.bias(), nchw[i], nchw[i + 1]);
                ConvSolver winner = own.solver();
                memberNotes.add(own.note());
                winners[i] = winner.id();
                perLayer[i] = owned.add(winner.prepare(context, m.problem(), m.weights(), m.bias()));
            }
            List<Runnable> sequences = new ArrayList<>();
            for (String id : ids) {
                ChainChoice c = parse(id, path, "");
                List<Runnable> launches = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    Member m = path.get(i);
                    PreparedConv conv = perLayer[i];
                    ClBuffer in = nchw[i];
                    ClBuffer out = nchw[i + 1];
                    if (c.chained(i)) {
                        boolean blockedIn = i > c.from();
                        boolean blockedOut = i < c.to();
                        conv = owned.add(solver.prepareBlocked(context, m.problem(), m.weights(), m.bias(), false,
                                blockedIn, blockedOut ? NchwcDirectSolver.border(path.get(i + 1).problem()) : null));
                        in = blockedIn ? blocked[i] : in;
                        out = blockedOut ? blocked[i + 1] : out;
                    }
                    PreparedConv run = conv;
                    ClBuffer a = in;
                    ClBuffer b = out;
                    launches.add(() -> run.run(a, b));
                }
                sequences.add(() -> launches.forEach(Runnable::run));
            }
            double fastest = Double.MAX_VALUE;
            for (Runnable s : sequences) {
                s.run(); // warm-up (first launches compile on PoCL)
                fastest = Math.min(fastest, wallMs(s, 1));
            }
            ConvSolverFinder.SampleClock clock = forcedMs == null
                    ? (i, steps) -> wallMs(sequences.get(i), steps)
                    : (i, steps) -> {
                        wallMs(sequences.get(i), 1);
                        return forcedMs.applyAsDouble(ids.get(i)) * steps;
                    };
            ConvSolverFinder.Decision decision = decide(ids, forcedMs == null ? fastest : 1.0, clock);
            tuneNanos += System.nanoTime() - start - (finder.tuneNanos() - finderNanos);
            String summary = "per-layer winners " + String.join(",", winners) + "; " + decision.summary();
            finder.database().store(new ConvTuningDatabase.Entry(key, fingerprint, decision.chosen(),
                    decision.scores().get(decision.chosen()), summary));
            ChainChoice c = parse(decision.chosen(), path, "");
            return new ChainChoice(c.from(), c.to(), "auto timed " + summary
                    + " (lower quartile of round-robin wall ms of the whole path), chose "
                    + label(decision.chosen(), path) + decision.reason(), memberNotes);
        }
    }

    /** Wall ms of {@code steps} runs of a sequence queued back to back and waited for once. */
    private double wallMs(Runnable sequence, int steps) {
        long start = System.nanoTime();
        try (QueuedLaunches queued = context.queueLaunches()) {
            for (int s = 0; s < steps; s++) {
                sequence.run();
            }
            queued.finish();
        }
        return (System.nanoTime() - start) / 1e6;
    }

    /** "per-layer" or "chain conv1->conv2" by the members' names. */
    static String label(String id, List<Member> path) {
        ChainChoice c = parse(id, path, "");
        if (c.from() < 0) {
            return PER_LAYER;
        }
        return "chain " + path.subList(c.from(), c.to() + 1).stream().map(Member::name)
                .collect(Collectors.joining("->"));
    }

    /** The database key of a path: its members' tuning keys in order, marked as a chain decision. */
    private String finderKey(List<Member> path) {
        return finder.autoKey("nchwc-chain " + path.stream().map(m -> m.problem().tuningKey())
                .collect(Collectors.joining(" -> ")));
    }

    private static long inputFloats(ConvProblem p) {
        return (long) p.n() * p.c() * p.h() * p.w();
    }

    private static long outputFloats(ConvProblem p) {
        return (long) p.n() * p.k() * p.p() * p.q();
    }
}
