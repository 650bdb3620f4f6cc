package dev.tessera.api;

import dev.tessera.backend.ConvAlgorithm;

/** How convolutions are computed. */
public enum Algorithm {
    /** Time every applicable algorithm on the device once and keep the fastest (remembered per device). */
    AUTO(ConvAlgorithm.AUTO),
    /** Direct convolution: any shape. */
    DIRECT(ConvAlgorithm.DIRECT),
    /** Image-to-columns followed by a packed-panel matrix product: any shape. */
    IM2COL(ConvAlgorithm.IM2COL),
    /** Winograd F(2x2, 3x3): 3x3 kernels with stride 1 only; error close to direct. */
    WINOGRAD_2X2(ConvAlgorithm.WINOGRAD_2X2),
    /** Winograd F(4x4, 3x3): 3x3 kernels with stride 1 only; fastest, about 3-4x direct's error. */
    WINOGRAD_4X4(ConvAlgorithm.WINOGRAD_4X4),
    /** Winograd F(2x2, 3x3) in one kernel per convolution (transformed tiles kept in cache): as WINOGRAD_2X2. */
    WINOGRAD_FUSED_2X2(ConvAlgorithm.WINOGRAD_FUSED_2X2),
    /** Winograd F(4x4, 3x3) in one kernel per convolution (transformed tiles kept in cache): as WINOGRAD_4X4. */
    WINOGRAD_FUSED_4X4(ConvAlgorithm.WINOGRAD_FUSED_4X4),
    /** Direct convolution over channel-blocked (NCHWc) data in one kernel, no im2col buffer: any shape, one group. */
    NCHWC_DIRECT(ConvAlgorithm.NCHWC_DIRECT);

    private final ConvAlgorithm internal;

    Algorithm(ConvAlgorithm internal) {
        this.internal = internal;
    }

    ConvAlgorithm internal() {
        return internal;
    }
}
