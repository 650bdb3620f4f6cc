package dev.tessera.bench.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.tessera.backend.Backend;
import dev.tessera.backend.CheckedSizes;
import dev.tessera.backend.ConvAlgorithm;
import dev.tessera.backend.OpResult;
import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.io.Npy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tessera op OPERATOR ...}: runs one operator on .npy files. */
@Command(name = "op", mixinStandardHelpOptions = true, description = "Run one operator on NumPy .npy files (little-endian float32, C order), to check a "
        + "kernel against your own framework.", subcommands = {OpCommand.Conv2d.class, OpCommand.MaxPool.class,
                OpCommand.AvgPool.class, OpCommand.GlobalAvgPool.class, OpCommand.Lrn.class, OpCommand.Relu.class,
                OpCommand.Tanh.class, OpCommand.Softmax.class, OpCommand.Fc.class, OpCommand.Add.class,
                OpCommand.Clip.class, OpCommand.LeakyRelu.class, OpCommand.Sigmoid.class, OpCommand.HardSigmoid.class,
                OpCommand.HardSwish.class, OpCommand.Pad.class, OpCommand.AxisSoftmax.class})
final class OpCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                "missing operator; one of: conv2d, maxpool, avgpool, globalavgpool, lrn, relu, tanh, softmax, fc, add,"
                        + " clip, leakyrelu, sigmoid, hardsigmoid, hardswish, pad, axissoftmax");
    }

    /** Options every operator shares. */
    static final class Common {
        @Option(names = "--input", required = true, paramLabel = "X.npy", description = "Input tensor.")
        Path input;

        @Option(names = "--out", required = true, paramLabel = "Y.npy", description = "Where to write the output "
                + "(written only when the operator succeeded).")
        Path out;

        @Mixin
        BackendOptions backend = BackendOptions.anyBackend();

        @Mixin
        KernelsOption kernels = new KernelsOption();

        @Option(names = "--json", description = "Print one JSON object: backend, device, where it ran (ran_on: "
                + "opencl:<device>, java-thread-pool or reference-java), the OpenCL kernel family and parameters "
                + "(kernels), algorithm, output shape, kernel time and wall time.")
        boolean json;
    }

    /** Base of each operator's subcommand: load, validate, run, write, report. */
    abstract static class OperatorCommand implements Callable<Integer> {
        @Mixin
        Common common = new Common();

        @Spec
        CommandSpec spec;

        /** The operator, from this command's options. */
        abstract Operator operator();

        /** The convolution algorithm to run with (a choice of the run, not of the operator); AUTO but for conv2d. */
        ConvAlgorithm convAlgorithm() {
            return ConvAlgorithm.AUTO;
        }

        /** Inputs after the main one (weights, bias, second operand), in the operator's order. */
        List<Tensor> extraInputs() {
            return List.of();
        }

        @Override
        public Integer call() {
            OutputPaths.requireFile(common.out, "--out");
            Operator op = operator();
            ConvAlgorithm algorithm = convAlgorithm();
            List<Tensor> inputs = new ArrayList<>();
            inputs.add(Npy.read(common.input));
            inputs.addAll(extraInputs());
            int[] outShape = op.outputShape(inputs.stream().map(Tensor::shape).toList()); // before opening a device
            CheckedSizes.tensorElements(op.name() + " output " + Tensor.shapeString(outShape), outShape);
            common.kernels.requireOpenCl(common.backend.name()); // checks the backend and its options first
            OpResult result;
            String device;
            String backendName;
            Map<String, Object> kernels;
            try (Backend backend = common.backend.open(common.kernels)) {
                result = backend.run(op, inputs, algorithm);
                device = backend.device();
                backendName = backend.name();
                kernels = KernelsOption.describe(backend);
            }
            Npy.write(common.out, result.output());
            PrintWriter out = spec.commandLine().getOut();
            if (common.json) {
                Map<String, Object> json = new LinkedHashMap<>();
                json.put("operator", op.name());
                json.put("backend", backendName);
                json.put("device", device);
                json.put("ran_on", result.ranOn());
                json.put("kernels", kernels);
                json.put("algorithm", result.algorithm());
                json.put("output_shape", result.output().shape());
                json.put("kernel_ms", Double.isNaN(result.kernelMs()) ? null : result.kernelMs());
                json.put("wall_ms", result.wallMs());
                json.put("note", result.note());
                json.put("output", common.out.toString());
                out.println(Json.write(json));
            } else {
                out.printf(Locale.ROOT, "%s on %s (%s), ran on %s: %s, output %s, kernel %s, wall %.3f ms -> %s%n",
                        op.name(), backendName, device, result.ranOn(), result.algorithm(),
                        result.output().shapeString(),
                        Double.isNaN(result.kernelMs()) ? "n/a" : String.format(Locale.ROOT, "%.3f ms",
                                result.kernelMs()), result.wallMs(), common.out);
                if (kernels != null) {
                    out.println("kernels: " + kernels);
                }
                if (!result.note().isEmpty()) {
                    out.println(result.note());
                }
            }
            out.flush();
            return 0;
        }
    }

    /** Parses "S" or "SH,SW". */
    static int[] pair(String text, String option) {
        int[] v = ints(text, option);
        if (v.length == 1) {
            return new int[] {v[0], v[0]};
        }
        if (v.length == 2) {
            return v;
        }
        throw new IllegalArgumentException(option + " takes one value or two (height,width): " + text);
    }

    /** Parses "P", "PH,PW" or "T,B,L,R" into top, bottom, left, right. */
    static int[] padding(String text) {
        int[] v = ints(text, "--pad");
        switch (v.length) {
            case 1:
                return new int[] {v[0], v[0], v[0], v[0]};
            case 2:
                return new int[] {v[0], v[0], v[1], v[1]};
            case 4:
                return v;
            default:
                throw new IllegalArgumentException("--pad takes P, PH,PW or T,B,L,R: " + text);
        }
    }

    private static int[] ints(String text, String option) {
        try {
            String[] parts = text.split(",");
            int[] v = new int[parts.length];
            for (int i = 0; i < parts.length; i++) {
                if (parts[i].strip().matches("[-+]?\\d{10,}")) {
                    CheckedSizes.toInt(option + " " + text, new java.math.BigInteger(parts[i].strip())
                            .max(java.math.BigInteger.valueOf(Long.MIN_VALUE))
                            .min(java.math.BigInteger.valueOf(Long.MAX_VALUE)).longValue());
                }
                v[i] = Integer.parseInt(parts[i].strip());
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs integers separated by commas: '" + text + "'");
        }
    }

    @Command(name = "conv2d", mixinStandardHelpOptions = true, description = "2-D convolution (cross-correlation), NCHW input, OIHW weights.")
    static final class Conv2d extends OperatorCommand {
        @Option(names = "--weight", required = true, paramLabel = "W.npy", description = "[K, C/groups, R, S].")
        Path weight;

        @Option(names = "--bias", paramLabel = "B.npy", description = "[K].")
        Path bias;

        @Option(names = "--stride", defaultValue = "1", paramLabel = "S|SH,SW")
        String stride;

        @Option(names = "--pad", defaultValue = "0", paramLabel = "P|PH,PW|T,B,L,R")
        String pad;

        @Option(names = "--dilation", defaultValue = "1", paramLabel = "D|DH,DW")
        String dilation;

        @Option(names = "--groups", defaultValue = "1")
        int groups;

        @Option(names = "--relu", description = "Fuse a ReLU.")
        boolean relu;

        @Option(names = "--algo", defaultValue = "auto", paramLabel = "ALGO",
                description = "direct, im2col, winograd-2x2, winograd-4x4, winograd-fused-2x2, winograd-fused-4x4, nchwc-direct "
                        + "or auto. Default: ${DEFAULT-VALUE}.")
        String algorithm;

        @Override
        Operator operator() {
            int[] s = pair(stride, "--stride");
            int[] p = padding(pad);
            int[] d = pair(dilation, "--dilation");
            return new Operator.Conv2d(s[0], s[1], p[0], p[1], p[2], p[3], d[0], d[1], groups, relu);
        }

        @Override
        ConvAlgorithm convAlgorithm() {
            return ConvAlgorithm.parse(algorithm);
        }

        @Override
        List<Tensor> extraInputs() {
            return bias == null ? List.of(Npy.read(weight)) : List.of(Npy.read(weight), Npy.read(bias));
        }
    }

    /** Window options shared by max and average pooling. */
    abstract static class PoolCommand extends OperatorCommand {
        @Option(names = "--kernel", required = true, paramLabel = "K|KH,KW")
        String kernel;

        @Option(names = "--stride", paramLabel = "S|SH,SW", description = "Default: the kernel size.")
        String stride;

        @Option(names = "--pad", defaultValue = "0", paramLabel = "P|PH,PW|T,B,L,R")
        String pad;

        Operator.Pool pool(Operator.Pool.Kind kind, boolean countPad) {
            int[] k = pair(kernel, "--kernel");
            int[] s = stride == null ? k : pair(stride, "--stride");
            int[] p = padding(pad);
            return new Operator.Pool(kind, k[0], k[1], s[0], s[1], p[0], p[1], p[2], p[3], countPad);
        }
    }

    @Command(name = "maxpool", mixinStandardHelpOptions = true, description = "Max pooling per channel.")
    static final class MaxPool extends PoolCommand {
        @Override
        Operator operator() {
            return pool(Operator.Pool.Kind.MAX, false);
        }
    }

    @Command(name = "avgpool", mixinStandardHelpOptions = true, description = "Average pooling per channel.")
    static final class AvgPool extends PoolCommand {
        @Option(names = "--count-pad", description = "Count padded cells in the divisor (default: only real cells).")
        boolean countPad;

        @Override
        Operator operator() {
            return pool(Operator.Pool.Kind.AVG, countPad);
        }
    }

    @Command(name = "globalavgpool", mixinStandardHelpOptions = true, description = "Average of each channel's plane: [N,C,H,W] -> [N,C,1,1].")
    static final class GlobalAvgPool extends OperatorCommand {
        @Override
        Operator operator() {
            return new Operator.GlobalAvgPool();
        }
    }

    @Command(name = "lrn", mixinStandardHelpOptions = true, description = "Local response normalisation across channels.")
    static final class Lrn extends OperatorCommand {
        @Option(names = "--size", defaultValue = "5")
        int size;

        @Option(names = "--alpha", defaultValue = "1e-4")
        double alpha;

        @Option(names = "--beta", defaultValue = "0.75")
        double beta;

        @Option(names = "--k", defaultValue = "2")
        double k;

        @Option(names = "--alpha-over-size", description = "Divide alpha by size (Caffe/PyTorch); default: the "
                + "AlexNet paper's formula.")
        boolean alphaOverSize;

        @Override
        Operator operator() {
            return new Operator.Lrn(size, alpha, beta, k, alphaOverSize);
        }
    }

    @Command(name = "relu", mixinStandardHelpOptions = true, description = "max(x, 0).")
    static final class Relu extends OperatorCommand {
        @Override
        Operator operator() {
            return new Operator.Relu();
        }
    }

    @Command(name = "tanh", mixinStandardHelpOptions = true, description = "tanh(x).")
    static final class Tanh extends OperatorCommand {
        @Override
        Operator operator() {
            return new Operator.Tanh();
        }
    }

    @Command(name = "softmax", mixinStandardHelpOptions = true, description = "Softmax over axis 1 of [N, C] or [N, C, 1, 1].")
    static final class Softmax extends OperatorCommand {
        @Override
        Operator operator() {
            return new Operator.Softmax();
        }
    }

    @Command(name = "fc", mixinStandardHelpOptions = true, description = "Fully connected: y = x W^T + b.")
    static final class Fc extends OperatorCommand {
        @Option(names = "--weight", required = true, paramLabel = "W.npy", description = "[out, in].")
        Path weight;

        @Option(names = "--bias", paramLabel = "B.npy", description = "[out].")
        Path bias;

        @Option(names = "--relu", description = "Fuse a ReLU.")
        boolean relu;

        @Override
        Operator operator() {
            return new Operator.FullyConnected(relu);
        }

        @Override
        List<Tensor> extraInputs() {
            return bias == null ? List.of(Npy.read(weight)) : List.of(Npy.read(weight), Npy.read(bias));
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true, description = "Element-wise sum of two tensors of the same shape (the residual add).")
    static final class Add extends OperatorCommand {
        @Option(names = "--other", required = true, paramLabel = "B.npy")
        Path other;

        @Option(names = "--relu", description = "Fuse a ReLU.")
        boolean relu;

        @Override
        Operator operator() {
            return new Operator.Add(relu);
        }

        @Override
        List<Tensor> extraInputs() {
            return List.of(Npy.read(other));
        }
    }

    @Command(name = "clip", mixinStandardHelpOptions = true, description = "min(max(x, MIN), MAX); ReLU6 is --min 0 --max 6.")
    static final class Clip extends OperatorCommand {
        @Option(names = "--min", required = true, paramLabel = "MIN")
        double min;

        @Option(names = "--max", required = true, paramLabel = "MAX")
        double max;

        @Override
        Operator operator() {
            return Operator.Activation.clip(min, max);
        }
    }

    @Command(name = "leakyrelu", mixinStandardHelpOptions = true, description = "x < 0 ? ALPHA x : x.")
    static final class LeakyRelu extends OperatorCommand {
        @Option(names = "--alpha", defaultValue = "0.01", description = "Default: ${DEFAULT-VALUE}.")
        double alpha;

        @Override
        Operator operator() {
            return Operator.Activation.leakyRelu(alpha);
        }
    }

    @Command(name = "sigmoid", mixinStandardHelpOptions = true, description = "1 / (1 + exp(-x)).")
    static final class Sigmoid extends OperatorCommand {
        @Override
        Operator operator() {
            return Operator.Activation.sigmoid();
        }
    }

    @Command(name = "hardsigmoid", mixinStandardHelpOptions = true, description = "max(0, min(1, ALPHA x + BETA)).")
    static final class HardSigmoid extends OperatorCommand {
        @Option(names = "--alpha", defaultValue = "0.2", description = "Default: ${DEFAULT-VALUE}.")
        double alpha;

        @Option(names = "--beta", defaultValue = "0.5", description = "Default: ${DEFAULT-VALUE}.")
        double beta;

        @Override
        Operator operator() {
            return Operator.Activation.hardSigmoid(alpha, beta);
        }
    }

    @Command(name = "hardswish", mixinStandardHelpOptions = true, description = "x max(0, min(1, x / 6 + 1/2)).")
    static final class HardSwish extends OperatorCommand {
        @Override
        Operator operator() {
            return Operator.Activation.hardSwish();
        }
    }

    @Command(name = "pad", mixinStandardHelpOptions = true, description = "Pads H and W of [N, C, H, W].")
    static final class Pad extends OperatorCommand {
        @Option(names = "--pad", required = true, paramLabel = "P|PH,PW|T,B,L,R")
        String pad;

        @Option(names = "--mode", defaultValue = "constant", description = "constant, reflect or edge. Default: "
                + "${DEFAULT-VALUE}.")
        String mode;

        @Option(names = "--value", defaultValue = "0", description = "The constant. Default: ${DEFAULT-VALUE}.")
        double value;

        @Override
        Operator operator() {
            int[] p = padding(pad);
            Operator.Pad.Mode m;
            try {
                m = Operator.Pad.Mode.valueOf(mode.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--mode must be constant, reflect or edge: " + mode);
            }
            return new Operator.Pad(m, p[0], p[1], p[2], p[3], value);
        }
    }

    @Command(name = "axissoftmax", mixinStandardHelpOptions = true, description = "Softmax along COUNT axes from AXIS on, taken together (not the batch).")
    static final class AxisSoftmax extends OperatorCommand {
        @Option(names = "--axis", defaultValue = "1", description = "Default: ${DEFAULT-VALUE}.")
        int axis;

        @Option(names = "--count", defaultValue = "1", description = "Default: ${DEFAULT-VALUE}.")
        int count;

        @Override
        Operator operator() {
            return new Operator.AxisSoftmax(axis, count);
        }
    }
}
