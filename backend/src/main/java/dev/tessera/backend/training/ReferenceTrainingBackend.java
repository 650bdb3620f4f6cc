package dev.tessera.backend.training;

import java.util.List;
import java.util.stream.IntStream;

import dev.tessera.backend.Backend;
import dev.tessera.backend.ConvProblem;
import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.reference.ReferenceBackend;
import dev.tessera.backend.reference.TapRange;

/**
 * The gradient oracle: every backward operator in plain Java, sums in {@code double}, each result rounded to float
 * once; the forward passes are {@link ReferenceBackend}'s. Work is split so that each task owns the outputs it writes
 * (an input plane, a weight's output channel, a row), so results do not depend on thread scheduling: training on it
 * is deterministic for a seed. Checked against central finite differences in the tests.
 */
public final class ReferenceTrainingBackend implements TrainingBackend {
    private final ReferenceBackend forward = new ReferenceBackend();

    @Override
    public String name() {
        return "reference";
    }

    @Override
    public String device() {
        return forward.device();
    }

    @Override
    public Backend forward() {
        return forward;
    }

    /**
     * Per (image, input channel) plane, a double plane accumulates for each output channel of the group and each tap
     * the products of that tap's weight with the output gradient, scattered to the input cells the tap read.
     */
    @Override
    public Tensor convBackwardData(Operator.Conv2d op, Tensor dy, Tensor weight, int[] inputShape) {
        ConvProblem pr = problem(op, inputShape, weight.shape(), dy);
        float[] g = dy.data();
        float[] w = weight.data();
        int c = pr.c(), h = pr.h(), wd = pr.w(), k = pr.k(), r = pr.r(), s = pr.s(), p = pr.p(), q = pr.q();
        int cPerGroup = c / pr.groups();
        int kPerGroup = k / pr.groups();
        TapRange rows = new TapRange(r, op.strideH(), op.dilationH(), op.padTop(), h, p);
        TapRange cols = new TapRange(s, op.strideW(), op.dilationW(), op.padLeft(), wd, q);
        Tensor out = Tensor.zeros(inputShape);
        float[] dx = out.data();
        IntStream.range(0, pr.n() * c).parallel().forEach(task -> {
            int n = task / c;
            int channel = task % c;
            int group = channel / cPerGroup;
            int ci = channel % cPerGroup;
            double[] acc = new double[h * wd];
            for (int ko = group * kPerGroup; ko < (group + 1) * kPerGroup; ko++) {
                int dyPlane = (n * k + ko) * p * q;
                for (int ri = 0; ri < r; ri++) {
                    for (int si = 0; si < s; si++) {
                        double wv = w[((ko * cPerGroup + ci) * r + ri) * s + si];
                        for (int pi = rows.first(ri); pi < rows.end(ri); pi++) {
                            int xRow = rows.inputIndex(pi, ri) * wd;
                            for (int qi = cols.first(si); qi < cols.end(si); qi++) {
                                acc[xRow + cols.inputIndex(qi, si)] += wv * g[dyPlane + pi * q + qi];
                            }
                        }
                    }
                }
            }
            round(acc, dx, task * h * wd);
        });
        return out;
    }

    /** Per output channel, each weight is the double sum over images and outputs of input cell x gradient. */
    @Override
    public Tensor convBackwardWeight(Operator.Conv2d op, Tensor x, Tensor dy, int[] weightShape) {
        ConvProblem pr = problem(op, x.shape(), weightShape, dy);
        float[] xs = x.data();
        float[] g = dy.data();
        int c = pr.c(), h = pr.h(), wd = pr.w(), k = pr.k(), r = pr.r(), s = pr.s(), p = pr.p(), q = pr.q();
        int cPerGroup = c / pr.groups();
        int kPerGroup = k / pr.groups();
        TapRange rows = new TapRange(r, op.strideH(), op.dilationH(), op.padTop(), h, p);
        TapRange cols = new TapRange(s, op.strideW(), op.dilationW(), op.padLeft(), wd, q);
        Tensor out = Tensor.zeros(weightShape);
        float[] dw = out.data();
        IntStream.range(0, k).parallel().forEach(ko -> {
            int group = ko / kPerGroup;
            for (int ci = 0; ci < cPerGroup; ci++) {
                for (int ri = 0; ri < r; ri++) {
                    for (int si = 0; si < s; si++) {
                        double sum = 0;
                        for (int n = 0; n < pr.n(); n++) {
                            int xPlane = (n * c + group * cPerGroup + ci) * h * wd;
                            int dyPlane = (n * k + ko) * p * q;
                            for (int pi = rows.first(ri); pi < rows.end(ri); pi++) {
                                int xRow = xPlane + rows.inputIndex(pi, ri) * wd;
                                for (int qi = cols.first(si); qi < cols.end(si); qi++) {
                                    sum += (double) xs[xRow + cols.inputIndex(qi, si)] * g[dyPlane + pi * q + qi];
                                }
                            }
                        }
                        dw[((ko * cPerGroup + ci) * r + ri) * s + si] = (float) sum;
                    }
                }
            }
        });
        return out;
    }

