package dev.tessera.backend;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Random operator cases with the edge cases (stride > 1, asymmetric padding, odd sizes, 1x1 kernels, dilation, groups
 * and depthwise, channel counts that are not multiples of a vector width, batch > 1), reproducible from the caller's
 * {@link SplittableRandom}: the one generator behind the property tests of every backend, which compare each case
 * with the double-precision reference.
 */
public final class RandomCases {
    private RandomCases() {
    }

    /**
     * One case: an operator, its inputs, the relative L2 error against the reference it must stay within, and the
     * convolution algorithm to run it with (a choice of the run, not of the operator).
     * Convolutions carry the tolerance of direct convolution; a test running another algorithm asks
     * {@link Tolerances} for that one's.
     */
    public record Case(Operator op, List<Tensor> inputs, double tolerance, String description,
            ConvAlgorithm algorithm) {
        /** A case run with {@link ConvAlgorithm#AUTO}. */
        public Case(Operator op, List<Tensor> inputs, double tolerance, String description) {
            this(op, inputs, tolerance, description, ConvAlgorithm.AUTO);
        }

        public List<int[]> shapes() {
            return inputs.stream().map(Tensor::shape).toList();
        }
    }

    /** Random inputs for a convolution: x [n, c, h, w], weights [k, c/groups, r, s], optionally bias [k]. */
    public static List<Tensor> convInputs(SplittableRandom rnd, int n, int c, int h, int w, int k, int r, int s,
            int groups, boolean bias) {
        List<Tensor> in = new ArrayList<>();
        in.add(Tensor.random(rnd.nextLong(), -1, 1, n, c, h, w));
        in.add(Tensor.random(rnd.nextLong(), -1, 1, k, c / groups, r, s));
        if (bias) {
            in.add(Tensor.random(rnd.nextLong(), -1, 1, k));
        }
        return in;
    }

    /** Random stride, padding, dilation and fused ReLU, one group, algorithm AUTO. */
    public static Operator.Conv2d convOperator(SplittableRandom rnd) {
        int stride = rnd.nextInt(4) == 0 ? 2 : 1;
        int strideW = rnd.nextInt(6) == 0 ? 3 : stride;
        int dilation = rnd.nextInt(5) == 0 ? 2 : 1;
        return new Operator.Conv2d(stride, strideW, rnd.nextInt(3), rnd.nextInt(3), rnd.nextInt(3), rnd.nextInt(3),
                dilation, rnd.nextInt(6) == 0 ? 2 : 1, 1, rnd.nextBoolean());
    }

