package dev.tessera.backend.graph;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.tessera.backend.Backend;
import dev.tessera.backend.ConvAlgorithms;
import dev.tessera.backend.OpResult;
import dev.tessera.backend.Tensor;

/**
 * The plain way to run a {@link Graph}: every node through {@link Backend#run} with host tensors, so each node pays
 * its own transfers. It is what backends without a device-resident plan compile to (the reference backend, Aparapi);
 * {@link #runResident} is the same as {@link #run} on the loaded input, and kernel times come from the backend's own
 * {@link OpResult#kernelMs()}.
 */
public final class LayerByLayerGraph extends AbstractCompiledGraph {
    private final Backend backend;
    private final ConvAlgorithms algorithms;
    private final List<PlannedLayer> planned;
    private final Preparation preparation;
    private Tensor input;
    private Tensor output;
    private String ranOn;

    /**
     * Checks every node's shapes for {@code batch} and records what the backend says it will run; nothing is
     * allocated.
     */
    public LayerByLayerGraph(Backend backend, Graph graph, int batch) {
        this(backend, graph, batch, ConvAlgorithms.AUTO);
    }

    /** As {@link #LayerByLayerGraph(Backend, Graph, int)}, every node run with its algorithm in {@code algorithms}. */
    public LayerByLayerGraph(Backend backend, Graph graph, int batch, ConvAlgorithms algorithms) {
        super(graph, batch);
        long start = System.nanoTime();
        this.backend = backend;
        this.algorithms = algorithms;
        GraphShapes.of(graph, batch);
        List<PlannedLayer> layers = new ArrayList<>();
        for (GraphNode node : graph().nodes()) {
            layers.add(new PlannedLayer(node.name(), node.op().name(), "chosen per run by " + backend.name(), ""));
        }
        this.planned = List.copyOf(layers);
        this.preparation = new Preparation(0, (System.nanoTime() - start) / 1e6, 0);
        this.ranOn = backend.name();
    }

    @Override
    public String ranOn() {
        return ranOn;
    }

    @Override
    public List<PlannedLayer> layers() {
        return planned;
    }

    @Override
    public Preparation preparation() {
        return preparation;
    }

    @Override
    public Tensor run(Tensor in) {
        LinkedHashMap<String, Tensor> all = runAll(in);
        return all.get(graph().output().name());
    }

    @Override
    public GraphRun runResident() {
        if (input == null) {
            throw new IllegalStateException(graph().name() + ": nothing loaded; call load or run first");
        }
        runAll(input);
        return lastRun();
    }

    @Override
    public void load(Tensor in) {
        checkInput(in);
        this.input = in;
    }

    @Override
    public Tensor output() {
        if (output == null) {
            throw new IllegalStateException(graph().name() + ": not run yet");
        }
        return output;
    }

    @Override
    public LinkedHashMap<String, Tensor> runAll(Tensor in) {
        checkInput(in);
        this.input = in;
        long start = System.nanoTime();
        Map<String, Tensor> values = new HashMap<>();
        values.put(Graph.INPUT, in);
        LinkedHashMap<String, Tensor> outputs = new LinkedHashMap<>();
        List<LayerTiming> timings = new ArrayList<>();
        String where = null;
        for (GraphNode node : graph().nodes()) {
            List<Tensor> operands = new ArrayList<>();
            for (String name : node.inputs()) {
                operands.add(values.get(name));
            }
            operands.addAll(node.parameters());
            OpResult r = backend.run(node.op(), operands, algorithms.forLayer(node.name()));
            values.put(node.name(), r.output());
            outputs.put(node.name(), r.output());
            timings.add(new LayerTiming(node.name(), node.op().name(), r.algorithm(), r.kernelMs(), r.wallMs(), 1));
            where = where == null || where.equals(r.ranOn()) ? r.ranOn() : "mixed";
        }
        this.ranOn = where;
        this.output = outputs.get(graph().output().name());
        recordRun(new GraphRun(timings, (System.nanoTime() - start) / 1e6, 0, 0));
        return outputs;
    }

    @Override
    public void close() {
        // owns nothing: the backend owns its device resources
    }
}
