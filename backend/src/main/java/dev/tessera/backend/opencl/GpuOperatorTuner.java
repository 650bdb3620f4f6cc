package dev.tessera.backend.opencl;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.LongSupplier;

import dev.tessera.backend.Accuracy;
import dev.tessera.backend.ConvAlgorithm;
import dev.tessera.backend.OpResult;
import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.Tolerances;
import dev.tessera.backend.opencl.common.KernelFamily;
import dev.tessera.backend.opencl.gpu.GpuOperatorParameters;
import dev.tessera.backend.opencl.gpu.TuningSearch;
import dev.tessera.backend.reference.ReferenceBackend;
import dev.tessera.opencl.ClDevice;
import dev.tessera.opencl.ProgramCache;

/**
 * {@code tessera tune} for the GPU family's kernels other than the GEMM: for one group of {@link GpuOperatorParameters}
 * at a time (convolution tiles, pooling, LRN, element-wise, reductions), a bounded random search over the group's
 * values, the others held at the current choice. Each candidate runs the group's representative problems through a
 * GPU-family {@link OpenClBackend} (the same code {@code op}, {@code run} and {@code bench} use), every output checked
 * against the double-precision reference within the kernel's {@link Tolerances} bound before the candidate may win,
 * and the kernel that ran checked to be the group's own (a fallback to a shared kernel is not a measurement of the
 * candidate); its time is the best of three of the summed kernel times. Candidates the device cannot run as asked
 * ({@link GpuOperatorParameters#problemsOn}) are refused with the reasons.
 */
public final class GpuOperatorTuner {
    /** One representative problem: an operator, its inputs, the convolution algorithm and the kernel that must run. */
    public record Problem(String name, Operator op, List<Tensor> inputs, ConvAlgorithm algorithm, String kernel) {
    }

    private final ClDevice device;
    private final ProgramCache cache;
    private final KernelSelection base;
    private final LongSupplier clock;
    private final ReferenceBackend reference = new ReferenceBackend();
    private java.util.function.BiFunction<GpuOperatorParameters, Tensor, Tensor> outputs = (p, output) -> output;

    /**
     * A tuner on {@code device} (its limits are the ones candidates must respect) starting from {@code base} (the GPU
     * family's current selection: GEMM and the other groups' values stay as there).
     */
    public GpuOperatorTuner(ClDevice device, ProgramCache cache, KernelSelection base, LongSupplier clock) {
        if (base.operators() == null) {
            throw new IllegalArgumentException("the operator tuner needs a GPU-family selection");
        }
        this.device = device;
        this.cache = cache;
        this.base = base;
        this.clock = clock;
    }

    /** Tests: passes every output a candidate computes through {@code filter} before it is checked. */
    void filterOutputs(java.util.function.BiFunction<GpuOperatorParameters, Tensor, Tensor> filter) {
        this.outputs = filter;
    }

