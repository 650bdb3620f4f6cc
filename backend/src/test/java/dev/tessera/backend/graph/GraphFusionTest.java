package dev.tessera.backend.graph;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.tessera.backend.Accuracy;
import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.reference.ReferenceBackend;

class GraphFusionTest {
    private static Tensor positive(long seed, int... shape) {
        return Tensor.random(seed, 0.5f, 1.5f, shape);
    }

    private static List<Tensor> batchNorm(long seed, int channels) {
        return List.of(Tensor.random(seed, 0.5f, 2f, channels), Tensor.random(seed + 1, -1f, 1f, channels),
                Tensor.random(seed + 2, -1f, 1f, channels), positive(seed + 3, channels));
    }

    /**
     * c1 -> bn1 -> r1 fuse into c1; c2 has a fused ReLU already, so bn2 stays; c3 has two readers, so r3 stays; the add
     * takes r4; the batch norm of the input has no convolution before it.
     */
    private static Graph graph() {
        Operator.Conv2d conv = Operator.Conv2d.of(1, 1);
        return new Graph("fusion", new int[] {2, 6, 5}, List.of(
                new GraphNode("bn0", new Operator.BatchNorm(1e-5), List.of(Graph.INPUT), batchNorm(1, 2)),
                new GraphNode("c1", conv, List.of("bn0"), List.of(Tensor.random(2, -1, 1, 4, 2, 3, 3))),
                new GraphNode("bn1", new Operator.BatchNorm(1e-5), List.of("c1"), batchNorm(3, 4)),
                new GraphNode("r1", new Operator.Relu(), List.of("bn1"), List.of()),
                new GraphNode("c2", conv.withRelu(true), List.of("r1"), List.of(Tensor.random(4, -1, 1, 4, 4, 3, 3),
                        Tensor.random(5, -1, 1, 4))),
                new GraphNode("bn2", new Operator.BatchNorm(1e-3), List.of("c2"), batchNorm(6, 4)),
                new GraphNode("c3", Operator.Conv2d.of(1, 0), List.of("bn2"),
                        List.of(Tensor.random(7, -1, 1, 4, 4, 1, 1), Tensor.random(8, -1, 1, 4))),
                new GraphNode("r3", new Operator.Relu(), List.of("c3"), List.of()),
                new GraphNode("add", new Operator.Add(false), List.of("r3", "c3"), List.of()),
                new GraphNode("r4", new Operator.Relu(), List.of("add"), List.of())));
    }

    @Test
    void fusesOnlyWhereNothingElseReadsTheIntermediateValue() {
        GraphFusion fusion = GraphFusion.of(graph());
        assertEquals(Map.of("bn1", "c1", "r1", "c1", "r4", "add"), fusion.absorbed());
        assertEquals(List.of("bn1", "r1"), fusion.absorbedInto("c1"));
        assertEquals(List.of(), fusion.absorbedInto("c3"));
        GraphNode c1 = fusion.fused().get("c1");
        assertTrue(((Operator.Conv2d) c1.op()).relu());
        assertEquals(2, c1.parameters().size(), "folding gives the convolution a bias");
        assertEquals(new Operator.Add(true), fusion.fused().get("add").op());
        assertEquals(2, fusion.fused().size());
    }

    @Test
    void theFusedGraphComputesWhatTheGraphComputes() {
        Graph graph = graph();
        GraphFusion fusion = GraphFusion.of(graph);
        // the fused graph: absorbed nodes dropped, their readers reading the fused node
        List<GraphNode> nodes = new ArrayList<>();
        for (GraphNode node : graph.nodes()) {
            if (!fusion.absorbed().containsKey(node.name())) {
                GraphNode n = fusion.effective(node);
                List<String> inputs = n.inputs().stream().map(i -> fusion.absorbed().getOrDefault(i, i)).toList();
                nodes.add(new GraphNode(n.name(), n.op(), inputs, n.parameters()));
            }
        }
        Graph fused = new Graph("fused", graph.inputShape(), nodes);
        Tensor x = Tensor.random(9, -1, 1, 3, 2, 6, 5);
        try (ReferenceBackend reference = new ReferenceBackend();
                CompiledGraph original = reference.compile(graph, 3);
                CompiledGraph folded = reference.compile(fused, 3)) {
            Accuracy a = Accuracy.of(folded.run(x), original.run(x));
            assertTrue(a.relativeL2() < 1e-5, a.toString());
        }
    }

    @Test
    void noneFusesNothing() {
        GraphNode node = graph().nodes().get(1);
        assertSame(node, GraphFusion.NONE.effective(node));
        assertTrue(GraphFusion.NONE.absorbed().isEmpty());
    }
}
