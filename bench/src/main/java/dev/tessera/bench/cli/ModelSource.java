package dev.tessera.bench.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import dev.tessera.backend.io.Npy;
import dev.tessera.models.Model;
import dev.tessera.models.ModelZoo;
import dev.tessera.models.TrainedWeights;
import dev.tessera.models.onnx.OnnxImporter;

/**
 * The model a command names: a built-in model (with seeded weights, or LeNet-5's trained weights where the build has
 * them) or an ONNX file (with its own weights).
 *
 * @param model   initialised
 * @param source  "zoo" or "onnx"
 * @param weights what the weights are, for the user: "seeded random (seed 1)", "trained (MNIST)", "from the file"
 */
record ModelSource(Model model, String source, String weights) {
    /** The default seed of the weights and of the random input. */
    static final long DEFAULT_SEED = 1;

    /**
     * @param spec      a model name or a path to a .onnx file
     * @param seed      the weights' seed; null for the default (and, for lenet5, its trained MNIST weights);
     *                  an ONNX file keeps its own weights
     * @param inputSize the input size for models that take other sizes; null for the default
     */
    static ModelSource open(String spec, Long seed, Integer inputSize) {
        return open(spec, seed, inputSize, null);
    }

    /**
     * As {@link #open(String, Long, Integer)}; an ONNX file whose input has symbolic dimensions (H and W of a fully
     * convolutional model) takes them from the shape of {@code input} (a .npy file; null: none given).
     */
    static ModelSource open(String spec, Long seed, Integer inputSize, Path input) {
        if (spec.toLowerCase(Locale.ROOT).endsWith(".onnx") || Files.isRegularFile(Path.of(spec))) {
            if (inputSize != null) {
                throw new IllegalArgumentException("--input-size applies to built-in models; " + spec
                        + " fixes its own input shape");
            }
            Path file = Path.of(spec);
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("no such file: " + spec);
            }
            int[] given = input == null || !Files.isRegularFile(input) ? null : Npy.read(input).shape();
            boolean usable = given != null && (given.length == 3 || given.length == 4);
            return new ModelSource(OnnxImporter.load(file, usable ? given : null), "onnx", "from the file");
        }
        Model shape = inputSize == null ? ModelZoo.build(spec) : ModelZoo.build(spec, inputSize);
        if (seed == null && shape.name().equals("lenet5")) {
            return new ModelSource(TrainedWeights.lenet5Mnist(), "zoo", "trained (MNIST)");
        }
        long s = seed == null ? DEFAULT_SEED : seed;
        return new ModelSource(shape.initialise(s), "zoo", "seeded random (seed " + s + ")");
    }
}
