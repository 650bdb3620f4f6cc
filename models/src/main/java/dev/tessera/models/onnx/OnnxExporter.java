package dev.tessera.models.onnx;

import static dev.tessera.models.onnx.OnnxFormat.integer;
import static dev.tessera.models.onnx.OnnxFormat.ints;
import static dev.tessera.models.onnx.OnnxFormat.real;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import ai.onnx.proto.OnnxMl;

import dev.tessera.backend.Operator;
import dev.tessera.models.Layer;
import dev.tessera.models.Model;
import dev.tessera.models.Parameter;
import dev.tessera.opencl.AtomicFiles;

/**
 * Writes a {@link Model} with its weights as an ONNX model (opset {@value OnnxFormat#EXPORT_OPSET}, IR version
 * {@value OnnxFormat#EXPORT_IR_VERSION}) that ONNX Runtime and {@link OnnxImporter} run.
 *
 * <p>Names: the graph input is {@code input} [N, C, H, W] with a symbolic batch {@code N}; each layer's output tensor
 * and its (last) node carry the layer's name; parameters become FLOAT initializers named
 * {@code <layer>.<parameter>} (e.g. {@code conv1.weight}, {@code bn1.var}); the graph output is the last layer.
 *
 * <p>Mapping: conv2d to Conv (pads [top, left, bottom, right], strides, dilations, group), max/avg pool to
 * MaxPool/AveragePool ({@code count_include_pad}), globalavgpool to GlobalAveragePool, lrn to LRN (ONNX divides alpha
 * by size, so the attribute is {@link Operator.Lrn#effectiveAlpha()} x size; an even size is refused because ONNX's
 * window is then asymmetric), fc to Gemm with {@code transB=1} (a Flatten node first when its input is not 2-D),
 * biasadd to Add with a [C, 1, ..., 1] initializer, batchnorm to BatchNormalization, flatten to Flatten (axis 1),
 * softmax to Softmax (axis 1), concat to Concat (axis 1), relu, tanh and add to Relu, Tanh and Add, the activations
 * to Clip (bounds as scalar initializers {@code <layer>.min}/{@code .max}), LeakyRelu, Sigmoid, HardSigmoid and
 * (HardSwish being opset 14) HardSigmoid(1/6, 1/2) times the input, pad to Pad (pads {@code <layer>.pads} [0, 0, top,
 * left, 0, 0, bottom, right], mode, constant {@code <layer>.value}). A fused ReLU becomes a Relu node after the
 * operator: the operator's node keeps the layer's name and writes {@code <layer>.pre_relu}, the Relu node
 * ({@code <layer>.relu}) writes the layer's output. A masked weight (LeNet-5's C3 connection table) is written as the
 * full weight with its zeros, and its mask as metadata ({@link OnnxFormat#MASK_KEY_PREFIX}) that only the importer
 * reads. No convolution algorithm is written: it is a
 * compile option, not part of the model.
 *
 * <p>The file's producer name is {@value #PRODUCER}; {@link OnnxImporter} then merges back exactly the Relu and
 * Flatten nodes the exporter split off (a Relu writing the output named after its producer node, a Flatten named
 * {@code <fc layer>.flatten}), so a model comes back with the same layers.
 */
public final class OnnxExporter {
    /** The producer name in exported files; {@link OnnxImporter} restores their layer structure exactly. */
    static final String PRODUCER = "tessera";

    /** The default-domain opset of exported files. */
    public static final int OPSET = OnnxFormat.EXPORT_OPSET;

    private OnnxExporter() {
    }

    /**
     * Writes {@code model} to {@code file} atomically (a reader sees the old file or the complete new one).
     *
     * @throws IllegalStateException    when the model has not been initialised
     * @throws IllegalArgumentException when a layer has no ONNX form (an even LRN size)
     * @throws UncheckedIOException     when the file cannot be written
     */
    public static void export(Model model, Path file) {
        write(toBytes(model), file);
    }

