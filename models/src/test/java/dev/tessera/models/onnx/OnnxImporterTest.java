package dev.tessera.models.onnx;

import static dev.tessera.models.onnx.OnnxFormat.integer;
import static dev.tessera.models.onnx.OnnxFormat.ints;
import static dev.tessera.models.onnx.OnnxFormat.real;
import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OrtException;
import com.google.protobuf.ByteString;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import dev.tessera.backend.Accuracy;
import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.graph.CompiledGraph;
import dev.tessera.backend.opencl.OpenClBackend;
import dev.tessera.backend.reference.ReferenceBackend;
import dev.tessera.models.Layer;
import dev.tessera.models.Model;
import dev.tessera.opencl.DeviceSelector;
import dev.tessera.opencl.ProgramCache;

/**
 * Importing ONNX graphs that Tessera did not write: each is built here as a ModelProto, run by ONNX Runtime (the
 * independent answer) and, imported, by the reference backend. And the errors: an unsupported operator, attribute,
 * opset or file is refused with a message naming the node and the operator.
 */
class OnnxImporterTest {
    private static final ReferenceBackend REFERENCE = new ReferenceBackend();

    @AfterAll
    static void close() {
        REFERENCE.close();
    }

    /** A graph as a PyTorch export writes one: SAME padding, Identity, Reshape, Dropout, Gemm variants, MatMul+Add. */
    @Test
    void foreignClassifierRunsLikeOnnxRuntime() throws OrtException {
        GraphBuilder g = new GraphBuilder(13, 3, 9, 8);
        g.init("w1", 4, 3, 3, 3).init("b1", 4);
        g.node("Conv", "conv", List.of("x", "w1", "b1"), "t1", strings("auto_pad", "SAME_UPPER"),
                ints("strides", 2, 2));
        g.node("Relu", "conv_relu", List.of("t1"), "t2");
        g.node("Identity", "id", List.of("t2"), "t3");
        g.node("MaxPool", "pool", List.of("t3"), "t4", ints("kernel_shape", 2, 2), ints("strides", 1, 1));
        g.init("gamma", 4).init("beta", 4).init("mean", 4).positive("var", 4);
        g.node("BatchNormalization", "bn", List.of("t4", "gamma", "beta", "mean", "var"), "t5",
                real("epsilon", 1e-3f));
        g.longs("shape", 0, -1).node("Reshape", "reshape", List.of("t5", "shape"), "t6");
        g.node("Dropout", "drop", List.of("t6"), "t7");
        int features = 4 * 4 * 3; // conv 9x8 stride 2 SAME: 5x4; pool 2/1: 4x3
        g.init("wg", features, 10).init("bg", 10);
        g.node("Gemm", "gemm", List.of("t7", "wg", "bg"), "t8", real("alpha", 0.5f), real("beta", 2f));
        g.node("Relu", "gemm_relu", List.of("t8"), "t9");
        g.init("wm", 10, 6).init("bm", 6);
        g.node("MatMul", "matmul", List.of("t9", "wm"), "t10");
        g.node("Add", "bias", List.of("t10", "bm"), "t11");
        g.node("Relu", "matmul_relu", List.of("t11"), "t12");
        g.node("Softmax", "softmax", List.of("t12"), "y");
        Model model = assertRunsLikeOnnxRuntime(g.build("y"), 2);
        assertEquals(List.of("conv2d", "maxpool", "batchnorm", "flatten", "fc", "fc", "softmax"), opNames(model));
        assertEquals(List.of("t2", "t4", "t5", "t6", "t9", "t12", "y"),
                model.layers().stream().map(Layer::name).toList(), "layers are named after their outputs");
        Operator.Conv2d conv = (Operator.Conv2d) model.layers().get(0).op();
        assertTrue(conv.relu());
        assertEquals(List.of(1, 1, 0, 1), List.of(conv.padTop(), conv.padBottom(), conv.padLeft(),
                conv.padRight()), "SAME_UPPER puts the odd padding cell at the end");
        assertEquals(1e-3, ((Operator.BatchNorm) model.layers().get(2).op()).epsilon(), 0,
                "a float attribute comes back as the decimal that was written");
    }

