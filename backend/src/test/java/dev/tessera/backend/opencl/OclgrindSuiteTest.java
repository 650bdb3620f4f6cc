package dev.tessera.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
 * (two deliberately broken kernels) proves that Oclgrind's checks are on and its log is where we read it. Where the
 * installed Oclgrind runs its uninitialised-memory plugin (26.03 or newer; scripts/setup-opencl --oclgrind-tarball
 * builds one) the suite runs with it too, proven by a third canary; with Debian's 21.10 only that check is skipped.
 */
class OclgrindSuiteTest {
    @Test
    void everyKernelFamilyRunsCleanUnderOclgrind() throws IOException, InterruptedException {
        OclgrindChild.assertSuiteRunsClean(OclgrindSuite.class);
    }

    /**
     * Where the installed Oclgrind runs the uninitialised-memory plugin (26.03 or newer), the suites run with it and
     * its canary must be reported; with Debian's 21.10 only this check is skipped, with the reason.
     */
    @Test
    void uninitialisedMemoryChecksAreOnWhereOclgrindHasThem() throws IOException, InterruptedException {
        OclgrindChild.requireOclgrind();
        assumeTrue(OclgrindChild.uninitializedChecksSupported(), OclgrindChild.uninitializedChecksLine());
        OclgrindChild.assertUninitializedChecksAreOn();
    }

    @Test
    void theDriverVersionDecidesWhetherTheUninitialisedChecksRun() {
        assertFalse(OclgrindChild.uninitializedChecksSupported("Oclgrind 21.10"));
        assertFalse(OclgrindChild.uninitializedChecksSupported("Oclgrind 26.02"));
        assertTrue(OclgrindChild.uninitializedChecksSupported("Oclgrind 26.03.1"));
        assertTrue(OclgrindChild.uninitializedChecksSupported("Oclgrind 26.10"));
        assertTrue(OclgrindChild.uninitializedChecksSupported("Oclgrind 27.01"));
        assertFalse(OclgrindChild.uninitializedChecksSupported("3.1+debian"));
    }
}
