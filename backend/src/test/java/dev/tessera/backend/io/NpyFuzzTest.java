package dev.tessera.backend.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.io.TempDir;

import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.tessera.backend.Tensor;

/**
 * Coverage-guided fuzzing of the {@code .npy} reader (Jazzer). Whatever the bytes, {@link Npy#read} either returns a
 * tensor that writes back and reads again to the same shape and values, or throws a typed exception with a one-line
 * message ({@link IllegalArgumentException}, {@link UncheckedIOException}); anything else (a null pointer, an index out
 * of bounds, an {@link OutOfMemoryError}, a message over several lines) is a finding.
 *
 * <p>Without {@code JAZZER_FUZZ} this runs as a regression test over the kept inputs in
 * {@code src/test/resources/dev/tessera/backend/io/NpyFuzzTestInputs/readNpy/} (seeds and every crash found so far);
 * {@code scripts/fuzz npy 10m} fuzzes (docs/RELIABILITY.md).
 */
class NpyFuzzTest {
    /** One file rewritten by every input (JUnit deletes the directory at the end). */
    @TempDir
    static Path dir;

    @FuzzTest(maxDuration = "10s")
    void readNpy(byte[] bytes) throws IOException {
        Path file = dir.resolve("input.npy");
        Path copy = dir.resolve("copy.npy");
        Files.write(file, bytes);
        Tensor tensor;
        try {
            tensor = Npy.read(file);
        } catch (IllegalArgumentException | UncheckedIOException e) {
            requireOneLine(e);
            return;
        }
        Npy.write(copy, tensor);
        Tensor again = Npy.read(copy);
        assertArrayEquals(tensor.shape(), again.shape());
        assertArrayEquals(tensor.data(), again.data());
    }

    /** A refusal must be one non-empty line (the CLI prints it as is). */
    static void requireOneLine(RuntimeException e) {
        String message = e.getMessage();
        if (message == null || message.isBlank() || message.contains("\n") || message.contains("\r")) {
            throw new AssertionError("refusal is not one line: " + e.getClass().getName() + ": " + message, e);
        }
    }
}
