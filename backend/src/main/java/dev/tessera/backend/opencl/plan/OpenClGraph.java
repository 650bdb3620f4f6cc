package dev.tessera.backend.opencl.plan;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

import dev.tessera.backend.ConvAlgorithm;
import dev.tessera.backend.ConvAlgorithms;
import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.graph.AbstractCompiledGraph;
import dev.tessera.backend.graph.Graph;
import dev.tessera.backend.graph.GraphFusion;
import dev.tessera.backend.graph.GraphNode;
import dev.tessera.backend.graph.GraphRun;
import dev.tessera.backend.graph.GraphShapes;
import dev.tessera.backend.graph.LayerTiming;
import dev.tessera.backend.opencl.OpenClBackend;
import dev.tessera.backend.opencl.common.OwnedResources;
import dev.tessera.backend.opencl.common.PreparedStep;
import dev.tessera.backend.opencl.conv.NchwcDirectSolver;
import dev.tessera.opencl.ClBuffer;
import dev.tessera.opencl.EventTiming;
import dev.tessera.opencl.QueuedLaunches;

/**
 * A {@link Graph} compiled for the hand-written OpenCL kernels: activations stay on the device from input to output,
 * each node is a {@link PreparedStep} bound to its buffers once (convolution weights transformed once, AUTO's choice
 * made at compile time), and a run only launches kernels.
 *
 * <p>Memory: activation buffers are shared between nodes whose lifetimes do not overlap (a buffer returns to the pool
 * after its last reader has run; a new node takes the smallest free buffer that fits), so a deep network needs a few
 * activation buffers, not one per layer. Flatten is a view of its input's buffer. Parameters that kernels read from
 * buffers (fully-connected weights, biases) are uploaded once.
 *
 * <p>Fusion ({@link GraphFusion}): a batch norm after a convolution is folded into its weights, a ReLU after a
 * convolution, residual add or fully connected layer becomes its fused ReLU; the absorbed node runs nothing (algorithm
 * {@value #FUSED}, no launches) and its value is the fused node's. A residual add after a convolution runs inside it
 * where its solver can ({@link ResidualFusion}): the convolution adds into the residual's buffer in place, which the
 * lifetime planning accounts for; a 2x2 stride-2 max pool after a direct convolution runs inside it
 * ({@link PoolFusion}). Consecutive nchwc-direct convolutions keep the channel-blocked layout between them
 * ({@link NchwcChains}). {@link #runAll} runs an unfused twin instead.
 *
 * <p>The launch path is short: kernel arguments are bound at compile time ({@link dev.tessera.opencl.ClKernel} skips
 * re-binding the same buffer), {@link #run} writes the input without blocking, queues every launch without profiling
 * events and reads the output with one blocking read; {@link #runResident} queues and waits once. Their per-layer
 * times are NaN; {@link #runProfiled} queues every launch with its event (waiting once) and gives them. With
 * {@link PlanOptions#queueLaunches()} off every launch blocks and is profiled. {@link #runAll} blocks per launch, so
 * that it can read each node's output.
 */
public final class OpenClGraph extends AbstractCompiledGraph {
    /** The algorithm of a node computed inside an earlier node ({@link GraphFusion}). */
    static final String FUSED = "fused";
    private final OpenClBackend backend;
    private final OwnedResources owned = new OwnedResources();
    private final ClBuffer input;
    private final List<ClBuffer> outputs = new ArrayList<>();
    private final List<int[]> shapes = new ArrayList<>();
    private final List<PreparedStep> steps = new ArrayList<>();
    private final List<PlannedLayer> planned = new ArrayList<>();
    private final GraphFusion fusion;
    /** Residual adds computed inside convolutions ({@link ResidualFusion}): with fusion, unless switched off. */
    private final boolean fuseResidual;
    /** Max pools computed inside direct convolutions ({@link PoolFusion}): with fusion, unless switched off. */
    private final boolean fusePool;
    private final boolean queueLaunches;
    private final ConvAlgorithms algorithms;
    private Preparation preparation;
    /** Host-side staging of the input for writes without blocking (direct memory the driver may read later). */
    private final FloatBuffer staging;
    private boolean inputWritePending;
    /** The same graph without fusion, compiled on the first {@link #runAll}, which needs every node's own value. */
    private OpenClGraph unfused;
    /** Convolutions that exchange NCHWc ({@link NchwcChains}); none in an unfused plan. */
    private NchwcChains chains = NchwcChains.NONE;

