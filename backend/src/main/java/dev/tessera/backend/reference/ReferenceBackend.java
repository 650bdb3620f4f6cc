package dev.tessera.backend.reference;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.DoubleUnaryOperator;
import java.util.stream.IntStream;

import dev.tessera.backend.Backend;
import dev.tessera.backend.ConvProblem;
import dev.tessera.backend.OpResult;
import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;

/**
 * The accuracy oracle: every operator in plain Java, every sum accumulated in {@code double} and each result rounded
 * to float once, at the end. Other backends are judged against it.
 *
 * <p>Conventions, as the {@link Operator} records and {@code networks.md} state them:
 * <ul>
 *   <li>conv2d is cross-correlation (the kernel is not flipped); padding is zeros; input channel {@code c} of group
 *       {@code g} is {@code g * C/groups + c}, and output channel {@code k} belongs to group {@code k / (K/groups)}.
 *   <li>Max pooling ignores padded cells. Average pooling divides by the number of real (unpadded) cells in the window,
 *       or, with {@code countPad}, by the number of cells the window covers inside the padded input (ONNX's
 *       {@code count_include_pad}); cells beyond the padded input never count. With the floor output-size formula no
 *       window reaches beyond the padded input, so with {@code countPad} the divisor is always kernelH * kernelW.
 *   <li>LRN sums squares over channels {@code max(0, c - size/2) .. min(C - 1, c + size/2)} and scales the sum by
 *       {@link Operator.Lrn#effectiveAlpha()}.
 *   <li>Softmax subtracts the row maximum before exponentiating, so large inputs do not overflow.
 * </ul>
 *
 * <p>It is stateless and thread-safe. Work is spread over the common fork-join pool by (image, channel) plane.
 */
public final class ReferenceBackend implements Backend {
    /** The algorithm reported for every operator except conv2d. */
    public static final String ALGORITHM = "reference";
    /** The algorithm reported for conv2d. */
    public static final String CONV_ALGORITHM = "reference-direct";
    /** Where it runs, as {@link OpResult#ranOn()} says it. */
    public static final String RAN_ON = "reference-java";

    @Override
    public String name() {
        return "reference";
    }

    @Override
    public String device() {
        return "java (double accumulation)";
    }

    @Override
    public OpResult run(Operator op, List<Tensor> inputs) {
        Objects.requireNonNull(op, "op");
        long start = System.nanoTime();
        List<int[]> shapes = new ArrayList<>(inputs.size());
        for (Tensor t : inputs) {
            shapes.add(Objects.requireNonNull(t, () -> op.name() + ": an input tensor is null").shape());
        }
        int[] outShape = op.outputShape(shapes);
        Tensor output = compute(op, inputs, shapes, outShape);
        double wallMs = (System.nanoTime() - start) / 1e6;
        String algorithm = op instanceof Operator.Conv2d ? CONV_ALGORITHM : ALGORITHM;
        return new OpResult(output, algorithm, Double.NaN, wallMs, RAN_ON, "");
    }

    @Override
    public void close() {
        // nothing to release
    }

    private static Tensor compute(Operator op, List<Tensor> in, List<int[]> shapes, int[] outShape) {
        Tensor x = in.get(0);
        if (op instanceof Operator.Conv2d) {
            return conv2d(ConvProblem.of((Operator.Conv2d) op, shapes), in);
        } else if (op instanceof Operator.Pool) {
            return pool((Operator.Pool) op, x, outShape);
        } else if (op instanceof Operator.GlobalAvgPool) {
            return globalAvgPool(x);
        } else if (op instanceof Operator.Lrn) {
            return lrn((Operator.Lrn) op, x);
        } else if (op instanceof Operator.Relu) {
            return map(x, v -> Math.max(v, 0.0));
        } else if (op instanceof Operator.Tanh) {
            return map(x, Math::tanh);
        } else if (op instanceof Operator.BiasAdd) {
            float[] bias = in.get(1).data();
            return perChannel(x, (c, v) -> v + bias[c]);
        } else if (op instanceof Operator.Add) {
            return add(x, in.get(1), ((Operator.Add) op).relu());
        } else if (op instanceof Operator.FullyConnected) {
            return fullyConnected((Operator.FullyConnected) op, in, outShape);
        } else if (op instanceof Operator.Softmax) {
            return softmax(x);
        } else if (op instanceof Operator.BatchNorm) {
            return batchNorm((Operator.BatchNorm) op, in);
        } else if (op instanceof Operator.Flatten) {
            return new Tensor(x.data().clone(), outShape);
        } else if (op instanceof Operator.Concat) {
            return concat(in, outShape);
        } else if (op instanceof Operator.Activation a) {
            return map(x, a::apply);
        } else if (op instanceof Operator.Pad pad) {
            return pad(pad, x, outShape);
        } else if (op instanceof Operator.AxisSoftmax softmax) {
            return axisSoftmax(softmax, x);
        }
        throw new IllegalArgumentException(op.name() + ": not supported by the reference backend");
    }

