package dev.tessera.backend;

import java.util.List;

/**
 * The operators every backend implements, as plain descriptions. A backend runs one with
 * {@link Backend#run(Operator, List)}; the inputs each operator takes are listed on its record. {@link #outputShape}
 * validates the input shapes and throws {@link IllegalArgumentException} with a message a user can act on.
 */
public sealed interface Operator {
    /** Short name, as on the command line: conv2d, maxpool, avgpool, ... */
    String name();

    /** The output shape for these input shapes; throws IllegalArgumentException when they do not fit. */
    int[] outputShape(List<int[]> inputShapes);

    /** Multiply-accumulates (or comparable element operations) for these input shapes, for GFLOP/s figures. */
    long macs(List<int[]> inputShapes);

    /**
     * 2-D convolution (cross-correlation). Inputs: x [N, C, H, W], weight [K, C/groups, R, S], optional bias [K].
     * Output [N, K, P, Q].
     */
    record Conv2d(int strideH, int strideW, int padTop, int padBottom, int padLeft, int padRight, int dilationH,
            int dilationW, int groups, boolean relu) implements Operator {
        public Conv2d {
            if (groups < 1) {
                throw new IllegalArgumentException("conv2d: groups must be at least 1: " + groups);
            }
        }

        /** Square stride and symmetric padding, no dilation, one group, no ReLU. */
        public static Conv2d of(int stride, int pad) {
            return new Conv2d(stride, stride, pad, pad, pad, pad, 1, 1, 1, false);
        }

        public Conv2d withRelu(boolean fused) {
            return new Conv2d(strideH, strideW, padTop, padBottom, padLeft, padRight, dilationH, dilationW, groups,
                    fused);
        }

        public Conv2d withGroups(int g) {
            return new Conv2d(strideH, strideW, padTop, padBottom, padLeft, padRight, dilationH, dilationW, g, relu);
        }

        public Conv2d withDilation(int dh, int dw) {
            return new Conv2d(strideH, strideW, padTop, padBottom, padLeft, padRight, dh, dw, groups, relu);
        }

        @Override
        public String name() {
            return "conv2d";
        }

        @Override
        public int[] outputShape(List<int[]> in) {
            return ConvProblem.of(this, in).outputShape();
        }

        @Override
        public long macs(List<int[]> in) {
            return ConvProblem.of(this, in).macs();
        }
    }

    /**
     * Max or average pooling per channel. Input [N, C, H, W], output [N, C, P, Q]. Padding must be smaller than the
     * window on each side, so that every window holds at least one real cell. Max pooling ignores padded cells; average
     * pooling divides by the number of real cells in the window, or, when {@code countPad}, by the number of cells of
     * the padded input it covers (ONNX's {@code count_include_pad}).
     */
    record Pool(Kind kind, int kernelH, int kernelW, int strideH, int strideW, int padTop, int padBottom, int padLeft,
            int padRight, boolean countPad) implements Operator {
        public enum Kind { MAX, AVG }

        /** Square window, square stride, symmetric padding; average pooling excludes padded cells from the divisor. */
        public static Pool of(Kind kind, int kernel, int stride, int pad) {
            return new Pool(kind, kernel, kernel, stride, stride, pad, pad, pad, pad, false);
        }

        @Override
        public String name() {
            return kind == Kind.MAX ? "maxpool" : "avgpool";
        }

        @Override
        public int[] outputShape(List<int[]> in) {
            int[] x = Shapes.single(name(), in, 4);
            if (kernelH < 1 || kernelW < 1) {
                throw new IllegalArgumentException(name() + ": kernel " + kernelH + "x" + kernelW
                        + " must be at least 1x1");
            }
            if (Math.max(padTop, padBottom) >= kernelH || Math.max(padLeft, padRight) >= kernelW) {
                throw new IllegalArgumentException(name() + ": padding " + padTop + "," + padBottom + "," + padLeft
                        + "," + padRight + " (top, bottom, left, right) must be smaller than the " + kernelH + "x"
                        + kernelW + " window");
            }
            return new int[] {x[0], x[1],
                    WindowGeometry.outputSize(name() + " height", x[2], kernelH, padTop, padBottom, strideH, 1),
                    WindowGeometry.outputSize(name() + " width", x[3], kernelW, padLeft, padRight, strideW, 1)};
        }

        @Override
        public long macs(List<int[]> in) {
            return Shapes.size(outputShape(in)) * kernelH * kernelW;
        }
    }

