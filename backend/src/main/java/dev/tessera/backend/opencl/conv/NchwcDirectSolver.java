package dev.tessera.backend.opencl.conv;

import java.util.List;

import dev.tessera.backend.ConvProblem;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.opencl.common.Launch;
import dev.tessera.backend.opencl.common.OwnedResources;
import dev.tessera.backend.opencl.plan.NchwcChains;
import dev.tessera.opencl.ClBuffer;
import dev.tessera.opencl.ClContext;
import dev.tessera.opencl.ClKernel;
import dev.tessera.opencl.ClProgram;
import dev.tessera.opencl.DeviceInfo;
import dev.tessera.opencl.EventTiming;
import dev.tessera.opencl.ProgramSource;

/**
 * Channel-blocked direct convolution ("nchwc-direct"): an implicit GEMM over the NCHWc layout (channels in blocks of CB,
 * the device's native float vector width) in one launch of {@code conv_nchwc.cl}, with no im2col buffer. The weights
 * are packed once at prepare per group of output-channel blocks; each run first reorders the NCHW input into a padded
 * NCHWc workspace ({@code to_nchwc} of {@code nchwc.cl}: the zero border and the zero channels past C written there, so
 * the convolution's inner loop has no bounds test), then convolves with bias, residual and ReLU in the epilogue and
 * writes NCHW. Any stride, padding and dilation; one group. Plans that keep NCHWc between such convolutions
 * ({@link NchwcChains}) prepare them with {@link #prepareBlocked}: no reorder, NCHWc output.
 */
public final class NchwcDirectSolver implements ResidualEpilogueSolver {
    public static final String ID = "nchwc-direct";
    private final Tuning fixed;

    /**
     * The kernel's tunables.
     *
     * @param cb    channels per block, the float vector width (4, 8, 16)
     * @param wTile output pixels per work-item
     * @param kTile blocks of cb output channels per work-item
     */
    public record Tuning(int cb, int wTile, int kTile) {
        public Tuning {
            if (!List.of(4, 8, 16).contains(cb) || wTile < 1 || kTile < 1) {
                throw new IllegalArgumentException("bad nchwc-direct tuning: block " + cb + ", " + wTile + " pixels, "
                        + kTile + " channel blocks");
            }
        }

        /**
         * The defaults for {@code device}: CB its native float vector width (clamped to 4..16), a register tile that
         * fills the vector registers (AVX-512, 32: 14 pixels x 2 vectors = 28 accumulators, faster than 12 x 2, 8 x 3 and
         * 28 x 1 on PoCL, docs/PERFORMANCE.md; 16 registers: 6 x 2).
         */
        static Tuning forDevice(DeviceInfo device) {
            int width = device.nativeVectorWidth().floatWidth();
            int cb = width >= 16 ? 16 : width >= 8 ? 8 : 4;
            return cb == 16 ? new Tuning(16, 14, 2) : new Tuning(cb, 6, 2);
        }

        /** No more output-channel blocks per item than K fills. */
        Tuning fittedTo(ConvProblem p) {
            return new Tuning(cb, wTile, Math.min(kTile, Launch.ceilDiv(p.k(), cb)));
        }

        String buildOptions() {
            return "-DCB=" + cb + " -DW_TILE=" + wTile + " -DK_TILE=" + kTile;
        }
    }

    /** The device's default tuning. */
    public NchwcDirectSolver() {
        this(null);
    }

    /** @param fixed the tunables; null: {@link Tuning#forDevice} */
    public NchwcDirectSolver(Tuning fixed) {
        this.fixed = fixed;
    }

