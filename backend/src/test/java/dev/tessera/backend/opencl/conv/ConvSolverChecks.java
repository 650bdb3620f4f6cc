package dev.tessera.backend.opencl.conv;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import dev.tessera.backend.Accuracy;
import dev.tessera.backend.ConvProblem;
import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.Tolerances;
import dev.tessera.backend.reference.ReferenceBackend;
import dev.tessera.opencl.ClBuffer;
import dev.tessera.opencl.ClContext;

/** Runs one solver on one case and checks it against the double-precision reference within {@link Tolerances}. */
final class ConvSolverChecks {
    private ConvSolverChecks() {
    }

    /**
     * Prepares {@code solver} for the case ({@code inputs}: x, weights and optionally bias), runs it once and asserts
     * the relative L2 error against the reference's output is within the solver's bound; returns the launches' count.
     */
    static int check(ClContext context, ReferenceBackend reference, ConvSolver solver, Operator.Conv2d conv,
            List<Tensor> inputs, String what) {
        ConvProblem problem = ConvProblem.of(conv, inputs.stream().map(Tensor::shape).toList());
        Tensor expected = reference.run(conv, inputs).output();
        Tensor actual = Tensor.zeros(problem.outputShape());
        int launches;
        try (ClBuffer x = context.buffer(inputs.get(0).data());
                ClBuffer y = context.buffer(Float.BYTES * (long) actual.data().length);
                PreparedConv prepared = solver.prepare(context, problem, inputs.get(1),
                        inputs.size() == 3 ? inputs.get(2) : null)) {
            launches = prepared.run(x, y).size();
            y.read(actual.data());
        }
        Accuracy a = Accuracy.of(actual, expected);
        double bound = Tolerances.relativeL2(solver.id());
        assertTrue(a.relativeL2() <= bound, what + " " + solver.id() + ": " + a + " above " + bound);
        return launches;
    }
}
