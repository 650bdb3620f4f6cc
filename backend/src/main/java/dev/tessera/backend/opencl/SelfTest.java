package dev.tessera.backend.opencl;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.SplittableRandom;

import dev.tessera.backend.Accuracy;
import dev.tessera.backend.Backend;
import dev.tessera.backend.ConvAlgorithm;
import dev.tessera.backend.ConvProblem;
import dev.tessera.backend.OpResult;
import dev.tessera.backend.Operator;
import dev.tessera.backend.RandomCases;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.Tolerances;
import dev.tessera.backend.opencl.conv.ConvSolver;
import dev.tessera.backend.opencl.conv.ConvSolvers;
import dev.tessera.backend.opencl.ops.PackedFullyConnected;
import dev.tessera.backend.reference.ReferenceBackend;
import dev.tessera.opencl.DeviceInfo;

/**
 * The correctness check a user runs on their own device ({@code tessera selftest}) and CI runs on Oclgrind: every
 * operator, and every convolution solver (or, for another backend such as Aparapi, each of its algorithms), on small
 * shapes with the edge cases (padding, asymmetric padding, stride, dilation, groups, depthwise, 1x1, 5x3 and 7x7
 * kernels, batch 2, sizes that leave partial tiles), each result
 * compared with the double-precision {@link ReferenceBackend} within {@link Tolerances}. Run on an AMD, Intel or NVIDIA
 * card, its report is a cross-vendor correctness record.
 */
public final class SelfTest {
    /**
     * One check.
     *
     * @param operator    the operator's name (conv2d, maxpool, ...)
     * @param algorithm   the solver or kernel that ran
     * @param description the case, with its shapes
     * @param status      PASS, FAIL, or N/A (a solver that does not apply, with the reason in detail)
     * @param relativeL2  the output's relative L2 error against the reference (NaN when nothing ran)
     * @param tolerance   the bound it had to meet
     * @param detail      the failure or the reason it does not apply; empty when it passed
     */
    public record Check(String operator, String algorithm, String description, String status, double relativeL2,
            double tolerance, String detail) {
        public boolean failed() {
            return status.equals("FAIL");
        }
    }

    private final Backend backend;
    /** Per problem, each convolution algorithm to check and why it does not apply (null: it applies), in order. */
    private final Function<ConvProblem, Map<String, String>> convAlgorithms;
    private final ReferenceBackend reference = new ReferenceBackend();
    private final List<Check> checks = new ArrayList<>();

    private SelfTest(Backend backend, Function<ConvProblem, Map<String, String>> convAlgorithms) {
        this.backend = backend;
        this.convAlgorithms = convAlgorithms;
    }

    /** Runs every check, with every convolution solver, on {@code opencl}'s device and returns them in order. */
    public static List<Check> run(OpenClBackend opencl) {
        DeviceInfo info = opencl.context().info();
        return run(opencl, problem -> {
            Map<String, String> reasons = new LinkedHashMap<>();
            for (ConvSolver solver : ConvSolvers.forDevice(info, opencl.kernels())) {
                reasons.put(solver.id(), solver.notApplicableReason(problem, info));
            }
            return reasons;
        });
    }

    /**
     * Runs every check on any backend, convolutions with each of {@code algorithms}, and returns them in order. A
     * result that ran in Aparapi's Java thread pool fails its check: the device was not tested.
     */
    public static List<Check> run(Backend backend, List<ConvAlgorithm> algorithms) {
        return run(backend, problem -> {
            Map<String, String> reasons = new LinkedHashMap<>();
            algorithms.forEach(a -> reasons.put(a.id(), null));
            return reasons;
        });
    }

    private static List<Check> run(Backend backend, Function<ConvProblem, Map<String, String>> convAlgorithms) {
        SelfTest test = new SelfTest(backend, convAlgorithms);
        test.convolutions();
        test.pooling();
        test.elementwise();
        test.activationsAndPads();
        return List.copyOf(test.checks);
    }

    /** A named convolution case. */
    public record ConvCase(String name, Operator.Conv2d op, List<Tensor> inputs) {
        public ConvProblem problem() {
            return ConvProblem.of(op, inputs.stream().map(Tensor::shape).toList());
        }
    }

