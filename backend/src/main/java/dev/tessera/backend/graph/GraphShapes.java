package dev.tessera.backend.graph;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.tessera.backend.CheckedSizes;
import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;

/**
 * The one validation of a network, for {@link Graph}s and models ({@code dev.tessera.models.Model}) alike: the order
 * and names of its nodes ({@link #checkOrder}) and the output shape of every node for one batch size ({@link #of}).
 */
public final class GraphShapes {
    private GraphShapes() {
    }

    /**
     * A node as the validation sees it: a graph's node or a model's layer.
     *
     * @param name            unique in the network
     * @param op              its operator
     * @param inputs          the names of the nodes (or {@link Graph#INPUT}) it reads
     * @param parameterShapes the shapes of its parameters, in the operator's input order after the data inputs
     */
    public record Node(String name, Operator op, List<String> inputs, List<int[]> parameterShapes) {
        public Node {
            inputs = List.copyOf(inputs);
            parameterShapes = List.copyOf(parameterShapes);
        }

        static Node of(GraphNode node) {
            return new Node(node.name(), node.op(), node.inputs(), node.parameters().stream().map(Tensor::shape)
                    .toList());
        }
    }

    /**
     * Checks that the input shape is [C, H, W], that there is a node, that every node reads only earlier nodes (or
     * {@link Graph#INPUT}) and that no name repeats.
     *
     * @param network the network's name, for messages
     * @param kind    "graph" or "model", for messages
     * @param noun    "node" or "layer", for messages
     * @throws IllegalArgumentException naming what is wrong
     */
    public static void checkOrder(String network, String kind, String noun, int[] inputShape, List<Node> nodes) {
        if (inputShape.length != 3) {
            throw new IllegalArgumentException(network + ": input shape must be [C, H, W], got "
                    + Tensor.shapeString(inputShape));
        }
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException(network + ": a " + kind + " needs at least one " + noun);
        }
        Set<String> seen = new HashSet<>();
        seen.add(Graph.INPUT);
        for (Node node : nodes) {
            for (String in : node.inputs()) {
                if (!seen.contains(in)) {
                    throw new IllegalArgumentException(network + ": " + noun + " " + node.name() + " reads " + in
                            + ", which is not an earlier " + noun);
                }
            }
            if (!seen.add(node.name())) {
                throw new IllegalArgumentException(network + ": " + noun + " name " + node.name() + " is used twice");
            }
        }
    }

    /**
     * Output shapes by node name, in graph order.
     *
     * @throws IllegalArgumentException naming the node whose operands do not fit its operator
     * @throws CheckedSizes.TooLarge    naming the node whose output has too many elements
     */
    public static LinkedHashMap<String, int[]> of(Graph graph, int batch) {
        return of(graph.name(), "node", graph.inputShape(), batch,
                graph.nodes().stream().map(Node::of).toList());
    }

    /**
     * Output shapes by node name, in node order, of a network whose order {@link #checkOrder} accepted.
     *
     * @param noun "node" or "layer", for messages
     * @throws IllegalArgumentException naming the node whose operands do not fit its operator, or when {@code batch}
     *                                  is below 1
     * @throws CheckedSizes.TooLarge    naming the node whose output (or the input) has too many elements
     */
    public static LinkedHashMap<String, int[]> of(String network, String noun, int[] inputShape, int batch,
            List<Node> nodes) {
        if (batch < 1) {
            throw new IllegalArgumentException(network + ": batch must be at least 1: " + batch);
        }
        CheckedSizes.tensorElements(network + ": input of " + batch + " images", batch, inputShape[0], inputShape[1],
                inputShape[2]);
        Map<String, int[]> shapes = new HashMap<>();
        shapes.put(Graph.INPUT, new int[] {batch, inputShape[0], inputShape[1], inputShape[2]});
        LinkedHashMap<String, int[]> result = new LinkedHashMap<>();
        for (Node node : nodes) {
            List<int[]> in = new ArrayList<>();
            for (String name : node.inputs()) {
                in.add(shapes.get(name));
            }
            in.addAll(node.parameterShapes());
            int[] out;
            try {
                out = node.op().outputShape(in);
                CheckedSizes.tensorElements("output " + Tensor.shapeString(out), out);
            } catch (CheckedSizes.TooLarge e) {
                throw new CheckedSizes.TooLarge(network + ": " + noun + " " + node.name() + ": " + e.getMessage());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(network + ": " + noun + " " + node.name() + ": " + e.getMessage(),
                        e);
            }
            shapes.put(node.name(), out);
            result.put(node.name(), out);
        }
        return result;
    }
}
