package dev.tessera.backend.opencl.plan;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import dev.tessera.backend.ConvAlgorithm;
import dev.tessera.backend.ConvAlgorithms;
import dev.tessera.backend.ConvProblem;
import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.graph.GraphFusion;
import dev.tessera.backend.graph.GraphNode;
import dev.tessera.backend.opencl.common.PreparedStep;
import dev.tessera.backend.opencl.conv.NchwcDirectSolver;
import dev.tessera.backend.opencl.conv.PreparedConv;
import dev.tessera.opencl.ClBuffer;
import dev.tessera.opencl.ClContext;

/**
 * The plan-level NCHWc layout: where a convolution that runs {@code nchwc-direct} feeds only another such convolution,
 * the pair exchanges the channel-blocked layout directly. The producer writes NCHWc with the consumer's zero border
 * into a buffer of its own (zeroed once, never shared with other nodes, so the border stays zero), and the consumer
 * convolves it without its NCHW -> NCHWc reorder; the NCHW -> NCHWc reorder runs only where a chain starts, and
 * NCHW is written only where a chain ends (a layer that needs NCHW, a residual, the plan's output). Chains form only
 * where the plan's algorithm for both layers is nchwc-direct (an explicit choice, or AUTO's across layers: where
 * {@link NchwcChainFinder} found the chain faster than the layers' own winners) and the producer adds no residual in its epilogue (a consumer may: it reads NCHWc and adds the residual to
 * its NCHW output); an unfused plan (which {@code runAll} uses to read every node)
 * forms none.
 */
public final class NchwcChains {
    /**
     * How one convolution node exchanges NCHWc.
     *
     * @param producer the node whose NCHWc output this one reads (null: it reads NCHW)
     * @param consumer the node that reads this one's output as NCHWc (null: it writes NCHW)
     * @param consumerProblem the consumer's convolution (its padding is this one's output border)
     */
    record Link(String producer, String consumer, ConvProblem consumerProblem) {
    }

    /** No chains: an unfused plan. */
    static final NchwcChains NONE = new NchwcChains(Map.of());

    private final Map<String, Link> links;

    private NchwcChains(Map<String, Link> links) {
        this.links = links;
    }

    /**
     * The chains of a plan.
     *
     * @param nodes        the graph's nodes in order
     * @param fusion       the plan's fusion (absorbed nodes share their owner's storage)
     * @param storage      which value owns the buffer each value lives in
     * @param output       the graph's output node
     * @param algorithms   the plan's convolution algorithms
     * @param residualConvs convolutions that add a residual in their epilogue (they write NCHW: no producers)
     * @param shapeOf      each value's shape (the input's included)
     */
    static NchwcChains plan(List<GraphNode> nodes, GraphFusion fusion, Map<String, String> storage, String output,
            ConvAlgorithms algorithms, Set<String> residualConvs, Function<String, int[]> shapeOf,
            NchwcDirectSolver solver, ClContext context) {
        Map<String, Integer> readers = new HashMap<>();
        for (GraphNode node : nodes) {
            if (!fusion.absorbed().containsKey(node.name())) {
                node.inputs().forEach(in -> readers.merge(storage.get(in), 1, Integer::sum));
            }
        }
        Map<String, GraphNode> byName = new HashMap<>();
        nodes.forEach(n -> byName.put(n.name(), fusion.effective(n)));
        Map<String, String> producerOf = new HashMap<>();
        Map<String, ConvProblem> problems = new HashMap<>();
        for (GraphNode raw : nodes) {
            GraphNode node = fusion.effective(raw);
            if (!blockable(node, fusion, algorithms) || node.inputs().size() != 1) {
                continue;
            }
            String producer = storage.get(node.inputs().get(0));
            GraphNode p = byName.get(producer);
            if (p == null || !blockable(p, fusion, algorithms) || residualConvs.contains(producer)
                    || readers.get(producer) != 1
                    || producer.equals(storage.get(output))) {
                continue;
            }
            ConvProblem mine = problem(node, shapeOf);
            ConvProblem theirs = problem(p, shapeOf);
            if (solver.notApplicableReason(mine, context.info()) == null
                    && solver.notApplicableReason(theirs, context.info()) == null) {
                producerOf.put(node.name(), producer);
                problems.put(node.name(), mine);
            }
        }
        Map<String, Link> links = new HashMap<>();
        producerOf.forEach((consumer, producer) -> {
            links.merge(consumer, new Link(producer, null, null),
                    (a, b) -> new Link(producer, a.consumer(), a.consumerProblem()));
            links.merge(producer, new Link(null, consumer, problems.get(consumer)),
                    (a, b) -> new Link(a.producer(), consumer, problems.get(consumer)));
        });
        return new NchwcChains(Map.copyOf(links));
    }

