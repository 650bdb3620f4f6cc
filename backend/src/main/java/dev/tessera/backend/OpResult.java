package dev.tessera.backend;

/**
 * What running one operator gave.
 *
 * @param output    the result
 * @param algorithm the algorithm that actually ran (for convolutions the solver id, e.g. "winograd-4x4"; otherwise the
 *                  kernel's name)
 * @param kernelMs  device time from OpenCL profiling events, summed over the operator's kernels; NaN where no device ran
 * @param wallMs    host wall time of the whole call, transfers included
 * @param ranOn     where it ran: "opencl:&lt;device name&gt;", "java-thread-pool" or "reference-java"
 * @param note      anything the user must be told (e.g. that AUTO chose by timing, or that a fallback happened); may be
 *                  empty, never null
 */
public record OpResult(Tensor output, String algorithm, double kernelMs, double wallMs, String ranOn, String note) {
}
