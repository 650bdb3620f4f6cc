package dev.tessera.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Compares float results with answers computed in double, with two tolerances:
 * <ul>
 * <li>per element, the classic bound for a float sum of n terms (n products, plus bias and previous value):
 * |computed - exact| <= (n + 2) u sum|terms|, u = 2^-24; fused or not, in any order of summation (Higham, Accuracy and
 * Stability of Numerical Algorithms, 3.1). It scales with the magnitudes actually summed, so it is tight for small sums
 * and never fails a correct kernel on large ones; ReLU, being 1-Lipschitz, keeps it;</li>
 * <li>over the whole result, a relative L2 error below 1e-5: random operands make rounding errors cancel, so a correct
 * kernel stays near 1e-7, while a wrong index or a missing term gives errors of order 1.</li>
 * </ul>
 */
public final class Fp32Accuracy {
    static final double RELATIVE_L2 = 1e-5;
    private static final double UNIT_ROUNDOFF = 0x1p-24;

    private Fp32Accuracy() {
    }

    /**
     * @param exact     the answers in double
     * @param magnitude per element, the sum of the absolute values of every term summed (products, bias, previous C)
     * @param terms     the number of terms per element
     * @param actual    the float results
     */
    public static void assertClose(double[] exact, double[] magnitude, int terms, float[] actual, String what) {
        double errorSquares = 0;
        double exactSquares = 0;
        for (int i = 0; i < exact.length; i++) {
            double error = Math.abs(actual[i] - exact[i]);
            double bound = (terms + 2) * UNIT_ROUNDOFF * magnitude[i] + Double.MIN_NORMAL;
            if (!(error <= bound)) {
                fail(what + ": element " + i + " is " + actual[i] + ", expected " + exact[i] + " (error " + error
                        + " above the rounding bound " + bound + ")");
            }
            errorSquares += error * error;
            exactSquares += exact[i] * exact[i];
        }
        double relative = exactSquares == 0 ? Math.sqrt(errorSquares) : Math.sqrt(errorSquares / exactSquares);
        assertTrue(relative < RELATIVE_L2, what + ": relative L2 error " + relative);
    }
}