    /**
     * A residual block with the other operators: LRN, padded average pooling, bias add, tanh, a channel concat of
     * three branches (one read twice), global pooling.
     */
    @Test
    void foreignResidualGraphRunsLikeOnnxRuntime() throws OrtException {
        GraphBuilder g = new GraphBuilder(11, 5, 7, 7);
        g.init("w1", 5, 5, 3, 3);
        g.node("Conv", "conv1", List.of("x", "w1"), "a", ints("pads", 1, 1, 1, 1));
        g.node("Add", "residual", List.of("a", "x"), "s");
        g.node("Relu", "residual_relu", List.of("s"), "r");
        g.node("LRN", "lrn", List.of("r"), "l", integer("size", 3), real("alpha", 0.2f), real("beta", 0.7f),
                real("bias", 1.5f));
        g.node("AveragePool", "avg", List.of("l"), "p", ints("kernel_shape", 3, 3), ints("strides", 2, 2),
                ints("pads", 1, 0, 0, 1), integer("count_include_pad", 1));
        g.init("shift", 5, 1, 1);
        g.node("Add", "shift_add", List.of("shift", "p"), "q");
        g.node("Tanh", "tanh", List.of("q"), "t");
        g.init("w2", 2, 5, 1, 1);
        g.node("Conv", "branch", List.of("x", "w2"), "b2", ints("strides", 3, 3), ints("pads", 1, 1, 1, 1));
        g.node("Concat", "join", List.of("t", "b2", "t"), "j", integer("axis", -3));
        g.node("GlobalAveragePool", "gap", List.of("j"), "gp");
        g.node("Flatten", "flatten", List.of("gp"), "f");
        g.init("wf", 3, 12).init("bf", 3);
        g.node("Gemm", "fc", List.of("f", "wf", "bf"), "y", integer("transB", 1));
        Model model = assertRunsLikeOnnxRuntime(g.build("y"), 3);
        assertEquals(List.of("conv2d", "add", "lrn", "avgpool", "biasadd", "tanh", "conv2d", "concat", "globalavgpool",
                "flatten", "fc"), opNames(model));
        assertTrue(((Operator.Add) model.layers().get(1).op()).relu(), "the only reader Relu is fused");

        // the same graph compiled for the OpenCL device (concat's copies into one device buffer included)
        Tensor input = Tensor.random(8, -1f, 1f, 3, 5, 7, 7);
        Tensor expected = model.forward(REFERENCE, input);
        try (OpenClBackend opencl = OpenClBackend.open(DeviceSelector.fromSetting("tessera.test.device",
                "TESSERA_TEST_DEVICE"), ProgramCache.defaultCache(), null);
                CompiledGraph graph = model.compile(opencl, 3)) {
            Accuracy error = Accuracy.of(graph.run(input), expected);
            assertTrue(error.relativeL2() <= 1e-5, "OpenCL graph vs reference: " + error);
        }
    }

    @Test
    void separateReluStaysWhenAnotherNodeAlsoReadsTheConvolution() {
        GraphBuilder g = new GraphBuilder(13, 2, 4, 4);
        g.init("w", 2, 2, 1, 1);
        g.node("Conv", "conv", List.of("x", "w"), "c");
        g.node("Relu", "relu", List.of("c"), "r");
        g.node("Add", "add", List.of("c", "r"), "y");
        Model model = OnnxImporter.fromProto(g.build("y"), "test");
        assertEquals(List.of("conv2d", "relu", "add"), opNames(model));
    }

    @Test
    void unsupportedOperatorNamesTheNode() {
        GraphBuilder g = new GraphBuilder(13, 1, 2, 2);
        g.node("Sin", "gate", List.of("x"), "y");
        assertRefused(g.build("y"), "node gate: operator Sin: not supported");
    }

    @Test
    void unnamedNodeIsNamedByPositionAndOutput() {
        GraphBuilder g = new GraphBuilder(13, 1, 2, 2);
        g.node("Relu", "", List.of("x"), "r");
        g.node("Erf", "", List.of("r"), "y");
        assertRefused(g.build("y"), "node #1 (writing y): operator Erf: not supported");
    }