    /**
     * The representative problems of each group, from ResNet-50 and VGG-16 at an input of 112 x 112 (a quarter of
     * the pixels of 224, so that a search on a slow device tries more than one candidate), batch 1; LRN, which neither
     * network has, at GoogLeNet's first LRN's channels. {@code scale} divides the spatial sizes and channels (1: as
     * described; tests use more).
     */
    public static Map<String, List<Problem>> representative(int scale) {
        int s = Math.max(1, scale);
        Map<String, List<Problem>> problems = new LinkedHashMap<>();
        int c = Math.max(2, 64 / s);
        int hw = Math.max(5, 28 / s);
        Operator.Conv2d conv = new Operator.Conv2d(1, 1, 1, 1, 1, 1, 1, 1, 1, true);
        List<Tensor> convInputs = List.of(Tensor.random(11, -1, 1, 1, c, hw, hw),
                Tensor.random(12, -0.1f, 0.1f, c, c, 3, 3), Tensor.random(13, -0.1f, 0.1f, c));
        problems.put("conv", List.of(
                new Problem("resnet50 conv2_x 3x3 (" + c + "->" + c + ", " + hw + "x" + hw + ") direct", conv,
                        convInputs, ConvAlgorithm.DIRECT, "direct"),
                new Problem("same, winograd-2x2 (tiled input transform)", conv, convInputs,
                        ConvAlgorithm.WINOGRAD_2X2, "winograd-2x2")));
        int pc = Math.max(2, 128 / s);
        int phw = Math.max(5, 56 / s);
        problems.put("pool", List.of(
                new Problem("vgg16 pool2 2x2/2 (" + pc + "x" + phw + "x" + phw + ")",
                        Operator.Pool.of(Operator.Pool.Kind.MAX, 2, 2, 0), List.of(Tensor.random(21, -1, 1, 1, pc,
                                phw, phw)), ConvAlgorithm.AUTO, "pool_tiled"),
                new Problem("resnet50 stem max pool 3x3/2 pad 1 (" + c + "x" + phw + "x" + phw + ")",
                        Operator.Pool.of(Operator.Pool.Kind.MAX, 3, 2, 1), List.of(Tensor.random(22, -1, 1, 1, c,
                                phw, phw)), ConvAlgorithm.AUTO, "pool_tiled")));
        problems.put("lrn", List.of(new Problem("googlenet lrn size 5 (" + c + "x" + hw + "x" + hw + ")",
                new Operator.Lrn(5, 1e-4, 0.75, 1, true), List.of(Tensor.random(31, -2, 2, 1, c, hw, hw)),
                ConvAlgorithm.AUTO, "lrn_tiled")));
        int ec = Math.max(2, 256 / s);
        problems.put("eltwise", List.of(new Problem("resnet50 residual add + relu (" + ec + "x" + hw + "x" + hw + ")",
                new Operator.Add(true), List.of(Tensor.random(41, -1, 1, 1, ec, hw, hw),
                        Tensor.random(42, -1, 1, 1, ec, hw, hw)), ConvAlgorithm.AUTO, "residual_add_vec")));
        int features = Math.max(8, 2048 / s);
        int classes = Math.max(8, 1000 / s);
        problems.put("reduce", List.of(
                new Problem("resnet50 global average pool (" + features + "x7x7)", new Operator.GlobalAvgPool(),
                        List.of(Tensor.random(51, -1, 1, 1, features, 7, 7)), ConvAlgorithm.AUTO,
                        "global_avg_pool_workgroup"),
                new Problem("resnet50 fc " + features + "->" + classes + " at batch 1",
                        new Operator.FullyConnected(false), List.of(Tensor.random(52, -1, 1, 1, features),
                                Tensor.random(53, -0.05f, 0.05f, classes, features),
                                Tensor.random(54, -0.1f, 0.1f, classes)), ConvAlgorithm.AUTO, "fc_workgroup"),
                new Problem("softmax over " + classes, new Operator.Softmax(),
                        List.of(Tensor.random(55, -5, 5, 1, classes)), ConvAlgorithm.AUTO, "softmax_workgroup")));
        return problems;
    }

    /** The values tune tries for {@code group}'s parameters (before the device's limits refuse some). */
    public static List<Map<String, Integer>> space(String group) {
        List<Map<String, Integer>> space = new ArrayList<>();
        switch (group) {
            case "eltwise" -> pairs(space, "VECTOR_WIDTH", new int[] {1, 2, 4, 8, 16}, "ELEMENT_GROUP",
                    new int[] {32, 64, 128, 256, 512, 1024});
            case "pool" -> pairs(space, "POOL_TILE_Q", new int[] {4, 8, 16, 32, 64}, "POOL_TILE_P",
                    new int[] {1, 2, 4, 8, 16});
            case "lrn" -> pairs(space, "LRN_PIXELS", new int[] {8, 16, 32, 64, 128}, "LRN_CHANNELS",
                    new int[] {1, 2, 4, 8, 16});
            case "reduce" -> {
                // ROWS at most 4: on PoCL fc_workgroup with ROWS = 8 (128, 512 items) or 16 (1024) did not finish
                // building and running in 150 s (ROWS unrolled group sums, a barrier each step), and no budget can
                // interrupt a build; 1024 x 4 took 8 s
                for (int wg : new int[] {32, 64, 128, 256, 512, 1024}) {
                    for (int rows : new int[] {1, 2, 4}) {
                        space.add(Map.of("WG", wg, "ROWS", rows));
                    }
                }
            }
            case "conv" -> {
                for (int q : new int[] {4, 8, 16, 32}) {
                    for (int p : new int[] {2, 4, 8, 16}) {
                        for (int cc : new int[] {2, 4, 8, 16, 32}) {
                            space.add(Map.of("CONV_TILE_Q", q, "CONV_TILE_P", p, "CC", cc));
                        }
                    }
                }
            }
            default -> throw new IllegalArgumentException("no operator parameter group '" + group + "'");
        }
        return space;
    }

