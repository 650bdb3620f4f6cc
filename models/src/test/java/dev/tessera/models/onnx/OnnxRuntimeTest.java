package dev.tessera.models.onnx;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import dev.tessera.backend.Accuracy;
import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.reference.ReferenceBackend;
import dev.tessera.models.Model;
import dev.tessera.models.ModelBuilder;
import dev.tessera.models.ModelZoo;
import dev.tessera.models.Parameter;

/**
 * Exported models run in ONNX Runtime (CPU, float32) and give what the double-precision reference backend gives for
 * the same model. The bound: relative L2 error 1e-5, the float32 bar of {@link dev.tessera.backend.Tolerances} (ONNX
 * Runtime accumulates in float32, the reference in double).
 */
class OnnxRuntimeTest {
    private static final double BOUND = 1e-5;
    private static final ReferenceBackend REFERENCE = new ReferenceBackend();
    private static final OrtEnvironment ORT = OrtEnvironment.getEnvironment();

    @AfterAll
    static void close() {
        REFERENCE.close();
    }

    @Test
    void lenet5() throws OrtException {
        assertRunsLikeReference(ModelZoo.build("lenet5").initialise(1), 3);
    }

    @Test
    void lenet5ClassicWithItsConnectionTable() throws OrtException {
        assertRunsLikeReference(ModelZoo.build("lenet5-classic").initialise(2), 2);
    }

    @Test
    void vggWithLrnAtSmallSize() throws OrtException {
        assertRunsLikeReference(ModelZoo.build("vgg11-lrn", 32).initialise(3), 2);
    }

    @Test
    void resnetWithBatchNormStatistics() throws OrtException {
        assertRunsLikeReference(ModelZoo.build("resnet18", 32).initialise(4).withRandomBatchNorm(5), 2);
    }

    @Test
    void alexnet() throws OrtException {
        assertRunsLikeReference(ModelZoo.build("alexnet").initialise(6), 1);
    }

    /**
     * The attributes the zoo does not use: asymmetric padding, stride 2, dilation, groups, fused ReLU on conv and fc,
     * average pooling counting padded cells, LRN in the alpha/size convention, bias add, channel concat, fc on a 4-D
     * input, odd sizes.
     */
    @Test
    void everyAttributeTheExporterWrites() throws OrtException {
        assertRunsLikeReference(attributeModel(), 3);
    }

    /** The model of {@link #everyAttributeTheExporterWrites}, initialised. */
    static Model attributeModel() {
        ModelBuilder b = new ModelBuilder("attributes", 4, 11, 9);
        b.layer("grouped", new Operator.Conv2d(2, 1, 1, 2, 0, 1, 1, 2, 2, true), List.of(b.current()),
                List.of(weight(6, 2, 3, 3), bias(6)));
        b.layer("dilated", new Operator.Conv2d(1, 1, 2, 2, 2, 2, 2, 2, 1, false),
                List.of(b.current()), List.of(weight(5, 6, 3, 3)));
        b.layer("shift", new Operator.BiasAdd(), List.of(b.current()), List.of(bias(5)));
        b.layer("lrn", new Operator.Lrn(3, 0.3, 0.6, 1.5, true), List.of(b.current()), List.of());
        b.layer("avg", new Operator.Pool(Operator.Pool.Kind.AVG, 3, 2, 2, 1, 1, 0, 0, 1, true), List.of(b.current()),
                List.of());
        b.layer("avg_excl", new Operator.Pool(Operator.Pool.Kind.AVG, 2, 2, 1, 1, 1, 0, 1, 0, false),
                List.of(b.current()), List.of());
        b.layer("max", new Operator.Pool(Operator.Pool.Kind.MAX, 2, 3, 1, 2, 0, 1, 1, 1, false), List.of(b.current()),
                List.of());
        b.tanh("tanh");
        b.layer("side", new Operator.Conv2d(1, 1, 0, 0, 0, 0, 1, 1, 1, false), List.of("max"),
                List.of(weight(2, 5, 1, 1)));
        b.concat("concat", "tanh", "side");
        b.layer("fc", new Operator.FullyConnected(true), List.of(b.current()),
                List.of(weight(7, (int) (sizeOf(b.currentShape()))), bias(7)));
        b.softmax("softmax");
        return b.build().initialise(8);
    }

    static Parameter weight(int... shape) {
        return new Parameter("weight", shape, Parameter.Init.HE_NORMAL, true,
                null, null);
    }

    /** A bias drawn like a weight, so that it is not zero and a mistake in it shows. */
    static Parameter bias(int c) {
        return new Parameter("bias", new int[] {c}, Parameter.Init.HE_NORMAL,
                true, null, null);
    }

    private static long sizeOf(int[] shape) {
        return Tensor.sizeOf(shape) / shape[0];
    }

    private static void assertRunsLikeReference(Model model, int batch) throws OrtException {
        int[] in = model.inputShape();
        Tensor input = Tensor.random(11, -1f, 1f, batch, in[0], in[1], in[2]);
        Tensor expected = model.forward(REFERENCE, input);
        Tensor actual = runInOrt(OnnxExporter.toBytes(model), input);
        assertArrayEquals(expected.shape(), actual.shape(), model.name());
        Accuracy error = Accuracy.of(actual, expected);
        assertTrue(error.relativeL2() <= BOUND, model.name() + " in ONNX Runtime vs reference: " + error);
    }

    /** Runs a serialised model in ONNX Runtime on the CPU. */
    static Tensor runInOrt(byte[] onnx, Tensor input) throws OrtException {
        long[] shape = java.util.Arrays.stream(input.shape()).asLongStream().toArray();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            try (OrtSession session = ORT.createSession(onnx, options);
                    OnnxTensor x = OnnxTensor.createTensor(ORT, FloatBuffer.wrap(input.data()), shape);
                    OrtSession.Result result = session.run(Map.of(session.getInputNames().iterator().next(), x))) {
                OnnxTensor y = (OnnxTensor) result.get(0);
                long[] dims = y.getInfo().getShape();
                FloatBuffer values = y.getFloatBuffer();
                float[] out = new float[values.remaining()];
                values.get(out);
                return new Tensor(out, java.util.Arrays.stream(dims).mapToInt(d -> (int) d).toArray());
            }
        }
    }
}
