package dev.tessera.models.onnx;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.InvalidProtocolBufferException;

import dev.tessera.backend.ConvAlgorithm;
import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;
import dev.tessera.models.Layer;
import dev.tessera.models.Model;
import dev.tessera.models.Parameter;

/**
 * Reads an ONNX model made of the supported operators into an initialised {@link Model}.
 *
 * <p>Supported (default domain, opsets {@value OnnxFormat#MIN_IMPORT_OPSET}-{@value OnnxFormat#MAX_IMPORT_OPSET}):
 * Conv (2-D; {@code auto_pad} NOTSET, VALID, SAME_UPPER, SAME_LOWER), Relu, Tanh, MaxPool and AveragePool (no
 * {@code ceil_mode}, no pool dilation), GlobalAveragePool, LRN (odd size), Gemm ({@code transA=0}; {@code transB},
 * {@code alpha} and {@code beta} are folded into the weight and bias), MatMul with a constant [K, M] second input (an
 * fc; a following Add of a constant [M] becomes its bias), Add (two layers: the residual add; a layer and a constant
 * [C, 1, ..., 1]: a bias add), BatchNormalization (inference), Flatten (axis 1), Reshape to [N, -1] (a flatten),
 * Softmax (axis 1), Concat (axis 1, of computed tensors), Dropout and Identity (removed), Constant. Anything else,
 * and any attribute value outside this, is an {@link OnnxFormatException} naming the node and its operator.
 *
 * <p>Layers are named after the tensor they write. A Relu that is the only reader of a Conv, Gemm, MatMul (with its
 * bias) or two-input Add is fused into it (the fused layer takes the Relu's output name). Weights must be FLOAT
 * initializers (or Constant nodes); parameters get the names and initialisation kinds {@link dev.tessera.models}'s
 * builder gives them (weight, bias, gamma, beta, mean, var), and a mask from {@link OnnxExporter}'s metadata. Float
 * attributes are read as the shortest decimal of the float (an epsilon written as 1e-5 is 1e-5). LRN becomes the
 * alpha/size convention ({@link Operator.Lrn#alphaOverSize()}), ONNX's own. Layers the graph output does not depend on
 * are dropped.
 */
public final class OnnxImporter {
    private OnnxImporter() {
    }

    /** The model in {@code file}; named after the ONNX graph, or the file when the graph has no name. */
    public static Model load(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        String fallback = file.getFileName().toString().replaceFirst("(?i)\\.onnx$", "");
        return fromProto(parse(bytes, file.toString()), fallback);
    }

