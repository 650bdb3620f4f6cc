package dev.tessera.backend;

import java.util.List;

/** Shape checks shared by the operators. */
final class Shapes {
    private Shapes() {
    }

    /** The single input's shape, of {@code rank} dimensions (or any rank when rank < 0). */
    static int[] single(String op, List<int[]> in, int rank) {
        count(op, in, 1, 1);
        int[] x = in.get(0);
        if (rank >= 0 && x.length != rank) {
            throw new IllegalArgumentException(op + ": input must have " + rank + " dimensions, got "
                    + Tensor.shapeString(x));
        }
        size(x);
        return x;
    }

    static void count(String op, List<int[]> in, int min, int max) {
        if (in.size() < min || in.size() > max) {
            throw new IllegalArgumentException(op + " takes " + (min == max ? String.valueOf(min) : min + "-" + max)
                    + " inputs, got " + in.size());
        }
    }

    /** An operator's numeric attribute must be a finite number (a NaN or Inf would only give NaN outputs). */
    static void requireFinite(String op, String attribute, double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException(op + ": " + attribute + " " + value + " is not a finite number");
        }
    }

    static long size(int[] shape) {
        return Tensor.sizeOf(shape);
    }
}
