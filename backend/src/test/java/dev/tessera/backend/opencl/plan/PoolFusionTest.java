package dev.tessera.backend.opencl.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.tessera.backend.Accuracy;
import dev.tessera.backend.ConvAlgorithm;
import dev.tessera.backend.ConvAlgorithms;
import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.Tolerances;
import dev.tessera.backend.graph.CompiledGraph;
import dev.tessera.backend.graph.Graph;
import dev.tessera.backend.graph.GraphFusion;
import dev.tessera.backend.graph.GraphNode;
import dev.tessera.backend.graph.GraphShapes;
import dev.tessera.backend.opencl.OpenClAgainstReference;

/**
 * Max pools computed inside the direct convolution before them ({@link PoolFusion}, conv_direct.cl's
 * {@code conv_direct_maxpool2}): which pools the plan fuses, and the fused plans against the double-precision
 * reference's graph (LeNet-5's shapes and random ones, batch 1 and 3).
 */
class PoolFusionTest extends OpenClAgainstReference {
    private static final Operator.Pool POOL = Operator.Pool.of(Operator.Pool.Kind.MAX, 2, 2, 0);

    private static GraphNode conv(String name, Operator.Conv2d op, String in, long seed, int k, int c, int r) {
        return new GraphNode(name, op, List.of(in), List.of(Tensor.random(seed, -0.5f, 0.5f, k, c, r, r),
                Tensor.random(seed + 1, -0.5f, 0.5f, k)));
    }

    private static GraphNode node(String name, Operator op, String... in) {
        return new GraphNode(name, op, List.of(in), List.of());
    }

    /** LeNet-5 as the model zoo builds it (random weights): conv+ReLU+pool twice, then FC 120 ReLU, 84 ReLU, 10. */
    static Graph lenet5() {
        Operator.Conv2d conv = Operator.Conv2d.of(1, 0);
        return new Graph("lenet5", new int[] {1, 28, 28}, List.of(
                conv("conv1", Operator.Conv2d.of(1, 2), Graph.INPUT, 1, 6, 1, 5),
                node("relu1", new Operator.Relu(), "conv1"), node("pool1", POOL, "relu1"),
                conv("conv2", conv, "pool1", 3, 16, 6, 5), node("relu2", new Operator.Relu(), "conv2"),
                node("pool2", POOL, "relu2"), node("flatten", new Operator.Flatten(), "pool2"),
                new GraphNode("fc1", new Operator.FullyConnected(true), List.of("flatten"),
                        List.of(Tensor.random(5, -0.1f, 0.1f, 120, 400), Tensor.random(6, -0.1f, 0.1f, 120))),
                new GraphNode("fc2", new Operator.FullyConnected(true), List.of("fc1"),
                        List.of(Tensor.random(7, -0.1f, 0.1f, 84, 120), Tensor.random(8, -0.1f, 0.1f, 84))),
                new GraphNode("fc3", new Operator.FullyConnected(false), List.of("fc2"),
                        List.of(Tensor.random(9, -0.1f, 0.1f, 10, 84), Tensor.random(10, -0.1f, 0.1f, 10)))));
    }

    private static Map<String, PoolFusion.Candidate> plan(Graph graph) {
        GraphFusion fusion = GraphFusion.of(graph);
        Map<String, String> storage = ResidualFusion.storage(graph.nodes(), fusion, List.of());
        return PoolFusion.plan(graph.nodes(), fusion, storage, GraphShapes.of(graph, 1));
    }

    /** Runs {@code graph} fused on OpenCL with {@code algorithms} and checks it against the reference; the plan. */
    private static List<CompiledGraph.PlannedLayer> check(Graph graph, int batch, ConvAlgorithms algorithms,
            long seed) {
        Tensor x = Tensor.random(seed, -1, 1, graph.batchedInputShape(batch));
        try (CompiledGraph expected = reference.compile(graph, batch);
                CompiledGraph actual = opencl.compile(graph, batch, algorithms)) {
            Accuracy a = Accuracy.of(actual.run(x), expected.run(x));
            assertTrue(a.relativeL2() <= Tolerances.relativeL2("direct"), graph.name() + " batch " + batch + ": " + a);
            return actual.layers();
        }
    }

