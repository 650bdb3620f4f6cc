package dev.tessera.api;

/**
 * The device could not allocate what the network needs (OpenCL {@code CL_MEM_OBJECT_ALLOCATION_FAILURE},
 * {@code CL_OUT_OF_RESOURCES}, or a buffer above the device's largest allocation). A smaller batch may fit.
 */
public class OutOfDeviceMemoryException extends TesseraException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what could not be allocated, and on which device
     * @param cause   the internal exception behind it
     */
    public OutOfDeviceMemoryException(String message, Throwable cause) {
        super(message, cause);
    }
}
