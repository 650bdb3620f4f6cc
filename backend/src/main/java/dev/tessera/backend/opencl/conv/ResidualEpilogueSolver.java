package dev.tessera.backend.opencl.conv;

import dev.tessera.backend.ConvProblem;
import dev.tessera.backend.Tensor;
import dev.tessera.opencl.ClContext;

/**
 * A solver whose epilogue can add a residual the output already holds ({@link ConvSolver#prepareResidual}): one
 * preparation with a switch, so the fused and the plain variant share their code and differ in the epilogue only.
 */
public interface ResidualEpilogueSolver extends ConvSolver {
    /** {@link #prepare} ({@code residual} false) or {@link #prepareResidual} ({@code residual} true). */
    PreparedConv prepare(ClContext context, ConvProblem problem, Tensor weights, Tensor bias, boolean residual);

    @Override
    default PreparedConv prepare(ClContext context, ConvProblem problem, Tensor weights, Tensor bias) {
        return prepare(context, problem, weights, bias, false);
    }

    @Override
    default String residualNotApplicableReason(ConvProblem problem) {
        return null;
    }

    @Override
    default PreparedConv prepareResidual(ClContext context, ConvProblem problem, Tensor weights, Tensor bias) {
        return prepare(context, problem, weights, bias, true);
    }
}
