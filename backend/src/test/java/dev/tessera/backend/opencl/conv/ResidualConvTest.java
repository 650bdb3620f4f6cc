package dev.tessera.backend.opencl.conv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.tessera.backend.Accuracy;
import dev.tessera.backend.ConvAlgorithm;
import dev.tessera.backend.ConvProblem;
import dev.tessera.backend.Operator;
import dev.tessera.backend.RandomCases;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.Tolerances;
import dev.tessera.backend.opencl.TestDevices;
import dev.tessera.backend.reference.ReferenceBackend;
import dev.tessera.opencl.ClBuffer;
import dev.tessera.opencl.ClContext;
import dev.tessera.opencl.DeviceInfo;
import dev.tessera.opencl.LiveResources;
import dev.tessera.opencl.ProgramCache;

/**
 * The residual epilogue ({@link ConvSolver#prepareResidual}: out = relu?(conv(x) + bias + out)) of every solver that
 * has one against the double-precision reference's conv2d followed by its add (with or without ReLU), on random shapes
 * (fixed seeds) and edge cases, within {@link Tolerances}' bound of the solver; every other solver declines with a
 * reason and refuses to prepare.
 */
class ResidualConvTest {
    private static ClContext context;
    private static ReferenceBackend reference;

    @BeforeAll
    static void open() {
        context = ClContext.open(TestDevices.device(), ProgramCache.defaultCache());
        reference = new ReferenceBackend();
    }

    @AfterAll
    static void close() {
        context.close();
        reference.close();
        assertEquals(0, LiveResources.buffers(), "no buffer leaked: " + LiveResources.summary());
    }

    @Test
    void randomProblemsMatchTheReferenceConvThenAdd() {
        int fused = 0;
        for (RandomCases.Case c : RandomCases.convolutions(20261204, 60)) {
            fused += checkEverySolver((Operator.Conv2d) c.op(), c.inputs(), new SplittableRandom(c.hashCode()),
                    c.description());
        }
        assertTrue(fused >= 2 * 2 * 60, "im2col and direct add a residual in every case, with and without ReLU: "
                + fused);
    }

    @Test
    void edgeCases() {
        SplittableRandom rnd = new SplittableRandom(77);
        List<Object[]> cases = List.of(
                new Object[] {Operator.Conv2d.of(1, 1), new int[] {1, 3, 9, 9, 8, 3, 3}}, // K not a vector multiple
                new Object[] {Operator.Conv2d.of(2, 1), new int[] {2, 5, 11, 10, 6, 3, 3}}, // stride 2, batch 2
                new Object[] {Operator.Conv2d.of(1, 0), new int[] {3, 6, 7, 5, 10, 1, 1}}, // pointwise, batch 3
                new Object[] {Operator.Conv2d.of(2, 0), new int[] {1, 16, 8, 8, 32, 1, 1}}, // strided 1x1 shortcut
                new Object[] {Operator.Conv2d.of(1, 1), new int[] {1, 1, 1, 1, 1, 3, 3}}, // a single pixel
                new Object[] {Operator.Conv2d.of(1, 1), new int[] {2, 17, 13, 13, 19, 3, 3}}); // odd everything
        for (Object[] c : cases) {
            int[] d = (int[]) c[1];
            for (boolean bias : new boolean[] {true, false}) {
                List<Tensor> inputs = RandomCases.convInputs(rnd, d[0], d[1], d[2], d[3], d[4], d[5], d[6], 1, bias);
                checkEverySolver((Operator.Conv2d) c[0], inputs, rnd.split(), "edge " + java.util.Arrays.toString(d));
            }
        }
    }

    /** A NaN in the residual or the input reaches the output through the ReLU; a negative sum becomes 0. */
    @Test
    void nanPropagatesAndTheReluClampsTheSum() {
        List<Tensor> inputs = RandomCases.convInputs(new SplittableRandom(3), 1, 4, 6, 6, 5, 3, 3, 1, true);
        Operator.Conv2d conv = Operator.Conv2d.of(1, 1).withRelu(true);
        ConvProblem problem = ConvProblem.of(conv, inputs.stream().map(Tensor::shape).toList());
        Tensor residual = Tensor.random(9, -1f, 1f, problem.outputShape());
        residual.data()[7] = Float.NaN;
        residual.data()[11] = -1e6f;
        inputs.get(0).data()[0] = Float.NaN; // reaches output pixels (0, 0) and its neighbours of every channel
        for (ConvSolver solver : List.of(Im2colGemmSolver.forDevice(context.info()), new DirectConvSolver(),
                new WinogradFusedSolver(4), new NchwcDirectSolver())) {
            Tensor out = runResidual(solver, problem, inputs, residual);
            assertTrue(Float.isNaN(out.data()[7]), solver.id() + ": NaN residual");
            assertTrue(Float.isNaN(out.data()[0]) && Float.isNaN(out.data()[36]), solver.id() + ": NaN input");
            assertEquals(0f, out.data()[11], solver.id() + ": a sum far below 0 through the ReLU");
        }
    }

    /** Runs every registered solver on the case, with and without ReLU; returns how many added the residual. */
    private static int checkEverySolver(Operator.Conv2d conv, List<Tensor> inputs, SplittableRandom rnd,
            String what) {
        int fused = 0;
        DeviceInfo device = context.info();
        for (boolean relu : new boolean[] {true, false}) {
            Operator.Conv2d op = conv.withRelu(false);
            ConvProblem problem = ConvProblem.of(op.withRelu(relu), inputs.stream().map(Tensor::shape).toList());
            Tensor residual = Tensor.random(rnd.nextLong(), -1f, 1f, problem.outputShape());
            for (ConvSolver solver : ConvSolvers.forDevice(device)) {
                if (!solver.isApplicable(problem, device)) {
                    continue;
                }
                String reason = solver.residualNotApplicableReason(problem);
                if (reason != null) {
                    assertFalse(reason.isBlank(), solver.id());
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                            () -> solver.prepareResidual(context, problem, inputs.get(1),
                                    inputs.size() == 3 ? inputs.get(2) : null));
                    assertEquals(reason, e.getMessage());
                    continue;
                }
                Tensor sum = reference.run(new Operator.Add(relu), List.of(reference.run(
                        op, inputs).output(), residual)).output();
                Tensor actual = runResidual(solver, problem, inputs, residual);
                assertArrayEquals(sum.shape(), actual.shape());
                Accuracy a = Accuracy.of(actual, sum);
                double bound = Tolerances.relativeL2(solver.id());
                assertTrue(a.relativeL2() <= bound, what + " relu " + relu + " " + solver.id() + ": " + a + " above "
                        + bound);
                fused++;
            }
        }
        return fused;
    }

    /** The output buffer starts as {@code residual}; one run of the prepared residual convolution. */
    private static Tensor runResidual(ConvSolver solver, ConvProblem problem, List<Tensor> inputs, Tensor residual) {
        assertNull(solver.residualNotApplicableReason(problem));
        Tensor out = Tensor.zeros(problem.outputShape());
        try (ClBuffer x = context.buffer(inputs.get(0).data()); ClBuffer y = context.buffer(residual.data());
                PreparedConv prepared = solver.prepareResidual(context, problem, inputs.get(1),
                        inputs.size() == 3 ? inputs.get(2) : null)) {
            prepared.run(x, y);
            y.read(out.data());
        }
        return out;
    }
}