    /** Writes serialised ONNX bytes (from {@link #toBytes}) to {@code file} atomically. */
    public static void write(byte[] bytes, Path file) {
        try {
            AtomicFiles.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** The serialised ONNX ModelProto of {@code model}; see {@link #export}. */
    public static byte[] toBytes(Model model) {
        return toProto(model).toByteArray();
    }

    /** The ONNX ModelProto of {@code model}; see {@link #export}. */
    public static OnnxMl.ModelProto toProto(Model model) {
        return new Writer(model).model();
    }

    /** Builds one graph; keeps the initializer and node names unique. */
    private static final class Writer {
        private final Model model;
        private final OnnxMl.GraphProto.Builder graph = OnnxMl.GraphProto.newBuilder();
        private final OnnxMl.ModelProto.Builder proto = OnnxMl.ModelProto.newBuilder();
        private final Set<String> names = new HashSet<>();
        private final Map<String, Integer> ranks = new HashMap<>();
        /** Each layer's output shape for one image (the batch is symbolic in the file). */
        private final Map<String, int[]> layerShapes = new HashMap<>();

        Writer(Model model) {
            this.model = model;
        }

        OnnxMl.ModelProto model() {
            int[] in = model.inputShape();
            names.add(Model.INPUT);
            model.layers().forEach(l -> names.add(l.name()));
            ranks.put(Model.INPUT, 4);
            layerShapes.put(Model.INPUT, new int[] {1, in[0], in[1], in[2]});
            graph.setName(model.name()).addInput(valueInfo(Model.INPUT, in));
            List<int[]> shapes = model.layerShapes(1);
            for (int i = 0; i < model.layers().size(); i++) {
                Layer layer = model.layers().get(i);
                ranks.put(layer.name(), shapes.get(i).length);
                layerShapes.put(layer.name(), shapes.get(i));
                try {
                    layer(layer);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(model.name() + ": layer " + layer.name() + ": "
                            + e.getMessage(), e);
                }
            }
            Layer last = model.layers().get(model.layers().size() - 1);
            int[] out = shapes.get(shapes.size() - 1);
            graph.addOutput(valueInfo(last.name(), java.util.Arrays.copyOfRange(out, 1, out.length)));
            String version = OnnxExporter.class.getPackage().getImplementationVersion();
            return proto.setIrVersion(OnnxFormat.EXPORT_IR_VERSION)
                    .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("")
                            .setVersion(OnnxFormat.EXPORT_OPSET))
                    .setProducerName(PRODUCER).setProducerVersion(version == null ? "dev" : version)
                    .setGraph(graph).build();
        }

        /** A FLOAT tensor [N, dims...] with a symbolic batch. */
        private static OnnxMl.ValueInfoProto valueInfo(String name, int[] dims) {
            OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder()
                    .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("N"));
            for (int d : dims) {
                shape.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
            }
            return OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(OnnxMl.TypeProto.newBuilder()
                    .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder()
                            .setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber()).setShape(shape)))
                    .build();
        }