    /** The convolution cases, with the edge cases, reproducible. */
    public static List<ConvCase> convCases() {
        SplittableRandom rnd = new SplittableRandom(2026);
        return List.of(
                new ConvCase("3x3 pad 1 bias relu", Operator.Conv2d.of(1, 1).withRelu(true),
                        RandomCases.convInputs(rnd, 1, 3, 6, 6, 4, 3, 3, 1, true)),
                new ConvCase("3x3 groups 2 asymmetric pad batch 2",
                        new Operator.Conv2d(1, 1, 0, 1, 1, 0, 1, 1, 2, false),
                        RandomCases.convInputs(rnd, 2, 4, 7, 5, 4, 3, 3, 2, false)),
                new ConvCase("3x3 depthwise pad 1", Operator.Conv2d.of(1, 1).withGroups(3),
                        RandomCases.convInputs(rnd, 1, 3, 5, 5, 3, 3, 3, 3, true)),
                new ConvCase("3x3 stride 2x1 pad 1,0,2,1 dilation 2",
                        new Operator.Conv2d(2, 1, 1, 0, 2, 1, 2, 2, 1, false),
                        RandomCases.convInputs(rnd, 1, 2, 9, 8, 3, 3, 3, 1, true)),
                new ConvCase("1x1 pointwise", Operator.Conv2d.of(1, 0), RandomCases.convInputs(rnd, 1, 5, 4, 3, 3, 1, 1, 1, true)),
                new ConvCase("3x3 no pad batch 2 partial tiles", Operator.Conv2d.of(1, 0),
                        RandomCases.convInputs(rnd, 2, 5, 9, 7, 6, 3, 3, 1, false)),
                new ConvCase("3x3 asymmetric pad 2,0,0,1 relu",
                        new Operator.Conv2d(1, 1, 2, 0, 0, 1, 1, 1, 1, true),
                        RandomCases.convInputs(rnd, 1, 1, 4, 11, 2, 3, 3, 1, true)),
                new ConvCase("3x3 pad 1 several tiles and panels", Operator.Conv2d.of(1, 1),
                        RandomCases.convInputs(rnd, 1, 9, 13, 11, 17, 3, 3, 1, true)),
                new ConvCase("5x3 stride 1x2 pad 2,2,1,1", new Operator.Conv2d(1, 2, 2, 2, 1, 1, 1, 1, 1, false),
                        RandomCases.convInputs(rnd, 1, 3, 8, 9, 5, 5, 3, 1, true)),
                new ConvCase("7x7 stride 2 pad 3 (a ResNet stem in small)", Operator.Conv2d.of(2, 3).withRelu(true),
                        RandomCases.convInputs(rnd, 1, 3, 15, 13, 6, 7, 7, 1, true)));
    }

    private void check(String label, Operator op, List<Tensor> inputs, double tolerance, String description) {
        check(label, op, ConvAlgorithm.AUTO, inputs, tolerance, description);
    }

    private void check(String label, Operator op, ConvAlgorithm convAlgorithm, List<Tensor> inputs,
            double tolerance, String description) {
        String algorithm = label;
        try {
            Tensor expected = reference.run(op, inputs).output();
            OpResult result = backend.run(op, inputs, convAlgorithm);
            if (backend instanceof OpenClBackend && !(op instanceof Operator.Conv2d)) {
                algorithm = result.algorithm(); // the kernel that ran (the GPU family's FC runs the GEMM at batch > 1)
            }
            Tensor actual = result.output();
            if (result.ranOn().equals("java-thread-pool")) {
                checks.add(new Check(op.name(), algorithm, description, "FAIL", Double.NaN, tolerance,
                        "ran in the Java thread pool, not on the device: " + result.note()));
                return;
            }
            if (convAlgorithm != ConvAlgorithm.AUTO && !result.algorithm().equals(convAlgorithm.id())) {
                checks.add(new Check(op.name(), algorithm, description, "FAIL", Double.NaN, tolerance, "asked for "
                        + convAlgorithm.id() + ", ran " + result.algorithm()));
                return;
            }
            if (!Arrays.equals(expected.shape(), actual.shape())) {
                checks.add(new Check(op.name(), algorithm, description, "FAIL", Double.NaN, tolerance, "shape "
                        + actual.shapeString() + ", expected " + expected.shapeString()));
                return;
            }
            Accuracy accuracy = Accuracy.of(actual, expected);
            boolean pass = accuracy.relativeL2() <= tolerance;
            checks.add(new Check(op.name(), algorithm, description, pass ? "PASS" : "FAIL", accuracy.relativeL2(),
                    tolerance, pass ? "" : accuracy + " above " + tolerance));
        } catch (RuntimeException e) {
            checks.add(new Check(op.name(), algorithm, description, "FAIL", Double.NaN, tolerance, e.toString()));
        }
    }

