package dev.tessera.bench.harness;

import dev.tessera.reports.results.ResultRow;

/**
 * Turns what a configuration threw into a row's status and one-line reason: an argument the configuration cannot take
 * (an algorithm that does not apply, a backend or peer that is not available) is "unsupported"; anything else, out of
 * memory included, is "error".
 */
public final class Failures {
    private Failures() {
    }

    public static String status(Throwable t) {
        return t instanceof IllegalArgumentException || t instanceof UnsupportedOperationException
                ? ResultRow.UNSUPPORTED : ResultRow.ERROR;
    }

    public static String reason(Throwable t) {
        String message = t.getMessage();
        if (message == null || message.isBlank()) {
            message = t.getClass().getSimpleName();
        } else if (t instanceof OutOfMemoryError) {
            message = "out of memory: " + message;
        } else if (!(t instanceof IllegalArgumentException || t instanceof UnsupportedOperationException
                || t instanceof IllegalStateException)) {
            message = t.getClass().getSimpleName() + ": " + message;
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
