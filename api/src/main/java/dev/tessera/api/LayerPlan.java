package dev.tessera.api;

/**
 * What a compiled {@link Session} will run for one layer.
 *
 * @param layer     the layer's name
 * @param operator  "conv2d", "maxpool", ...
 * @param algorithm the convolution algorithm's id or the kernel's name
 * @param note      what AUTO timed and chose, or that a choice came from the tuning database; empty otherwise
 */
public record LayerPlan(String layer, String operator, String algorithm, String note) {
}