    // ---------------------------------------------------------------------------------------------- convolution

    /**
     * For each (image, output channel) one double plane accumulates, for each input channel of the group and each
     * kernel tap, a sweep over the output rows and the columns whose input cell is inside the image; padded cells
     * contribute nothing, so they are simply skipped.
     */
    private static Tensor conv2d(ConvProblem pr, List<Tensor> in) {
        Operator.Conv2d op = pr.conv();
        float[] x = in.get(0).data();
        float[] w = in.get(1).data();
        float[] bias = pr.bias() ? in.get(2).data() : null;
        int c = pr.c(), h = pr.h(), wd = pr.w(), k = pr.k(), r = pr.r(), s = pr.s(), p = pr.p(), q = pr.q();
        int cPerGroup = c / pr.groups();
        int kPerGroup = k / pr.groups();
        TapRange rows = new TapRange(r, op.strideH(), op.dilationH(), op.padTop(), h, p);
        TapRange cols = new TapRange(s, op.strideW(), op.dilationW(), op.padLeft(), wd, q);
        Tensor out = Tensor.zeros(pr.outputShape());
        float[] y = out.data();
        int plane = p * q;
        IntStream.range(0, pr.n() * k).parallel().forEach(task -> {
            int n = task / k;
            int ko = task % k;
            int group = ko / kPerGroup;
            double[] acc = new double[plane];
            if (bias != null) {
                Arrays.fill(acc, bias[ko]);
            }
            for (int ci = 0; ci < cPerGroup; ci++) {
                int xPlane = (n * c + group * cPerGroup + ci) * h * wd;
                for (int ri = 0; ri < r; ri++) {
                    for (int si = 0; si < s; si++) {
                        double wv = w[((ko * cPerGroup + ci) * r + ri) * s + si];
                        int q0 = cols.first(si);
                        int length = cols.end(si) - q0;
                        int xCol = cols.inputIndex(q0, si);
                        for (int pi = rows.first(ri); pi < rows.end(ri); pi++) {
                            int xRow = xPlane + rows.inputIndex(pi, ri) * wd;
                            multiplyAdd(acc, pi * q + q0, wv, x, xRow + xCol, op.strideW(), length);
                        }
                    }
                }
            }
            int yPlane = task * plane;
            for (int i = 0; i < plane; i++) {
                y[yPlane + i] = (float) (op.relu() ? Math.max(acc[i], 0.0) : acc[i]);
            }
        });
        return out;
    }

    /** {@code acc[a + i] += w * x[b + i * stride]} for i in [0, length); the unit-stride loop vectorises. */
    private static void multiplyAdd(double[] acc, int a, double w, float[] x, int b, int stride, int length) {
        if (stride == 1) {
            for (int i = 0; i < length; i++) {
                acc[a + i] += w * x[b + i];
            }
        } else {
            for (int i = 0; i < length; i++) {
                acc[a + i] += w * x[b + i * stride];
            }
        }
    }

    // ------------------------------------------------------------------------------------------------- pooling

