package dev.tessera.backend.opencl.gpu;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import dev.tessera.backend.opencl.gemm.GemmBatch;
import dev.tessera.backend.opencl.gemm.GemmEpilogue;
import dev.tessera.backend.opencl.gemm.GemmTuning;
import dev.tessera.backend.opencl.gemm.PackedGemm;
import dev.tessera.backend.opencl.gemm.StridedMatrix;
import dev.tessera.opencl.ClBuffer;
import dev.tessera.opencl.ClContext;
import dev.tessera.opencl.DeviceInfo;
import dev.tessera.opencl.EventTiming;

/**
 * {@code tessera tune} for the GPU GEMM: a bounded random search over the legal {@link XgemmParameters} of a device
 * (the table's default first, as the baseline), each candidate built, checked against a double-precision product of the
 * same operands (relative L2 error at most {@link #TOLERANCE}: a wrong candidate can never win), then timed (best of
 * three after a warm-up, from profiling events). The search stops before a candidate would start past the budget.
 * Candidates the device or the built kernel cannot run are skipped with their reason.
 */
public final class GpuGemmTuner {
    /** The largest relative L2 error of C against the double product that a candidate may have. */
    public static final double TOLERANCE = 1e-5;

    /** One measured (or refused) candidate. */
    public record Candidate(XgemmParameters xgemm, double gflops, double relativeL2, String status) {
    }

    /**
     * The search's outcome: every candidate in order, the best verified one (null if none verified), and the best's
     * time over the baseline's in each confirmation round (empty when not asked for or the best is the baseline).
     */
    public record Result(int m, int n, int k, List<Candidate> candidates, Candidate best, Candidate baseline,
            double seconds, List<Double> confirmRatios) {
    }

    private final ClContext context;
    private final DeviceInfo device;
    private final int m;
    private final int n;
    private final int k;

    /**
     * A tuner on {@code context} for an M x N x K product (a convolution layer's im2col GEMM shape); {@code device}
     * holds the limits candidates must respect (the context's, or tighter ones).
     */
    public GpuGemmTuner(ClContext context, DeviceInfo device, int m, int n, int k) {
        if (m < 1 || n < 1 || k < 1) {
            throw new IllegalArgumentException("tuning problem " + m + "x" + n + "x" + k + " needs positive sizes");
        }
        this.context = context;
        this.device = device;
        this.m = m;
        this.n = n;
        this.k = k;
    }

