package dev.tessera.backend;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Folds an inference batch normalisation into the convolution before it, so that one convolution computes both:
 * with {@code scale = gamma / sqrt(var + epsilon)} per output channel, {@code w' = w * scale} and
 * {@code b' = (b - mean) * scale + beta} ({@code b = 0} when the convolution has no bias). Computed in double, rounded
 * to float once.
 */
public final class BatchNormFolding {
    private BatchNormFolding() {
    }

    /**
     * A node of a network as {@link #foldable} sees it: models' layers and graphs' nodes alike.
     *
     * @param name   unique in the network
     * @param op     its operator
     * @param inputs the names of the nodes (or the network's input) it reads
     */
    public record Node(String name, Operator op, List<String> inputs) {
    }

    /**
     * The one search for batch norms to fold, shared by {@code Model.foldBatchNorm} and
     * {@link dev.tessera.backend.graph.GraphFusion}: a batch norm with one input folds into the convolution that
     * computes that input when the convolution has no fused ReLU and nothing else reads the input (so no value a later
     * node reads is lost). Chains fold: a batch norm reading a folded batch norm folds into the same convolution.
     *
     * @param nodes the network's nodes in an order where every node comes after those it reads
     * @return folded batch norm's name -> the convolution that absorbs it, in node order
     */
    public static Map<String, String> foldable(List<Node> nodes) {
        Map<String, Integer> readers = new HashMap<>();
        Map<String, Operator> ops = new HashMap<>();
        for (Node node : nodes) {
            ops.put(node.name(), node.op());
            for (String in : node.inputs()) {
                readers.merge(in, 1, Integer::sum);
            }
        }
        Map<String, String> into = new LinkedHashMap<>();
        for (Node node : nodes) {
            if (!(node.op() instanceof Operator.BatchNorm) || node.inputs().size() != 1) {
                continue;
            }
            String in = node.inputs().get(0);
            String owner = into.getOrDefault(in, in);
            if (readers.get(in) == 1 && ops.get(owner) instanceof Operator.Conv2d conv && !conv.relu()) {
                into.put(node.name(), owner);
            }
        }
        return into;
    }

    /** The folded convolution's weight [K, C/groups, R, S] and bias [K] (always present). */
    public record FoldedConv(Tensor weight, Tensor bias) {
    }

    /**
     * @param weight  the convolution's weight [K, C/groups, R, S]; not modified
     * @param bias    its bias [K], or null
     * @param gamma   batch-norm scale, one value per output channel
     * @param beta    batch-norm shift, one per output channel
     * @param mean    running mean, one per output channel
     * @param var     running variance, one per output channel
     * @param epsilon added to the variance
     * @throws IllegalArgumentException when a shape or length does not match K, or {@code var + epsilon} is not
     *                                  positive for some channel
     */
    public static FoldedConv fold(Tensor weight, Tensor bias, float[] gamma, float[] beta, float[] mean, float[] var,
            double epsilon) {
        if (weight.rank() != 4) {
            throw new IllegalArgumentException("batch-norm folding: weight must be [K, C/groups, R, S], got "
                    + weight.shapeString());
        }
        int k = weight.dim(0);
        if (bias != null && (bias.rank() != 1 || bias.dim(0) != k)) {
            throw new IllegalArgumentException("batch-norm folding: bias " + bias.shapeString() + " must be [" + k
                    + "]");
        }
        String[] names = {"gamma", "beta", "mean", "var"};
        float[][] params = {gamma, beta, mean, var};
        for (int i = 0; i < params.length; i++) {
            if (params[i].length != k) {
                throw new IllegalArgumentException("batch-norm folding: " + names[i] + " has " + params[i].length
                        + " values, the convolution has " + k + " output channels");
            }
        }
        int perChannel = weight.size() / k;
        float[] w = weight.data();
        float[] folded = new float[w.length];
        float[] foldedBias = new float[k];
        for (int o = 0; o < k; o++) {
            double denominator = var[o] + epsilon;
            if (!(denominator > 0)) {
                throw new IllegalArgumentException("batch-norm folding: var + epsilon = " + denominator
                        + " is not positive for channel " + o);
            }
            double scale = gamma[o] / Math.sqrt(denominator);
            for (int i = o * perChannel; i < (o + 1) * perChannel; i++) {
                folded[i] = (float) (w[i] * scale);
            }
            double b = bias == null ? 0.0 : bias.data()[o];
            foldedBias[o] = (float) ((b - mean[o]) * scale + beta[o]);
        }
        return new FoldedConv(new Tensor(folded, weight.shape()), new Tensor(foldedBias, k));
    }
}
