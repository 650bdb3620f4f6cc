package dev.tessera.models;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import dev.tessera.backend.Backend;
import dev.tessera.backend.BatchNormFolding;
import dev.tessera.backend.ConvAlgorithm;
import dev.tessera.backend.ConvAlgorithms;
import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.graph.CompiledGraph;
import dev.tessera.backend.graph.Graph;
import dev.tessera.backend.graph.GraphShapes;
import dev.tessera.backend.graph.GraphNode;
import dev.tessera.backend.graph.LayerByLayerGraph;

/**
 * A network: an input of shape [N, C, H, W] (N, the batch, is chosen at run time) and an ordered list of layers that
 * forms a directed acyclic graph. Each layer reads the outputs of earlier layers by name (or the input,
 * {@link #INPUT}); most read the one before them, a residual {@link Operator.Add} reads two. The last layer's output is
 * the model's output.
 *
 * <p>A model is immutable. The zoo builds it with parameter shapes only; {@link #initialise(long)} returns a copy with
 * seeded values, which {@link #forward} needs.
 *
 * <p><b>Counting.</b> {@link #parameterCount()} counts trainable values: weights, biases and batch-norm gamma and beta
 * (running mean and variance are buffers, as in PyTorch), leaving out entries a connection table removes.
 * {@link #macs()} counts multiply-accumulates for one image of <em>convolutions and fully-connected layers only</em>
 * (from {@link Operator#macs}, so a masked convolution counts every product it computes); pooling, LRN, batch norm,
 * activations and adds are left out, as in the published figures. FLOPs are 2 x MACs.
 */
public final class Model {
    /** The name layers use to read the model's input. */
    public static final String INPUT = Graph.INPUT;

    private final String name;
    private final int[] inputShape;
    private final List<Layer> layers;

    /**
     * @param name       the model's name, e.g. "resnet50"
     * @param inputShape [C, H, W] of one image
     * @param layers     in an order where every layer comes after the layers it reads
     * @throws IllegalArgumentException when a name repeats, a layer reads an unknown or later layer, or a shape does
     *                                  not fit (the message names the layer)
     */
    public Model(String name, int[] inputShape, List<Layer> layers) {
        GraphShapes.checkOrder(name, "model", "layer", inputShape, shapeNodes(layers));
        this.name = name;
        this.inputShape = inputShape.clone();
        this.layers = List.copyOf(layers);
        layerShapes(1);
    }

    public String name() {
        return name;
    }

    /** [C, H, W] of one image. */
    public int[] inputShape() {
        return inputShape.clone();
    }

    public List<Layer> layers() {
        return layers;
    }

    /** The output shape of every layer, in layer order, for a batch of {@code batch} images. */
    public List<int[]> layerShapes(int batch) {
        return new ArrayList<>(GraphShapes.of(name, "layer", inputShape, batch, shapeNodes(layers)).values());
    }

    /** The layers as the shared validation ({@link GraphShapes}) sees them. */
    private static List<GraphShapes.Node> shapeNodes(List<Layer> layers) {
        return layers.stream().map(l -> new GraphShapes.Node(l.name(), l.op(), l.inputs(),
                l.parameters().stream().map(Parameter::shape).toList())).toList();
    }

    /** The model's output shape for a batch of {@code batch} images. */
    public int[] outputShape(int batch) {
        List<int[]> shapes = layerShapes(batch);
        return shapes.get(shapes.size() - 1);
    }

    private static List<int[]> inputShapes(Layer layer, Map<String, int[]> shapes) {
        List<int[]> in = new ArrayList<>();
        for (String i : layer.inputs()) {
            in.add(shapes.get(i));
        }
        for (Parameter p : layer.parameters()) {
            in.add(p.shape());
        }
        return in;
    }

    /** Trainable parameters (see the class comment). */
    public long parameterCount() {
        return layers.stream().mapToLong(Layer::parameterCount).sum();
    }

