package dev.tessera.backend;

import java.util.List;

/**
 * One convolution's shapes and parameters, as solvers see it: input [n, c, h, w], weights [k, c/groups, r, s], output
 * [n, k, p, q]. Its {@link #key()} names it in messages; {@link #tuningKey()} identifies it in the tuning database.
 */
public record ConvProblem(int n, int c, int h, int w, int k, int r, int s, Operator.Conv2d conv, boolean bias) {
    public ConvProblem {
        if (c % conv.groups() != 0 || k % conv.groups() != 0) {
            throw new IllegalArgumentException("conv2d: " + c + " input and " + k + " output channels must both divide"
                    + " into " + conv.groups() + " groups");
        }
    }

    /** From the operator and the shapes of x, weight and (optionally) bias; validates everything. */
    public static ConvProblem of(Operator.Conv2d conv, List<int[]> in) {
        Shapes.count("conv2d", in, 2, 3);
        int[] x = in.get(0);
        int[] wt = in.get(1);
        if (x.length != 4) {
            throw new IllegalArgumentException("conv2d: input must be [N, C, H, W], got " + Tensor.shapeString(x));
        }
        if (wt.length != 4) {
            throw new IllegalArgumentException("conv2d: weight must be [K, C/groups, R, S], got "
                    + Tensor.shapeString(wt));
        }
        Tensor.sizeOf(x);
        Tensor.sizeOf(wt);
        if (x[1] % conv.groups() != 0 || wt[1] * conv.groups() != x[1]) {
            throw new IllegalArgumentException("conv2d: weight " + Tensor.shapeString(wt) + " needs C/groups = "
                    + (x[1] / Math.max(1, conv.groups())) + " input channels for input " + Tensor.shapeString(x)
                    + " in " + conv.groups() + " group(s)");
        }
        boolean bias = in.size() == 3;
        if (bias && (in.get(2).length != 1 || in.get(2)[0] != wt[0])) {
            throw new IllegalArgumentException("conv2d: bias " + Tensor.shapeString(in.get(2)) + " must be [" + wt[0]
                    + "]");
        }
        ConvProblem p = new ConvProblem(x[0], x[1], x[2], x[3], wt[0], wt[2], wt[3], conv, bias);
        p.outputShape(); // validates the window against the padded input
        return p;
    }

    public int p() {
        return WindowGeometry.outputSize("conv2d height", h, r, conv.padTop(), conv.padBottom(), conv.strideH(),
                conv.dilationH());
    }

    public int q() {
        return WindowGeometry.outputSize("conv2d width", w, s, conv.padLeft(), conv.padRight(), conv.strideW(),
                conv.dilationW());
    }

    public int groups() {
        return conv.groups();
    }

    public int[] outputShape() {
        return new int[] {n, k, p(), q()};
    }

    public int[] inputShape() {
        return new int[] {n, c, h, w};
    }

    public int[] weightShape() {
        return new int[] {k, c / groups(), r, s};
    }

    /** Multiply-accumulates of the direct algorithm; FLOPs are twice this. */
    public long macs() {
        return (long) n * k * p() * q() * (c / groups()) * r * s;
    }

    public boolean isUnitStride() {
        return conv.strideH() == 1 && conv.strideW() == 1;
    }

    public boolean isUndilated() {
        return conv.dilationH() == 1 && conv.dilationW() == 1;
    }

    /** A stable text key: every shape and parameter, the fused epilogue (bias, ReLU) included. */
    public String key() {
        return tuningKey() + (bias ? "_bias" : "") + (conv.relu() ? "_relu" : "");
    }

    /**
     * The tuning database's key: every shape and parameter that changes which algorithm is fastest, without the
     * epilogue (bias, fused ReLU), so that the fused and unfused variants of one convolution share one choice.
     */
    public String tuningKey() {
        return "n" + n + "_c" + c + "_h" + h + "_w" + w + "_k" + k + "_r" + r + "_s" + s + "_st" + conv.strideH() + "x"
                + conv.strideW() + "_pad" + conv.padTop() + "." + conv.padBottom() + "." + conv.padLeft() + "."
                + conv.padRight() + "_dil" + conv.dilationH() + "x" + conv.dilationW() + "_g" + groups();
    }
}
