package dev.tessera.backend.graph;

import java.util.List;

/**
 * A network as a backend sees it: a named input of shape [C, H, W] and nodes in an order where every node comes after
 * the nodes it reads. The last node's output is the graph's output. Models ({@code dev.tessera.models.Model}) turn
 * themselves into a graph; a {@link dev.tessera.backend.Backend} compiles it into a {@link CompiledGraph}.
 *
 * @param name       for messages, e.g. "resnet50"
 * @param inputShape [C, H, W] of one image
 * @param nodes      non-empty, topologically ordered, unique names ({@link GraphShapes#checkOrder}, the check models
 *                   make too)
 */
public record Graph(String name, int[] inputShape, List<GraphNode> nodes) {
    /** The name nodes use to read the graph's input. */
    public static final String INPUT = "input";

    public Graph {
        inputShape = inputShape.clone();
        nodes = List.copyOf(nodes);
        GraphShapes.checkOrder(name, "graph", "node", inputShape, nodes.stream().map(GraphShapes.Node::of).toList());
    }

    @Override
    public int[] inputShape() {
        return inputShape.clone();
    }

    /** [batch, C, H, W]. */
    public int[] batchedInputShape(int batch) {
        return new int[] {batch, inputShape[0], inputShape[1], inputShape[2]};
    }

    /** The last node. */
    public GraphNode output() {
        return nodes.get(nodes.size() - 1);
    }
}