    /** Average over each channel's whole plane. Input [N, C, H, W], output [N, C, 1, 1]. */
    record GlobalAvgPool() implements Operator {
        @Override
        public String name() {
            return "globalavgpool";
        }

        @Override
        public int[] outputShape(List<int[]> in) {
            int[] x = Shapes.single(name(), in, 4);
            return new int[] {x[0], x[1], 1, 1};
        }

        @Override
        public long macs(List<int[]> in) {
            return Shapes.size(in.get(0));
        }
    }

    /**
     * Local response normalisation across channels: {@code b[c] = a[c] / (k + alpha' * sum a[j]^2)^beta} over
     * {@code j in [max(0, c - size/2), min(C-1, c + size/2)]}, where {@code alpha' = alpha} (the AlexNet paper's
     * formula, the default) or {@code alpha / size} when {@code alphaOverSize} (Caffe's and PyTorch's convention).
     * Input and output [N, C, H, W].
     */
    record Lrn(int size, double alpha, double beta, double k, boolean alphaOverSize) implements Operator {
        /** AlexNet's values: n=5, alpha=1e-4, beta=0.75, k=2, paper convention. */
        public static Lrn alexNet() {
            return new Lrn(5, 1e-4, 0.75, 2.0, false);
        }

        /** The coefficient that multiplies the sum of squares. */
        public double effectiveAlpha() {
            return alphaOverSize ? alpha / size : alpha;
        }

        @Override
        public String name() {
            return "lrn";
        }

        @Override
        public int[] outputShape(List<int[]> in) {
            if (size < 1) {
                throw new IllegalArgumentException("lrn: size must be at least 1: " + size);
            }
            Shapes.requireFinite(name(), "alpha", alpha);
            Shapes.requireFinite(name(), "beta", beta);
            Shapes.requireFinite(name(), "k", k);
            return Shapes.single(name(), in, 4).clone();
        }

        @Override
        public long macs(List<int[]> in) {
            return Shapes.size(in.get(0)) * size;
        }
    }

    /** max(x, 0), any shape. */
    record Relu() implements Operator {
        @Override
        public String name() {
            return "relu";
        }

        @Override
        public int[] outputShape(List<int[]> in) {
            return Shapes.single(name(), in, -1).clone();
        }

        @Override
        public long macs(List<int[]> in) {
            return Shapes.size(in.get(0));
        }
    }

    /** tanh(x), any shape. */
    record Tanh() implements Operator {
        @Override
        public String name() {
            return "tanh";
        }

        @Override
        public int[] outputShape(List<int[]> in) {
            return Shapes.single(name(), in, -1).clone();
        }

        @Override
        public long macs(List<int[]> in) {
            return Shapes.size(in.get(0));
        }
    }

    /** Adds bias[c] to every element of channel c. Inputs: x [N, C, ...], bias [C]. */
    record BiasAdd() implements Operator {
        @Override
        public String name() {
            return "biasadd";
        }

        @Override
        public int[] outputShape(List<int[]> in) {
            Shapes.count(name(), in, 2, 2);
            int[] x = in.get(0);
            if (x.length < 2 || in.get(1).length != 1 || in.get(1)[0] != x[1]) {
                throw new IllegalArgumentException("biasadd: bias " + Tensor.shapeString(in.get(1))
                        + " must have one value per channel of " + Tensor.shapeString(x));
            }
            return x.clone();
        }

        @Override
        public long macs(List<int[]> in) {
            return Shapes.size(in.get(0));
        }
    }

    /** Element-wise a + b (the residual add), optionally followed by ReLU. Inputs of the same shape. */
    record Add(boolean relu) implements Operator {
        @Override
        public String name() {
            return "add";
        }

        @Override
        public int[] outputShape(List<int[]> in) {
            Shapes.count(name(), in, 2, 2);
            if (!java.util.Arrays.equals(in.get(0), in.get(1))) {
                throw new IllegalArgumentException("add: shapes " + Tensor.shapeString(in.get(0)) + " and "
                        + Tensor.shapeString(in.get(1)) + " differ");
            }
            return in.get(0).clone();
        }

