package dev.tessera.models;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import dev.tessera.backend.Tensor;
import dev.tessera.backend.io.Npy;

/**
 * A model's parameter values as NumPy files, one per parameter, named {@code <layer>.<parameter>.npy} (for example
 * {@code conv1.weight.npy}, {@code fc3.bias.npy}): readable by numpy and by {@code tessera op}. The architecture comes
 * from the zoo; only the values are stored ({@code tessera train --out DIR}; a whole model goes to ONNX instead).
 */
public final class NpyWeights {
    private NpyWeights() {
    }

    /** The file name of one parameter. */
    public static String fileName(Layer layer, Parameter parameter) {
        return layer.name() + "." + parameter.name() + ".npy";
    }

    /**
     * Writes every parameter of {@code model} (initialised) into {@code directory}, creating it; each file is written
     * atomically.
     */
    public static void write(Model model, Path directory) {
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create weights directory " + directory + ": " + e, e);
        }
        for (Layer layer : model.layers()) {
            for (Parameter p : layer.parameters()) {
                Npy.write(directory.resolve(fileName(layer, p)), p.requireValue(layer.name()));
            }
        }
    }

    /**
     * {@code architecture} holding the values in {@code directory}.
     *
     * @throws IllegalArgumentException naming the file when one is missing or has the wrong shape
     */
    public static Model read(Model architecture, Path directory) {
        return withValues(architecture, (layer, p) -> Npy.read(directory.resolve(fileName(layer, p))));
    }

    private interface ValueSource {
        Tensor value(Layer layer, Parameter parameter);
    }

    private static Model withValues(Model architecture, ValueSource source) {
        List<Layer> layers = new ArrayList<>();
        for (Layer layer : architecture.layers()) {
            List<Parameter> ps = new ArrayList<>();
            for (Parameter p : layer.parameters()) {
                Tensor value = source.value(layer, p);
                if (!Arrays.equals(value.shape(), p.shape())) {
                    throw new IllegalArgumentException(fileName(layer, p) + " holds " + value.shapeString()
                            + ", but " + architecture.name() + " needs " + Tensor.shapeString(p.shape()));
                }
                ps.add(p.withValue(value));
            }
            layers.add(new Layer(layer.name(), layer.op(), layer.inputs(), ps));
        }
        return new Model(architecture.name(), architecture.inputShape(), layers);
    }
}