    /** Multiply-accumulates of one image's forward pass, convolutions and fully-connected layers only. */
    public long macs() {
        return layerMacs().stream().mapToLong(Long::longValue).sum();
    }

    /** 2 x {@link #macs()}. */
    public long flops() {
        return 2 * macs();
    }

    /** Per layer, the multiply-accumulates of one image: the operator's count for conv2d and fc, 0 for the rest. */
    public List<Long> layerMacs() {
        Map<String, int[]> shapes = new HashMap<>();
        shapes.put(INPUT, new int[] {1, inputShape[0], inputShape[1], inputShape[2]});
        List<Long> macs = new ArrayList<>();
        for (Layer layer : layers) {
            List<int[]> in = inputShapes(layer, shapes);
            shapes.put(layer.name(), layer.op().outputShape(in));
            boolean counted = layer.op() instanceof Operator.Conv2d || layer.op() instanceof Operator.FullyConnected;
            macs.add(counted ? layer.op().macs(in) : 0L);
        }
        return macs;
    }

    /** Whether every parameter has values. */
    public boolean isInitialised() {
        return layers.stream().flatMap(l -> l.parameters().stream()).allMatch(p -> p.value() != null);
    }

    /**
     * A copy with every parameter filled from {@code seed}: the same seed always gives the same floats, bit for bit.
     *
     * <p>Derivation: parameter {@code j} of layer {@code i} (both counted from 0 in model order) draws from its own
     * {@link SplittableRandom} seeded with {@link #streamSeed}{@code (seed, i, j)}, the SplitMix64 finaliser of
     * {@code seed + 0x9E3779B97F4A7C15 * (1 + 64 i + j)}, so one layer's values do not depend on any other layer.
     * {@link Parameter.Init#HE_NORMAL} values are {@code z * sqrt(2 / fan_in)} with {@code z} standard normal from the
     * Box-Muller transform (StrictMath, two values per pair of uniform doubles {@code u1 = 1 - nextDouble()},
     * {@code u2 = nextDouble()}: {@code sqrt(-2 ln u1) cos(2 pi u2)}, then {@code sin}); {@code fan_in} is the
     * product of the weight's dimensions after the first (input channels x kernel height x kernel width, or FC inputs),
     * and for a masked weight the number of connected entries of that output's row. Masked-out entries are 0. Biases
     * and batch-norm beta and mean are 0; gamma and var are 1.
     */
    public Model initialise(long seed) {
        List<Layer> out = new ArrayList<>(layers.size());
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            List<Parameter> ps = new ArrayList<>();
            for (int j = 0; j < layer.parameters().size(); j++) {
                Parameter p = layer.parameters().get(j);
                ps.add(p.withValue(initialValue(p, new SplittableRandom(streamSeed(seed, i, j)))));
            }
            out.add(layer.withParameters(ps));
        }
        return new Model(name, inputShape, out);
    }

    /** The seed of parameter {@code parameter} of layer {@code layer}'s stream (see {@link #initialise(long)}). */
    public static long streamSeed(long seed, int layer, int parameter) {
        long z = seed + 0x9E3779B97F4A7C15L * (1L + 64L * layer + parameter);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static Tensor initialValue(Parameter p, SplittableRandom random) {
        Tensor t = Tensor.zeros(p.shape());
        float[] d = t.data();
        switch (p.init()) {
            case ZEROS -> {
            }
            case ONES -> Arrays.fill(d, 1f);
            case HE_NORMAL -> {
                int rows = p.shape()[0];
                int perRow = d.length / rows;
                float[] mask = p.mask() == null ? null : p.mask().data();
                double[] pair = new double[2];
                int have = 0;
                for (int r = 0; r < rows; r++) {
                    int fanIn = perRow;
                    if (mask != null) {
                        fanIn = 0;
                        for (int k = r * perRow; k < (r + 1) * perRow; k++) {
                            fanIn += mask[k] != 0f ? 1 : 0;
                        }
                    }
                    double std = Math.sqrt(2.0 / Math.max(1, fanIn));
                    for (int k = r * perRow; k < (r + 1) * perRow; k++) {
                        if (have == 0) {
                            double u1 = 1.0 - random.nextDouble();
                            double u2 = random.nextDouble();
                            double radius = StrictMath.sqrt(-2.0 * StrictMath.log(u1));
                            pair[0] = radius * StrictMath.cos(2 * StrictMath.PI * u2);
                            pair[1] = radius * StrictMath.sin(2 * StrictMath.PI * u2);
                            have = 2;
                        }
                        double z = pair[2 - have--];
                        d[k] = mask != null && mask[k] == 0f ? 0f : (float) (z * std);
                    }
                }
            }
            default -> throw new IllegalStateException("unknown init " + p.init());
        }
        return t;
    }

    /**
     * A copy whose batch-norm layers hold random statistics (gamma and var uniform in [0.5, 1.5), beta and mean in
     * [-0.5, 0.5)), drawn from {@code seed}; for tests of folding, where the defaults (gamma 1, beta 0, mean 0, var 1)
     * would hide mistakes. Other parameters are kept. The model must be initialised.
     */
    public Model withRandomBatchNorm(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Layer> out = new ArrayList<>();
        for (Layer layer : layers) {
            if (!(layer.op() instanceof Operator.BatchNorm)) {
                out.add(layer);
                continue;
            }
            List<Parameter> ps = new ArrayList<>();
            for (Parameter p : layer.parameters()) {
                float lo = p.name().equals("gamma") || p.name().equals("var") ? 0.5f : -0.5f;
                float[] v = new float[(int) p.size()];
                for (int k = 0; k < v.length; k++) {
                    v[k] = lo + (float) random.nextDouble();
                }
                ps.add(p.withValue(new Tensor(v, p.shape())));
            }
            out.add(layer.withParameters(ps));
        }
        return new Model(name, inputShape, out);
    }

    /** Runs the model on {@code input} [N, C, H, W] and returns the last layer's output. */
    public Tensor forward(Backend backend, Tensor input) {
        Map<String, Tensor> all = forwardAll(backend, input);
        return all.get(layers.get(layers.size() - 1).name());
    }

    /**
     * Runs the model and returns every layer's output by layer name, in layer order (the input is not included).
     * Every layer goes through {@code backend.run(op, inputs)} with its inputs followed by its parameter values
     * ({@link LayerByLayerGraph}); {@link #compile} gives the backend's own plan.
     *
     * @throws IllegalStateException    when the model has not been initialised
     * @throws IllegalArgumentException when the input's shape is not [N, C, H, W] of this model
     */
    public LinkedHashMap<String, Tensor> forwardAll(Backend backend, Tensor input) {
        int[] s = input.shape();
        if (s.length != 4 || s[1] != inputShape[0] || s[2] != inputShape[1] || s[3] != inputShape[2]) {
            throw new IllegalArgumentException(name + ": input " + input.shapeString() + " must be Nx"
                    + Tensor.shapeString(inputShape));
        }
        try (CompiledGraph plan = new LayerByLayerGraph(backend, toGraph(), s[0])) {
            return plan.runAll(input);
        }
    }

    /**
     * This model as a backend {@link Graph}: the same nodes, operators, inputs and parameter values.
     *
     * @throws IllegalStateException when the model has not been initialised
     */
    public Graph toGraph() {
        List<GraphNode> nodes = new ArrayList<>(layers.size());
        for (Layer layer : layers) {
            List<Tensor> values = new ArrayList<>();
            for (Parameter p : layer.parameters()) {
                values.add(p.requireValue(layer.name()));
            }
            nodes.add(new GraphNode(layer.name(), layer.op(), layer.inputs(), values));
        }
        return new Graph(name, inputShape, nodes);
    }

    /**
     * Compiles the model for {@code backend} and batches of {@code batch} images (see {@link Backend#compile}).
     * Close the result before the backend.
     */
    public CompiledGraph compile(Backend backend, int batch) {
        return backend.compile(toGraph(), batch);
    }

    /**
     * Compiles the model as {@link #compile(Backend, int)} with the plan's convolution algorithms chosen (overall and
     * per layer by name; the model itself carries none).
     */
    public CompiledGraph compile(Backend backend, int batch, ConvAlgorithms algorithms) {
        return backend.compile(toGraph(), batch, algorithms);
    }

    /**
     * Per-layer convolution algorithms for this model: {@code choose.apply(layer)} for each convolution layer, AUTO
     * overall.
     */
    public ConvAlgorithms convAlgorithms(java.util.function.Function<Layer, ConvAlgorithm> choose) {
        Map<String, ConvAlgorithm> perLayer = new HashMap<>();
        for (Layer layer : layers) {
            if (layer.op() instanceof Operator.Conv2d) {
                perLayer.put(layer.name(), choose.apply(layer));
            }
        }
        return new ConvAlgorithms(ConvAlgorithm.AUTO, perLayer);
    }

    /**
     * An equivalent model with every batch norm folded into the convolution before it ({@link BatchNormFolding}):
     * where a batch-norm layer reads a convolution without fused ReLU that nothing else reads
     * ({@link BatchNormFolding#foldable}, the search the plans' {@code GraphFusion} uses too; chains of batch norms
     * fold one after the other), the convolution gets the folded weight and a bias, the batch-norm layer disappears,
     * and layers that read it read the convolution. Other batch norms stay. The model must be initialised.
     */
    public Model foldBatchNorm() {
        Map<String, String> renamed = BatchNormFolding.foldable(layers.stream()
                .map(l -> new BatchNormFolding.Node(l.name(), l.op(), l.inputs())).toList());
        Map<String, Layer> byName = new HashMap<>();
        for (Layer layer : layers) {
            byName.put(layer.name(), layer);
        }
        Map<String, Layer> foldedConvs = new HashMap<>();
        renamed.forEach((bnName, convName) -> {
            Layer bn = byName.get(bnName);
            Layer conv = foldedConvs.getOrDefault(convName, byName.get(convName));
            Parameter weight = conv.parameter("weight");
            Parameter bias = conv.parameter("bias");
            BatchNormFolding.FoldedConv folded = BatchNormFolding.fold(weight.requireValue(conv.name()),
                    bias == null ? null : bias.requireValue(conv.name()),
                    bn.parameter("gamma").requireValue(bn.name()).data(),
                    bn.parameter("beta").requireValue(bn.name()).data(),
                    bn.parameter("mean").requireValue(bn.name()).data(),
                    bn.parameter("var").requireValue(bn.name()).data(), ((Operator.BatchNorm) bn.op()).epsilon());
            List<Parameter> ps = List.of(weight.withValue(folded.weight()),
                    Parameter.of("bias", Parameter.Init.ZEROS, folded.bias().shape()).withValue(folded.bias()));
            foldedConvs.put(conv.name(), conv.withParameters(ps));
        });
        List<Layer> out = new ArrayList<>();
        for (Layer layer : layers) {
            if (renamed.containsKey(layer.name())) {
                continue;
            }
            Layer l = foldedConvs.getOrDefault(layer.name(), layer);
            List<String> inputs = l.inputs().stream().map(i -> renamed.getOrDefault(i, i)).toList();
            out.add(new Layer(l.name(), l.op(), inputs, l.parameters()));
        }
        return new Model(name, inputShape, out);
    }

    @Override
    public String toString() {
        return "Model[" + name + ", input " + Tensor.shapeString(inputShape) + ", " + layers.size() + " layers]";
    }
}