        @Override
        public long macs(List<int[]> in) {
            return Shapes.size(in.get(0));
        }
    }

    /**
     * Fully connected: y = x W^T + b, optionally ReLU. Inputs: x [N, in] (or [N, C, H, W], flattened), weight
     * [out, in], optional bias [out]. Output [N, out].
     */
    record FullyConnected(boolean relu) implements Operator {
        @Override
        public String name() {
            return "fc";
        }

        @Override
        public int[] outputShape(List<int[]> in) {
            Shapes.count(name(), in, 2, 3);
            int[] x = in.get(0);
            int[] w = in.get(1);
            if (x.length < 2) {
                throw new IllegalArgumentException("fc: input must be [N, in] or [N, C, H, W], got "
                        + Tensor.shapeString(x));
            }
            long features = Shapes.size(x) / x[0];
            if (w.length != 2 || w[1] != features) {
                throw new IllegalArgumentException("fc: weight " + Tensor.shapeString(w) + " must be [out, " + features
                        + "] for input " + Tensor.shapeString(x));
            }
            if (in.size() == 3 && (in.get(2).length != 1 || in.get(2)[0] != w[0])) {
                throw new IllegalArgumentException("fc: bias " + Tensor.shapeString(in.get(2)) + " must be [" + w[0]
                        + "]");
            }
            return new int[] {x[0], w[0]};
        }

        @Override
        public long macs(List<int[]> in) {
            return Shapes.size(in.get(0)) * in.get(1)[0];
        }
    }

    /** Softmax over the channel axis (axis 1) of [N, C] or [N, C, 1, 1]; same shape out. */
    record Softmax() implements Operator {
        @Override
        public String name() {
            return "softmax";
        }

        @Override
        public int[] outputShape(List<int[]> in) {
            int[] x = Shapes.single(name(), in, -1);
            if (x.length < 2 || Shapes.size(x) != (long) x[0] * x[1]) {
                throw new IllegalArgumentException("softmax: input " + Tensor.shapeString(x)
                        + " must be [N, C] or [N, C, 1, 1]");
            }
            return x.clone();
        }

        @Override
        public long macs(List<int[]> in) {
            return Shapes.size(in.get(0));
        }
    }

    /**
     * Batch normalisation in inference form: y = gamma (x - mean) / sqrt(var + epsilon) + beta per channel. Inputs:
     * x [N, C, H, W], gamma, beta, mean, var [C].
     */
    record BatchNorm(double epsilon) implements Operator {
        @Override
        public String name() {
            return "batchnorm";
        }

        @Override
        public int[] outputShape(List<int[]> in) {
            Shapes.count(name(), in, 5, 5);
            Shapes.requireFinite(name(), "epsilon", epsilon);
            int[] x = in.get(0);
            if (x.length < 2) {
                throw new IllegalArgumentException("batchnorm: input must be [N, C, ...], got "
                        + Tensor.shapeString(x));
            }
            String[] names = {"x", "gamma", "beta", "mean", "var"};
            for (int i = 1; i < 5; i++) {
                if (in.get(i).length != 1 || in.get(i)[0] != x[1]) {
                    throw new IllegalArgumentException("batchnorm: " + names[i] + " " + Tensor.shapeString(in.get(i))
                            + " must have one value per channel of " + Tensor.shapeString(x));
                }
            }
            return x.clone();
        }

        @Override
        public long macs(List<int[]> in) {
            return Shapes.size(in.get(0));
        }
    }

    /**
     * Concatenation along the channel axis: inputs [N, C_i, ...] (two or more, the same rank and the same dimensions
     * except C_i), output [N, sum of C_i, ...] holding the inputs' channels in input order (an Inception or DenseNet
     * branch join; ONNX's Concat with axis 1).
     */
    record Concat() implements Operator {
        @Override
        public String name() {
            return "concat";
        }

