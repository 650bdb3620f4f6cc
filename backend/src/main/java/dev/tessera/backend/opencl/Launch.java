package dev.tessera.backend.opencl;

/** Global-size arithmetic shared by the operators' launches. */
final class Launch {
    /** Work-items per group the 1-D element-wise launches ask for; the host rounds the global size up to it. */
    static final int ELEMENTWISE_GROUP = 64;

    private Launch() {
    }

    static long roundUp(long value, long multiple) {
        return (value + multiple - 1) / multiple * multiple;
    }

    static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /** A 1-D global size covering {@code total} items, rounded up to {@code group}, capped by the kernel's limit. */
    static long[] elementwise(long total, long group) {
        return new long[] {roundUp(total, group)};
    }

    static int checkedInt(long value, String what) {
        if (value > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(what + " of " + value + " elements exceeds the 2^31 limit of Tessera's "
                    + "kernels");
        }
        return (int) value;
    }
}
