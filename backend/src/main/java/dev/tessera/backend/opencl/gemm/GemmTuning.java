package dev.tessera.backend.opencl.gemm;

import java.util.List;

import dev.tessera.backend.opencl.common.Launch;
import dev.tessera.backend.opencl.gpu.XgemmParameters;
import dev.tessera.opencl.DeviceInfo;

/**
 * The tunables of {@code gemm.cl} and {@code im2col.cl} for one device: the only place they are chosen, so that a tuning
 * database can replace {@link #forDevice} later.
 *
 * @param mr                rows of C per work-item tile, the height of a packed-A panel
 * @param nr                columns of C per work-item tile, the width of a packed-B panel; a multiple of vectorWidth
 * @param vectorWidth       floats per vector in the micro-kernel: 1, 2, 4, 8 or 16
 * @param workGroupRows     work-group extent along the tiles' row panels (global dimension 0)
 * @param workGroupColumns  work-group extent along the tiles' column panels (global dimension 1)
 * @param kUnroll           unroll factor of the micro-kernel's depth loop (1: not unrolled)
 * @param packWorkGroup     work-group extent (along the depth) of the packing and im2col kernels; fixed, so that a
 *                          driver that compiles per work-group size (PoCL) compiles them once
 * @param packRowsPerItem   depths (rows of one panel) each packing or im2col work-item writes
 * @param im2colChunkBytes  the packed-B bytes im2col writes before the GEMM consumes them: small enough to stay in cache
 *                          on a CPU, large on a GPU where launches cost more than memory traffic
 * @param im2colChunkPanels the fewest panels of columns in a chunk, whatever its bytes: a GEMM over fewer tiles keeps
 *                          the cores less busy and reads the weights once per chunk
 * @param xgemm             null for the CPU family's packed-panel micro-kernel ({@code gemm.cl}); for the GPU family
 *                          the parameters of {@code gemm_gpu.cl}, which multiplies instead, with MR = MWG and
 *                          NR = NWG (the packing kernels then only pack, and the work-group fields are unused)
 */
