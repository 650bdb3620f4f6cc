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
     * The pooling tile: {@code {tq, tp}} output columns and rows per group, starting from the wish and shrunk (halving
     * the larger side; first to the output's own extent) until the group fits {@code limit} items and its input tile
     * ({@link #poolTileBytes}) fits {@code localBytes}; null when even one output's window does not fit.
     */
    public static int[] poolTile(int wantQ, int wantP, int q, int p, int kernelH, int kernelW, int strideH,
            int strideW, long limit, long localBytes) {
        int tq = Math.max(1, Math.min(wantQ, powerOfTwoAtLeast(q)));
        int tp = Math.max(1, Math.min(wantP, powerOfTwoAtLeast(p)));
        while ((long) tq * tp > limit || poolTileBytes(tq, tp, kernelH, kernelW, strideH, strideW) > localBytes) {
            if (tq == 1 && tp == 1) {
                return null;
            }
            if (tp >= tq && tp > 1) {
                tp /= 2;
            } else {
                tq /= 2;
            }
        }
        return new int[] {tq, tp};
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
