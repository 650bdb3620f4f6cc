package dev.tessera.models;

import java.util.Arrays;

import dev.tessera.backend.Tensor;

/**
 * One parameter tensor of a layer: a convolution or FC weight or bias, or a batch-norm gamma, beta, running mean or
 * running variance. A model is first described by shapes only ({@link #value()} is null), so that the zoo can report
 * sizes without allocating hundreds of megabytes; {@link Model#initialise(long)} fills the values.
 *
 * @param name      "weight", "bias", "gamma", "beta", "mean" or "var"
 * @param shape     its shape (weights OIHW or [out, in], the others [C])
 * @param init      how {@link Model#initialise(long)} fills it
 * @param trainable whether it counts as a parameter (batch-norm running mean and variance are buffers, as in PyTorch)
 * @param mask      null, or a 0/1 tensor of the same shape: entries where it is 0 are structurally absent (LeNet-5's
 *                  C3 connection table). They are initialised to zero, must stay zero in training (multiply the
 *                  gradient by the mask), and are not counted as parameters.
 * @param value     the values, or null before initialisation
 */
public record Parameter(String name, int[] shape, Init init, boolean trainable, Tensor mask, Tensor value) {
    /** How a parameter is initialised. */
    public enum Init {
        /** Normal with mean 0 and standard deviation sqrt(2 / fan_in) (He et al. 2015). */
        HE_NORMAL,
        ZEROS,
        ONES
    }

    public Parameter {
        shape = shape.clone();
        if (mask != null && !Arrays.equals(mask.shape(), shape)) {
            throw new IllegalArgumentException("parameter " + name + ": mask " + mask.shapeString()
                    + " does not match shape " + Tensor.shapeString(shape));
        }
        if (value != null && !Arrays.equals(value.shape(), shape)) {
            throw new IllegalArgumentException("parameter " + name + ": value " + value.shapeString()
                    + " does not match shape " + Tensor.shapeString(shape));
        }
    }

    static Parameter of(String name, Init init, int... shape) {
        return new Parameter(name, shape, init, true, null, null);
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    /** The number of values it holds. */
    public long size() {
        return Tensor.sizeOf(shape);
    }

    /** What it contributes to the model's parameter count: 0 when not trainable, else its unmasked entries. */
    public long count() {
        if (!trainable) {
            return 0;
        }
        if (mask == null) {
            return size();
        }
        long n = 0;
        for (float m : mask.data()) {
            if (m != 0f) {
                n++;
            }
        }
        return n;
    }

    /** The same parameter holding {@code v}. */
    public Parameter withValue(Tensor v) {
        return new Parameter(name, shape, init, trainable, mask, v);
    }

    /** The value, or an exception saying the model has not been initialised. */
    public Tensor requireValue(String layer) {
        if (value == null) {
            throw new IllegalStateException("layer " + layer + ": parameter " + name
                    + " has no values; call Model.initialise(seed) first");
        }
        return value;
    }
}