    private static Tensor pool(Operator.Pool op, Tensor x, int[] outShape) {
        int h = x.dim(2);
        int w = x.dim(3);
        int p = outShape[2];
        int q = outShape[3];
        boolean max = op.kind() == Operator.Pool.Kind.MAX;
        float[] xs = x.data();
        Tensor out = Tensor.zeros(outShape);
        float[] y = out.data();
        IntStream.range(0, outShape[0] * outShape[1]).parallel().forEach(plane -> {
            int xBase = plane * h * w;
            int yBase = plane * p * q;
            for (int pi = 0; pi < p; pi++) {
                int h0 = pi * op.strideH() - op.padTop();
                int h1 = h0 + op.kernelH();
                int rh0 = Math.max(h0, 0);
                int rh1 = Math.min(h1, h);
                for (int qi = 0; qi < q; qi++) {
                    int w0 = qi * op.strideW() - op.padLeft();
                    int w1 = w0 + op.kernelW();
                    int rw0 = Math.max(w0, 0);
                    int rw1 = Math.min(w1, w);
                    double result = max ? Double.NEGATIVE_INFINITY : 0.0;
                    for (int hi = rh0; hi < rh1; hi++) {
                        for (int wi = rw0; wi < rw1; wi++) {
                            double v = xs[xBase + hi * w + wi];
                            result = max ? Math.max(result, v) : result + v;
                        }
                    }
                    if (!max) {
                        int cells = op.countPad()
                                ? (Math.min(h1, h + op.padBottom()) - h0) * (Math.min(w1, w + op.padRight()) - w0)
                                : (rh1 - rh0) * (rw1 - rw0);
                        result /= cells;
                    }
                    y[yBase + pi * q + qi] = (float) result;
                }
            }
        });
        return out;
    }

    private static Tensor globalAvgPool(Tensor x) {
        int plane = x.dim(2) * x.dim(3);
        float[] xs = x.data();
        Tensor out = Tensor.zeros(x.dim(0), x.dim(1), 1, 1);
        float[] y = out.data();
        IntStream.range(0, y.length).parallel().forEach(i -> {
            double sum = 0;
            for (int j = i * plane; j < (i + 1) * plane; j++) {
                sum += xs[j];
            }
            y[i] = (float) (sum / plane);
        });
        return out;
    }

    // ----------------------------------------------------------------------------------------- normalisations

    private static Tensor lrn(Operator.Lrn op, Tensor x) {
        int channels = x.dim(1);
        int plane = x.dim(2) * x.dim(3);
        int half = op.size() / 2;
        double alpha = op.effectiveAlpha();
        float[] xs = x.data();
        Tensor out = Tensor.zeros(x.shape());
        float[] y = out.data();
        IntStream.range(0, x.dim(0) * channels).parallel().forEach(task -> {
            int n = task / channels;
            int c = task % channels;
            double[] squares = new double[plane];
            for (int j = Math.max(0, c - half); j <= Math.min(channels - 1, c + half); j++) {
                int base = (n * channels + j) * plane;
                for (int i = 0; i < plane; i++) {
                    double v = xs[base + i];
                    squares[i] += v * v;
                }
            }
            int base = task * plane;
            for (int i = 0; i < plane; i++) {
                y[base + i] = (float) (xs[base + i] / Math.pow(op.k() + alpha * squares[i], op.beta()));
            }
        });
        return out;
    }

    private static Tensor batchNorm(Operator.BatchNorm op, List<Tensor> in) {
        float[] gamma = in.get(1).data();
        float[] beta = in.get(2).data();
        float[] mean = in.get(3).data();
        float[] var = in.get(4).data();
        return perChannel(in.get(0),
                (c, v) -> (double) gamma[c] * (v - mean[c]) / Math.sqrt(var[c] + op.epsilon()) + beta[c]);
    }

