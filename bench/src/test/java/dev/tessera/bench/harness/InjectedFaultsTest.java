package dev.tessera.bench.harness;

import static org.jocl.CL.CL_BUILD_PROGRAM_FAILURE;
import static org.jocl.CL.CL_MEM_OBJECT_ALLOCATION_FAILURE;
import static org.jocl.CL.CL_OUT_OF_RESOURCES;
import static org.junit.jupiter.api.Assertions.*;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tessera.backend.ConvAlgorithm;
import dev.tessera.backend.opencl.OpenClBackend;
import dev.tessera.opencl.ClDevice;
import dev.tessera.opencl.DeviceSelector;
import dev.tessera.opencl.FaultInjection;
import dev.tessera.opencl.FaultInjection.Point;
import dev.tessera.opencl.LiveResources;
import dev.tessera.opencl.ProgramCache;
import dev.tessera.reports.results.BenchResults;
import dev.tessera.reports.results.ResultRow;
import dev.tessera.reports.results.ResultsJson;

/**
 * Injected device faults in a real bench run (LeNet-5, direct and im2col, batch 1 and 2, on the test device): a
 * kernel that does not build, a buffer the device cannot allocate and a launch the device has no resources for each
 * become {@code error} rows whose reason names the OpenCL status, the configurations the fault did not touch run as
 * usual, the run completes, the results file on disk holds it all, and nothing is left allocated.
 */
class InjectedFaultsTest {
    private static final ClDevice DEVICE = DeviceSelector.fromSetting("tessera.test.device", "TESSERA_TEST_DEVICE");

    /** Runs the small bench with {@code point} failing as armed; returns the rows of the file it wrote, by id. */
    private static Map<String, ResultRow> runWith(Path dir, Point point, int status, String match, int nth,
            boolean persistent) throws Exception {
        BenchSettings settings = new BenchSettings(false, List.of("lenet5"), null, List.of("opencl"), "test",
                List.of(DEVICE), List.of(ConvAlgorithm.DIRECT, ConvAlgorithm.IM2COL), List.of(1, 2),
                List.of("latency", "throughput"), List.of(), new Sampler(0, 2, 0, 100), 1, 42, false);
        String before = LiveResources.summary();
        Harness harness = new Harness(settings,
                (name, device) -> OpenClBackend.open(device, ProgramCache.defaultCache(), null), Progress.silent());
        ResultFiles files = new ResultFiles(dir.resolve("results.json"));
        BenchResults done;
        try (FaultInjection.Armed fault = FaultInjection.arm(point, status, match, nth, persistent)) {
            done = harness.run(EnvironmentInfo.collect("test", 42, List.of(), false), files::write);
            files.write(done);
            assertTrue(fault.fired() >= 1, "the fault never fired");
        }
        assertEquals(before, LiveResources.summary(), "the run left device objects behind");
        assertEquals("complete", done.status(), "the run went on to the end");
        BenchResults onDisk;
        try (InputStream in = Files.newInputStream(files.json())) {
            onDisk = ResultsJson.read(in);
        }
        assertEquals(6, onDisk.rows().size(), "latency b1, throughput b1 and b2, for direct and im2col");
        return onDisk.rows().stream().collect(Collectors.toMap(ResultRow::id, Function.identity()));
    }

    private static void assertError(ResultRow row, String status, String... mentions) {
        assertEquals(ResultRow.ERROR, row.status(), row.id());
        assertTrue(row.reason().contains(status), row.reason());
        for (String m : mentions) {
            assertTrue(row.reason().contains(m), row.reason());
        }
        assertFalse(row.reason().contains("\n"), "one line");
    }

    private static void assertOk(ResultRow row) {
        assertEquals(ResultRow.OK, row.status(), row.id() + ": " + row.reason());
        assertTrue(row.residentMs().n() >= 2, row.id());
    }

    @Test
    void aKernelThatDoesNotBuildIsAnErrorRowAndTheRunGoesOn(@TempDir Path dir) throws Exception {
        Map<String, ResultRow> rows = runWith(dir, Point.BUILD, CL_BUILD_PROGRAM_FAILURE, "conv_direct.cl", 1, true);
        for (String id : List.of("latency/opencl/0/lenet5/direct/b1", "throughput/opencl/0/lenet5/direct/b1",
                "throughput/opencl/0/lenet5/direct/b2")) {
            assertError(rows.get(id.replace("/0/", "/" + DEVICE.index() + "/")), "CL_BUILD_PROGRAM_FAILURE",
                    "conv_direct.cl");
        }
        rows.values().stream().filter(r -> r.algorithm().equals("im2col")).forEach(InjectedFaultsTest::assertOk);
    }

    @Test
    void aBufferTheDeviceCannotAllocateIsAnErrorRowAndTheRunGoesOn(@TempDir Path dir) throws Exception {
        // the first allocation of the run: the input buffer of the first configuration (direct, batch 1)
        Map<String, ResultRow> rows = runWith(dir, Point.BUFFER, CL_MEM_OBJECT_ALLOCATION_FAILURE, "", 1, false);
        List<ResultRow> errors = rows.values().stream().filter(r -> r.status().equals(ResultRow.ERROR)).toList();
        assertEquals(2, errors.size(), "both rows of the configuration whose compilation failed");
        errors.forEach(r -> assertError(r, "CL_MEM_OBJECT_ALLOCATION_FAILURE", "clCreateBuffer"));
        errors.forEach(r -> assertEquals("direct", r.algorithm()));
        errors.forEach(r -> assertEquals(1, r.batch()));
        rows.values().stream().filter(r -> !errors.contains(r)).forEach(InjectedFaultsTest::assertOk);
    }

    @Test
    void aLaunchTheDeviceHasNoResourcesForIsAnErrorRowAndTheRunGoesOn(@TempDir Path dir) throws Exception {
        // the first launch of the run: the first timed run of the first configuration's latency series
        Map<String, ResultRow> rows = runWith(dir, Point.LAUNCH, CL_OUT_OF_RESOURCES, "", 1, false);
        List<ResultRow> errors = rows.values().stream().filter(r -> r.status().equals(ResultRow.ERROR)).toList();
        assertEquals(1, errors.size(), "only the series that met the failure");
        assertError(errors.get(0), "CL_OUT_OF_RESOURCES", "clEnqueueNDRangeKernel");
        assertEquals("latency", errors.get(0).scenario());
        rows.values().stream().filter(r -> !errors.contains(r)).forEach(InjectedFaultsTest::assertOk);
    }
}