    /** The legal parameter space on the device: every combination the kernel accepts and the device's limits allow. */
    public static List<XgemmParameters> space(DeviceInfo device) {
        List<XgemmParameters> space = new ArrayList<>();
        int[] tiles = {16, 32, 64, 128};
        int[] depths = {8, 16, 32};
        int[] items = {4, 8, 16, 32};
        int[] vectors = {1, 2, 4, 8};
        for (int mwg : tiles) {
            for (int nwg : tiles) {
                for (int kwg : depths) {
                    for (int mdimc : items) {
                        for (int ndimc : items) {
                            for (int vwm : vectors) {
                                for (int vwn : vectors) {
                                    XgemmParameters p = legal(mwg, nwg, kwg, mdimc, ndimc, vwm, vwn);
                                    if (p != null && p.problemsOn(device).isEmpty()) {
                                        space.add(p);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return space;
    }

    private static XgemmParameters legal(int mwg, int nwg, int kwg, int mdimc, int ndimc, int vwm, int vwn) {
        try {
            return new XgemmParameters(mwg, nwg, kwg, mdimc, ndimc, vwm, vwn);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Searches for at most {@code budgetSeconds}, the table's default first, then random candidates by {@code seed}. */
    public Result search(double budgetSeconds, long seed) {
        return search(budgetSeconds, seed, GpuTunables.defaultsFor(device).xgemm(), 0);
    }

    /**
     * {@link #search(double, long)} starting from {@code baseline} (what the device uses now), then
     * {@code confirmRounds} round-robin re-timings of the baseline and the best ({@link TuningSearch#confirm}).
     */
    public Result search(double budgetSeconds, long seed, XgemmParameters baseline, int confirmRounds) {
        Set<XgemmParameters> order = new LinkedHashSet<>();
        order.add(baseline);
        List<XgemmParameters> space = space(device);
        Collections.shuffle(space, new Random(seed));
        order.addAll(space);

        Random random = new Random(seed);
        float[] a = randomMatrix(random, m * k);
        float[] b = randomMatrix(random, k * n);
        double[] expected = product(a, b);
        TuningSearch.Result<XgemmParameters> found;
        List<Double> ratios;
        try (ClBuffer aBuffer = context.buffer(a); ClBuffer bBuffer = context.buffer(b);
                ClBuffer c = context.buffer((long) m * n * Float.BYTES)) {
            TuningSearch.Evaluator<XgemmParameters> evaluator = new TuningSearch.Evaluator<>() {
                @Override
                public List<String> refusals(XgemmParameters p) {
                    return p.problemsOn(device);
                }

                @Override
                public TuningSearch.Measurement measure(XgemmParameters p) {
                    return GpuGemmTuner.this.measure(p, aBuffer, bBuffer, c, expected);
                }
            };
            TuningSearch<XgemmParameters> search = new TuningSearch<>();
            found = search.run(new ArrayList<>(order), evaluator, budgetSeconds);
            ratios = search.confirm(found, evaluator, confirmRounds);
        }
        List<Candidate> candidates = found.candidates().stream().map(this::candidate).toList();
        return new Result(m, n, k, candidates, found.best() == null ? null : candidate(found.best()),
                candidate(found.baseline()), found.seconds(), ratios);
    }

    private Candidate candidate(TuningSearch.Candidate<XgemmParameters> c) {
        return new Candidate(c.parameters(), c.ok() ? 2.0 * m * n * k / c.seconds() / 1e9 : Double.NaN,
                c.relativeL2(), c.status());
    }

    private TuningSearch.Measurement measure(XgemmParameters p, ClBuffer a, ClBuffer b, ClBuffer c,
            double[] expected) {
        try (PackedGemm gemm = new PackedGemm(context, GemmTuning.forXgemm(p));
                ClBuffer packedA = context.buffer(gemm.packedASize(m, k) * Float.BYTES);
                ClBuffer packedB = context.buffer(gemm.packedBSize(k, n) * Float.BYTES)) {
            gemm.packA(StridedMatrix.rowMajor(a, 0, m, k, k), packedA, 0);
            gemm.packB(StridedMatrix.rowMajor(b, 0, k, n, n), packedB, 0);
            c.fill(Float.NaN);
            gemm.multiply(m, n, k, packedA, 0, packedB, 0, c, 0, n, GemmEpilogue.NONE, GemmBatch.SINGLE);
            double error = relativeL2(c.readFloats(), expected);
            if (!(error <= TOLERANCE)) {
                return new TuningSearch.Measurement(error, TOLERANCE, Double.NaN, null);
            }
            long bestNs = Long.MAX_VALUE;
            for (int i = 0; i < 3; i++) {
                EventTiming t = gemm.multiply(m, n, k, packedA, 0, packedB, 0, c, 0, n, GemmEpilogue.NONE,
                        GemmBatch.SINGLE);
                bestNs = Math.min(bestNs, Math.max(1, t.kernelNs()));
            }
            return new TuningSearch.Measurement(error, TOLERANCE, bestNs / 1e9, null);
        }
    }

    private static float[] randomMatrix(Random random, int size) {
        float[] values = new float[size];
        for (int i = 0; i < size; i++) {
            values[i] = random.nextFloat() * 2 - 1;
        }
        return values;
    }

    private double[] product(float[] a, float[] b) {
        double[] c = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int kk = 0; kk < k; kk++) {
                double aik = a[i * k + kk];
                int row = kk * n;
                int out = i * n;
                for (int j = 0; j < n; j++) {
                    c[out + j] += aik * b[row + j];
                }
            }
        }
        return c;
    }

    static double relativeL2(float[] actual, double[] expected) {
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < expected.length; i++) {
            double d = actual[i] - expected[i];
            diff += d * d;
            norm += expected[i] * expected[i];
        }
        return Math.sqrt(diff / Math.max(norm, Double.MIN_NORMAL));
    }
}