    private static Tensor softmax(Tensor x) {
        int rows = x.dim(0);
        int cols = x.dim(1);
        float[] xs = x.data();
        Tensor out = Tensor.zeros(x.shape());
        float[] y = out.data();
        for (int n = 0; n < rows; n++) {
            int base = n * cols;
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < cols; c++) {
                max = Math.max(max, xs[base + c]);
            }
            double[] e = new double[cols];
            double sum = 0;
            for (int c = 0; c < cols; c++) {
                e[c] = Math.exp(xs[base + c] - max);
                sum += e[c];
            }
            for (int c = 0; c < cols; c++) {
                y[base + c] = (float) (e[c] / sum);
            }
        }
        return out;
    }

    // --------------------------------------------------------------------------------------- dense and element-wise

    private static Tensor fullyConnected(Operator.FullyConnected op, List<Tensor> in, int[] outShape) {
        float[] x = in.get(0).data();
        float[] w = in.get(1).data();
        float[] bias = in.size() == 3 ? in.get(2).data() : null;
        int outputs = outShape[1];
        int features = in.get(1).dim(1);
        Tensor out = Tensor.zeros(outShape);
        float[] y = out.data();
        IntStream.range(0, y.length).parallel().forEach(i -> {
            int xBase = (i / outputs) * features;
            int o = i % outputs;
            int wBase = o * features;
            double sum = bias == null ? 0.0 : bias[o];
            for (int f = 0; f < features; f++) {
                sum += (double) x[xBase + f] * w[wBase + f];
            }
            y[i] = (float) (op.relu() ? Math.max(sum, 0.0) : sum);
        });
        return out;
    }

    private static Tensor add(Tensor a, Tensor b, boolean relu) {
        float[] as = a.data();
        float[] bs = b.data();
        Tensor out = Tensor.zeros(a.shape());
        float[] y = out.data();
        for (int i = 0; i < y.length; i++) {
            double sum = (double) as[i] + bs[i];
            y[i] = (float) (relu ? Math.max(sum, 0.0) : sum);
        }
        return out;
    }

    private static Tensor map(Tensor x, DoubleUnaryOperator f) {
        float[] xs = x.data();
        Tensor out = Tensor.zeros(x.shape());
        float[] y = out.data();
        for (int i = 0; i < y.length; i++) {
            y[i] = (float) f.applyAsDouble(xs[i]);
        }
        return out;
    }

    /** A function of an element's channel and value. */
    private interface ChannelFunction {
        double apply(int channel, double value);
    }

    /** Applies {@code f} to every element of x [N, C, ...], knowing its channel. */
    private static Tensor perChannel(Tensor x, ChannelFunction f) {
        int channels = x.dim(1);
        int inner = x.size() / (x.dim(0) * channels);
        float[] xs = x.data();
        Tensor out = Tensor.zeros(x.shape());
        float[] y = out.data();
        for (int i = 0; i < y.length; i++) {
            y[i] = (float) f.apply((i / inner) % channels, xs[i]);
        }
        return out;
    }

    /** Copies each input's channels, image by image, into the output after the channels of the inputs before it. */
    private static Tensor concat(List<Tensor> in, int[] outShape) {
        Tensor out = Tensor.zeros(outShape);
        int images = outShape[0];
        int outBlock = out.size() / images;
        int offset = 0;
        for (Tensor t : in) {
            int block = t.size() / images;
            for (int n = 0; n < images; n++) {
                System.arraycopy(t.data(), n * block, out.data(), n * outBlock + offset, block);
            }
            offset += block;
        }
        return out;
    }

    /** Every output cell copies the input cell {@link Operator.Pad#source} names on both axes, or the constant. */
    private static Tensor pad(Operator.Pad op, Tensor x, int[] outShape) {
        int h = x.dim(2);
        int w = x.dim(3);
        int p = outShape[2];
        int q = outShape[3];
        float[] xs = x.data();
        Tensor out = Tensor.zeros(outShape);
        float[] y = out.data();
        float value = (float) op.value();
        for (int plane = 0; plane < outShape[0] * outShape[1]; plane++) {
            for (int pi = 0; pi < p; pi++) {
                int hi = Operator.Pad.source(op.mode(), pi, op.top(), h);
                for (int qi = 0; qi < q; qi++) {
                    int wi = Operator.Pad.source(op.mode(), qi, op.left(), w);
                    y[(plane * p + pi) * q + qi] = hi < 0 || wi < 0 ? value : xs[(plane * h + hi) * w + wi];
                }
            }
        }
        return out;
    }

    /** Each line of span values, inner apart, normalised as {@link #softmax} normalises a row (NaN in: NaN out). */
    private static Tensor axisSoftmax(Operator.AxisSoftmax op, Tensor x) {
        int[] lines = op.lines(x.shape());
        int span = lines[1];
        int inner = lines[2];
        float[] xs = x.data();
        Tensor out = Tensor.zeros(x.shape());
        float[] y = out.data();
        IntStream.range(0, lines[0] * inner).parallel().forEach(line -> {
            int base = (line / inner) * span * inner + line % inner;
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < span; k++) {
                max = Math.max(max, xs[base + k * inner]);
            }
            double[] e = new double[span];
            double sum = 0;
            for (int k = 0; k < span; k++) {
                e[k] = Math.exp(xs[base + k * inner] - max);
                sum += e[k];
            }
            for (int k = 0; k < span; k++) {
                y[base + k * inner] = (float) (e[k] / sum);
            }
        });
        return out;
    }
}