        private void layer(Layer layer) {
            String name = layer.name();
            List<String> in = layer.inputs();
            Operator op = layer.op();
            if (op instanceof Operator.Conv2d c) {
                int[] w = layer.parameter("weight").shape();
                emit(node("Conv", name, in, layer.parameters())
                        .addAttribute(ints("kernel_shape", w[2], w[3]))
                        .addAttribute(ints("strides", c.strideH(), c.strideW()))
                        .addAttribute(ints("pads", c.padTop(), c.padLeft(), c.padBottom(), c.padRight()))
                        .addAttribute(ints("dilations", c.dilationH(), c.dilationW()))
                        .addAttribute(integer("group", c.groups())), name, c.relu());
            } else if (op instanceof Operator.Pool p) {
                boolean max = p.kind() == Operator.Pool.Kind.MAX;
                OnnxMl.NodeProto.Builder node = node(max ? "MaxPool" : "AveragePool", name, in, List.of())
                        .addAttribute(ints("kernel_shape", p.kernelH(), p.kernelW()))
                        .addAttribute(ints("strides", p.strideH(), p.strideW()))
                        .addAttribute(ints("pads", p.padTop(), p.padLeft(), p.padBottom(), p.padRight()));
                if (!max) {
                    node.addAttribute(integer("count_include_pad", p.countPad() ? 1 : 0));
                }
                emit(node, name, false);
            } else if (op instanceof Operator.GlobalAvgPool) {
                emit(node("GlobalAveragePool", name, in, List.of()), name, false);
            } else if (op instanceof Operator.Lrn l) {
                if (l.size() % 2 == 0) {
                    throw new IllegalArgumentException("lrn size " + l.size() + " is even; ONNX LRN's window is then"
                            + " asymmetric (floor((size-1)/2) channels before, ceil after) and differs from ours");
                }
                emit(node("LRN", name, in, List.of()).addAttribute(integer("size", l.size()))
                        .addAttribute(real("alpha", l.effectiveAlpha() * l.size()))
                        .addAttribute(real("beta", l.beta())).addAttribute(real("bias", l.k())), name, false);
            } else if (op instanceof Operator.Relu) {
                emit(node("Relu", name, in, List.of()), name, false);
            } else if (op instanceof Operator.Tanh) {
                emit(node("Tanh", name, in, List.of()), name, false);
            } else if (op instanceof Operator.BiasAdd) {
                Parameter bias = layer.parameters().get(0);
                int[] dims = new int[ranks.get(in.get(0)) - 1];
                java.util.Arrays.fill(dims, 1);
                dims[0] = bias.shape()[0];
                emit(node("Add", name, in, List.of()).addInput(initializer(name, bias, dims)), name, false);
            } else if (op instanceof Operator.Add a) {
                emit(node("Add", name, in, List.of()), name, a.relu());
            } else if (op instanceof Operator.FullyConnected f) {
                List<String> x = in;
                if (ranks.get(in.get(0)) != 2) {
                    String flat = unique(name + ".flatten");
                    graph.addNode(node("Flatten", flat, in, List.of()).addOutput(flat)
                            .addAttribute(integer("axis", 1)));
                    x = List.of(flat);
                }
                emit(node("Gemm", name, x, layer.parameters()).addAttribute(integer("transB", 1)), name, f.relu());
            } else if (op instanceof Operator.Softmax) {
                emit(node("Softmax", name, in, List.of()).addAttribute(integer("axis", 1)), name, false);
            } else if (op instanceof Operator.BatchNorm bn) {
                emit(node("BatchNormalization", name, in, layer.parameters())
                        .addAttribute(real("epsilon", bn.epsilon())), name, false);
            } else if (op instanceof Operator.Flatten) {
                emit(node("Flatten", name, in, List.of()).addAttribute(integer("axis", 1)), name, false);
            } else if (op instanceof Operator.Concat) {
                emit(node("Concat", name, in, List.of()).addAttribute(integer("axis", 1)), name, false);
            } else if (op instanceof Operator.AxisSoftmax a) {
                axisSoftmax(a, name, in);
            } else if (op instanceof Operator.Activation a) {
                activation(a, name, in);
            } else if (op instanceof Operator.Pad p) {
                String pads = constant(OnnxFormat.longTensor(unique(name + ".pads"), 0, 0, p.top(), p.left(), 0, 0,
                        p.bottom(), p.right()));
                OnnxMl.NodeProto.Builder node = node("Pad", name, in, List.of()).addInput(pads)
                        .addAttribute(OnnxFormat.string("mode", p.mode().name().toLowerCase(java.util.Locale.ROOT)));
                if (p.mode() == Operator.Pad.Mode.CONSTANT) {
                    node.addInput(constant(OnnxFormat.floatTensor(unique(name + ".value"),
                            new float[] {(float) p.value()})));
                }
                emit(node, name, false);
            } else {
                throw new IllegalArgumentException("operator " + op.name() + " has no ONNX form in this exporter");
            }
        }

        /**
         * Clip (bounds as scalar initializers), LeakyRelu, Sigmoid, HardSigmoid; HardSwish, which opset 13 lacks, as
         * HardSigmoid(alpha 1/6, beta 1/2) times its input (the importer joins the two again).
         */
        private void activation(Operator.Activation a, String name, List<String> in) {
            switch (a.function()) {
                case CLIP -> emit(node("Clip", name, in, List.of())
                        .addInput(constant(OnnxFormat.floatTensor(unique(name + ".min"), new float[] {(float) a.a()})))
                        .addInput(constant(OnnxFormat.floatTensor(unique(name + ".max"), new float[] {(float) a.b()}))),
                        name, false);
                case LEAKY_RELU -> emit(node("LeakyRelu", name, in, List.of()).addAttribute(real("alpha", a.a())),
                        name, false);
                case SIGMOID -> emit(node("Sigmoid", name, in, List.of()), name, false);
                case HARD_SIGMOID -> emit(node("HardSigmoid", name, in, List.of()).addAttribute(real("alpha", a.a()))
                        .addAttribute(real("beta", a.b())), name, false);
                case HARD_SWISH -> {
                    String gate = unique(name + ".hard_sigmoid");
                    graph.addNode(node("HardSigmoid", gate, in, List.of()).addOutput(gate)
                            .addAttribute(real("alpha", 1.0 / 6)).addAttribute(real("beta", 0.5)));
                    emit(node("Mul", name, List.of(in.get(0), gate), List.of()), name, false);
                }
                default -> throw new IllegalArgumentException("activation " + a.function() + " has no ONNX form");
            }
        }

