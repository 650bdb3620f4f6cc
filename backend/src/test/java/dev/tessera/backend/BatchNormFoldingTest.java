package dev.tessera.backend;

import static dev.tessera.backend.TensorAssert.assertClose;
import static dev.tessera.backend.TensorAssert.assertTensor;
import static dev.tessera.backend.TensorAssert.widen;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.tessera.backend.BatchNormFolding.FoldedConv;
import dev.tessera.backend.reference.ReferenceBackend;

class BatchNormFoldingTest {
    private final ReferenceBackend backend = new ReferenceBackend();

    @Test
    void handWorkedChannel() {
        // w = 2, b = 1, gamma = 3, beta = 0.5, mean = 1, var = 3, eps = 1: scale = 3 / sqrt(4) = 1.5,
        // w' = 2 * 1.5 = 3, b' = (1 - 1) * 1.5 + 0.5 = 0.5; without a bias b' = (0 - 1) * 1.5 + 0.5 = -1.
        Tensor w = new Tensor(new float[] {2}, 1, 1, 1, 1);
        float[] gamma = {3}, beta = {0.5f}, mean = {1}, var = {3};
        FoldedConv withBias = BatchNormFolding.fold(w, new Tensor(new float[] {1}, 1), gamma, beta, mean, var, 1.0);
        assertTensor(withBias.weight(), new int[] {1, 1, 1, 1}, 3);
        assertTensor(withBias.bias(), new int[] {1}, 0.5);
        FoldedConv noBias = BatchNormFolding.fold(w, null, gamma, beta, mean, var, 1.0);
        assertTensor(noBias.bias(), new int[] {1}, -1);
        assertArrayEquals(new float[] {2}, w.data(), "the original weight is not modified");
    }

    @Test
    void foldedConvolutionEqualsConvolutionThenBatchNorm() {
        SplittableRandom random = new SplittableRandom(7);
        // (groups, stride, with bias): a plain conv, a grouped one without bias (ResNet's case), a depthwise one
        int[][] cases = {{1, 1, 1}, {2, 2, 0}, {6, 1, 1}};
        for (int[] c : cases) {
            int groups = c[0];
            int k = 6;
            Tensor x = Tensor.random(random.nextLong(), -1, 1, 2, 6, 9, 9);
            Tensor w = Tensor.random(random.nextLong(), -1, 1, k, 6 / groups, 3, 3);
            Tensor b = c[2] == 1 ? Tensor.random(random.nextLong(), -1, 1, k) : null;
            Tensor gamma = Tensor.random(random.nextLong(), 0.5f, 2, k);
            Tensor beta = Tensor.random(random.nextLong(), -1, 1, k);
            Tensor mean = Tensor.random(random.nextLong(), -0.5f, 0.5f, k);
            Tensor var = Tensor.random(random.nextLong(), 0.1f, 3, k);
            double eps = 1e-5;
            Operator.Conv2d conv = Operator.Conv2d.of(c[1], 1).withGroups(groups);

            Tensor convolved = b == null ? backend.apply(conv, x, w) : backend.apply(conv, x, w, b);
            Tensor expected = backend.apply(new Operator.BatchNorm(eps), convolved, gamma, beta, mean, var);
            FoldedConv folded = BatchNormFolding.fold(w, b, gamma.data(), beta.data(), mean.data(), var.data(), eps);
            Tensor actual = backend.apply(conv, x, folded.weight(), folded.bias());

            assertArrayEquals(expected.shape(), actual.shape());
            assertClose(widen(expected.data()), actual.data(), 1e-5, 1e-6);
        }
    }

    private static BatchNormFolding.Node node(String name, Operator op, String... inputs) {
        return new BatchNormFolding.Node(name, op, java.util.List.of(inputs));
    }

    @Test
    void theSearchFoldsWhereNothingElseReadsTheConvolutionAndFollowsChains() {
        Operator bn = new Operator.BatchNorm(1e-5);
        Operator.Conv2d conv = Operator.Conv2d.of(1, 1);
        var nodes = java.util.List.of(
                node("bn0", bn, "input"), // reads the input: no convolution to fold into
                node("c1", conv, "bn0"), node("bn1", bn, "c1"), node("bn1b", bn, "bn1"), // a chain: both into c1
                node("c2", conv.withRelu(true), "bn1b"), node("bn2", bn, "c2"), // c2 has a fused ReLU
                node("c3", conv, "bn2"), node("bn3", bn, "c3"), node("r3", new Operator.Relu(), "c3"), // two readers
                node("c4", conv, "r3"), node("r4", new Operator.Relu(), "c4"), node("bn4", bn, "r4"), // after a ReLU
                node("c5", conv.withGroups(2), "bn4"), node("bn5", bn, "c5"), node("add", new Operator.Add(false),
                        "bn5", "bn3"));
        assertEquals(java.util.List.of(java.util.Map.entry("bn1", "c1"), java.util.Map.entry("bn1b", "c1"),
                java.util.Map.entry("bn5", "c5")), java.util.List.copyOf(BatchNormFolding.foldable(nodes).entrySet()));
    }

    @Test
    void rejectsMismatchedParameters() {
        Tensor w = Tensor.zeros(4, 2, 3, 3);
        float[] four = {1, 1, 1, 1};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BatchNormFolding.fold(w, null, four, four, new float[3], four, 1e-5));
        assertTrue(e.getMessage().contains("mean has 3 values"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> BatchNormFolding.fold(w, Tensor.zeros(3), four, four, four, four, 1e-5));
        assertTrue(e.getMessage().contains("bias 3 must be [4]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> BatchNormFolding.fold(w, null, four, four, four, new float[] {1, 1, -1, 1}, 0));
        assertTrue(e.getMessage().contains("channel 2"), e.getMessage());
    }
}
