package dev.tessera.opencl;

import org.jocl.CL;

/**
 * An OpenCL call failed. Carries the status code and its name (for example {@code CL_OUT_OF_RESOURCES}), the device it
 * concerned where known, and for failed program builds the compiler's whole build log.
 */
public class OpenClException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String device;
    private final String buildLog;

    public OpenClException(String message, int status, String device, String buildLog) {
        super(compose(message, status, device, buildLog));
        this.status = status;
        this.device = device;
        this.buildLog = buildLog;
    }

    public OpenClException(String message, int status) {
        this(message, status, null, null);
    }

    /** For subclasses whose message is complete as given (no status name appended). */
    protected OpenClException(int status, String completeMessage) {
        super(completeMessage);
        this.status = status;
        this.device = null;
        this.buildLog = null;
    }

    /** Throws when {@code status} is not {@code CL_SUCCESS}; {@code what} names the call, e.g. "clCreateBuffer". */
    public static void check(int status, String what) {
        if (status != CL.CL_SUCCESS) {
            throw new OpenClException(what + " failed", status);
        }
    }

    /** The name of an OpenCL status code, e.g. {@code CL_INVALID_VALUE}; unknown codes are given as a number. */
    public static String statusName(int status) {
        String name = CL.stringFor_errorCode(status);
        return name == null || name.startsWith("INVALID_ERROR_CODE") ? "CL status " + status : name;
    }

    public int status() {
        return status;
    }

    public String statusName() {
        return statusName(status);
    }

    /** The device the failure concerned, or null if not known. */
    public String device() {
        return device;
    }

    /** The compiler's build log for a failed program build, otherwise null. */
    public String buildLog() {
        return buildLog;
    }

    private static String compose(String message, int status, String device, String buildLog) {
        StringBuilder sb = new StringBuilder(message).append(" (").append(statusName(status)).append(')');
        if (device != null) {
            sb.append(" on ").append(device);
        }
        if (buildLog != null && !buildLog.isBlank()) {
            sb.append("\nbuild log:\n").append(buildLog.strip());
        }
        return sb.toString();
    }
}