    Tuning tuning(DeviceInfo device) {
        return fixed != null ? fixed : Tuning.forDevice(device);
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public List<String> kernelFiles() {
        return List.of("conv_nchwc.cl", "nchwc.cl");
    }

    /** Floats of the padded NCHWc input: [N][ceil(C / cb)][H + pads][W + pads][cb]. */
    static long paddedInputFloats(ConvProblem p, int cb) {
        var c = p.conv();
        return (long) p.n() * Launch.ceilDiv(p.c(), cb) * cb * (p.h() + c.padTop() + c.padBottom())
                * (p.w() + c.padLeft() + c.padRight());
    }

    /** Floats of the packed weights: [K/cb/kTile][C/cb][R][S][cb][kTile * cb], K and C padded. */
    static long packedWeightFloats(ConvProblem p, Tuning t) {
        return (long) Launch.ceilDiv(Launch.ceilDiv(p.k(), t.cb()), t.kTile()) * t.kTile() * t.cb()
                * Launch.ceilDiv(p.c(), t.cb()) * t.cb() * p.r() * p.s();
    }

    @Override
    public String notApplicableReason(ConvProblem p, DeviceInfo device) {
        if (p.groups() != 1) {
            return "it computes one group only, not " + p.groups();
        }
        Tuning t = tuning(device).fittedTo(p);
        long largest = Math.max(Math.max(paddedInputFloats(p, t.cb()), packedWeightFloats(p, t)),
                (long) p.n() * p.k() * p.p() * p.q());
        if (largest > Integer.MAX_VALUE) {
            return "a tensor of " + largest + " floats exceeds its int offsets (2^31)";
        }
        if (Float.BYTES * largest > device.maxAllocBytes()) {
            return "it needs a buffer of " + Float.BYTES * largest + " bytes, above the device's largest "
                    + device.maxAllocBytes();
        }
        return null;
    }

    /** The padded NCHWc copy of the input; without a device, for the widest block (16: an upper bound). */
    @Override
    public long workspaceBytes(ConvProblem problem) {
        return Float.BYTES * paddedInputFloats(problem, fixed != null ? fixed.cb() : 16);
    }

    /**
     * w [K][C][R][S] packed as [K/(kTile cb)][C/cb][R][S][cb_in][kTile cb_out], the channels past K and C zero.
     */
    static float[] packWeights(float[] w, int k, int c, int r, int s, Tuning t) {
        int cb = t.cb();
        int kv = t.kTile() * cb;
        int cblocks = Launch.ceilDiv(c, cb);
        int kgroups = Launch.ceilDiv(k, kv);
        float[] packed = new float[kgroups * cblocks * r * s * cb * kv];
        for (int ko = 0; ko < k; ko++) {
            for (int ci = 0; ci < c; ci++) {
                for (int ri = 0; ri < r; ri++) {
                    for (int si = 0; si < s; si++) {
                        int tap = (((ko / kv) * cblocks + ci / cb) * r + ri) * s + si;
                        packed[(tap * cb + ci % cb) * kv + ko % kv] = w[((ko * c + ci) * r + ri) * s + si];
                    }
                }
            }
        }
        return packed;
    }

    @Override
    public PreparedConv prepare(ClContext context, ConvProblem problem, Tensor weights, Tensor bias,
            boolean residual) {
        return prepare(context, problem, weights, bias, residual, false, null);
    }

    /**
     * The zero border a convolution's padded NCHWc input has: {top, bottom, left, right}, its padding.
     */
    public static int[] border(ConvProblem consumer) {
        var c = consumer.conv();
        return new int[] {c.padTop(), c.padBottom(), c.padLeft(), c.padRight()};
    }

    /**
     * Floats of {@code consumer}'s padded NCHWc input on {@code device}: the buffer a producer with blocked output
     * writes ({@link #prepareBlocked}).
     */
    public long blockedInputFloats(ConvProblem consumer, DeviceInfo device) {
        return paddedInputFloats(consumer, tuning(device).cb());
    }

    /**
     * For plans that keep NCHWc between convolutions ({@link NchwcChains}): as {@link #prepare}, but with
     * {@code blockedInput} the run's input is already this problem's padded NCHWc input (no reorder launch), and with
     * {@code outBorder} ({top, bottom, left, right}; null: NCHW output) the output is written as NCHWc with that zero
     * border, which the caller's buffer must hold already (zeros written once): the next convolution's padded input.
     * With {@code residual} (NCHW output only) as {@link #prepareResidual}.
     */
    public PreparedConv prepareBlocked(ClContext context, ConvProblem problem, Tensor weights, Tensor bias,
            boolean residual, boolean blockedInput, int[] outBorder) {
        if (residual && outBorder != null) {
            throw new IllegalArgumentException(ID + " adds a residual to NCHW output only");
        }
        return prepare(context, problem, weights, bias, residual, blockedInput, outBorder);
    }

    private PreparedConv prepare(ClContext context, ConvProblem problem, Tensor weights, Tensor bias,
            boolean residual, boolean blockedInput, int[] outBorder) {
        String reason = notApplicableReason(problem, context.info());
        if (reason != null) {
            throw new IllegalArgumentException(id() + " " + reason);
        }
        Tuning t = tuning(context.info()).fittedTo(problem);
        var conv = problem.conv();
        int cblocks = Launch.ceilDiv(problem.c(), t.cb());
        int hp = problem.h() + conv.padTop() + conv.padBottom();
        int wp = problem.w() + conv.padLeft() + conv.padRight();
        int kv = t.kTile() * t.cb();
        int kgroups = Launch.ceilDiv(problem.k(), kv);
        int pixels = problem.n() * problem.p() * problem.q();
        String options = t.buildOptions() + " -DSTRIDE_W=" + conv.strideW() + " -DHAS_BIAS=" + (bias != null ? 1 : 0)
                + " -DFUSE_RELU=" + (conv.relu() ? 1 : 0) + (residual ? " -DADD_RESIDUAL=1" : "")
                + (outBorder != null ? " -DOUT_BLOCKED=1" : "");
        OwnedResources resources = new OwnedResources();
        try {
            ClProgram program = resources.add(context.build(ProgramSource.resource("conv_nchwc.cl"), options));
            ClKernel kernel = resources.add(program.kernel("conv_nchwc"));
            ClBuffer packed = resources.add(context.buffer(packWeights(weights.data(), problem.k(), problem.c(),
                    problem.r(), problem.s(), t)));
            float[] paddedBias = new float[kgroups * kv];
            if (bias != null) {
                System.arraycopy(bias.data(), 0, paddedBias, 0, problem.k());
            }
            ClBuffer b = resources.add(context.buffer(paddedBias));
            int[] ob = outBorder != null ? outBorder : new int[4];
            kernel.arg(1, packed).arg(2, b).arg(4, cblocks).arg(5, hp).arg(6, wp)
                    .arg(7, problem.k()).arg(8, problem.p()).arg(9, problem.q()).arg(10, problem.r())
                    .arg(11, problem.s()).arg(12, conv.strideH()).arg(13, conv.strideW()).arg(14, conv.dilationH())
                    .arg(15, conv.dilationW()).arg(16, pixels).arg(17, Launch.ceilDiv(problem.k(), t.cb()))
                    .arg(18, problem.p() + ob[0] + ob[1]).arg(19, problem.q() + ob[2] + ob[3]).arg(20, ob[0])
                    .arg(21, ob[2]);
            ClKernel reorder = null;
            if (!blockedInput) {
                ClProgram reorderProgram = resources.add(context.build(ProgramSource.resource("nchwc.cl"),
                        "-DCB=" + t.cb()));
                reorder = resources.add(reorderProgram.kernel("to_nchwc"));
                ClBuffer blocked = resources.add(context.buffer(Float.BYTES * paddedInputFloats(problem, t.cb())));
                reorder.arg(1, blocked).arg(2, problem.c()).arg(3, problem.h()).arg(4, problem.w()).arg(5, cblocks)
                        .arg(6, hp).arg(7, wp).arg(8, conv.padTop()).arg(9, conv.padLeft());
                kernel.arg(0, blocked);
            }
            long[] reorderItems = {wp, hp, (long) problem.n() * cblocks};
            long[] global = {Launch.ceilDiv(pixels, t.wTile()), kgroups};
            return new Prepared(problem, resources, reorder, reorderItems, kernel, global);
        } catch (RuntimeException e) {
            resources.close();
            throw e;
        }
    }

    /**
     * The prepared convolution: the reorder into the padded NCHWc workspace (none where the input is NCHWc already:
     * {@code reorder} null), then the convolution.
     */
    private record Prepared(ConvProblem problem, OwnedResources resources, ClKernel reorder, long[] reorderItems,
            ClKernel kernel, long[] global) implements PreparedConv {
        @Override
        public String solverId() {
            return ID;
        }

        /**
         * The reorder in work-groups of 16 columns; the convolution one work-item per group (a CPU runs a group as
         * one thread: many small groups balance over the cores).
         */
        @Override
        public List<EventTiming> run(ClBuffer input, ClBuffer output) {
            kernel.arg(3, output);
            if (reorder == null) { // the input is NCHWc already
                kernel.arg(0, input);
                return List.of(kernel.run(global, new long[] {1, 1}));
            }
            reorder.arg(0, input);
            EventTiming reordered = Launch.grid(reorder, reorderItems, new long[] {16, 1, 1});
            return List.of(reordered, kernel.run(global, new long[] {1, 1}));
        }

        @Override
        public void close() {
            resources.close();
        }
    }
}
