package dev.tessera.aparapi;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

import dev.tessera.backend.NonFiniteCases;
import dev.tessera.backend.OpResult;
import dev.tessera.backend.RandomCases;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.reference.ReferenceBackend;

/**
 * The Aparapi kernels follow the reference backend's IEEE rules on NaN, +Inf and -Inf inputs (ReLU, max pooling, LRN,
 * softmax, FC, convolution), on the device: the Java thread pool, where Java's Math.max would hide the difference, is
 * forbidden.
 */
class AparapiNonFiniteTest {
    @Test
    void nonFiniteInputsGiveTheReferencesNonFiniteOutputs() {
        ReferenceBackend reference = new ReferenceBackend();
        try (AparapiBackend aparapi = AparapiBackend.open(AparapiTestDevices.device(),
                new AparapiBackend.Options(false, null))) {
            for (RandomCases.Case c : NonFiniteCases.all()) {
                Tensor expected = reference.run(c.op(), c.inputs()).output();
                assertTrue(NonFiniteCases.mixed(expected), c.description());
                OpResult actual = aparapi.run(c.op(), c.inputs(), c.algorithm());
                assertEquals("opencl:" + aparapi.device(), actual.ranOn(), c.description() + ": " + actual.note());
                assertNull(NonFiniteCases.mismatch(actual.output(), expected, c.tolerance()), c.description());
            }
        }
    }
}
