package dev.tessera.opencl;

import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/**
 * One OpenCL device: its native handles and its {@link DeviceInfo}. Root devices need no release, so this is a plain
 * value; contexts on it are opened with {@link ClContext#open(ClDevice)}.
 */
public final class ClDevice {
    private final cl_platform_id platform;
    private final cl_device_id id;
    private final DeviceInfo info;

    ClDevice(cl_platform_id platform, cl_device_id id, DeviceInfo info) {
        this.platform = platform;
        this.id = id;
        this.info = info;
    }

    public DeviceInfo info() {
        return info;
    }

    /** The same device with {@code limits} applied to the limits it reports ({@link DeviceLimits#applyTo}). */
    public ClDevice withLimits(DeviceLimits limits) {
        return new ClDevice(platform, id, limits.applyTo(info));
    }

    public String name() {
        return info.name();
    }

    public int index() {
        return info.index();
    }

    /**
     * Whether the device computes with single-precision denormals ({@code CL_FP_DENORM} in
     * {@code CL_DEVICE_SINGLE_FP_CONFIG}); then kernels are built with {@code -cl-denorms-are-zero}
     * ({@link ClContext#buildOptions}), since slow denormal arithmetic buys nothing for inference.
     */
    public boolean supportsSingleDenormals() {
        return (ClInfo.deviceLong(id, org.jocl.CL.CL_DEVICE_SINGLE_FP_CONFIG) & org.jocl.CL.CL_FP_DENORM) != 0;
    }

    cl_platform_id platformId() {
        return platform;
    }

    cl_device_id id() {
        return id;
    }

    @Override
    public String toString() {
        return "#" + info.index() + " " + info.name() + " (" + info.platform() + ")";
    }
}
