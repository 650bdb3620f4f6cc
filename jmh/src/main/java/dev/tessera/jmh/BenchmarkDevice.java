package dev.tessera.jmh;

import dev.tessera.opencl.ClDevice;
import dev.tessera.opencl.DeviceSelector;

/** The device the benchmarks run on: system property {@code tessera.device} or variable TESSERA_DEVICE (a selector), else 0. */
final class BenchmarkDevice {
    private BenchmarkDevice() {
    }

    static ClDevice get() {
        return DeviceSelector.fromSetting("tessera.device", "TESSERA_DEVICE");
    }
}
