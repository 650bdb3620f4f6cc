package dev.tessera.models.training;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.training.LossResult;
import dev.tessera.backend.training.SgdSettings;
import dev.tessera.backend.training.TrainingBackend;
import dev.tessera.models.Layer;
import dev.tessera.models.Model;
import dev.tessera.models.Parameter;
import dev.tessera.models.data.Mnist;

/**
 * Trains a classifier on MNIST with mini-batch SGD with momentum and softmax cross-entropy on the model's output
 * (its last layer gives the logits [N, 10]). Models with a larger square input (lenet5-classic, 32x32) get the digits
 * centred in a zero border ({@link #fitInput}).
 *
 * <p>Each step runs the forward pass layer by layer keeping every output, the loss and its gradient, then the layers
 * in reverse: each layer's gradient is turned into gradients of its parameters and of its inputs (summed where a
 * layer is read twice). Layers supported: conv2d (any stride, padding, dilation, groups; fused ReLU; masked weights
 * stay zero), max and average pooling, ReLU, tanh, bias add, residual add, flatten, fully connected. Others (batch
 * norm, LRN, softmax, global pooling) are refused up front.
 *
 * <p>With {@link TrainingSettings#maxShift()} above 0 each training image is shifted by a few random pixels per
 * epoch (augmentation); the held-out set is never changed.
 *
 * <p>On the reference backend training is deterministic: the same seed, settings and data give the same weights, bit
 * for bit. Every epoch shuffles the training set with a permutation drawn from one {@link SplittableRandom} seeded
 * with the settings' seed.
 */
public final class Trainer {
    private final TrainingBackend backend;
    private final TrainingSettings settings;

    public Trainer(TrainingBackend backend, TrainingSettings settings) {
        this.backend = backend;
        this.settings = settings;
    }

    /** Loss and top-1 accuracy of a model on a data set. */
    public record Evaluation(double loss, double accuracy, int correct, int total) {
    }