    private void convolutions() {
        for (ConvCase conv : convCases()) {
            ConvProblem problem = conv.problem();
            for (Map.Entry<String, String> algorithm : convAlgorithms.apply(problem).entrySet()) {
                String id = algorithm.getKey();
                String description = conv.name() + " " + problem.key();
                if (algorithm.getValue() != null) {
                    checks.add(new Check("conv2d", id, description, "N/A", Double.NaN, Tolerances.relativeL2(id),
                            algorithm.getValue()));
                    continue;
                }
                check(id, conv.op(), ConvAlgorithm.parse(id), conv.inputs(), Tolerances.relativeL2(id), description);
            }
        }
    }

    private void pooling() {
        check("max_pool", Operator.Pool.of(Operator.Pool.Kind.MAX, 3, 2, 1), List.of(Tensor.random(1, -2, 2, 1, 2, 7,
                7)), 1e-6, "3x3 stride 2 pad 1");
        check("max_pool", new Operator.Pool(Operator.Pool.Kind.MAX, 2, 3, 2, 1, 0, 1, 2, 0, false),
                List.of(Tensor.random(2, -2, 2, 1, 3, 6, 5)), 1e-6, "2x3 stride 2x1 asymmetric pad");
        check("max_pool", Operator.Pool.of(Operator.Pool.Kind.MAX, 2, 2, 0), List.of(Tensor.random(15, -2, 2, 1, 4, 15,
                13)), 1e-6, "2x2 stride 2 odd plane");
        check("avg_pool", new Operator.Pool(Operator.Pool.Kind.AVG, 3, 3, 2, 2, 1, 1, 1, 1, true),
                List.of(Tensor.random(3, -2, 2, 2, 3, 6, 5)), 1e-6, "3x3 stride 2 pad 1 count-pad");
        check("avg_pool", new Operator.Pool(Operator.Pool.Kind.AVG, 3, 2, 1, 2, 2, 0, 1, 0, false),
                List.of(Tensor.random(4, -2, 2, 1, 2, 5, 6)), 1e-6, "3x2 asymmetric pad");
        // column stride 3: max_pool on every family (pool_rows takes strides 1 and 2 on CPU devices)
        check("max_pool", Operator.Pool.of(Operator.Pool.Kind.MAX, 3, 3, 1), List.of(Tensor.random(19, -2, 2, 1, 2, 9,
                10)), 1e-6, "3x3 stride 3 pad 1");
        // the label becomes the kernel that ran: pool_rows on CPU devices, for these and most of the above
        check("pool_rows", Operator.Pool.of(Operator.Pool.Kind.MAX, 3, 2, 1),
                List.of(Tensor.random(17, -2, 2, 2, 3, 9, 35)), 1e-6, "3x3 stride 2 pad 1, 18 columns");
        check("pool_rows", new Operator.Pool(Operator.Pool.Kind.AVG, 2, 3, 1, 1, 1, 0, 1, 1, true),
                List.of(Tensor.random(18, -2, 2, 1, 2, 6, 7)), 1e-6, "2x3 stride 1 count-pad, 7 columns (runs of 4)");
        check("global_avg_pool", new Operator.GlobalAvgPool(), List.of(Tensor.random(5, -1, 1, 2, 3, 5, 5)), 1e-6,
                "5x5 planes");
        check("global_avg_pool", new Operator.GlobalAvgPool(), List.of(Tensor.random(16, -1, 1, 1, 9, 1, 3)), 1e-6,
                "1x3 planes");
    }

