package dev.tessera.aparapi;

import java.util.List;

import com.aparapi.Kernel;

import dev.tessera.backend.ConvAlgorithm;
import dev.tessera.backend.ConvProblem;
import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;

/**
 * One instance of each Aparapi kernel class, and the translation of an {@link Operator} into a {@link LaunchPlan} on
 * them: which kernels, their arguments and ranges. Aparapi compiles a program per kernel instance, so a backend keeps
 * one set for all its runs; a prepared operator gets its own, so that its explicit buffers stay its own.
 *
 * <p>Operator to kernel: conv2d direct -> {@link ConvDirectKernel}; conv2d im2col -> {@link Im2colKernel} +
 * {@link GemmKernel}; maxpool, avgpool, globalavgpool -> {@link PoolKernel}; lrn -> {@link LrnKernel}; relu, tanh,
 * biasadd, add, batchnorm -> {@link ElementwiseKernel}; fc -> {@link FullyConnectedKernel}; softmax ->
 * {@link SoftmaxKernel}; concat -> {@link ConcatKernel}, once per input; clip, leakyrelu, sigmoid, hardsigmoid,
 * hardswish -> {@link ActivationKernel}; pad -> {@link PadKernel}; axissoftmax -> {@link AxisSoftmaxKernel}.
 */
final class OperatorKernels {
    private final ConvDirectKernel convDirect = new ConvDirectKernel();
    private final Im2colKernel im2col = new Im2colKernel();
    private final GemmKernel gemm = new GemmKernel();
    private final PoolKernel pool = new PoolKernel();
    private final LrnKernel lrn = new LrnKernel();
    private final ElementwiseKernel elementwise = new ElementwiseKernel();
    private final SoftmaxKernel softmax = new SoftmaxKernel();
    private final FullyConnectedKernel fullyConnected = new FullyConnectedKernel();
    private final ConcatKernel concat = new ConcatKernel();
    private final ActivationKernel activation = new ActivationKernel();
    private final PadKernel pad = new PadKernel();
    private final AxisSoftmaxKernel axisSoftmax = new AxisSoftmaxKernel();

    List<Kernel> all() {
        return List.of(convDirect, im2col, gemm, pool, lrn, elementwise, softmax, fullyConnected, concat, activation,
                pad, axisSoftmax);
    }

    void dispose() {
        all().forEach(Kernel::dispose);
    }

    /**
     * The plan for {@code op} on {@code in}, writing a new output array of {@code outShape}'s size; a convolution
     * with {@code algorithm}.
     */
    LaunchPlan plan(Operator op, ConvAlgorithm algorithm, List<Tensor> in, int[] outShape, KernelLauncher launcher) {
        float[] out = new float[Math.toIntExact(Tensor.sizeOf(outShape))];
        float[] x = in.get(0).data();
        if (op instanceof Operator.Conv2d conv) {
            return conv(conv, algorithm, in, out, launcher);
        } else if (op instanceof Operator.Pool p) {
            int[] s = in.get(0).shape();
            return pool(launcher, x, out, s, outShape, p.kernelH(), p.kernelW(), p.strideH(), p.strideW(),
                    new int[] {p.padTop(), p.padBottom(), p.padLeft(), p.padRight()}, p.kind() == Operator.Pool.Kind.MAX,
                    p.countPad(), p.kind() == Operator.Pool.Kind.MAX ? "max_pool" : "avg_pool");
        } else if (op instanceof Operator.GlobalAvgPool) {
            int[] s = in.get(0).shape();
            return pool(launcher, x, out, s, outShape, s[2], s[3], 1, 1, new int[4], false, false, "global_avg_pool");
        } else if (op instanceof Operator.Lrn l) {
            lrn.x = x;
            lrn.y = out;
            lrn.channels = in.get(0).dim(1);
            lrn.plane = out.length / (in.get(0).dim(0) * lrn.channels);
            lrn.pixels = in.get(0).dim(0) * lrn.plane;
            lrn.radius = l.size() / 2;
            lrn.alpha = (float) l.effectiveAlpha();
            lrn.beta = (float) l.beta();
            lrn.k = (float) l.k();
            return new LaunchPlan(out, "lrn_across_channels", "").execute(lrn, launcher.range1d(lrn.pixels));
        } else if (op instanceof Operator.Relu) {
            return elementwise(launcher, in.get(0), null, null, out, ElementwiseKernel.RELU, "relu");
        } else if (op instanceof Operator.Tanh) {
            return elementwise(launcher, in.get(0), null, null, out, ElementwiseKernel.TANH, "tanh_activation");
        } else if (op instanceof Operator.BiasAdd) {
            return elementwise(launcher, in.get(0), in.get(1).data(), null, out, ElementwiseKernel.BIAS_ADD,
                    "bias_add");
        } else if (op instanceof Operator.Add a) {
            return elementwise(launcher, in.get(0), in.get(1).data(), null, out,
                    a.relu() ? ElementwiseKernel.ADD_RELU : ElementwiseKernel.ADD, "residual_add");
        } else if (op instanceof Operator.BatchNorm bn) {
            return batchNorm(bn, in, out, launcher);
        } else if (op instanceof Operator.FullyConnected fc) {
            FullyConnectedKernel f = fullyConnected;
            f.x = x;
            f.weights = in.get(1).data();
            f.bias = in.size() == 3 ? in.get(2).data() : new float[1];
            f.hasBias = in.size() == 3 ? 1 : 0;
            f.y = out;
            f.features = in.get(1).dim(1);
            f.outputs = in.get(1).dim(0);
            f.relu = fc.relu() ? 1 : 0;
            return new LaunchPlan(out, "fully_connected", "").execute(f,
                    launcher.range1d(out.length * FullyConnectedKernel.WIDTH, FullyConnectedKernel.WIDTH));
        } else if (op instanceof Operator.Concat) {
            return concat(in, out, outShape, launcher);
        } else if (op instanceof Operator.Activation a) {
            activation.x = x;
            activation.y = out;
            activation.total = out.length;
            activation.a = (float) a.a();
            activation.b = (float) a.b();
            activation.function = a.function().ordinal();
            return new LaunchPlan(out, "activation", "").execute(activation, launcher.range1d(out.length));
        } else if (op instanceof Operator.Pad p) {
            int[] s = in.get(0).shape();
            pad.x = x;
            pad.y = out;
            pad.total = out.length;
            pad.height = s[2];
            pad.width = s[3];
            pad.outH = outShape[2];
            pad.outW = outShape[3];
            pad.top = p.top();
            pad.left = p.left();
            pad.mode = p.mode().ordinal();
            pad.value = (float) p.value();
            return new LaunchPlan(out, "pad_planes", "").execute(pad, launcher.range1d(out.length));
        } else if (op instanceof Operator.AxisSoftmax a) {
            int[] lines = a.lines(in.get(0).shape());
            axisSoftmax.x = x;
            axisSoftmax.y = out;
            axisSoftmax.span = lines[1];
            axisSoftmax.inner = lines[2];
            axisSoftmax.lines = lines[0] * lines[2];
            return new LaunchPlan(out, "softmax_lines", "").execute(axisSoftmax,
                    launcher.range1d(axisSoftmax.lines));
        } else if (op instanceof Operator.Softmax) {
            int rows = in.get(0).dim(0);
            softmax.x = x;
            softmax.y = out;
            softmax.columns = out.length / rows;
            return new LaunchPlan(out, "softmax_rows", "").execute(softmax,
                    launcher.range1d(rows * SoftmaxKernel.WIDTH, SoftmaxKernel.WIDTH));
        }
        throw new IllegalArgumentException("aparapi: operator " + op.name() + " has no Aparapi kernel");
    }

