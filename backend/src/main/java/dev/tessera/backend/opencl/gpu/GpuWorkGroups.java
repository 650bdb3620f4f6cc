package dev.tessera.backend.opencl.gpu;

/**
 * Work-group sizes for the GPU family's kernels, from what the built kernel and the device report: the kernel's
 * CL_KERNEL_WORK_GROUP_SIZE (already capped at the device's CL_DEVICE_MAX_WORK_GROUP_SIZE by {@code ClKernel}), its
 * CL_KERNEL_PREFERRED_WORK_GROUP_SIZE_MULTIPLE (the warp, wavefront or SIMD width) and the device's local memory. A
 * size never exceeds a limit; a wish above one is lowered, never the limit raised.
 */
public final class GpuWorkGroups {
    private GpuWorkGroups() {
    }

    /**
     * A 1-D group of about {@code wanted} items: at most {@code limit}, rounded down to a multiple of
     * {@code multiple} where at least one multiple fits (else the limit itself), never below 1.
     */
    public static long linear(long wanted, long multiple, long limit) {
        long size = Math.max(1, Math.min(wanted, limit));
        if (multiple > 1 && multiple <= limit) {
            size = Math.max(multiple, size / multiple * multiple);
        }
        return size;
    }

    /** The largest power of two at most {@code min(wanted, limit)} (at least 1). */
    public static int powerOfTwoAtMost(long wanted, long limit) {
        long bound = Math.max(1, Math.min(wanted, limit));
        return Integer.highestOneBit((int) Math.min(bound, 1 << 30));
    }

    /**
     * The pooling tile: {@code {tq, tp}} output columns and rows per group ({@link #tile}), its input tile of
     * {@link #poolTileBytes} in local memory; null when even one output's window does not fit.
     */
    public static int[] poolTile(int wantQ, int wantP, int q, int p, int kernelH, int kernelW, int strideH,
            int strideW, long limit, long localBytes) {
        return tile(wantQ, wantP, q, p, limit, (tq, tp) -> poolTileBytes(tq, tp, kernelH, kernelW, strideH, strideW),
                localBytes);
    }

    /**
     * The LRN tile: {@code {pixels, channels}} per group ({@link #tile}), the squares of its channels and the
     * window's reach on either side in local memory ({@link #lrnTileBytes}); null when even 1 x 1 does not fit.
     */
    public static int[] lrnTile(int wantPixels, int wantChannels, int plane, int channels, int size, long limit,
            long localBytes) {
        return tile(wantPixels, wantChannels, plane, channels, limit, (tpix, tc) -> lrnTileBytes(tpix, tc, size),
                localBytes);
    }

    /** The local memory of an LRN tile: (channels + 2 (size/2)) x pixels floats. */
    public static long lrnTileBytes(int pixels, int channels, int size) {
        return (long) (channels + 2 * (size / 2)) * pixels * Float.BYTES;
    }

    /** Local memory of a tile of {@code x} by {@code y} work-items. */
    public interface TileBytes {
        long of(int x, int y);
    }

    /**
     * A 2-D tile of work-items, {@code {x, y}}: from the wish, first cut to the powers of two covering the extents,
     * then halved on the larger side until the group fits {@code limit} items and {@code bytes} fits
     * {@code localBytes}; null when 1 x 1 does not.
     */
    public static int[] tile(int wantX, int wantY, int extentX, int extentY, long limit, TileBytes bytes, long localBytes) {
        int x = Math.max(1, Math.min(wantX, powerOfTwoAtLeast(extentX)));
        int y = Math.max(1, Math.min(wantY, powerOfTwoAtLeast(extentY)));
        while ((long) x * y > limit || bytes.of(x, y) > localBytes) {
            if (x == 1 && y == 1) {
                return null;
            }
            if (y >= x && y > 1) {
                y /= 2;
            } else {
                x /= 2;
            }
        }
        return new int[] {x, y};
    }

    /** The smallest power of two at least {@code n} (n >= 1, below 2^30). */
    static int powerOfTwoAtLeast(int n) {
        int power = Integer.highestOneBit(Math.max(1, n));
        return power == n ? power : power * 2;
    }

    /** The local memory of a pooling tile of {@code tq x tp} outputs: its input tile of floats. */
    public static long poolTileBytes(int tq, int tp, int kernelH, int kernelW, int strideH, int strideW) {
        return ((long) (tp - 1) * strideH + kernelH) * ((long) (tq - 1) * strideW + kernelW) * Float.BYTES;
    }
}