    private static ConvProblem problem(Operator.Conv2d op, int[] inputShape, int[] weightShape, Tensor dy) {
        ConvProblem pr = ConvProblem.of(op, List.of(inputShape, weightShape));
        TrainingShapes.requireShape("conv2d gradient dy", dy, pr.outputShape());
        return pr;
    }

    @Override
    public Tensor biasBackward(Tensor dy) {
        if (dy.rank() < 2) {
            throw new IllegalArgumentException("bias gradient: dy must be [N, C, ...], got " + dy.shapeString());
        }
        int n = dy.dim(0);
        int channels = dy.dim(1);
        int inner = dy.size() / (n * channels);
        float[] g = dy.data();
        Tensor out = Tensor.zeros(channels);
        for (int ch = 0; ch < channels; ch++) {
            double sum = 0;
            for (int i = 0; i < n; i++) {
                int base = (i * channels + ch) * inner;
                for (int j = 0; j < inner; j++) {
                    sum += g[base + j];
                }
            }
            out.data()[ch] = (float) sum;
        }
        return out;
    }

    @Override
    public Tensor poolBackward(Operator.Pool op, Tensor x, Tensor dy) {
        int[] outShape = op.outputShape(List.of(x.shape()));
        TrainingShapes.requireShape(op.name() + " gradient dy", dy, outShape);
        int h = x.dim(2);
        int w = x.dim(3);
        int p = outShape[2];
        int q = outShape[3];
        boolean max = op.kind() == Operator.Pool.Kind.MAX;
        float[] xs = x.data();
        float[] g = dy.data();
        Tensor out = Tensor.zeros(x.shape());
        float[] dx = out.data();
        IntStream.range(0, outShape[0] * outShape[1]).parallel().forEach(plane -> {
            int xBase = plane * h * w;
            double[] acc = new double[h * w];
            for (int pi = 0; pi < p; pi++) {
                int h0 = pi * op.strideH() - op.padTop();
                int rh0 = Math.max(h0, 0);
                int rh1 = Math.min(h0 + op.kernelH(), h);
                for (int qi = 0; qi < q; qi++) {
                    int w0 = qi * op.strideW() - op.padLeft();
                    int rw0 = Math.max(w0, 0);
                    int rw1 = Math.min(w0 + op.kernelW(), w);
                    double grad = g[plane * p * q + pi * q + qi];
                    if (max) {
                        int best = -1;
                        for (int hi = rh0; hi < rh1; hi++) {
                            for (int wi = rw0; wi < rw1; wi++) {
                                if (best < 0 || xs[xBase + hi * w + wi] > xs[xBase + best]) {
                                    best = hi * w + wi;
                                }
                            }
                        }
                        acc[best] += grad;
                    } else {
                        int cells = op.countPad()
                                ? (Math.min(h0 + op.kernelH(), h + op.padBottom()) - h0)
                                        * (Math.min(w0 + op.kernelW(), w + op.padRight()) - w0)
                                : (rh1 - rh0) * (rw1 - rw0);
                        double share = grad / cells;
                        for (int hi = rh0; hi < rh1; hi++) {
                            for (int wi = rw0; wi < rw1; wi++) {
                                acc[hi * w + wi] += share;
                            }
                        }
                    }
                }
            }
            round(acc, dx, xBase);
        });
        return out;
    }

    @Override
    public Tensor reluBackward(Tensor y, Tensor dy) {
        return fromOutput("relu", y, dy, (v, g) -> v > 0 ? g : 0);
    }

    @Override
    public Tensor tanhBackward(Tensor y, Tensor dy) {
        return fromOutput("tanh", y, dy, (v, g) -> g * (1.0 - v * v));
    }

    /** An activation's derivative from its output value v and the output gradient g. */
    private interface OutputDerivative {
        double apply(double v, double g);
    }

