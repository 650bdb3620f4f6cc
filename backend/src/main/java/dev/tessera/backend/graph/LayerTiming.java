package dev.tessera.backend.graph;

/**
 * The time one node took in one run of a {@link CompiledGraph}.
 *
 * @param node      the node's name
 * @param operator  the operator's name ("conv2d", "maxpool", ...)
 * @param algorithm what actually ran: the convolution solver's id, or the kernel's name
 * @param kernelMs  device time from OpenCL profiling events, summed over the node's kernels; NaN where no OpenCL
 *                  device ran it (the reference backend, a thread-pool fallback)
 * @param wallMs    host wall time of the node, from its first launch to its completion
 * @param launches  kernels launched
 */
public record LayerTiming(String node, String operator, String algorithm, double kernelMs, double wallMs,
        int launches) {
}
