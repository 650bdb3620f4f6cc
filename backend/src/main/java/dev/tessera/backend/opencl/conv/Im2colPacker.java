package dev.tessera.backend.opencl.conv;

import dev.tessera.backend.ConvProblem;
import dev.tessera.backend.Operator;
import dev.tessera.backend.opencl.common.OwnedResources;
import dev.tessera.backend.opencl.gemm.BufferBounds;
import dev.tessera.backend.opencl.gemm.GemmTuning;
import dev.tessera.backend.opencl.gemm.PackedGemm;
import dev.tessera.opencl.ClBuffer;
import dev.tessera.opencl.ClContext;
import dev.tessera.opencl.ClKernel;
import dev.tessera.opencl.ClProgram;
import dev.tessera.opencl.EventTiming;
import dev.tessera.opencl.ProgramSource;

/**
 * Writes the im2col matrix of one image of a convolution straight into {@link PackedGemm}'s packed-B layout
 * ({@code im2col.cl}): per group g, B_g is K = C/groups * R * S rows by P * Q columns, row (c, r, s) in the order of the
 * KCRS weights, so that the weights of a group, read row-major, are the matching A. Writes a chunk of the columns at a
 * time, all groups in one launch.
 */
final class Im2colPacker implements AutoCloseable {
    private final OwnedResources resources = new OwnedResources();
    private final GemmTuning tuning;
    private final ClKernel kernel;

    Im2colPacker(ClContext context, GemmTuning tuning) {
        try {
            ClProgram program = resources.add(context.build(ProgramSource.resource("im2col.cl"),
                    tuning.buildOptions()));
            kernel = resources.add(program.kernel("im2col_packed_b"));
        } catch (RuntimeException e) {
            resources.close();
            throw e;
        }
        this.tuning = tuning.fittedTo(kernel.maxWorkGroupSize(), context.info().maxWorkItemSizes());
    }

    /**
     * Packs columns {@code [columnBegin, columnBegin + columns)} of image {@code image} of {@code input} ([N, C, H, W]
     * floats) into the workspace {@code packed}: group g as a packed B of {@code columns} columns from element
     * {@code g * plan.workspaceGroupStride()} on.
     */
    EventTiming pack(Im2colGemmPlan plan, ClBuffer input, int image, int columnBegin, int columns, ClBuffer packed) {
        ConvProblem problem = plan.problem();
        if (image < 0 || image >= problem.n() || columnBegin < 0 || columns < 1 || columns > plan.chunkColumns()
                || columnBegin + (long) columns > plan.columns()) {
            throw new IllegalArgumentException("image " + image + ", columns " + columnBegin + " + " + columns
                    + " outside a problem of " + problem.n() + " images of " + plan.columns() + " columns in chunks of "
                    + plan.chunkColumns());
        }
        BufferBounds.require(input, plan.inputPlaneOffset(problem.n(), 0), "im2col input");
        BufferBounds.require(packed, plan.workspaceFloats(), "im2col workspace");
        Operator.Conv2d conv = problem.conv();
        kernel.arg(0, input).arg(1, image).arg(2, problem.c()).arg(3, problem.h()).arg(4, problem.w())
                .arg(5, plan.inputChannelsPerGroup()).arg(6, problem.r()).arg(7, problem.s())
                .arg(8, problem.p()).arg(9, problem.q())
                .arg(10, conv.strideH()).arg(11, conv.strideW()).arg(12, conv.padTop()).arg(13, conv.padLeft())
                .arg(14, conv.dilationH()).arg(15, conv.dilationW())
                .arg(16, columnBegin).arg(17, columns)
                .arg(18, packed).arg(19, BufferBounds.index(plan.workspaceGroupStride(), "group stride"));
        return kernel.run(tuning.packingRange(plan.depth(), columns, tuning.nr(), problem.groups()),
                tuning.packingWorkGroup());
    }

    @Override
    public void close() {
        resources.close();
    }
}
