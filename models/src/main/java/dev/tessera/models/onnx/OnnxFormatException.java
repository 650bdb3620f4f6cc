package dev.tessera.models.onnx;

/**
 * An ONNX file that cannot become a model: not an ONNX model, an unsupported operator, attribute or opset, or a
 * malformed graph. The message names the node and its operator ("node conv1: operator Conv: ...") where there is one.
 * An {@link IllegalArgumentException}, so the command line prints it as one line.
 */
public class OnnxFormatException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public OnnxFormatException(String message) {
        super(message);
    }

    public OnnxFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