    private static Tensor fromOutput(String what, Tensor y, Tensor dy, OutputDerivative f) {
        TrainingShapes.requireShape(what + " gradient dy", dy, y.shape());
        float[] ys = y.data();
        float[] g = dy.data();
        Tensor out = Tensor.zeros(y.shape());
        for (int i = 0; i < ys.length; i++) {
            out.data()[i] = (float) f.apply(ys[i], g[i]);
        }
        return out;
    }

    @Override
    public Tensor fcBackwardData(Tensor dy, Tensor weight, int[] inputShape) {
        int n = inputShape[0];
        TrainingShapes.requireFc(dy, weight, Tensor.sizeOf(inputShape) / n, n);
        int outputs = weight.dim(0);
        int features = weight.dim(1);
        Tensor out = Tensor.zeros(inputShape);
        // dx[row, :] = sum over o of dy[row, o] * weight[o, :]
        sumScaledRows(dy.data(), outputs, 1, outputs, weight.data(), features, out.data(), n);
        return out;
    }

    @Override
    public Tensor fcBackwardWeight(Tensor x, Tensor dy) {
        int n = x.dim(0);
        int features = x.size() / n;
        int outputs = dy.dim(dy.rank() - 1);
        if (dy.rank() != 2 || dy.dim(0) != n) {
            throw new IllegalArgumentException("fc gradient: dy " + dy.shapeString() + " must be [" + n + ", out]");
        }
        Tensor out = Tensor.zeros(outputs, features);
        // dweight[o, :] = sum over rows of dy[row, o] * x[row, :]
        sumScaledRows(dy.data(), 1, outputs, n, x.data(), features, out.data(), outputs);
        return out;
    }

    /**
     * {@code out[i, :] = sum_j g[i * strideI + j * strideJ] * rows[j, :]} for i in [0, count) and j in [0, terms),
     * rows of {@code features} values, summed in double; one task per output row.
     */
    private static void sumScaledRows(float[] g, int strideI, int strideJ, int terms, float[] rows, int features,
            float[] out, int count) {
        IntStream.range(0, count).parallel().forEach(i -> {
            double[] acc = new double[features];
            for (int j = 0; j < terms; j++) {
                double scale = g[i * strideI + j * strideJ];
                int base = j * features;
                for (int f = 0; f < features; f++) {
                    acc[f] += scale * rows[base + f];
                }
            }
            round(acc, out, i * features);
        });
    }

    @Override
    public LossResult softmaxCrossEntropy(Tensor logits, int[] labels) {
        int rows = TrainingShapes.checkLogits(logits, labels);
        int classes = logits.dim(1);
        float[] z = logits.data();
        Tensor gradient = Tensor.zeros(logits.shape());
        float[] grad = gradient.data();
        double total = 0;
        int correct = 0;
        for (int n = 0; n < rows; n++) {
            int base = n * classes;
            int best = 0;
            for (int c = 1; c < classes; c++) {
                if (z[base + c] > z[base + best]) {
                    best = c;
                }
            }
            correct += best == labels[n] ? 1 : 0;
            double max = z[base + best];
            double sum = 0;
            for (int c = 0; c < classes; c++) {
                sum += Math.exp(z[base + c] - max);
            }
            double logSum = Math.log(sum) + max;
            total += logSum - z[base + labels[n]];
            for (int c = 0; c < classes; c++) {
                double probability = Math.exp(z[base + c] - logSum);
                grad[base + c] = (float) ((probability - (c == labels[n] ? 1 : 0)) / rows);
            }
        }
        return new LossResult(total / rows, gradient, correct);
    }

    @Override
    public void sgdStep(Tensor weight, Tensor velocity, Tensor gradient, Tensor mask, SgdSettings settings) {
        TrainingShapes.checkSgd(weight, velocity, gradient, mask);
        float[] w = weight.data();
        float[] v = velocity.data();
        float[] g = gradient.data();
        float[] m = mask == null ? null : mask.data();
        for (int i = 0; i < w.length; i++) {
            if (m != null && m[i] == 0f) {
                continue;
            }
            double vi = settings.momentum() * v[i] + (g[i] + settings.weightDecay() * w[i]);
            v[i] = (float) vi;
            w[i] = (float) (w[i] - settings.learningRate() * vi);
        }
    }

    private static void round(double[] acc, float[] target, int offset) {
        for (int i = 0; i < acc.length; i++) {
            target[offset + i] = (float) acc[i];
        }
    }

    @Override
    public void close() {
        // nothing to release
    }
}