    @Test
    void concatOnlyAlongChannels() {
        GraphBuilder g = new GraphBuilder(13, 1, 2, 2);
        g.node("Concat", "cat", List.of("x", "x"), "y", integer("axis", 2));
        assertRefused(g.build("y"), "node cat: operator Concat: axis 2 of rank-4 inputs is not supported");
        GraphBuilder constant = new GraphBuilder(13, 1, 2, 2);
        constant.init("c", 1, 1, 2, 2);
        constant.node("Concat", "cat", List.of("x", "c"), "y", integer("axis", 1));
        assertRefused(constant.build("y"), "node cat: operator Concat: input 1 (c) is a constant");
    }

    @Test
    void unsupportedAttributesAreRefused() {
        GraphBuilder ceil = new GraphBuilder(13, 1, 5, 5);
        ceil.node("AveragePool", "pool", List.of("x"), "y", ints("kernel_shape", 2, 2), ints("strides", 2, 2),
                integer("ceil_mode", 1), integer("count_include_pad", 1));
        assertRefused(ceil.build("y"), "node pool: operator AveragePool: ceil_mode=1 with count_include_pad=1 is not"
                + " supported");

        GraphBuilder unknown = new GraphBuilder(13, 1, 5, 5);
        unknown.init("w", 1, 1, 1, 1);
        unknown.node("Conv", "conv", List.of("x", "w"), "y", integer("frobnicate", 1));
        assertRefused(unknown.build("y"), "node conv: operator Conv: attribute 'frobnicate' is not supported");

        GraphBuilder transA = new GraphBuilder(13, 1, 2, 2);
        transA.node("Flatten", "flat", List.of("x"), "f");
        transA.init("w", 4, 4);
        transA.node("Gemm", "gemm", List.of("f", "w"), "y", integer("transA", 1));
        assertRefused(transA.build("y"), "node gemm: operator Gemm: transA=1 is not supported");

        GraphBuilder reshape = new GraphBuilder(13, 2, 2, 2);
        reshape.longs("shape", 1, 2, -1).node("Reshape", "view", List.of("x", "shape"), "y");
        assertRefused(reshape.build("y"), "node view: operator Reshape: only a reshape to [N, -1]");

        GraphBuilder lrn = new GraphBuilder(13, 4, 2, 2);
        lrn.node("LRN", "norm", List.of("x"), "y", integer("size", 4));
        assertRefused(lrn.build("y"), "node norm: operator LRN: even size 4 is not supported");

        GraphBuilder softmax = new GraphBuilder(13, 4, 2, 2);
        softmax.node("Softmax", "sm", List.of("x"), "y", integer("axis", -4));
        assertRefused(softmax.build("y"), "node sm: operator Softmax: axis -4 of a rank-4 input is not supported"
                + " (the batch axis)");
    }

    @Test
    void shapeMistakesNameTheNode() {
        GraphBuilder g = new GraphBuilder(13, 3, 4, 4);
        g.init("w", 2, 5, 3, 3);
        g.node("Conv", "conv", List.of("x", "w"), "y");
        OnnxFormatException e = assertThrows(OnnxFormatException.class, () -> OnnxImporter.fromProto(g.build("y"),
                "t"));
        assertTrue(e.getMessage().startsWith("node conv: operator Conv: conv2d"), e.getMessage());
    }

