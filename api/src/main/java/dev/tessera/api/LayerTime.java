package dev.tessera.api;

/**
 * What one layer took in the last {@link Session#run}.
 *
 * @param layer     the layer's name
 * @param operator  "conv2d", "maxpool", ...
 * @param algorithm what ran: the convolution algorithm's id (e.g. "winograd-4x4") or the kernel's name
 * @param kernelMs  device time from OpenCL profiling events; NaN on the reference backend
 * @param wallMs    host wall time of the layer
 */
public record LayerTime(String layer, String operator, String algorithm, double kernelMs, double wallMs) {
}