    private LaunchPlan conv(Operator.Conv2d op, ConvAlgorithm asked, List<Tensor> in, float[] out,
            KernelLauncher launcher) {
        ConvProblem problem = ConvProblem.of(op, in.stream().map(Tensor::shape).toList());
        ConvAlgorithm algorithm = asked;
        String note = "";
        if (algorithm == ConvAlgorithm.AUTO) {
            // no timing here: the tiled GEMM reuses every loaded value TILE times, except for depthwise convolutions,
            // whose one-channel GEMMs are too thin to fill a tile
            boolean depthwise = problem.groups() == problem.c() && problem.c() > 1;
            algorithm = depthwise ? ConvAlgorithm.DIRECT : ConvAlgorithm.IM2COL;
            note = "auto: chose " + algorithm.id() + " by rule (" + (depthwise ? "depthwise" : "im2col+GEMM unless "
                    + "depthwise") + "); the aparapi backend does not time solvers";
        }
        float[] x = in.get(0).data();
        float[] weights = in.get(1).data();
        float[] bias = in.size() == 3 ? in.get(2).data() : null;
        int groups = problem.groups();
        switch (algorithm) {
            case DIRECT:
                ConvDirectKernel d = convDirect;
                d.setWindow(x, problem, op);
                d.weights = weights;
                d.bias = bias == null ? new float[1] : bias;
                d.hasBias = bias == null ? 0 : 1;
                d.y = out;
                d.groups = groups;
                d.blocksPerGroup = (problem.k() / groups + ConvDirectKernel.CHANNEL_BLOCK - 1)
                        / ConvDirectKernel.CHANNEL_BLOCK;
                d.total = problem.n() * groups * d.blocksPerGroup * problem.p() * problem.q();
                d.filters = problem.k();
                d.filtersPerGroup = problem.k() / groups;
                d.relu = op.relu() ? 1 : 0;
                return new LaunchPlan(out, "direct", note).execute(d, launcher.range1d(d.total));
            case IM2COL:
                int depth = problem.c() / groups * problem.r() * problem.s();
                int columns = problem.n() * problem.p() * problem.q();
                long size = (long) groups * depth * columns;
                if (size > Integer.MAX_VALUE - 8) {
                    throw new IllegalArgumentException("aparapi: the im2col matrix of " + problem.key() + " has " + size
                            + " values, more than one Java array holds; use --algo direct");
                }
                Im2colKernel c = im2col;
                c.setWindow(x, problem, op);
                c.columns = new float[(int) size];
                c.total = (int) size;
                c.columnCount = columns;
                LaunchPlan plan = new LaunchPlan(out, "im2col", note).execute(c, launcher.range1d((int) size))
                        .handOver(c, gemm, c.columns);
                return gemm(launcher, plan, weights, c.columns, bias, out, groups, problem.k() / groups, depth,
                        columns, problem.p() * problem.q(), problem.k(), op.relu());
            default:
                throw new IllegalArgumentException("aparapi: convolution algorithm " + algorithm.id() + " is not "
                        + "available in the aparapi backend (direct, im2col or auto; Winograd is in the opencl backend)");
        }
    }

