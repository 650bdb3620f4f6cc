package dev.tessera.peers;

import java.nio.FloatBuffer;
import java.util.Map;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import dev.tessera.backend.Tensor;

/**
 * The whole-model peer: ONNX Runtime's CPU execution provider running an ONNX model (Tessera's exported model, so the
 * same weights), on host tensors. Wall time of {@link #run} is what it is compared on: ONNX Runtime has no device to
 * be resident on.
 */
public final class OnnxRuntimePeer implements AutoCloseable {
    private final OrtEnvironment environment;
    private final OrtSession session;
    private final String inputName;

    /**
     * @param onnxModel the serialised ONNX model
     * @throws IllegalArgumentException when ONNX Runtime rejects the model (the message is its own)
     */
    public OnnxRuntimePeer(byte[] onnxModel) {
        this.environment = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            this.session = environment.createSession(onnxModel, options);
        } catch (OrtException e) {
            throw new IllegalArgumentException("ONNX Runtime rejected the model: " + e.getMessage(), e);
        }
        this.inputName = session.getInputNames().iterator().next();
    }

    /** What result rows record as where it ran. */
    public static String ranOn() {
        return "onnxruntime-cpu";
    }

    /** ONNX Runtime's version. */
    public String version() {
        return environment.getVersion();
    }

    /**
     * Runs the model on {@code input} [N, C, H, W] and returns its first output.
     *
     * @throws IllegalStateException when ONNX Runtime fails (e.g. a batch size the model does not accept)
     */
    public Tensor run(Tensor input) {
        long[] shape = new long[input.shape().length];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = input.shape()[i];
        }
        try (OnnxTensor x = OnnxTensor.createTensor(environment, FloatBuffer.wrap(input.data()), shape);
                OrtSession.Result result = session.run(Map.of(inputName, x))) {
            OnnxTensor y = (OnnxTensor) result.get(0);
            long[] outShape = y.getInfo().getShape();
            int[] dims = new int[outShape.length];
            for (int i = 0; i < dims.length; i++) {
                dims[i] = Math.toIntExact(outShape[i]);
            }
            FloatBuffer values = y.getFloatBuffer();
            float[] data = new float[values.remaining()];
            values.get(data);
            return new Tensor(data, dims);
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("could not close the ONNX Runtime session: " + e.getMessage(), e);
        }
    }
}
