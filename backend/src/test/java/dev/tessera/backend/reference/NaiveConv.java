package dev.tessera.backend.reference;

import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;

/**
 * Convolution straight from its definition, written independently of {@link ReferenceBackend}: seven nested loops,
 * one output at a time, with an explicit check for every padded cell and no precomputed ranges.
 */
final class NaiveConv {
    private NaiveConv() {
    }

    /** The exact (double) outputs, [N, K, P, Q] in C order; {@code bias} may be null. */
    static double[] conv(Operator.Conv2d op, Tensor x, Tensor w, Tensor bias, int p, int q) {
        int n = x.dim(0), c = x.dim(1), h = x.dim(2), wd = x.dim(3);
        int k = w.dim(0), cg = w.dim(1), r = w.dim(2), s = w.dim(3);
        int kg = k / op.groups();
        double[] out = new double[n * k * p * q];
        int i = 0;
        for (int ni = 0; ni < n; ni++) {
            for (int ki = 0; ki < k; ki++) {
                int group = ki / kg;
                for (int pi = 0; pi < p; pi++) {
                    for (int qi = 0; qi < q; qi++) {
                        double sum = bias == null ? 0 : bias.get(ki);
                        for (int ci = 0; ci < cg; ci++) {
                            for (int ri = 0; ri < r; ri++) {
                                for (int si = 0; si < s; si++) {
                                    int row = pi * op.strideH() - op.padTop() + ri * op.dilationH();
                                    int col = qi * op.strideW() - op.padLeft() + si * op.dilationW();
                                    boolean padded = row < 0 || row >= h || col < 0 || col >= wd;
                                    if (!padded) {
                                        sum += (double) w.get(ki, ci, ri, si) * x.get(ni, group * cg + ci, row, col);
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
