package dev.tessera.backend.opencl.conv;

import java.util.List;

import dev.tessera.backend.ConvProblem;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.opencl.common.Launch;
import dev.tessera.backend.opencl.common.OwnedResources;
import dev.tessera.backend.opencl.gemm.GemmBatch;
import dev.tessera.backend.opencl.gemm.GemmEpilogue;
import dev.tessera.backend.opencl.gemm.GemmTuning;
import dev.tessera.backend.opencl.gemm.PackedGemm;
import dev.tessera.backend.opencl.gemm.StridedMatrix;
import dev.tessera.backend.opencl.gpu.GpuOperatorParameters;
import dev.tessera.backend.opencl.gpu.GpuWorkGroups;
import dev.tessera.opencl.ClBuffer;
import dev.tessera.opencl.ClContext;
import dev.tessera.opencl.ClKernel;
import dev.tessera.opencl.ClProgram;
import dev.tessera.opencl.DeviceInfo;
import dev.tessera.opencl.EventTiming;
import dev.tessera.opencl.ProgramSource;

/**
 * Winograd convolution F(m x m, 3 x 3) (Lavin and Gray), m = 2 ("winograd-2x2") or 4 ("winograd-4x4"): 3x3 kernels,
 * stride 1, no dilation, one group. Prepare: U = G g G^T on the host in double, packed per transform position as GEMM
 * A operands. Run: {@code conv_winograd.cl}'s input transform writes V straight into packed-B layout, one batched
 * {@link PackedGemm} multiplies the alpha^2 pairs (K x C by C x T), and the output transform writes the tiles with bias
 * and ReLU. F(2x2) does 16 multiplies where direct does 36 per 2x2 tile; F(4x4) 36 where direct does 144, at about 3-4x
 * the rounding error.
 */
public final class WinogradSolver implements ConvSolver {
    private final int m;
    private final GemmTuning gemmTuning;
    private final GpuOperatorParameters gpu;

    /** @param m the output tile size: 2 or 4; the batched products with the device's default GEMM tuning */
    public WinogradSolver(int m) {
        this(m, null);
    }

    /**
     * @param m          the output tile size: 2 or 4
     * @param gemmTuning the batched products' GEMM (a kernel family's); null: {@link GemmTuning#forDevice}
     */
    public WinogradSolver(int m, GemmTuning gemmTuning) {
        this(m, gemmTuning, null);
    }

    /**
     * @param m          the output tile size: 2 or 4
     * @param gemmTuning the batched products' GEMM (a kernel family's); null: {@link GemmTuning#forDevice}
     * @param gpu        the GPU family's parameters: both transforms then run per work-group, CONV_TILE_Q x
     *                   CONV_TILE_P tiles per group fitted to the kernel's and device's limits (the input region
     *                   staged in local memory, the outputs written out from it); null: one work-item per tile and
     *                   channel
     */
    public WinogradSolver(int m, GemmTuning gemmTuning, GpuOperatorParameters gpu) {
        if (m != 2 && m != 4) {
            throw new IllegalArgumentException("Winograd output tile must be 2 or 4: " + m);
        }
        this.m = m;
        this.gemmTuning = gemmTuning;
        this.gpu = gpu;
    }

    private GemmTuning tuning(DeviceInfo device) {
        return gemmTuning != null ? gemmTuning : GemmTuning.forDevice(device);
    }

    @Override
    public List<String> kernelFiles() {
        return gemmTuning == null || gemmTuning.xgemm() == null ? List.of("conv_winograd.cl", "gemm.cl")
                : List.of("conv_winograd.cl", "gemm.cl", "gemm_gpu.cl");
    }

    @Override
    public String id() {
        return "winograd-" + m + "x" + m;
    }

    @Override
    public String notApplicableReason(ConvProblem p, DeviceInfo device) {
        String shape = shapeNotApplicableReason(p);
        if (shape != null) {
            return shape;
        }
        GemmTuning tuning = tuning(device);
        long largest = Math.max(Math.max(transformedInputFloats(p, tuning), transformedOutputFloats(p)),
                positions() * tuning.packedASize(p.k(), p.c())) * Float.BYTES;
        if (largest > device.maxAllocBytes()) {
            return "its transformed tensors need a buffer of " + largest + " bytes, above the device's largest "
                    + device.maxAllocBytes();
        }
        return null;
    }

