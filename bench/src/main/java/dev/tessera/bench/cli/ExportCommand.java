package dev.tessera.bench.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.tessera.models.Model;
import dev.tessera.models.onnx.OnnxExporter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code tessera export MODEL --out model.onnx}: a built-in model with its weights as ONNX. */
@Command(name = "export", mixinStandardHelpOptions = true, description = {
        "Write a built-in model with its weights as an ONNX file (opset 13) that ONNX Runtime runs, e.g. to compare "
                + "Tessera with ONNX Runtime on the same weights.",
        "Weights are seeded random (lenet5: its trained MNIST weights where the build has them and no --seed is "
                + "given). The file is written atomically."})
final class ExportCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "A model from 'tessera models'.")
    String name;

    @Option(names = "--out", required = true, paramLabel = "FILE.onnx", description = "Where to write the model.")
    Path out;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of the weights. Default: "
            + ModelSource.DEFAULT_SEED + ".")
    Long seed;

    @Option(names = "--input-size", paramLabel = "N", description = "Square input size for VGG and ResNet (e.g. 32).")
    Integer inputSize;

    @Option(names = "--json", description = "Print one JSON object: model, weights, input_shape, layers, parameters, "
            + "opset, bytes, output.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        OutputPaths.requireFile(out, "--out");
        if (name.toLowerCase(java.util.Locale.ROOT).endsWith(".onnx")) {
            throw new IllegalArgumentException("export takes a built-in model name, not a file: " + name);
        }
        ModelSource source = ModelSource.open(name, seed, inputSize);
        Model model = source.model();
        byte[] bytes = OnnxExporter.toBytes(model);
        OnnxExporter.write(bytes, out);
        PrintWriter w = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("model", model.name());
            j.put("weights", source.weights());
            j.put("input_shape", model.inputShape());
            j.put("layers", model.layers().size());
            j.put("parameters", model.parameterCount());
            j.put("opset", OnnxExporter.OPSET);
            j.put("bytes", bytes.length);
            j.put("output", out.toString());
            w.println(Json.write(j));
        } else {
            w.printf(java.util.Locale.ROOT, "%s (%d layers, %,d parameters, weights %s) -> %s (ONNX opset %d, %,d "
                    + "bytes)%n", model.name(), model.layers().size(), model.parameterCount(), source.weights(), out,
                    OnnxExporter.OPSET, bytes.length);
        }
        w.flush();
        return 0;
    }
}