    private static boolean blockable(GraphNode node, GraphFusion fusion, ConvAlgorithms algorithms) {
        return node.op() instanceof Operator.Conv2d && !fusion.absorbed().containsKey(node.name())
                && algorithms.forLayer(node.name()) == ConvAlgorithm.NCHWC_DIRECT;
    }

    static ConvProblem problem(GraphNode node, Function<String, int[]> shapeOf) {
        List<int[]> shapes = new ArrayList<>();
        shapes.add(shapeOf.apply(node.inputs().get(0)));
        node.parameters().forEach(t -> shapes.add(t.shape()));
        return ConvProblem.of((Operator.Conv2d) node.op(), shapes);
    }

    /** The chains as paths of node names, each in order from its start, the paths in {@code nodes}' order. */
    List<List<String>> paths(List<GraphNode> nodes) {
        List<List<String>> paths = new ArrayList<>();
        for (GraphNode node : nodes) {
            Link l = links.get(node.name());
            if (l != null && l.producer() == null) {
                List<String> path = new ArrayList<>();
                for (String n = node.name(); n != null; n = links.get(n).consumer()) {
                    path.add(n);
                }
                paths.add(path);
            }
        }
        return paths;
    }

    /** The node's link, or null when it is in no chain. */
    Link link(String node) {
        return links.get(node);
    }

    /** Whether {@code node}'s output is NCHWc in a buffer of its own (kept out of the plan's buffer pool). */
    boolean producesBlocked(String node) {
        Link l = links.get(node);
        return l != null && l.consumer() != null;
    }

    /** Whether any chain was formed. */
    boolean any() {
        return !links.isEmpty();
    }

    /** The zeroed buffer a producer writes: its consumer's padded NCHWc input. */
    static ClBuffer blockedBuffer(ClContext context, NchwcDirectSolver solver, Link link) {
        return context.buffer(new float[Math.toIntExact(solver.blockedInputFloats(link.consumerProblem(),
                context.info()))]);
    }

    /**
     * The step of a chained convolution {@code conv}: reads {@code input} (NCHWc when it has a producer) and writes
     * {@code output} (NCHWc with its consumer's border when it has one; else NCHW, with {@code residual} added to what
     * {@code output} holds).
     *
     * @param values null, the weights and the bias (if any)
     */
    static PreparedStep prepare(ClContext context, NchwcDirectSolver solver, Operator.Conv2d conv, Link link,
            List<int[]> shapes, List<Tensor> values, ClBuffer input, ClBuffer output, boolean residual) {
        ConvProblem problem = ConvProblem.of(conv, shapes);
        PreparedConv prepared = solver.prepareBlocked(context, problem, values.get(1),
                values.size() == 3 ? values.get(2) : null, residual, link.producer() != null,
                link.consumer() != null ? NchwcDirectSolver.border(link.consumerProblem()) : null);
        String note = (link.producer() != null ? "NCHWc input from " + link.producer() + ", no reorder" : "")
                + (link.producer() != null && link.consumer() != null ? "; " : "")
                + (link.consumer() != null ? "NCHWc output kept for " + link.consumer() : "");
        return PreparedStep.of(prepared, solver.id(), note, () -> prepared.run(input, output));
    }
}
