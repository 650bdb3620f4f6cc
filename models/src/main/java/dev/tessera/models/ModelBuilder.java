package dev.tessera.models;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;

/**
 * Builds a {@link Model} layer by layer. Each helper appends one layer that reads the <em>current</em> layer (at first
 * the input) and makes the new layer current; {@link #from(String)} moves the cursor back to an earlier layer to start
 * a branch, and {@link #add} joins two branches. Shapes are checked as layers are added, so a mistake names its layer.
 * Parameters are created by shape only; {@link Model#initialise(long)} fills them.
 */
public final class ModelBuilder {
    /** Batch-norm epsilon (PyTorch's default). */
    public static final double BN_EPSILON = 1e-5;

    private final String name;
    private final int[] inputShape;
    private final List<Layer> layers = new ArrayList<>();
    private final Map<String, int[]> shapes = new HashMap<>();
    private String current = Model.INPUT;

    /** A model called {@code name} taking [N, channels, height, width]. */
    public ModelBuilder(String name, int channels, int height, int width) {
        this.name = name;
        this.inputShape = new int[] {channels, height, width};
        shapes.put(Model.INPUT, new int[] {1, channels, height, width});
    }

    /** The name of the current layer (the one the next helper reads). */
    public String current() {
        return current;
    }

    /** The current layer's output shape for one image. */
    public int[] currentShape() {
        return shapes.get(current).clone();
    }

    /** Makes {@code layer} (or {@link Model#INPUT}) current. */
    public ModelBuilder from(String layer) {
        if (!shapes.containsKey(layer)) {
            throw new IllegalArgumentException(name + ": no layer " + layer);
        }
        current = layer;
        return this;
    }

    /** Appends a layer reading {@code inputs}; the general form behind the helpers. */
    public ModelBuilder layer(String layerName, Operator op, List<String> inputs, List<Parameter> parameters) {
        if (shapes.containsKey(layerName)) {
            throw new IllegalArgumentException(name + ": layer name " + layerName + " is used twice");
        }
        List<int[]> in = new ArrayList<>();
        for (String i : inputs) {
            int[] s = shapes.get(i);
            if (s == null) {
                throw new IllegalArgumentException(name + ": layer " + layerName + " reads unknown layer " + i);
            }
            in.add(s);
        }
        parameters.forEach(p -> in.add(p.shape()));
        int[] out;
        try {
            out = op.outputShape(in);
        } catch (dev.tessera.backend.CheckedSizes.TooLarge e) {
            throw new dev.tessera.backend.CheckedSizes.TooLarge(name + ": layer " + layerName + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": layer " + layerName + ": " + e.getMessage(), e);
        }
        layers.add(new Layer(layerName, op, inputs, parameters));
        shapes.put(layerName, out);
        current = layerName;
        return this;
    }

    private ModelBuilder unary(String layerName, Operator op, List<Parameter> parameters) {
        return layer(layerName, op, List.of(current), parameters);
    }

    /** Square convolution, stride 1, no padding, with bias. */
    public ModelBuilder conv(String layerName, int outChannels, int kernel) {
        return conv(layerName, outChannels, kernel, 1, 0, true);
    }

    /** Square convolution with symmetric padding; He-initialised weight, optional zero bias. */
    public ModelBuilder conv(String layerName, int outChannels, int kernel, int stride, int pad, boolean bias) {
        int inChannels = shapes.get(current)[1];
        List<Parameter> ps = new ArrayList<>();
        ps.add(Parameter.of("weight", Parameter.Init.HE_NORMAL, outChannels, inChannels, kernel, kernel));
        if (bias) {
            ps.add(Parameter.of("bias", Parameter.Init.ZEROS, outChannels));
        }
        return unary(layerName, Operator.Conv2d.of(stride, pad), ps);
    }

