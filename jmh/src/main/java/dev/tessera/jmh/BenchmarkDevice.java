package dev.tessera.jmh;

import dev.tessera.opencl.ClDevice;
import dev.tessera.opencl.DeviceSelector;
import dev.tessera.opencl.OpenClDevices;

/** The device the benchmarks run on: system property {@code tessera.device} (a selector), default 0. */
final class BenchmarkDevice {
    private BenchmarkDevice() {
    }

    static ClDevice get() {
        return DeviceSelector.parse(System.getProperty("tessera.device", "0")).selectOne(OpenClDevices.all());
    }
}