    /** Configures the im2col GEMM (see {@link GemmKernel} for the arguments) and appends its execution to {@code plan}. */
    private LaunchPlan gemm(KernelLauncher launcher, LaunchPlan plan, float[] a, float[] b, float[] bias, float[] y,
            int groups, int rows, int depth, int columns, int plane, int outRows, boolean relu) {
        GemmKernel g = gemm;
        g.a = a;
        g.b = b;
        g.bias = bias == null ? new float[1] : bias;
        g.hasBias = bias == null ? 0 : 1;
        g.y = y;
        g.rows = rows;
        g.rowsPadded = KernelLauncher.roundUp(rows, GemmKernel.TILE);
        g.depth = depth;
        g.columnCount = columns;
        g.plane = plane;
        g.outRows = outRows;
        g.relu = relu ? 1 : 0;
        int columnBlocks = (columns + GemmKernel.BLOCK_COLUMNS - 1) / GemmKernel.BLOCK_COLUMNS;
        return plan.execute(g, launcher.range2d(columnBlocks * GemmKernel.TILE, groups * g.rowsPadded,
                GemmKernel.TILE, GemmKernel.TILE));
    }

    private LaunchPlan pool(KernelLauncher launcher, float[] x, float[] out, int[] inShape, int[] outShape,
            int kernelH, int kernelW, int strideH, int strideW, int[] pad, boolean max, boolean countPad,
            String algorithm) {
        PoolKernel p = pool;
        p.x = x;
        p.y = out;
        p.total = out.length;
        p.height = inShape[2];
        p.width = inShape[3];
        p.outH = outShape[2];
        p.outW = outShape[3];
        p.kernelH = kernelH;
        p.kernelW = kernelW;
        p.strideH = strideH;
        p.strideW = strideW;
        p.padTop = pad[0];
        p.padBottom = pad[1];
        p.padLeft = pad[2];
        p.padRight = pad[3];
        p.isMax = max ? 1 : 0;
        p.countPad = countPad ? 1 : 0;
        return new LaunchPlan(out, algorithm, "").execute(p, launcher.range1d(out.length));
    }

    private LaunchPlan elementwise(KernelLauncher launcher, Tensor x, float[] second, float[] shift, float[] out,
            int mode, String algorithm) {
        ElementwiseKernel e = elementwise;
        e.x = x.data();
        e.second = second == null ? new float[1] : second;
        e.shift = shift == null ? new float[1] : shift;
        e.y = out;
        e.total = out.length;
        e.channels = x.rank() >= 2 ? x.dim(1) : 1;
        e.inner = x.rank() >= 2 ? out.length / (x.dim(0) * x.dim(1)) : out.length;
        e.mode = mode;
        return new LaunchPlan(out, algorithm, "").execute(e, launcher.range1d(out.length));
    }

    /** Concatenation along the channels: one launch per input, each copying its channels into place. */
    private LaunchPlan concat(List<Tensor> in, float[] out, int[] outShape, KernelLauncher launcher) {
        LaunchPlan plan = new LaunchPlan(out, "copy_into_channels", "");
        int plane = out.length / (outShape[0] * outShape[1]);
        int offset = 0;
        for (Tensor input : in) {
            int channelOffset = offset;
            plan.execute(concat, launcher.range1d(out.length), () -> {
                concat.x = input.data();
                concat.y = out;
                concat.total = out.length;
                concat.plane = plane;
                concat.channelsOut = outShape[1];
                concat.channelsIn = input.dim(1);
                concat.offset = channelOffset;
            });
            offset += input.dim(1);
        }
        return plan;
    }

    /** Batch norm as a scale and shift per channel, folded on the host in double. */
    private LaunchPlan batchNorm(Operator.BatchNorm bn, List<Tensor> in, float[] out, KernelLauncher launcher) {
        int channels = in.get(0).dim(1);
        float[] gamma = in.get(1).data();
        float[] beta = in.get(2).data();
        float[] mean = in.get(3).data();
        float[] var = in.get(4).data();
        float[] scale = new float[channels];
        float[] shift = new float[channels];
        for (int c = 0; c < channels; c++) {
            double s = gamma[c] / Math.sqrt((double) var[c] + bn.epsilon());
            scale[c] = (float) s;
            shift[c] = (float) (beta[c] - mean[c] * s);
        }
        return elementwise(launcher, in.get(0), scale, shift, out, ElementwiseKernel.SCALE_SHIFT, "scale_shift");
    }
}
