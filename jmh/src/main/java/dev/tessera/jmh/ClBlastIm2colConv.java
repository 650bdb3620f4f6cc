package dev.tessera.jmh;

import org.jocl.blast.CLBlast;
import org.jocl.blast.CLBlastLayout;
import org.jocl.blast.CLBlastStatusCode;
import org.jocl.blast.CLBlastTranspose;

import dev.tessera.backend.ConvProblem;
import dev.tessera.backend.Tensor;
import dev.tessera.opencl.ClBuffer;
import dev.tessera.opencl.ClContext;
import dev.tessera.opencl.ClKernel;
import dev.tessera.opencl.ClProgram;
import dev.tessera.opencl.OpenClException;
import dev.tessera.opencl.ProgramSource;

/**
 * The peer for convolution layers: im2col into a row-major matrix ({@code im2col_rowmajor.cl}), then CLBlast's SGEMM
 * (JOCLBlast), weights [K, C*R*S] times columns [C*R*S, P*Q] into the output [K, P*Q], batch 1. No bias: the peer
 * does the arithmetic, which is what GFLOP/s compares. Groups are not supported (VGG and ResNet have none).
 */
final class ClBlastIm2colConv implements AutoCloseable {
    private final ConvProblem problem;
    private final ClContext context;
    private final ClProgram program;
    private final ClKernel im2col;
    private final ClBuffer weights;
    private final ClBuffer columns;

    ClBlastIm2colConv(ClContext context, ConvProblem problem, Tensor weightTensor) {
        if (problem.groups() != 1 || problem.n() != 1) {
            throw new IllegalArgumentException("the CLBlast peer runs ungrouped convolutions at batch 1 only");
        }
        this.problem = problem;
        this.context = context;
        this.program = context.build(ProgramSource.resource("im2col_rowmajor.cl"), "");
        this.im2col = program.kernel("im2col_rowmajor");
        this.weights = context.buffer(weightTensor.data());
        this.columns = context.buffer(4L * depth() * problem.p() * problem.q());
        var c = problem.conv();
        im2col.arg(1, columns).arg(2, problem.c()).arg(3, problem.h()).arg(4, problem.w()).arg(5, problem.p())
                .arg(6, problem.q()).arg(7, problem.r()).arg(8, problem.s()).arg(9, c.strideH()).arg(10, c.strideW())
                .arg(11, c.padTop()).arg(12, c.padLeft()).arg(13, c.dilationH()).arg(14, c.dilationW());
    }

    private int depth() {
        return problem.c() * problem.r() * problem.s();
    }

    /** Convolves the image in {@code input} into {@code output}; blocks until done. */
    void run(ClBuffer input, ClBuffer output) {
        int plane = problem.p() * problem.q();
        im2col.arg(0, input);
        im2col.run(new long[] {(plane + 63) / 64 * 64L, problem.c()}, new long[] {64, 1});
        int status = CLBlast.CLBlastSgemm(CLBlastLayout.CLBlastLayoutRowMajor, CLBlastTranspose.CLBlastTransposeNo,
                CLBlastTranspose.CLBlastTransposeNo, problem.k(), plane, depth(), 1.0f, weights.handle(), 0, depth(),
                columns.handle(), 0, plane, 0.0f, output.handle(), 0, plane, context.queueHandle(), null);
        if (status != CLBlastStatusCode.CLBlastSuccess) {
            throw new OpenClException("CLBlastSgemm failed: " + CLBlastStatusCode.stringFor(status), status);
        }
        context.finish();
    }

    @Override
    public void close() {
        columns.close();
        weights.close();
        im2col.close();
        program.close();
    }
}
