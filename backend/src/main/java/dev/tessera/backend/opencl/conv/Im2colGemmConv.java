package dev.tessera.backend.opencl.conv;

import java.util.ArrayList;
import java.util.List;

import dev.tessera.backend.ConvProblem;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.opencl.common.OwnedResources;
import dev.tessera.backend.opencl.gemm.BufferBounds;
import dev.tessera.backend.opencl.gemm.GemmBatch;
import dev.tessera.backend.opencl.gemm.GemmEpilogue;
import dev.tessera.backend.opencl.gemm.PackedGemm;
import dev.tessera.backend.opencl.gemm.StridedMatrix;
import dev.tessera.opencl.ClBuffer;
import dev.tessera.opencl.ClContext;
import dev.tessera.opencl.EventTiming;

/** A convolution prepared by {@link Im2colGemmSolver}: packed weights, bias, workspace and kernels. */
final class Im2colGemmConv implements PreparedConv {
    private final OwnedResources resources = new OwnedResources();
    private final Im2colGemmPlan plan;
    private final PackedGemm gemm;
    private final Im2colPacker im2col;
    private final ClBuffer packedWeights;
    private final ClBuffer workspace;
    private final GemmEpilogue epilogue;
    private final GemmBatch groups;

    /**
     * Builds the kernels and packs {@code weights} ([K, C/groups, R, S]); {@code bias} ([K]) may be null. With
     * {@code residual} every run adds the output's previous contents before the ReLU (the GEMM's beta = 1).
     */
    Im2colGemmConv(ClContext context, Im2colGemmPlan plan, Tensor weights, Tensor bias, boolean residual) {
        this.plan = plan;
        try {
            gemm = resources.add(new PackedGemm(context, plan.tuning()));
            im2col = plan.pointwise() ? null : resources.add(new Im2colPacker(context, plan.tuning()));
            packedWeights = resources.add(context.buffer(plan.packedWeightsFloats() * Float.BYTES));
            workspace = resources.add(context.buffer(plan.workspaceFloats() * Float.BYTES));
            packWeights(context, weights);
            GemmEpilogue withBias = bias == null ? GemmEpilogue.NONE
                    : GemmEpilogue.rowBias(resources.add(context.buffer(bias.data())), 0);
            epilogue = withBias.withRelu(plan.problem().conv().relu()).withAccumulate(residual);
        } catch (RuntimeException e) {
            resources.close();
            throw e;
        }
        int m = plan.outputChannelsPerGroup();
        groups = GemmBatch.of(plan.problem().groups(), plan.packedWeightsGroupStride(), plan.workspaceGroupStride(),
                (long) m * plan.columns()).withBiasStride(m);
    }

    /** Group g's weights are rows g*Kg .. of the row-major K x depth matrix that KCRS weights already are. */
    private void packWeights(ClContext context, Tensor weights) {
        int m = plan.outputChannelsPerGroup();
        int depth = plan.depth();
        try (ClBuffer raw = context.buffer(weights.data())) {
            for (int g = 0; g < plan.problem().groups(); g++) {
                gemm.packA(StridedMatrix.rowMajor(raw, (long) g * m * depth, m, depth, depth), packedWeights,
                        g * plan.packedWeightsGroupStride());
            }
        }
    }

    @Override
    public ConvProblem problem() {
        return plan.problem();
    }

    @Override
    public String solverId() {
        return Im2colGemmSolver.ID;
    }

    @Override
    public List<EventTiming> run(ClBuffer input, ClBuffer output) {
        ConvProblem p = plan.problem();
        BufferBounds.require(input, plan.inputPlaneOffset(p.n(), 0), "convolution input");
        BufferBounds.require(output, plan.outputOffset(p.n(), 0), "convolution output");
        List<EventTiming> timings = new ArrayList<>();
        int chunk = plan.chunkColumns();
        for (int image = 0; image < p.n(); image++) {
            for (int begin = 0; begin < plan.columns(); begin += chunk) {
                int columns = Math.min(chunk, plan.columns() - begin);
                packColumns(input, image, begin, columns, timings);
                timings.add(gemm.multiply(plan.outputChannelsPerGroup(), columns, plan.depth(), packedWeights, 0,
                        workspace, 0, output, plan.outputOffset(image, begin), plan.columns(), epilogue, groups));
            }
        }
        return timings;
    }

    /** The packed B of every group for columns [begin, begin + columns) of one image, into the workspace. */
    private void packColumns(ClBuffer input, int image, int begin, int columns, List<EventTiming> timings) {
        if (im2col != null) {
            timings.add(im2col.pack(plan, input, image, begin, columns, workspace));
            return;
        }
        int channels = plan.inputChannelsPerGroup();
        for (int g = 0; g < plan.problem().groups(); g++) {
            StridedMatrix plane = StridedMatrix.rowMajor(input, plan.inputPlaneOffset(image, g * channels) + begin,
                    channels, columns, plan.columns());
            timings.add(gemm.packB(plane, workspace, g * plan.workspaceGroupStride()));
        }
    }

    @Override
    public void close() {
        resources.close();
    }
}
