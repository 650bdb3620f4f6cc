package dev.tessera.backend;

import java.util.Locale;

/**
 * Checks an allocation against the Java heap before it is made, so that a model or file too large for the heap is one
 * clear {@link IllegalArgumentException} naming what and how much, not an {@link OutOfMemoryError} part-way through.
 * The check is against the heap's limit (not what is free now, which counts garbage not yet collected and would refuse
 * allocations that succeed); an allocation that passes can still fail when the heap is full of live data, which the
 * CLI turns into one line as well.
 */
public final class HeapBudget {
    private HeapBudget() {
    }

    /** Throws when {@code bytes} cannot fit in the Java heap. */
    public static void require(String what, long bytes) {
        long limit = Runtime.getRuntime().maxMemory();
        if (bytes > limit) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s needs %s, more than the Java heap's "
                    + "limit of %s (raise it with -Xmx, e.g. TESSERA_JAVA_OPTS=-Xmx8g)", what, size(bytes),
                    size(limit)));
        }
    }

    /** Bytes in the unit a person reads: MiB or GiB. */
    public static String size(long bytes) {
        return bytes >= 1L << 30 ? String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30))
                : String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
    }
}
