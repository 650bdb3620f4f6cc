package dev.tessera.models;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import dev.tessera.backend.ConvAlgorithm;
import dev.tessera.backend.ConvAlgorithms;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.graph.CompiledGraph;
import dev.tessera.backend.graph.GraphRun;
import dev.tessera.backend.graph.LayerTiming;
import dev.tessera.backend.opencl.OpenClBackend;
import dev.tessera.backend.opencl.plan.PlanOptions;
import dev.tessera.opencl.DeviceSelector;
import dev.tessera.opencl.ProgramCache;

/**
 * Measures whole networks on the OpenCL device-resident plan (not a unit test): compiles each model (AUTO, seeded
 * weights), warms up, then runs {@code runResident()} repeatedly, the models taking turns run by run so that the load
 * of a shared machine falls on all of them alike. Prints per model the best and median wall time of a run, the summed
 * kernel time, launches, and the layers that take the most time (median over runs), grouped by operator and algorithm.
 *
 * <pre>
 * java ... dev.tessera.models.NetworkSpeed [--model resnet50]... [--size 224] [--batch 1] [--runs 20] [--fold]
 *          [--top 15] [--tuning DIR] [--algorithm im2col|direct|...]
 *          [--variant default|unfused-blocking|fused-blocking|unfused-queued|no-residual]... [--resident]
 * </pre>
 * {@code --fold} folds batch norm into the model's convolutions first; each {@code --variant} compiles the model with
 * those {@link PlanOptions}, and the variants take turns run by run too. {@code --tuning DIR} keeps AUTO's choices in
 * a tuning database there (default: none, AUTO times afresh in each process); {@code --algorithm} runs every
 * convolution with that algorithm instead of AUTO (so that variants compare the same kernels). {@code no-residual} is
 * the default plan without the residual add fused into the convolution before it ({@code tessera.fuseResidual=false}).
 * {@code --resident} times the unprofiled {@code runResident()} (the timed path; per-node times NaN) instead of
 * {@code runProfiled()}. Device: {@code TESSERA_TEST_DEVICE} or device 0.
 */
public final class NetworkSpeed {
    private NetworkSpeed() {
    }