        @Override
        public int[] outputShape(List<int[]> in) {
            if (in.size() < 2) {
                throw new IllegalArgumentException("concat takes at least 2 inputs, got " + in.size());
            }
            int[] first = in.get(0);
            if (first.length < 2) {
                throw new IllegalArgumentException("concat: inputs must be [N, C, ...], got "
                        + Tensor.shapeString(first));
            }
            int[] out = first.clone();
            out[1] = 0;
            for (int[] x : in) {
                boolean fits = x.length == first.length;
                for (int d = 0; fits && d < x.length; d++) {
                    fits = d == 1 || x[d] == first[d];
                }
                if (!fits) {
                    throw new IllegalArgumentException("concat: input " + Tensor.shapeString(x) + " differs from "
                            + Tensor.shapeString(first) + " in a dimension other than the channels (1)");
                }
                out[1] = Math.addExact(out[1], x[1]);
            }
            Shapes.size(out);
            return out;
        }

        @Override
        public long macs(List<int[]> in) {
            return Shapes.size(outputShape(in));
        }
    }

    /** [N, ...] to [N, product of the rest]. */
    record Flatten() implements Operator {
        @Override
        public String name() {
            return "flatten";
        }

        @Override
        public int[] outputShape(List<int[]> in) {
            int[] x = Shapes.single(name(), in, -1);
            if (x.length < 1) {
                throw new IllegalArgumentException("flatten: input must have at least one dimension");
            }
            return new int[] {x[0], (int) (Shapes.size(x) / x[0])};
        }

        @Override
        public long macs(List<int[]> in) {
            return 0;
        }
    }

    /**
     * A parametrised element-wise activation, any shape, same shape out. {@code a} and {@code b} are the function's
     * parameters (ONNX's attribute names in brackets):
     * <ul>
     *   <li>CLIP: {@code min(max(x, a), b)} (min, max; ReLU6 is a = 0, b = 6);
     *   <li>LEAKY_RELU: {@code x < 0 ? a x : x} (alpha);
     *   <li>SIGMOID: {@code 1 / (1 + exp(-x))};
     *   <li>HARD_SIGMOID: {@code max(0, min(1, a x + b))} (alpha, beta);
     *   <li>HARD_SWISH: {@code x max(0, min(1, x / 6 + 1/2))}.
     * </ul>
     * A NaN input gives NaN in every function (a clamp never turns NaN into a bound).
     */
    record Activation(Function function, double a, double b) implements Operator {
        /** The functions; {@link #onnxName()} is the ONNX operator each one is. */
        public enum Function {
            CLIP("Clip"), LEAKY_RELU("LeakyRelu"), SIGMOID("Sigmoid"), HARD_SIGMOID("HardSigmoid"),
            HARD_SWISH("HardSwish");

            private final String onnxName;

            Function(String onnxName) {
                this.onnxName = onnxName;
            }

            public String onnxName() {
                return onnxName;
            }
        }

        public Activation {
            java.util.Objects.requireNonNull(function, "function");
            if (function == Function.CLIP && !(a <= b)) {
                throw new IllegalArgumentException("clip: min " + a + " must not exceed max " + b);
            }
        }

        /** min(max(x, lo), hi). */
        public static Activation clip(double lo, double hi) {
            return new Activation(Function.CLIP, lo, hi);
        }

        /** x < 0 ? alpha x : x. */
        public static Activation leakyRelu(double alpha) {
            return new Activation(Function.LEAKY_RELU, alpha, 0);
        }

        public static Activation sigmoid() {
            return new Activation(Function.SIGMOID, 0, 0);
        }

        /** max(0, min(1, alpha x + beta)). */
        public static Activation hardSigmoid(double alpha, double beta) {
            return new Activation(Function.HARD_SIGMOID, alpha, beta);
        }

        public static Activation hardSwish() {
            return new Activation(Function.HARD_SWISH, 1.0 / 6, 0.5);
        }

        /** The function in double, NaN in NaN out: the reference's definition. */
        public double apply(double x) {
            switch (function) {
                case CLIP:
                    return x < a ? a : x > b ? b : x;
                case LEAKY_RELU:
                    return x < 0 ? a * x : x;
                case SIGMOID:
                    return 1.0 / (1.0 + Math.exp(-x));
                case HARD_SIGMOID:
                    return unitClamp(a * x + b);
                default:
                    return x * unitClamp(x / 6 + 0.5);
            }
        }

