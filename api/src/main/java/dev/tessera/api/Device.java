package dev.tessera.api;

import dev.tessera.opencl.ClDevice;

/**
 * An OpenCL device, as {@link Devices} lists it. Immutable and thread-safe.
 *
 * @param index          its position in {@link Devices#all()} (platforms in order, simulators last)
 * @param name           the device name, e.g. "NVIDIA GeForce RTX 4090"
 * @param vendor         the vendor string
 * @param type           "GPU", "CPU", "ACCELERATOR" or "DEFAULT"
 * @param platform       the OpenCL platform's name (e.g. "Portable Computing Language")
 * @param driverVersion  the driver's version
 * @param computeUnits   compute units
 * @param globalMemBytes global memory
 * @param localMemBytes  local memory per work-group
 */
public record Device(int index, String name, String vendor, String type, String platform, String driverVersion,
        int computeUnits, long globalMemBytes, long localMemBytes) {

    static Device of(ClDevice d) {
        var i = d.info();
        return new Device(d.index(), i.name(), i.vendor(), i.type(), i.platform(), i.driverVersion(), i.computeUnits(),
                i.globalMemBytes(), i.localMemBytes());
    }
}
