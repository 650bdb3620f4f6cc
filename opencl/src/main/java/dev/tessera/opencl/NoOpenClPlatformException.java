package dev.tessera.opencl;

/** No OpenCL platform (driver) is installed or none could be loaded. The message says how to install one. */
public class NoOpenClPlatformException extends OpenClException {
    private static final long serialVersionUID = 1L;

    /** The Debian/Ubuntu packages that provide the OpenCL loader and the portable CPU driver. */
    public static final String INSTALL_HINT =
            "install an OpenCL driver; on Debian/Ubuntu without a GPU: sudo apt-get install ocl-icd-libopencl1 pocl-opencl-icd";

    public NoOpenClPlatformException(String detail) {
        super(-1001 /* CL_PLATFORM_NOT_FOUND_KHR */, "no OpenCL platform found (" + detail + "); " + INSTALL_HINT);
    }
}
