package dev.tessera.api;

import java.util.function.Supplier;

import dev.tessera.opencl.NoOpenClPlatformException;
import dev.tessera.opencl.OpenClException;

/** Turns the internal modules' exceptions into the API's typed ones, in one place. */
final class Errors {
    private Errors() {
    }

    /** Runs {@code work}, translating OpenCL failures; other exceptions pass through. */
    static <T> T translating(Supplier<T> work) {
        try {
            return work.get();
        } catch (OpenClException e) {
            throw translate(e);
        }
    }

    static TesseraException translate(OpenClException e) {
        if (e instanceof NoOpenClPlatformException) {
            return new DeviceNotFoundException(e.getMessage(), e);
        }
        String status = e.statusName();
        if (e.buildLog() != null && !e.buildLog().isEmpty()
                || "CL_BUILD_PROGRAM_FAILURE".equals(status) || "CL_COMPILE_PROGRAM_FAILURE".equals(status)) {
            return new KernelBuildException(firstLine(e.getMessage()), e.buildLog(), e);
        }
        if ("CL_MEM_OBJECT_ALLOCATION_FAILURE".equals(status) || "CL_OUT_OF_RESOURCES".equals(status)
                || "CL_OUT_OF_HOST_MEMORY".equals(status) || "CL_INVALID_BUFFER_SIZE".equals(status)) {
            return new OutOfDeviceMemoryException(firstLine(e.getMessage()), e);
        }
        return new TesseraException(firstLine(e.getMessage()), e);
    }

    static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
