package dev.tessera.opencl;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;

import org.junit.jupiter.api.Test;

/** {@link DeviceLimits}: caps what a device reports, leaves lower limits and everything else alone, reaches kernels. */
class DeviceLimitsTest {
    private static DeviceInfo device(long localMem, long workGroup, List<Long> itemSizes) {
        DeviceInfo.VectorWidths widths = new DeviceInfo.VectorWidths(16, 8, 4, 2, 4, 2, 0);
        return new DeviceInfo(3, "platform", "1.0", "Some device", "vendor", "CPU", "driver", "OpenCL 1.2",
                "OpenCL C 1.2", 8, 1000, 1L << 30, 1L << 28, localMem, false, workGroup, itemSizes, widths, widths,
                false, true, List.of("cl_khr_fp64"));
    }

    @Test
    void gpuLikeCapsLocalMemoryWorkGroupAndPerDimensionSizes() {
        DeviceInfo big = device(512 * 1024, 4096, List.of(4096L, 4096L, 4096L));
        DeviceInfo capped = DeviceLimits.GPU_LIKE.applyTo(big);
        assertEquals(32 * 1024, capped.localMemBytes());
        assertEquals(256, capped.maxWorkGroupSize());
        assertEquals(List.of(256L, 256L, 256L), capped.maxWorkItemSizes());
        assertEquals(big.key(), capped.key(), "same device for caches and tuning databases");
        assertEquals(big.type(), capped.type());
        assertEquals(big.extensions(), capped.extensions());
    }

    @Test
    void lowerLimitsStayAsReported() {
        DeviceInfo small = device(16 * 1024, 128, List.of(128L, 128L, 64L));
        assertEquals(small, DeviceLimits.GPU_LIKE.applyTo(small));
        assertEquals(small, DeviceLimits.NONE.applyTo(small));
        assertThrows(IllegalArgumentException.class, () -> new DeviceLimits(0, 256));
    }

    @Test
    void aKernelOnACappedDeviceReportsAtMostTheCap() {
        ClDevice capped = TestDevices.device().withLimits(new DeviceLimits(32 * 1024, 4));
        try (ClContext context = ClContext.open(capped, ProgramCache.disabled());
                ClProgram program = context.build(ProgramSource.of("limits.cl",
                        "__kernel void copy(__global float *x) { x[get_global_id(0)] += 1.0f; }"), "");
                ClKernel kernel = program.kernel("copy")) {
            assertEquals(4, context.info().maxWorkGroupSize());
            assertTrue(kernel.maxWorkGroupSize() <= 4, "kernel limit " + kernel.maxWorkGroupSize());
            assertTrue(kernel.maxWorkGroupSize() >= 1);
        }
    }
}
