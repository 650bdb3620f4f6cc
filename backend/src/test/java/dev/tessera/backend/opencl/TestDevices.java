package dev.tessera.backend.opencl;

import dev.tessera.backend.opencl.common.KernelFamily;
import dev.tessera.opencl.ClDevice;
import dev.tessera.opencl.DeviceInfo;
import dev.tessera.opencl.DeviceLimits;
import dev.tessera.opencl.DeviceSelector;

/**
 * The device the backend's OpenCL tests run on: the selector in the environment variable {@code TESSERA_TEST_DEVICE}
 * (or the system property {@code tessera.test.device}), else device 0.
 */
public final class TestDevices {
    private TestDevices() {
    }

    public static ClDevice device() {
        return DeviceSelector.fromSetting("tessera.test.device", "TESSERA_TEST_DEVICE");
    }

    /**
     * {@code device} as the suites run the kernel family {@code TESSERA_KERNELS} names on it: with
     * {@link DeviceLimits#GPU_LIKE} caps (32 KiB local memory, 256 work-items) when that is the GPU family, so its
     * work-group and local-memory choices are the ones a GPU would get; unchanged for the CPU family.
     */
    static ClDevice forEnvironmentFamily(ClDevice device) {
        return KernelFamily.resolve(KernelFamily.fromEnvironment(), device.info()) == KernelFamily.GPU
                ? device.withLimits(DeviceLimits.GPU_LIKE) : device;
    }

    /** {@code info} as if the device were a GPU: to run the choices made for GPUs on whatever device is here. */
    public static DeviceInfo asGpu(DeviceInfo info) {
        return variant(info, "GPU", info.maxAllocBytes());
    }

    /** {@code info} with another device type and largest allocation. */
    public static DeviceInfo variant(DeviceInfo d, String type, long maxAllocBytes) {
        return new DeviceInfo(d.index(), d.platform(), d.platformVersion(), d.name(), d.vendor(), type,
                d.driverVersion(), d.deviceVersion(), d.openclLanguageVersion(), d.computeUnits(), d.clockMhz(),
                d.globalMemBytes(), maxAllocBytes, d.localMemBytes(), d.localMemDedicated(), d.maxWorkGroupSize(),
                d.maxWorkItemSizes(), d.preferredVectorWidth(), d.nativeVectorWidth(), d.fp16(), d.fp64(),
                d.extensions());
    }
}