        private static double unitClamp(double v) {
            return v < 0 ? 0 : v > 1 ? 1 : v;
        }

        @Override
        public String name() {
            return function.name().toLowerCase(java.util.Locale.ROOT).replace("_", "");
        }

        @Override
        public int[] outputShape(List<int[]> in) {
            return Shapes.single(name(), in, -1).clone();
        }

        @Override
        public long macs(List<int[]> in) {
            return Shapes.size(in.get(0));
        }
    }

    /**
     * Padding of the two spatial axes of x [N, C, H, W]: output [N, C, top + H + bottom, left + W + right]. CONSTANT
     * fills with {@code value}; REFLECT mirrors about the edge without repeating it (each pad below the extent); EDGE
     * repeats the edge cell.
     */
    record Pad(Mode mode, int top, int bottom, int left, int right, double value) implements Operator {
        public enum Mode { CONSTANT, REFLECT, EDGE }

        public Pad {
            java.util.Objects.requireNonNull(mode, "mode");
            if (Math.min(Math.min(top, bottom), Math.min(left, right)) < 0) {
                throw new IllegalArgumentException("pad: negative padding (cropping) is not supported: " + top + ","
                        + bottom + "," + left + "," + right);
            }
        }

        @Override
        public String name() {
            return "pad";
        }

        @Override
        public int[] outputShape(List<int[]> in) {
            int[] x = Shapes.single(name(), in, 4);
            if (mode == Mode.REFLECT && (Math.max(top, bottom) >= x[2] || Math.max(left, right) >= x[3])) {
                throw new IllegalArgumentException("pad: reflect padding " + top + "," + bottom + "," + left + ","
                        + right + " must be smaller than the " + x[2] + "x" + x[3] + " plane");
            }
            int[] out = {x[0], x[1], Math.addExact(x[2], top + bottom), Math.addExact(x[3], left + right)};
            Shapes.size(out);
            return out;
        }

        @Override
        public long macs(List<int[]> in) {
            return 0;
        }

        /** The input coordinate that output coordinate {@code o} copies, or -1 for the constant. */
        public static int source(Mode mode, int o, int before, int extent) {
            int i = o - before;
            if (i >= 0 && i < extent) {
                return i;
            }
            switch (mode) {
                case REFLECT:
                    return i < 0 ? -i : 2 * (extent - 1) - i;
                case EDGE:
                    return i < 0 ? 0 : extent - 1;
                default:
                    return -1;
            }
        }
    }

    /**
     * Softmax over {@code count} consecutive axes from {@code axis} on, taken together (ONNX's Softmax: one axis from
     * opset 13 on, all axes from {@code axis} to the last before), of an input of any rank with at least one axis
     * before {@code axis} (the batch); same shape out. With the input as [outer, span, inner] (span = the product of
     * those axes), each of the outer x inner lines of span values is normalised. {@link Softmax} is the case
     * [N, C] / [N, C, 1, 1].
     */
    record AxisSoftmax(int axis, int count) implements Operator {
        public AxisSoftmax {
            if (axis < 1 || count < 1) {
                throw new IllegalArgumentException("axissoftmax: axis must be at least 1 (not the batch) and count at"
                        + " least 1, got axis " + axis + " count " + count);
            }
        }

        /** [outer, span, inner] of {@code x}. */
        public int[] lines(int[] x) {
            long outer = 1;
            long span = 1;
            long inner = 1;
            for (int d = 0; d < x.length; d++) {
                if (d < axis) {
                    outer *= x[d];
                } else if (d < axis + count) {
                    span *= x[d];
                } else {
                    inner *= x[d];
                }
            }
            return new int[] {Math.toIntExact(outer), Math.toIntExact(span), Math.toIntExact(inner)};
        }

        @Override
        public String name() {
            return "axissoftmax";
        }

        @Override
        public int[] outputShape(List<int[]> in) {
            int[] x = Shapes.single(name(), in, -1);
            if (axis + count > x.length) {
                throw new IllegalArgumentException("axissoftmax: axes " + axis + " to " + (axis + count - 1)
                        + " do not exist in " + Tensor.shapeString(x));
            }
            return x.clone();
        }

        @Override
        public long macs(List<int[]> in) {
            return Shapes.size(in.get(0));
        }
    }
}