    private static CompiledGraph.PlannedLayer layer(List<CompiledGraph.PlannedLayer> layers, String name) {
        return layers.stream().filter(l -> l.node().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void lenet5FusesBothPoolsAndMatchesTheReference() {
        Graph graph = lenet5();
        assertEquals(Map.of("conv1", new PoolFusion.Candidate("conv1", "pool1"), "conv2",
                new PoolFusion.Candidate("conv2", "pool2")), plan(graph));
        for (int batch : new int[] {1, 3}) {
            List<CompiledGraph.PlannedLayer> layers = check(graph, batch, ConvAlgorithms.of(ConvAlgorithm.DIRECT),
                    10 + batch);
            for (String pool : List.of("pool1", "pool2")) {
                assertEquals(OpenClGraph.FUSED, layer(layers, pool).algorithm(), pool);
            }
            assertEquals("direct", layer(layers, "conv1").algorithm());
            assertTrue(layer(layers, "conv1").note().contains("fused relu1, pool1"), layer(layers, "conv1").note());
            assertTrue(layer(layers, "pool2").note().contains("computed by conv2"), layer(layers, "pool2").note());
        }
    }

    @Test
    void underAnotherSolverThePoolRunsOnItsOwnAndSaysWhy() {
        List<CompiledGraph.PlannedLayer> layers = check(lenet5(), 2, ConvAlgorithms.of(ConvAlgorithm.IM2COL), 20);
        assertEquals("pool_rows", layer(layers, "pool1").algorithm());
        assertTrue(layer(layers, "pool1").note().contains("max pool not fused into conv1: solver im2col"),
                layer(layers, "pool1").note());
    }

    @Test
    void onlyA2x2Stride2PoolOverAnEvenOutputReadOnlyByThePoolFuses() {
        Operator.Conv2d same = Operator.Conv2d.of(1, 1);
        // odd output (7x7)
        Graph odd = new Graph("odd", new int[] {2, 7, 7}, List.of(conv("c", same, Graph.INPUT, 1, 4, 2, 3),
                node("p", POOL, "c")));
        assertEquals(Map.of(), plan(odd));
        check(odd, 2, ConvAlgorithms.of(ConvAlgorithm.DIRECT), 30);
        // a 3x3 stride 2 pool
        Graph wide = new Graph("wide", new int[] {2, 8, 8}, List.of(conv("c", same, Graph.INPUT, 1, 4, 2, 3),
                node("p", Operator.Pool.of(Operator.Pool.Kind.MAX, 3, 2, 1), "c")));
        assertEquals(Map.of(), plan(wide));
        // the convolution's value read twice
        Graph twice = new Graph("twice", new int[] {2, 8, 8}, List.of(conv("c", same, Graph.INPUT, 1, 4, 2, 3),
                node("r", new Operator.Relu(), "c"), node("p", POOL, "r"), node("p2", POOL, "c"),
                node("sum", new Operator.Add(false), "p", "p2")));
        assertEquals(Map.of(), plan(twice));
        check(twice, 2, ConvAlgorithms.of(ConvAlgorithm.DIRECT), 31);
        // average pooling
        Graph avg = new Graph("avg", new int[] {2, 8, 8}, List.of(conv("c", same, Graph.INPUT, 1, 4, 2, 3),
                node("p", Operator.Pool.of(Operator.Pool.Kind.AVG, 2, 2, 0), "c")));
        assertEquals(Map.of(), plan(avg));
    }

    @Test
    void randomConvolutionsWithPoolsMatchTheReference() {
        SplittableRandom rnd = new SplittableRandom(20261205);
        for (int i = 0; i < 12; i++) {
            int stride = 1 + rnd.nextInt(2);
            int r = 1 + rnd.nextInt(5);
            int pad = rnd.nextInt(r);
            int dilation = r > 1 && rnd.nextInt(4) == 0 ? 2 : 1;
            int groups = rnd.nextInt(4) == 0 ? 2 : 1;
            int c = groups * (1 + rnd.nextInt(4));
            int k = groups * (1 + rnd.nextInt(7));
            Operator.Conv2d op = new Operator.Conv2d(stride, stride, pad, pad, pad, pad, dilation, dilation, groups,
                    rnd.nextBoolean());
            // an input size whose output is even: out = (h + 2 pad - dilation (r - 1) - 1) / stride + 1
            int out = 2 * (1 + rnd.nextInt(12));
            int h = (out - 1) * stride + dilation * (r - 1) + 1 - 2 * pad;
            if (h < 1) {
                continue;
            }
            int w = h + rnd.nextInt(stride); // the last columns of a stride-2 window row are unread
            List<GraphNode> nodes = new ArrayList<>();
            nodes.add(new GraphNode("c", op, List.of(Graph.INPUT), List.of(Tensor.random(rnd.nextLong(), -0.5f, 0.5f,
                    k, c / groups, r, r), Tensor.random(rnd.nextLong(), -0.5f, 0.5f, k))));
            nodes.add(node("p", POOL, "c"));
            Graph graph = new Graph("random " + i + " " + op + " on " + c + "x" + h + "x" + w, new int[] {c, h, w},
                    nodes);
            assertEquals(Map.of("c", new PoolFusion.Candidate("c", "p")), plan(graph), graph.name());
            int batch = 1 + rnd.nextInt(3);
            List<CompiledGraph.PlannedLayer> layers = check(graph, batch, ConvAlgorithms.of(ConvAlgorithm.DIRECT),
                    rnd.nextLong());
            assertEquals(OpenClGraph.FUSED, layer(layers, "p").algorithm(), graph.name());
        }
    }
}