    @Test
    void unsupportedOpsetAndNonOnnxBytesAreRefused() {
        assertRefused(new GraphBuilder(6, 1, 2, 2).node("Relu", "r", List.of("x"), "y").build("y"),
                "foreign: opset 6 is not supported");
        OnnxFormatException e = assertThrows(OnnxFormatException.class,
                () -> OnnxImporter.fromBytes("not a model at all".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().contains("is not an ONNX model"), e.getMessage());
    }

    // ---- helpers ----

    private static List<String> opNames(Model model) {
        return model.layers().stream().map(l -> l.op().name()).toList();
    }

    private static void assertRefused(OnnxMl.ModelProto proto, String expected) {
        OnnxFormatException e = assertThrows(OnnxFormatException.class, () -> OnnxImporter.fromProto(proto, "t"));
        assertTrue(e.getMessage().startsWith(expected), "message: " + e.getMessage());
    }

    private static Model assertRunsLikeOnnxRuntime(OnnxMl.ModelProto proto, int batch) throws OrtException {
        Model model = OnnxImporter.fromBytes(proto.toByteArray());
        int[] in = model.inputShape();
        Tensor input = Tensor.random(5, -1f, 1f, batch, in[0], in[1], in[2]);
        Tensor expected = OnnxRuntimeTest.runInOrt(proto.toByteArray(), input);
        Tensor actual = model.forward(REFERENCE, input);
        assertArrayEquals(expected.shape(), actual.shape());
        Accuracy error = Accuracy.of(actual, expected);
        assertTrue(error.relativeL2() <= 1e-5, "imported model vs ONNX Runtime: " + error);
        return model;
    }

    private static OnnxMl.AttributeProto strings(String name, String v) {
        return OnnxMl.AttributeProto.newBuilder().setName(name).setType(OnnxMl.AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFromUtf8(v)).build();
    }

    /** A small ONNX graph with input {@code x} [batch, C, H, W] and seeded random FLOAT initializers. */
    static final class GraphBuilder {
        private final OnnxMl.GraphProto.Builder graph = OnnxMl.GraphProto.newBuilder().setName("foreign");
        private final int opset;
        private final SplittableRandom random = new SplittableRandom(99);

        GraphBuilder(int opset, int c, int h, int w) {
            this.opset = opset;
            OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder()
                    .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("batch"));
            for (int d : new int[] {c, h, w}) {
                shape.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
            }
            graph.addInput(OnnxMl.ValueInfoProto.newBuilder().setName("x").setType(OnnxMl.TypeProto.newBuilder()
                    .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder().setElemType(1).setShape(shape))));
        }

        GraphBuilder node(String op, String name, List<String> inputs, String output,
                OnnxMl.AttributeProto... attributes) {
            graph.addNode(OnnxMl.NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs)
                    .addOutput(output).addAllAttribute(List.of(attributes)));
            return this;
        }

        /** Adds a ready initializer. */
        GraphBuilder tensor(OnnxMl.TensorProto t) {
            graph.addInitializer(t);
            return this;
        }

        GraphBuilder init(String name, int... dims) {
            float[] v = new float[(int) Tensor.sizeOf(dims)];
            for (int k = 0; k < v.length; k++) {
                v[k] = (float) (random.nextDouble() * 2 - 1);
            }
            graph.addInitializer(OnnxFormat.floatTensor(name, v, dims));
            return this;
        }

        GraphBuilder positive(String name, int... dims) {
            float[] v = new float[(int) Tensor.sizeOf(dims)];
            for (int k = 0; k < v.length; k++) {
                v[k] = (float) (0.5 + random.nextDouble());
            }
            graph.addInitializer(OnnxFormat.floatTensor(name, v, dims));
            return this;
        }

        /** A Constant node with one value attribute (value_float, value_floats, ...). */
        GraphBuilder graphConstant(String name, OnnxMl.AttributeProto value) {
            graph.addNode(OnnxMl.NodeProto.newBuilder().setOpType("Constant").setName(name + "_constant")
                    .addOutput(name).addAttribute(value));
            return this;
        }

        /** An INT64 Constant node (as PyTorch writes a reshape's shape). */
        GraphBuilder longs(String name, long... values) {
            OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setDataType(7).addDims(values.length);
            Arrays.stream(values).forEach(t::addInt64Data);
            graph.addNode(OnnxMl.NodeProto.newBuilder().setOpType("Constant").setName(name + "_constant")
                    .addOutput(name).addAttribute(OnnxMl.AttributeProto.newBuilder().setName("value")
                            .setType(OnnxMl.AttributeProto.AttributeType.TENSOR).setT(t)));
            return this;
        }

        OnnxMl.ModelProto build(String output) {
            graph.addOutput(OnnxMl.ValueInfoProto.newBuilder().setName(output).setType(OnnxMl.TypeProto.newBuilder()
                    .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder().setElemType(1))));
            return OnnxMl.ModelProto.newBuilder().setIrVersion(opset > 13 ? 8 : 7).setProducerName("test")
                    .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setVersion(opset)).setGraph(graph).build();
        }
    }
}
