package dev.tessera.api;

/** The OpenCL compiler rejected a kernel on this device; {@link #buildLog()} has the compiler's full log. */
public class KernelBuildException extends TesseraException {
    private static final long serialVersionUID = 1L;
    /** The compiler's log. */
    private final String buildLog;

    /**
     * @param message  which program failed on which device
     * @param buildLog the compiler's log (may be empty, never null)
     * @param cause    the internal exception behind it
     */
    public KernelBuildException(String message, String buildLog, Throwable cause) {
        super(message, cause);
        this.buildLog = buildLog == null ? "" : buildLog;
    }

    /**
     * The compiler's output.
     *
     * @return the OpenCL compiler's build log, possibly empty
     */
    public String buildLog() {
        return buildLog;
    }
}
