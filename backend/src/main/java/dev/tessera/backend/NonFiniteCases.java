package dev.tessera.backend;

import java.util.ArrayList;
import java.util.List;

/**
 * Operator cases whose inputs hold NaN, +Inf and -Inf, for checking that a backend follows the reference backend's IEEE
 * rules: NaN propagates through ReLU (fused or not), max pooling (a window holding a NaN gives NaN), LRN (only the
 * channels whose window holds it), softmax, fully connected and convolution; infinities map as in Java's arithmetic.
 * {@link #mismatch} compares an output with the reference's element by element. Winograd is left out on purpose: its
 * transforms mix a whole tile, so one NaN or Inf spoils outputs whose direct window never saw it (docs/RELIABILITY.md).
 */
public final class NonFiniteCases {
    private NonFiniteCases() {
    }

    /** Every case, with the relative L2 error allowed on the elements the reference gives as finite. */
    public static List<RandomCases.Case> all() {
        List<RandomCases.Case> cases = new ArrayList<>();
        Tensor x = poisoned(Tensor.random(11, -2, 2, 2, 8, 6, 7));
        String shape = x.shapeString();
        cases.add(new RandomCases.Case(new Operator.Relu(), List.of(x), 0, "relu " + shape));
        cases.add(new RandomCases.Case(new Operator.Add(true), List.of(x, Tensor.random(12, -2, 2, x.shape())), 1e-6,
                "add+relu " + shape));
        cases.add(new RandomCases.Case(new Operator.Tanh(), List.of(x), 1e-6, "tanh " + shape));
        cases.add(new RandomCases.Case(Operator.Pool.of(Operator.Pool.Kind.MAX, 2, 2, 0), List.of(x), 0,
                "maxpool 2/2 " + shape));
        cases.add(new RandomCases.Case(new Operator.Pool(Operator.Pool.Kind.MAX, 3, 3, 1, 1, 1, 1, 1, 1, false),
                List.of(x), 0, "maxpool 3/1 pad 1 " + shape));
        cases.add(new RandomCases.Case(Operator.Pool.of(Operator.Pool.Kind.AVG, 3, 2, 1), List.of(x), 1e-6,
                "avgpool 3/2 pad 1 " + shape));
        cases.add(new RandomCases.Case(new Operator.GlobalAvgPool(), List.of(x), 1e-6, "globalavgpool " + shape));
        cases.add(new RandomCases.Case(Operator.Lrn.alexNet(), List.of(x), 1e-5, "lrn " + shape));
        cases.add(new RandomCases.Case(new Operator.Lrn(3, 1e-3, 0.6, 1, true), List.of(x), 1e-5,
                "lrn size 3 beta 0.6 " + shape));
        Tensor logits = new Tensor(new float[] {1, 2, Float.NaN, 0, -1, 3, 0.5f, 2, 1, 0,
                1, 2, Float.POSITIVE_INFINITY, 0, -1, 3, 0.5f, 2, 1, 0,
                1, 2, Float.NEGATIVE_INFINITY, 0, -1, 3, 0.5f, 2, 1, 0,
                0.25f, 2, -3, 0, -1, 3, 0.5f, 2, 1, 0}, 4, 10);
        cases.add(new RandomCases.Case(new Operator.Softmax(), List.of(logits), 1e-5, "softmax [4, 10]"));
        int features = 8 * 6 * 7;
        for (boolean relu : new boolean[] {false, true}) {
            cases.add(new RandomCases.Case(new Operator.FullyConnected(relu), List.of(x,
                    Tensor.random(13, -1, 1, 5, features), Tensor.random(14, -1, 1, 5)), 1e-5, "fc relu=" + relu));
        }
        Tensor weights = Tensor.random(15, -1, 1, 4, 8, 3, 3);
        Tensor bias = Tensor.random(16, -1, 1, 4);
        for (ConvAlgorithm algorithm : List.of(ConvAlgorithm.DIRECT, ConvAlgorithm.IM2COL)) {
            cases.add(new RandomCases.Case(Operator.Conv2d.of(1, 1).withRelu(true), List.of(x, weights, bias), 1e-5,
                    "conv2d 3x3 pad 1 relu " + algorithm.id(), algorithm));
            cases.add(new RandomCases.Case(Operator.Conv2d.of(2, 0), List.of(x, weights, bias), 1e-5,
                    "conv2d 3x3 stride 2 " + algorithm.id(), algorithm));
        }
        return cases;
    }

    /** Whether {@code t} holds both finite and non-finite elements (a case that tests something on both sides). */
    public static boolean mixed(Tensor t) {
        boolean finite = false;
        boolean nonFinite = false;
        for (float v : t.data()) {
            finite |= Float.isFinite(v);
            nonFinite |= !Float.isFinite(v);
        }
        return finite && nonFinite;
    }

    /** {@code x} with NaN, +Inf and -Inf written at a few fixed places (first image only; the second stays finite). */
    static Tensor poisoned(Tensor x) {
        float[] data = x.data();
        int[] at = {3, 50, 97, 131, 200};
        float[] values = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN,
                Float.POSITIVE_INFINITY};
        for (int i = 0; i < at.length; i++) {
            data[at[i]] = values[i];
        }
        return x;
    }

    /**
     * Null when {@code actual} is NaN exactly where {@code expected} is, the same infinity where it is infinite, and
     * finite elsewhere within {@code tolerance} relative L2 error over those finite elements; else what differs first.
     */
    public static String mismatch(Tensor actual, Tensor expected, double tolerance) {
        float[] a = actual.data();
        float[] e = expected.data();
        if (a.length != e.length) {
            return "size " + a.length + " instead of " + e.length;
        }
        double error = 0;
        double norm = 0;
        for (int i = 0; i < e.length; i++) {
            if (Float.isNaN(e[i]) != Float.isNaN(a[i]) || (Float.isInfinite(e[i]) && e[i] != a[i])
                    || (Float.isFinite(e[i]) && !Float.isFinite(a[i]))) {
                return "element " + i + " is " + a[i] + ", the reference gives " + e[i];
            }
            if (Float.isFinite(e[i])) {
                error += ((double) a[i] - e[i]) * ((double) a[i] - e[i]);
                norm += (double) e[i] * e[i];
            }
        }
        double relative = norm == 0 ? Math.sqrt(error) : Math.sqrt(error / norm);
        return relative <= tolerance ? null : "finite elements off by relative L2 " + relative + " > " + tolerance;
    }
}