    /** {@code count} random convolutions that fit their inputs (see {@link #convolution}), from {@code seed}. */
    public static List<Case> convolutions(long seed, int count) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Case> cases = new ArrayList<>();
        while (cases.size() < count) {
            convolution(rnd).ifPresent(c -> cases.add(new Case(c.op(), c.inputs(), c.tolerance(),
                    "conv case " + cases.size() + " " + c.description())));
        }
        return cases;
    }

    /** {@code count} random pooling cases (see {@link #pool}), from {@code seed}. */
    public static List<Case> pools(long seed, int count) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Case c = pool(rnd);
            cases.add(new Case(c.op(), c.inputs(), c.tolerance(), "pool case " + i + " " + c.description()));
        }
        return cases;
    }

    /** {@code count} random LRN cases (see {@link #lrn}), from {@code seed}. */
    public static List<Case> lrns(long seed, int count) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Case c = lrn(rnd, i);
            cases.add(new Case(c.op(), c.inputs(), c.tolerance(), "lrn case " + i + " " + c.description()));
        }
        return cases;
    }

    /** {@code rounds} rounds of {@link #elementwise(SplittableRandom, int)}, from {@code seed}. */
    public static List<Case> elementwise(long seed, int rounds) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
            for (Case c : elementwise(rnd, i)) {
                cases.add(new Case(c.op(), c.inputs(), c.tolerance(), c.description() + " case " + i));
            }
        }
        return cases;
    }

    /**
     * A random convolution (kernels 1x1 to 7x7 and 1x3/3x1, a fifth grouped, a tenth depthwise, a quarter batch 2)
     * with its inputs, or empty when its window does not fit the padded input. Draws the same numbers either way.
     */
    public static Optional<Case> convolution(SplittableRandom rnd) {
        int[][] kernels = {{1, 1}, {3, 3}, {3, 3}, {5, 5}, {2, 2}, {7, 7}, {1, 3}, {3, 1}};
        int[] kernel = kernels[rnd.nextInt(kernels.length)];
        int r = kernel[0];
        int s = kernel[1];
        int groups = rnd.nextInt(5) == 0 ? 2 : 1;
        int c = groups * (1 + rnd.nextInt(9));
        int k = groups * (1 + rnd.nextInt(9));
        if (rnd.nextInt(10) == 0) { // depthwise
            groups = c;
            k = c;
        }
        int n = rnd.nextInt(4) == 0 ? 2 : 1;
        int h = r + rnd.nextInt(14);
        int w = s + rnd.nextInt(14);
        Operator.Conv2d conv = convOperator(rnd).withGroups(groups);
        List<Tensor> inputs = convInputs(rnd, n, c, h, w, k, r, s, groups, rnd.nextBoolean());
        try {
            ConvProblem problem = ConvProblem.of(conv, inputs.stream().map(Tensor::shape).toList());
            return Optional.of(new Case(conv, inputs, Tolerances.relativeL2("direct"), problem.key()));
        } catch (IllegalArgumentException windowTooLarge) {
            return Optional.empty();
        }
    }

    /** Random max or average pooling: windows 1-4 (sometimes not square), strides 1-3, any padding below the window,
     * count_pad either way, batch 1-2, 1-7 channels. Within 1e-6. */
    public static Case pool(SplittableRandom rnd) {
        int kh = 1 + rnd.nextInt(4);
        int kw = rnd.nextInt(3) == 0 ? 1 + rnd.nextInt(4) : kh;
        int sh = 1 + rnd.nextInt(3);
        int sw = rnd.nextInt(3) == 0 ? 1 + rnd.nextInt(3) : sh;
        int[] pad = {rnd.nextInt(kh), rnd.nextInt(kh), rnd.nextInt(kw), rnd.nextInt(kw)};
        Operator.Pool.Kind kind = rnd.nextBoolean() ? Operator.Pool.Kind.MAX : Operator.Pool.Kind.AVG;
        Operator.Pool pool = new Operator.Pool(kind, kh, kw, sh, sw, pad[0], pad[1], pad[2], pad[3], rnd.nextBoolean());
        Tensor x = Tensor.random(rnd.nextLong(), -2, 2, 1 + rnd.nextInt(2), 1 + rnd.nextInt(7), kh + rnd.nextInt(12),
                kw + rnd.nextInt(12));
        return new Case(pool, List.of(x), 1e-6, pool.toString());
    }

    /**
     * Random LRN in both alpha conventions; case {@code i} even uses AlexNet's beta of 0.75. Within 1e-5 (pow from the
     * device's math library).
     */
    public static Case lrn(SplittableRandom rnd, int i) {
        double beta = i % 2 == 0 ? 0.75 : 0.5 + rnd.nextDouble() * 0.5;
        Operator.Lrn lrn = new Operator.Lrn(1 + 2 * rnd.nextInt(4), 1e-4 + rnd.nextDouble() * 1e-2, beta,
                1 + rnd.nextDouble() * 2, rnd.nextBoolean());
        Tensor x = Tensor.random(rnd.nextLong(), -3, 3, 1 + rnd.nextInt(2), 1 + rnd.nextInt(12), 1 + rnd.nextInt(6),
                1 + rnd.nextInt(6));
        return new Case(lrn, List.of(x), 1e-5, lrn.toString());
    }

    /**
     * Case {@code i} of the element-wise, fully connected and softmax operators on one random NCHW shape: relu (exact),
     * tanh, bias add, add (ReLU or not), batch norm (1e-6), fc with or without bias and ReLU, softmax over up to 1000
     * classes (1e-5), concat of two to four inputs with 1-7 extra channels each (exact).
     */
    public static List<Case> elementwise(SplittableRandom rnd, int i) {
        int n = 1 + rnd.nextInt(5);
        int c = 1 + rnd.nextInt(19);
        int h = 1 + rnd.nextInt(6);
        int w = 1 + rnd.nextInt(6);
        Tensor x = Tensor.random(rnd.nextLong(), -2, 2, n, c, h, w);
        Tensor y = Tensor.random(rnd.nextLong(), -2, 2, n, c, h, w);
        Tensor perChannel = Tensor.random(rnd.nextLong(), -1, 1, c);
        Tensor positive = Tensor.random(rnd.nextLong(), 0.1f, 2, c);
        String shape = x.shapeString();
        List<Case> cases = new ArrayList<>();
        cases.add(new Case(new Operator.Relu(), List.of(x), 0, "relu " + shape));
        cases.add(new Case(new Operator.Tanh(), List.of(x), 1e-6, "tanh " + shape));
        cases.add(new Case(new Operator.BiasAdd(), List.of(x, perChannel), 1e-6, "bias add " + shape));
        cases.add(new Case(new Operator.Add(rnd.nextBoolean()), List.of(x, y), 1e-6, "add " + shape));
        cases.add(new Case(new Operator.BatchNorm(1e-5), List.of(x, positive, perChannel, Tensor.random(i, -1, 1, c),
                positive), 1e-6, "batchnorm " + shape));
        int out = 1 + rnd.nextInt(40);
        int features = c * h * w;
        List<Tensor> fc = new ArrayList<>(List.of(x, Tensor.random(rnd.nextLong(), -1, 1, out, features)));
        if (rnd.nextBoolean()) {
            fc.add(Tensor.random(rnd.nextLong(), -1, 1, out));
        }
        cases.add(new Case(new Operator.FullyConnected(rnd.nextBoolean()), fc, 1e-5, "fc " + features + "->" + out));
        Tensor logits = Tensor.random(rnd.nextLong(), -20, 20, n, 1 + rnd.nextInt(1000));
        cases.add(new Case(new Operator.Softmax(), List.of(logits), 1e-5, "softmax " + logits.shapeString()));
        List<Tensor> branches = new ArrayList<>(List.of(x));
        for (int b = 1 + rnd.nextInt(3); b > 0; b--) {
            branches.add(Tensor.random(rnd.nextLong(), -2, 2, n, 1 + rnd.nextInt(7), h, w));
        }
        cases.add(new Case(new Operator.Concat(), branches, 0, "concat of " + branches.size()));
        return cases;
    }

    /**
     * {@code rounds} rounds of the parametrised activations (every {@link Operator.Activation.Function} with random
     * parameters, clip bounds inside and around the input range, sigmoid over [-20, 20]) and padding (every
     * {@link Operator.Pad.Mode}, asymmetric pads, reflect below the extent, zero pads, batch 1-2) and softmax along
     * one or several axes ({@link Operator.AxisSoftmax}), each on a random NCHW shape, from {@code seed}. Inputs hold
     * NaN and infinities at random places in a third of the rounds. Within 1e-6 (sigmoid and the hard functions round
     * differently once), softmax 1e-5; padding is a copy and exact.
     */
    public static List<Case> activationsAndPads(long seed, int rounds) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
            Tensor x = Tensor.random(rnd.nextLong(), -8, 8, 1 + rnd.nextInt(2), 1 + rnd.nextInt(9),
                    1 + rnd.nextInt(7), 1 + rnd.nextInt(7));
            if (i % 3 == 2) {
                float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
                for (int k = 0; k < 3; k++) {
                    x.data()[rnd.nextInt(x.size())] = special[k];
                }
            }
            String shape = x.shapeString() + " case " + i;
            double lo = -8 + rnd.nextDouble() * 8;
            List<Operator> ops = List.of(Operator.Activation.clip(lo, lo + rnd.nextDouble() * 10),
                    Operator.Activation.clip(0, 6), Operator.Activation.leakyRelu(rnd.nextDouble() * 0.5),
                    Operator.Activation.sigmoid(), Operator.Activation.hardSigmoid(0.05 + rnd.nextDouble() * 0.3,
                            rnd.nextDouble()), Operator.Activation.hardSwish());
            for (Operator op : ops) {
                cases.add(new Case(op, List.of(x), 1e-6, op + " " + shape));
            }
            Operator.Pad.Mode mode = Operator.Pad.Mode.values()[i % 3];
            int h = x.dim(2);
            int w = x.dim(3);
            int[] limits = mode == Operator.Pad.Mode.REFLECT ? new int[] {h, h, w, w} : new int[] {4, 4, 4, 4};
            int[] pads = new int[4];
            for (int k = 0; k < 4; k++) {
                pads[k] = rnd.nextInt(limits[k]);
            }
            Operator.Pad pad = new Operator.Pad(mode, pads[0], pads[1], pads[2], pads[3], rnd.nextDouble() * 4 - 2);
            cases.add(new Case(pad, List.of(x), 0, pad + " " + shape));
            int axis = 1 + rnd.nextInt(3);
            Operator.AxisSoftmax softmax = new Operator.AxisSoftmax(axis, 1 + rnd.nextInt(4 - axis));
            cases.add(new Case(softmax, List.of(x), 1e-5, softmax + " " + shape));
        }
        return cases;
    }

    /**
     * Null when {@code actual} matches {@code expected} within {@code tolerance} relative L2 over the finite values of
     * {@code expected} and holds the same non-finite value (NaN, the same infinity) wherever {@code expected} does;
     * otherwise what differs. For the cases whose inputs hold NaN and infinities.
     */
    public static String mismatch(Tensor actual, Tensor expected, double tolerance) {
        float[] a = actual.data();
        float[] e = expected.data();
        if (a.length != e.length) {
            return "sizes differ: " + actual.shapeString() + " vs " + expected.shapeString();
        }
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < a.length; i++) {
            if (!Float.isFinite(e[i]) || !Float.isFinite(a[i])) {
                if (Float.compare(a[i], e[i]) != 0) {
                    return "element " + i + " is " + a[i] + ", the reference's " + e[i];
                }
                continue;
            }
            double d = (double) a[i] - e[i];
            diff += d * d;
            norm += (double) e[i] * e[i];
        }
        double relative = norm == 0 ? Math.sqrt(diff) : Math.sqrt(diff / norm);
        return relative <= tolerance ? null : "relative L2 " + relative + " above " + tolerance;
    }
}
