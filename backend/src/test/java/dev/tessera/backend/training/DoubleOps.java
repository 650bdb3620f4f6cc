package dev.tessera.backend.training;

import java.util.function.ToDoubleFunction;

import dev.tessera.backend.Operator;
import dev.tessera.backend.reference.NaiveConv;

/**
 * Forward operators in double from their definitions (written apart from the backends: one output at a time, an
 * explicit test for every padded cell; convolution is {@link NaiveConv}'s), and central finite differences over
 * them: the independent answer the gradient tests check the reference's backward operators against.
 */
final class DoubleOps {
    private DoubleOps() {
    }

    /** Cross-correlation without bias ({@link NaiveConv}): x [n, c, h, w], weight [k, c/groups, r, s]. */
    static double[] conv(Operator.Conv2d op, double[] x, int[] xs, double[] w, int[] ws, int p, int q) {
        return NaiveConv.conv(op, x, xs, w, ws, null, p, q);
    }

    /** Max or average pooling of x [n, c, h, w] to [n, c, p, q]. */
    static double[] pool(Operator.Pool op, double[] x, int[] xs, int p, int q) {
        int planes = xs[0] * xs[1], h = xs[2], w = xs[3];
        double[] out = new double[planes * p * q];
        int i = 0;
        for (int plane = 0; plane < planes; plane++) {
            for (int pi = 0; pi < p; pi++) {
                for (int qi = 0; qi < q; qi++) {
                    double max = Double.NEGATIVE_INFINITY;
                    double sum = 0;
                    int real = 0;
                    int covered = 0;
                    for (int a = 0; a < op.kernelH(); a++) {
                        for (int b = 0; b < op.kernelW(); b++) {
                            int row = pi * op.strideH() - op.padTop() + a;
                            int col = qi * op.strideW() - op.padLeft() + b;
                            if (row < h + op.padBottom() && col < w + op.padRight()) {
                                covered++;
                            }
                            if (row >= 0 && row < h && col >= 0 && col < w) {
                                double v = x[(plane * h + row) * w + col];
                                max = Math.max(max, v);
                                sum += v;
                                real++;
                            }
                        }
                    }
                    boolean isMax = op.kind() == Operator.Pool.Kind.MAX;
                    out[i++] = isMax ? max : sum / (op.countPad() ? covered : real);
                }
            }
        }
        return out;
    }

    /** y = x W^T: x [n, features], w [outputs, features]. */
    static double[] fc(double[] x, int n, double[] w, int outputs) {
        int features = w.length / outputs;
        double[] out = new double[n * outputs];
        for (int row = 0; row < n; row++) {
            for (int o = 0; o < outputs; o++) {
                double sum = 0;
                for (int f = 0; f < features; f++) {
                    sum += x[row * features + f] * w[o * features + f];
                }
                out[row * outputs + o] = sum;
            }
        }
        return out;
    }

    /** Mean over rows of -log softmax(z)[label]. */
    static double crossEntropy(double[] z, int[] labels) {
        int classes = z.length / labels.length;
        double total = 0;
        for (int n = 0; n < labels.length; n++) {
            double sum = 0;
            for (int c = 0; c < classes; c++) {
                sum += Math.exp(z[n * classes + c]);
            }
            total += Math.log(sum) - z[n * classes + labels[n]];
        }
        return total / labels.length;
    }

    /** sum_i weights[i] * y[i]: the loss whose gradient with respect to y is {@code weights}. */
    static double dot(double[] weights, double[] y) {
        double sum = 0;
        for (int i = 0; i < y.length; i++) {
            sum += weights[i] * y[i];
        }
        return sum;
    }

    /** Central differences {@code (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)} for every i. */
    static double[] numericGradient(ToDoubleFunction<double[]> f, double[] at, double eps) {
        double[] x = at.clone();
        double[] g = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double keep = x[i];
            x[i] = keep + eps;
            double plus = f.applyAsDouble(x);
            x[i] = keep - eps;
            double minus = f.applyAsDouble(x);
            x[i] = keep;
            g[i] = (plus - minus) / (2 * eps);
        }
        return g;
    }
}
