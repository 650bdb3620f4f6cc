package dev.tessera.opencl;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test hook that makes chosen OpenCL calls fail as the driver would, so that the error paths above them (every
 * owner releasing what it created, the harness turning a failure into an {@code error} row) are tested on any device.
 * Nothing in Tessera arms it; while it is unarmed each hooked call costs one volatile read.
 *
 * <p>The hooked calls are the places a real driver fails: program builds ({@link ClContext#build}), buffer allocation
 * ({@link ClContext#buffer(long)}), kernel creation ({@link ClProgram#kernel}), setting kernel arguments and kernel
 * launches ({@link ClKernel#launch}). An armed fault throws the same {@link OpenClException} the real failure throws, with the
 * status code the test chose (for example {@code CL_MEM_OBJECT_ALLOCATION_FAILURE}), before the real call is made,
 * so nothing is created by the failing call itself.
 *
 * <pre>{@code
 * try (FaultInjection.Armed fault = FaultInjection.arm(Point.BUFFER, CL_OUT_OF_RESOURCES, "", 3, false)) {
 *     ... // the third buffer allocation from now on fails
 * }
 * }</pre>
 *
 * One fault is armed at a time, for the whole JVM: tests that arm one must not run in parallel with other OpenCL
 * tests.
 */
public final class FaultInjection {
    /** Where a fault can be injected. */
    public enum Point {
        /** {@link ClContext#build}: the description is the kernel file name and its build options */
        BUILD,
        /** {@link ClContext#buffer(long)}: the description is "clCreateBuffer of N bytes" */
        BUFFER,
        /** {@link ClProgram#kernel}: the description is the kernel name and its file */
        KERNEL,
        /** {@link ClKernel#launch}: the description is "clEnqueueNDRangeKernel" and the kernel name */
        LAUNCH,
        /** setting a kernel argument ({@link ClKernel#arg(int, ClBuffer)} and the others): "clSetKernelArg i of k" */
        ARG
    }

    private static volatile Armed armed;

    private FaultInjection() {
    }

    /**
     * Arms a fault: the {@code nth} call (1 = the next) at {@code point} whose description contains {@code match}
     * fails with {@code status}, and with {@code persistent} every matching call after it as well. Replaces any
     * fault armed before.
     *
     * @return the armed fault; closing it disarms it
     */
    public static Armed arm(Point point, int status, String match, int nth, boolean persistent) {
        if (nth < 1) {
            throw new IllegalArgumentException("nth must be at least 1: " + nth);
        }
        Armed fault = new Armed(point, status, match, nth, persistent);
        armed = fault;
        return fault;
    }

    /** Whether a fault is armed (the hooked calls build their description only then). */
    static boolean active() {
        return armed != null;
    }

    /** Throws the armed fault's exception when this call at {@code point}, described by {@code what}, must fail. */
    static void check(Point point, String what, String device) {
        Armed fault = armed;
        if (fault != null && fault.point == point && what.contains(fault.match)) {
            int call = fault.calls.incrementAndGet();
            if (call == fault.nth || (fault.persistent && call > fault.nth)) {
                fault.fired.incrementAndGet();
                throw new OpenClException(what + " failed (injected fault)", fault.status, device,
                        point == Point.BUILD ? "injected build failure" : null);
            }
        }
    }

    /** An armed fault: counts the matching calls and the failures it caused. */
    public static final class Armed implements AutoCloseable {
        private final Point point;
        private final int status;
        private final String match;
        private final int nth;
        private final boolean persistent;
        private final AtomicInteger calls = new AtomicInteger();
        private final AtomicInteger fired = new AtomicInteger();

        private Armed(Point point, int status, String match, int nth, boolean persistent) {
            this.point = point;
            this.status = status;
            this.match = match;
            this.nth = nth;
            this.persistent = persistent;
        }

        /** Matching calls seen since it was armed, failed ones included. */
        public int calls() {
            return calls.get();
        }

        /** Calls it made fail. */
        public int fired() {
            return fired.get();
        }

        /** Disarms it (when it is still the armed one). */
        @Override
        public void close() {
            if (armed == this) {
                armed = null;
            }
        }
    }
}
