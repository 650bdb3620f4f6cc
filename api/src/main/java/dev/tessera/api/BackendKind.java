package dev.tessera.api;

/** Which implementation of the operators runs a network. */
public enum BackendKind {
    /** Tessera's hand-written OpenCL kernels, activations kept on the device: the fast one. */
    OPENCL,
    /** Plain Java accumulating in double on the CPU: slow, the accuracy oracle; ignores the device. */
    REFERENCE
}
