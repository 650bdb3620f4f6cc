package dev.tessera.backend.opencl.gpu;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.tessera.opencl.DeviceInfo;

/**
 * The GPU family's parameters for the kernels other than the GEMM ({@code eltwise_gpu.cl}, {@code pool_gpu.cl},
 * {@code reduce_gpu.cl}), with their table: by device name, then vendor, then type, then a generic entry, like
 * {@link GpuTunables}'s. The values are wishes: {@link GpuWorkGroups} fits every work-group to the built kernel's
 * CL_KERNEL_WORK_GROUP_SIZE, the device's limits and CL_KERNEL_PREFERRED_WORK_GROUP_SIZE_MULTIPLE, and the tile's local
 * memory to the device's.
 *
 * @param vectorWidth   element-wise kernels: floats per work-item (VECTOR_WIDTH: 1, 2, 4, 8 or 16)
 * @param elementGroup  element-wise kernels: work-items per group
 * @param poolTileQ     pooling: output columns per group (local size 0)
 * @param poolTileP     pooling: output rows per group (local size 1)
 * @param reduceGroup   row reductions (softmax, global average pooling, FC at batch 1): work-items per row (WG), a
 *                      power of two
 * @param fcRows        FC at batch 1: output features per group (ROWS), at most {@code reduceGroup}
 * @param lrnPixels     LRN: pixels per group (local size 0)
 * @param lrnChannels   LRN: channels per group (local size 1)
 * @param convTileQ     direct convolution: output columns per group (local size 0); Winograd's tiled input
 *                      transform: tile columns per group
 * @param convTileP     direct convolution: output rows per group (local size 1); Winograd's: tile rows per group
 * @param convChannels  direct convolution: input channels staged in local memory at a time (CC)
 */
