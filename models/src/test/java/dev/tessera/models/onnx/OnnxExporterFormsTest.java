package dev.tessera.models.onnx;

import static dev.tessera.models.onnx.OnnxFormat.integer;
import static dev.tessera.models.onnx.OnnxFormat.ints;
import static dev.tessera.models.onnx.OnnxFormat.real;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OrtException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tessera.backend.Accuracy;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.reference.ReferenceBackend;
import dev.tessera.models.Model;
import dev.tessera.models.onnx.OnnxImporterTest.GraphBuilder;

/**
 * The forms PyTorch's exporters (and others) write, each built here as a small graph, run by ONNX Runtime (the
 * independent answer) and, imported, by the reference backend; then exported again by Tessera and run by ONNX Runtime.
 */
class OnnxExporterFormsTest {
    private static final ReferenceBackend REFERENCE = new ReferenceBackend();

    /** Imports {@code proto}, checks it against ONNX Runtime on batch 2 and again after Tessera's own export. */
    private static Model check(OnnxMl.ModelProto proto, List<String> expectedOps) throws OrtException {
        return check(OnnxImporter.fromBytes(proto.toByteArray()), proto, expectedOps);
    }

    private static Model check(Model model, OnnxMl.ModelProto proto, List<String> expectedOps) throws OrtException {
        assertEquals(expectedOps, model.layers().stream().map(l -> l.op().name()).toList());
        int[] in = model.inputShape();
        Tensor input = Tensor.random(5, -4f, 4f, 2, in[0], in[1], in[2]);
        Tensor expected = OnnxRuntimeTest.runInOrt(proto.toByteArray(), input);
        Tensor actual = model.forward(REFERENCE, input);
        assertArrayEquals(expected.shape(), actual.shape());
        Accuracy error = Accuracy.of(actual, expected);
        assertTrue(error.relativeL2() <= 1e-6, "imported model vs ONNX Runtime: " + error);
        Accuracy again = Accuracy.of(OnnxRuntimeTest.runInOrt(OnnxExporter.toBytes(model), input), expected);
        assertTrue(again.relativeL2() <= 1e-6, "exported again, in ONNX Runtime: " + again);
        assertEquals(expectedOps, OnnxImporter.fromBytes(OnnxExporter.toBytes(model)).layers().stream()
                .map(l -> l.op().name()).toList(), "the same layers after a round trip");
        return model;
    }

    @Test
    void activationsInEveryForm() throws OrtException {
        GraphBuilder g = new GraphBuilder(13, 3, 4, 5);
        g.tensor(OnnxFormat.floatTensor("zero", new float[] {0f})).tensor(OnnxFormat.floatTensor("six",
                new float[] {6f}));
        g.node("Clip", "relu6", List.of("x", "zero", "six"), "a");
        g.node("Clip", "upper", List.of("a", "", "six"), "b");
        g.node("LeakyRelu", "leaky", List.of("b"), "c", real("alpha", 0.1f));
        g.node("HardSigmoid", "hs", List.of("c"), "d", real("alpha", 0.3f), real("beta", 0.4f));
        g.node("Sigmoid", "sig", List.of("d"), "e");
        check(g.build("e"), List.of("clip", "clip", "leakyrelu", "hardsigmoid", "sigmoid"));

        GraphBuilder old = new GraphBuilder(10, 2, 3, 3); // Clip's bounds as attributes before opset 11
        old.node("Clip", "relu6", List.of("x"), "y", real("min", 0f), real("max", 6f));
        check(old.build("y"), List.of("clip"));

        GraphBuilder swish = new GraphBuilder(14, 2, 3, 3);
        swish.node("HardSwish", "hswish", List.of("x"), "y");
        check(swish.build("y"), List.of("hardswish"));
        GraphBuilder decomposed = new GraphBuilder(13, 2, 3, 3); // x * HardSigmoid(x; 1/6, 1/2): hard swish
        decomposed.node("HardSigmoid", "gate", List.of("x"), "g", real("alpha", 1f / 6), real("beta", 0.5f));
        decomposed.node("Mul", "mul", List.of("x", "g"), "y");
        check(decomposed.build("y"), List.of("hardswish"));
    }

