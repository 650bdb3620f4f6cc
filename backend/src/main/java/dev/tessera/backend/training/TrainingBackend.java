package dev.tessera.backend.training;

import dev.tessera.backend.Backend;
import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;

/**
 * The backward-capable operator set training needs: the gradients of convolution, pooling, ReLU, tanh and fully
 * connected layers, softmax cross-entropy (loss and gradient), and the SGD-with-momentum update. Forward passes go
 * through {@link #forward()}, an ordinary {@link Backend}.
 *
 * <p>Every gradient is of a scalar loss L: {@code dy} is dL/d(output) of the forward operator, and each method returns
 * dL/d(one of its inputs) with that input's shape. Conventions match the forward operators (see
 * {@code ReferenceBackend}): conv2d is cross-correlation with zero padding; max pooling routes each window's gradient
 * to its <em>first</em> largest real cell in row-major window order; average pooling spreads it over the cells it
 * divided by. Implementations: {@link ReferenceTrainingBackend} (double accumulation, the oracle) and
 * {@code dev.tessera.backend.opencl.OpenClTrainingBackend}.
 */
public interface TrainingBackend extends AutoCloseable {
    /** "reference" or "opencl". */
    String name();

    /** The device it runs on, in words. */
    String device();

    /** The backend that runs forward operators. */
    Backend forward();

    /**
     * dL/dx of a convolution: x [N, C, H, W] = {@code inputShape}, weight [K, C/groups, R, S], dy [N, K, P, Q]. The
     * operator's fused ReLU is not applied here; the caller folds it into dy first ({@link #reluBackward}).
     */
    Tensor convBackwardData(Operator.Conv2d op, Tensor dy, Tensor weight, int[] inputShape);

    /** dL/dweight of a convolution, [K, C/groups, R, S] = {@code weightShape}: summed over the batch. */
    Tensor convBackwardWeight(Operator.Conv2d op, Tensor x, Tensor dy, int[] weightShape);

    /** dL/dbias of a per-channel bias: the sum of dy [N, C, ...] over every axis but 1, shape [C]. */
    Tensor biasBackward(Tensor dy);

    /** dL/dx of max or average pooling; x [N, C, H, W] is the forward input, dy [N, C, P, Q]. */
    Tensor poolBackward(Operator.Pool op, Tensor x, Tensor dy);

    /** dL/dx of ReLU from its output y: {@code dy} where {@code y > 0}, else 0. */
    Tensor reluBackward(Tensor y, Tensor dy);

    /** dL/dx of tanh from its output y: {@code dy * (1 - y^2)}. */
    Tensor tanhBackward(Tensor y, Tensor dy);

    /** dL/dx of a fully connected layer: dy [N, out], weight [out, in]; the result has {@code inputShape}. */
    Tensor fcBackwardData(Tensor dy, Tensor weight, int[] inputShape);

    /** dL/dweight of a fully connected layer, [out, in]: x [N, in] (or [N, C, H, W], flattened), dy [N, out]. */
    Tensor fcBackwardWeight(Tensor x, Tensor dy);

    /**
     * Softmax cross-entropy of logits [N, classes] against {@code labels}: the mean loss over the batch, its gradient
     * {@code (softmax(logits) - onehot(label)) / N}, and how many rows' largest logit is the label (the first largest
     * on ties).
     */
    LossResult softmaxCrossEntropy(Tensor logits, int[] labels);

    /**
     * One SGD-with-momentum step in place, PyTorch's form: {@code v = momentum * v + (g + weightDecay * w)},
     * {@code w = w - learningRate * v}; where {@code mask} (null: none) is 0 the gradient and step are 0, so masked
     * weights keep their value (zero).
     */
    void sgdStep(Tensor weight, Tensor velocity, Tensor gradient, Tensor mask, SgdSettings settings);

    @Override
    void close();
}