public record GpuOperatorParameters(int vectorWidth, int elementGroup, int poolTileQ, int poolTileP, int reduceGroup,
        int fcRows, int lrnPixels, int lrnChannels, int convTileQ, int convTileP, int convChannels) {
    public GpuOperatorParameters {
        if (!List.of(1, 2, 4, 8, 16).contains(vectorWidth)) {
            throw new IllegalArgumentException("vector width must be 1, 2, 4, 8 or 16: " + vectorWidth);
        }
        if (elementGroup < 1 || poolTileQ < 1 || poolTileP < 1 || fcRows < 1 || lrnPixels < 1 || lrnChannels < 1
                || convTileQ < 1 || convTileP < 1 || convChannels < 1) {
            throw new IllegalArgumentException("group sizes must be positive");
        }
        if (Integer.bitCount(reduceGroup) != 1 || fcRows > reduceGroup) {
            throw new IllegalArgumentException("the reduction group must be a power of two of at least fcRows items: "
                    + reduceGroup);
        }
    }

    /** One row of the table ({@link GpuTunables.Match} as there). */
    public record Entry(GpuTunables.Match match, String pattern, GpuOperatorParameters parameters) {
    }

    /**
     * A choice and where it came from: {@code origin} in one line, {@code groups} per {@link #GROUPS} name ("table:
     * ..." or "tuned: ...").
     */
    public record Choice(GpuOperatorParameters parameters, String origin, Map<String, String> groups) {
        /** A choice whose every group came from {@code origin}. */
        public Choice(GpuOperatorParameters parameters, String origin) {
            this(parameters, origin, allFrom(origin));
        }

        private static Map<String, String> allFrom(String origin) {
            Map<String, String> groups = new LinkedHashMap<>();
            GROUP_ORDER.forEach(g -> groups.put(g, origin));
            return groups;
        }
    }

    /** The table; the first matching entry wins (CPUs first, as in {@link GpuTunables#TABLE}). */
    public static final List<Entry> TABLE = List.of(
            // a CPU running the GPU family (PoCL, Oclgrind: for testing): wide vectors, small groups
            new Entry(GpuTunables.Match.TYPE, "cpu",
                    new GpuOperatorParameters(8, 64, 8, 4, 64, 4, 16, 4, 8, 4, 4)),
            // NVIDIA: warps of 32; a warp-wide row of outputs, 8 warps per group; float4 loads coalesce per warp;
            // direct convolution: 16 x 16 outputs, 8 input channels per stage (about 12 KiB of 48 for 3x3)
            new Entry(GpuTunables.Match.VENDOR, "nvidia",
                    new GpuOperatorParameters(4, 256, 32, 8, 256, 8, 32, 8, 16, 16, 8)),
            // AMD: wavefronts of 64
            new Entry(GpuTunables.Match.VENDOR, "advanced micro devices",
                    new GpuOperatorParameters(4, 256, 64, 4, 256, 8, 64, 4, 16, 16, 8)),
            new Entry(GpuTunables.Match.VENDOR, "amd",
                    new GpuOperatorParameters(4, 256, 64, 4, 256, 8, 64, 4, 16, 16, 8)),
            // Intel GPUs: SIMD8-32, groups up to 256
            new Entry(GpuTunables.Match.VENDOR, "intel",
                    new GpuOperatorParameters(4, 128, 16, 8, 128, 4, 16, 8, 16, 8, 8)),
            new Entry(GpuTunables.Match.TYPE, "gpu",
                    new GpuOperatorParameters(4, 128, 16, 8, 128, 4, 16, 8, 16, 8, 8)),
            new Entry(GpuTunables.Match.GENERIC, "",
                    new GpuOperatorParameters(1, 64, 8, 8, 64, 1, 8, 8, 8, 8, 4)));

    /** The first entry that matches {@code device}. */
    public static Choice defaultsFor(DeviceInfo device) {
        for (Entry entry : TABLE) {
            if (GpuTunables.matches(entry.match(), entry.pattern(), device)) {
                return new Choice(entry.parameters(), "table: " + GpuTunables.describe(entry.match(), entry.pattern()));
            }
        }
        throw new IllegalStateException("the table's generic entry matches every device");
    }

    /**
     * The groups {@code tessera tune} searches one at a time, each the -D names of one kernel file's tunables:
     * element-wise ({@code eltwise_gpu.cl}), pooling ({@code pool_gpu.cl}), row reductions ({@code reduce_gpu.cl}:
     * softmax, global average pooling, FC at batch 1), LRN ({@code lrn_gpu.cl}) and the convolution tiles
     * ({@code conv_direct_gpu.cl} and Winograd's tiled input transform in {@code conv_winograd.cl}).
     */
    public static final Map<String, List<String>> GROUPS = Map.of(
            "eltwise", List.of("VECTOR_WIDTH", "ELEMENT_GROUP"),
            "pool", List.of("POOL_TILE_Q", "POOL_TILE_P"),
            "reduce", List.of("WG", "ROWS"),
            "lrn", List.of("LRN_PIXELS", "LRN_CHANNELS"),
            "conv", List.of("CONV_TILE_Q", "CONV_TILE_P", "CC"));

    /** The group names in the order tune searches them. */
    public static final List<String> GROUP_ORDER = List.of("conv", "pool", "lrn", "eltwise", "reduce");

    /** The parameters from their -D names ({@link #asMap}'s keys, all eleven). */
    public static GpuOperatorParameters fromMap(Map<String, Integer> map) {
        for (String name : List.of("VECTOR_WIDTH", "ELEMENT_GROUP", "POOL_TILE_Q", "POOL_TILE_P", "WG", "ROWS",
                "LRN_PIXELS", "LRN_CHANNELS", "CONV_TILE_Q", "CONV_TILE_P", "CC")) {
            if (!map.containsKey(name)) {
                throw new IllegalArgumentException("operator parameters lack " + name + ": " + map);
            }
        }
        return new GpuOperatorParameters(map.get("VECTOR_WIDTH"), map.get("ELEMENT_GROUP"), map.get("POOL_TILE_Q"),
                map.get("POOL_TILE_P"), map.get("WG"), map.get("ROWS"), map.get("LRN_PIXELS"),
                map.get("LRN_CHANNELS"), map.get("CONV_TILE_Q"), map.get("CONV_TILE_P"), map.get("CC"));
    }

    /** The values of {@code group}'s parameters (a {@link #GROUPS} key), by -D name. */
    public Map<String, Integer> group(String group) {
        Map<String, Integer> all = asMap();
        Map<String, Integer> values = new LinkedHashMap<>();
        for (String name : names(group)) {
            values.put(name, all.get(name));
        }
        return values;
    }

    /** These parameters with {@code group}'s replaced by {@code values} (exactly that group's -D names). */
    public GpuOperatorParameters with(String group, Map<String, Integer> values) {
        if (!values.keySet().equals(new java.util.HashSet<>(names(group)))) {
            throw new IllegalArgumentException("group " + group + " has " + names(group) + ", not " + values.keySet());
        }
        Map<String, Integer> all = asMap();
        all.putAll(values);
        return fromMap(all);
    }

    private static List<String> names(String group) {
        List<String> names = GROUPS.get(group);
        if (names == null) {
            throw new IllegalArgumentException("no operator parameter group '" + group + "'; groups: " + GROUP_ORDER);
        }
        return names;
    }

    /**
     * Why {@code group}'s values cannot run as asked on {@code device} (empty if they can): a work-group above the
     * device's CL_DEVICE_MAX_WORK_GROUP_SIZE or a dimension above its CL_DEVICE_MAX_WORK_ITEM_SIZES, or a local-memory
     * tile above CL_DEVICE_LOCAL_MEM_SIZE (for the convolution: a 3x3 stride-1 filter and 4 output channels per group,
     * the shape tune measures; for LRN: a window of 5). The kernels would shrink such a wish themselves; tune refuses it
     * instead, so that what it stores is what runs.
     */
    public List<String> problemsOn(DeviceInfo device, String group) {
        List<String> problems = new ArrayList<>();
        long local = device.localMemBytes();
        switch (group) {
            case "eltwise" -> items(problems, "element-wise group", elementGroup, 1, device);
            case "pool" -> {
                items(problems, "pooling tile " + poolTileQ + "x" + poolTileP, poolTileQ, poolTileP, device);
            }
            case "reduce" -> items(problems, "reduction group", reduceGroup, 1, device);
            case "lrn" -> {
                items(problems, "LRN tile " + lrnPixels + "x" + lrnChannels, lrnPixels, lrnChannels, device);
                localBytes(problems, "LRN tile", GpuWorkGroups.lrnTileBytes(lrnPixels, lrnChannels, 5), local);
            }
            case "conv" -> {
                items(problems, "convolution tile " + convTileQ + "x" + convTileP, convTileQ, convTileP, device);
                long th = convTileP + 2L;
                long tw = convTileQ + 2L;
                localBytes(problems, "convolution tile with CC=" + convChannels,
                        ((long) convChannels * th * tw + 4L * convChannels * 9) * Float.BYTES, local);
            }
            default -> names(group);
        }
        return problems;
    }

    private static void items(List<String> problems, String what, int x, int y, DeviceInfo device) {
        long items = (long) x * y;
        if (items > device.maxWorkGroupSize()) {
            problems.add(String.format(java.util.Locale.ROOT, "work-group too large: %s = %d items, the device allows %d",
                    what, items, device.maxWorkGroupSize()));
        }
        List<Long> sizes = device.maxWorkItemSizes();
        if (sizes.size() > 1 && (x > sizes.get(0) || y > sizes.get(1))) {
            problems.add(what + " exceeds the device's work-item sizes " + sizes);
        }
    }

    private static void localBytes(List<String> problems, String what, long bytes, long local) {
        if (bytes > local) {
            problems.add(String.format(java.util.Locale.ROOT, "too much local memory: %s needs %d bytes, the device "
                    + "has %d", what, bytes, local));
        }
    }

    /** The parameters by their -D names, for --json output. */
    public Map<String, Integer> asMap() {
        Map<String, Integer> map = new LinkedHashMap<>();
        map.put("VECTOR_WIDTH", vectorWidth);
        map.put("ELEMENT_GROUP", elementGroup);
        map.put("POOL_TILE_Q", poolTileQ);
        map.put("POOL_TILE_P", poolTileP);
        map.put("WG", reduceGroup);
        map.put("ROWS", fcRows);
        map.put("LRN_PIXELS", lrnPixels);
        map.put("LRN_CHANNELS", lrnChannels);
        map.put("CONV_TILE_Q", convTileQ);
        map.put("CONV_TILE_P", convTileP);
        map.put("CC", convChannels);
        return map;
    }

    @Override
    public String toString() {
        return "VW=" + vectorWidth + " EG=" + elementGroup + " POOL=" + poolTileQ + "x" + poolTileP + " WG="
                + reduceGroup + " ROWS=" + fcRows + " LRN=" + lrnPixels + "x" + lrnChannels
                + " CONV=" + convTileQ + "x" + convTileP + " CC=" + convChannels;
    }
}