    /** The model in an ONNX stream (read to the end, not closed). */
    public static Model load(InputStream in) {
        try {
            return fromBytes(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the ONNX stream: " + e.getMessage(), e);
        }
    }

    /** The model in serialised ONNX bytes. */
    public static Model fromBytes(byte[] bytes) {
        return fromProto(parse(bytes, "the ONNX bytes"), "onnx-model");
    }

    /** The model of a parsed ONNX ModelProto; {@code fallbackName} when its graph has no name. */
    public static Model fromProto(OnnxMl.ModelProto proto, String fallbackName) {
        return new Reader(proto, fallbackName).model();
    }

    private static OnnxMl.ModelProto parse(byte[] bytes, String what) {
        try {
            OnnxMl.ModelProto proto = OnnxMl.ModelProto.parseFrom(bytes);
            if (!proto.hasGraph()) {
                throw new OnnxFormatException(what + " is not an ONNX model (no graph)");
            }
            return proto;
        } catch (InvalidProtocolBufferException e) {
            throw new OnnxFormatException(what + " is not an ONNX model: " + e.getMessage(), e);
        }
    }

    /** A constant tensor: an initializer or a Constant node's value, FLOAT or INT64. */
    private record Constant(int[] dims, float[] floats, long[] longs) {
        long size() {
            return Tensor.sizeOf(dims);
        }
    }

    /** The attributes of one node, checked against the names its operator understands. */
    private static final class Attributes {
        private final Map<String, OnnxMl.AttributeProto> byName = new HashMap<>();

        Attributes(OnnxMl.NodeProto node, String where, String... allowed) {
            Set<String> ok = Set.of(allowed);
            for (OnnxMl.AttributeProto a : node.getAttributeList()) {
                if (!ok.contains(a.getName())) {
                    throw new OnnxFormatException(where + ": attribute '" + a.getName() + "' is not supported"
                            + (allowed.length == 0 ? "" : " (supported: " + String.join(", ", allowed) + ")"));
                }
                byName.put(a.getName(), a);
            }
        }

        boolean has(String name) {
            return byName.containsKey(name);
        }

        long integer(String name, long fallback) {
            OnnxMl.AttributeProto a = byName.get(name);
            return a == null ? fallback : a.getI();
        }

        double real(String name, double fallback) {
            OnnxMl.AttributeProto a = byName.get(name);
            return a == null ? fallback : OnnxFormat.decimal(a.getF());
        }

        String string(String name, String fallback) {
            OnnxMl.AttributeProto a = byName.get(name);
            return a == null ? fallback : a.getS().toStringUtf8();
        }

        int[] ints(String name, int[] fallback) {
            OnnxMl.AttributeProto a = byName.get(name);
            return a == null ? fallback : a.getIntsList().stream().mapToInt(Long::intValue).toArray();
        }

        OnnxMl.AttributeProto get(String name) {
            return byName.get(name);
        }
    }

    private static final class Reader {
        private final OnnxMl.ModelProto proto;
        private final OnnxMl.GraphProto graph;
        private final String modelName;
        private final int opset;
        private final Map<String, Constant> constants = new HashMap<>();
        private final Map<String, Tensor> masks = new HashMap<>();
        /** Per tensor name, the indices of the nodes that read it. */
        private final Map<String, List<Integer>> readers = new HashMap<>();
        private final Set<String> graphOutputs = new HashSet<>();
        /** Tensor name to the layer (or {@link Model#INPUT}) that holds its value. */
        private final Map<String, String> layerOf = new HashMap<>();
        /** Layer name to its output shape for one image. */
        private final Map<String, int[]> shapes = new HashMap<>();
        private final Set<Integer> absorbed = new HashSet<>();
        private final List<Layer> layers = new ArrayList<>();
        /** Whether {@link OnnxExporter} wrote the file: then only the ReLUs and flattens it split off are merged. */
        private final boolean fromTessera;
        private long declaredBatch = -1;
        private int[] inputShape;

        Reader(OnnxMl.ModelProto proto, String fallbackName) {
            this.proto = proto;
            this.graph = proto.getGraph();
            this.modelName = graph.getName().isBlank() ? fallbackName : graph.getName();
            this.opset = defaultOpset();
            this.fromTessera = proto.getProducerName().equals(OnnxExporter.PRODUCER);
        }

        private int defaultOpset() {
            for (OnnxMl.OperatorSetIdProto set : proto.getOpsetImportList()) {
                if (set.getDomain().isEmpty() || set.getDomain().equals("ai.onnx")) {
                    long v = set.getVersion();
                    if (v < OnnxFormat.MIN_IMPORT_OPSET || v > OnnxFormat.MAX_IMPORT_OPSET) {
                        throw new OnnxFormatException(modelName() + ": opset " + v + " is not supported (supported: "
                                + OnnxFormat.MIN_IMPORT_OPSET + " to " + OnnxFormat.MAX_IMPORT_OPSET + ")");
                    }
                    return (int) v;
                }
            }
            throw new OnnxFormatException(modelName() + ": the model imports no default-domain (ai.onnx) opset");
        }

        private String modelName() {
            return modelName == null ? "ONNX model" : modelName;
        }

        Model model() {
            if (graph.getSparseInitializerCount() > 0) {
                throw new OnnxFormatException(modelName + ": sparse initializers are not supported");
            }
            for (OnnxMl.TensorProto t : graph.getInitializerList()) {
                constants.put(t.getName(), constant(t, "initializer " + t.getName()));
            }
            readMasks();
            readInput();
            if (graph.getOutputCount() != 1) {
                throw new OnnxFormatException(modelName + ": the graph has " + graph.getOutputCount()
                        + " outputs; only single-output models are supported");
            }
            graphOutputs.add(graph.getOutput(0).getName());
            for (int i = 0; i < graph.getNodeCount(); i++) {
                // checked for every node first: fusion looks at later nodes' outputs before reaching them
                if (graph.getNode(i).getOutputCount() == 0 || graph.getNode(i).getOutput(0).isEmpty()) {
                    throw new OnnxFormatException(where(graph.getNode(i), i) + ": has no output");
                }
                for (String in : graph.getNode(i).getInputList()) {
                    readers.computeIfAbsent(in, k -> new ArrayList<>()).add(i);
                }
            }
            for (int i = 0; i < graph.getNodeCount(); i++) {
                if (!absorbed.contains(i)) {
                    node(i);
                }
            }
            String output = graph.getOutput(0).getName();
            String last = layerOf.get(output);
            if (last == null || last.equals(Model.INPUT)) {
                throw new OnnxFormatException(modelName + ": the graph output " + output
                        + (last == null ? " is written by no node" : " is the graph input"));
            }
            return new Model(modelName, inputShape, reachable(last));
        }

        /** The layers {@code last} depends on, in order; the rest is dead code. */
        private List<Layer> reachable(String last) {
            Set<String> needed = new HashSet<>();
            needed.add(last);
            for (int i = layers.size() - 1; i >= 0; i--) {
                if (needed.contains(layers.get(i).name())) {
                    needed.addAll(layers.get(i).inputs());
                }
            }
            return layers.stream().filter(l -> needed.contains(l.name())).toList();
        }

        private void readMasks() {
            for (OnnxMl.StringStringEntryProto entry : proto.getMetadataPropsList()) {
                if (!entry.getKey().startsWith(OnnxFormat.MASK_KEY_PREFIX)) {
                    continue;
                }
                String init = entry.getKey().substring(OnnxFormat.MASK_KEY_PREFIX.length());
                Constant c = constants.get(init);
                String bits = entry.getValue();
                if (c == null || c.floats() == null || bits.length() != c.size() || !bits.matches("[01]*")) {
                    throw new OnnxFormatException(modelName + ": metadata " + entry.getKey()
                            + " does not describe a mask of a FLOAT initializer (one 0 or 1 per element)");
                }
                float[] m = new float[bits.length()];
                for (int k = 0; k < m.length; k++) {
                    m[k] = bits.charAt(k) == '1' ? 1f : 0f;
                    if (m[k] == 0f && c.floats()[k] != 0f) {
                        throw new OnnxFormatException(modelName + ": initializer " + init + " has a non-zero value at "
                                + k + ", where its mask (metadata " + entry.getKey() + ") says no connection");
                    }
                }
                masks.put(init, new Tensor(m, c.dims()));
            }
        }

        private void readInput() {
            List<OnnxMl.ValueInfoProto> inputs = graph.getInputList().stream()
                    .filter(v -> !constants.containsKey(v.getName())).toList();
            if (inputs.size() != 1) {
                throw new OnnxFormatException(modelName + ": the graph has " + inputs.size()
                        + " inputs besides its initializers; only one image input [N, C, H, W] is supported");
            }
            OnnxMl.ValueInfoProto input = inputs.get(0);
            OnnxMl.TypeProto.Tensor type = input.getType().getTensorType();
            List<OnnxMl.TensorShapeProto.Dimension> dims = type.getShape().getDimList();
            if (type.getElemType() != OnnxMl.TensorProto.DataType.FLOAT.getNumber() || dims.size() != 4
                    || dims.subList(1, 4).stream().anyMatch(d -> !d.hasDimValue() || d.getDimValue() < 1)) {
                throw new OnnxFormatException(modelName + ": input " + input.getName()
                        + " must be a FLOAT tensor [N, C, H, W] with fixed C, H and W");
            }
            if (dims.get(0).hasDimValue() && dims.get(0).getDimValue() > 0) {
                declaredBatch = dims.get(0).getDimValue();
            }
            inputShape = new int[] {(int) dims.get(1).getDimValue(), (int) dims.get(2).getDimValue(),
                    (int) dims.get(3).getDimValue()};
            layerOf.put(input.getName(), Model.INPUT);
            shapes.put(Model.INPUT, new int[] {1, inputShape[0], inputShape[1], inputShape[2]});
        }

        private static Constant constant(OnnxMl.TensorProto t, String what) {
            if (t.getDataLocation() == OnnxMl.TensorProto.DataLocation.EXTERNAL) {
                throw new OnnxFormatException(what + ": external data is not supported; save the model with its"
                        + " weights inside the file");
            }
            long values = 1;
            for (long d : t.getDimsList()) {
                values *= d; // checked below; when this overflows, d itself is out of range
                if (d < 0 || d > Integer.MAX_VALUE || values > Integer.MAX_VALUE) {
                    throw new OnnxFormatException(what + ": shape " + t.getDimsList() + " is out of range");
                }
            }
            int[] dims = t.getDimsList().stream().mapToInt(Long::intValue).toArray();
            long n = Tensor.sizeOf(dims);
            ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            // the values present are counted before anything is allocated: a shape is only as large as its data
            if (t.getDataType() == OnnxMl.TensorProto.DataType.FLOAT.getNumber()) {
                boolean isRaw = !t.getRawData().isEmpty();
                requireCount(what, isRaw ? raw.remaining() / Float.BYTES : t.getFloatDataCount(), n);
                float[] v = new float[(int) n];
                if (isRaw) {
                    raw.asFloatBuffer().get(v);
                } else {
                    for (int k = 0; k < n; k++) {
                        v[k] = t.getFloatData(k);
                    }
                }
                return new Constant(dims, v, null);
            }
            if (t.getDataType() == OnnxMl.TensorProto.DataType.INT64.getNumber()) {
                boolean isRaw = !t.getRawData().isEmpty();
                requireCount(what, isRaw ? raw.remaining() / Long.BYTES : t.getInt64DataCount(), n);
                long[] v = new long[(int) n];
                if (isRaw) {
                    raw.asLongBuffer().get(v);
                } else {
                    for (int k = 0; k < n; k++) {
                        v[k] = t.getInt64Data(k);
                    }
                }
                return new Constant(dims, null, v);
            }
            throw new OnnxFormatException(what + ": data type "
                    + OnnxMl.TensorProto.DataType.forNumber(t.getDataType()) + " is not supported (FLOAT or INT64)");
        }

        private static void requireCount(String what, long have, long want) {
            if (have != want) {
                throw new OnnxFormatException(what + ": holds " + have + " values, its shape needs " + want);
            }
        }

        // ---- nodes ----

        private static String where(OnnxMl.NodeProto node, int index) {
            String name = node.getName().isEmpty() ? "#" + index + " (writing " + String.join(", ",
                    node.getOutputList()) + ")" : node.getName();
            return "node " + name + ": operator " + node.getOpType();
        }

        private void node(int index) {
            OnnxMl.NodeProto node = graph.getNode(index);
            String where = where(node, index);
            if (!node.getDomain().isEmpty() && !node.getDomain().equals("ai.onnx")) {
                throw new OnnxFormatException(where + ": domain " + node.getDomain()
                        + " is not supported (only the default ONNX domain)");
            }
            switch (node.getOpType()) {
                case "Conv" -> conv(node, index, where);
                case "MaxPool", "AveragePool" -> pool(node, index, where);
                case "GlobalAveragePool" -> {
                    new Attributes(node, where);
                    unary(node, index, where, new Operator.GlobalAvgPool());
                }
                case "LRN" -> lrn(node, index, where);
                case "Relu" -> {
                    new Attributes(node, where);
                    unary(node, index, where, new Operator.Relu());
                }
                case "Tanh" -> {
                    new Attributes(node, where);
                    unary(node, index, where, new Operator.Tanh());
                }
                case "Gemm" -> gemm(node, index, where);
                case "MatMul" -> matMul(node, index, where);
                case "Add" -> add(node, index, where);
                case "BatchNormalization" -> batchNorm(node, index, where);
                case "Flatten" -> flatten(node, index, where);
                case "Reshape" -> reshape(node, index, where);
                case "Softmax" -> softmax(node, index, where);
                case "Dropout" -> dropout(node, where);
                case "Identity" -> {
                    new Attributes(node, where);
                    alias(node, where);
                }
                case "Constant" -> constantNode(node, where);
                case "Concat" -> concat(node, where);
                default -> throw new OnnxFormatException(where + ": not supported (supported: Conv, Relu, Tanh,"
                        + " MaxPool, AveragePool, GlobalAveragePool, LRN, Gemm, MatMul, Add, BatchNormalization,"
                        + " Flatten, Reshape, Softmax, Concat, Dropout, Identity, Constant)");
            }
        }

        private void conv(OnnxMl.NodeProto node, int index, String where) {
            Attributes a = new Attributes(node, where, "auto_pad", "dilations", "group", "kernel_shape", "pads",
                    "strides");
            requireInputs(node, where, 2, 3);
            String x = layerInput(node, 0, where);
            Constant w = floatConstant(node, 1, where, "weight");
            if (w.dims().length != 4) {
                throw new OnnxFormatException(where + ": only 2-D convolutions are supported (weight "
                        + Tensor.shapeString(w.dims()) + ")");
            }
            int[] kernel = {w.dims()[2], w.dims()[3]};
            if (a.has("kernel_shape") && !Arrays.equals(a.ints("kernel_shape", null), kernel)) {
                throw new OnnxFormatException(where + ": kernel_shape " + Arrays.toString(a.ints("kernel_shape",
                        null)) + " does not match the weight " + Tensor.shapeString(w.dims()));
            }
            int[] strides = pair(a, "strides", where);
            int[] dilations = pair(a, "dilations", where);
            int[] pads = pads(a, where, x, kernel, strides, dilations);
            Operator.Conv2d op = new Operator.Conv2d(strides[0], strides[1], pads[0], pads[2], pads[1], pads[3],
                    dilations[0], dilations[1], (int) a.integer("group", 1), false, ConvAlgorithm.AUTO);
            List<Parameter> ps = new ArrayList<>();
            ps.add(parameter("weight", node.getInput(1), Parameter.Init.HE_NORMAL, true));
            if (hasInput(node, 2)) {
                floatConstant(node, 2, where, "bias");
                ps.add(parameter("bias", node.getInput(2), Parameter.Init.ZEROS, true));
            }
            String out = fuseRelu(index, node.getOutput(0));
            addLayer(where, out, out.equals(node.getOutput(0)) ? op : op.withRelu(true), List.of(x), ps);
        }

        private void pool(OnnxMl.NodeProto node, int index, String where) {
            boolean max = node.getOpType().equals("MaxPool");
            Attributes a = max
                    ? new Attributes(node, where, "auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads",
                            "storage_order", "strides")
                    : new Attributes(node, where, "auto_pad", "ceil_mode", "count_include_pad", "kernel_shape",
                            "pads", "strides");
            requireInputs(node, where, 1, 1);
            if (node.getOutputCount() > 1 && isRead(node.getOutput(1))) {
                throw new OnnxFormatException(where + ": the Indices output is not supported");
            }
            if (a.integer("ceil_mode", 0) != 0) {
                throw new OnnxFormatException(where + ": ceil_mode=1 is not supported (only floor)");
            }
            int[] dilations = pair(a, "dilations", where);
            if (dilations[0] != 1 || dilations[1] != 1) {
                throw new OnnxFormatException(where + ": dilations " + Arrays.toString(dilations)
                        + " are not supported (only 1)");
            }
            int[] kernel = a.ints("kernel_shape", null);
            if (kernel == null || kernel.length != 2) {
                throw new OnnxFormatException(where + ": kernel_shape must have two entries (2-D pooling), got "
                        + (kernel == null ? "none" : Arrays.toString(kernel)));
            }
            String x = layerInput(node, 0, where);
            int[] strides = pair(a, "strides", where);
            int[] pads = pads(a, where, x, kernel, strides, dilations);
            Operator.Pool op = new Operator.Pool(max ? Operator.Pool.Kind.MAX : Operator.Pool.Kind.AVG, kernel[0],
                    kernel[1], strides[0], strides[1], pads[0], pads[2], pads[1], pads[3],
                    a.integer("count_include_pad", 0) != 0);
            addLayer(where, node.getOutput(0), op, List.of(x), List.of());
        }

        private void lrn(OnnxMl.NodeProto node, int index, String where) {
            Attributes a = new Attributes(node, where, "alpha", "beta", "bias", "size");
            if (!a.has("size")) {
                throw new OnnxFormatException(where + ": the size attribute is required");
            }
            int size = (int) a.integer("size", 0);
            if (size % 2 == 0) {
                throw new OnnxFormatException(where + ": even size " + size + " is not supported (ONNX's window is"
                        + " then asymmetric; Tessera's LRN is centred)");
            }
            unary(node, index, where, new Operator.Lrn(size, a.real("alpha", 1e-4), a.real("beta", 0.75),
                    a.real("bias", 1.0), true));
        }

        private void gemm(OnnxMl.NodeProto node, int index, String where) {
            Attributes a = new Attributes(node, where, "alpha", "beta", "transA", "transB");
            requireInputs(node, where, 2, 3);
            if (a.integer("transA", 0) != 0) {
                throw new OnnxFormatException(where + ": transA=1 is not supported (the input must be [N, K])");
            }
            String x = layerInput(node, 0, where);
            Constant b = floatConstant(node, 1, where, "B");
            if (b.dims().length != 2) {
                throw new OnnxFormatException(where + ": B must be 2-D, got " + Tensor.shapeString(b.dims()));
            }
            boolean transB = a.integer("transB", 0) != 0;
            float alpha = (float) a.real("alpha", 1.0);
            float beta = (float) a.real("beta", 1.0);
            int outFeatures = transB ? b.dims()[0] : b.dims()[1];
            List<Parameter> ps = new ArrayList<>();
            if (transB && alpha == 1f) {
                ps.add(parameter("weight", node.getInput(1), Parameter.Init.HE_NORMAL, true));
            } else {
                Tensor weight = transB ? new Tensor(b.floats().clone(), b.dims()) : transpose(b);
                scale(weight.data(), alpha);
                ps.add(computed("weight", weight, Parameter.Init.HE_NORMAL));
            }
            if (hasInput(node, 2) && beta != 0f) {
                float[] bias = broadcastBias(floatConstant(node, 2, where, "C"), outFeatures, where);
                scale(bias, beta);
                ps.add(computed("bias", new Tensor(bias, outFeatures), Parameter.Init.ZEROS));
            }
            String out = fuseRelu(index, node.getOutput(0));
            addLayer(where, out, new Operator.FullyConnected(!out.equals(node.getOutput(0))), List.of(x), ps);
        }

        private void matMul(OnnxMl.NodeProto node, int index, String where) {
            new Attributes(node, where);
            requireInputs(node, where, 2, 2);
            String x = layerInput(node, 0, where);
            Constant b = floatConstant(node, 1, where, "B");
            if (shapes.get(x).length != 2 || b.dims().length != 2) {
                throw new OnnxFormatException(where + ": only [N, K] x [K, M] with a constant second input is"
                        + " supported (an fc layer), got " + Tensor.shapeString(shapes.get(x)) + " x "
                        + Tensor.shapeString(b.dims()));
            }
            List<Parameter> ps = new ArrayList<>();
            ps.add(computed("weight", transpose(b), Parameter.Init.HE_NORMAL));
            String out = node.getOutput(0);
            Integer biasAdd = soleReader(out, "Add");
            if (biasAdd != null) {
                OnnxMl.NodeProto add = graph.getNode(biasAdd);
                int other = add.getInput(0).equals(out) ? 1 : 0;
                Constant c = add.getInputCount() == 2 ? constants.get(add.getInput(other)) : null;
                if (c != null && c.floats() != null && add.getInputCount() == 2 && add.getAttributeCount() == 0
                        && (c.dims().length == 1 || c.dims().length == 2 && c.dims()[0] == 1)
                        && c.size() == b.dims()[1]) {
                    absorbed.add(biasAdd);
                    ps.add(computed("bias", new Tensor(c.floats().clone(), b.dims()[1]), Parameter.Init.ZEROS));
                    out = add.getOutput(0);
                    index = biasAdd;
                }
            }
            String fused = fuseRelu(index, out);
            addLayer(where, fused, new Operator.FullyConnected(!fused.equals(out)), List.of(x), ps);
        }

        private void add(OnnxMl.NodeProto node, int index, String where) {
            new Attributes(node, where);
            requireInputs(node, where, 2, 2);
            Constant c0 = constants.get(node.getInput(0));
            Constant c1 = constants.get(node.getInput(1));
            if (c0 != null && c1 != null) {
                throw new OnnxFormatException(where + ": adding two constants is not supported");
            }
            if (c0 == null && c1 == null) {
                String a = layerInput(node, 0, where);
                String b = layerInput(node, 1, where);
                String out = fuseRelu(index, node.getOutput(0));
                addLayer(where, out, new Operator.Add(!out.equals(node.getOutput(0))), List.of(a, b), List.of());
                return;
            }
            int constantAt = c0 != null ? 0 : 1;
            String x = layerInput(node, 1 - constantAt, where);
            Constant c = floatConstant(node, constantAt, where, "bias");
            int[] xs = shapes.get(x);
            int[] cs = c.dims();
            int lead = 0;
            while (cs.length - lead > xs.length - 1 && lead < cs.length && cs[lead] == 1) {
                lead++;
            }
            int[] rest = Arrays.copyOfRange(cs, lead, cs.length);
            boolean perChannel = xs.length >= 2 && rest.length == xs.length - 1 && rest[0] == xs[1]
                    && Arrays.stream(rest, 1, rest.length).allMatch(d -> d == 1);
            if (!perChannel) {
                throw new OnnxFormatException(where + ": adding a constant " + Tensor.shapeString(cs) + " to "
                        + Tensor.shapeString(xs) + " is not supported (only one value per channel, [C, 1, ..., 1])");
            }
            addLayer(where, node.getOutput(0), new Operator.BiasAdd(), List.of(x),
                    List.of(computed("bias", new Tensor(c.floats().clone(), xs[1]), Parameter.Init.ZEROS)));
        }

        private void batchNorm(OnnxMl.NodeProto node, int index, String where) {
            Attributes a = new Attributes(node, where, "epsilon", "momentum", "spatial", "training_mode");
            requireInputs(node, where, 5, 5);
            if (a.integer("spatial", 1) != 1 || a.integer("training_mode", 0) != 0) {
                throw new OnnxFormatException(where + ": only inference (training_mode=0, spatial=1) is supported");
            }
            for (int k = 1; k < node.getOutputCount(); k++) {
                if (isRead(node.getOutput(k))) {
                    throw new OnnxFormatException(where + ": the running-statistics outputs are not supported");
                }
            }
            String x = layerInput(node, 0, where);
            String[] names = {"gamma", "beta", "mean", "var"};
            Parameter.Init[] inits = {Parameter.Init.ONES, Parameter.Init.ZEROS, Parameter.Init.ZEROS,
                    Parameter.Init.ONES};
            List<Parameter> ps = new ArrayList<>();
            for (int k = 0; k < 4; k++) {
                floatConstant(node, k + 1, where, names[k]);
                ps.add(parameter(names[k], node.getInput(k + 1), inits[k], k < 2));
            }
            addLayer(where, node.getOutput(0), new Operator.BatchNorm(a.real("epsilon", 1e-5)), List.of(x), ps);
        }

        private void flatten(OnnxMl.NodeProto node, int index, String where) {
            Attributes a = new Attributes(node, where, "axis");
            if (a.integer("axis", 1) != 1) {
                throw new OnnxFormatException(where + ": axis " + a.integer("axis", 1)
                        + " is not supported (only 1, which keeps the batch)");
            }
            Integer gemm = soleReader(node.getOutput(0), "Gemm");
            if (fromTessera && gemm != null && node.getName().equals(graph.getNode(gemm).getName() + ".flatten")) {
                alias(node, where); // the exporter's flatten before an fc on a 4-D input: the fc flattens itself
                return;
            }
            unary(node, index, where, new Operator.Flatten());
        }

        private void reshape(OnnxMl.NodeProto node, int index, String where) {
            Attributes a = new Attributes(node, where, "allowzero");
            requireInputs(node, where, 2, 2);
            String x = layerInput(node, 0, where);
            Constant shape = constants.get(node.getInput(1));
            if (shape == null || shape.longs() == null) {
                throw new OnnxFormatException(where + ": the shape must be a constant INT64 tensor");
            }
            long[] s = shape.longs();
            long features = Tensor.sizeOf(shapes.get(x)) / shapes.get(x)[0];
            boolean secondOk = s.length == 2 && (s[1] == -1 || s[1] == features);
            boolean firstOk = s.length == 2 && (s[0] == 0 && a.integer("allowzero", 0) == 0
                    || s[0] == -1 && s[1] == features || declaredBatch > 0 && s[0] == declaredBatch);
            if (!secondOk || !firstOk) {
                throw new OnnxFormatException(where + ": only a reshape to [N, -1] (a flatten) is supported, got "
                        + Arrays.toString(s) + " for " + Tensor.shapeString(shapes.get(x)));
            }
            addLayer(where, node.getOutput(0), new Operator.Flatten(), List.of(x), List.of());
        }

        private void softmax(OnnxMl.NodeProto node, int index, String where) {
            Attributes a = new Attributes(node, where, "axis");
            requireInputs(node, where, 1, 1);
            String x = layerInput(node, 0, where);
            int rank = shapes.get(x).length;
            long axis = a.integer("axis", opset >= 13 ? -1 : 1);
            long normalised = axis < 0 ? axis + rank : axis;
            if (normalised != 1) {
                throw new OnnxFormatException(where + ": axis " + axis + " of a rank-" + rank
                        + " input is not supported (only the channel axis, 1)");
            }
            addLayer(where, node.getOutput(0), new Operator.Softmax(), List.of(x), List.of());
        }

        private void concat(OnnxMl.NodeProto node, String where) {
            Attributes a = new Attributes(node, where, "axis");
            if (!a.has("axis")) {
                throw new OnnxFormatException(where + ": the axis attribute is required");
            }
            List<String> inputs = new ArrayList<>();
            for (int k = 0; k < node.getInputCount(); k++) {
                inputs.add(layerInput(node, k, where));
            }
            int rank = shapes.get(inputs.get(0)).length;
            long axis = a.integer("axis", 1);
            if ((axis < 0 ? axis + rank : axis) != 1) {
                throw new OnnxFormatException(where + ": axis " + axis + " of rank-" + rank
                        + " inputs is not supported (only the channel axis, 1)");
            }
            addLayer(where, node.getOutput(0), new Operator.Concat(), inputs, List.of());
        }

        private void dropout(OnnxMl.NodeProto node, String where) {
            new Attributes(node, where, "ratio", "seed", "is_test");
            if (node.getOutputCount() > 1 && isRead(node.getOutput(1))) {
                throw new OnnxFormatException(where + ": the mask output is not supported");
            }
            if (hasInput(node, 2)) {
                Constant training = constants.get(node.getInput(2));
                boolean constantFalse = training != null && training.size() == 1
                        && (training.longs() != null ? training.longs()[0] == 0 : training.floats()[0] == 0f);
                if (!constantFalse) {
                    throw new OnnxFormatException(where + ": training_mode must be a constant false");
                }
            }
            alias(node, where);
        }

        private void alias(OnnxMl.NodeProto node, String where) {
            String x = layerInput(node, 0, where);
            layerOf.put(node.getOutput(0), x);
        }

        private void constantNode(OnnxMl.NodeProto node, String where) {
            Attributes a = new Attributes(node, where, "value");
            if (!a.has("value")) {
                throw new OnnxFormatException(where + ": only the 'value' (tensor) form is supported");
            }
            constants.put(node.getOutput(0), constant(a.get("value").getT(), where));
        }

        // ---- helpers ----

        private void unary(OnnxMl.NodeProto node, int index, String where, Operator op) {
            requireInputs(node, where, 1, 1);
            addLayer(where, node.getOutput(0), op, List.of(layerInput(node, 0, where)), List.of());
        }

        /** Adds a layer writing tensor {@code output}, checking its shapes. */
        private void addLayer(String where, String output, Operator op, List<String> inputs, List<Parameter> ps) {
            String name = layerName(output);
            List<int[]> in = new ArrayList<>();
            inputs.forEach(i -> in.add(shapes.get(i)));
            ps.forEach(p -> in.add(p.shape()));
            try {
                shapes.put(name, op.outputShape(in));
            } catch (IllegalArgumentException e) {
                throw new OnnxFormatException(where + ": " + e.getMessage(), e);
            }
            layers.add(new Layer(name, op, inputs, ps));
            layerOf.put(output, name);
        }

        /** A layer name for tensor {@code output}: the tensor's name, unless a layer or the input already has it. */
        private String layerName(String output) {
            String name = output;
            for (int k = 1; shapes.containsKey(name) || name.equals(Model.INPUT); k++) {
                name = output + "_" + k;
            }
            return name;
        }

        /**
         * The tensor that holds {@code output} after a Relu, when a Relu is the only reader of {@code output} written
         * by node {@code index} (the Relu is then absorbed); otherwise {@code output}. In a file Tessera wrote, only
         * the Relu the exporter split off a fused layer is absorbed: the one whose output has the name of node
         * {@code index}, so that separate ReLU layers stay separate.
         */
        private String fuseRelu(int index, String output) {
            Integer relu = soleReader(output, "Relu");
            if (relu == null || graph.getNode(relu).getAttributeCount() > 0 || relu < index) {
                return output;
            }
            if (fromTessera && !graph.getNode(relu).getOutput(0).equals(graph.getNode(index).getName())) {
                return output;
            }
            absorbed.add(relu);
            return graph.getNode(relu).getOutput(0);
        }

        /** The index of the one node reading {@code tensor} if it has type {@code opType}, it is not a graph output. */
        private Integer soleReader(String tensor, String opType) {
            List<Integer> r = readers.getOrDefault(tensor, List.of());
            if (r.size() != 1 || graphOutputs.contains(tensor)) {
                return null;
            }
            OnnxMl.NodeProto reader = graph.getNode(r.get(0));
            boolean defaultDomain = reader.getDomain().isEmpty() || reader.getDomain().equals("ai.onnx");
            return defaultDomain && reader.getOpType().equals(opType) ? r.get(0) : null;
        }

        private boolean isRead(String tensor) {
            return !tensor.isEmpty() && (readers.containsKey(tensor) || graphOutputs.contains(tensor));
        }

        private static boolean hasInput(OnnxMl.NodeProto node, int k) {
            return node.getInputCount() > k && !node.getInput(k).isEmpty();
        }

        private static void requireInputs(OnnxMl.NodeProto node, String where, int min, int max) {
            int n = node.getInputCount();
            while (n > 0 && node.getInput(n - 1).isEmpty()) {
                n--;
            }
            if (n < min || n > max) {
                throw new OnnxFormatException(where + ": has " + n + " inputs, expected "
                        + (min == max ? String.valueOf(min) : min + " to " + max));
            }
        }

        /** The layer holding input {@code k}; an error when it is a constant or written by no earlier node. */
        private String layerInput(OnnxMl.NodeProto node, int k, String where) {
            String tensor = node.getInput(k);
            String layer = layerOf.get(tensor);
            if (layer != null) {
                return layer;
            }
            if (constants.containsKey(tensor)) {
                throw new OnnxFormatException(where + ": input " + k + " (" + tensor + ") is a constant; only a"
                        + " computed tensor is supported there");
            }
            throw new OnnxFormatException(where + ": reads " + tensor + ", which no earlier node writes (nodes must"
                    + " be in topological order)");
        }

        /** Input {@code k} as a FLOAT constant; an error naming {@code role} otherwise. */
        private Constant floatConstant(OnnxMl.NodeProto node, int k, String where, String role) {
            Constant c = constants.get(node.getInput(k));
            if (c == null || c.floats() == null) {
                throw new OnnxFormatException(where + ": the " + role + " (" + node.getInput(k)
                        + ") must be a FLOAT initializer or Constant; computed weights are not supported");
            }
            return c;
        }

        /** A parameter holding constant {@code tensor}'s values (and its mask, if the file carries one). */
        private Parameter parameter(String name, String tensor, Parameter.Init init, boolean trainable) {
            Constant c = constants.get(tensor);
            return new Parameter(name, c.dims(), init, trainable, masks.get(tensor),
                    new Tensor(c.floats().clone(), c.dims()));
        }

        /** A trainable parameter holding {@code value}, derived from a constant. */
        private static Parameter computed(String name, Tensor value, Parameter.Init init) {
            return new Parameter(name, value.shape(), init, true, null, value);
        }

        /** A two-entry attribute (strides, dilations), 1 when absent. */
        private static int[] pair(Attributes a, String name, String where) {
            int[] v = a.ints(name, new int[] {1, 1});
            if (v.length != 2) {
                throw new OnnxFormatException(where + ": " + name + " must have two entries (2-D), got "
                        + Arrays.toString(v));
            }
            return v;
        }

        /** Pads as [top, left, bottom, right], from {@code pads} or {@code auto_pad}. */
        private int[] pads(Attributes a, String where, String x, int[] kernel, int[] strides, int[] dilations) {
            String auto = a.string("auto_pad", "NOTSET");
            int[] pads = a.ints("pads", new int[4]);
            if (pads.length != 4) {
                throw new OnnxFormatException(where + ": pads must have four entries (2-D), got "
                        + Arrays.toString(pads));
            }
            switch (auto) {
                case "NOTSET":
                    return pads;
                case "VALID":
                    return new int[4];
                case "SAME_UPPER":
                case "SAME_LOWER":
                    int[] s = shapes.get(x);
                    int[] result = new int[4];
                    for (int axis = 0; axis < 2; axis++) {
                        int in = s[2 + axis];
                        int span = dilations[axis] * (kernel[axis] - 1) + 1;
                        int out = (in + strides[axis] - 1) / strides[axis];
                        int total = Math.max(0, (out - 1) * strides[axis] + span - in);
                        int small = total / 2;
                        result[axis] = auto.equals("SAME_UPPER") ? small : total - small;
                        result[axis + 2] = total - result[axis];
                    }
                    return result;
                default:
                    throw new OnnxFormatException(where + ": auto_pad " + auto + " is not supported");
            }
        }

        private static Tensor transpose(Constant b) {
            int rows = b.dims()[0];
            int cols = b.dims()[1];
            float[] t = new float[rows * cols];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    t[c * rows + r] = b.floats()[r * cols + c];
                }
            }
            return new Tensor(t, cols, rows);
        }

        private static void scale(float[] values, float factor) {
            for (int k = 0; k < values.length; k++) {
                values[k] *= factor;
            }
        }

        /** Gemm's C as one value per output: [M], [1, M], or a single value repeated. */
        private static float[] broadcastBias(Constant c, int outFeatures, String where) {
            float[] bias = new float[outFeatures];
            if (c.size() == 1) {
                Arrays.fill(bias, c.floats()[0]);
                return bias;
            }
            int[] d = c.dims();
            boolean row = d.length == 1 && d[0] == outFeatures || d.length == 2 && d[0] == 1 && d[1] == outFeatures;
            if (!row) {
                throw new OnnxFormatException(where + ": C " + Tensor.shapeString(d) + " is not supported (only ["
                        + outFeatures + "], [1, " + outFeatures + "] or one value)");
            }
            System.arraycopy(c.floats(), 0, bias, 0, outFeatures);
            return bias;
        }
    }
}
