package dev.tessera.aparapi;

import dev.tessera.opencl.ClDevice;
import dev.tessera.opencl.DeviceSelector;

/** The device the Aparapi tests run on: as the backend's tests, {@code TESSERA_TEST_DEVICE}, else device 0. */
final class AparapiTestDevices {
    private AparapiTestDevices() {
    }

    static ClDevice device() {
        return DeviceSelector.fromSetting("tessera.test.device", "TESSERA_TEST_DEVICE");
    }
}
