package dev.tessera.reports;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Merging result files from several machines and runs. */
class ReportDataTest {
    @TempDir
    Path dir;

    @Test
    void keepsEveryRowOfEveryFileWithTheHostInTheLabelsWhenThereAreSeveralHosts() {
        ReportData data = Fixtures.merged(dir, Fixtures.ALPHA, Fixtures.BETA);
        assertTrue(data.manyHosts());
        assertEquals(5 + 2, data.entries().size());
        assertEquals(List.of("alpha", "beta"), data.sources().stream().map(ReportData.Source::label).toList());
        ReportData.Entry beta = data.ok("throughput").stream().filter(e -> e.source().host().equals("beta"))
                .findFirst().orElseThrow();
        assertEquals("opencl direct @ gpu-b on beta", beta.config());
        assertEquals(new ReportData.Key("beta", "gpu-b", "opencl", "lenet5", "direct", 1, "throughput"), beta.key());
        assertEquals(1, data.notOk().size());
        assertEquals("unsupported", data.notOk().get(0).row().status());
    }

    @Test
    void oneHostNeedsNoHostInTheLabels() {
        ReportData data = Fixtures.merged(dir, Fixtures.ALPHA);
        assertFalse(data.manyHosts());
        assertEquals("opencl direct @ gpu-a", data.ok("latency").get(0).config());
    }

    @Test
    void theSameConfigurationFromTwoFilesIsKeptTwiceAndLabelledByFile() {
        ReportData data = Fixtures.merged(dir, Fixtures.ALPHA, Fixtures.ALPHA_AGAIN);
        List<ReportData.Entry> b1 = data.ok("throughput").stream().filter(e -> e.row().batch() == 1).toList();
        assertEquals(2, b1.size());
        assertEquals(b1.get(0).key(), b1.get(1).key(), "same merge key");
        assertEquals("opencl direct @ gpu-a [alpha]", b1.get(0).config());
        assertEquals("opencl direct @ gpu-a [alpha-again]", b1.get(1).config());
        assertEquals(250.0, b1.get(0).row().imagesPerSecondEndToEnd());
        assertEquals(330.0, b1.get(1).row().imagesPerSecondEndToEnd());
        // every row of the configuration carries the file, so its series stay together across charts
        assertEquals("opencl direct @ gpu-a [alpha]", data.ok("latency").get(0).config());
    }

    @Test
    void filesWithTheSameNameAreToldApartByTheirPath() throws Exception {
        Path a = java.nio.file.Files.createDirectories(dir.resolve("a"));
        Path b = java.nio.file.Files.createDirectories(dir.resolve("b"));
        ReportData data = ReportData.merge(ReportInputs.read(List.of(Fixtures.copy(a, Fixtures.ALPHA),
                Fixtures.copy(b, Fixtures.ALPHA))));
        assertEquals(List.of(a.resolve("alpha.json").toString(), b.resolve("alpha.json").toString()),
                data.sources().stream().map(ReportData.Source::label).toList());
        assertTrue(data.ok("latency").get(0).config().endsWith("[" + a.resolve("alpha.json") + "]"));
    }

    @Test
    void theProbeOfARowsDeviceComesFromItsOwnFile() {
        ReportData data = Fixtures.merged(dir, Fixtures.ALPHA, Fixtures.BETA);
        for (ReportData.Entry e : data.ok("latency")) {
            var probe = ReportData.probe(e);
            assertNotNull(probe);
            assertEquals(e.row().device(), probe.device());
            assertEquals(e.source().host().equals("alpha") ? 100.0 : 1000.0, probe.peakGflopsFp32());
        }
    }
}
