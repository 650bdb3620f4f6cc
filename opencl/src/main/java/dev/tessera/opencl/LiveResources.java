package dev.tessera.opencl;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the native OpenCL objects that Tessera's owners hold right now, so that tests (and long benchmark runs) can prove
 * that everything that was created was also released.
 */
public final class LiveResources {
    private static final AtomicLong CONTEXTS = new AtomicLong();
    private static final AtomicLong BUFFERS = new AtomicLong();
    private static final AtomicLong BUFFER_BYTES = new AtomicLong();
    private static final AtomicLong PROGRAMS = new AtomicLong();
    private static final AtomicLong KERNELS = new AtomicLong();
    private static final AtomicLong EVENTS = new AtomicLong();

    private LiveResources() {
    }

    public static long contexts() {
        return CONTEXTS.get();
    }

    public static long buffers() {
        return BUFFERS.get();
    }

    public static long bufferBytes() {
        return BUFFER_BYTES.get();
    }

    public static long programs() {
        return PROGRAMS.get();
    }

    public static long kernels() {
        return KERNELS.get();
    }

    public static long events() {
        return EVENTS.get();
    }

    /** One line naming every count, for diagnostics. */
    public static String summary() {
        return "contexts=" + contexts() + " buffers=" + buffers() + " bufferBytes=" + bufferBytes() + " programs="
                + programs() + " kernels=" + kernels() + " events=" + events();
    }

    static void contextOpened() {
        CONTEXTS.incrementAndGet();
    }

    static void contextClosed() {
        CONTEXTS.decrementAndGet();
    }

    static void bufferOpened(long bytes) {
        BUFFERS.incrementAndGet();
        BUFFER_BYTES.addAndGet(bytes);
    }

    static void bufferClosed(long bytes) {
        BUFFERS.decrementAndGet();
        BUFFER_BYTES.addAndGet(-bytes);
    }

    static void programOpened() {
        PROGRAMS.incrementAndGet();
    }

    static void programClosed() {
        PROGRAMS.decrementAndGet();
    }

    static void kernelOpened() {
        KERNELS.incrementAndGet();
    }

    static void kernelClosed() {
        KERNELS.decrementAndGet();
    }

    static void eventOpened() {
        EVENTS.incrementAndGet();
    }

    static void eventClosed() {
        EVENTS.decrementAndGet();
    }
}