    /**
     * Trains a copy of {@code model} (initialised; it is not changed) on {@code train}, evaluating on {@code test}
     * after each epoch, and returns the trained copy.
     *
     * @throws IllegalArgumentException when the model has a layer training does not support or its output is not
     *                                  [N, 10]
     */
    public Model train(Model model, Mnist train, Mnist test, TrainingListener listener) {
        requireTrainable(model);
        if (!model.isInitialised()) {
            throw new IllegalArgumentException(model.name() + ": initialise the model before training");
        }
        Model working = copyValues(model);
        Map<Parameter, Tensor> velocities = new java.util.IdentityHashMap<>();
        for (Layer layer : working.layers()) {
            for (Parameter p : layer.parameters()) {
                velocities.put(p, Tensor.zeros(p.shape()));
            }
        }
        SplittableRandom random = new SplittableRandom(settings.seed());
        int[] order = new int[train.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        int batches = (train.size() + settings.batch() - 1) / settings.batch();
        for (int epoch = 0; epoch < settings.epochs(); epoch++) {
            long start = System.nanoTime();
            shuffle(order, random);
            double rate = settings.schedule().rate(settings.sgd().learningRate(), epoch, settings.epochs());
            SgdSettings sgd = settings.sgd().withLearningRate(rate);
            double lossSum = 0;
            int correct = 0;
            for (int b = 0; b < batches; b++) {
                int from = b * settings.batch();
                int count = Math.min(settings.batch(), order.length - from);
                Mnist.Batch batch = train.subset(java.util.Arrays.copyOfRange(order, from, from + count))
                        .batch(0, count);
                if (settings.maxShift() > 0) {
                    batch = new Mnist.Batch(shifted(batch.images(), settings.maxShift(), random), batch.labels());
                }
                LossResult loss = step(working, batch, velocities, sgd);
                lossSum += loss.meanLoss() * count;
                correct += loss.correct();
                listener.batchDone(epoch + 1, b, batches, loss.meanLoss());
            }
            Evaluation evaluation = evaluate(backend, working, test, 500);
            listener.epochDone(new EpochResult(epoch + 1, rate, lossSum / order.length,
                    (double) correct / order.length, evaluation.loss(), evaluation.accuracy(),
                    (System.nanoTime() - start) / 1e9));
        }
        return copyValues(working);
    }

    /** The loss of one mini-batch and the gradient of its mean loss for every parameter, by identity. */
    public record BatchGradients(LossResult loss, Map<Parameter, Tensor> gradients) {
    }

    /** Forward, loss, backward and update on one mini-batch; parameters change in place. */
    private LossResult step(Model model, Mnist.Batch batch, Map<Parameter, Tensor> velocities, SgdSettings sgd) {
        BatchGradients result = gradients(model, fitInput(batch.images(), model.inputShape()), batch.labels());
        for (Layer layer : model.layers()) {
            for (Parameter p : layer.parameters()) {
                Tensor gradient = result.gradients().get(p);
                if (gradient != null) {
                    // biases are not decayed, as usual
                    SgdSettings settings = p.name().equals("bias")
                            ? new SgdSettings(sgd.learningRate(), sgd.momentum(), 0) : sgd;
                    backend.sgdStep(p.value(), velocities.get(p), gradient, p.mask(), settings);
                }
            }
        }
        return result.loss();
    }

    /**
     * The mean softmax cross-entropy of {@code images} (already of the model's input shape) against {@code labels},
     * and its gradient with respect to every parameter (masked entries 0); nothing changes.
     */
    public BatchGradients gradients(Model model, Tensor images, int[] labels) {
        Map<String, Tensor> outputs = forwardAll(backend, model, images);
        List<Layer> layers = model.layers();
        Tensor logits = outputs.get(layers.get(layers.size() - 1).name());
        LossResult loss = backend.softmaxCrossEntropy(logits, labels);
        Map<String, Tensor> upstream = new HashMap<>();
        upstream.put(layers.get(layers.size() - 1).name(), loss.gradient());
        Map<Parameter, Tensor> parameterGradients = new java.util.IdentityHashMap<>();
        for (int i = layers.size() - 1; i >= 0; i--) {
            Layer layer = layers.get(i);
            Tensor dy = upstream.remove(layer.name());
            if (dy != null) { // else nothing downstream of it reaches the loss
                backward(layer, outputs, dy, upstream, parameterGradients);
            }
        }
        return new BatchGradients(loss, parameterGradients);
    }

    private void backward(Layer layer, Map<String, Tensor> outputs, Tensor dy, Map<String, Tensor> upstream,
            Map<Parameter, Tensor> parameterGradients) {
        Tensor y = outputs.get(layer.name());
        String inputName = layer.inputs().get(0);
        Tensor x = outputs.get(inputName);
        boolean needsInputGradient = !inputName.equals(Model.INPUT);
        Operator op = layer.op();
        if (op instanceof Operator.Conv2d conv) {
            Tensor g = conv.relu() ? backend.reluBackward(y, dy) : dy;
            Parameter weight = layer.parameters().get(0);
            if (needsInputGradient) {
                accumulate(upstream, inputName, backend.convBackwardData(conv, g, weight.value(), x.shape()));
            }
            parameterGradients.put(weight, masked(backend.convBackwardWeight(conv, x, g, weight.shape()), weight));
            biasGradient(layer, g, parameterGradients);
        } else if (op instanceof Operator.FullyConnected fc) {
            Tensor g = fc.relu() ? backend.reluBackward(y, dy) : dy;
            Parameter weight = layer.parameters().get(0);
            if (needsInputGradient) {
                accumulate(upstream, inputName, backend.fcBackwardData(g, weight.value(), x.shape()));
            }
            parameterGradients.put(weight, masked(backend.fcBackwardWeight(x, g), weight));
            biasGradient(layer, g, parameterGradients);
        } else if (op instanceof Operator.BiasAdd) {
            parameterGradients.put(layer.parameters().get(0), backend.biasBackward(dy));
            accumulate(upstream, inputName, dy);
        } else if (op instanceof Operator.Pool pool) {
            accumulate(upstream, inputName, backend.poolBackward(pool, x, dy));
        } else if (op instanceof Operator.Relu) {
            accumulate(upstream, inputName, backend.reluBackward(y, dy));
        } else if (op instanceof Operator.Tanh) {
            accumulate(upstream, inputName, backend.tanhBackward(y, dy));
        } else if (op instanceof Operator.Flatten) {
            accumulate(upstream, inputName, dy.copy().reshape(x.shape()));
        } else if (op instanceof Operator.Add add) {
            Tensor g = add.relu() ? backend.reluBackward(y, dy) : dy;
            for (String in : layer.inputs()) {
                accumulate(upstream, in, g);
            }
        } else {
            throw new IllegalStateException("unreachable: " + op.name() + " passed requireTrainable");
        }
    }

    /** The gradient with the entries of a masked weight's absent connections set to 0. */
    private static Tensor masked(Tensor gradient, Parameter weight) {
        if (weight.mask() != null) {
            float[] m = weight.mask().data();
            float[] g = gradient.data();
            for (int i = 0; i < g.length; i++) {
                g[i] = m[i] == 0f ? 0f : g[i];
            }
        }
        return gradient;
    }

    private void biasGradient(Layer layer, Tensor g, Map<Parameter, Tensor> parameterGradients) {
        Parameter bias = layer.parameter("bias");
        if (bias != null) {
            parameterGradients.put(bias, backend.biasBackward(g));
        }
    }

    private static void accumulate(Map<String, Tensor> gradients, String name, Tensor g) {
        if (name.equals(Model.INPUT)) {
            return;
        }
        Tensor existing = gradients.get(name);
        if (existing == null) {
            gradients.put(name, g);
            return;
        }
        float[] sum = existing.data().clone();
        float[] add = g.data();
        for (int i = 0; i < sum.length; i++) {
            sum[i] += add[i];
        }
        gradients.put(name, new Tensor(sum, existing.shape()));
    }

    /** Every layer's output by name, the input under {@link Model#INPUT}. */
    private static Map<String, Tensor> forwardAll(TrainingBackend backend, Model model, Tensor input) {
        Map<String, Tensor> outputs = new HashMap<>();
        outputs.put(Model.INPUT, input);
        for (Layer layer : model.layers()) {
            List<Tensor> in = new ArrayList<>();
            for (String name : layer.inputs()) {
                in.add(outputs.get(name));
            }
            for (Parameter p : layer.parameters()) {
                in.add(p.requireValue(layer.name()));
            }
            outputs.put(layer.name(), backend.forward().run(layer.op(), in).output());
        }
        return outputs;
    }

    /**
     * Mean cross-entropy and top-1 accuracy of {@code model} on {@code data}, in batches of {@code batch} images
     * (forward passes only).
     */
    public static Evaluation evaluate(TrainingBackend backend, Model model, Mnist data, int batch) {
        double lossSum = 0;
        int correct = 0;
        for (int from = 0; from < data.size(); from += batch) {
            int count = Math.min(batch, data.size() - from);
            Mnist.Batch b = data.batch(from, count);
            Tensor logits = model.forward(backend.forward(), fitInput(b.images(), model.inputShape()));
            LossResult loss = backend.softmaxCrossEntropy(logits, b.labels());
            lossSum += loss.meanLoss() * count;
            correct += loss.correct();
        }
        return new Evaluation(lossSum / data.size(), (double) correct / data.size(), correct, data.size());
    }

    /**
     * Checks that training supports every layer, the input (1x28x28, or a larger square the digits are centred in)
     * and the output ([N, 10]); the model need not be initialised.
     *
     * @throws IllegalArgumentException naming the first layer it cannot train
     */
    public static void requireTrainable(Model model) {
        for (Layer layer : model.layers()) {
            Operator op = layer.op();
            boolean supported = op instanceof Operator.Conv2d || op instanceof Operator.FullyConnected
                    || op instanceof Operator.BiasAdd || op instanceof Operator.Pool || op instanceof Operator.Relu
                    || op instanceof Operator.Tanh || op instanceof Operator.Flatten || op instanceof Operator.Add;
            if (!supported) {
                throw new IllegalArgumentException(model.name() + ": training does not support layer "
                        + layer.name() + " (" + op.name() + "); it supports conv2d, fc, biasadd, maxpool, avgpool,"
                        + " relu, tanh, add and flatten");
            }
        }
        int[] in = model.inputShape();
        if (in[0] != 1 || in[1] != in[2] || in[1] < Mnist.SIDE || (in[1] - Mnist.SIDE) % 2 != 0) {
            throw new IllegalArgumentException(model.name() + ": training on MNIST needs input 1x28x28 (or a larger"
                    + " square, padded evenly with zeros), the model takes " + Tensor.shapeString(in));
        }
        int[] out = model.outputShape(1);
        if (out.length != 2 || out[1] != Mnist.CLASSES) {
            throw new IllegalArgumentException(model.name() + ": training on MNIST needs logits [N, 10], the model"
                    + " gives " + Tensor.shapeString(out));
        }
    }

    /**
     * Each image of [N, 1, H, W] moved by (dy, dx), each drawn uniformly from [-maxShift, maxShift] in that order
     * per image; cells moved in from outside are 0.
     */
    static Tensor shifted(Tensor images, int maxShift, SplittableRandom random) {
        int n = images.dim(0);
        int h = images.dim(2);
        int w = images.dim(3);
        Tensor out = Tensor.zeros(images.shape());
        float[] src = images.data();
        float[] dst = out.data();
        for (int i = 0; i < n; i++) {
            int dy = random.nextInt(2 * maxShift + 1) - maxShift;
            int dx = random.nextInt(2 * maxShift + 1) - maxShift;
            for (int row = Math.max(0, dy); row < Math.min(h, h + dy); row++) {
                int col0 = Math.max(0, dx);
                int length = Math.min(w, w + dx) - col0;
                System.arraycopy(src, (i * h + row - dy) * w + col0 - dx, dst, (i * h + row) * w + col0, length);
            }
        }
        return out;
    }

    /**
     * MNIST images [N, 1, 28, 28] as the model's input [N, 1, S, S]: unchanged for S = 28, else centred with a border
     * of (S - 28) / 2 zeros, as LeCun et al. fed 28x28 digits to the 32x32 LeNet-5.
     */
    public static Tensor fitInput(Tensor images, int[] modelInput) {
        int side = modelInput[1];
        if (side == Mnist.SIDE) {
            return images;
        }
        int border = (side - Mnist.SIDE) / 2;
        int n = images.dim(0);
        Tensor out = Tensor.zeros(n, 1, side, side);
        for (int i = 0; i < n; i++) {
            for (int row = 0; row < Mnist.SIDE; row++) {
                System.arraycopy(images.data(), (i * Mnist.SIDE + row) * Mnist.SIDE, out.data(),
                        (i * side + row + border) * side + border, Mnist.SIDE);
            }
        }
        return out;
    }

    /** The same model holding copies of every parameter value (so training never changes the caller's tensors). */
    private static Model copyValues(Model model) {
        List<Layer> layers = new ArrayList<>();
        for (Layer layer : model.layers()) {
            List<Parameter> ps = new ArrayList<>();
            for (Parameter p : layer.parameters()) {
                ps.add(p.withValue(p.value().copy()));
            }
            layers.add(new Layer(layer.name(), layer.op(), layer.inputs(), ps));
        }
        return new Model(model.name(), model.inputShape(), layers);
    }

    private static void shuffle(int[] order, SplittableRandom random) {
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }
}
