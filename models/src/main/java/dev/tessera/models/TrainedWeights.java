package dev.tessera.models;

/**
 * Weights Tessera trained itself and ships as classpath resources. {@code lenet5Mnist()}: the zoo's {@code lenet5}
 * trained on the 8,000 training digits of {@link dev.tessera.models.data.NpmSplit} by {@code tessera train lenet5}
 * (the command, seed, epochs and the held-out accuracy are in docs/ACCURACY.md), stored as NumPy files under
 * {@value #LENET5_MNIST}.
 */
public final class TrainedWeights {
    /** The classpath folder of the trained LeNet-5's parameter files ({@link NpyWeights} names). */
    public static final String LENET5_MNIST = "dev/tessera/models/weights/lenet5-mnist";

    private TrainedWeights() {
    }

    /** The zoo's lenet5 with the trained MNIST weights. */
    public static Model lenet5Mnist() {
        return NpyWeights.readResources(ModelZoo.build("lenet5"), LENET5_MNIST);
    }
}
