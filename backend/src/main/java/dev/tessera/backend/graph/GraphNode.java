package dev.tessera.backend.graph;

import java.util.ArrayList;
import java.util.List;

import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;

/**
 * One operator of a {@link Graph}: it reads the outputs of {@code inputs} (earlier nodes, or {@link Graph#INPUT})
 * followed by its {@code parameters} (weights, biases, batch-norm statistics), which is each operator's input order
 * (see {@link Operator}).
 *
 * @param name       unique within the graph
 * @param op         the operator; for a convolution its {@link dev.tessera.backend.ConvAlgorithm} is the algorithm
 *                   asked for (AUTO lets the backend choose)
 * @param inputs     names of the nodes whose outputs it reads
 * @param parameters parameter values, in the operator's input order after the data inputs
 */
public record GraphNode(String name, Operator op, List<String> inputs, List<Tensor> parameters) {
    public GraphNode {
        inputs = List.copyOf(inputs);
        parameters = List.copyOf(parameters);
    }

    /** The shapes the operator sees: those of the data inputs, then those of the parameters. */
    public List<int[]> operandShapes(List<int[]> inputShapes) {
        List<int[]> all = new ArrayList<>(inputShapes);
        for (Tensor p : parameters) {
            all.add(p.shape());
        }
        return all;
    }
}
