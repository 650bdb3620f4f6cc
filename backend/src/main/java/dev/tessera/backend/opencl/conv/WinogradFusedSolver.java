package dev.tessera.backend.opencl.conv;

import java.util.List;

import dev.tessera.backend.ConvProblem;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.opencl.common.Launch;
import dev.tessera.backend.opencl.common.OwnedResources;
import dev.tessera.opencl.ClBuffer;
import dev.tessera.opencl.ClContext;
import dev.tessera.opencl.ClKernel;
import dev.tessera.opencl.ClProgram;
import dev.tessera.opencl.DeviceInfo;
import dev.tessera.opencl.EventTiming;
import dev.tessera.opencl.ProgramSource;

/**
 * Fused Winograd convolution F(m x m, 3 x 3), m = 2 ("winograd-fused-2x2") or 4 ("winograd-fused-4x4"), in one launch
 * of {@code conv_winograd_fused.cl}: each work-item transforms the input patches of a block of tiles into scratch,
 * multiplies them by the weights transformed once at prepare (packed per block of output channels), and applies the
 * output transform, bias, residual and ReLU before writing; the transformed tiles never reach global memory (unlike
 * {@link WinogradSolver}'s three launches through V and M). Same shapes as {@link WinogradSolver}: 3x3, stride 1, no
 * dilation, one group; its scratch must fit the device's local memory.
 */
public final class WinogradFusedSolver implements ResidualEpilogueSolver {
    private final int m;
    private final Tuning fixed;

    /**
     * The kernel's tunables.
     *
     * @param vectorWidth output channels per float vector (1, 2, 4, 8, 16)
     * @param kVectors    float vectors of output channels in the register tile (a block of KB channels)
     * @param kBlocks     blocks of KB output channels per work-item (one input transform serves them all)
     * @param tiles       tiles per register tile
     * @param tileGroups  register tiles of tiles per work-item (each weight chunk is reused over all of them);
     *                    0: chosen per problem ({@link #fittedTo})
     * @param cBlock      input channels per transformed chunk
     */
    public record Tuning(int vectorWidth, int kVectors, int kBlocks, int tiles, int tileGroups, int cBlock) {
        public Tuning {
            if (!List.of(1, 2, 4, 8, 16).contains(vectorWidth) || kVectors < 1 || kBlocks < 1 || tiles < 1
                    || tileGroups < 0 || cBlock < 1) {
                throw new IllegalArgumentException("bad fused Winograd tuning: vector width " + vectorWidth
                        + ", " + kVectors + " vectors, " + kBlocks + " blocks, " + tiles + " tiles, " + tileGroups
                        + " tile groups, " + cBlock + " channels");
            }
        }

        /** Tile groups chosen per problem. */
        public Tuning(int vectorWidth, int kVectors, int kBlocks, int tiles, int cBlock) {
            this(vectorWidth, kVectors, kBlocks, tiles, 0, cBlock);
        }

        /** Output channels per register tile (KB). */
        int kBlock() {
            return kVectors * vectorWidth;
        }

        /**
         * This tuning shrunk to {@code p}: no more tiles than it has, no more blocks than its output channels fill;
         * tile groups, where not given: one while the transformed weights fit a CPU core's L2 cache (1 MiB: then they
         * are reused from it across work-items), else as many as three quarters of the local memory (at most
         * 768 KiB, within the L2) hold and the tiles fill, keeping at least 4 work-items (VGG-16's conv4_2 on PoCL:
         * 5 groups of 6 tiles, 0.86 of winograd-4x4's speed against 0.60 with one; docs/PERFORMANCE.md).
         */
        Tuning fittedTo(ConvProblem p, int m, long localMemBytes) {
            int tileCount = p.n() * Launch.ceilDiv(p.p(), m) * Launch.ceilDiv(p.q(), m);
            int blocks = Math.min(kBlocks, Launch.ceilDiv(p.k(), kBlock()));
            int perGroup = Math.min(tiles, tileCount);
            int groups = tileGroups;
            if (groups == 0) {
                Tuning one = new Tuning(vectorWidth, kVectors, blocks, perGroup, 1, cBlock);
                long weights = (long) Float.BYTES * (m + 2) * (m + 2) * p.c() * Launch.roundUp(p.k(), kBlock());
                groups = 1;
                if (weights > (1L << 20)) {
                    long budget = Math.min(localMemBytes / 4 * 3, 768L << 10);
                    int kItems = Launch.ceilDiv(Launch.ceilDiv(p.k(), kBlock()), blocks);
                    groups = (int) Math.max(1, Math.min(budget / one.scratchBytes(m),
                            Launch.ceilDiv(tileCount, perGroup)));
                    while (groups > 1 && (long) Launch.ceilDiv(tileCount, perGroup * groups) * kItems < 4) {
                        groups--;
                    }
                }
            }
            return new Tuning(vectorWidth, kVectors, blocks, perGroup, Math.min(groups,
                    Launch.ceilDiv(tileCount, perGroup)), cBlock);
        }

