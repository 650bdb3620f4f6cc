package dev.tessera.backend.opencl;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import dev.tessera.backend.reference.ReferenceBackend;
import dev.tessera.opencl.ProgramCache;

/** A test class's OpenCL backend (the test device, the default program cache) and reference backend, open per class. */
public abstract class OpenClAgainstReference {
    public static OpenClBackend opencl;
    public static ReferenceBackend reference;

    @BeforeAll
    static void openBackends() {
        opencl = OpenClBackend.open(TestDevices.device(), ProgramCache.defaultCache(), null);
        reference = new ReferenceBackend();
    }

    @AfterAll
    static void closeBackends() {
        opencl.close();
        reference.close();
    }
}
