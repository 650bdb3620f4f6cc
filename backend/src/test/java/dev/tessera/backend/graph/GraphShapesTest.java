package dev.tessera.backend.graph;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.tessera.backend.CheckedSizes;
import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;

/** The one network validation graphs and models share: order, names and shapes. */
class GraphShapesTest {
    private static GraphShapes.Node node(String name, Operator op, List<String> inputs, int[]... parameters) {
        return new GraphShapes.Node(name, op, inputs, List.of(parameters));
    }

    @Test
    void orderAndNamesAreCheckedWithTheCallersWords() {
        int[] chw = {2, 5, 5};
        var relu = new Operator.Relu();
        GraphShapes.checkOrder("net", "model", "layer", chw, List.of(node("a", relu, List.of(Graph.INPUT)),
                node("b", relu, List.of("a")), node("sum", new Operator.Add(false), List.of("a", "b"))));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GraphShapes.checkOrder("net",
                "model", "layer", chw, List.of(node("a", relu, List.of("later")), node("later", relu, List.of("a")))));
        assertEquals("net: layer a reads later, which is not an earlier layer", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> GraphShapes.checkOrder("g", "graph", "node", chw,
                List.of(node("a", relu, List.of(Graph.INPUT)), node("a", relu, List.of("a")))));
        assertEquals("g: node name a is used twice", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> GraphShapes.checkOrder("g", "graph", "node", chw,
                List.of()));
        assertEquals("g: a graph needs at least one node", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> GraphShapes.checkOrder("g", "graph", "node",
                new int[] {5, 5}, List.of(node("a", relu, List.of(Graph.INPUT)))));
        assertTrue(e.getMessage().contains("input shape must be [C, H, W]"), e.getMessage());
        // the Graph record runs the same check
        e = assertThrows(IllegalArgumentException.class, () -> new Graph("g", chw, List.of(
                new GraphNode("a", relu, List.of("b"), List.of()))));
        assertEquals("g: node a reads b, which is not an earlier node", e.getMessage());
    }

    @Test
    void shapesOfEveryNodeForABatchHandWorked() {
        // 3x3 stride 2 pad 1 on 7x9: (7 + 2 - 3) / 2 + 1 = 4, (9 + 2 - 3) / 2 + 1 = 5; then 2x2 max pool stride 2: 2x2
        var nodes = List.of(node("conv", Operator.Conv2d.of(2, 1), List.of(Graph.INPUT), new int[] {6, 3, 3, 3}),
                node("pool", Operator.Pool.of(Operator.Pool.Kind.MAX, 2, 2, 0), List.of("conv")));
        var shapes = GraphShapes.of("net", "layer", new int[] {3, 7, 9}, 4, nodes);
        assertEquals(List.of("conv", "pool"), List.copyOf(shapes.keySet()));
        assertArrayEquals(new int[] {4, 6, 4, 5}, shapes.get("conv"));
        assertArrayEquals(new int[] {4, 6, 2, 2}, shapes.get("pool"));
        // a graph gives the same through its nodes' parameter values
        Graph graph = new Graph("net", new int[] {3, 7, 9}, List.of(
                new GraphNode("conv", Operator.Conv2d.of(2, 1), List.of(Graph.INPUT), List.of(Tensor.zeros(6, 3, 3, 3))),
                new GraphNode("pool", Operator.Pool.of(Operator.Pool.Kind.MAX, 2, 2, 0), List.of("conv"), List.of())));
        assertArrayEquals(new int[] {4, 6, 2, 2}, GraphShapes.of(graph, 4).get("pool"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GraphShapes.of("net", "layer", new int[] {4, 7, 9}, 1, nodes));
        assertTrue(e.getMessage().startsWith("net: layer conv: "), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GraphShapes.of("net", "layer", new int[] {3, 7, 9}, 0, nodes));
        assertThrows(CheckedSizes.TooLarge.class,
                () -> GraphShapes.of("net", "layer", new int[] {3, 7, 9}, Integer.MAX_VALUE, nodes));
    }
}
