package dev.tessera.opencl;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProgramBuildTest {
    private static final ProgramSource SQUARE = ProgramSource.of("square.cl", """
            __kernel void square(__global float *data) {
                const size_t i = get_global_id(0);
                data[i] = data[i] * data[i];
            }
            """);

    @TempDir
    Path cacheDir;

    @Test
    void denormalsMayBeFlushedWhereTheDeviceComputesWithThem() {
        for (ClDevice device : OpenClDevices.all()) {
            long[] config = new long[1];
            assertEquals(CL.CL_SUCCESS, CL.clGetDeviceInfo(device.id(), CL.CL_DEVICE_SINGLE_FP_CONFIG, Sizeof.cl_ulong,
                    Pointer.to(config), null));
            boolean denormals = (config[0] & CL.CL_FP_DENORM) != 0;
            assertEquals(denormals, device.supportsSingleDenormals(), device.name());
            assertEquals(denormals ? "-DX=1 -cl-denorms-are-zero" : "-DX=1", ClContext.buildOptions(device, " -DX=1 "),
                    device.name());
            assertEquals(denormals ? "-cl-denorms-are-zero" : "", ClContext.buildOptions(device, null));
            assertEquals("-cl-denorms-are-zero -DX=1", ClContext.buildOptions(device, "-cl-denorms-are-zero -DX=1"),
                    "not twice");
        }
    }

    @Test
    void buildErrorCarriesStatusDeviceAndLog() {
        ProgramSource broken = ProgramSource.of("broken.cl", """
                __kernel void broken(__global float *out) {
                    out[get_global_id(0)] = undeclared_tessera_symbol * 2.0f;
                }
                """);
        long programsBefore = LiveResources.programs();
        try (ClContext context = ClContext.open(TestDevices.device(), ProgramCache.at(cacheDir))) {
            OpenClException e = assertThrows(OpenClException.class, () -> context.build(broken, "-DFOO=1"));
            assertEquals("CL_BUILD_PROGRAM_FAILURE", e.statusName());
            assertEquals(context.device().name(), e.device());
            assertNotNull(e.buildLog());
            assertTrue(e.buildLog().contains("undeclared_tessera_symbol"), e.buildLog());
            assertTrue(e.getMessage().contains("broken.cl") && e.getMessage().contains("CL_BUILD_PROGRAM_FAILURE")
                    && e.getMessage().contains("undeclared_tessera_symbol"), e.getMessage());
        }
        assertEquals(programsBefore, LiveResources.programs(), "a failed build leaks no program");
    }

    @Test
    void secondBuildComesFromTheCacheAndBadEntriesAreRebuilt() throws IOException {
        ClDevice device = TestDevices.device();
        ProgramCache cache = ProgramCache.at(cacheDir);
        String key = ProgramCache.key(device.info(), SQUARE, ClContext.buildOptions(device, "-DUNUSED=1"));
        Path entry = cache.entryPath(key);

        assertEquals(ClProgram.Origin.COMPILED, buildAndCheck(device, cache));
        assertTrue(Files.size(entry) > 0, "binary stored");
        assertEquals(ClProgram.Origin.CACHE_HIT, buildAndCheck(device, cache));

        // flip bytes in the middle of the binary: the checksum no longer matches
        byte[] bytes = Files.readAllBytes(entry);
        for (int i = bytes.length / 2; i < bytes.length / 2 + 16; i++) {
            bytes[i] ^= 0x5a;
        }
        Files.write(entry, bytes);
        assertEquals(ClProgram.Origin.REBUILT_BAD_CACHE, buildAndCheck(device, cache));
        assertEquals(ClProgram.Origin.CACHE_HIT, buildAndCheck(device, cache), "the rebuilt entry is stored again");

        // a truncated entry
        byte[] whole = Files.readAllBytes(entry);
        Files.write(entry, java.util.Arrays.copyOf(whole, whole.length / 3));
        assertEquals(ClProgram.Origin.REBUILT_BAD_CACHE, buildAndCheck(device, cache));

        // a foreign entry: another program's valid binary placed under this program's name
        try (ClContext context = ClContext.open(device, cache);
                ClProgram other = context.build(SQUARE, "-DOTHER=1")) {
            assertEquals(ClProgram.Origin.COMPILED, other.origin());
        }
        Files.copy(cache.entryPath(ProgramCache.key(device.info(), SQUARE, ClContext.buildOptions(device, "-DOTHER=1"))), entry,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertEquals(ClProgram.Origin.REBUILT_BAD_CACHE, buildAndCheck(device, cache));

        // garbage that is not an entry at all
        Files.write(entry, "not a binary".getBytes());
        assertEquals(ClProgram.Origin.REBUILT_BAD_CACHE, buildAndCheck(device, cache));
        assertEquals(ClProgram.Origin.CACHE_HIT, buildAndCheck(device, cache));

        try (Stream<Path> files = Files.list(cacheDir)) {
            assertTrue(files.noneMatch(p -> p.toString().endsWith(".tmp")), "no temporary files left behind");
        }
    }

    @Test
    void disabledCacheAlwaysCompiles() {
        ClDevice device = TestDevices.device();
        assertEquals(ClProgram.Origin.COMPILED, buildAndCheck(device, ProgramCache.disabled()));
        assertEquals(ClProgram.Origin.COMPILED, buildAndCheck(device, ProgramCache.disabled()));
    }

    @Test
    void includesAreResolvedOnceAndUnknownSourcesAreNamed() {
        ProgramSource source = ProgramSource.resource("probe_peak.cl");
        assertFalse(source.text().contains("#include"), "includes replaced");
        assertTrue(source.text().contains("TESSERA_VECTOR_TYPES_H"), "header text inlined");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ProgramSource.resource("no_such_kernel.cl"));
        assertTrue(e.getMessage().contains("no_such_kernel.cl"));
    }

    /** Builds SQUARE in a fresh context, checks its result against Java, and returns where the binary came from. */
    private static ClProgram.Origin buildAndCheck(ClDevice device, ProgramCache cache) {
        float[] data = {0f, 1.5f, -2f, 3.25f, 1e-3f, -7f, 11f, 0.5f};
        try (ClContext context = ClContext.open(device, cache);
                ClProgram program = context.build(SQUARE, "-DUNUSED=1");
                ClKernel kernel = program.kernel("square");
                ClBuffer buffer = context.buffer(data)) {
            kernel.arg(0, buffer).run(new long[] {data.length}, null);
            float[] result = buffer.readFloats();
            for (int i = 0; i < data.length; i++) {
                assertEquals(data[i] * data[i], result[i], "element " + i);
            }
            return program.origin();
        }
    }
}
