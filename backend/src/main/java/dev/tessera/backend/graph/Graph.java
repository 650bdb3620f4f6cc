package dev.tessera.backend.graph;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import dev.tessera.backend.Tensor;

/**
 * A network as a backend sees it: a named input of shape [C, H, W] and nodes in an order where every node comes after
 * the nodes it reads. The last node's output is the graph's output. Models ({@code dev.tessera.models.Model}) turn
 * themselves into a graph; a {@link dev.tessera.backend.Backend} compiles it into a {@link CompiledGraph}.
 *
 * @param name       for messages, e.g. "resnet50"
 * @param inputShape [C, H, W] of one image
 * @param nodes      non-empty, topologically ordered, unique names
 */
public record Graph(String name, int[] inputShape, List<GraphNode> nodes) {
    /** The name nodes use to read the graph's input. */
    public static final String INPUT = "input";

    public Graph {
        inputShape = inputShape.clone();
        nodes = List.copyOf(nodes);
        if (inputShape.length != 3) {
            throw new IllegalArgumentException(name + ": input shape must be [C, H, W], got "
                    + Tensor.shapeString(inputShape));
        }
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException(name + ": a graph needs at least one node");
        }
        Set<String> seen = new HashSet<>();
        seen.add(INPUT);
        for (GraphNode node : nodes) {
            for (String in : node.inputs()) {
                if (!seen.contains(in)) {
                    throw new IllegalArgumentException(name + ": node " + node.name() + " reads " + in
                            + ", which is not an earlier node");
                }
            }
            if (!seen.add(node.name())) {
                throw new IllegalArgumentException(name + ": node name " + node.name() + " is used twice");
            }
        }
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
