package dev.tessera.backend.opencl.gpu;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.tessera.opencl.DeviceInfo;

/**
 * The GPU family's default kernel parameters, looked up like CLBlast's database: by device name, then vendor, then
 * device type, then a generic entry. The entries are starting points chosen from each vendor's hardware (warp or
 * wavefront width, local memory, registers), not measurements; {@code tessera tune} measures a device's own
 * parameters and {@link KernelParameterStore} keeps them, ahead of this table. A table entry that does not fit the
 * device's limits falls back to the largest of a ladder of smaller shapes that does, and says so.
 */
public final class GpuTunables {
    /** Where an entry applies. */
    public enum Match { NAME, VENDOR, TYPE, GENERIC }

    /** One row of the table: {@code pattern} is matched case-insensitively as a part of the name, vendor or type. */
    public record Entry(Match match, String pattern, XgemmParameters xgemm) {
        boolean matches(DeviceInfo device) {
            return GpuTunables.matches(match, pattern, device);
        }

        String describe() {
            return GpuTunables.describe(match, pattern);
        }
    }

    /** Whether a table row of {@code match} and {@code pattern} (a case-insensitive part) applies to {@code device}. */
    static boolean matches(Match match, String pattern, DeviceInfo device) {
        String p = pattern.toLowerCase(Locale.ROOT);
        switch (match) {
            case NAME:
                return device.name().toLowerCase(Locale.ROOT).contains(p);
            case VENDOR:
                return device.vendor().toLowerCase(Locale.ROOT).contains(p);
            case TYPE:
                return device.type().toLowerCase(Locale.ROOT).contains(p);
            default:
                return true;
        }
    }

    /** How a table row is named in an origin: "vendor 'nvidia'", "generic", ... */
    static String describe(Match match, String pattern) {
        return match == Match.GENERIC ? "generic" : match.name().toLowerCase(Locale.ROOT) + " '" + pattern + "'";
    }

    /** A choice and how it was made (shown in --json output and result rows). */
    public record Choice(XgemmParameters xgemm, String origin) {
    }

    /** The table; the first matching entry wins (CPUs first: their vendors' names also name GPU makers). */
    public static final List<Entry> TABLE = List.of(
            // a CPU running the GPU family (PoCL, for testing; CPU vendors make GPUs too, so this comes first): small
            // groups, wide vectors
            new Entry(Match.TYPE, "cpu", new XgemmParameters(32, 32, 16, 8, 8, 4, 4)),
            // NVIDIA: warps of 32, 48+ KiB of shared memory, 255 registers per thread: 256 items with 4x4 tiles
            new Entry(Match.VENDOR, "nvidia", new XgemmParameters(64, 64, 16, 16, 16, 2, 2)),
            // AMD: wavefronts of 64 (32 on RDNA), 64 KiB LDS: 256 items, float4 reads
            new Entry(Match.VENDOR, "advanced micro devices", new XgemmParameters(64, 64, 16, 16, 16, 4, 4)),
            new Entry(Match.VENDOR, "amd", new XgemmParameters(64, 64, 16, 16, 16, 4, 4)),
            // Intel GPUs: SIMD8-32 sub-groups, 64 KiB SLM, work-groups up to 256 (512 on some)
            new Entry(Match.VENDOR, "intel", new XgemmParameters(32, 64, 16, 8, 16, 2, 4)),
            new Entry(Match.TYPE, "gpu", new XgemmParameters(32, 32, 16, 8, 8, 1, 2)),
            new Entry(Match.GENERIC, "", new XgemmParameters(32, 32, 16, 8, 8, 1, 1)));

    /** Smaller shapes tried in order when an entry does not fit a device; the last fits any OpenCL device. */
    static final List<XgemmParameters> FALLBACKS = List.of(
            new XgemmParameters(32, 32, 8, 8, 8, 1, 1),
            new XgemmParameters(16, 16, 8, 4, 4, 1, 1),
            new XgemmParameters(8, 8, 4, 2, 2, 1, 1),
            new XgemmParameters(4, 4, 4, 1, 1, 1, 1));

    private GpuTunables() {
    }

    /** The first table entry that matches {@code device} (the generic one matches every device). */
    public static Entry entryFor(DeviceInfo device) {
        return TABLE.stream().filter(e -> e.matches(device)).findFirst().orElseThrow();
    }

    /** The table's parameters for {@code device}, fitted to its limits. */
    public static Choice defaultsFor(DeviceInfo device) {
        Entry entry = entryFor(device);
        return fitted(entry.xgemm(), "table: " + entry.describe(), device);
    }

    /**
     * {@code wanted} if it fits {@code device}, else the first fallback that does, the origin saying what was
     * replaced and why.
     */
    public static Choice fitted(XgemmParameters wanted, String origin, DeviceInfo device) {
        List<String> problems = wanted.problemsOn(device);
        if (problems.isEmpty()) {
            return new Choice(wanted, origin);
        }
        List<XgemmParameters> ladder = new ArrayList<>(FALLBACKS);
        for (XgemmParameters candidate : ladder) {
            if (candidate.problemsOn(device).isEmpty()) {
                return new Choice(candidate, origin + " [" + wanted + " does not fit: " + String.join("; ", problems)
                        + "; fell back to the largest shape that does]");
            }
        }
        throw new IllegalArgumentException("no GEMM shape of the GPU family fits " + device.name() + ": "
                + String.join("; ", problems));
    }
}