public record GemmTuning(int mr, int nr, int vectorWidth, int workGroupRows, int workGroupColumns, int kUnroll,
        int packWorkGroup, int packRowsPerItem, long im2colChunkBytes, int im2colChunkPanels, XgemmParameters xgemm) {

    /** The CPU family's packed-panel GEMM with these tunables. */
    public GemmTuning(int mr, int nr, int vectorWidth, int workGroupRows, int workGroupColumns, int kUnroll,
            int packWorkGroup, int packRowsPerItem, long im2colChunkBytes, int im2colChunkPanels) {
        this(mr, nr, vectorWidth, workGroupRows, workGroupColumns, kUnroll, packWorkGroup, packRowsPerItem,
                im2colChunkBytes, im2colChunkPanels, null);
    }

    private static final List<Integer> VECTOR_WIDTHS = List.of(1, 2, 4, 8, 16);

    public GemmTuning {
        if (!VECTOR_WIDTHS.contains(vectorWidth)) {
            throw new IllegalArgumentException("vector width must be one of " + VECTOR_WIDTHS + ": " + vectorWidth);
        }
        if (mr < 1 || nr < 1 || nr % vectorWidth != 0) {
            throw new IllegalArgumentException("tile " + mr + "x" + nr + " needs positive sizes and NR a multiple of the"
                    + " vector width " + vectorWidth);
        }
        if (workGroupRows < 1 || workGroupColumns < 1 || kUnroll < 1 || packWorkGroup < 1 || packRowsPerItem < 1
                || im2colChunkBytes < 1 || im2colChunkPanels < 1) {
            throw new IllegalArgumentException("work-group " + workGroupRows + "x" + workGroupColumns + ", K unroll "
                    + kUnroll + ", packing work-group " + packWorkGroup + ", packing rows per item "
                    + packRowsPerItem + ", chunk bytes " + im2colChunkBytes + " and chunk panels " + im2colChunkPanels
                    + " must be positive");
        }
        if (xgemm != null && (mr != xgemm.mwg() || nr != xgemm.nwg())) {
            throw new IllegalArgumentException("the GPU GEMM needs MR = MWG and NR = NWG: " + mr + "x" + nr + " vs "
                    + xgemm);
        }
    }

    /**
     * The GPU family's GEMM with {@code xgemm}: packed panels of MWG rows and NWG columns, packing work-groups of 64
     * depths, whole-image im2col chunks (launches cost more than memory traffic on a GPU).
     */
    public static GemmTuning forXgemm(XgemmParameters xgemm) {
        int packVector = xgemm.nwg() % 4 == 0 && xgemm.mwg() % 4 == 0 ? 4 : xgemm.nwg() % 2 == 0 ? 2 : 1;
        return new GemmTuning(xgemm.mwg(), xgemm.nwg(), packVector, 1, 1, 1, 64, 1, 256L << 20, 1, xgemm);
    }

    /**
     * The defaults for a device. CPUs get the packed-panel design (BLIS): one work-item per work-group, tiles of 6 rows
     * by 4 native vectors where there are 32 vector registers (AVX-512; measured in docs/PERFORMANCE.md) or by 2
     * where there are 16, im2col chunks that stay in cache. Other devices get a small tile of float4 in work-groups of
     * at most 64 work-items, fitted to the device's limits; that choice is correct everywhere, not tuned for any GPU.
     */
    public static GemmTuning forDevice(DeviceInfo device) {
        if (device.isCpu()) {
            int simdFloats = Math.max(4, Math.min(16, device.nativeVectorWidth().floatWidth()));
            int vectorsPerRow = simdFloats == 16 ? 4 : 2;
            return new GemmTuning(6, vectorsPerRow * simdFloats, simdFloats, 1, 1, 1, 8, 16, 4L << 20, 16);
        }
        return new GemmTuning(4, 8, 4, 8, 8, 1, 64, 1, 256L << 20, 1)
                .fittedTo(device.maxWorkGroupSize(), device.maxWorkItemSizes());
    }

    /**
     * This tuning with its work-groups shrunk to at most {@code maxItems} work-items and to the per-dimension limits
     * {@code maxItemSizes} (a device's, or a kernel's where it is lower).
     */
    public GemmTuning fittedTo(long maxItems, List<Long> maxItemSizes) {
        int rows = (int) Math.min(workGroupRows, dimensionLimit(maxItemSizes, 0));
        int columns = (int) Math.min(workGroupColumns, dimensionLimit(maxItemSizes, 1));
        while ((long) rows * columns > maxItems && rows * columns > 1) {
            if (rows >= columns) {
                rows /= 2;
            } else {
                columns /= 2;
            }
        }
        int pack = (int) Math.max(1, Math.min(packWorkGroup, Math.min(maxItems, dimensionLimit(maxItemSizes, 0))));
        return new GemmTuning(mr, nr, vectorWidth, rows, columns, kUnroll, pack, packRowsPerItem, im2colChunkBytes,
                im2colChunkPanels, xgemm);
    }

    private static long dimensionLimit(List<Long> maxItemSizes, int dimension) {
        return dimension < maxItemSizes.size() ? Math.max(1, maxItemSizes.get(dimension)) : 1;
    }

    /** Floats a packed A of {@code m} x {@code k} occupies: ceil(m / MR) * MR * k. */
    public long packedASize(int m, int k) {
        return paddedTo(m, mr, "m") * positive(k, "k");
    }

    /** Floats a packed B of {@code k} x {@code n} occupies: ceil(n / NR) * NR * k. */
    public long packedBSize(int k, int n) {
        return paddedTo(n, nr, "n") * positive(k, "k");
    }

    private static long paddedTo(int size, int panelWidth, String what) {
        return Launch.roundUp(positive(size, what), panelWidth);
    }

    private static long positive(int value, String what) {
        if (value < 1) {
            throw new IllegalArgumentException(what + " must be positive: " + value);
        }
        return value;
    }

    /**
     * The global range of a GEMM launch: work-item (i, j, b) computes tile (i, j) of product b; dimensions 0 and 1
     * rounded up to the work-group (the kernel skips tiles past the end). For the GPU family: MDIMC x NDIMC work-items
     * per MWG x NWG tile.
     */
    public long[] multiplyRange(int m, int n, int batch) {
        if (xgemm != null) {
            return new long[] {panels(m, mr) * xgemm.mdimc(), panels(n, nr) * xgemm.ndimc(), batch};
        }
        return new long[] {Launch.roundUp(panels(m, mr), workGroupRows), Launch.roundUp(panels(n, nr), workGroupColumns), batch};
    }

    /** The work-group of a GEMM launch. */
    public long[] multiplyWorkGroup() {
        if (xgemm != null) {
            return new long[] {xgemm.mdimc(), xgemm.ndimc(), 1};
        }
        return new long[] {workGroupRows, workGroupColumns, 1};
    }

    /**
     * The global range of a packing or im2col launch over {@code lanes} rows (A) or columns (B) in panels of
     * {@code width}: work-item (i, j, g) writes depths i*packRowsPerItem .. of panel j of group g; dimension 0 rounded
     * up to the packing work-group (the kernels skip depths past the end).
     */
    public long[] packingRange(int depth, int lanes, int width, int groups) {
        return new long[] {Launch.roundUp(panels(depth, packRowsPerItem), packWorkGroup), panels(lanes, width), groups};
    }

    /** The work-group of a packing or im2col launch. */
    public long[] packingWorkGroup() {
        return new long[] {packWorkGroup, 1, 1};
    }

    private static long panels(int size, int width) {
        return (size + width - 1L) / width;
    }

    /** The -D options that compile gemm.cl and im2col.cl for this tuning. */
    public String buildOptions() {
        return "-DMR=" + mr + " -DNR=" + nr + " -DVECTOR_WIDTH=" + vectorWidth + " -DK_UNROLL=" + kUnroll
                + " -DROWS_PER_ITEM=" + packRowsPerItem + (xgemm == null ? "" : " -DPACK_ONLY=1");
    }
}
