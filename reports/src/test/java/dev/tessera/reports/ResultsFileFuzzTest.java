package dev.tessera.reports;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.io.TempDir;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of the results-file reader behind {@code tessera report} (Jazzer). Whatever the bytes,
 * {@link ReportInputs#read} either returns what it read or throws an {@link IllegalArgumentException} with a one-line
 * message naming the file; anything else (a null pointer, a class cast, a stack overflow, a message over several
 * lines) is a finding.
 *
 * <p>Without {@code JAZZER_FUZZ} this runs as a regression test over the kept inputs in
 * {@code src/test/resources/dev/tessera/reports/ResultsFileFuzzTestInputs/readResults/} (seeds: small results and JMH
 * files; and every crash found so far); {@code scripts/fuzz results 10m} fuzzes (docs/RELIABILITY.md).
 */
class ResultsFileFuzzTest {
    /** One file rewritten by every input (JUnit deletes the directory at the end). */
    @TempDir
    static Path dir;

    @FuzzTest(maxDuration = "10s")
    void readResults(byte[] bytes) throws IOException {
        Path file = dir.resolve("results.json");
        Files.write(file, bytes);
        try {
            ReportInputs.read(List.of(file));
        } catch (IllegalArgumentException e) {
            String message = e.getMessage();
            if (message == null || !message.startsWith(file.toString()) || message.contains("\n")
                    || message.contains("\r")) {
                throw new AssertionError("refusal is not one line naming the file: " + message, e);
            }
        }
    }
}
