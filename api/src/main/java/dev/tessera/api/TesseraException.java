package dev.tessera.api;

/**
 * The base of every exception the public API throws on purpose. Subclasses say what went wrong in a way callers can
 * act on: {@link DeviceNotFoundException}, {@link ModelNotSupportedException}, {@link OutOfDeviceMemoryException},
 * {@link KernelBuildException}. Programming errors (a wrong input length, a closed session) are the JDK's
 * {@link IllegalArgumentException} and {@link IllegalStateException}.
 */
public class TesseraException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message what failed, in one line */
    public TesseraException(String message) {
        super(message);
    }

    /**
     * @param message what failed, in one line
     * @param cause   the internal exception behind it
     */
    public TesseraException(String message, Throwable cause) {
        super(message, cause);
    }
}