    public static void main(String[] args) {
        List<String> models = new ArrayList<>();
        int size = 224;
        int batch = 1;
        int runs = 20;
        int top = 15;
        boolean fold = false;
        boolean resident = false;
        List<String> variants = new ArrayList<>();
        java.nio.file.Path tuningDir = null;
        dev.tessera.backend.ConvAlgorithm algorithm = dev.tessera.backend.ConvAlgorithm.AUTO;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--model" -> models.add(args[++i]);
                case "--size" -> size = Integer.parseInt(args[++i]);
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--top" -> top = Integer.parseInt(args[++i]);
                case "--fold" -> fold = true;
                case "--resident" -> resident = true;
                case "--variant" -> variants.add(args[++i]);
                case "--tuning" -> tuningDir = java.nio.file.Path.of(args[++i]);
                case "--algorithm" -> algorithm = dev.tessera.backend.ConvAlgorithm.parse(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (models.isEmpty()) {
            models.add("resnet50");
        }
        if (variants.isEmpty()) {
            variants.add("default");
        }
        try (OpenClBackend backend = OpenClBackend.open(
                DeviceSelector.fromSetting("tessera.test.device", "TESSERA_TEST_DEVICE"), ProgramCache.defaultCache(),
                tuningDir)) {
            System.out.println("device: " + backend.device());
            Map<String, CompiledGraph> plans = new LinkedHashMap<>();
            Map<String, List<GraphRun>> results = new LinkedHashMap<>();
            Map<String, Long> flops = new LinkedHashMap<>();
            for (String modelName : models) {
                Model model = (ModelZoo.acceptsOtherInputSizes(modelName) ? ModelZoo.build(modelName, size)
                        : ModelZoo.build(modelName)).initialise(7);
                if (fold) {
                    model = model.foldBatchNorm();
                }
                for (String variant : variants) {
                    String name = modelName + " [" + variant + "]";
                    flops.put(name, model.flops() * batch);
                    CompiledGraph plan = compile(backend, model, batch, variant, algorithm);
                    int[] shape = model.inputShape();
                    int[] batched = {batch, shape[0], shape[1], shape[2]};
                    plan.run(Tensor.random(3, -1f, 1f, batched));
                    plan.runResident();
                    plans.put(name, plan);
                    results.put(name, new ArrayList<>());
                    System.out.printf(Locale.ROOT, "%s: compiled in %.0f ms (%s)%n", name,
                            plan.preparation().totalMs(), plan.preparation());
                }
            }
            for (int r = 0; r < runs; r++) {
                for (String name : plans.keySet()) {
                    // profiled, as when the figures in docs/PERFORMANCE.md were taken: the report needs per-node times
                    results.get(name).add(resident ? plans.get(name).runResident() : plans.get(name).runProfiled());
                }
            }
            for (String name : plans.keySet()) {
                report(name, flops.get(name), results.get(name), top);
                plans.get(name).close();
            }
        }
    }

    /**
     * The plan of {@code variant}; {@code no-residual} is the default plan compiled with the system property
     * {@code tessera.fuseResidual=false} (the residual adds keep their own launch).
     */
    private static CompiledGraph compile(OpenClBackend backend, Model model, int batch, String variant,
            ConvAlgorithm algorithm) {
        ConvAlgorithms algorithms = ConvAlgorithms.of(algorithm);
        if (!variant.equals("no-residual")) {
            return backend.compile(model.toGraph(), batch, options(variant).withAlgorithms(algorithms));
        }
        String before = System.getProperty("tessera.fuseResidual");
        System.setProperty("tessera.fuseResidual", "false");
        try {
            return backend.compile(model.toGraph(), batch, PlanOptions.DEFAULT.withAlgorithms(algorithms));
        } finally {
            if (before == null) {
                System.clearProperty("tessera.fuseResidual");
            } else {
                System.setProperty("tessera.fuseResidual", before);
            }
        }
    }

    /** default (fused, queued), unfused-blocking (the plan as first written), fused-blocking, unfused-queued. */
    private static PlanOptions options(String variant) {
        return switch (variant) {
            case "default" -> PlanOptions.DEFAULT;
            case "unfused-blocking" -> PlanOptions.UNFUSED_BLOCKING;
            case "fused-blocking" -> new PlanOptions(true, false);
            case "unfused-queued" -> new PlanOptions(false, true);
            default -> throw new IllegalArgumentException("unknown variant " + variant);
        };
    }

    private static void report(String name, long flops, List<GraphRun> runs, int top) {
        double[] wall = runs.stream().mapToDouble(GraphRun::wallMs).sorted().toArray();
        double[] kernel = runs.stream().mapToDouble(GraphRun::kernelMs).sorted().toArray();
        int launches = runs.get(0).layers().stream().mapToInt(LayerTiming::launches).sum();
        double median = wall[wall.length / 2];
        System.out.printf(Locale.ROOT, "%n== %s: wall best %.2f ms, median %.2f ms (%.1f GFLOP/s at the median);"
                + " kernel sum best %.2f median %.2f ms; %d nodes, %d launches per run%n", name, wall[0], median,
                flops / median / 1e6, kernel[0], kernel[kernel.length / 2], runs.get(0).layers().size(), launches);
        int nodes = runs.get(0).layers().size();
        List<double[]> perNode = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
            final int node = i;
            double[] w = runs.stream().mapToDouble(run -> run.layers().get(node).wallMs()).sorted().toArray();
            double[] k = runs.stream().mapToDouble(run -> run.layers().get(node).kernelMs()).sorted().toArray();
            perNode.add(new double[] {i, w[w.length / 2], k[k.length / 2]});
        }
        Map<String, double[]> groups = new TreeMap<>();
        for (double[] n : perNode) {
            LayerTiming t = runs.get(0).layers().get((int) n[0]);
            double[] g = groups.computeIfAbsent(t.operator() + " / " + t.algorithm(), key -> new double[3]);
            g[0] += n[1];
            g[1] += n[2];
            g[2] += 1;
        }
        System.out.println("by operator / algorithm (median wall ms, kernel ms, nodes):");
        groups.entrySet().stream().sorted(Comparator.comparingDouble(e -> -e.getValue()[0]))
                .forEach(e -> System.out.printf(Locale.ROOT, "  %-32s %8.2f %8.2f %4.0f%n", e.getKey(), e.getValue()[0],
                        e.getValue()[1], e.getValue()[2]));
        System.out.println("top nodes (median wall ms, kernel ms, launches):");
        perNode.stream().sorted(Comparator.comparingDouble(n -> -n[1])).limit(top).forEach(n -> {
            LayerTiming t = runs.get(0).layers().get((int) n[0]);
            System.out.printf(Locale.ROOT, "  %-28s %-10s %-14s %8.3f %8.3f %3d%n", t.node(), t.operator(),
                    t.algorithm(), n[1], n[2], t.launches());
        });
        System.out.println("wall ms per run: " + Arrays.toString(Arrays.stream(wall).map(x -> Math.round(x * 10) / 10.0)
                .toArray()));
    }
}
