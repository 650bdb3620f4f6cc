package dev.tessera.backend.opencl.plan;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.tessera.backend.ConvAlgorithm;
import dev.tessera.backend.ConvProblem;
import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.graph.Graph;
import dev.tessera.backend.graph.GraphFusion;
import dev.tessera.backend.graph.GraphNode;
import dev.tessera.backend.opencl.OpenClBackend;
import dev.tessera.backend.opencl.common.PreparedStep;
import dev.tessera.backend.opencl.conv.ConvSolverFinder;
import dev.tessera.backend.opencl.conv.DirectConvSolver;
import dev.tessera.backend.opencl.conv.PreparedConv;
import dev.tessera.opencl.ClBuffer;

/**
 * The max pools an {@link OpenClGraph} computes inside the convolution before them (a plan choice of the OpenCL
 * backend only, like {@link ResidualFusion}): {@code conv -> (batch norm, folded) -> (ReLU) -> maxpool 2x2 stride 2}
 * becomes one launch of the direct convolution's pooling kernel ({@code conv_direct_maxpool2} in conv_direct.cl), which
 * writes the pooled value; the convolution's own value is never stored. It saves a launch and a pass over the
 * convolution's output: what small networks (LeNet-5) spend most of their time on.
 *
 * <p>A max pool fuses into the convolution whose value it reads (after {@link GraphFusion}) when the pool is 2x2
 * stride 2 without padding, the convolution's output rows and columns are even (the windows tile it), and nothing
 * else reads the convolution's value. Whether the convolution's solver can pool is decided when the step is prepared:
 * only the direct solver has the pooling kernel; under another (AUTO chooses as for the plain convolution) the plan
 * keeps the pool and says why.
 *
 * <p>Switched off with the system property {@value #PROPERTY}{@code =false} and in plans compiled without fusion.
 */
public final class PoolFusion {
    /** The system property that switches the fusion off when {@code false}. */
    static final String PROPERTY = "tessera.fusePool";

    /** {@code pool} computed inside {@code conv}. */
    record Candidate(String conv, String pool) {
    }

    /** The prepared step, or null with the reason the convolution cannot pool. */
    record Outcome(PreparedStep step, String declined) {
    }

    private PoolFusion() {
    }

    /** Whether the fusion is on ({@value #PROPERTY} not {@code false}). */
    static boolean enabled() {
        return !"false".equalsIgnoreCase(System.getProperty(PROPERTY, "true").trim());
    }

    /** Whether {@code op} is the pool the convolution's kernel computes: max, 2x2, stride 2, no padding. */
    static boolean fusablePool(Operator op) {
        return op instanceof Operator.Pool p && p.kind() == Operator.Pool.Kind.MAX && p.kernelH() == 2
                && p.kernelW() == 2 && p.strideH() == 2 && p.strideW() == 2 && p.padTop() == 0 && p.padBottom() == 0
                && p.padLeft() == 0 && p.padRight() == 0;
    }

    /**
     * The pools to fuse, keyed by their convolution; {@code storage} as {@link ResidualFusion#storage} gives it (with
     * the residual adds already fused), {@code shapes} every node's output shape.
     */
    static Map<String, Candidate> plan(List<GraphNode> nodes, GraphFusion fusion, Map<String, String> storage,
            Map<String, int[]> shapes) {
        Map<String, Candidate> chosen = new LinkedHashMap<>();
        Map<String, List<Integer>> readers = ResidualFusion.readers(nodes, fusion, storage);
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            index.put(nodes.get(i).name(), i);
        }
        for (int i = 0; i < nodes.size(); i++) {
            GraphNode pool = nodes.get(i);
            if (!fusablePool(fusion.effective(pool).op()) || fusion.absorbed().containsKey(pool.name())
                    || pool.inputs().size() != 1 || pool.inputs().get(0).equals(Graph.INPUT)) {
                continue;
            }
            String conv = storage.get(pool.inputs().get(0));
            Integer c = index.get(conv);
            if (c == null || !(fusion.effective(nodes.get(c)).op() instanceof Operator.Conv2d)
                    || !readers.get(conv).equals(List.of(i)) || !storage.get(conv).equals(conv)) {
                continue;
            }
            int[] out = shapes.get(conv);
            if (out[2] % 2 == 0 && out[3] % 2 == 0) {
                chosen.put(conv, new Candidate(conv, pool.name()));
            }
        }
        return chosen;
    }

    /** {@code storage} with each fused pool's value (and a Flatten of it) living where its convolution's does. */
    static Map<String, String> apply(Map<String, String> storage, Iterable<Candidate> pooled) {
        for (Candidate c : pooled) {
            String target = storage.get(c.conv());
            storage.replaceAll((value, owner) -> owner.equals(c.pool()) ? target : owner);
        }
        return storage;
    }

    /**
     * The solver is chosen as for the plain convolution ({@link OpenClBackend#chooseSolver}, which may time candidates
     * writing {@code out}: it must hold the convolution's whole output); under the direct solver the step runs
     * {@code conv_direct_maxpool2} and leaves the pooled value at the start of {@code out}; under another nothing is
     * prepared and the outcome says why.
     *
     * @param conv   the convolution with its fused ReLU
     * @param shapes the input's, weights' and bias's shapes
     * @param values null, the weights and the bias (if any)
     */
    static Outcome prepare(OpenClBackend backend, Operator.Conv2d conv, ConvAlgorithm algorithm, List<int[]> shapes,
            List<Tensor> values, ClBuffer input, ClBuffer out) {
        ConvProblem problem = ConvProblem.of(conv, shapes);
        Tensor weights = values.get(1);
        Tensor bias = values.size() == 3 ? values.get(2) : null;
        ConvSolverFinder.Choice choice = backend.chooseSolver(problem, algorithm, weights, bias, input, out);
        if (!(choice.solver() instanceof DirectConvSolver direct)) {
            return new Outcome(null, "solver " + choice.solver().id() + " has no pooling kernel (only "
                    + DirectConvSolver.ID + ")");
        }
        String reason = DirectConvSolver.maxPoolNotApplicableReason(problem);
        if (reason != null) {
            return new Outcome(null, reason);
        }
        PreparedConv prepared = direct.prepareMaxPooled(backend.context(), problem, weights, bias);
        return new Outcome(PreparedStep.of(prepared, direct.id(), choice.note(),
                () -> prepared.run(input, out)), null);
    }
}
