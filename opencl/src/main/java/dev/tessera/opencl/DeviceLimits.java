package dev.tessera.opencl;

import java.util.ArrayList;
import java.util.List;

/**
 * Caps on the limits a device reports, to run code on one device as if it had another's limits: the Oclgrind suite and
 * the property suite run the GPU kernel family on simulators and CPUs (which report 1024 to 4096 work-items and 32 KiB
 * to hundreds of KiB of local memory) under {@link #GPU_LIKE} caps, so that every work-group size and local-memory
 * choice the kernels make is one a GPU would accept. {@link ClDevice#withLimits} applies the caps to the
 * {@link DeviceInfo} everything downstream reads, and {@link ClKernel#maxWorkGroupSize} clips the kernel's own limit
 * to the capped device's, so the host never launches beyond them.
 *
 * @param localMemBytes    the most local memory per work-group
 * @param maxWorkGroupSize the most work-items per work-group (also per dimension)
 */
public record DeviceLimits(long localMemBytes, long maxWorkGroupSize) {
    /** No caps. */
    public static final DeviceLimits NONE = new DeviceLimits(Long.MAX_VALUE, Long.MAX_VALUE);

    /** Limits every current GPU meets: 32 KiB of local memory and 256 work-items per work-group. */
    public static final DeviceLimits GPU_LIKE = new DeviceLimits(32 * 1024, 256);

    public DeviceLimits {
        if (localMemBytes <= 0 || maxWorkGroupSize <= 0) {
            throw new IllegalArgumentException("device limits must be positive: " + localMemBytes + " bytes, "
                    + maxWorkGroupSize + " work-items");
        }
    }

    /** {@code info} with its local memory, work-group size and per-dimension work-item limits capped. */
    public DeviceInfo applyTo(DeviceInfo d) {
        List<Long> itemSizes = new ArrayList<>();
        for (long size : d.maxWorkItemSizes()) {
            itemSizes.add(Math.min(size, maxWorkGroupSize));
        }
        return new DeviceInfo(d.index(), d.platform(), d.platformVersion(), d.name(), d.vendor(), d.type(),
                d.driverVersion(), d.deviceVersion(), d.openclLanguageVersion(), d.computeUnits(), d.clockMhz(),
                d.globalMemBytes(), d.maxAllocBytes(), Math.min(d.localMemBytes(), localMemBytes),
                d.localMemDedicated(), Math.min(d.maxWorkGroupSize(), maxWorkGroupSize), List.copyOf(itemSizes),
                d.preferredVectorWidth(), d.nativeVectorWidth(), d.fp16(), d.fp64(), d.extensions());
    }
}