        /** Tiles per work-item. */
        int itemTiles() {
            return tiles * Math.max(1, tileGroups);
        }

        /** Local memory of the kernel's scratch for F(m x m): the transformed chunk and the accumulated products. */
        long scratchBytes(int m) {
            long positions = (long) (m + 2) * (m + 2);
            return Float.BYTES * positions * itemTiles() * ((long) cBlock + (long) kBlocks * kBlock());
        }

        String buildOptions() {
            return " -DVECTOR_WIDTH=" + vectorWidth + " -DK_VECTORS=" + kVectors + " -DK_BLOCKS=" + kBlocks
                    + " -DTILES=" + tiles + " -DTILE_GROUPS=" + Math.max(1, tileGroups) + " -DC_BLOCK=" + cBlock;
        }

        /**
         * The defaults for {@code device}: the native float vector width (4 to 16), register tiles of 6 tiles by two
         * vectors of output channels (four below 16 lanes), four such blocks of output channels per work-item, chunks
         * of 32 input channels (compared on PoCL, docs/PERFORMANCE.md), halved (blocks, channels, tiles, vectors,
         * width) until the scratch fits the device's local memory; null if even one tile of one channel does not.
         */
        static Tuning forDevice(DeviceInfo device, int m) {
            int width = Math.max(4, Math.min(16, device.nativeVectorWidth().floatWidth()));
            Tuning t = new Tuning(width, width == 16 ? 2 : 4, 4, 6, 32);
            while (t.scratchBytes(m) > device.localMemBytes()) {
                if (t.kBlocks > 1) {
                    t = new Tuning(t.vectorWidth, t.kVectors, t.kBlocks / 2, t.tiles, t.cBlock);
                } else if (t.cBlock > 1) {
                    t = new Tuning(t.vectorWidth, t.kVectors, t.kBlocks, t.tiles, t.cBlock / 2);
                } else if (t.tiles > 1) {
                    t = new Tuning(t.vectorWidth, t.kVectors, t.kBlocks, t.tiles / 2, t.cBlock);
                } else if (t.kVectors > 1) {
                    t = new Tuning(t.vectorWidth, t.kVectors / 2, t.kBlocks, t.tiles, t.cBlock);
                } else if (t.vectorWidth > 1) {
                    t = new Tuning(t.vectorWidth / 2, t.kVectors, t.kBlocks, t.tiles, t.cBlock);
                } else {
                    return null;
                }
            }
            return t;
        }
    }

    /** @param m the output tile size, 2 or 4; the device's default tuning */
    public WinogradFusedSolver(int m) {
        this(m, null);
    }

    /**
     * @param m     the output tile size, 2 or 4
     * @param fixed the tunables; null: {@link Tuning#forDevice}
     */
    public WinogradFusedSolver(int m, Tuning fixed) {
        if (m != 2 && m != 4) {
            throw new IllegalArgumentException("Winograd output tile must be 2 or 4: " + m);
        }
        this.m = m;
        this.fixed = fixed;
    }

    private Tuning tuning(DeviceInfo device) {
        return fixed != null ? fixed : Tuning.forDevice(device, m);
    }

    @Override
    public String id() {
        return "winograd-fused-" + m + "x" + m;
    }

    @Override
    public List<String> kernelFiles() {
        return List.of("conv_winograd_fused.cl");
    }

    private int positions() {
        return (m + 2) * (m + 2);
    }

    /** Floats of the packed transformed weights: alpha^2 x C x K, K padded to the tuning's block. */
    private long packedWeightFloats(ConvProblem p, Tuning tuning) {
        return (long) positions() * p.c() * Launch.roundUp(p.k(), tuning.kBlock());
    }