    private static void pairs(List<Map<String, Integer>> space, String a, int[] as, String b, int[] bs) {
        for (int x : as) {
            for (int y : bs) {
                space.add(Map.of(a, x, b, y));
            }
        }
    }

    /**
     * Searches {@code group} on {@code problems} for at most {@code budgetSeconds}: the current values first (the
     * baseline), then the group's space in a random order by {@code seed}.
     */
    public TuningSearch.Result<GpuOperatorParameters> search(String group, List<Problem> problems,
            double budgetSeconds, long seed) {
        GpuOperatorParameters current = base.operators().parameters();
        Set<GpuOperatorParameters> order = new LinkedHashSet<>();
        order.add(current);
        List<Map<String, Integer>> space = space(group);
        Collections.shuffle(space, new Random(seed));
        for (Map<String, Integer> values : space) {
            try {
                order.add(current.with(group, values));
            } catch (IllegalArgumentException invalid) {
                // a combination the record refuses (ROWS above WG): not a candidate
            }
        }
        return search(group, problems, new ArrayList<>(order), budgetSeconds);
    }

    /** Tries {@code candidates} for {@code group} in the order given (the first is the baseline). */
    public TuningSearch.Result<GpuOperatorParameters> search(String group, List<Problem> problems,
            List<GpuOperatorParameters> candidates, double budgetSeconds) {
        return new TuningSearch<GpuOperatorParameters>(clock).run(candidates, evaluator(group, problems),
                budgetSeconds);
    }

    /**
     * Re-times {@code result}'s baseline and best round-robin, {@code rounds} times: the best's time over the
     * baseline's per round ({@link TuningSearch#confirm}).
     */
    public List<Double> confirm(String group, List<Problem> problems, TuningSearch.Result<GpuOperatorParameters> result,
            int rounds) {
        if (rounds < 1) {
            return List.of();
        }
        return new TuningSearch<GpuOperatorParameters>(clock).confirm(result, evaluator(group, problems), rounds);
    }

    private TuningSearch.Evaluator<GpuOperatorParameters> evaluator(String group, List<Problem> problems) {
        List<Tensor> expected = problems.stream().map(p -> reference.run(p.op(), p.inputs()).output()).toList();
        return new TuningSearch.Evaluator<>() {
            @Override
            public List<String> refusals(GpuOperatorParameters candidate) {
                return candidate.problemsOn(device.info(), group);
            }

            @Override
            public TuningSearch.Measurement measure(GpuOperatorParameters candidate) {
                return GpuOperatorTuner.this.measure(candidate, problems, expected);
            }
        };
    }

    private TuningSearch.Measurement measure(GpuOperatorParameters candidate, List<Problem> problems,
            List<Tensor> expected) {
        KernelSelection selection = new KernelSelection(KernelFamily.GPU, base.xgemm(),
                new GpuOperatorParameters.Choice(candidate, "tune candidate"), base.origin());
        double worstRatio = -1;
        double worstError = Double.NaN;
        double worstBound = Double.NaN;
        double seconds = 0;
        try (OpenClBackend backend = OpenClBackend.open(device, cache, null, selection)) {
            for (int i = 0; i < problems.size(); i++) {
                Problem problem = problems.get(i);
                OpResult first = backend.run(problem.op(), problem.inputs(), problem.algorithm());
                if (!first.algorithm().equals(problem.kernel())) {
                    return TuningSearch.Measurement.failed(problem.name() + " ran " + first.algorithm() + ", not "
                            + problem.kernel() + (first.note().isEmpty() ? "" : " (" + first.note() + ")"));
                }
                double error = Accuracy.of(outputs.apply(candidate, first.output()), expected.get(i)).relativeL2();
                double bound = Tolerances.relativeL2(problem.kernel());
                double ratio = error / bound;
                if (!(ratio <= worstRatio)) {
                    worstRatio = Double.isNaN(ratio) ? Double.POSITIVE_INFINITY : ratio;
                    worstError = error;
                    worstBound = bound;
                }
                if (!(error <= bound)) {
                    return new TuningSearch.Measurement(error, bound, Double.NaN, null);
                }
                double best = Double.POSITIVE_INFINITY;
                for (int r = 0; r < 3; r++) {
                    best = Math.min(best, backend.run(problem.op(), problem.inputs(), problem.algorithm()).kernelMs());
                }
                seconds += best / 1e3;
            }
        }
        return new TuningSearch.Measurement(worstError, worstBound, seconds, null);
    }
}
