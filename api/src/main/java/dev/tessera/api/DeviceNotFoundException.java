package dev.tessera.api;

/** No OpenCL platform is installed, or no device matches the selector; the message lists the devices there are. */
public class DeviceNotFoundException extends TesseraException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what was looked for and what exists
     * @param cause   the internal exception behind it, or null
     */
    public DeviceNotFoundException(String message, Throwable cause) {
        super(message, cause);
    }
}
