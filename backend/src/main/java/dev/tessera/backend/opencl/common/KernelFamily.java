package dev.tessera.backend.opencl.common;

import java.util.Locale;

import dev.tessera.opencl.DeviceInfo;

/**
 * Which kernels the OpenCL backend runs: the CPU family (one work-item per work-group with a large register tile, the
 * packed-panel GEMM of {@code gemm.cl}) or the GPU family (work-group tiles staged in local memory,
 * {@code gemm_gpu.cl}). A user chooses {@code cpu}, {@code gpu} or {@code auto} (= by device type: CPUs get the CPU
 * family, every other device the GPU family); {@link #ENVIRONMENT} names the environment variable that sets the choice
 * for the tests and for programs that do not pass one.
 */
public enum KernelFamily {
    CPU, GPU;

    /** The environment variable read by {@link #fromEnvironment}: cpu, gpu or auto. */
    public static final String ENVIRONMENT = "TESSERA_KERNELS";

    /** The choices a user can name. */
    public static final String CHOICES = "cpu, gpu, auto";

    /** The lower-case name used on the command line and in JSON. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The family {@code auto} picks for {@code device}: CPU for CPUs, GPU for everything else. */
    public static KernelFamily byDeviceType(DeviceInfo device) {
        return device.isCpu() ? CPU : GPU;
    }

    /**
     * The family a choice names on {@code device}: {@code cpu}, {@code gpu}, or {@code auto} (also null or empty)
     * by device type. Anything else is an IllegalArgumentException naming the choices.
     */
    public static KernelFamily resolve(String choice, DeviceInfo device) {
        String c = choice == null ? "" : choice.trim().toLowerCase(Locale.ROOT);
        switch (c) {
            case "cpu":
                return CPU;
            case "gpu":
                return GPU;
            case "":
            case "auto":
                return byDeviceType(device);
            default:
                throw new IllegalArgumentException("unknown kernel family '" + choice + "'; choose one of " + CHOICES);
        }
    }

    /** Checks a choice without a device: null when valid, else the reason. */
    public static String invalidChoice(String choice) {
        String c = choice == null ? "" : choice.trim().toLowerCase(Locale.ROOT);
        return c.isEmpty() || c.equals("cpu") || c.equals("gpu") || c.equals("auto") ? null
                : "unknown kernel family '" + choice + "'; choose one of " + CHOICES;
    }

    /** The choice in {@link #ENVIRONMENT}, {@code auto} when unset; an invalid value is an error naming the variable. */
    public static String fromEnvironment() {
        String value = System.getenv(ENVIRONMENT);
        String problem = invalidChoice(value);
        if (problem != null) {
            throw new IllegalArgumentException(ENVIRONMENT + ": " + problem);
        }
        return value == null || value.isBlank() ? "auto" : value.trim().toLowerCase(Locale.ROOT);
    }
}
