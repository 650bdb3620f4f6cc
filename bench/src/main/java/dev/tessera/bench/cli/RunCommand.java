package dev.tessera.bench.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.tessera.backend.Backend;
import dev.tessera.backend.CheckedSizes;
import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.graph.CompiledGraph;
import dev.tessera.backend.io.Npy;
import dev.tessera.models.Layer;
import dev.tessera.models.Model;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tessera run MODEL|file.onnx}: one forward pass, the top-5 classes per image. */
@Command(name = "run", mixinStandardHelpOptions = true, description = {
        "Run a forward pass of a built-in model or an ONNX file and print the top-5 classes of each image with their "
                + "probabilities.",
        "Built-in models get seeded random weights (lenet5 its trained MNIST weights when "
                + "no --seed is given). Without --input the input is seeded random, uniform in [0, 1). "
                + "Probabilities are the model's softmax output, or a softmax of its output when its last layer is "
                + "not a softmax (the output says which).",
        "A model whose output is not class scores [N, K] (a feature map, a segmentation) gets its output's shape and "
                + "summary statistics instead of top-5; --out writes the output. An ONNX file whose input has "
                + "symbolic dimensions (H and W of a fully convolutional model) takes them from --input."})
final class RunCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL|FILE.onnx", description = "A model from 'tessera models' or an ONNX "
            + "file.")
    String modelSpec;

    @Mixin
    BackendOptions backend = BackendOptions.anyBackend();

    @Mixin
    KernelsOption kernels = new KernelsOption();

    @Option(names = "--input", paramLabel = "X.npy", description = "Input [N, C, H, W] or [C, H, W], float32.")
    Path input;

    @Option(names = "--out", paramLabel = "Y.npy", description = "Where to write the model's output (before any "
            + "softmax this command applies), atomically; written only on success.")
    Path out;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of a built-in model's weights and of the random "
            + "input (an ONNX file keeps its own weights). Default: " + ModelSource.DEFAULT_SEED + ".")
    Long seed;

    @Option(names = "--input-size", paramLabel = "N", description = "Square input size for VGG and ResNet (e.g. 32).")
    Integer inputSize;

    @Option(names = "--batch", paramLabel = "N", description = "Images in the random input (default 1); with --input, "
            + "must match its first dimension.")
    Integer batch;

    @Option(names = "--json", description = "Print one JSON object: model, source, weights, backend, device, ran_on, "
            + "kernels (the OpenCL kernel family and parameters), input, output_shape, softmax_applied, compile_ms, "
            + "run_ms, top5 (per image: class and probability; null when the output is not class scores), "
            + "output_summary (values, min, max, mean, std, non_finite; null for class scores), output.")
    boolean json;

    @Option(names = "--plan", description = "Also print the compiled plan: every layer's algorithm (AUTO's choices) and"
            + " note; with --json as \"plan\".")
    boolean plan;

    @Spec
    CommandSpec spec;

    /** One of the top classes of an image. */
    record Ranked(int classIndex, double probability) {
    }

    @Override
    public Integer call() {
        if (out != null) {
            OutputPaths.requireFile(out, "--out");
        }
        if (batch != null && batch < 1) {
            throw new IllegalArgumentException("--batch must be at least 1: " + batch);
        }
        kernels.requireOpenCl(backend.name());
        ModelSource source = ModelSource.open(modelSpec, seed, inputSize, input);
        if (seed != null && input != null && source.source().equals("onnx")) {
            throw new IllegalArgumentException("--seed has nothing to seed: " + modelSpec + " brings its own weights"
                    + " and --input gives the input");
        }
        Model model = source.model();
        Tensor x = input == null ? randomInput(model) : readInput(model);
        String inputText = input == null ? "random uniform [0, 1), seed " + inputSeed() : input.toString();
        int n = x.dim(0);
        boolean classScores = isClassScores(model, n);

        Tensor y;
        String backendName;
        String deviceName;
        String ranOn;
        double compileMs;
        double runMs;
        List<CompiledGraph.PlannedLayer> layers;
        Map<String, Object> kernelsUsed;
        try (Backend b = backend.open(kernels)) {
            kernelsUsed = KernelsOption.describe(b);
            long start = System.nanoTime();
            try (CompiledGraph graph = model.compile(b, n)) {
                compileMs = (System.nanoTime() - start) / 1e6;
                start = System.nanoTime();
                y = graph.run(x);
                runMs = (System.nanoTime() - start) / 1e6;
                ranOn = graph.ranOn();
                layers = graph.layers();
            }
            backendName = b.name();
            deviceName = b.device();
        }
        if (out != null) {
            Npy.write(out, y);
        }

        Layer last = model.layers().get(model.layers().size() - 1);
        boolean applySoftmax = classScores && !(last.op() instanceof Operator.Softmax);
        long nonFinite = y.countNonFinite();
        // an image whose scores hold NaN or Inf gets no ranking: a top-5 of nonsense must not look like an answer
        List<List<Ranked>> top = !classScores ? null
                : nonFinite == 0 ? topClasses(y, applySoftmax, 5) : rankedFinite(y, applySoftmax);
        OutputSummary summary = classScores ? null : OutputSummary.of(y);
        if (nonFinite > 0) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("tessera run: warning: " + nonFinite + " of " + y.size() + " output values are NaN or "
                    + "infinite" + (classScores ? "; no top-5 is shown for the images they belong to" : ""));
            err.flush();
        }
        PrintWriter w = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("model", model.name());
            j.put("source", source.source());
            j.put("weights", source.weights());
            j.put("backend", backendName);
            j.put("device", deviceName);
            j.put("ran_on", ranOn);
            j.put("kernels", kernelsUsed);
            j.put("input", inputText);
            j.put("input_shape", x.shape());
            j.put("output_shape", y.shape());
            j.put("softmax_applied", applySoftmax);
            j.put("compile_ms", compileMs);
            j.put("run_ms", runMs);
            j.put("non_finite_outputs", nonFinite);
            j.put("top5", top);
            j.put("output_summary", summary == null ? null : summary.json());
            j.put("output", out == null ? null : out.toString());
            if (plan) {
                j.put("plan", layers.stream().map(l -> {
                    Map<String, Object> layer = new LinkedHashMap<>();
                    layer.put("layer", l.node());
                    layer.put("operator", l.operator());
                    layer.put("algorithm", l.algorithm());
                    layer.put("note", l.note());
                    return layer;
                }).toList());
            }
            w.println(Json.write(j));
        } else {
            w.printf(Locale.ROOT, "%s (%s, weights %s) on %s (%s), input %s %s: compiled in %.1f ms, ran in %.1f ms%n",
                    model.name(), source.source(), source.weights(), backendName, ranOn, x.shapeString(), inputText,
                    compileMs, runMs);
            if (kernelsUsed != null) {
                w.println("kernels: " + kernelsUsed);
            }
            if (!classScores) {
                w.println("output " + y.shapeString() + " (not class scores [N, K]; no top-5): " + summary.line());
                if (out == null) {
                    w.println("write it with --out y.npy");
                }
            } else {
                w.println(applySoftmax ? "probabilities: softmax of the output (the last layer, " + last.name()
                        + ", is " + last.op().name() + ", not softmax)" : "probabilities: the model's softmax output");
            }
            TextTable table = new TextTable("image", "rank", "class", "probability");
            for (int i = 0; top != null && i < top.size(); i++) {
                if (top.get(i).isEmpty()) {
                    table.row(String.valueOf(i), "-", "-", "none: scores not finite");
                }
                for (int r = 0; r < top.get(i).size(); r++) {
                    Ranked c = top.get(i).get(r);
                    table.row(String.valueOf(i), String.valueOf(r + 1), String.valueOf(c.classIndex()),
                            String.format(Locale.ROOT, "%.6f", c.probability()));
                }
            }
            if (top != null) {
                w.print(table.render());
            }
            if (out != null) {
                w.println("output " + y.shapeString() + " written to " + out);
            }
            if (plan) {
                TextTable planTable = new TextTable("layer", "operator", "algorithm", "note");
                layers.forEach(l -> planTable.row(l.node(), l.operator(), l.algorithm(), l.note()));
                w.print(planTable.render());
            }
        }
        w.flush();
        return 0;
    }

    /** {@link #topClasses}, with an empty ranking for each image whose scores are not all finite. */
    private static List<List<Ranked>> rankedFinite(Tensor y, boolean applySoftmax) {
        List<List<Ranked>> all = topClasses(y, applySoftmax, 5);
        int classes = y.size() / y.dim(0);
        List<List<Ranked>> result = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            boolean finite = true;
            for (int c = 0; c < classes; c++) {
                finite &= Float.isFinite(y.data()[i * classes + c]);
            }
            result.add(finite ? all.get(i) : List.of());
        }
        return result;
    }

    private long inputSeed() {
        return seed == null ? ModelSource.DEFAULT_SEED : seed;
    }

    /** Seeded uniform [0, 1) input of --batch images (the input the command uses without --input). */
    private Tensor randomInput(Model model) {
        int[] chw = model.inputShape();
        int n = batch == null ? 1 : batch;
        CheckedSizes.tensorElements("--batch " + n + " images of " + Tensor.shapeString(chw), n, chw[0], chw[1],
                chw[2]);
        return Tensor.random(inputSeed(), 0f, 1f, n, chw[0], chw[1], chw[2]);
    }

    private Tensor readInput(Model model) {
        Tensor x = Npy.read(input);
        int[] chw = model.inputShape();
        if (x.rank() == 3) {
            x = x.reshape(1, x.dim(0), x.dim(1), x.dim(2));
        }
        int[] s = x.shape();
        if (s.length != 4 || s[1] != chw[0] || s[2] != chw[1] || s[3] != chw[2]) {
            throw new IllegalArgumentException(input + ": shape " + x.shapeString() + " does not fit " + model.name()
                    + ", which takes Nx" + Tensor.shapeString(chw) + " (or " + Tensor.shapeString(chw) + ")");
        }
        if (batch != null && batch != s[0]) {
            throw new IllegalArgumentException("--batch " + batch + " does not match the " + s[0] + " images in "
                    + input);
        }
        return x;
    }

    /** Whether the output is [N, K] or [N, K, 1, ..., 1]: class scores, for top-5. */
    private static boolean isClassScores(Model model, int n) {
        int[] s = model.outputShape(n);
        return s.length >= 2 && Tensor.sizeOf(s) == (long) s[0] * s[1];
    }

    /**
     * The {@code k} most probable classes of each image, most probable first (ties: lower class first); with
     * {@code applySoftmax}, probabilities are a softmax of the scores (in double), else the scores themselves.
     */
    static List<List<Ranked>> topClasses(Tensor scores, boolean applySoftmax, int k) {
        int n = scores.dim(0);
        int classes = scores.size() / n;
        List<List<Ranked>> result = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double[] p = new double[classes];
            for (int c = 0; c < classes; c++) {
                p[c] = scores.data()[i * classes + c];
            }
            if (applySoftmax) {
                double max = Arrays.stream(p).max().orElse(0);
                double sum = 0;
                for (int c = 0; c < classes; c++) {
                    p[c] = Math.exp(p[c] - max);
                    sum += p[c];
                }
                for (int c = 0; c < classes; c++) {
                    p[c] /= sum;
                }
            }
            Integer[] order = new Integer[classes];
            for (int c = 0; c < classes; c++) {
                order[c] = c;
            }
            Arrays.sort(order, (a, b) -> p[a] != p[b] ? Double.compare(p[b], p[a]) : Integer.compare(a, b));
            List<Ranked> best = new ArrayList<>();
            for (int r = 0; r < Math.min(k, classes); r++) {
                best.add(new Ranked(order[r], p[order[r]]));
            }
            result.add(best);
        }
        return result;
    }
}
