package dev.tessera.backend.opencl.conv;

import java.util.List;

import dev.tessera.backend.ConvProblem;
import dev.tessera.opencl.ClBuffer;
import dev.tessera.opencl.EventTiming;

/** A convolution ready to run: kernels built, weights transformed, workspace allocated. Close it to free all that. */
public interface PreparedConv extends AutoCloseable {
    ConvProblem problem();

    /** The solver that prepared it. */
    String solverId();

    /**
     * Runs the convolution: {@code input} holds [N, C, H, W] floats, {@code output} receives [N, K, P, Q] (bias and
     * ReLU applied as the problem says). Blocks until done.
     *
     * @return the timing of every kernel launched, in order
     */
    List<EventTiming> run(ClBuffer input, ClBuffer output);

    @Override
    void close();
}
