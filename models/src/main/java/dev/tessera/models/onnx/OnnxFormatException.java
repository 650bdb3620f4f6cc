package dev.tessera.models.onnx;

import dev.tessera.backend.io.OneLine;

/**
 * An ONNX file that cannot become a model: not an ONNX model, an unsupported operator, attribute or opset, or a
 * malformed graph. The message names the node and its operator ("node conv1: operator Conv: ...") where there is one.
 * An {@link IllegalArgumentException}, so the command line prints it as one line; names quoted from the file keep it
 * one line ({@link OneLine}).
 */
public class OnnxFormatException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public OnnxFormatException(String message) {
        super(OneLine.of(message));
    }

    public OnnxFormatException(String message, Throwable cause) {
        super(OneLine.of(message), cause);
    }
}
