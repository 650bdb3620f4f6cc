package dev.tessera.backend;

import java.util.Map;
import java.util.Objects;

/**
 * Which convolution algorithm a plan uses: one overall choice and per-layer overrides by node name. A choice of the
 * plan (compile options), not a property of the layer: {@link Operator.Conv2d} carries none. Backends with one way of
 * convolving ignore it.
 *
 * @param overall  the algorithm of every convolution without an override
 * @param perLayer overrides by node name
 */
public record ConvAlgorithms(ConvAlgorithm overall, Map<String, ConvAlgorithm> perLayer) {
    /** AUTO everywhere. */
    public static final ConvAlgorithms AUTO = new ConvAlgorithms(ConvAlgorithm.AUTO, Map.of());

    public ConvAlgorithms {
        Objects.requireNonNull(overall, "overall");
        perLayer = Map.copyOf(perLayer);
    }

    /** {@code algorithm} for every convolution. */
    public static ConvAlgorithms of(ConvAlgorithm algorithm) {
        return new ConvAlgorithms(algorithm, Map.of());
    }

    /** The algorithm of the node named {@code layer}: its override, else the overall one. */
    public ConvAlgorithm forLayer(String layer) {
        return perLayer.getOrDefault(layer, overall);
    }
}