    /** Why Winograd F(m x m, 3 x 3) cannot compute {@code p} (kernel, stride, dilation, groups); null when it can. */
    static String shapeNotApplicableReason(ConvProblem p) {
        if (p.r() != 3 || p.s() != 3) {
            return "needs a 3x3 kernel, this one is " + p.r() + "x" + p.s();
        }
        if (!p.isUnitStride()) {
            return "needs stride 1, this one is " + p.conv().strideH() + "x" + p.conv().strideW();
        }
        if (!p.isUndilated()) {
            return "needs dilation 1, this one is " + p.conv().dilationH() + "x" + p.conv().dilationW();
        }
        if (p.groups() != 1) {
            return "needs one group, this one has " + p.groups();
        }
        return null;
    }

    /** The tiled output transform's local memory for a group of x by y tiles: their (y m) x (x m) outputs. */
    private long outputRegionBytes(int x, int y) {
        return (long) (y * m) * (x * m) * Float.BYTES;
    }

    /** A group of tiles for a tiled transform within the kernel's work-group limit and the device's local memory. */
    private int[] fittedGroup(ClKernel kernel, int tilesW, int tilesH, DeviceInfo device,
            GpuWorkGroups.TileBytes bytes) {
        int[] group = GpuWorkGroups.tile(gpu.convTileQ(), gpu.convTileP(), tilesW, tilesH, kernel.maxWorkGroupSize(),
                bytes, device.localMemBytes() - kernel.localMemBytes());
        if (group == null) {
            throw new IllegalStateException(kernel.name() + ": no work-group fits the kernel's "
                    + kernel.maxWorkGroupSize() + " work-items and " + device.localMemBytes()
                    + " bytes of local memory");
        }
        return group;
    }

    /** The tiled input transform's local memory for a group of x by y tiles: its (y m + 2) x (x m + 2) input region. */
    private long regionBytes(int x, int y) {
        return (long) (y * m + 2) * (x * m + 2) * Float.BYTES;
    }

    private int alpha() {
        return m + 2;
    }

    private int positions() {
        return alpha() * alpha();
    }

    private int tiles(ConvProblem p) {
        return p.n() * Launch.ceilDiv(p.p(), m) * Launch.ceilDiv(p.q(), m);
    }

    private long transformedInputFloats(ConvProblem p, GemmTuning tuning) {
        return positions() * tuning.packedBSize(p.c(), tiles(p));
    }

    private long transformedOutputFloats(ConvProblem p) {
        return (long) positions() * p.k() * tiles(p);
    }

    /** V and M; V's panel padding is counted for the widest packed-B panel any tuning uses (128 columns). */
    @Override
    public long workspaceBytes(ConvProblem p) {
        long paddedTiles = (tiles(p) + 127L) / 128 * 128;
        return Float.BYTES * ((long) positions() * p.c() * paddedTiles + transformedOutputFloats(p));
    }

    @Override
    public PreparedConv prepare(ClContext context, ConvProblem problem, Tensor weights, Tensor bias) {
        OwnedResources resources = new OwnedResources();
        try {
            PackedGemm gemm = resources.add(new PackedGemm(context, tuning(context.info())));
            GemmTuning tuning = gemm.tuning();
            String options = "-DWINOGRAD_M=" + m + " -DNR=" + tuning.nr() + " -DHAS_BIAS=" + (bias != null ? 1 : 0)
                    + " -DFUSE_RELU=" + (problem.conv().relu() ? 1 : 0);
            ClProgram program = resources.add(context.build(ProgramSource.resource("conv_winograd.cl"), options));
            ClKernel inputTransform = resources.add(program.kernel(gpu != null ? "winograd_input_transform_tiled"
                    : "winograd_input_transform"));
            ClKernel outputTransform = resources.add(program.kernel(gpu != null ? "winograd_output_transform_tiled"
                    : "winograd_output_transform"));

            int k = problem.k();
            int c = problem.c();
            long packedA = gemm.packedASize(k, c);
            ClBuffer packedU = resources.add(context.buffer(Float.BYTES * positions() * packedA));
            try (ClBuffer u = context.buffer(WinogradWeights.transform(weights.data(), k, c, m))) {
                for (int xi = 0; xi < positions(); xi++) {
                    gemm.packA(StridedMatrix.rowMajor(u, (long) xi * k * c, k, c, c), packedU, xi * packedA);
                }
            }
            ClBuffer v = resources.add(context.buffer(Float.BYTES * transformedInputFloats(problem, tuning)));
            v.fill(0f); // the padding columns of the last packed-B panel stay zero
            ClBuffer mm = resources.add(context.buffer(Float.BYTES * transformedOutputFloats(problem)));
            ClBuffer b = resources.add(context.buffer(bias != null ? bias.data() : new float[1]));
            return new Prepared(problem, resources, gemm, inputTransform, outputTransform, packedU, packedA, v, mm, b,
                    context.info());
        } catch (RuntimeException e) {
            resources.close();
            throw e;
        }
    }

