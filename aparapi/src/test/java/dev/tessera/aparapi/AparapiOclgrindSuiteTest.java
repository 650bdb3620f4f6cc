package dev.tessera.aparapi;

import java.io.IOException;

import org.junit.jupiter.api.Test;

import dev.tessera.backend.opencl.OclgrindChild;

/**
 * The portability guard for the OpenCL that Aparapi generates: every Aparapi kernel on tiny shapes on the Oclgrind
 * simulator (GPU-like limits; reports out-of-bounds accesses, data races, barrier divergence and API misuse) in a child
 * JVM ({@link AparapiOclgrindSuite}), after the canary run that proves Oclgrind's checks are on. Fails on a wrong
 * result, a thread-pool fallback, or any Oclgrind report.
 */
class AparapiOclgrindSuiteTest {
    @Test
    void everyAparapiKernelRunsCleanUnderOclgrind() throws IOException, InterruptedException {
        OclgrindChild.assertSuiteRunsClean(AparapiOclgrindSuite.class);
    }
}
