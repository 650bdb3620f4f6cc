package dev.tessera.backend;

/**
 * The relative L2 error against the double-precision reference that each algorithm must stay within: used by the
 * property tests, the Oclgrind suite and {@code tessera selftest}, so every check holds kernels to the same bar.
 *
 * <p>Float32 accumulation over K = C*R*S products has a relative error of roughly sqrt(K) * 6e-8, under 2e-6 for the
 * K of a few hundred the checks use, so direct, im2col and the other float32 kernels must be within 1e-5. Winograd adds
 * the rounding of its transforms: F(2x2,3x3) (entries 0, +-1, +-1/2) within 5e-5; F(4x4,3x3) (entries up to 8 and
 * 1/24) 5e-4, its error typically 3-4x direct's and growing with the channel count.
 */
public final class Tolerances {
    private Tolerances() {
    }

    /** The bound for an algorithm id ("direct", "im2col", "winograd-2x2", ...) or any other kernel's name. */
    public static double relativeL2(String algorithm) {
        switch (algorithm) {
            case "winograd-4x4":
            case "winograd-fused-4x4":
                return 5e-4;
            case "winograd-2x2":
            case "winograd-fused-2x2":
                return 5e-5;
            default:
                return 1e-5;
        }
    }
}
