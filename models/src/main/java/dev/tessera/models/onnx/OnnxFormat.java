package dev.tessera.models.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;

import dev.tessera.backend.Tensor;

/**
 * What the exporter writes and the importer reads besides the operators themselves: the opset and IR version, the
 * metadata key that carries a parameter's connection mask, and the conversion of float tensors and attributes.
 */
final class OnnxFormat {
    /** The default-domain opset the exporter writes (ONNX 1.8; every ONNX Runtime since 1.6 runs it). */
    static final int EXPORT_OPSET = 13;
    /** The IR version that goes with {@link #EXPORT_OPSET}. */
    static final long EXPORT_IR_VERSION = 7;
    /** The default-domain opsets the importer accepts. */
    static final int MIN_IMPORT_OPSET = 7;
    static final int MAX_IMPORT_OPSET = 22;

    /**
     * Metadata key prefix for a parameter's mask ({@code tessera.mask/<initializer>}); the value holds one '0' or '1'
     * per element in C order. Other runtimes ignore metadata and run the zeros in the weight.
     */
    static final String MASK_KEY_PREFIX = "tessera.mask/";

    private OnnxFormat() {
    }

    /** A FLOAT initializer holding {@code values} with {@code dims}, as little-endian raw data. */
    static OnnxMl.TensorProto floatTensor(String name, float[] values, int... dims) {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setName(name)
                .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber()).setRawData(ByteString.copyFrom(bytes));
        for (int d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    /** An INT64 initializer holding {@code values} as a 1-D tensor, as little-endian raw data. */
    static OnnxMl.TensorProto longTensor(String name, long... values) {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asLongBuffer().put(values);
        return OnnxMl.TensorProto.newBuilder().setName(name).setDataType(OnnxMl.TensorProto.DataType.INT64.getNumber())
                .setRawData(ByteString.copyFrom(bytes)).addDims(values.length).build();
    }

    /** A STRING attribute. */
    static OnnxMl.AttributeProto string(String name, String value) {
        return OnnxMl.AttributeProto.newBuilder().setName(name).setType(OnnxMl.AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFromUtf8(value)).build();
    }

    static OnnxMl.TensorProto floatTensor(String name, Tensor value) {
        return floatTensor(name, value.data(), value.shape());
    }

    /**
     * A float attribute as the double a person wrote: the shortest decimal that rounds to the float
     * ({@link Float#toString}), so an epsilon of 1e-5 comes back as 1e-5 and not as 9.99999974738e-6.
     */
    static double decimal(float value) {
        return Double.parseDouble(Float.toString(value));
    }

    /** An INTS attribute. */
    static OnnxMl.AttributeProto ints(String name, long... values) {
        OnnxMl.AttributeProto.Builder a = OnnxMl.AttributeProto.newBuilder().setName(name)
                .setType(OnnxMl.AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    /** An INT attribute. */
    static OnnxMl.AttributeProto integer(String name, long value) {
        return OnnxMl.AttributeProto.newBuilder().setName(name).setType(OnnxMl.AttributeProto.AttributeType.INT)
                .setI(value).build();
    }

    /** A FLOAT attribute (ONNX attributes are float32). */
    static OnnxMl.AttributeProto real(String name, double value) {
        return OnnxMl.AttributeProto.newBuilder().setName(name).setType(OnnxMl.AttributeProto.AttributeType.FLOAT)
                .setF((float) value).build();
    }
}
