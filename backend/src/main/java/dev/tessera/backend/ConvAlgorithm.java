package dev.tessera.backend;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The convolution algorithms a user can ask for. Each except AUTO is one solver; AUTO picks among them by timing. */
public enum ConvAlgorithm {
    AUTO("auto"),
    DIRECT("direct"),
    IM2COL("im2col"),
    WINOGRAD_2X2("winograd-2x2"),
    WINOGRAD_4X4("winograd-4x4"),
    WINOGRAD_FUSED_2X2("winograd-fused-2x2"),
    WINOGRAD_FUSED_4X4("winograd-fused-4x4"),
    NCHWC_DIRECT("nchwc-direct");

    private final String id;

    ConvAlgorithm(String id) {
        this.id = id;
    }

    /** The stable name used on the command line, in result files and in the tuning database. */
    public String id() {
        return id;
    }

    public static ConvAlgorithm parse(String text) {
        String wanted = text.strip().toLowerCase(Locale.ROOT);
        for (ConvAlgorithm a : values()) {
            if (a.id.equals(wanted)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown convolution algorithm '" + text + "'; choose one of "
                + Arrays.stream(values()).map(ConvAlgorithm::id).collect(Collectors.joining(", ")));
    }

    @Override
    public String toString() {
        return id;
    }
}