    @Test
    void padInEveryMode() throws OrtException {
        for (String mode : List.of("constant", "reflect", "edge")) {
            GraphBuilder g = new GraphBuilder(13, 2, 4, 5);
            g.tensor(OnnxFormat.longTensor("pads", 0, 0, 1, 2, 0, 0, 3, 0));
            g.tensor(OnnxFormat.floatTensor("value", new float[] {0.75f}));
            List<String> inputs = mode.equals("constant") ? List.of("x", "pads", "value") : List.of("x", "pads");
            g.node("Pad", "pad", inputs, "y", OnnxFormat.string("mode", mode));
            check(g.build("y"), List.of("pad"));
        }
        GraphBuilder old = new GraphBuilder(10, 2, 3, 3); // pads as an attribute before opset 11
        old.node("Pad", "pad", List.of("x"), "y", ints("pads", 0, 0, 1, 1, 0, 0, 1, 0), real("value", -1f));
        check(old.build("y"), List.of("pad"));
        GraphBuilder axes = new GraphBuilder(18, 2, 3, 3); // opset 18's axes input
        axes.tensor(OnnxFormat.longTensor("pads", 2, 1, 0, 1)).tensor(OnnxFormat.longTensor("axes", 2, 3));
        axes.node("Pad", "pad", List.of("x", "pads", "", "axes"), "y");
        check(axes.build("y"), List.of("pad"));
    }

    /** nn.ReflectionPad2d(1) as the TorchScript exporter writes it at opset 20: its pads computed by a chain. */
    @Test
    void pytorchsPadsChainFolds() throws OrtException {
        GraphBuilder g = new GraphBuilder(20, 2, 4, 5);
        g.longs("four", 4).longs("ones", 1, 1, 1, 1);
        g.node("ConstantOfShape", "zeros", List.of("four"), "z", OnnxMl.AttributeProto.newBuilder().setName("value")
                .setType(OnnxMl.AttributeProto.AttributeType.TENSOR).setT(OnnxMl.TensorProto.newBuilder()
                        .setDataType(7).addDims(1).addInt64Data(0)).build());
        g.node("Concat", "cat", List.of("ones", "z"), "c", integer("axis", 0));
        g.longs("pairs", -1, 2).node("Reshape", "r1", List.of("c", "pairs"), "p");
        g.longs("starts", -1).longs("ends", -Long.MAX_VALUE).longs("axes", 0).longs("steps", -1);
        g.node("Slice", "reverse", List.of("p", "starts", "ends", "axes", "steps"), "rev");
        g.node("Transpose", "t", List.of("rev"), "tr", ints("perm", 1, 0));
        g.longs("flat", -1).node("Reshape", "r2", List.of("tr", "flat"), "pads64");
        g.node("Cast", "cast", List.of("pads64"), "pads", integer("to", 7));
        g.node("Pad", "pad", List.of("x", "pads"), "y", OnnxFormat.string("mode", "reflect"));
        Model model = check(g.build("y"), List.of("pad"));
        assertArrayEquals(new int[] {1, 2, 6, 7}, model.outputShape(1));
    }

    @Test
    void ceilModePoolingBecomesTrailingPadding() throws OrtException {
        GraphBuilder g = new GraphBuilder(13, 2, 8, 7); // SqueezeNet's pools: 3x3 stride 2 ceil
        g.node("MaxPool", "pool", List.of("x"), "p", ints("kernel_shape", 3, 3), ints("strides", 2, 2),
                integer("ceil_mode", 1));
        g.node("AveragePool", "avg", List.of("p"), "y", ints("kernel_shape", 2, 2), ints("strides", 2, 2),
                integer("ceil_mode", 1));
        Model model = check(g.build("y"), List.of("maxpool", "avgpool"));
        assertArrayEquals(new int[] {1, 2, 2, 2}, model.outputShape(1), "8x7 -> 4x3 -> 2x2 with ceil");
    }

