package dev.tessera.aparapi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.tessera.backend.Accuracy;
import dev.tessera.backend.ConvAlgorithm;
import dev.tessera.backend.OpResult;
import dev.tessera.backend.Operator;
import dev.tessera.backend.RandomCases;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.Tolerances;
import dev.tessera.backend.opencl.SelfTest;
import dev.tessera.backend.reference.ReferenceBackend;

/**
 * The property suite of the hand-written kernels ({@link RandomCases}, {@link SelfTest#convCases()}) against the
 * Aparapi backend on the test device (PoCL in CI), with the thread-pool fallback forbidden and every result required
 * to say it ran on the OpenCL device: a kernel that fell back to Java fails the suite. Fewer random cases than the
 * OpenCL suite (Aparapi re-sends every array on every run), every operator and every edge case.
 */
class AparapiPropertyTest {
    private static AparapiBackend aparapi;
    private static ReferenceBackend reference;

    @BeforeAll
    static void open() {
        aparapi = AparapiBackend.open(AparapiTestDevices.device(), new AparapiBackend.Options(false, null));
        reference = new ReferenceBackend();
    }

    @AfterAll
    static void close() {
        aparapi.close();
    }

    private static void check(RandomCases.Case c) {
        check(c.op(), c.algorithm(), c.inputs(), c.tolerance(), c.description());
    }

    private static void check(Operator op, List<Tensor> inputs, double tolerance, String what) {
        check(op, ConvAlgorithm.AUTO, inputs, tolerance, what);
    }

    private static void check(Operator op, ConvAlgorithm algorithm, List<Tensor> inputs, double tolerance,
            String what) {
        OpResult expected = reference.run(op, inputs);
        OpResult actual = aparapi.run(op, inputs, algorithm);
        assertEquals("opencl:" + aparapi.device(), actual.ranOn(), what + ": " + actual.note());
        assertArrayEquals(expected.output().shape(), actual.output().shape(), what);
        Accuracy accuracy = Accuracy.of(actual.output(), expected.output());
        assertTrue(accuracy.relativeL2() <= tolerance, what + ": " + accuracy + " above " + tolerance);
        assertTrue(actual.kernelMs() >= 0, what + ": Aparapi's time of the native run");
    }

    @Test
    void convolutionEdgeCasesMatchReferenceWithBothAlgorithms() {
        for (SelfTest.ConvCase conv : SelfTest.convCases()) {
            for (ConvAlgorithm algorithm : List.of(ConvAlgorithm.DIRECT, ConvAlgorithm.IM2COL, ConvAlgorithm.AUTO)) {
                check(conv.op(), algorithm, conv.inputs(), Tolerances.relativeL2(algorithm.id()),
                        conv.name() + " " + algorithm);
            }
        }
    }

    @Test
    void randomConvolutionsMatchReference() {
        for (RandomCases.Case random : RandomCases.convolutions(20261122, 200)) {
            Operator.Conv2d conv = (Operator.Conv2d) random.op();
            for (ConvAlgorithm algorithm : List.of(ConvAlgorithm.DIRECT, ConvAlgorithm.IM2COL)) {
                check(conv, algorithm, random.inputs(), Tolerances.relativeL2(algorithm.id()),
                        random.description() + " " + algorithm);
            }
        }
    }

    @Test
    void poolingMatchesReference() {
        RandomCases.pools(77, 200).forEach(AparapiPropertyTest::check);
        check(new Operator.GlobalAvgPool(), List.of(Tensor.random(3, -1, 1, 2, 5, 7, 7)), 1e-6, "global avg pool");
        check(new Operator.GlobalAvgPool(), List.of(Tensor.random(4, -1, 1, 1, 9, 1, 3)), 1e-6, "global avg 1x3");
    }

    @Test
    void lrnMatchesReferenceInBothConventions() {
        RandomCases.lrns(9, 200).forEach(AparapiPropertyTest::check);
    }

    @Test
    void activationsAndPaddingMatchReferenceWithNanAndInfinity() {
        for (RandomCases.Case c : RandomCases.activationsAndPads(515, 60)) {
            OpResult expected = reference.run(c.op(), c.inputs());
            OpResult actual = aparapi.run(c.op(), c.inputs(), c.algorithm());
            assertArrayEquals(expected.output().shape(), actual.output().shape(), c.description());
            String mismatch = RandomCases.mismatch(actual.output(), expected.output(), c.tolerance());
            assertNull(mismatch, () -> c.description() + ": " + mismatch);
            assertTrue(actual.ranOn().startsWith("opencl:"), c.description() + ": " + actual.ranOn());
        }
    }

    @Test
    void elementwiseFullyConnectedAndSoftmaxMatchReference() {
        RandomCases.elementwise(31, 100).forEach(AparapiPropertyTest::check);
        // a layer-sized FC and softmax: many steps along the features, 1000 classes over one work-group
        check(new Operator.FullyConnected(true), List.of(Tensor.random(1, -1, 1, 2, 1000),
                Tensor.random(2, -1, 1, 70, 1000), Tensor.random(3, -1, 1, 70)), 1e-5, "fc 1000->70 batch 2");
        check(new Operator.Softmax(), List.of(Tensor.random(4, -20, 20, 3, 1000)), 1e-5, "softmax 3x1000");
    }

    /** The benchmarks' path: data put on the device once, kernels run again and again in explicit mode. */
    @Test
    void preparedOperatorsKeepDataOnTheDeviceAndStayRight() {
        SelfTest.ConvCase conv = SelfTest.convCases().get(7);
        List<RandomCases.Case> cases = List.of(
                new RandomCases.Case(conv.op(), conv.inputs(), 1e-5, "im2col", ConvAlgorithm.IM2COL),
                new RandomCases.Case(conv.op(), conv.inputs(), 1e-5, "direct", ConvAlgorithm.DIRECT),
                new RandomCases.Case(Operator.Pool.of(Operator.Pool.Kind.MAX, 3, 2, 0),
                        List.of(Tensor.random(6, -1, 1, 1, 5, 13, 13)), 1e-6, "max pool"),
                new RandomCases.Case(Operator.Lrn.alexNet(), List.of(Tensor.random(7, -3, 3, 1, 9, 5, 5)), 1e-5, "lrn"));
        for (RandomCases.Case c : cases) {
            Tensor expected = reference.run(c.op(), c.inputs()).output();
            try (AparapiBackend.PreparedOperator prepared = aparapi.prepare(c.op(), c.inputs(), c.algorithm())) {
                for (int run = 0; run < 3; run++) {
                    assertTrue(prepared.run() >= 0, c.description());
                }
                Accuracy accuracy = Accuracy.of(prepared.output(), expected);
                assertTrue(accuracy.relativeL2() <= c.tolerance(), c.description() + ": " + accuracy);
            }
        }
    }

    @Test
    void flattenIsAReshape() {
        Tensor x = Tensor.random(5, -1, 1, 2, 3, 4, 5);
        OpResult result = aparapi.run(new Operator.Flatten(), List.of(x));
        assertArrayEquals(new int[] {2, 60}, result.output().shape());
        assertArrayEquals(x.data(), result.output().data());
    }
}
