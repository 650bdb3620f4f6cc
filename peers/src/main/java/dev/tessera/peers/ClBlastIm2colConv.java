package dev.tessera.peers;

import org.jocl.cl_event;
import org.jocl.blast.CLBlast;
import org.jocl.blast.CLBlastLayout;
import org.jocl.blast.CLBlastStatusCode;
import org.jocl.blast.CLBlastTranspose;

import dev.tessera.backend.ConvProblem;
import dev.tessera.backend.Tensor;
import dev.tessera.opencl.ClBuffer;
import dev.tessera.opencl.ClContext;
import dev.tessera.opencl.ClEvent;
import dev.tessera.opencl.ClKernel;
import dev.tessera.opencl.ClProgram;
import dev.tessera.opencl.EventTiming;
import dev.tessera.opencl.OpenClException;
import dev.tessera.opencl.ProgramSource;

/**
 * The peer for convolution layers: im2col into a row-major matrix ({@code im2col_rowmajor.cl}), then CLBlast's SGEMM
 * (JOCLBlast), weights [K, C*R*S] times columns [C*R*S, P*Q] into the output [K, P*Q], batch 1. No bias: the peer
 * does the arithmetic, which is what GFLOP/s compares. Groups are not supported (VGG and ResNet have none). Used by
 * the JMH benchmarks and by {@code tessera bench}'s per-layer comparison.
 */
public final class ClBlastIm2colConv implements AutoCloseable {
    private final ConvProblem problem;
    private final ClContext context;
    private final ClProgram program;
    private final ClKernel im2col;
    private final ClBuffer weights;
    private final ClBuffer columns;

    /**
     * @throws IllegalArgumentException for grouped convolutions or a batch other than 1 (the message says which)
     */
    public ClBlastIm2colConv(ClContext context, ConvProblem problem, Tensor weightTensor) {
        String reason = notApplicableReason(problem);
        if (reason != null) {
            throw new IllegalArgumentException(reason);
        }
        this.problem = problem;
        this.context = context;
        // what exists so far is released when a later step fails (a buffer not allocated, an argument refused)
        ClProgram builtProgram = context.build(ProgramSource.resource("im2col_rowmajor.cl"), "");
        ClKernel kernel = null;
        ClBuffer weightBuffer = null;
        ClBuffer columnBuffer = null;
        try {
            kernel = builtProgram.kernel("im2col_rowmajor");
            weightBuffer = context.buffer(weightTensor.data());
            columnBuffer = context.buffer(4L * depth() * problem.p() * problem.q());
            var c = problem.conv();
            kernel.arg(1, columnBuffer).arg(2, problem.c()).arg(3, problem.h()).arg(4, problem.w())
                    .arg(5, problem.p()).arg(6, problem.q()).arg(7, problem.r()).arg(8, problem.s())
                    .arg(9, c.strideH()).arg(10, c.strideW()).arg(11, c.padTop()).arg(12, c.padLeft())
                    .arg(13, c.dilationH()).arg(14, c.dilationW());
        } catch (RuntimeException e) {
            closeAll(columnBuffer, weightBuffer, kernel, builtProgram);
            throw e;
        }
        this.program = builtProgram;
        this.im2col = kernel;
        this.weights = weightBuffer;
        this.columns = columnBuffer;
    }

    private static void closeAll(AutoCloseable... resources) {
        for (AutoCloseable r : resources) {
            if (r != null) {
                try {
                    r.close();
                } catch (Exception suppressed) {
                    // releasing after a failure: the failure is what the caller needs to see
                }
            }
        }
    }

    /** Why the peer cannot run {@code problem}, or null when it can. */
    public static String notApplicableReason(ConvProblem problem) {
        if (problem.groups() != 1 || problem.n() != 1) {
            return "the CLBlast peer runs ungrouped convolutions at batch 1 only";
        }
        return null;
    }

    private int depth() {
        return problem.c() * problem.r() * problem.s();
    }

    /**
     * Convolves the image in {@code input} into {@code output}; blocks until done and returns the device time from
     * the start of the im2col kernel to the end of CLBlast's last command (profiling events of the in-order queue, so
     * any helper kernel CLBlast runs in between is counted).
     */
    public double run(ClBuffer input, ClBuffer output) {
        int plane = problem.p() * problem.q();
        im2col.arg(0, input);
        try (ClEvent columnsDone = im2col.launch(new long[] {(plane + 63) / 64 * 64L, problem.c()},
                new long[] {64, 1})) {
            cl_event gemmEvent = new cl_event();
            int status = CLBlast.CLBlastSgemm(CLBlastLayout.CLBlastLayoutRowMajor,
                    CLBlastTranspose.CLBlastTransposeNo, CLBlastTranspose.CLBlastTransposeNo, problem.k(), plane,
                    depth(), 1.0f, weights.handle(), 0, depth(), columns.handle(), 0, plane, 0.0f, output.handle(), 0,
                    plane, context.queueHandle(), gemmEvent);
            if (status != CLBlastStatusCode.CLBlastSuccess) {
                context.finish();
                throw new OpenClException("CLBlastSgemm failed: " + CLBlastStatusCode.stringFor(status), status);
            }
            try (ClEvent gemmDone = context.adopt(gemmEvent)) {
                EventTiming first = columnsDone.timing(0);
                EventTiming last = gemmDone.timing(0);
                return (last.endNs() - first.startNs()) / 1e6;
            }
        }
    }

    @Override
    public void close() {
        columns.close();
        weights.close();
        im2col.close();
        program.close();
    }
}
