package dev.tessera.backend.opencl.common;

import dev.tessera.opencl.ClKernel;
import dev.tessera.opencl.EventTiming;

/** Launch-size arithmetic shared by the operators: explicit work-group sizes, global sizes rounded up to them. */
public final class Launch {
    /** Work-items per group the 1-D element-wise launches ask for; the host rounds the global size up to it. */
    public static final int ELEMENTWISE_GROUP = 64;

    private Launch() {
    }

    public static long roundUp(long value, long multiple) {
        return (value + multiple - 1) / multiple * multiple;
    }

    public static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /**
     * Runs a 1-D kernel over {@code total} items in work-groups of {@link #ELEMENTWISE_GROUP} (or the kernel's limit if
     * lower), the global size rounded up; the kernel must ignore items at or past {@code total}. An explicit local size
     * keeps drivers that compile per work-group size (PoCL) from compiling anew for every global size.
     */
    public static EventTiming elementwise(ClKernel kernel, long total) {
        long group = Math.min(ELEMENTWISE_GROUP, kernel.maxWorkGroupSize());
        return kernel.run(new long[] {roundUp(total, group)}, new long[] {group});
    }

    /**
     * Runs a kernel over a grid of at least {@code items} work-items per dimension in groups of {@code local} (each
     * clipped to the kernel's limit), rounding the global size up; the kernel must ignore work-items past its range.
     */
    public static EventTiming grid(ClKernel kernel, long[] items, long[] local) {
        long limit = kernel.maxWorkGroupSize();
        long[] group = local.clone();
        long[] global = new long[items.length];
        long product = 1;
        for (int d = 0; d < items.length; d++) {
            group[d] = Math.max(1, Math.min(group[d], limit / product));
            product *= group[d];
            global[d] = roundUp(items[d], group[d]);
        }
        return kernel.run(global, group);
    }
}
