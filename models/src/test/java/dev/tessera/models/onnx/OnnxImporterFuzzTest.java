package dev.tessera.models.onnx;

import java.io.UncheckedIOException;

import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.tessera.models.Model;

/**
 * Coverage-guided fuzzing of the ONNX importer (Jazzer). Whatever the bytes, {@link OnnxImporter#fromBytes} either
 * returns a model whose layer shapes can be worked out (or are refused with a typed one-line exception), or throws a
 * typed exception with a one-line message ({@link OnnxFormatException} and the other
 * {@link IllegalArgumentException}s); anything else (a null pointer, a class cast, an {@link OutOfMemoryError}, a
 * message over several lines) is a finding.
 *
 * <p>Without {@code JAZZER_FUZZ} this runs as a regression test over the kept inputs in
 * {@code src/test/resources/dev/tessera/models/onnx/OnnxImporterFuzzTestInputs/importOnnx/} (seeds: small exported
 * models; and every crash found so far); {@code scripts/fuzz onnx 10m} fuzzes (docs/RELIABILITY.md).
 */
class OnnxImporterFuzzTest {
    @FuzzTest(maxDuration = "10s")
    void importOnnx(byte[] bytes) {
        Model model;
        try {
            model = OnnxImporter.fromBytes(bytes);
        } catch (IllegalArgumentException | UncheckedIOException e) {
            requireOneLine(e);
            return;
        }
        try {
            model.layerShapes(1);
            model.parameterCount();
            model.macs();
        } catch (IllegalArgumentException e) {
            requireOneLine(e);
        }
    }

    /** A refusal must be one non-empty line (the CLI prints it as is). */
    static void requireOneLine(RuntimeException e) {
        String message = e.getMessage();
        if (message == null || message.isBlank() || message.contains("\n") || message.contains("\r")) {
            throw new AssertionError("refusal is not one line: " + e.getClass().getName() + ": " + message, e);
        }
    }
}