    @Override
    public String notApplicableReason(ConvProblem p, DeviceInfo device) {
        String shape = WinogradSolver.shapeNotApplicableReason(p);
        if (shape != null) {
            return shape;
        }
        Tuning tuning = tuning(device);
        if (tuning == null || tuning.scratchBytes(m) > device.localMemBytes()) {
            return "its scratch needs more local memory than the device's " + device.localMemBytes() + " bytes";
        }
        long weights = Float.BYTES * packedWeightFloats(p, tuning);
        if (weights > device.maxAllocBytes()) {
            return "its transformed weights need a buffer of " + weights + " bytes, above the device's largest "
                    + device.maxAllocBytes();
        }
        return null;
    }

    /** None: the transformed tiles stay in the kernel's local scratch. */
    @Override
    public long workspaceBytes(ConvProblem problem) {
        return 0;
    }

    /**
     * U = G g G^T ({@link WinogradWeights}, [alpha^2][K][C]) repacked per block of kb output channels as
     * [K / kb][alpha^2][C][kb], the channels past K zero.
     */
    static float[] packWeights(float[] u, int k, int c, int positions, int kb) {
        int blocks = Launch.ceilDiv(k, kb);
        float[] packed = new float[blocks * positions * c * kb];
        for (int xi = 0; xi < positions; xi++) {
            for (int ko = 0; ko < k; ko++) {
                int base = ((ko / kb) * positions + xi) * c * kb + ko % kb;
                for (int ci = 0; ci < c; ci++) {
                    packed[base + ci * kb] = u[(xi * k + ko) * c + ci];
                }
            }
        }
        return packed;
    }

    @Override
    public PreparedConv prepare(ClContext context, ConvProblem problem, Tensor weights, Tensor bias,
            boolean residual) {
        String reason = notApplicableReason(problem, context.info());
        if (reason != null) {
            throw new IllegalArgumentException(id() + " " + reason);
        }
        Tuning tuning = tuning(context.info()).fittedTo(problem, m, context.info().localMemBytes());
        String options = "-DWINOGRAD_M=" + m + tuning.buildOptions() + " -DHAS_BIAS=" + (bias != null ? 1 : 0)
                + " -DFUSE_RELU=" + (problem.conv().relu() ? 1 : 0) + (residual ? " -DADD_RESIDUAL=1" : "");
        OwnedResources resources = new OwnedResources();
        try {
            ClProgram program = resources.add(context.build(ProgramSource.resource("conv_winograd_fused.cl"),
                    options));
            ClKernel kernel = resources.add(program.kernel("winograd_fused"));
            float[] u = WinogradWeights.transform(weights.data(), problem.k(), problem.c(), m);
            ClBuffer packed = resources.add(context.buffer(packWeights(u, problem.k(), problem.c(), positions(),
                    tuning.kBlock())));
            ClBuffer b = resources.add(context.buffer(bias != null ? bias.data() : new float[1]));
            int tilesH = Launch.ceilDiv(problem.p(), m);
            int tilesW = Launch.ceilDiv(problem.q(), m);
            int tiles = problem.n() * tilesH * tilesW;
            var conv = problem.conv();
            kernel.arg(1, packed).arg(2, b).arg(4, problem.c()).arg(5, problem.h()).arg(6, problem.w())
                    .arg(7, problem.k()).arg(8, problem.p()).arg(9, problem.q()).arg(10, tilesH).arg(11, tilesW)
                    .arg(12, conv.padTop()).arg(13, conv.padLeft()).arg(14, tiles);
            long[] global = {Launch.ceilDiv(tiles, tuning.itemTiles()),
                Launch.ceilDiv(Launch.ceilDiv(problem.k(), tuning.kBlock()), tuning.kBlocks())};
            return new Prepared(problem, resources, kernel, global);
        } catch (RuntimeException e) {
            resources.close();
            throw e;
        }
    }

    private final class Prepared implements PreparedConv {
        private final ConvProblem problem;
        private final OwnedResources resources;
        private final ClKernel kernel;
        private final long[] global;

        Prepared(ConvProblem problem, OwnedResources resources, ClKernel kernel, long[] global) {
            this.problem = problem;
            this.resources = resources;
            this.kernel = kernel;
            this.global = global;
        }

        @Override
        public ConvProblem problem() {
            return problem;
        }

        @Override
        public String solverId() {
            return id();
        }

        /** One work-item per work-group: the scratch is the group's __local memory. */
        @Override
        public List<EventTiming> run(ClBuffer input, ClBuffer output) {
            kernel.arg(0, input).arg(3, output);
            return List.of(kernel.run(global, new long[] {1, 1}));
        }

        @Override
        public void close() {
            resources.close();
        }
    }
}