    private OpenClGraph(OpenClBackend backend, Graph graph, int batch, GraphFusion fusion, boolean queueLaunches,
            ConvAlgorithms algorithms) {
        super(graph, batch);
        this.backend = backend;
        this.fusion = fusion;
        this.fuseResidual = fusion != GraphFusion.NONE && ResidualFusion.enabled();
        this.fusePool = fusion != GraphFusion.NONE && PoolFusion.enabled();
        this.queueLaunches = queueLaunches;
        this.algorithms = algorithms;
        long inputFloats = Tensor.sizeOf(graph.batchedInputShape(batch));
        this.input = owned.add(backend.context().buffer(4L * inputFloats));
        this.staging = ByteBuffer.allocateDirect(Math.toIntExact(4L * inputFloats)).order(ByteOrder.nativeOrder())
                .asFloatBuffer();
    }

    /**
     * Compiles {@code graph} with {@code fusion}; {@code queueLaunches}, {@code algorithms} (a fused node keeps its
     * convolution's name, so its override): see {@link PlanOptions}.
     */
    public static OpenClGraph compile(OpenClBackend backend, Graph graph, int batch, GraphFusion fusion,
            boolean queueLaunches, ConvAlgorithms algorithms) {
        long start = System.nanoTime();
        long build0 = backend.context().buildNanos();
        long tune0 = backend.tuneNanos();
        OpenClGraph plan = new OpenClGraph(backend, graph, batch, fusion, queueLaunches, algorithms);
        try {
            plan.prepareSteps(GraphShapes.of(graph, batch));
        } catch (RuntimeException e) {
            plan.close();
            throw e;
        }
        double buildMs = (backend.context().buildNanos() - build0) / 1e6;
        double tuneMs = (backend.tuneNanos() - tune0) / 1e6;
        double totalMs = (System.nanoTime() - start) / 1e6;
        plan.preparation = new Preparation(buildMs, Math.max(0, totalMs - buildMs - tuneMs), tuneMs);
        return plan;
    }

