package dev.tessera.bench.harness;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.tessera.opencl.ClDevice;
import dev.tessera.opencl.DeviceSelector;
import dev.tessera.reports.results.BenchResults;
import dev.tessera.reports.results.ResultRow;
import dev.tessera.reports.results.ResultsJson;
import dev.tessera.reports.results.SummaryCsv;

/**
 * A {@code tessera bench} process killed with SIGKILL in the middle of its run (no shutdown hook runs): the results
 * file on disk is still valid JSON holding every configuration that finished before the kill, with the figures it had
 * then. The bench is a real child JVM running the CLI on the test device (LeNet-5, two algorithms, eight batch sizes:
 * sixteen small configurations); it is killed as soon as the file holds two finished configurations.
 */
class KilledBenchTest {
    private static final ClDevice DEVICE = DeviceSelector.fromSetting("tessera.test.device", "TESSERA_TEST_DEVICE");

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aBenchKilledMidRunLeavesAValidFileWithEveryFinishedConfiguration(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("results.json");
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", classpath,
                "-Dtessera.cache.dir=" + System.getProperty("tessera.cache.dir", dir.resolve("cache").toString()),
                "dev.tessera.bench.cli.TesseraCli", "bench", "--models", "lenet5", "--backends", "opencl",
                "--devices", Integer.toString(DEVICE.index()), "--algos", "direct,im2col", "--batch",
                "1,2,3,4,5,6,7,8", "--scenarios", "latency,throughput", "--peers", "none", "--min-samples", "2",
                "--min-time", "0", "--warmup", "0", "--no-probe", "--no-report", "--no-progress", "--out",
                out.toString()));
        Process bench = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("bench.log").toFile()).start();
        BenchResults beforeKill = null;
        try {
            while (bench.isAlive()) {
                BenchResults now = readIfThere(out);
                if (now != null && now.rows().size() >= 2) {
                    beforeKill = now;
                    break;
                }
                Thread.sleep(20);
            }
        } finally {
            bench.destroyForcibly(); // SIGKILL on Linux and macOS
            bench.waitFor();
        }
        assertNotNull(beforeKill, "the bench ended before two configurations finished: "
                + Files.readString(dir.resolve("bench.log")));
        assertEquals(137, bench.exitValue(), "killed by SIGKILL (128 + 9)");

        BenchResults afterKill = ResultsJson.read(new ByteArrayInputStream(Files.readAllBytes(out)));
        assertEquals("running", afterKill.status(), "written during the run, never finished");
        assertTrue(afterKill.rows().size() >= beforeKill.rows().size());
        assertTrue(afterKill.rows().size() < 24, "killed before the end: 16 configurations, 24 rows");
        for (int i = 0; i < beforeKill.rows().size(); i++) {
            ResultRow seen = beforeKill.rows().get(i);
            ResultRow kept = afterKill.rows().get(i);
            assertEquals(seen.id(), kept.id());
            assertEquals(seen.residentMs().samples(), kept.residentMs().samples(), "the same figures");
        }
        for (ResultRow row : afterKill.rows()) {
            assertEquals(ResultRow.OK, row.status(), row.id() + ": " + row.reason());
            assertTrue(row.residentMs().n() >= 2, row.id());
        }
        // the CSV next to it is written after the JSON: whole, at most one configuration (two rows) behind
        Path csv = out.resolveSibling("results.csv");
        int csvRows = Files.exists(csv) ? SummaryCsv.read(Files.readAllBytes(csv)).size() : 0;
        assertTrue(csvRows <= afterKill.rows().size() && csvRows >= afterKill.rows().size() - 2,
                csvRows + " CSV rows for " + afterKill.rows().size() + " JSON rows");
    }

    /** The results file when it exists and parses (it is replaced atomically, so it always does once there). */
    private static BenchResults readIfThere(Path out) throws Exception {
        if (!Files.exists(out)) {
            return null;
        }
        return ResultsJson.read(new ByteArrayInputStream(Files.readAllBytes(out)));
    }
}