    private void elementwise() {
        SplittableRandom rnd = new SplittableRandom(31);
        int n = 2;
        int c = 3;
        int h = 4;
        int w = 5;
        Tensor x = Tensor.random(rnd.nextLong(), -2, 2, n, c, h, w);
        Tensor y = Tensor.random(rnd.nextLong(), -2, 2, n, c, h, w);
        Tensor perChannel = Tensor.random(rnd.nextLong(), -1, 1, c);
        Tensor positive = Tensor.random(rnd.nextLong(), 0.1f, 2, c);
        check("lrn_across_channels", new Operator.Lrn(5, 1e-4, 0.75, 2, true), List.of(Tensor.random(6, -3, 3, 1, 7,
                3, 4)), 1e-5, "size 5 alpha/size beta 0.75");
        check("lrn_across_channels", new Operator.Lrn(3, 2e-3, 0.6, 1, false), List.of(Tensor.random(7, -3, 3, 2, 2, 2,
                3)), 1e-5, "size 3, fewer channels than the window");
        check("lrn_across_channels", new Operator.Lrn(5, 1e-4, 0.75, 2, true), List.of(Tensor.random(22, -3, 3, 1, 16,
                7, 9)), 1e-5, "16 channels 7x9");
        check("relu", new Operator.Relu(), List.of(x), 0, "2x3x4x5");
        check("tanh_activation", new Operator.Tanh(), List.of(x), 1e-6, "2x3x4x5");
        check("bias_add", new Operator.BiasAdd(), List.of(x, perChannel), 1e-6, "2x3x4x5");
        check("residual_add", new Operator.Add(false), List.of(x, y), 1e-6, "2x3x4x5");
        check("residual_add", new Operator.Add(true), List.of(x, y), 1e-6, "2x3x4x5 relu");
        check("scale_shift", new Operator.BatchNorm(1e-5), List.of(x, positive, perChannel, Tensor.random(8, -1, 1, c),
                positive), 1e-6, "2x3x4x5");
        // small batches on CPU devices take the packed kernel, the rest the row-per-work-item one
        String smallBatchFc = backend instanceof OpenClBackend opencl
                && PackedFullyConnected.applies(opencl.context().info(), 2) ? "fully_connected_packed"
                : "fully_connected";
        check(smallBatchFc, new Operator.FullyConnected(true), List.of(x, Tensor.random(9, -1, 1, 7, c * h * w),
                Tensor.random(10, -1, 1, 7)), 1e-5, "60->7 bias relu batch 2");
        check(smallBatchFc, new Operator.FullyConnected(false), List.of(Tensor.random(11, -1, 1, 1, 5),
                Tensor.random(12, -1, 1, 3, 5)), 1e-5, "5->3");
        check(smallBatchFc, new Operator.FullyConnected(false), List.of(Tensor.random(23, -1, 1, 2, 300),
                Tensor.random(24, -1, 1, 37, 300), Tensor.random(25, -1, 1, 37)), 1e-5, "300->37 batch 2");
        check("fully_connected", new Operator.FullyConnected(true), List.of(Tensor.random(28, -1, 1, 6, 41),
                Tensor.random(29, -1, 1, 19, 41), Tensor.random(30, -1, 1, 19)), 1e-5, "41->19 bias relu batch 6");
        check("softmax_rows", new Operator.Softmax(), List.of(Tensor.random(13, -20, 20, 2, 37)), 1e-5, "2x37");
        check("softmax_rows", new Operator.Softmax(), List.of(Tensor.random(17, -20, 20, 3, 1000)), 1e-5, "3x1000");
        check("softmax_rows", new Operator.Softmax(), List.of(Tensor.random(18, -20, 20, 1, 1)), 1e-5, "1x1");
        Tensor big = Tensor.random(19, -2, 2, 2, 8, 17, 19);
        check("relu", new Operator.Relu(), List.of(big), 0, "5168 elements");
        check("residual_add", new Operator.Add(true), List.of(big, Tensor.random(20, -2, 2, 2, 8, 17, 19)), 1e-6,
                "5168 elements relu");
        check("bias_add", new Operator.BiasAdd(), List.of(big, Tensor.random(21, -1, 1, 8)), 1e-6, "5168 elements");
        check("copy_into_channels", new Operator.Concat(), List.of(x, Tensor.random(26, -1, 1, 2, 5, h, w), y), 0,
                "2x(3+5+3)x4x5");
        check("copy_into_channels", new Operator.Concat(), List.of(big, Tensor.random(27, -2, 2, 2, 1, 17, 19)), 0,
                "2x(8+1)x17x19");
    }

    /**
     * Every activation function, every padding mode and softmax along an axis, on odd shapes with asymmetric pads and
     * batch 2.
     */
    private void activationsAndPads() {
        Tensor x = Tensor.random(28, -8, 8, 2, 3, 5, 7);
        for (Operator.Activation a : List.of(Operator.Activation.clip(0, 6), Operator.Activation.clip(-1.5, 0.25),
                Operator.Activation.leakyRelu(0.01), Operator.Activation.sigmoid(),
                Operator.Activation.hardSigmoid(0.2, 0.5), Operator.Activation.hardSwish())) {
            check("activation", a, List.of(x), 1e-6, a.name() + " " + a.a() + "," + a.b() + " 2x3x5x7");
        }
        for (Operator.Pad.Mode mode : Operator.Pad.Mode.values()) {
            check("pad_planes", new Operator.Pad(mode, 1, 2, 0, 3, 0.5), List.of(x), 0,
                    mode.name().toLowerCase(java.util.Locale.ROOT) + " 1,2,0,3 2x3x5x7");
        }
        check("softmax_lines", new Operator.AxisSoftmax(1, 1), List.of(x), 1e-5, "over C of 2x3x5x7");
        check("softmax_lines", new Operator.AxisSoftmax(2, 2), List.of(x), 1e-5, "over HxW of 2x3x5x7");
    }
}