    @Test
    void reduceMeanOverThePlaneIsGlobalAveragePooling() throws OrtException {
        GraphBuilder kept = new GraphBuilder(13, 3, 4, 5);
        kept.node("ReduceMean", "mean", List.of("x"), "y", ints("axes", -1, -2));
        check(kept.build("y"), List.of("globalavgpool"));
        GraphBuilder dropped = new GraphBuilder(18, 3, 4, 5); // axes as an input from opset 18
        dropped.tensor(OnnxFormat.longTensor("axes", 2, 3));
        dropped.node("ReduceMean", "mean", List.of("x", "axes"), "y", integer("keepdims", 0));
        check(dropped.build("y"), List.of("globalavgpool", "flatten"));
        GraphBuilder channels = new GraphBuilder(13, 3, 4, 5);
        channels.node("ReduceMean", "mean", List.of("x"), "y", ints("axes", 1));
        OnnxFormatException e = assertThrows(OnnxFormatException.class,
                () -> OnnxImporter.fromBytes(channels.build("y").toByteArray()));
        assertTrue(e.getMessage().startsWith("node mean: operator ReduceMean: only a mean over H and W"),
                e.getMessage());
    }

    /** x.view(x.size(0), -1) as the TorchScript exporter writes it, with Identity-shared and transposed weights. */
    @Test
    void flattenIdiomAndSharedConstantsFold() throws OrtException {
        GraphBuilder g = new GraphBuilder(13, 2, 3, 3);
        g.node("Shape", "shape", List.of("x"), "s");
        g.tensor(OnnxMl.TensorProto.newBuilder().setName("zero").setDataType(7).addInt64Data(0).build());
        g.node("Gather", "batch", List.of("s", "zero"), "n", integer("axis", 0));
        g.tensor(OnnxFormat.longTensor("axis0", 0));
        g.node("Unsqueeze", "unsq", List.of("n", "axis0"), "n1");
        g.tensor(OnnxFormat.longTensor("minus1", -1));
        g.node("Concat", "cat", List.of("n1", "minus1"), "shape2", integer("axis", 0));
        g.node("Reshape", "view", List.of("x", "shape2"), "flat");
        g.init("wt", 18, 4); // [in, out]: transposed into Gemm's [out, in] by a Transpose
        g.node("Transpose", "t", List.of("wt"), "w", ints("perm", 1, 0));
        g.node("Identity", "shared", List.of("w"), "w2");
        g.graphConstant("bias", OnnxMl.AttributeProto.newBuilder().setName("value_floats")
                .setType(OnnxMl.AttributeProto.AttributeType.FLOATS).addFloats(0.5f).addFloats(-1f).addFloats(2f)
                .addFloats(0f).build());
        g.node("Gemm", "fc", List.of("flat", "w2", "bias"), "y", integer("transB", 1));
        check(g.build("y"), List.of("flatten", "fc"));
    }