    private final class Prepared implements PreparedConv {
        private final ConvProblem problem;
        private final OwnedResources resources;
        private final PackedGemm gemm;
        private final ClKernel inputTransform;
        private final ClKernel outputTransform;
        private final ClBuffer packedU;
        private final long packedA;
        private final ClBuffer v;
        private final ClBuffer mm;
        private final int tiles;
        private final long[] inputGlobal;
        private final long[] inputGroup;
        private final long[] outputGlobal;
        private final long[] outputGroup;

        Prepared(ConvProblem p, OwnedResources resources, PackedGemm gemm, ClKernel inputTransform,
                ClKernel outputTransform, ClBuffer packedU, long packedA, ClBuffer v, ClBuffer mm, ClBuffer bias,
                DeviceInfo device) {
            this.problem = p;
            this.resources = resources;
            this.gemm = gemm;
            this.inputTransform = inputTransform;
            this.outputTransform = outputTransform;
            this.packedU = packedU;
            this.packedA = packedA;
            this.v = v;
            this.mm = mm;
            this.tiles = tiles(p);
            int tilesH = Launch.ceilDiv(p.p(), m);
            int tilesW = Launch.ceilDiv(p.q(), m);
            var conv = p.conv();
            int a = 2; // the scalar arguments start after the tiled kernel's __local region
            if (gpu != null) {
                int[] group = fittedGroup(inputTransform, tilesW, tilesH, device,
                        WinogradSolver.this::regionBytes);
                inputTransform.localArg(a++, regionBytes(group[0], group[1]));
                this.inputGlobal = new long[] {Launch.roundUp(tilesW, group[0]), Launch.roundUp(tilesH, group[1]),
                    (long) p.n() * p.c()};
                this.inputGroup = new long[] {group[0], group[1], 1};
            } else {
                this.inputGlobal = new long[] {tiles, p.c()};
                this.inputGroup = new long[] {Launch.ELEMENTWISE_GROUP, 1};
            }
            inputTransform.arg(1, v).arg(a, p.c()).arg(a + 1, p.h()).arg(a + 2, p.w()).arg(a + 3, tilesH)
                    .arg(a + 4, tilesW).arg(a + 5, conv.padTop()).arg(a + 6, conv.padLeft()).arg(a + 7, tiles);
            outputTransform.arg(0, mm).arg(1, bias).arg(3, p.k()).arg(4, p.p()).arg(5, p.q()).arg(6, tilesH)
                    .arg(7, tilesW).arg(8, tiles);
            if (gpu != null) {
                int[] group = fittedGroup(outputTransform, tilesW, tilesH, device,
                        WinogradSolver.this::outputRegionBytes);
                outputTransform.localArg(9, outputRegionBytes(group[0], group[1]));
                this.outputGlobal = new long[] {Launch.roundUp(tilesW, group[0]), Launch.roundUp(tilesH, group[1]),
                    (long) p.n() * p.k()};
                this.outputGroup = new long[] {group[0], group[1], 1};
            } else {
                this.outputGlobal = new long[] {tiles, p.k()};
                this.outputGroup = new long[] {Launch.ELEMENTWISE_GROUP, 1};
            }
        }

        @Override
        public ConvProblem problem() {
            return problem;
        }

        @Override
        public String solverId() {
            return id();
        }

        @Override
        public List<EventTiming> run(ClBuffer input, ClBuffer output) {
            inputTransform.arg(0, input);
            EventTiming in = gpu != null ? inputTransform.run(inputGlobal, inputGroup)
                    : Launch.grid(inputTransform, inputGlobal, inputGroup);
            long packedB = gemm.packedBSize(problem.c(), tiles);
            EventTiming product = gemm.multiply(problem.k(), tiles, problem.c(), packedU, 0, v, 0, mm, 0, tiles,
                    GemmEpilogue.NONE, GemmBatch.of(positions(), packedA, packedB, (long) problem.k() * tiles));
            outputTransform.arg(2, output);
            EventTiming out = gpu != null ? outputTransform.run(outputGlobal, outputGroup)
                    : Launch.grid(outputTransform, outputGlobal, outputGroup);
            return List.of(in, product, out);
        }

        @Override
        public void close() {
            resources.close();
        }
    }
}
