package dev.tessera.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** Assertions on tensors against independently computed answers. */
public final class TensorAssert {
    private TensorAssert() {
    }

    /** The shape is {@code shape} and every value is within 1e-6 relative (1e-6 absolute near zero) of expected. */
    public static void assertTensor(Tensor actual, int[] shape, double... expected) {
        assertArrayEquals(shape, actual.shape(), () -> "shape " + actual.shapeString());
        assertClose(expected, actual.data(), 1e-6, 1e-6);
    }

    /** {@code |actual - expected| <= relative * |expected| + absolute} element by element. */
    public static void assertClose(double[] expected, float[] actual, double relative, double absolute) {
        assertEquals(expected.length, actual.length, "number of values");
        for (int i = 0; i < expected.length; i++) {
            double error = Math.abs(actual[i] - expected[i]);
            if (!(error <= relative * Math.abs(expected[i]) + absolute)) {
                fail("value " + i + ": expected " + expected[i] + ", got " + actual[i] + " (error " + error + ")");
            }
        }
    }

    /** The float values widened to double, for comparing two tensors. */
    public static double[] widen(float[] values) {
        double[] d = new double[values.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = values[i];
        }
        return d;
    }
}
