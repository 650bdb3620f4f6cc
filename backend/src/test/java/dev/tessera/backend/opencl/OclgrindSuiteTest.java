package dev.tessera.backend.opencl;

import java.io.IOException;

import org.junit.jupiter.api.Test;

/**
 * The portability guard: every kernel family runs on tiny shapes on Oclgrind, an OpenCL 1.2 device simulator with
 * GPU-like limits (1024 work-items per group, 32 KiB local memory) that reports data races, out-of-bounds and
 * uninitialised accesses and API misuse, which PoCL forgives and GPUs punish. The test fails if a result is wrong (same
 * tolerances as {@link OpenClPropertyTest}) or if Oclgrind reported anything.
 *
 * <p>The kernels run in a child JVM ({@link OclgrindSuite}, started by {@link OclgrindChild} with
 * {@link OclgrindChild#OCLGRIND_ENVIRONMENT} and {@code OCLGRIND_LOG} naming a file this test reads). Without the
 * Oclgrind platform the test fails and says to run scripts/setup-opencl --with-oclgrind. Before the suite a canary run
 * (two deliberately broken kernels) proves that Oclgrind's checks are on and its log is where we read it.
 */
class OclgrindSuiteTest {
    @Test
    void everyKernelFamilyRunsCleanUnderOclgrind() throws IOException, InterruptedException {
        OclgrindChild.assertSuiteRunsClean(OclgrindSuite.class);
    }
}