    @Test
    void externalDataIsReadFromTheModelsFolderOnly(@TempDir Path dir) throws IOException, OrtException {
        float[] w = new float[4 * 2 * 3 * 3];
        for (int k = 0; k < w.length; k++) {
            w[k] = (float) Math.sin(k);
        }
        ByteBuffer bytes = ByteBuffer.allocate(16 + w.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bytes.position(16); // an offset, as exporters align tensors
        bytes.asFloatBuffer().put(w);
        Files.write(dir.resolve("model.onnx.data"), bytes.array());
        GraphBuilder g = new GraphBuilder(18, 2, 5, 5);
        g.tensor(external("w", "model.onnx.data", 16, w.length * 4L));
        g.node("Conv", "conv", List.of("x", "w"), "y", ints("pads", 1, 1, 1, 1));
        OnnxMl.ModelProto proto = g.build("y");
        Path file = dir.resolve("model.onnx");
        Files.write(file, proto.toByteArray());
        Model model = OnnxImporter.load(file);
        assertArrayEquals(w, model.layers().get(0).parameter("weight").requireValue("conv").data());
        Tensor input = Tensor.random(3, -1, 1, 1, 2, 5, 5);
        Accuracy error = Accuracy.of(model.forward(REFERENCE, input),
                OnnxRuntimeTest.runInOrt(OnnxExporter.toBytes(model), input));
        assertTrue(error.relativeL2() <= 1e-6, error.toString());

        for (String location : List.of("../outside.data", dir.resolve("model.onnx.data").toString())) {
            GraphBuilder bad = new GraphBuilder(18, 2, 5, 5);
            bad.tensor(external("w", location, 16, w.length * 4L));
            bad.node("Conv", "conv", List.of("x", "w"), "y");
            Files.write(file, bad.build("y").toByteArray());
            OnnxFormatException e = assertThrows(OnnxFormatException.class, () -> OnnxImporter.load(file));
            assertTrue(e.getMessage().contains("leads outside the model's folder"), e.getMessage());
        }
        OnnxFormatException e = assertThrows(OnnxFormatException.class,
                () -> OnnxImporter.fromBytes(proto.toByteArray()));
        assertTrue(e.getMessage().contains("only be read when the model is loaded from its file"), e.getMessage());
    }

    private static OnnxMl.TensorProto external(String name, String location, long offset, long length) {
        return OnnxMl.TensorProto.newBuilder().setName(name).setDataType(1).addAllDims(List.of(4L, 2L, 3L, 3L))
                .setDataLocation(OnnxMl.TensorProto.DataLocation.EXTERNAL)
                .addExternalData(entry("location", location)).addExternalData(entry("offset", String.valueOf(offset)))
                .addExternalData(entry("length", String.valueOf(length))).build();
    }

    private static OnnxMl.StringStringEntryProto entry(String key, String value) {
        return OnnxMl.StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }

    @Test
    void symbolicHeightAndWidthComeFromTheGivenInput(@TempDir Path dir) throws IOException {
        OnnxMl.ModelProto.Builder proto = new GraphBuilder(13, 3, 1, 1).node("Relu", "r", List.of("x"), "y")
                .build("y").toBuilder();
        OnnxMl.TensorShapeProto.Builder shape = proto.getGraphBuilder().getInputBuilder(0).getTypeBuilder()
                .getTensorTypeBuilder().getShapeBuilder();
        shape.getDimBuilder(2).clearDimValue().setDimParam("height");
        shape.getDimBuilder(3).clearDimValue().setDimParam("width");
        Path file = dir.resolve("fcn.onnx");
        Files.write(file, proto.build().toByteArray());
        OnnxFormatException e = assertThrows(OnnxFormatException.class, () -> OnnxImporter.load(file));
        assertTrue(e.getMessage().contains("has symbolic H (height), W (width); give an input"), e.getMessage());
        Model model = OnnxImporter.load(file, new int[] {2, 3, 7, 9});
        assertArrayEquals(new int[] {3, 7, 9}, model.inputShape());
        assertArrayEquals(new int[] {3, 7, 9}, OnnxImporter.load(file, new int[] {4, 7, 9}).inputShape(),
                "a fixed dimension stays; the caller compares its input with the model's");
    }

    @Test
    void softmaxAlongAnyAxisButTheBatch() throws OrtException {
        GraphBuilder channels = new GraphBuilder(13, 4, 3, 2); // a segmentation head: softmax over C per pixel
        channels.node("Softmax", "sm", List.of("x"), "y", integer("axis", 1));
        check(channels.build("y"), List.of("axissoftmax"));
        GraphBuilder last = new GraphBuilder(13, 4, 3, 2); // opset 13's default: the last axis
        last.node("Softmax", "sm", List.of("x"), "y");
        check(last.build("y"), List.of("axissoftmax"));
        GraphBuilder old = new GraphBuilder(11, 4, 3, 2); // before opset 13: axes 1.. taken together
        old.node("Softmax", "sm", List.of("x"), "y", integer("axis", 2));
        check(old.build("y"), List.of("axissoftmax"));
        GraphBuilder classifier = new GraphBuilder(11, 5, 1, 1);
        classifier.node("Softmax", "sm", List.of("x"), "y");
        check(classifier.build("y"), List.of("softmax"));
    }

    @Test
    void transposeOfComputedTensorsIsRefusedUnlessItIsTheIdentity() throws OrtException {
        GraphBuilder identity = new GraphBuilder(13, 2, 3, 3);
        identity.node("Transpose", "t", List.of("x"), "t1", ints("perm", 0, 1, 2, 3));
        identity.node("Relu", "r", List.of("t1"), "y");
        check(identity.build("y"), List.of("relu"));
        GraphBuilder nhwc = new GraphBuilder(13, 2, 3, 3);
        nhwc.node("Transpose", "t", List.of("x"), "y", ints("perm", 0, 2, 3, 1));
        OnnxFormatException e = assertThrows(OnnxFormatException.class,
                () -> OnnxImporter.fromBytes(nhwc.build("y").toByteArray()));
        assertTrue(e.getMessage().startsWith("node t: operator Transpose: only constants and the identity"),
                e.getMessage());
    }
}
