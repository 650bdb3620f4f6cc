package dev.tessera.backend;

import java.util.List;

/**
 * A way of running operators: the double-precision reference, hand-written OpenCL kernels, or Aparapi. Inputs and
 * outputs are host tensors; a backend moves them to and from its device itself.
 *
 * <p>Implementations are not thread-safe unless they say so. Close a backend to release its device resources.
 */
public interface Backend extends AutoCloseable {
    /** "reference", "opencl" or "aparapi". */
    String name();

    /** The device it runs on, in words. */
    String device();

    /**
     * Runs {@code op} on {@code inputs} (see each {@link Operator} for the inputs it takes).
     *
     * @throws IllegalArgumentException when the shapes do not fit the operator, or an explicitly requested algorithm
     *                                  does not apply to them
     */
    OpResult run(Operator op, List<Tensor> inputs);

    /**
     * {@link #run(Operator, List)} with the convolution algorithm chosen ({@link ConvAlgorithm#AUTO}: the backend
     * chooses). Backends with one way of convolving ignore {@code algorithm}; the result names what ran.
     *
     * @throws IllegalArgumentException as {@link #run(Operator, List)}, or when {@code algorithm} does not apply
     */
    default OpResult run(Operator op, List<Tensor> inputs, ConvAlgorithm algorithm) {
        return run(op, inputs);
    }

    /** Runs {@code op} and returns only its output. */
    default Tensor apply(Operator op, Tensor... inputs) {
        return run(op, List.of(inputs)).output();
    }

    /**
     * Prepares {@code graph} to run batches of {@code batch} images: validated, allocated and, where the backend can,
     * kept on the device between nodes with weights transformed once. The default runs node by node through
     * {@link #run} ({@link dev.tessera.backend.graph.LayerByLayerGraph}). The compiled graph uses this backend's
     * device; close it before the backend.
     *
     * @throws IllegalArgumentException when a node's shapes do not fit its operator (the message names the node)
     */
    default dev.tessera.backend.graph.CompiledGraph compile(dev.tessera.backend.graph.Graph graph, int batch) {
        return compile(graph, batch, ConvAlgorithms.AUTO);
    }

    /** {@link #compile(dev.tessera.backend.graph.Graph, int)} with the plan's convolution algorithms chosen. */
    default dev.tessera.backend.graph.CompiledGraph compile(dev.tessera.backend.graph.Graph graph, int batch,
            ConvAlgorithms algorithms) {
        return new dev.tessera.backend.graph.LayerByLayerGraph(this, graph, batch, algorithms);
    }

    @Override
    void close();
}
