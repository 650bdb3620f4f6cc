package dev.tessera.backend;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Collectors;

/**
 * A float32 tensor in host memory, row-major (C order). Activations are NCHW, convolution weights OIHW (out channels, in
 * channels per group, kernel height, kernel width), fully-connected weights [out, in].
 *
 * <p>The data array is shared, not copied: {@link #data()} and {@link #reshape} expose the same floats.
 */
public final class Tensor {
    private final int[] shape;
    private final float[] data;

    public Tensor(float[] data, int... shape) {
        this.shape = shape.clone();
        long size = sizeOf(this.shape);
        if (size != data.length) {
            throw new IllegalArgumentException("shape " + shapeString(shape) + " holds " + size + " values, data has "
                    + data.length);
        }
        this.data = data;
    }

    public static Tensor zeros(int... shape) {
        int size = CheckedSizes.tensorElements("tensor " + shapeString(shape), shape);
        HeapBudget.require("tensor " + shapeString(shape), (long) size * Float.BYTES);
        return new Tensor(new float[size], shape);
    }

    /** Uniformly random values in [lo, hi), reproducible from {@code seed}. */
    public static Tensor random(long seed, float lo, float hi, int... shape) {
        Tensor t = zeros(shape);
        SplittableRandom random = new SplittableRandom(seed);
        float[] d = t.data;
        for (int i = 0; i < d.length; i++) {
            d[i] = lo + (hi - lo) * (float) random.nextDouble();
        }
        return t;
    }

    public int rank() {
        return shape.length;
    }

    public int dim(int axis) {
        return shape[axis < 0 ? shape.length + axis : axis];
    }

    public int[] shape() {
        return shape.clone();
    }

    public float[] data() {
        return data;
    }

    public int size() {
        return data.length;
    }

    /** The same data under another shape with the same number of values. */
    public Tensor reshape(int... newShape) {
        return new Tensor(data, newShape);
    }

    public Tensor copy() {
        return new Tensor(data.clone(), shape);
    }

    /** The value at a full index (one coordinate per axis). */
    public float get(int... index) {
        return data[offset(index)];
    }

    public void set(float value, int... index) {
        data[offset(index)] = value;
    }

    private int offset(int[] index) {
        if (index.length != shape.length) {
            throw new IllegalArgumentException("index of rank " + index.length + " into tensor of rank " + shape.length);
        }
        int offset = 0;
        for (int axis = 0; axis < shape.length; axis++) {
            if (index[axis] < 0 || index[axis] >= shape[axis]) {
                throw new IndexOutOfBoundsException("index " + Arrays.toString(index) + " outside " + shapeString(shape));
            }
            offset = offset * shape[axis] + index[axis];
        }
        return offset;
    }

    public String shapeString() {
        return shapeString(shape);
    }

    /** How many values are NaN or infinite. */
    public long countNonFinite() {
        long count = 0;
        for (float v : data) {
            count += Float.isFinite(v) ? 0 : 1;
        }
        return count;
    }

    public static String shapeString(int[] shape) {
        return Arrays.stream(shape).mapToObj(Integer::toString).collect(Collectors.joining("x"));
    }

    public static long sizeOf(int[] shape) {
        for (int d : shape) {
            if (d <= 0) {
                throw new IllegalArgumentException("shape " + shapeString(shape) + " has a non-positive dimension");
            }
        }
        long[] dims = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            dims[i] = shape[i];
        }
        return CheckedSizes.elements("shape " + shapeString(shape), dims);
    }

    @Override
    public String toString() {
        return "Tensor[" + shapeString() + "]";
    }
}
