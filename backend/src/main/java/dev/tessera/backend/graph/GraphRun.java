package dev.tessera.backend.graph;

import java.util.List;

/**
 * What one run of a {@link CompiledGraph} took.
 *
 * @param layers   one entry per node, in graph order
 * @param wallMs   host wall time of the whole run (for {@link CompiledGraph#run}: upload, every node, download)
 * @param uploadMs host time spent writing the input to the device (0 for a device-resident run)
 * @param downloadMs host time spent reading the output back (0 for a device-resident run)
 */
public record GraphRun(List<LayerTiming> layers, double wallMs, double uploadMs, double downloadMs) {
    public GraphRun {
        layers = List.copyOf(layers);
    }

    /** Sum of the nodes' kernel times (NaN if any node has none). */
    public double kernelMs() {
        return layers.stream().mapToDouble(LayerTiming::kernelMs).sum();
    }
}
