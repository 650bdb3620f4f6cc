package dev.tessera.backend.opencl.plan;

import java.util.List;

import dev.tessera.backend.ConvAlgorithm;
import dev.tessera.backend.ConvProblem;
import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.opencl.OpenClBackend;
import dev.tessera.backend.opencl.common.PreparedStep;
import dev.tessera.backend.opencl.conv.ConvSolver;
import dev.tessera.backend.opencl.conv.ConvSolverFinder;
import dev.tessera.backend.opencl.conv.PreparedConv;
import dev.tessera.opencl.ClBuffer;

/**
 * Prepares a convolution whose epilogue adds a residual ({@link ResidualFusion}): {@code out} already holds the
 * residual when the step runs, and the step leaves {@code relu?(conv(input) + bias + residual)} there.
 */
final class ResidualConvStep {
    /** The prepared step, or null with the reason the chosen solver cannot add a residual. */
    record Outcome(PreparedStep step, String declined) {
    }

    private ResidualConvStep() {
    }

    /**
     * The solver is chosen as for the plain convolution ({@link OpenClBackend#chooseSolver}; fused and unfused share a
     * tuning key); if it has no residual epilogue nothing is prepared and the outcome says why.
     *
     * @param conv   the convolution with the ReLU that follows the add
     * @param algorithm the plan's algorithm for this layer (AUTO: the finder's)
     * @param shapes the input's, weights' and bias's shapes
     * @param values null, the weights and the bias (if any)
     */
    static Outcome prepare(OpenClBackend backend, Operator.Conv2d conv, ConvAlgorithm algorithm, List<int[]> shapes,
            List<Tensor> values, ClBuffer input, ClBuffer out) {
        if (input == out) {
            throw new IllegalArgumentException("a residual convolution cannot read the buffer it adds into");
        }
        ConvProblem problem = ConvProblem.of(conv, shapes);
        Tensor weights = values.get(1);
        Tensor bias = values.size() == 3 ? values.get(2) : null;
        ConvSolverFinder.Choice choice = backend.chooseSolver(problem, algorithm, weights, bias, input, out);
        ConvSolver solver = choice.solver();
        String reason = solver.residualNotApplicableReason(problem);
        if (reason != null) {
            return new Outcome(null, reason);
        }
        PreparedConv prepared = solver.prepareResidual(backend.context(), problem, weights, bias);
        return new Outcome(PreparedStep.of(prepared, solver.id(), choice.note(), () -> prepared.run(input, out)), null);
    }
}
