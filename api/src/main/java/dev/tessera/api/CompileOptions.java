package dev.tessera.api;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How {@link Network#compile} prepares a network: the backend, the batch size, and the convolution algorithm, for all
 * layers or per layer. Immutable: each method returns a changed copy.
 *
 * <pre>{@code
 * CompileOptions.defaults().batch(8).algorithm(Algorithm.IM2COL).algorithm("conv1", Algorithm.DIRECT)
 * }</pre>
 */
public final class CompileOptions {
    private final BackendKind backend;
    private final int batch;
    private final Algorithm algorithm;
    private final Map<String, Algorithm> perLayer;

    private CompileOptions(BackendKind backend, int batch, Algorithm algorithm, Map<String, Algorithm> perLayer) {
        this.backend = backend;
        this.batch = batch;
        this.algorithm = algorithm;
        this.perLayer = Map.copyOf(perLayer);
    }

    /**
     * The defaults.
     *
     * @return OpenCL backend, batch 1, {@link Algorithm#AUTO} everywhere
     */
    public static CompileOptions defaults() {
        return new CompileOptions(BackendKind.OPENCL, 1, Algorithm.AUTO, Map.of());
    }

    /**
     * Chooses the backend.
     *
     * @param kind the backend that runs the operators
     * @return a copy with {@code kind} as the backend
     */
    public CompileOptions backend(BackendKind kind) {
        return new CompileOptions(Objects.requireNonNull(kind), batch, algorithm, perLayer);
    }

    /**
     * Chooses the batch size: every {@link Session#run} takes exactly that many images.
     *
     * @param images images per run, at least 1
     * @return a copy with batches of {@code images}
     * @throws IllegalArgumentException when {@code images} is below 1
     */
    public CompileOptions batch(int images) {
        if (images < 1) {
            throw new IllegalArgumentException("batch must be at least 1: " + images);
        }
        return new CompileOptions(backend, images, algorithm, perLayer);
    }

    /**
     * Chooses the algorithm of every convolution not named in {@link #algorithm(String, Algorithm)}.
     *
     * @param a the algorithm
     * @return a copy with {@code a} as the default algorithm
     */
    public CompileOptions algorithm(Algorithm a) {
        return new CompileOptions(backend, batch, Objects.requireNonNull(a), perLayer);
    }

    /**
     * Chooses the algorithm of one convolution layer; {@link Network#compile} rejects names that are not
     * convolutions of the network.
     *
     * @param layer the layer's name (see {@link Network#layers()})
     * @param a     the algorithm for that layer
     * @return a copy with the per-layer choice added
     */
    public CompileOptions algorithm(String layer, Algorithm a) {
        Map<String, Algorithm> m = new HashMap<>(perLayer);
        m.put(Objects.requireNonNull(layer), Objects.requireNonNull(a));
        return new CompileOptions(backend, batch, algorithm, m);
    }

    /**
     * The backend.
     *
     * @return the backend that will run the operators
     */
    public BackendKind backend() {
        return backend;
    }

    /**
     * The batch size.
     *
     * @return images per run
     */
    public int batch() {
        return batch;
    }

    /**
     * The default algorithm.
     *
     * @return the algorithm for convolutions without a per-layer choice
     */
    public Algorithm algorithm() {
        return algorithm;
    }

    /**
     * The algorithm one layer gets.
     *
     * @param layer a layer's name
     * @return its per-layer choice, or the default algorithm
     */
    public Algorithm algorithmFor(String layer) {
        return perLayer.getOrDefault(layer, algorithm);
    }

    /**
     * The per-layer choices.
     *
     * @return algorithms by layer name (unmodifiable)
     */
    public Map<String, Algorithm> perLayerAlgorithms() {
        return perLayer;
    }

    /** The backend's form: the overall algorithm and the per-layer overrides. */
    dev.tessera.backend.ConvAlgorithms convAlgorithms() {
        Map<String, dev.tessera.backend.ConvAlgorithm> internal = new HashMap<>();
        perLayer.forEach((layer, a) -> internal.put(layer, a.internal()));
        return new dev.tessera.backend.ConvAlgorithms(algorithm.internal(), internal);
    }
}
