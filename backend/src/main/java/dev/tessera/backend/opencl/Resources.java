package dev.tessera.backend.opencl;

/** Closing helpers for partly built native owners. */
final class Resources {
    private Resources() {
    }

    /** Closes {@code c} if it is not null, adding any failure to nothing: used only while unwinding another error. */
    static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception ignored) {
            // already failing; the original exception is the one to report
        }
    }
}
