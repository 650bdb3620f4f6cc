package dev.tessera.api;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

import dev.tessera.backend.Tensor;
import dev.tessera.backend.io.Npy;

/**
 * A network's output for one batch: {@code [N, classes]} scores (or whatever the last layer gives) in row-major
 * order. Immutable.
 */
public final class Output {
    private final float[] values;
    private final int[] shape;

    Output(float[] values, int[] shape) {
        this.values = values;
        this.shape = shape.clone();
    }

    /**
     * Every value.
     *
     * @return a copy of the values, row-major
     */
    public float[] values() {
        return values.clone();
    }

    /**
     * The shape.
     *
     * @return a copy of the shape, e.g. [8, 1000]
     */
    public int[] shape() {
        return shape.clone();
    }

    /**
     * The batch size.
     *
     * @return images in the batch
     */
    public int batch() {
        return shape[0];
    }

    /**
     * One image's values.
     *
     * @param i the image, from 0
     * @return a copy of its values
     */
    public float[] image(int i) {
        int per = values.length / shape[0];
        return Arrays.copyOfRange(values, i * per, (i + 1) * per);
    }

    /**
     * The predicted class.
     *
     * @param i the image, from 0
     * @return the index of its highest score
     */
    public int argmax(int i) {
        return topK(i, 1)[0];
    }

    /**
     * The best classes.
     *
     * @param i the image, from 0
     * @param k how many
     * @return the indices of its {@code k} highest scores, highest first (ties: lower index first)
     */
    public int[] topK(int i, int k) {
        float[] row = image(i);
        return IntStream.range(0, row.length).boxed()
                .sorted(Comparator.comparingDouble((Integer c) -> -row[c]).thenComparingInt(c -> c))
                .limit(k).mapToInt(Integer::intValue).toArray();
    }

    /**
     * Writes the output as a NumPy {@code .npy} file (float32), atomically.
     *
     * @param file where to write; an existing file is replaced
     */
    public void saveNpy(Path file) {
        Npy.write(file, new Tensor(values.clone(), shape));
    }
}
