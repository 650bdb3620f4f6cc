package dev.tessera.backend.graph;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The output shape of every node of a {@link Graph} for one batch size. */
public final class GraphShapes {
    private GraphShapes() {
    }

    /**
     * Output shapes by node name, in graph order.
     *
     * @throws IllegalArgumentException naming the node whose operands do not fit its operator
     */
    public static LinkedHashMap<String, int[]> of(Graph graph, int batch) {
        Map<String, int[]> shapes = new HashMap<>();
        shapes.put(Graph.INPUT, graph.batchedInputShape(batch));
        LinkedHashMap<String, int[]> result = new LinkedHashMap<>();
        for (GraphNode node : graph.nodes()) {
            List<int[]> in = new ArrayList<>();
            for (String name : node.inputs()) {
                in.add(shapes.get(name));
            }
            int[] out;
            try {
                out = node.op().outputShape(node.operandShapes(in));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(graph.name() + ": node " + node.name() + ": " + e.getMessage(), e);
            }
            shapes.put(node.name(), out);
            result.put(node.name(), out);
        }
        return result;
    }
}
