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

import dev.tessera.backend.Operator;
import dev.tessera.backend.CheckedSizes;
import dev.tessera.backend.Tensor;
import dev.tessera.models.Layer;
import dev.tessera.models.Model;
import dev.tessera.models.Parameter;

/**
 * Reads an ONNX model made of the supported operators into an initialised {@link Model}.
 *
 * <p>Supported (default domain, opsets {@value OnnxFormat#MIN_IMPORT_OPSET}-{@value OnnxFormat#MAX_IMPORT_OPSET}):
 * Conv (2-D; {@code auto_pad} NOTSET, VALID, SAME_UPPER, SAME_LOWER), Relu, Tanh, Sigmoid, LeakyRelu, Clip,
 * HardSigmoid, HardSwish (also as HardSigmoid(1/6, 1/2) times its input), MaxPool and AveragePool ({@code ceil_mode}
 * as extra trailing padding, no pool dilation), GlobalAveragePool, ReduceMean over H and W, LRN (odd size), Gemm
 * ({@code transA=0}; {@code transB}, {@code alpha} and {@code beta} are folded into the weight and bias), MatMul with
 * a constant [K, M] second input (an fc; a following Add of a constant [M] becomes its bias), Add (two layers: the
 * residual add; a layer and a constant [C, 1, ..., 1]: a bias add), BatchNormalization (inference), Flatten (axis 1),
 * Reshape to a flatten, Softmax (any axis but the batch), Concat (axis 1, of computed tensors), Pad (H and W;
 * constant, reflect, edge), Dropout, Identity and the identity Transpose (removed), Constant in every value form, and
 * the shape arithmetic {@link ShapeFolding} computes on constants and known shapes. Weights may be external data
 * beside the file ({@link ExternalData}); symbolic input dimensions come from a given input shape. Anything else, and
 * any attribute value outside this, is an {@link OnnxFormatException} naming the node and its operator; the full
 * list with every refusal is the project's docs/ONNX.md.
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
        return load(file, null);
    }

    /**
     * The model in {@code file}, its symbolic input dimensions (C, H or W given as a name, not a number) taken from
     * {@code inputShape} ([C, H, W], or [N, C, H, W] whose N is ignored; null when the file fixes them; dimensions the
     * file fixes are kept, so a caller checks its input against {@link Model#inputShape()}). Weights kept
     * as external data are read from files in {@code file}'s folder (or below it), as the ONNX spec places them.
     */
    public static Model load(Path file, int[] inputShape) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        String fallback = file.getFileName().toString().replaceFirst("(?i)\\.onnx$", "");
        Path folder = file.toAbsolutePath().getParent();
        return new Reader(parse(bytes, file.toString()), fallback, folder, inputShape).model();
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
        return new Reader(proto, fallbackName, null, null).model();
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
    record Constant(int[] dims, float[] floats, long[] longs) {
        long size() {
            return Tensor.sizeOf(dims);
        }
    }

    /** The attributes of one node, checked against the names its operator understands. */
    static final class Attributes {
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

    /** The operators the importer reads, for the refusal of any other. */
    static final String SUPPORTED = "Conv, Relu, Tanh, Sigmoid, LeakyRelu, Clip, HardSigmoid, HardSwish, MaxPool,"
            + " AveragePool, GlobalAveragePool, ReduceMean, LRN, Gemm, MatMul, Add, BatchNormalization, Flatten,"
            + " Reshape, Softmax (any axis but the batch), Concat, Pad, Dropout, Identity, Constant, Transpose (on constants, or the identity"
            + " permutation), and on constants or known shapes: Shape, Gather, Unsqueeze, Squeeze, Cast, Concat, Slice,"
            + " ConstantOfShape";

    static final class Reader {
        private final OnnxMl.ModelProto proto;
        private final OnnxMl.GraphProto graph;
        private final String modelName;
        final int opset;
        final Map<String, Constant> constants = new HashMap<>();
        private final Map<String, Tensor> masks = new HashMap<>();
        /** Per tensor name, the indices of the nodes that read it. */
        private final Map<String, List<Integer>> readers = new HashMap<>();
        private final Set<String> graphOutputs = new HashSet<>();
        /** Tensor name to the layer (or {@link Model#INPUT}) that holds its value. */
        final Map<String, String> layerOf = new HashMap<>();
        /** Layer name to its output shape for one image. */
        final Map<String, int[]> shapes = new HashMap<>();
        private final Set<Integer> absorbed = new HashSet<>();
        private final List<Layer> layers = new ArrayList<>();
        /** Whether {@link OnnxExporter} wrote the file: then only the ReLUs and flattens it split off are merged. */
        private final boolean fromTessera;
        private long declaredBatch = -1;
        private int[] inputShape;
        /** The model file's folder, where external data lives; null when the model came as bytes. */
        private final Path folder;
        /** The input shape the caller gives for symbolic dimensions ([C, H, W]); null when none. */
        private final int[] givenInput;

        Reader(OnnxMl.ModelProto proto, String fallbackName, Path folder, int[] givenInput) {
            this.folder = folder;
            this.givenInput = givenInput == null ? null : givenInput.length == 4
                    ? Arrays.copyOfRange(givenInput, 1, 4) : givenInput.clone();
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
            if (type.getElemType() != OnnxMl.TensorProto.DataType.FLOAT.getNumber() || dims.size() != 4) {
                throw new OnnxFormatException(modelName + ": input " + input.getName()
                        + " must be a FLOAT tensor [N, C, H, W]");
            }
            if (givenInput != null && givenInput.length != 3) {
                throw new IllegalArgumentException("the input shape for " + modelName + " must be [C, H, W] or"
                        + " [N, C, H, W], got " + Arrays.toString(givenInput));
            }
            for (int axis = 0; axis < 4; axis++) { // before the symbolic check: a 0 is a wrong size, not a name
                if (dims.get(axis).hasDimValue() && dims.get(axis).getDimValue() < (axis == 0 ? 0 : 1)) {
                    throw new OnnxFormatException(modelName + ": input " + input.getName() + " has dimension "
                            + "NCHW".charAt(axis) + " = " + dims.get(axis).getDimValue() + "; dimensions must be "
                            + "positive");
                }
            }
            try { // in long, before any narrowing; a symbolic dimension counts as 1 here
                CheckedSizes.tensorElements(modelName + ": input " + input.getName() + " [C, H, W]",
                        Math.max(1, dims.get(1).getDimValue()), Math.max(1, dims.get(2).getDimValue()),
                        Math.max(1, dims.get(3).getDimValue()));
            } catch (IllegalArgumentException e) {
                throw new OnnxFormatException(e.getMessage());
            }
            inputShape = new int[3];
            List<String> symbolic = new ArrayList<>();
            String[] axisNames = {"C", "H", "W"};
            for (int d = 0; d < 3; d++) {
                OnnxMl.TensorShapeProto.Dimension dim = dims.get(d + 1);
                if (dim.hasDimValue() && dim.getDimValue() > 0) {
                    inputShape[d] = Math.toIntExact(dim.getDimValue()); // a given input that differs: the caller's check
                } else if (givenInput != null) {
                    inputShape[d] = givenInput[d];
                } else {
                    symbolic.add(axisNames[d] + (dim.hasDimParam() ? " (" + dim.getDimParam() + ")" : ""));
                }
            }
            if (!symbolic.isEmpty()) {
                throw new OnnxFormatException(modelName + ": input " + input.getName() + " has symbolic "
                        + String.join(", ", symbolic) + "; give an input to fix them (tessera run --input x.npy)");
            }
            if (dims.get(0).hasDimValue() && dims.get(0).getDimValue() > 0) {
                declaredBatch = dims.get(0).getDimValue();
            }
            layerOf.put(input.getName(), Model.INPUT);
            shapes.put(Model.INPUT, new int[] {1, inputShape[0], inputShape[1], inputShape[2]});
        }

        Constant constant(OnnxMl.TensorProto t, String what) {
            long n;
            try { // checked before any narrowing: a dimension of 2^32 + 1 must not become 1
                n = CheckedSizes.tensorElements(what + " dims", t.getDimsList().stream().mapToLong(Long::longValue)
                        .toArray());
            } catch (IllegalArgumentException e) {
                throw new OnnxFormatException(e.getMessage());
            }
            if (n > Integer.MAX_VALUE || t.getDimsList().stream().anyMatch(d -> d > Integer.MAX_VALUE)) {
                throw new OnnxFormatException(what + ": shape " + t.getDimsList() + " is out of range");
            }
            int[] dims = t.getDimsList().stream().mapToInt(Math::toIntExact).toArray();
            com.google.protobuf.ByteString rawData = t.getRawData();
            if (t.getDataLocation() == OnnxMl.TensorProto.DataLocation.EXTERNAL) {
                rawData = ExternalData.read(t, folder, what);
            }
            ByteBuffer raw = rawData.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            boolean hasRaw = !rawData.isEmpty();
            int type = t.getDataType();
            // the values present are counted before anything is allocated: a shape is only as large as its data
            if (type == OnnxMl.TensorProto.DataType.FLOAT.getNumber()) {
                requireCount(what, hasRaw ? raw.remaining() / Float.BYTES : t.getFloatDataCount(), n);
                float[] v = new float[(int) n];
                if (hasRaw) {
                    raw.asFloatBuffer().get(v);
                } else {
                    for (int k = 0; k < n; k++) {
                        v[k] = t.getFloatData(k);
                    }
                }
                return new Constant(dims, v, null);
            }
            if (type == OnnxMl.TensorProto.DataType.INT64.getNumber()) {
                requireCount(what, hasRaw ? raw.remaining() / Long.BYTES : t.getInt64DataCount(), n);
                long[] v = new long[(int) n];
                if (hasRaw) {
                    raw.asLongBuffer().get(v);
                } else {
                    for (int k = 0; k < n; k++) {
                        v[k] = t.getInt64Data(k);
                    }
                }
                return new Constant(dims, null, v);
            }
            if (type == OnnxMl.TensorProto.DataType.INT32.getNumber()) {
                requireCount(what, hasRaw ? raw.remaining() / Integer.BYTES : t.getInt32DataCount(), n);
                long[] v = new long[(int) n];
                if (hasRaw) {
                    for (int k = 0; k < n; k++) {
                        v[k] = raw.getInt(k * Integer.BYTES);
                    }
                } else {
                    for (int k = 0; k < n; k++) {
                        v[k] = t.getInt32Data(k);
                    }
                }
                return new Constant(dims, null, v);
            }
            throw new OnnxFormatException(what + ": data type "
                    + OnnxMl.TensorProto.DataType.forNumber(type) + " is not supported (FLOAT, INT64 or INT32)");
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
                case "Concat" -> {
                    if (allConstant(node)) {
                        ShapeFolding.concat(this, node, where);
                    } else {
                        concat(node, where);
                    }
                }
                case "Shape", "Gather", "Unsqueeze", "Squeeze", "Cast", "ConstantOfShape", "Slice" ->
                        ShapeFolding.fold(this, node, where);
                case "ReduceMean" -> reduceMean(node, where);
                case "Clip" -> clip(node, index, where);
                case "LeakyRelu" -> {
                    Attributes a = new Attributes(node, where, "alpha");
                    unary(node, index, where, Operator.Activation.leakyRelu(a.real("alpha", 0.01)));
                }
                case "Sigmoid" -> {
                    new Attributes(node, where);
                    unary(node, index, where, Operator.Activation.sigmoid());
                }
                case "HardSigmoid" -> hardSigmoid(node, index, where);
                case "HardSwish" -> {
                    new Attributes(node, where);
                    unary(node, index, where, Operator.Activation.hardSwish());
                }
                case "Pad" -> pad(node, index, where);
                case "Transpose" -> transpose(node, where);
                default -> throw new OnnxFormatException(where + ": not supported (supported: " + SUPPORTED + ")");
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
                    dilations[0], dilations[1], (int) a.integer("group", 1), false);
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
            if (a.integer("ceil_mode", 0) != 0) {
                pads = ceilModePads(pads, shapes.get(x), kernel, strides, !max && a.integer("count_include_pad", 0) != 0,
                        where);
            }
            Operator.Pool op = new Operator.Pool(max ? Operator.Pool.Kind.MAX : Operator.Pool.Kind.AVG, kernel[0],
                    kernel[1], strides[0], strides[1], pads[0], pads[2], pads[1], pads[3],
                    a.integer("count_include_pad", 0) != 0);
            addLayer(where, node.getOutput(0), op, List.of(x), List.of());
        }

        /**
         * ceil_mode=1 as extra padding at the bottom and right: the ceiling output size (a last window must start
         * inside the input or its leading padding, as PyTorch and ONNX Runtime count), the cells the floor formula
         * lacks for it added to the trailing pads. Max pooling ignores padded cells and average pooling without
         * count_include_pad divides by the real ones, so both give the same values; with count_include_pad the
         * extra cells would count, so that case is refused when it needs any.
         */
        private static int[] ceilModePads(int[] pads, int[] x, int[] kernel, int[] strides, boolean countPad,
                String where) {
            int[] result = pads.clone();
            for (int axis = 0; axis < 2; axis++) {
                int in = x[2 + axis];
                int padded = in + pads[axis] + pads[axis + 2];
                int span = padded - kernel[axis];
                if (span < 0) {
                    return result; // the window does not fit: the operator's own check reports it
                }
                int out = (span + strides[axis] - 1) / strides[axis] + 1;
                if ((out - 1) * strides[axis] >= in + pads[axis]) {
                    out--;
                }
                int extra = Math.max(0, (out - 1) * strides[axis] + kernel[axis] - padded);
                if (extra > 0 && countPad) {
                    throw new OnnxFormatException(where + ": ceil_mode=1 with count_include_pad=1 is not supported"
                            + " where the last window reaches past the padded input (its divisor differs)");
                }
                result[axis + 2] += extra;
            }
            return result;
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
            Constant shape = constants.get(node.getInput(1));
            if (shape == null || shape.longs() == null) {
                throw new OnnxFormatException(where + ": the shape must be a constant INT64 tensor (or folded from"
                        + " Shape, Gather, Unsqueeze, Concat of known shapes)");
            }
            if (constants.containsKey(node.getInput(0))) {
                constants.put(node.getOutput(0), ShapeFolding.reshape(constants.get(node.getInput(0)), shape.longs(),
                        where));
                return;
            }
            String x = layerInput(node, 0, where);
            if (fromTessera && node.getName().endsWith(".joined") && joinedSoftmax(node, x, shape.longs().length)) {
                return;
            }
            long[] s = shape.longs().clone();
            if (s.length == 2 && s[0] == ShapeFolding.BATCH) {
                s[0] = 0; // the input's batch, whatever it is: as 0 (copy) says it
            }
            if (Arrays.stream(s).anyMatch(v -> v == ShapeFolding.BATCH)) {
                throw new OnnxFormatException(where + ": the batch size may only be the first dimension of the new"
                        + " shape");
            }
            long features = Tensor.sizeOf(shapes.get(x)) / shapes.get(x)[0];
            boolean secondOk = s.length == 2 && (s[1] == -1 || s[1] == features);
            boolean firstOk = s.length == 2 && (s[0] == 0 && (a.integer("allowzero", 0) == 0
                    || shape.longs()[0] == ShapeFolding.BATCH)
                    || s[0] == -1 && s[1] == features || declaredBatch > 0 && s[0] == declaredBatch);
            if (!secondOk || !firstOk) {
                throw new OnnxFormatException(where + ": only a reshape to [N, -1] (a flatten) is supported, got "
                        + Arrays.toString(s) + " for " + Tensor.shapeString(shapes.get(x)));
            }
            addLayer(where, node.getOutput(0), new Operator.Flatten(), List.of(x), List.of());
        }

        /**
         * Softmax: over the one axis from opset 13 on (default the last), over the axes from {@code axis} to the last
         * taken together before (default 1). The classifier's case ([N, C] or [N, C, 1, 1] over C) is
         * {@link Operator.Softmax}, any other {@link Operator.AxisSoftmax}; over the batch axis it is refused.
         */
        /**
         * The exporter's form of a softmax over several axes (Reshape joining them, Softmax, Reshape back), read back
         * as the one layer it was; false when the Reshape is not followed so.
         */
        private boolean joinedSoftmax(OnnxMl.NodeProto reshape, String x, int joinedRank) {
            Integer softmax = soleReader(reshape.getOutput(0), "Softmax");
            Integer back = softmax == null ? null : soleReader(graph.getNode(softmax).getOutput(0), "Reshape");
            if (back == null) {
                return false;
            }
            OnnxMl.NodeProto sm = graph.getNode(softmax);
            String where = where(sm, softmax);
            int axis = (int) new Attributes(sm, where, "axis").integer("axis", -1);
            absorbed.add(softmax);
            absorbed.add(back);
            addLayer(where, graph.getNode(back).getOutput(0),
                    new Operator.AxisSoftmax(axis, shapes.get(x).length - joinedRank + 1), List.of(x), List.of());
            return true;
        }

        private void softmax(OnnxMl.NodeProto node, int index, String where) {
            Attributes a = new Attributes(node, where, "axis");
            requireInputs(node, where, 1, 1);
            String x = layerInput(node, 0, where);
            int[] shape = shapes.get(x);
            int rank = shape.length;
            long axis = a.integer("axis", opset >= 13 ? -1 : 1);
            long normalised = axis < 0 ? axis + rank : axis;
            if (normalised < 1 || normalised >= rank) {
                throw new OnnxFormatException(where + ": axis " + axis + " of a rank-" + rank + " input is not"
                        + " supported (" + (normalised == 0 ? "the batch axis" : "no such axis") + ")");
            }
            int count = opset >= 13 ? 1 : rank - (int) normalised;
            long after = 1;
            for (int d = (int) normalised + count; d < rank; d++) {
                after *= shape[d];
            }
            long trailing = 1;
            for (int d = 2; d < rank; d++) {
                trailing *= shape[d];
            }
            boolean classifier = normalised == 1 && (count == 1 && after == 1 || trailing == 1);
            Operator op = classifier ? new Operator.Softmax() : new Operator.AxisSoftmax((int) normalised, count);
            addLayer(where, node.getOutput(0), op, List.of(x), List.of());
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
            Constant c = constants.get(node.getInput(0));
            if (c != null) {
                constants.put(node.getOutput(0), c);
                return;
            }
            String x = layerInput(node, 0, where);
            layerOf.put(node.getOutput(0), x);
        }

        private void constantNode(OnnxMl.NodeProto node, String where) {
            Attributes a = new Attributes(node, where, "value", "value_float", "value_floats", "value_int",
                    "value_ints", "sparse_value", "value_string", "value_strings");
            Constant c;
            if (a.has("value")) {
                c = constant(a.get("value").getT(), where);
            } else if (a.has("value_float")) {
                c = new Constant(new int[0], new float[] {a.get("value_float").getF()}, null);
            } else if (a.has("value_floats")) {
                List<Float> v = a.get("value_floats").getFloatsList();
                float[] f = new float[v.size()];
                for (int k = 0; k < f.length; k++) {
                    f[k] = v.get(k);
                }
                c = new Constant(new int[] {f.length}, f, null);
            } else if (a.has("value_int")) {
                c = new Constant(new int[0], null, new long[] {a.get("value_int").getI()});
            } else if (a.has("value_ints")) {
                long[] v = a.get("value_ints").getIntsList().stream().mapToLong(Long::longValue).toArray();
                c = new Constant(new int[] {v.length}, null, v);
            } else {
                throw new OnnxFormatException(where + ": only tensor, float and int values are supported (value,"
                        + " value_float(s), value_int(s)); sparse and string constants are not");
            }
            constants.put(node.getOutput(0), c);
        }

        /** Whether every input of {@code node} is a constant (none computed). */
        boolean allConstant(OnnxMl.NodeProto node) {
            return node.getInputList().stream().allMatch(i -> i.isEmpty() || constants.containsKey(i));
        }

        /**
         * ReduceMean over H and W of a 4-D tensor: global average pooling, followed by a flatten without
         * {@code keepdims}. Axes from the attribute (before opset 18) or the second input.
         */
        private void reduceMean(OnnxMl.NodeProto node, String where) {
            Attributes a = new Attributes(node, where, "axes", "keepdims", "noop_with_empty_axes");
            requireInputs(node, where, 1, 2);
            String x = layerInput(node, 0, where);
            int rank = shapes.get(x).length;
            long[] axes;
            if (hasInput(node, 1)) {
                Constant c = constants.get(node.getInput(1));
                if (c == null || c.longs() == null) {
                    throw new OnnxFormatException(where + ": the axes must be a constant INT64 tensor");
                }
                axes = c.longs();
            } else {
                axes = a.has("axes") ? a.get("axes").getIntsList().stream().mapToLong(Long::longValue).toArray()
                        : new long[0];
            }
            long[] normalised = Arrays.stream(axes).map(v -> v < 0 ? v + rank : v).sorted().toArray();
            if (rank != 4 || !Arrays.equals(normalised, new long[] {2, 3})) {
                throw new OnnxFormatException(where + ": only a mean over H and W (axes 2, 3) of a 4-D tensor is"
                        + " supported (global average pooling), got axes " + Arrays.toString(axes) + " of "
                        + Tensor.shapeString(shapes.get(x)));
            }
            if (a.integer("keepdims", 1) != 0) {
                addLayer(where, node.getOutput(0), new Operator.GlobalAvgPool(), List.of(x), List.of());
                return;
            }
            String pooled = node.getOutput(0) + ".pool";
            addLayer(where, pooled, new Operator.GlobalAvgPool(), List.of(x), List.of());
            addLayer(where, node.getOutput(0), new Operator.Flatten(), List.of(layerOf.get(pooled)), List.of());
        }

        /** Clip: bounds as attributes before opset 11, as optional constant inputs from 11 on; absent is unbounded. */
        private void clip(OnnxMl.NodeProto node, int index, String where) {
            double lo;
            double hi;
            if (opset < 11) {
                Attributes a = new Attributes(node, where, "min", "max");
                lo = a.real("min", Double.NEGATIVE_INFINITY);
                hi = a.real("max", Double.POSITIVE_INFINITY);
            } else {
                new Attributes(node, where);
                requireInputs(node, where, 1, 3);
                lo = hasInput(node, 1) ? scalar(node, 1, where, "min") : Double.NEGATIVE_INFINITY;
                hi = hasInput(node, 2) ? scalar(node, 2, where, "max") : Double.POSITIVE_INFINITY;
            }
            if (!(lo <= hi)) {
                throw new OnnxFormatException(where + ": min " + lo + " exceeds max " + hi);
            }
            String x = layerInput(node, 0, where);
            addLayer(where, node.getOutput(0), Operator.Activation.clip(lo, hi), List.of(x), List.of());
        }

        /** Input {@code k} as one FLOAT value (a constant of one element), read as its shortest decimal. */
        private double scalar(OnnxMl.NodeProto node, int k, String where, String role) {
            Constant c = constants.get(node.getInput(k));
            if (c == null || c.floats() == null || c.size() != 1) {
                throw new OnnxFormatException(where + ": the " + role + " (" + node.getInput(k)
                        + ") must be a constant FLOAT scalar");
            }
            return OnnxFormat.decimal(c.floats()[0]);
        }

        /**
         * HardSigmoid; with alpha 1/6 and beta 1/2 and a Mul of its input by it as its only reader, the two are
         * hard swish (how opsets before 14, and Tessera's exporter, write it).
         */
        private void hardSigmoid(OnnxMl.NodeProto node, int index, String where) {
            Attributes a = new Attributes(node, where, "alpha", "beta");
            double alpha = a.real("alpha", 0.2);
            double beta = a.real("beta", 0.5);
            Integer mul = soleReader(node.getOutput(0), "Mul");
            if (mul != null && Math.abs(alpha - 1.0 / 6) < 1e-6 && beta == 0.5) {
                OnnxMl.NodeProto m = graph.getNode(mul);
                List<String> ins = m.getInputList();
                if (m.getAttributeCount() == 0 && ins.size() == 2 && ins.contains(node.getInput(0))
                        && ins.contains(node.getOutput(0))) {
                    absorbed.add(mul);
                    addLayer(where, m.getOutput(0), Operator.Activation.hardSwish(),
                            List.of(layerInput(node, 0, where)), List.of());
                    return;
                }
            }
            unary(node, index, where, Operator.Activation.hardSigmoid(alpha, beta));
        }

        /**
         * Pad of H and W: pads (and value, mode) as attributes before opset 11, as constant inputs from 11 on (with
         * the optional axes input of opset 18); modes constant, reflect and edge.
         */
        private void pad(OnnxMl.NodeProto node, int index, String where) {
            Attributes a = opset < 11 ? new Attributes(node, where, "mode", "pads", "value")
                    : new Attributes(node, where, "mode");
            String x = layerInput(node, 0, where);
            int rank = shapes.get(x).length;
            long[] pads;
            double value = 0;
            if (opset < 11) {
                pads = a.has("pads") ? a.get("pads").getIntsList().stream().mapToLong(Long::longValue).toArray()
                        : null;
                value = a.real("value", 0);
            } else {
                requireInputs(node, where, 2, 4);
                Constant c = constants.get(node.getInput(1));
                pads = c == null || c.longs() == null ? null : c.longs();
                if (hasInput(node, 2)) {
                    value = scalar(node, 2, where, "constant_value");
                }
                if (pads != null && hasInput(node, 3)) {
                    pads = padsOverAxes(pads, constants.get(node.getInput(3)), rank, where);
                }
            }
            if (pads == null || pads.length != 2 * rank || rank != 4) {
                throw new OnnxFormatException(where + ": the pads must be a constant INT64 tensor of 8 values for a"
                        + " 4-D input, got " + (pads == null ? "none" : Arrays.toString(pads)) + " for "
                        + Tensor.shapeString(shapes.get(x)));
            }
            if (pads[0] != 0 || pads[1] != 0 || pads[4] != 0 || pads[5] != 0) {
                throw new OnnxFormatException(where + ": only padding of H and W is supported, got pads "
                        + Arrays.toString(pads));
            }
            String mode = a.string("mode", "constant");
            Operator.Pad.Mode m = switch (mode) {
                case "constant" -> Operator.Pad.Mode.CONSTANT;
                case "reflect" -> Operator.Pad.Mode.REFLECT;
                case "edge" -> Operator.Pad.Mode.EDGE;
                default -> throw new OnnxFormatException(where + ": mode " + mode
                        + " is not supported (constant, reflect, edge)");
            };
            Operator.Pad op;
            try {
                op = new Operator.Pad(m, Math.toIntExact(pads[2]), Math.toIntExact(pads[6]), Math.toIntExact(pads[3]),
                        Math.toIntExact(pads[7]), value);
            } catch (IllegalArgumentException | ArithmeticException e) {
                throw new OnnxFormatException(where + ": " + e.getMessage(), e);
            }
            addLayer(where, node.getOutput(0), op, List.of(x), List.of());
        }

        /** Opset 18's pads for the listed axes only, spread over all {@code rank} axes. */
        private static long[] padsOverAxes(long[] pads, Constant axes, int rank, String where) {
            if (axes == null || axes.longs() == null || pads.length != 2 * axes.longs().length) {
                throw new OnnxFormatException(where + ": the axes must be a constant INT64 tensor of half as many"
                        + " values as the pads");
            }
            long[] full = new long[2 * rank];
            long[] a = axes.longs();
            for (int k = 0; k < a.length; k++) {
                int axis = (int) (a[k] < 0 ? a[k] + rank : a[k]);
                if (axis < 0 || axis >= rank) {
                    throw new OnnxFormatException(where + ": axis " + a[k] + " is outside the rank-" + rank + " input");
                }
                full[axis] = pads[k];
                full[axis + rank] = pads[k + a.length];
            }
            return full;
        }

        /** Transpose of a constant (folded), or the identity permutation of a computed tensor (removed). */
        private void transpose(OnnxMl.NodeProto node, String where) {
            Attributes a = new Attributes(node, where, "perm");
            requireInputs(node, where, 1, 1);
            Constant c = constants.get(node.getInput(0));
            if (c != null) {
                constants.put(node.getOutput(0), ShapeFolding.transpose(c, a.ints("perm", null), where));
                return;
            }
            String x = layerInput(node, 0, where);
            int[] perm = a.ints("perm", null);
            int rank = shapes.get(x).length;
            boolean identity = perm != null && perm.length == rank;
            for (int k = 0; identity && k < rank; k++) {
                identity = perm[k] == k;
            }
            if (!identity) {
                throw new OnnxFormatException(where + ": only constants and the identity permutation are supported,"
                        + " got perm " + (perm == null ? "(reversed)" : Arrays.toString(perm)) + " of "
                        + Tensor.shapeString(shapes.get(x)) + " (Tessera's tensors are NCHW)");
            }
            alias(node, where);
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

        static boolean hasInput(OnnxMl.NodeProto node, int k) {
            return node.getInputCount() > k && !node.getInput(k).isEmpty();
        }

        static void requireInputs(OnnxMl.NodeProto node, String where, int min, int max) {
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