        /**
         * Softmax along one axis; along several (an import from before opset 13), a Reshape joining them into one,
         * the Softmax, and a Reshape back (the batch copied with 0, the other dimensions as the model has them).
         */
        private void axisSoftmax(Operator.AxisSoftmax a, String name, List<String> in) {
            if (a.count() == 1) {
                emit(node("Softmax", name, in, List.of()).addAttribute(integer("axis", a.axis())), name, false);
                return;
            }
            int[] x = layerShapes.get(in.get(0));
            long[] joined = new long[x.length - a.count() + 1];
            long[] back = new long[x.length];
            for (int d = 0, j = 0; d < x.length; d++) {
                back[d] = d == 0 ? 0 : x[d];
                if (d < a.axis() || d >= a.axis() + a.count()) {
                    joined[j++] = d == 0 ? 0 : x[d];
                } else if (d == a.axis()) {
                    joined[j++] = -1;
                }
            }
            String flat = unique(name + ".joined");
            graph.addNode(node("Reshape", flat, List.of(in.get(0), constant(OnnxFormat.longTensor(
                    unique(name + ".joined_shape"), joined))), List.of()).addOutput(flat));
            String soft = unique(name + ".softmax");
            graph.addNode(node("Softmax", soft, List.of(flat), List.of()).addAttribute(integer("axis", a.axis()))
                    .addOutput(soft));
            emit(node("Reshape", name, List.of(soft, constant(OnnxFormat.longTensor(unique(name + ".shape"),
                    back))), List.of()), name, false);
        }

        /** Adds {@code tensor} as an initializer and returns its name. */
        private String constant(OnnxMl.TensorProto tensor) {
            graph.addInitializer(tensor);
            return tensor.getName();
        }

        /** A node named {@code name} reading {@code inputs}, then one initializer per parameter. */
        private OnnxMl.NodeProto.Builder node(String opType, String name, List<String> inputs,
                List<Parameter> parameters) {
            OnnxMl.NodeProto.Builder node = OnnxMl.NodeProto.newBuilder().setOpType(opType).setName(name)
                    .addAllInput(inputs);
            for (Parameter p : parameters) {
                node.addInput(initializer(name, p, p.shape()));
            }
            return node;
        }

        /** Adds parameter {@code p} of {@code layer} as an initializer with {@code dims}; returns its name. */
        private String initializer(String layer, Parameter p, int[] dims) {
            String name = unique(layer + "." + p.name());
            graph.addInitializer(OnnxFormat.floatTensor(name, p.requireValue(layer).data(), dims));
            if (p.mask() != null) {
                StringBuilder bits = new StringBuilder(p.mask().size());
                for (float m : p.mask().data()) {
                    bits.append(m != 0f ? '1' : '0');
                }
                proto.addMetadataProps(OnnxMl.StringStringEntryProto.newBuilder()
                        .setKey(OnnxFormat.MASK_KEY_PREFIX + name).setValue(bits.toString()));
            }
            return name;
        }

        /** Adds {@code node} writing the layer's output, or, with {@code relu}, writing into a Relu that does. */
        private void emit(OnnxMl.NodeProto.Builder node, String layer, boolean relu) {
            if (!relu) {
                graph.addNode(node.addOutput(layer));
                return;
            }
            String pre = unique(layer + ".pre_relu");
            graph.addNode(node.addOutput(pre));
            graph.addNode(OnnxMl.NodeProto.newBuilder().setOpType("Relu").setName(unique(layer + ".relu"))
                    .addInput(pre).addOutput(layer));
        }

        /** {@code name}, or with a numeric suffix when a layer or another tensor already has it. */
        private String unique(String name) {
            String candidate = name;
            for (int i = 1; names.contains(candidate); i++) {
                candidate = name + "_" + i;
            }
            names.add(candidate);
            return candidate;
        }
    }
}
