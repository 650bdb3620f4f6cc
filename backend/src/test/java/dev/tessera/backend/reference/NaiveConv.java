package dev.tessera.backend.reference;

import static dev.tessera.backend.TensorAssert.widen;

import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;

/**
 * Convolution straight from its definition, written independently of {@link ReferenceBackend}: seven nested loops,
 * one output at a time, with an explicit check for every padded cell and no precomputed ranges. The double form is
 * also the forward pass the gradient tests differentiate numerically.
 */
public final class NaiveConv {
    private NaiveConv() {
    }

    /** The exact (double) outputs, [N, K, P, Q] in C order; {@code bias} may be null. */
    static double[] conv(Operator.Conv2d op, Tensor x, Tensor w, Tensor bias, int p, int q) {
        return conv(op, widen(x.data()), x.shape(), widen(w.data()), w.shape(),
                bias == null ? null : widen(bias.data()), p, q);
    }

    /**
     * The same on double values: x [n, c, h, w] and weight [k, c/groups, r, s] given as arrays with their shapes,
     * {@code bias} [k] or null; the fused ReLU applies when the operator asks for it.
     */
    public static double[] conv(Operator.Conv2d op, double[] x, int[] xs, double[] w, int[] ws, double[] bias, int p,
            int q) {
        int n = xs[0], c = xs[1], h = xs[2], wd = xs[3];
        int k = ws[0], cg = ws[1], r = ws[2], s = ws[3];
        int kg = k / op.groups();
        double[] out = new double[n * k * p * q];
        int i = 0;
        for (int ni = 0; ni < n; ni++) {
            for (int ki = 0; ki < k; ki++) {
                int group = ki / kg;
                for (int pi = 0; pi < p; pi++) {
                    for (int qi = 0; qi < q; qi++) {
                        double sum = bias == null ? 0 : bias[ki];
                        for (int ci = 0; ci < cg; ci++) {
                            for (int ri = 0; ri < r; ri++) {
                                for (int si = 0; si < s; si++) {
                                    int row = pi * op.strideH() - op.padTop() + ri * op.dilationH();
                                    int col = qi * op.strideW() - op.padLeft() + si * op.dilationW();
                                    boolean padded = row < 0 || row >= h || col < 0 || col >= wd;
                                    if (!padded) {
                                        sum += w[((ki * cg + ci) * r + ri) * s + si]
                                                * x[((ni * c + group * cg + ci) * h + row) * wd + col];
                                    }
                                }
                            }
                        }
                        out[i++] = op.relu() ? Math.max(0, sum) : sum;
                    }
                }
            }
        }
        return out;
    }
}
