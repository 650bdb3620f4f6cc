package dev.tessera.backend.opencl.gpu;

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

    /** A choice and the table entry it came from. */
    public record Choice(GpuOperatorParameters parameters, String origin) {
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
