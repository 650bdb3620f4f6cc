package dev.tessera.backend.graph;

import java.util.Arrays;

import dev.tessera.backend.Tensor;

/** What every {@link CompiledGraph} keeps: the graph, the batch size, the last run, and the input check. */
public abstract class AbstractCompiledGraph implements CompiledGraph {
    private final Graph graph;
    private final int batch;
    private GraphRun lastRun;

    /** @throws IllegalArgumentException when {@code batch} is below 1 */
    protected AbstractCompiledGraph(Graph graph, int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException(graph.name() + ": batch must be at least 1: " + batch);
        }
        this.graph = graph;
        this.batch = batch;
    }

    @Override
    public final Graph graph() {
        return graph;
    }

    @Override
    public final int batch() {
        return batch;
    }

    @Override
    public final GraphRun lastRun() {
        if (lastRun == null) {
            throw new IllegalStateException(graph.name() + ": not run yet");
        }
        return lastRun;
    }

    /** Records {@code run} as the last run and returns it. */
    protected final GraphRun recordRun(GraphRun run) {
        this.lastRun = run;
        return run;
    }

    /** @throws IllegalArgumentException unless {@code input} is [batch, C, H, W] of the graph */
    protected final void checkInput(Tensor input) {
        if (!Arrays.equals(input.shape(), graph.batchedInputShape(batch))) {
            throw new IllegalArgumentException(graph.name() + ": input " + input.shapeString() + " must be "
                    + Tensor.shapeString(graph.batchedInputShape(batch)));
        }
    }
}