    /**
     * A convolution with a connection table: {@code connected[o][c]} says whether output map {@code o} sees input map
     * {@code c}. It runs as a full convolution whose weights for unconnected pairs are zero (see
     * {@link Parameter#mask()}).
     */
    public ModelBuilder maskedConv(String layerName, boolean[][] connected, int kernel, int stride, int pad) {
        int inChannels = shapes.get(current)[1];
        int outChannels = connected.length;
        Tensor mask = Tensor.zeros(outChannels, inChannels, kernel, kernel);
        for (int o = 0; o < outChannels; o++) {
            if (connected[o].length != inChannels) {
                throw new IllegalArgumentException(name + ": layer " + layerName + ": connection row " + o + " has "
                        + connected[o].length + " entries, the input has " + inChannels + " channels");
            }
            for (int c = 0; c < inChannels; c++) {
                if (connected[o][c]) {
                    int base = (o * inChannels + c) * kernel * kernel;
                    java.util.Arrays.fill(mask.data(), base, base + kernel * kernel, 1f);
                }
            }
        }
        List<Parameter> ps = List.of(
                new Parameter("weight", new int[] {outChannels, inChannels, kernel, kernel}, Parameter.Init.HE_NORMAL,
                        true, mask, null),
                Parameter.of("bias", Parameter.Init.ZEROS, outChannels));
        return unary(layerName, Operator.Conv2d.of(stride, pad), ps);
    }

    public ModelBuilder relu(String layerName) {
        return unary(layerName, new Operator.Relu(), List.of());
    }

    public ModelBuilder tanh(String layerName) {
        return unary(layerName, new Operator.Tanh(), List.of());
    }

    /** Square max pooling. */
    public ModelBuilder maxPool(String layerName, int kernel, int stride, int pad) {
        return unary(layerName, Operator.Pool.of(Operator.Pool.Kind.MAX, kernel, stride, pad), List.of());
    }

    /** Square average pooling; padded cells are not counted in the divisor. */
    public ModelBuilder avgPool(String layerName, int kernel, int stride, int pad) {
        return unary(layerName, Operator.Pool.of(Operator.Pool.Kind.AVG, kernel, stride, pad), List.of());
    }

    public ModelBuilder globalAvgPool(String layerName) {
        return unary(layerName, new Operator.GlobalAvgPool(), List.of());
    }

    /** LRN with AlexNet's values (paper convention, see {@link Operator.Lrn#alexNet()}). */
    public ModelBuilder lrn(String layerName) {
        return unary(layerName, Operator.Lrn.alexNet(), List.of());
    }

    public ModelBuilder flatten(String layerName) {
        return unary(layerName, new Operator.Flatten(), List.of());
    }

    /** Fully connected with a bias; {@code relu} fuses the activation. */
    public ModelBuilder fc(String layerName, int outFeatures, boolean relu) {
        int[] s = shapes.get(current);
        int inFeatures = (int) (Tensor.sizeOf(s) / s[0]);
        return unary(layerName, new Operator.FullyConnected(relu),
                List.of(Parameter.of("weight", Parameter.Init.HE_NORMAL, outFeatures, inFeatures),
                        Parameter.of("bias", Parameter.Init.ZEROS, outFeatures)));
    }

    /**
     * Inference batch norm over the current layer's channels: gamma 1, beta 0 (trainable), running mean 0 and var 1
     * (buffers, not counted as parameters), epsilon {@link #BN_EPSILON}.
     */
    public ModelBuilder batchNorm(String layerName) {
        int c = shapes.get(current)[1];
        return unary(layerName, new Operator.BatchNorm(BN_EPSILON), List.of(
                Parameter.of("gamma", Parameter.Init.ONES, c),
                Parameter.of("beta", Parameter.Init.ZEROS, c),
                new Parameter("mean", new int[] {c}, Parameter.Init.ZEROS, false, null, null),
                new Parameter("var", new int[] {c}, Parameter.Init.ONES, false, null, null)));
    }

    /** The residual add of layers {@code a} and {@code b}, optionally followed by ReLU. */
    public ModelBuilder add(String layerName, String a, String b, boolean relu) {
        return layer(layerName, new Operator.Add(relu), List.of(a, b), List.of());
    }

    /** The channel concatenation of {@code inputs} (two or more layers with the same N, H and W), in that order. */
    public ModelBuilder concat(String layerName, String... inputs) {
        return layer(layerName, new Operator.Concat(), List.of(inputs), List.of());
    }

    public ModelBuilder softmax(String layerName) {
        return unary(layerName, new Operator.Softmax(), List.of());
    }

    public Model build() {
        return new Model(name, inputShape, layers);
    }
}
