package dev.tessera.backend;

/** Error figures of a result against the reference: relative L2 error and maximum absolute error. */
public record Accuracy(double relativeL2, double maxAbs) {
    public static Accuracy of(Tensor actual, Tensor expected) {
        float[] a = actual.data();
        float[] e = expected.data();
        if (a.length != e.length) {
            throw new AssertionError("sizes differ: " + actual + " vs " + expected);
        }
        double diff = 0;
        double norm = 0;
        double maxAbs = 0;
        for (int i = 0; i < a.length; i++) {
            double d = (double) a[i] - e[i];
            diff += d * d;
            norm += (double) e[i] * e[i];
            maxAbs = Math.max(maxAbs, Math.abs(d));
        }
        return new Accuracy(norm == 0 ? Math.sqrt(diff) : Math.sqrt(diff / norm), maxAbs);
    }

    @Override
    public String toString() {
        return String.format("relative L2 %.3g, max abs %.3g", relativeL2, maxAbs);
    }
}
