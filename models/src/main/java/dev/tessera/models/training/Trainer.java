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
 * (its last layer gives the logits [N, 10]).
 *
 * <p>Each step runs the forward pass layer by layer keeping every output, the loss and its gradient, then the layers
 * in reverse: each layer's gradient is turned into gradients of its parameters and of its inputs (summed where a
 * layer is read twice). Layers supported: conv2d (any stride, padding, dilation, groups; fused ReLU; masked weights
 * stay zero), max and average pooling, ReLU, tanh, bias add, residual add, flatten, fully connected. Others (batch
 * norm, LRN, softmax, global pooling) are refused up front.
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

    /** Forward, loss, backward and update on one mini-batch; parameters change in place. */
    private LossResult step(Model model, Mnist.Batch batch, Map<Parameter, Tensor> velocities, SgdSettings sgd) {
        Map<String, Tensor> outputs = forwardAll(backend, model, batch.images());
        List<Layer> layers = model.layers();
        Tensor logits = outputs.get(layers.get(layers.size() - 1).name());
        LossResult loss = backend.softmaxCrossEntropy(logits, batch.labels());
        Map<String, Tensor> gradients = new HashMap<>();
        gradients.put(layers.get(layers.size() - 1).name(), loss.gradient());
        for (int i = layers.size() - 1; i >= 0; i--) {
            Layer layer = layers.get(i);
            Tensor dy = gradients.remove(layer.name());
            if (dy == null) {
                continue; // nothing downstream of it reaches the loss
            }
            backward(layer, outputs, dy, gradients, velocities, sgd);
        }
        return loss;
    }

    private void backward(Layer layer, Map<String, Tensor> outputs, Tensor dy, Map<String, Tensor> gradients,
            Map<Parameter, Tensor> velocities, SgdSettings sgd) {
        Tensor y = outputs.get(layer.name());
        String inputName = layer.inputs().get(0);
        Tensor x = outputs.get(inputName);
        boolean needsInputGradient = !inputName.equals(Model.INPUT);
        Operator op = layer.op();
        if (op instanceof Operator.Conv2d conv) {
            Tensor g = conv.relu() ? backend.reluBackward(y, dy) : dy;
            Parameter weight = layer.parameters().get(0);
            if (needsInputGradient) { // from the weight before this step's update
                accumulate(gradients, inputName, backend.convBackwardData(conv, g, weight.value(), x.shape()));
            }
            update(weight, backend.convBackwardWeight(conv, x, g, weight.shape()), velocities, sgd, true);
            updateBias(layer, g, velocities, sgd);
        } else if (op instanceof Operator.FullyConnected fc) {
            Tensor g = fc.relu() ? backend.reluBackward(y, dy) : dy;
            Parameter weight = layer.parameters().get(0);
            if (needsInputGradient) { // from the weight before this step's update
                accumulate(gradients, inputName, backend.fcBackwardData(g, weight.value(), x.shape()));
            }
            update(weight, backend.fcBackwardWeight(x, g), velocities, sgd, true);
            updateBias(layer, g, velocities, sgd);
        } else if (op instanceof Operator.BiasAdd) {
            update(layer.parameters().get(0), backend.biasBackward(dy), velocities, sgd, false);
            accumulate(gradients, inputName, dy);
        } else if (op instanceof Operator.Pool pool) {
            accumulate(gradients, inputName, backend.poolBackward(pool, x, dy));
        } else if (op instanceof Operator.Relu) {
            accumulate(gradients, inputName, backend.reluBackward(y, dy));
        } else if (op instanceof Operator.Tanh) {
            accumulate(gradients, inputName, backend.tanhBackward(y, dy));
        } else if (op instanceof Operator.Flatten) {
            accumulate(gradients, inputName, dy.copy().reshape(x.shape()));
        } else if (op instanceof Operator.Add add) {
            Tensor g = add.relu() ? backend.reluBackward(y, dy) : dy;
            for (String in : layer.inputs()) {
                accumulate(gradients, in, g);
            }
        } else {
            throw new IllegalStateException("unreachable: " + op.name() + " passed requireTrainable");
        }
    }

    /** One optimiser step for one parameter, in place; {@code decay}: apply the weight decay. */
    private void update(Parameter p, Tensor gradient, Map<Parameter, Tensor> velocities, SgdSettings sgd,
            boolean decay) {
        backend.sgdStep(p.value(), velocities.get(p), gradient, p.mask(),
                decay ? sgd : new SgdSettings(sgd.learningRate(), sgd.momentum(), 0));
    }

    /** Biases are not decayed, as usual. */
    private void updateBias(Layer layer, Tensor g, Map<Parameter, Tensor> velocities, SgdSettings sgd) {
        Parameter bias = layer.parameter("bias");
        if (bias != null) {
            update(bias, backend.biasBackward(g), velocities, sgd, false);
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
            Tensor logits = model.forward(backend.forward(), b.images());
            LossResult loss = backend.softmaxCrossEntropy(logits, b.labels());
            lossSum += loss.meanLoss() * count;
            correct += loss.correct();
        }
        return new Evaluation(lossSum / data.size(), (double) correct / data.size(), correct, data.size());
    }

    /**
     * Checks that training supports every layer and that the output is [N, 10].
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
        if (!java.util.Arrays.equals(model.inputShape(), new int[] {1, Mnist.SIDE, Mnist.SIDE})) {
            throw new IllegalArgumentException(model.name() + ": training on MNIST needs input 1x28x28, the model takes "
                    + Tensor.shapeString(model.inputShape()));
        }
        int[] out = model.outputShape(1);
        if (out.length != 2 || out[1] != Mnist.CLASSES) {
            throw new IllegalArgumentException(model.name() + ": training on MNIST needs logits [N, 10], the model"
                    + " gives " + Tensor.shapeString(out));
        }
        if (!model.isInitialised()) {
            throw new IllegalArgumentException(model.name() + ": initialise the model before training");
        }
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
