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
