package dev.tessera.jmh;

import dev.tessera.backend.ConvProblem;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.opencl.conv.ConvSolver;
import dev.tessera.backend.opencl.conv.ConvSolvers;
import dev.tessera.backend.opencl.conv.PreparedConv;
import dev.tessera.opencl.ClBuffer;
import dev.tessera.opencl.ClContext;

/**
 * One convolution layer of {@link Layers} at batch 1 prepared with one solver on the benchmark device (bias and ReLU
 * fused, random data on the device): what the per-solver layer benchmarks time is {@link #run}. Close it to free all.
 */
final class PreparedLayer implements AutoCloseable {
    private final ClContext context;
    private final PreparedConv prepared;
    private final ClBuffer input;
    private final ClBuffer output;
    /** Direct-equivalent GFLOP of one run (2 * MACs). */
    final double gflopPerRun;

    /** @throws IllegalStateException when the solver does not apply to the layer (nothing left open) */
    PreparedLayer(String layer, String algorithm) {
        ConvProblem base = Layers.CONVOLUTIONS.get(layer).problem(1);
        ConvProblem problem = new ConvProblem(base.n(), base.c(), base.h(), base.w(), base.k(), base.r(), base.s(),
                base.conv().withRelu(true), true);
        gflopPerRun = 2.0 * problem.macs() / 1e9;
        context = ClContext.open(BenchmarkDevice.get());
        ConvSolver solver = ConvSolvers.byId(algorithm, context.info());
        String reason = solver.notApplicableReason(problem, context.info());
        if (reason != null) {
            context.close();
            throw new IllegalStateException(algorithm + " does not apply to " + layer + ": " + reason);
        }
        ClBuffer in = null;
        ClBuffer out = null;
        try {
            in = context.buffer(Tensor.random(3, -1, 1, problem.inputShape()).data());
            out = context.buffer(4L * Tensor.sizeOf(problem.outputShape()));
            prepared = solver.prepare(context, problem, Tensor.random(1, -0.1f, 0.1f, problem.weightShape()),
                    Tensor.random(2, -0.1f, 0.1f, problem.k()));
        } catch (RuntimeException e) {
            if (in != null) {
                in.close();
            }
            if (out != null) {
                out.close();
            }
            context.close();
            throw e;
        }
        input = in;
        output = out;
    }

    /** One run of the prepared convolution. */
    void run() {
        prepared.run(input, output);
    }

    @Override
    public void close() {
        prepared.close();
        input.close();
        output.close();
        context.close();
    }
}
