package dev.tessera.opencl;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class LiveResourcesTest {
    @Test
    void everyOwnerReleasesWhatItCounted() {
        long buffers = LiveResources.buffers();
        long bytes = LiveResources.bufferBytes();
        long contexts = LiveResources.contexts();
        long programs = LiveResources.programs();
        long kernels = LiveResources.kernels();
        long events = LiveResources.events();
        try (ClContext context = ClContext.open(TestDevices.device(), ProgramCache.disabled())) {
            assertEquals(contexts + 1, LiveResources.contexts());
            try (ClBuffer a = context.buffer(1000); ClBuffer b = context.buffer(new float[] {1, 2, 3})) {
                assertEquals(buffers + 2, LiveResources.buffers());
                assertEquals(bytes + 1012, LiveResources.bufferBytes());
                try (ClProgram program = context.build(ProgramSource.resource("probe_bandwidth.cl"), "-DVECTOR_WIDTH=1");
                        ClKernel kernel = program.kernel("copy_vector")) {
                    assertEquals(programs + 1, LiveResources.programs());
                    assertEquals(kernels + 1, LiveResources.kernels());
                    kernel.arg(0, b).arg(1, a);
                    try (ClEvent event = kernel.launch(new long[] {3}, null)) {
                        assertEquals(events + 1, LiveResources.events());
                        assertTrue(event.timing(-1).kernelNs() >= 0);
                    }
                    float[] copied = new float[3];
                    a.read(copied);
                    assertArrayEquals(new float[] {1, 2, 3}, copied);
                }
                a.close(); // closing twice is harmless
            }
        }
        assertEquals(buffers, LiveResources.buffers());
        assertEquals(bytes, LiveResources.bufferBytes());
        assertEquals(contexts, LiveResources.contexts());
        assertEquals(programs, LiveResources.programs());
        assertEquals(kernels, LiveResources.kernels());
        assertEquals(events, LiveResources.events());
        assertEquals(0, LiveResources.buffers(), "nothing leaked by any test so far: " + LiveResources.summary());
    }

    @Test
    void closedOwnersRefuseUse() {
        ClContext context = ClContext.open(TestDevices.device(), ProgramCache.disabled());
        ClBuffer buffer = context.buffer(16);
        buffer.close();
        assertThrows(IllegalStateException.class, () -> buffer.write(new float[1]));
        context.close();
        assertThrows(IllegalStateException.class, () -> context.buffer(16));
    }
}
