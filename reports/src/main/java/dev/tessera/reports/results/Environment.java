package dev.tessera.reports.results;

import java.util.List;

/**
 * The machine and software a run measured.
 *
 * @param host           host name
 * @param os             operating system name and version
 * @param arch           CPU architecture as the JVM names it
 * @param cpuModel       "model name" from /proc/cpuinfo (or "unknown")
 * @param cpuCores       logical processors the JVM sees
 * @param memoryBytes    physical memory (0 when unknown)
 * @param jvm            runtime name, vendor and version
 * @param maxHeapBytes   the JVM's maximum heap
 * @param tesseraVersion the jar's version, or "development build"
 * @param gitCommit      commit of the checkout it was built from (null outside a git checkout; "unknown" in older
 *                       files), with "-dirty" when there were uncommitted changes
 * @param commandLine    the arguments of {@code tessera bench}, space-joined
 * @param seed           seed of the weights and inputs
 * @param openclDevices  every OpenCL device found (simulators included, marked), empty without a platform
 * @param probes         the peak probe's figures for each benchmarked device
 */
public record Environment(String host, String os, String arch, String cpuModel, int cpuCores, long memoryBytes,
        String jvm, long maxHeapBytes, String tesseraVersion, String gitCommit, String commandLine, long seed,
        List<DeviceEntry> openclDevices, List<ProbeEntry> probes) {
    public Environment {
        openclDevices = List.copyOf(openclDevices);
        probes = List.copyOf(probes);
    }

    /**
     * One OpenCL device.
     *
     * @param index          as in {@code tessera devices}
     * @param simulator      true for Oclgrind (never benchmarked unless named)
     * @param computeUnits   parallel compute units
     * @param clockMhz       maximum clock
     * @param globalMemBytes global memory
     * @param localMemBytes  local memory per work-group
     */
    public record DeviceEntry(int index, String platform, String platformVersion, String name, String vendor,
            String type, String driverVersion, String deviceVersion, int computeUnits, int clockMhz,
            long globalMemBytes, long localMemBytes, boolean fp16, boolean fp64, boolean simulator) {
    }

    /**
     * The roofline ceilings of one device ({@code tessera probe}).
     *
     * @param deviceIndex    the device's index
     * @param device         the device's name
     * @param sweep          "quick" or "standard"
     * @param status         "ok" or "error"
     * @param reason         why it failed; empty when ok
     * @param peakGflopsFp32 best fp32 GFLOP/s (null on error)
     * @param bandwidthGbs   best global-memory GB/s (null on error)
     */
    public record ProbeEntry(int deviceIndex, String device, String sweep, String status, String reason,
            Double peakGflopsFp32, Double bandwidthGbs) {
    }
}
