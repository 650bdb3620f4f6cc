package dev.tessera.backend.graph;

import java.util.LinkedHashMap;
import java.util.List;

import dev.tessera.backend.Tensor;

/**
 * A {@link Graph} prepared to run on one backend and device for one batch size, ARM-Compute-Library style: validated
 * and allocated once (device buffers, kernels built, weights transformed, AUTO's algorithm choices made), then run
 * many times. What preparing cost is in {@link #preparation()}, never inside a run's figures.
 *
 * <p>Not thread-safe: one thread runs it at a time. Close it to release its device memory and kernels.
 */
public interface CompiledGraph extends AutoCloseable {
    Graph graph();

    /** The batch size it was compiled for. */
    int batch();

    /** Where it runs: "opencl:&lt;device name&gt;", "java-thread-pool" or "reference-java". */
    String ranOn();

    /** Per node, in graph order, what will run and what the user must be told about it. */
    List<PlannedLayer> layers();

    /** What compiling cost. */
    Preparation preparation();

    /**
     * Runs the graph end to end: writes {@code input} [batch, C, H, W] to the device, runs every node, reads the
     * output back.
     *
     * @throws IllegalArgumentException when the input's shape is not [batch, C, H, W]
     */
    Tensor run(Tensor input);

    /**
     * Runs every node again on the input of the last {@link #run} (or {@link #load}), already on the device, without
     * host transfers; the output stays on the device. For device-resident throughput and latency.
     */
    GraphRun runResident();

    /**
     * {@link #runResident} with every node's kernel and wall time measured (profiling events per launch): the pass that
     * per-layer figures come from. Backends whose timed runs are not profiled (OpenCL with queued launches) pay for the
     * profiling only here; the others run {@link #runResident}.
     */
    default GraphRun runProfiled() {
        return runResident();
    }

    /** Writes {@code input} to the device for {@link #runResident}, without running anything. */
    void load(Tensor input);

    /** Reads the graph's output of the last run back from the device. */
    Tensor output();

    /** Runs the graph on {@code input} and returns every node's output by name, in graph order. */
    LinkedHashMap<String, Tensor> runAll(Tensor input);

    /**
     * Timings of the last {@link #run}, {@link #runResident}, {@link #runProfiled} or {@link #runAll}; per-layer
     * times are NaN where the run was not profiled.
     */
    GraphRun lastRun();

    @Override
    void close();

    /**
     * A node as compiled.
     *
     * @param node      the node's name
     * @param operator  the operator's name
     * @param algorithm what will run (the solver's id for a convolution, the kernel's name otherwise)
     * @param note      what the user must be told (AUTO's timings and choice, a fallback); empty if nothing
     */
    record PlannedLayer(String node, String operator, String algorithm, String note) {
    }

    /**
     * The one-time costs of compiling, in milliseconds of host wall time.
     *
     * @param buildMs   building (or loading from the cache) the kernels' programs
     * @param prepareMs allocating buffers, uploading parameters and transforming weights
     * @param tuneMs    AUTO timing candidate algorithms (0 when every choice came from the tuning database)
     */
    record Preparation(double buildMs, double prepareMs, double tuneMs) {
        public double totalMs() {
            return buildMs + prepareMs + tuneMs;
        }
    }
}
