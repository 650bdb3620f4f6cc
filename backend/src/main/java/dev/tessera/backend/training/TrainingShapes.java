package dev.tessera.backend.training;

import dev.tessera.backend.Tensor;

/** The shape checks every {@link TrainingBackend} makes, so that both implementations reject the same inputs alike. */
public final class TrainingShapes {
    private TrainingShapes() {
    }

    /** Validates logits [N, classes] and N labels in range; returns N. */
    public static int checkLogits(Tensor logits, int[] labels) {
        if (logits.rank() != 2 || logits.dim(0) != labels.length) {
            throw new IllegalArgumentException("softmax cross-entropy: logits " + logits.shapeString() + " must be ["
                    + labels.length + ", classes] for " + labels.length + " labels");
        }
        for (int label : labels) {
            if (label < 0 || label >= logits.dim(1)) {
                throw new IllegalArgumentException("softmax cross-entropy: label " + label + " outside [0, "
                        + logits.dim(1) + ")");
            }
        }
        return labels.length;
    }

    /** Weight, velocity, gradient and mask (if any) must have one shape. */
    public static void checkSgd(Tensor weight, Tensor velocity, Tensor gradient, Tensor mask) {
        for (Tensor t : new Tensor[] {velocity, gradient, mask}) {
            if (t != null && !java.util.Arrays.equals(t.shape(), weight.shape())) {
                throw new IllegalArgumentException("sgd: " + t.shapeString() + " does not match the weight "
                        + weight.shapeString());
            }
        }
    }

    public static void requireShape(String what, Tensor t, int[] shape) {
        if (!java.util.Arrays.equals(t.shape(), shape)) {
            throw new IllegalArgumentException(what + " is " + t.shapeString() + ", expected "
                    + Tensor.shapeString(shape));
        }
    }

    public static void requireFc(Tensor dy, Tensor weight, long features, int n) {
        if (weight.rank() != 2 || weight.dim(1) != features || dy.rank() != 2 || dy.dim(0) != n
                || dy.dim(1) != weight.dim(0)) {
            throw new IllegalArgumentException("fc gradient: dy " + dy.shapeString() + " and weight "
                    + weight.shapeString() + " do not fit an input of " + n + " rows of " + features + " features");
        }
    }
}
