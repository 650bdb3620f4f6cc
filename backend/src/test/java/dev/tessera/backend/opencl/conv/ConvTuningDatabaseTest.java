package dev.tessera.backend.opencl.conv;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import java.util.Set;
import java.util.function.Function;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tessera.backend.ConvProblem;
import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;
import dev.tessera.opencl.ClContext;
import dev.tessera.opencl.DeviceInfo;

class ConvTuningDatabaseTest {
    @TempDir
    Path dir;

    private static DeviceInfo device(String name, String driver, int computeUnits) {
        DeviceInfo.VectorWidths widths = new DeviceInfo.VectorWidths(16, 16, 16, 8, 16, 8, 0);
        return new DeviceInfo(0, "platform", "1.0", name, "vendor", "GPU", driver, "OpenCL 1.2", "OpenCL C 1.2",
                computeUnits, 1000, 1L << 30, 1L << 28, 65536, true, 1024, List.of(1024L, 1024L, 64L), widths, widths,
                false, false, List.of());
    }

    @Test
    void choicesPersistPerDeviceAndAreNeverSharedAcrossDevices() throws Exception {
        DeviceInfo gpu = device("Some GPU", "driver 1", 40);
        ConvTuningDatabase db = ConvTuningDatabase.open(dir, gpu);
        db.store(new ConvTuningDatabase.Entry("n1_c64", "fp1", "winograd-4x4", 1.25, "direct=3ms winograd-4x4=1.25ms"));
        db.store(new ConvTuningDatabase.Entry("n1_c128", "fp1", "im2col", 2.5, "im2col=2.5ms"));

        ConvTuningDatabase reopened = ConvTuningDatabase.open(dir, gpu);
        assertEquals(2, reopened.size());
        assertEquals("winograd-4x4", reopened.lookup("n1_c64", "fp1").orElseThrow().solverId());
        assertEquals(1.25, reopened.lookup("n1_c64", "fp1").orElseThrow().scoreMs());

        assertEquals(0, ConvTuningDatabase.open(dir, device("Some GPU", "driver 2", 40)).size(), "another driver");
        assertEquals(0, ConvTuningDatabase.open(dir, device("Some GPU", "driver 1", 20)).size(), "another CU count");
        assertEquals(0, ConvTuningDatabase.open(dir, device("Other GPU", "driver 1", 40)).size(), "another device");
    }

    @Test
    void damagedOrForeignFilesAreNotTrusted() throws Exception {
        DeviceInfo gpu = device("Some GPU", "driver 1", 40);
        ConvTuningDatabase db = ConvTuningDatabase.open(dir, gpu);
        db.store(new ConvTuningDatabase.Entry("good", "fp", "direct", 1.0, "direct=1ms"));
        Path file = db.file();
        Files.writeString(file, Files.readString(file) + "truncated line\nbad\tfp\tdirect\tnot-a-number\tx\n");
        ConvTuningDatabase damaged = ConvTuningDatabase.open(dir, gpu);
        assertEquals(1, damaged.size());
        assertTrue(damaged.lookup("good", "fp").isPresent());

        // a file whose header names another device (copied over from another machine) is ignored whole
        Files.writeString(file, Files.readString(file).replace("Some GPU", "Copied GPU"));
        assertEquals(0, ConvTuningDatabase.open(dir, gpu).size());
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.toString().endsWith(".tmp")));
        }
        // a version 1 file (no fingerprints) is not read as version 2
        Files.writeString(file, "# tessera conv tuning v1 device=" + gpu.key() + "\ngood\tdirect\t1.0\tdirect=1ms\n");
        assertEquals(0, ConvTuningDatabase.open(dir, gpu).size());
    }

    /** A solver that only carries identity, for fingerprints. */
    private record FakeSolver(String id, int version, List<String> kernelFiles) implements ConvSolver {
        @Override
        public String notApplicableReason(ConvProblem problem, DeviceInfo device) {
            return null;
        }

        @Override
        public long workspaceBytes(ConvProblem problem) {
            return 0;
        }

        @Override
        public PreparedConv prepare(ClContext context, ConvProblem problem, Tensor weights, Tensor bias) {
            throw new UnsupportedOperationException();
        }
    }

    @Test
    void changedKernelSourcesOrSolverVersionsInvalidateTheChoices() {
        List<ConvSolver> today = List.of(new FakeSolver("direct", 1, List.of("conv_direct.cl")),
                new FakeSolver("im2col", 1, List.of("im2col.cl", "gemm.cl")));
        Function<String, String> sources = file -> "hash-of-" + file;
        String fingerprint = ConvSolvers.fingerprint(today, sources);
        assertEquals(fingerprint, ConvSolvers.fingerprint(today, sources), "deterministic");

        String editedGemm = ConvSolvers.fingerprint(today, file -> file.equals("gemm.cl") ? "edited" : "hash-of-" + file);
        String newVersion = ConvSolvers.fingerprint(List.of(today.get(0), new FakeSolver("im2col", 2,
                List.of("im2col.cl", "gemm.cl"))), sources);
        String newSolver = ConvSolvers.fingerprint(List.of(today.get(0), today.get(1),
                new FakeSolver("winograd-2x2", 1, List.of("conv_winograd.cl"))), sources);
        assertEquals(4, Set.of(fingerprint, editedGemm, newVersion, newSolver).size());

        DeviceInfo gpu = device("Some GPU", "driver 1", 40);
        ConvTuningDatabase db = ConvTuningDatabase.open(dir, gpu);
        db.store(new ConvTuningDatabase.Entry("n1_c64", fingerprint, "im2col", 1.0, "im2col=1ms direct=2ms"));
        ConvTuningDatabase reopened = ConvTuningDatabase.open(dir, gpu);
        assertTrue(reopened.lookup("n1_c64", fingerprint).isPresent());
        for (String changed : List.of(editedGemm, newVersion, newSolver)) {
            assertTrue(reopened.lookup("n1_c64", changed).isEmpty(), "re-timed after a change");
        }
        // the new timing replaces the old entry rather than adding one
        reopened.store(new ConvTuningDatabase.Entry("n1_c64", editedGemm, "direct", 0.9, "direct=0.9ms im2col=1.2ms"));
        ConvTuningDatabase third = ConvTuningDatabase.open(dir, gpu);
        assertEquals(1, third.size());
        assertEquals("direct", third.lookup("n1_c64", editedGemm).orElseThrow().solverId());
        assertTrue(third.lookup("n1_c64", fingerprint).isEmpty());
    }

    @Test
    void fusedAndUnfusedVariantsShareATuningKey() {
        Operator.Conv2d conv = Operator.Conv2d.of(1, 1);
        List<int[]> withBias = List.of(new int[] {1, 8, 12, 12}, new int[] {16, 8, 3, 3}, new int[] {16});
        List<int[]> without = withBias.subList(0, 2);
        ConvProblem plain = ConvProblem.of(conv, without);
        ConvProblem fused = ConvProblem.of(conv.withRelu(true), withBias);
        assertEquals(plain.tuningKey(), fused.tuningKey());
        assertNotEquals(plain.key(), fused.key());
        assertNotEquals(plain.tuningKey(), ConvProblem.of(Operator.Conv2d.of(2, 1), without).tuningKey());
    }
}
