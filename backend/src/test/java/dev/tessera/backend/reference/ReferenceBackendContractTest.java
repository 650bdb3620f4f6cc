package dev.tessera.backend.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.tessera.backend.OpResult;
import dev.tessera.backend.Operator;
import dev.tessera.backend.Operator.Add;
import dev.tessera.backend.Operator.BatchNorm;
import dev.tessera.backend.Operator.BiasAdd;
import dev.tessera.backend.Operator.Conv2d;
import dev.tessera.backend.Operator.Flatten;
import dev.tessera.backend.Operator.FullyConnected;
import dev.tessera.backend.Operator.GlobalAvgPool;
import dev.tessera.backend.Operator.Lrn;
import dev.tessera.backend.Operator.Pool;
import dev.tessera.backend.Operator.Relu;
import dev.tessera.backend.Operator.Softmax;
import dev.tessera.backend.Tensor;

/** What ReferenceBackend reports about a run, and how it rejects shapes that do not fit. */
class ReferenceBackendContractTest {
    private final ReferenceBackend backend = new ReferenceBackend();

    private static Tensor t(int... shape) {
        return Tensor.zeros(shape);
    }

    @Test
    void describesItselfAndEachRun() {
        assertEquals("reference", backend.name());
        assertEquals("java (double accumulation)", backend.device());

        OpResult conv = backend.run(Conv2d.of(1, 0), List.of(t(1, 1, 3, 3), new Tensor(new float[] {2}, 1, 1, 1, 1)));
        assertEquals("reference-direct", conv.algorithm());
        assertEquals("reference-java", conv.ranOn());
        assertEquals("", conv.note());
        assertTrue(Double.isNaN(conv.kernelMs()));
        assertTrue(conv.wallMs() >= 0 && conv.wallMs() < 60_000, "wall time " + conv.wallMs());

        OpResult relu = backend.run(new Relu(), List.of(new Tensor(new float[] {-1, 2}, 2)));
        assertEquals("reference", relu.algorithm());
        assertEquals(2f, relu.output().data()[1]);
    }

    @Test
    void rejectsShapesThatDoNotFitWithTheOperatorsName() {
        assertRejected("conv2d", Conv2d.of(1, 0), t(1, 3, 8, 8), t(4, 2, 3, 3));            // channel mismatch
        assertRejected("conv2d height", Conv2d.of(1, 0), t(1, 1, 2, 5), t(1, 1, 3, 3));     // window too tall
        assertRejected("conv2d width", Conv2d.of(1, 0), t(1, 1, 5, 2), t(1, 1, 3, 3));      // window too wide
        assertRejected("conv2d", Conv2d.of(1, 0).withGroups(2), t(1, 4, 5, 5), t(3, 2, 3, 3)); // 3 % 2 groups
        assertRejected("conv2d", Conv2d.of(1, 0), t(1, 1, 5, 5), t(2, 1, 3, 3), t(3));      // bias length
        assertRejected("conv2d", Conv2d.of(1, 0), t(1, 5, 5), t(2, 1, 3, 3));               // input rank
        assertRejected("maxpool", Pool.of(Pool.Kind.MAX, 2, 2, 0), t(1, 4, 4));
        assertRejected("maxpool height", Pool.of(Pool.Kind.MAX, 3, 1, 0), t(1, 1, 2, 4));
        assertRejected("avgpool", Pool.of(Pool.Kind.AVG, 2, 1, 2), t(1, 1, 4, 4));          // pad >= window
        assertRejected("globalavgpool", new GlobalAvgPool(), t(2, 3));
        assertRejected("lrn", new Lrn(0, 1e-4, 0.75, 2, false), t(1, 2, 2, 2));
        assertRejected("relu", new Relu(), t(2), t(2));                                       // two inputs
        assertRejected("biasadd", new BiasAdd(), t(1, 3, 2, 2), t(4));
        assertRejected("add", new Add(false), t(1, 3), t(1, 4));
        assertRejected("fc", new FullyConnected(false), t(2, 3), t(4, 5));
        assertRejected("fc", new FullyConnected(false), t(2, 3), t(4, 3), t(3));
        assertRejected("fc", new FullyConnected(false), t(6), t(4, 1));                      // no batch axis
        assertRejected("softmax", new Softmax(), t(1, 3, 2, 2));
        assertRejected("batchnorm", new BatchNorm(1e-5), t(1, 3, 2, 2), t(3), t(3), t(2), t(3));
        assertRejected("batchnorm", new BatchNorm(1e-5), t(3), t(3), t(3), t(3), t(3));
        assertRejected("flatten", new Flatten(), new Tensor(new float[] {1}));
    }

    private void assertRejected(String name, Operator op, Tensor... inputs) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> backend.run(op, List.of(inputs)), () -> op + " should reject its inputs");
        assertTrue(e.getMessage().startsWith(name), () -> "message should start with '" + name + "': "
                + e.getMessage());
    }
}
