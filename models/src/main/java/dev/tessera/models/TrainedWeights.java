package dev.tessera.models;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

import dev.tessera.models.onnx.OnnxImporter;

/**
 * Weights Tessera trained itself and ships as classpath resources. {@code lenet5Mnist()}: the zoo's {@code lenet5}
 * trained on the 8,000 training digits of {@link dev.tessera.models.data.NpmSplit} by {@code tessera train lenet5}
 * (the command, seed, epochs and the held-out accuracy are in docs/ACCURACY.md), stored as the ONNX file
 * {@value #LENET5_MNIST}.
 */
public final class TrainedWeights {
    /** The classpath resource of the trained LeNet-5 (ONNX, written by {@code OnnxExporter}). */
    public static final String LENET5_MNIST = "dev/tessera/models/weights/lenet5-mnist.onnx";

    private TrainedWeights() {
    }

    /** The trained LeNet-5: the zoo's lenet5 layers with the trained MNIST weights. */
    public static Model lenet5Mnist() {
        try (InputStream in = TrainedWeights.class.getClassLoader().getResourceAsStream(LENET5_MNIST)) {
            if (in == null) {
                throw new IllegalStateException("the trained weights " + LENET5_MNIST + " are missing from the"
                        + " classpath");
            }
            return OnnxImporter.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + LENET5_MNIST + ": " + e.getMessage(), e);
        }
    }
}
