package dev.tessera.backend.opencl;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
        db.store(new ConvTuningDatabase.Entry("n1_c64", "winograd-4x4", 1.25, "direct=3ms winograd-4x4=1.25ms"));
        db.store(new ConvTuningDatabase.Entry("n1_c128", "im2col", 2.5, "im2col=2.5ms"));

        ConvTuningDatabase reopened = ConvTuningDatabase.open(dir, gpu);
        assertEquals(2, reopened.size());
        assertEquals("winograd-4x4", reopened.lookup("n1_c64").orElseThrow().solverId());
        assertEquals(1.25, reopened.lookup("n1_c64").orElseThrow().bestMs());

        assertEquals(0, ConvTuningDatabase.open(dir, device("Some GPU", "driver 2", 40)).size(), "another driver");
        assertEquals(0, ConvTuningDatabase.open(dir, device("Some GPU", "driver 1", 20)).size(), "another CU count");
        assertEquals(0, ConvTuningDatabase.open(dir, device("Other GPU", "driver 1", 40)).size(), "another device");
    }

    @Test
    void damagedOrForeignFilesAreNotTrusted() throws Exception {
        DeviceInfo gpu = device("Some GPU", "driver 1", 40);
        ConvTuningDatabase db = ConvTuningDatabase.open(dir, gpu);
        db.store(new ConvTuningDatabase.Entry("good", "direct", 1.0, "direct=1ms"));
        Path file = db.file();
        Files.writeString(file, Files.readString(file) + "truncated line\nbad\tdirect\tnot-a-number\tx\n");
        ConvTuningDatabase damaged = ConvTuningDatabase.open(dir, gpu);
        assertEquals(1, damaged.size());
        assertTrue(damaged.lookup("good").isPresent());

        // a file whose header names another device (copied over from another machine) is ignored whole
        Files.writeString(file, Files.readString(file).replace("Some GPU", "Copied GPU"));
        assertEquals(0, ConvTuningDatabase.open(dir, gpu).size());
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.toString().endsWith(".tmp")));
        }
    }
}
