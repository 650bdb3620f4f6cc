package dev.tessera.bench.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import dev.tessera.models.Model;
import dev.tessera.models.ModelZoo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "models", mixinStandardHelpOptions = true, description = {
        "List the built-in models: input shape, number of layers, parameters, multiply-accumulates (MACs) and FLOPs "
                + "for one image.",
        "Parameters count weights, biases and batch-norm gamma/beta (not running statistics). MACs count "
                + "convolutions and fully-connected layers only; FLOPs = 2 x MACs."})
final class ModelsCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", paramLabel = "NAME", description = "Models to list (default: all).")
    List<String> names = new ArrayList<>();

    @Option(names = "--json", description = "Print a JSON array: name, input_shape, input_size, layers, parameters, "
            + "macs, flops (= 2 x macs).")
    boolean json;

    @Option(names = "--input-size", paramLabel = "N", description = "Square input size for the models that accept "
            + "other sizes (VGG, ResNet; e.g. 32 for quick runs). Listing all models, LeNet-5 and AlexNet stay at "
            + "their fixed size; naming one of them with another size is an error.")
    Integer inputSize;

    @Spec
    CommandSpec spec;

    /** One row of the listing. */
    record ModelInfo(String name, int[] inputShape, int inputSize, int layers, long parameters, long macs, long flops) {
    }

    @Override
    public Integer call() {
        boolean explicit = !names.isEmpty();
        List<ModelInfo> rows = new ArrayList<>();
        for (String name : explicit ? names : ModelZoo.names()) {
            Model model;
            if (inputSize == null || (!explicit && !ModelZoo.acceptsOtherInputSizes(name))) {
                model = ModelZoo.build(name);
            } else {
                model = ModelZoo.build(name, inputSize);
            }
            rows.add(info(model));
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.write(rows));
        } else {
            out.print(table(rows));
        }
        out.flush();
        return 0;
    }

    static ModelInfo info(Model model) {
        int[] chw = model.inputShape();
        return new ModelInfo(model.name(), chw, chw[1], model.layers().size(), model.parameterCount(), model.macs(),
                model.flops());
    }

    static String table(List<ModelInfo> rows) {
        TextTable table = new TextTable("model", "input", "layers", "parameters", "MACs", "GFLOPs");
        for (ModelInfo r : rows) {
            table.row(r.name(), r.inputShape()[0] + "x" + r.inputShape()[1] + "x" + r.inputShape()[2],
                    String.valueOf(r.layers()), String.format(Locale.ROOT, "%,d", r.parameters()),
                    String.format(Locale.ROOT, "%,d", r.macs()),
                    String.format(Locale.ROOT, "%.3f", r.flops() / 1e9));
        }
        return table.render() + "MACs: multiply-accumulates per image, convolutions and FC layers only; "
                + "FLOPs = 2 x MACs.\n";
    }
}
