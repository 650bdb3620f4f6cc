package dev.tessera.backend.opencl.plan;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.tessera.backend.Operator;
import dev.tessera.backend.graph.Graph;
import dev.tessera.backend.graph.GraphFusion;
import dev.tessera.backend.graph.GraphNode;
import dev.tessera.backend.opencl.conv.ConvSolver;

/**
 * The residual adds an {@link OpenClGraph} computes inside a convolution (a plan choice of the OpenCL backend only:
 * the graph and the reference backend are unchanged): {@code conv -> (batch norm, folded) -> add(residual) -> (ReLU)}
 * becomes one convolution step whose epilogue adds the residual before the ReLU. The convolution writes in place into
 * the buffer that holds the residual ({@link ConvSolver#prepareResidual}: out = relu?(conv + bias + out)), so the add
 * costs no launch and no buffer of its own.
 *
 * <p>An add fuses into the convolution that produces one of its inputs (after {@link GraphFusion}) when
 * <ul>
 * <li>nothing but the add reads the convolution's value (nor a value computed inside it);</li>
 * <li>the other input, the residual, is a node's value (not the graph's input) produced before the convolution;</li>
 * <li>every other reader of the residual's buffer runs before the convolution, which then overwrites it; the
 * convolution itself does not read it.</li>
 * </ul>
 * Of two candidate convolutions (a downsampling block's shortcut and main path) the later one fuses. Whether the
 * chosen solver can add a residual is decided when the step is prepared
 * ({@link ConvSolver#residualNotApplicableReason}); where it cannot, the plan keeps the add and says why.
 *
 * <p>Switched off with the system property {@value #PROPERTY}{@code =false} (to measure what it is worth) and in plans
 * compiled without fusion.
 */
final class ResidualFusion {
    /** The system property that switches the fusion off when {@code false}. */
    static final String PROPERTY = "tessera.fuseResidual";

    /** {@code add} computed inside {@code conv}, which adds the value of {@code residual}, then ReLU if {@code relu}. */
    record Candidate(String conv, String add, String residual, boolean relu) {
    }

    private ResidualFusion() {
    }

    /** Whether the fusion is on ({@value #PROPERTY} not {@code false}). */
    static boolean enabled() {
        return !"false".equalsIgnoreCase(System.getProperty(PROPERTY, "true").trim());
    }

    /**
     * Where each value lives: the name of the value that owns its buffer ({@link Graph#INPUT} for the input). Flatten
     * shares its input's buffer, a node absorbed by {@code fusion} its fused node's; with {@code residual}, a
     * convolution, its add and what they absorbed share the residual's buffer.
     */
    static Map<String, String> storage(List<GraphNode> nodes, GraphFusion fusion, Iterable<Candidate> residual) {
        Map<String, String> storage = new HashMap<>();
        storage.put(Graph.INPUT, Graph.INPUT);
        for (GraphNode node : nodes) {
            String owner = fusion.absorbed().get(node.name());
            String own = owner != null ? storage.get(owner)
                    : node.op() instanceof Operator.Flatten ? storage.get(node.inputs().get(0)) : node.name();
            storage.put(node.name(), own);
        }
        for (Candidate c : residual) {
            apply(storage, c);
        }
        return storage;
    }

    private static void apply(Map<String, String> storage, Candidate c) {
        String target = storage.get(c.residual());
        storage.replaceAll((value, owner) -> owner.equals(c.conv()) || owner.equals(c.add()) ? target : owner);
    }

    /** The adds to fuse, in graph order, keyed by their convolution ({@code storage} as {@link #storage} gives). */
    static Map<String, Candidate> plan(List<GraphNode> nodes, GraphFusion fusion) {
        Map<String, Candidate> chosen = new LinkedHashMap<>();
        Map<String, String> storage = storage(nodes, fusion, List.of());
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            index.put(nodes.get(i).name(), i);
        }
        for (int a = 0; a < nodes.size(); a++) {
            GraphNode add = nodes.get(a);
            if (!(fusion.effective(add).op() instanceof Operator.Add sum) || fusion.absorbed().containsKey(add.name())
                    || add.inputs().size() != 2) {
                continue;
            }
            Map<String, List<Integer>> readers = readers(nodes, fusion, storage);
            Candidate best = null;
            int bestIndex = -1;
            for (int side = 0; side < 2; side++) {
                String conv = storage.get(add.inputs().get(side));
                String residual = add.inputs().get(1 - side);
                String target = storage.get(residual);
                Integer c = index.get(conv);
                if (c == null || !(fusion.effective(nodes.get(c)).op() instanceof Operator.Conv2d op) || op.relu()
                        || !readers.get(conv).equals(List.of(a)) || target.equals(Graph.INPUT)
                        || target.equals(conv) || index.get(target) >= c) {
                    continue;
                }
                boolean overwritable = true;
                for (int r : readers.get(target)) {
                    overwritable &= r == a || r < c;
                }
                if (overwritable && c > bestIndex) {
                    best = new Candidate(conv, add.name(), residual, sum.relu());
                    bestIndex = c;
                }
            }
            if (best != null) {
                chosen.put(best.conv(), best);
                apply(storage, best);
            }
        }
        return chosen;
    }

    /** Storage -> the indices of the running (not absorbed) nodes that read a value living there, ascending. */
    static Map<String, List<Integer>> readers(List<GraphNode> nodes, GraphFusion fusion,
            Map<String, String> storage) {
        Map<String, List<Integer>> readers = new HashMap<>();
        for (String s : storage.values()) {
            readers.put(s, new ArrayList<>());
        }
        for (int i = 0; i < nodes.size(); i++) {
            GraphNode node = nodes.get(i);
            if (fusion.absorbed().containsKey(node.name())) {
                continue;
            }
            for (String in : node.inputs()) {
                List<Integer> list = readers.get(storage.get(in));
                if (list.isEmpty() || list.get(list.size() - 1) != i) {
                    list.add(i);
                }
            }
        }
        return readers;
    }
}
