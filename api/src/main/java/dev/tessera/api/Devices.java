package dev.tessera.api;

import java.util.List;

import dev.tessera.opencl.ClDevice;
import dev.tessera.opencl.DeviceSelector;
import dev.tessera.opencl.OpenClDevices;

/**
 * The OpenCL devices of this machine. Thread-safe: the list is read once per JVM.
 *
 * <pre>{@code
 * for (Device d : Devices.all()) System.out.println(d.index() + " " + d.name());
 * Device gpu = Devices.select("RTX");   // part of a name, or an index such as "0"
 * }</pre>
 */
public final class Devices {
    private Devices() {
    }

    /**
     * Lists the devices.
     *
     * @return every device of every platform, simulators (Oclgrind) last; empty when no OpenCL platform is installed
     */
    public static List<Device> all() {
        return Errors.translating(() -> OpenClDevices.all().stream().map(Device::of).toList());
    }

    /**
     * The first device.
     *
     * @return the device with index 0
     * @throws DeviceNotFoundException when there is no OpenCL device at all
     */
    public static Device first() {
        return select("0");
    }

    /**
     * The one device a selector names.
     *
     * @param selector an index such as "0", or a case-insensitive part of a device name such as "rtx"
     * @return the device
     * @throws DeviceNotFoundException when it names none or several (the message lists the devices)
     */
    public static Device select(String selector) {
        return Device.of(clDevice(selector));
    }

    static ClDevice clDevice(String selector) {
        List<ClDevice> devices = Errors.translating(OpenClDevices::all);
        if (devices.isEmpty()) {
            throw new DeviceNotFoundException("no OpenCL device found; install a driver (on Debian: "
                    + "ocl-icd-libopencl1 pocl-opencl-icd)", null);
        }
        try {
            return DeviceSelector.parse(selector).selectOne(devices);
        } catch (IllegalArgumentException e) {
            throw new DeviceNotFoundException(e.getMessage(), e);
        }
    }

    static ClDevice clDevice(Device device) {
        List<ClDevice> devices = Errors.translating(OpenClDevices::all);
        for (ClDevice d : devices) {
            if (d.index() == device.index() && d.name().equals(device.name())) {
                return d;
            }
        }
        throw new DeviceNotFoundException("device " + device.index() + " (" + device.name() + ") is not present", null);
    }
}