    private void prepareSteps(Map<String, int[]> outShapes) {
        List<GraphNode> nodes = graph().nodes();
        // residual adds computed inside the convolution before them (ResidualFusion), by convolution; one whose solver
        // cannot add a residual is dropped when it is prepared, and the lifetimes are planned again
        Map<String, ResidualFusion.Candidate> residual = fuseResidual
                ? new LinkedHashMap<>(ResidualFusion.plan(nodes, fusion)) : new LinkedHashMap<>();
        // the node that computes an add or a pool in its epilogue (ResidualFusion, PoolFusion), by add or pool
        Map<String, String> epilogueOwner = new HashMap<>();
        // storage: which value (the input or a node) owns the buffer a value lives in; Flatten shares its input's, an
        // absorbed node its fused node's, a residual convolution and its add the residual's, a fused pool its
        // convolution's
        Map<String, String> storage = ResidualFusion.storage(nodes, fusion, residual.values());
        // max pools computed inside the convolution before them (PoolFusion), by convolution; dropped like the adds
        Map<String, PoolFusion.Candidate> pooled = fusePool
                ? new LinkedHashMap<>(PoolFusion.plan(nodes, fusion, storage, outShapes)) : new LinkedHashMap<>();
        PoolFusion.apply(storage, pooled.values());
        Map<String, Integer> lastReader = lastReaders(nodes, storage);
        NchwcDirectSolver blockedSolver = new NchwcDirectSolver();
        Function<String, int[]> shapeOf = v -> v.equals(Graph.INPUT) ? graph().batchedInputShape(batch())
                : outShapes.get(v);
        // AUTO across layers: paths of AUTO convolutions that could exchange NCHWc, timed as chains (NchwcChainFinder)
        Map<String, String> layoutWhy = new HashMap<>();
        Map<String, String> timedNotes = new HashMap<>();
        ConvAlgorithms algorithms = fusion == GraphFusion.NONE || !NchwcChainFinder.enabled() ? this.algorithms
                : autoChains(nodes, storage, residual.keySet(), pooled.keySet(), shapeOf, blockedSolver, layoutWhy,
                        timedNotes);
        chains = fusion == GraphFusion.NONE ? NchwcChains.NONE : NchwcChains.plan(nodes, fusion, storage,
                graph().output().name(), algorithms, residual.keySet(), shapeOf, blockedSolver, backend.context());

        Map<String, ClBuffer> buffers = new HashMap<>();
        buffers.put(Graph.INPUT, input);
        TreeMap<Long, List<ClBuffer>> free = new TreeMap<>();
        Map<String, String> declined = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            GraphNode node = fusion.effective(nodes.get(i));
            int[] outShape = outShapes.get(node.name());
            String owner = fusion.absorbed().getOrDefault(node.name(), epilogueOwner.get(node.name()));
            if (owner != null) {
                // computed by its fused node, whose buffer it shares; nothing of its own to run
                outputs.add(buffers.get(storage.get(node.name())));
                shapes.add(outShape);
                steps.add(null);
                planned.add(new PlannedLayer(node.name(), node.op().name(), FUSED,
                        "computed by " + epilogueOwner.getOrDefault(owner, owner)));
                continue;
            }
            List<int[]> operandShapes = new ArrayList<>();
            List<ClBuffer> operandBuffers = new ArrayList<>();
            List<Tensor> values = new ArrayList<>();
            for (String in : node.inputs()) {
                operandShapes.add(in.equals(Graph.INPUT) ? graph().batchedInputShape(batch()) : outShapes.get(in));
                operandBuffers.add(buffers.get(storage.get(in)));
                values.add(null);
            }
            boolean kernelsReadParameters = backend.kernelsReadParameters(node.op(), operandShapes.get(0));
            for (Tensor p : node.parameters()) {
                operandShapes.add(p.shape());
                values.add(p);
                operandBuffers.add(kernelsReadParameters ? owned.add(backend.context().buffer(p.data())) : null);
            }
            ClBuffer out = null;
            PreparedStep step = null;
            ResidualFusion.Candidate fused = residual.get(node.name());
            NchwcChains.Link chained = chains.link(node.name());
            if (fused != null) {
                // writes in place into the buffer that holds the residual by now
                out = buffers.get(storage.get(fused.residual()));
                Operator.Conv2d conv = ((Operator.Conv2d) node.op()).withRelu(fused.relu());
                ResidualConvStep.Outcome outcome = chained != null
                        ? new ResidualConvStep.Outcome(NchwcChains.prepare(backend.context(), blockedSolver, conv,
                                chained, operandShapes, values, operandBuffers.get(0), out, true), null)
                        : ResidualConvStep.prepare(backend, conv, algorithms.forLayer(node.name()), operandShapes,
                                values, operandBuffers.get(0), out);
                if (outcome.step() != null) {
                    step = owned.add(outcome.step());
                    epilogueOwner.put(fused.add(), node.name());
                    fusion.absorbedInto(fused.add()).forEach(n -> epilogueOwner.put(n, fused.add()));
                } else {
                    declined.put(fused.add(), "residual add not fused into " + node.name() + ": "
                            + outcome.declined());
                    residual.remove(node.name());
                    storage = PoolFusion.apply(ResidualFusion.storage(nodes, fusion, residual.values()),
                            pooled.values());
                    lastReader = lastReaders(nodes, storage);
                    out = null;
                }
            }
            PoolFusion.Candidate pool = pooled.get(node.name());
            if (pool != null) {
                // the convolution's whole output size (AUTO may time candidates writing it); the pooled value is
                // written at its start
                out = take(free, 4L * Tensor.sizeOf(outShape));
                PoolFusion.Outcome outcome = PoolFusion.prepare(backend, (Operator.Conv2d) node.op(),
                        algorithms.forLayer(node.name()), operandShapes, values, operandBuffers.get(0), out);
                if (outcome.step() != null) {
                    step = owned.add(outcome.step());
                    buffers.put(node.name(), out);
                    epilogueOwner.put(pool.pool(), node.name());
                } else {
                    declined.put(pool.pool(), "max pool not fused into " + node.name() + ": " + outcome.declined());
                    pooled.remove(node.name());
                    storage = PoolFusion.apply(ResidualFusion.storage(nodes, fusion, residual.values()),
                            pooled.values());
                    lastReader = lastReaders(nodes, storage);
                    free.computeIfAbsent(out.bytes(), k -> new ArrayList<>()).add(out);
                    out = null;
                }
            }
            if (node.op() instanceof Operator.Flatten) {
                out = operandBuffers.get(0);
            } else if (step == null && chained != null) {
                out = chained.consumer() != null
                        ? owned.add(NchwcChains.blockedBuffer(backend.context(), blockedSolver, chained))
                        : take(free, 4L * Tensor.sizeOf(outShape));
                buffers.put(node.name(), out);
                step = owned.add(NchwcChains.prepare(backend.context(), blockedSolver, (Operator.Conv2d) node.op(),
                        chained, operandShapes, values, operandBuffers.get(0), out, false));
            } else if (step == null) {
                out = take(free, 4L * Tensor.sizeOf(outShape));
                buffers.put(node.name(), out);
                step = owned.add(backend.prepare(node.op(), algorithms.forLayer(node.name()), operandShapes, values,
                        operandBuffers, out));
            }
            outputs.add(out);
            shapes.add(outShape);
            steps.add(step);
            List<String> absorbed = new ArrayList<>(fusion.absorbedInto(node.name()));
            if (epilogueOwner.containsKey(fused == null ? "" : fused.add())) {
                absorbed.add(fused.add());
                absorbed.addAll(fusion.absorbedInto(fused.add()));
            }
            if (epilogueOwner.containsKey(pool == null ? "" : pool.pool())) {
                absorbed.add(pool.pool());
            }
            String note = step == null ? "" : step.note();
            if (timedNotes.containsKey(node.name()) && note.startsWith("auto: " + step.algorithm() + " from the tuning")
                    && timedNotes.get(node.name()).contains("chose " + step.algorithm())) {
                note = timedNotes.get(node.name()); // timed for its path just now: the samples, not the database
            }
            if (node.op() instanceof Operator.Conv2d) {
                String layout = (chained == null ? "layout NCHW" : "layout NCHWc"
                        + (chained.producer() != null ? " in" : "") + (chained.consumer() != null ? " out" : ""))
                        + (layoutWhy.containsKey(node.name()) ? " (" + layoutWhy.get(node.name()) + ")" : "");
                note = layout + (note.isEmpty() ? "" : "; " + note);
            }
            if (!absorbed.isEmpty()) {
                note = (note.isEmpty() ? "" : note + "; ") + "fused " + String.join(", ", absorbed);
            }
            if (declined.containsKey(node.name())) {
                note = (note.isEmpty() ? "" : note + "; ") + declined.get(node.name());
            }
            planned.add(new PlannedLayer(node.name(), node.op().name(), step == null ? "reshape" : step.algorithm(),
                    note));
            for (String in : node.inputs()) {
                String s = storage.get(in);
                if (!s.equals(Graph.INPUT) && lastReader.get(s) == i && !chains.producesBlocked(s)) {
                    ClBuffer done = buffers.get(s);
                    free.computeIfAbsent(done.bytes(), k -> new ArrayList<>()).add(done);
                    lastReader.put(s, -1);
                }
            }
        }
    }

    /**
     * The plan's algorithms with AUTO's chains added: each path of AUTO convolutions that could exchange NCHWc (as
     * {@link NchwcChains#plan} would link them were they all nchwc-direct; a convolution that computes a max pool is
     * left out) is decided by the {@link NchwcChainFinder}, and the members of the chain it chose become nchwc-direct.
     * Fills {@code why} with each path member's reason, {@code timedNotes} with the AUTO notes of the members whose
     * own solver was timed for their path.
     */
    private ConvAlgorithms autoChains(List<GraphNode> nodes, Map<String, String> storage, Set<String> residualConvs,
            Set<String> pooledConvs, Function<String, int[]> shapeOf, NchwcDirectSolver blockedSolver,
            Map<String, String> why, Map<String, String> timedNotes) {
        Map<String, ConvAlgorithm> candidates = new HashMap<>();
        for (GraphNode node : nodes) {
            if (node.op() instanceof Operator.Conv2d) {
                boolean auto = algorithms.forLayer(node.name()) == ConvAlgorithm.AUTO
                        && !pooledConvs.contains(node.name());
                candidates.put(node.name(), auto ? ConvAlgorithm.NCHWC_DIRECT : ConvAlgorithm.AUTO);
            }
        }
        NchwcChains potential = NchwcChains.plan(nodes, fusion, storage, graph().output().name(),
                new ConvAlgorithms(ConvAlgorithm.AUTO, candidates), residualConvs, shapeOf, blockedSolver,
                backend.context());
        Map<String, ConvAlgorithm> chosen = new HashMap<>(algorithms.perLayer());
        Map<String, GraphNode> byName = new HashMap<>();
        nodes.forEach(n -> byName.put(n.name(), fusion.effective(n)));
        for (List<String> path : potential.paths(nodes)) {
            List<NchwcChainFinder.Member> members = new ArrayList<>();
            for (String name : path) {
                GraphNode node = byName.get(name);
                List<Tensor> p = node.parameters();
                members.add(new NchwcChainFinder.Member(name, NchwcChains.problem(node, shapeOf), p.get(0),
                        p.size() > 1 ? p.get(1) : null));
            }
            NchwcChainFinder.ChainChoice choice = backend.chainFinder().find(members);
            for (int m = 0; m < path.size(); m++) {
                why.put(path.get(m), choice.note());
                if (m < choice.memberNotes().size() && choice.memberNotes().get(m).startsWith("auto: timed")) {
                    timedNotes.put(path.get(m), choice.memberNotes().get(m));
                }
                if (choice.chained(m)) {
                    chosen.put(path.get(m), ConvAlgorithm.NCHWC_DIRECT);
                }
            }
        }
        return new ConvAlgorithms(algorithms.overall(), chosen);
    }

    /**
     * Storage -> the index of the last node that reads a value living there (the graph's output: never); an absorbed
     * node counts, as before, although it runs nothing.
     */
    private Map<String, Integer> lastReaders(List<GraphNode> nodes, Map<String, String> storage) {
        Map<String, Integer> lastReader = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            for (String in : nodes.get(i).inputs()) {
                lastReader.put(storage.get(in), i);
            }
        }
        lastReader.put(storage.get(graph().output().name()), Integer.MAX_VALUE);
        return lastReader;
    }

    /** The smallest free buffer of at least {@code bytes}, or a new one. */
    private ClBuffer take(TreeMap<Long, List<ClBuffer>> free, long bytes) {
        Map.Entry<Long, List<ClBuffer>> fit = free.ceilingEntry(bytes);
        if (fit != null) {
            List<ClBuffer> list = fit.getValue();
            ClBuffer b = list.remove(list.size() - 1);
            if (list.isEmpty()) {
                free.remove(fit.getKey());
            }
            return b;
        }
        return owned.add(backend.context().buffer(bytes));
    }

    @Override
    public String ranOn() {
        return "opencl:" + backend.device();
    }

    @Override
    public List<PlannedLayer> layers() {
        return List.copyOf(planned);
    }

    @Override
    public Preparation preparation() {
        return preparation;
    }

    /**
     * The input written without blocking, every launch queued without profiling events, one blocking read of the
     * output (with launch queueing off: blocking, profiled launches, as {@link #runProfiled}). Per-layer times of this
     * run are NaN; {@link #runProfiled} measures them.
     */
    @Override
    public Tensor run(Tensor in) {
        if (!queueLaunches) {
            long start = System.nanoTime();
            load(in);
            double uploadMs = (System.nanoTime() - start) / 1e6;
            List<LayerTiming> layers = runSteps(null);
            long beforeRead = System.nanoTime();
            Tensor out = output();
            long end = System.nanoTime();
            recordRun(new GraphRun(layers, (end - start) / 1e6, uploadMs, (end - beforeRead) / 1e6));
            return out;
        }
        long start = System.nanoTime();
        load(in);
        long afterUpload = System.nanoTime();
        Tensor out = Tensor.zeros(shapes.get(steps.size() - 1));
        int[] launches;
        long beforeRead;
        try (QueuedLaunches queued = backend.context().queueLaunches(false)) {
            launches = queueSteps(queued);
            beforeRead = System.nanoTime();
            outputs.get(steps.size() - 1).read(out.data());
            queued.finish();
        }
        inputWritePending = false;
        long end = System.nanoTime();
        recordRun(new GraphRun(unprofiled(launches), (end - start) / 1e6, (afterUpload - start) / 1e6,
                (end - beforeRead) / 1e6));
        return out;
    }

    /** Every launch queued without profiling events, waited for once; per-layer times NaN ({@link #runProfiled}). */
    @Override
    public GraphRun runResident() {
        if (!queueLaunches) {
            return runProfiled();
        }
        long start = System.nanoTime();
        int[] launches;
        try (QueuedLaunches queued = backend.context().queueLaunches(false)) {
            launches = queueSteps(queued);
            queued.finish();
        }
        inputWritePending = false;
        return recordRun(new GraphRun(unprofiled(launches), (System.nanoTime() - start) / 1e6, 0, 0));
    }

    @Override
    public GraphRun runProfiled() {
        long start = System.nanoTime();
        List<LayerTiming> layers = runSteps(null);
        inputWritePending = false;
        return recordRun(new GraphRun(layers, (System.nanoTime() - start) / 1e6, 0, 0));
    }

    /** Queues every step's launches on {@code queued}; returns how many each step queued. */
    private int[] queueSteps(QueuedLaunches queued) {
        int[] launches = new int[steps.size()];
        for (int i = 0; i < steps.size(); i++) {
            int before = queued.size();
            if (steps.get(i) != null) {
                steps.get(i).run();
            }
            launches[i] = queued.size() - before;
        }
        return launches;
    }

    private List<LayerTiming> unprofiled(int[] launches) {
        List<LayerTiming> timings = new ArrayList<>(steps.size());
        for (int i = 0; i < steps.size(); i++) {
            GraphNode node = graph().nodes().get(i);
            timings.add(new LayerTiming(node.name(), node.op().name(), planned.get(i).algorithm(), Double.NaN,
                    Double.NaN, launches[i]));
        }
        return timings;
    }

    /**
     * Copies {@code in} into the staging buffer and queues its write to the device without blocking; a pending earlier
     * write is waited for first, since it reads the same staging buffer.
     */
    @Override
    public void load(Tensor in) {
        checkInput(in);
        if (inputWritePending) {
            backend.context().finish();
        }
        staging.clear();
        staging.put(in.data());
        staging.flip();
        input.writeWithoutBlocking(staging);
        inputWritePending = true;
    }

    @Override
    public Tensor output() {
        int last = steps.size() - 1;
        return read(last);
    }

    private Tensor read(int node) {
        Tensor t = Tensor.zeros(shapes.get(node));
        outputs.get(node).read(t.data());
        return t;
    }

    /**
     * Every node's own output: a fused plan computes some values inside other nodes (a convolution's output already
     * batch-normalised), so this runs the same graph compiled without fusion (compiled on first use, same algorithm
     * choices from the tuning database) and records that run.
     */
    @Override
    public LinkedHashMap<String, Tensor> runAll(Tensor in) {
        if (!fusion.absorbed().isEmpty() || fuseResidual || chains.any()) {
            if (unfused == null) {
                unfused = compile(backend, graph(), batch(), GraphFusion.NONE, queueLaunches, algorithms);
            }
            LinkedHashMap<String, Tensor> all = unfused.runAll(in);
            load(in);
            recordRun(unfused.lastRun());
            return all;
        }
        long start = System.nanoTime();
        load(in);
        double uploadMs = (System.nanoTime() - start) / 1e6;
        LinkedHashMap<String, Tensor> all = new LinkedHashMap<>();
        List<LayerTiming> layers = runSteps(all);
        inputWritePending = false;
        recordRun(new GraphRun(layers, (System.nanoTime() - start) / 1e6, uploadMs, 0));
        return all;
    }

    /**
     * Runs every step in order; with {@code collect}, reads each node's output right after it ran (each launch
     * blocks, so a node's wall time is its own; also without collecting when launches are not queued). Otherwise
     * every launch of the run is queued at once and waited for
     * once at the end ({@link QueuedLaunches}), so the device never idles between kernels waiting for the host; a
     * node's wall time is then its share of the device timeline: from the end of the previous node's last kernel (for
     * the first, the queueing of the first kernel) to the end of its own last kernel.
     */
    private List<LayerTiming> runSteps(Map<String, Tensor> collect) {
        if (collect == null && queueLaunches) {
            return runQueued();
        }
        List<LayerTiming> timings = new ArrayList<>(steps.size());
        List<GraphNode> nodes = graph().nodes();
        for (int i = 0; i < steps.size(); i++) {
            GraphNode node = nodes.get(i);
            PreparedStep step = steps.get(i);
            long start = System.nanoTime();
            List<EventTiming> events = step == null ? List.of() : step.run();
            double wallMs = (System.nanoTime() - start) / 1e6;
            timings.add(timing(i, events, wallMs));
            if (collect != null) {
                collect.put(node.name(), read(i));
            }
        }
        return timings;
    }

    private List<LayerTiming> runQueued() {
        int[] launches;
        List<EventTiming> events;
        try (QueuedLaunches queued = backend.context().queueLaunches()) {
            launches = queueSteps(queued);
            events = queued.finish();
        }
        List<LayerTiming> timings = new ArrayList<>(steps.size());
        long previousEnd = events.isEmpty() ? 0 : events.get(0).queuedNs();
        int next = 0;
        for (int i = 0; i < steps.size(); i++) {
            List<EventTiming> own = events.subList(next, next + launches[i]);
            next += launches[i];
            long end = own.stream().mapToLong(EventTiming::endNs).max().orElse(previousEnd);
            timings.add(timing(i, own, Math.max(0, end - previousEnd) / 1e6));
            previousEnd = Math.max(previousEnd, end);
        }
        return timings;
    }

    private LayerTiming timing(int node, List<EventTiming> events, double wallMs) {
        double kernelMs = events.stream().mapToLong(EventTiming::kernelNs).sum() / 1e6;
        return new LayerTiming(graph().nodes().get(node).name(), graph().nodes().get(node).op().name(),
                planned.get(node).algorithm(), kernelMs, wallMs, events.size());
    }

    @Override
    public void close() {
        if (unfused != null) {
            unfused.close();
        }
        if (inputWritePending) {
            // the driver may still be reading the staging buffer
            backend.context().finish();
            inputWritePending = false;
        }
        owned.close();
    }
}
