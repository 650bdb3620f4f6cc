package dev.tessera.api;

/**
 * A model cannot be built, loaded or run: an unknown zoo name, an ONNX file with an operator or attribute Tessera does
 * not support (the message names the node and the operator), a malformed file, or a layer whose shapes do not fit.
 */
public class ModelNotSupportedException extends TesseraException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what is not supported, naming the model, node or operator
     * @param cause   the internal exception behind it, or null
     */
    public ModelNotSupportedException(String message, Throwable cause) {
        super(message, cause);
    }
}
