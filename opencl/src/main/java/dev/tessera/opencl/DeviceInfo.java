package dev.tessera.opencl;

import java.util.List;

/**
 * Everything Tessera reads about one OpenCL device. Kernels and solvers consult these limits rather than assuming any
 * vendor's behaviour.
 *
 * @param index             position in the list that {@code tessera devices} prints (platform order, then device order)
 * @param platform          platform name
 * @param platformVersion   platform version string
 * @param name              device name
 * @param vendor            device vendor
 * @param type              CPU, GPU, ACCELERATOR, CUSTOM or DEFAULT (several joined with '+')
 * @param driverVersion     driver version string
 * @param deviceVersion     OpenCL version the device supports
 * @param openclLanguageVersion highest OpenCL C version the compiler accepts
 * @param computeUnits      parallel compute units
 * @param clockMhz          maximum clock frequency in MHz
 * @param globalMemBytes    global memory size
 * @param maxAllocBytes     largest single buffer
 * @param localMemBytes     local (shared) memory per work-group
 * @param localMemDedicated true where local memory is dedicated on-chip storage, false where it is emulated in global
 * @param maxWorkGroupSize  largest work-group
 * @param maxWorkItemSizes  largest work-group extent per dimension
 * @param preferredVectorWidth preferred vector widths per scalar type
 * @param nativeVectorWidth native vector widths per scalar type
 * @param fp16              half precision arithmetic (cl_khr_fp16)
 * @param fp64              double precision arithmetic (cl_khr_fp64 or a double FP config)
 * @param extensions        the device's extension names
 */
public record DeviceInfo(
        int index,
        String platform,
        String platformVersion,
        String name,
        String vendor,
        String type,
        String driverVersion,
        String deviceVersion,
        String openclLanguageVersion,
        int computeUnits,
        int clockMhz,
        long globalMemBytes,
        long maxAllocBytes,
        long localMemBytes,
        boolean localMemDedicated,
        long maxWorkGroupSize,
        List<Long> maxWorkItemSizes,
        VectorWidths preferredVectorWidth,
        VectorWidths nativeVectorWidth,
        boolean fp16,
        boolean fp64,
        List<String> extensions) {

    /** Vector widths, in elements, per scalar type; 0 where the type is unsupported. */
    public record VectorWidths(int charWidth, int shortWidth, int intWidth, int longWidth, int floatWidth,
            int doubleWidth, int halfWidth) {
    }

    /**
     * A stable key for per-device caches and databases: device name, driver version and compute units. Two machines with
     * the same card and driver share entries; a driver update or a partitioned device does not.
     */
    public String key() {
        return name + " | " + driverVersion + " | " + computeUnits + "CU";
    }

    public boolean isCpu() {
        return type.contains("CPU");
    }

    public boolean isGpu() {
        return type.contains("GPU");
    }

    public boolean hasExtension(String extension) {
        return extensions.contains(extension);
    }
}
