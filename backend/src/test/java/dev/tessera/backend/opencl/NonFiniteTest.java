package dev.tessera.backend.opencl;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

import dev.tessera.backend.NonFiniteCases;
import dev.tessera.backend.RandomCases;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.reference.ReferenceBackend;
import dev.tessera.opencl.ProgramCache;

/**
 * The hand-written kernels follow the reference backend's IEEE rules on NaN, +Inf and -Inf inputs: every operator with
 * a ReLU (element-wise, fused into add, conv and FC epilogues), max pooling, LRN and softmax give NaN and infinities
 * exactly where the reference does, and the other elements within the usual tolerance.
 */
class NonFiniteTest {
    @Test
    void nonFiniteInputsGiveTheReferencesNonFiniteOutputs() {
        ReferenceBackend reference = new ReferenceBackend();
        try (OpenClBackend opencl = OpenClBackend.open(TestDevices.device(), ProgramCache.defaultCache(), null)) {
            for (RandomCases.Case c : NonFiniteCases.all()) {
                Tensor expected = reference.run(c.op(), c.inputs()).output();
                assertTrue(NonFiniteCases.mixed(expected), c.description() + ": the reference output has finite and"
                        + " non-finite elements");
                Tensor actual = opencl.run(c.op(), c.inputs(), c.algorithm()).output();
                assertNull(NonFiniteCases.mismatch(actual, expected, c.tolerance()), c.description());
            }
        }
    }

    @Test
    void mismatchSeesAHiddenNaN() {
        Tensor expected = new Tensor(new float[] {Float.NaN, 1, 2}, 3);
        assertNotNull(NonFiniteCases.mismatch(new Tensor(new float[] {0, 1, 2}, 3), expected, 0));
        assertNotNull(NonFiniteCases.mismatch(new Tensor(new float[] {Float.NaN, Float.POSITIVE_INFINITY, 2}, 3),
                expected, 0));
        assertNotNull(NonFiniteCases.mismatch(new Tensor(new float[] {Float.NaN, 1.5f, 2}, 3), expected, 1e-3));
        assertNull(NonFiniteCases.mismatch(new Tensor(new float[] {Float.NaN, 1, 2}, 3), expected, 0));
    }
}
