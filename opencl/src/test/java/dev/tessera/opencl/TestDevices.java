package dev.tessera.opencl;

/**
 * The device the tests run on: the selector in the environment variable {@code TESSERA_TEST_DEVICE} (or the system
 * property {@code tessera.test.device}), else device 0. The tests need a real OpenCL device and fail without one.
 */
final class TestDevices {
    private TestDevices() {
    }

    static ClDevice device() {
        return DeviceSelector.fromSetting("tessera.test.device", "TESSERA_TEST_DEVICE");
    }
}
