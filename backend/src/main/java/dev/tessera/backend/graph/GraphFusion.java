package dev.tessera.backend.graph;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.tessera.backend.BatchNormFolding;
import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;

/**
 * Which nodes of a {@link Graph} an inference plan computes inside an earlier node, so that they cost no launch and no
 * pass over memory of their own:
 * <ul>
 * <li>a batch norm that reads a convolution without fused ReLU is folded into its weight and bias (where
 * {@link BatchNormFolding#foldable}, the search {@code Model.foldBatchNorm} uses too, finds it);</li>
 * <li>a ReLU that reads a convolution, a residual add or a fully connected layer without fused ReLU becomes that
 * operator's fused ReLU.</li>
 * </ul>
 * Only where nothing else reads the intermediate value, so every value a later node reads is still computed; chains
 * fuse (convolution, batch norm, ReLU become one convolution). The fused node keeps its name and its place in the
 * graph; an absorbed node's value is the fused node's value.
 *
 * @param fused    the nodes that changed, by name: same inputs, the fused operator and parameters
 * @param absorbed absorbed node's name -> the name of the node that computes its value now, in graph order
 */
public record GraphFusion(Map<String, GraphNode> fused, Map<String, String> absorbed) {
    public GraphFusion {
        fused = Map.copyOf(fused);
        absorbed = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(absorbed));
    }

    /** No fusion at all: every node computes its own value. */
    public static final GraphFusion NONE = new GraphFusion(Map.of(), Map.of());

    /** The fusions of {@code graph} (convolution parameters must hold values for batch-norm folding). */
    public static GraphFusion of(Graph graph) {
        Map<String, String> batchNorms = BatchNormFolding.foldable(graph.nodes().stream()
                .map(n -> new BatchNormFolding.Node(n.name(), n.op(), n.inputs())).toList());
        Map<String, Integer> readers = new HashMap<>();
        for (GraphNode node : graph.nodes()) {
            for (String in : node.inputs()) {
                readers.merge(in, 1, Integer::sum);
            }
        }
        Map<String, GraphNode> effective = new HashMap<>();
        for (GraphNode node : graph.nodes()) {
            effective.put(node.name(), node);
        }
        Map<String, GraphNode> fused = new HashMap<>();
        Map<String, String> absorbed = new LinkedHashMap<>();
        for (GraphNode node : graph.nodes()) {
            String owner = batchNorms.get(node.name());
            GraphNode merged = null;
            if (owner != null) {
                merged = foldBatchNorm(effective.get(owner), node);
            } else if (node.op() instanceof Operator.Relu && node.inputs().size() == 1) {
                String in = node.inputs().get(0);
                if (!in.equals(Graph.INPUT) && readers.get(in) == 1) {
                    owner = absorbed.getOrDefault(in, in);
                    merged = fuseRelu(effective.get(owner));
                }
            }
            if (merged != null) {
                effective.put(owner, merged);
                fused.put(owner, merged);
                absorbed.put(node.name(), owner);
            }
        }
        return new GraphFusion(fused, absorbed);
    }

    /** The convolution {@code conv} with the batch norm {@code bn} folded into its weight and bias. */
    private static GraphNode foldBatchNorm(GraphNode conv, GraphNode bn) {
        List<Tensor> p = conv.parameters();
        List<Tensor> stats = bn.parameters();
        BatchNormFolding.FoldedConv folded = BatchNormFolding.fold(p.get(0), p.size() > 1 ? p.get(1) : null,
                stats.get(0).data(), stats.get(1).data(), stats.get(2).data(), stats.get(3).data(),
                ((Operator.BatchNorm) bn.op()).epsilon());
        return new GraphNode(conv.name(), conv.op(), conv.inputs(), List.of(folded.weight(), folded.bias()));
    }

    /** {@code producer} with a fused ReLU, or null if it has one already or cannot take one. */
    private static GraphNode fuseRelu(GraphNode producer) {
        Operator op = producer.op();
        Operator withRelu = null;
        if (op instanceof Operator.Conv2d conv && !conv.relu()) {
            withRelu = conv.withRelu(true);
        } else if (op instanceof Operator.Add add && !add.relu()) {
            withRelu = new Operator.Add(true);
        } else if (op instanceof Operator.FullyConnected fc && !fc.relu()) {
            withRelu = new Operator.FullyConnected(true);
        }
        return withRelu == null ? null : new GraphNode(producer.name(), withRelu, producer.inputs(), producer.parameters());
    }

    /** The node as the plan computes it: fused, or as in the graph. */
    public GraphNode effective(GraphNode node) {
        return fused.getOrDefault(node.name(), node);
    }

    /** The nodes absorbed into {@code name}, in graph order (empty if none). */
    public List<String> absorbedInto(String name) {
        List<String> into = new ArrayList<>();
        absorbed.forEach((node, owner) -> {
            if (owner.equals(name)) {
                into.add(node);
            }
        });
        return into;
    }
}
