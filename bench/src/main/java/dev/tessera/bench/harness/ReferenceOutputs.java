package dev.tessera.bench.harness;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.tessera.backend.Tensor;
import dev.tessera.backend.reference.ReferenceBackend;
import dev.tessera.models.Model;

/**
 * The double-precision reference's outputs on the accuracy images, computed once per (model, input shape, seed,
 * image) within a run: the reference is slow (VGG-16 at 224 takes many seconds per image) and every device, backend,
 * algorithm and peer compares with the same answer. Every layer's output is kept for the first
 * {@link #perLayerImages} images, only the final output for the rest.
 */
public final class ReferenceOutputs {
    /** Floats of reference activations kept per model for the per-layer comparison. */
    public static final long PER_LAYER_BUDGET_FLOATS = 32L << 20;

    private final ReferenceBackend reference = new ReferenceBackend();
    private final Map<String, LinkedHashMap<String, Tensor>> allLayers = new HashMap<>();
    private final Map<String, Tensor> finals = new HashMap<>();
    private final long seed;
    private int computed;

    public ReferenceOutputs(long seed) {
        this.seed = seed;
    }

    /** How many images (of {@code images}) are compared layer by layer: all that fit the budget, at least 1. */
    public static int perLayerImages(Model model, int images) {
        long perImage = 0;
        for (int[] shape : model.layerShapes(1)) {
            perImage += Tensor.sizeOf(shape);
        }
        return (int) Math.max(1, Math.min(images, PER_LAYER_BUDGET_FLOATS / Math.max(1, perImage)));
    }

    /** Every layer's reference output on image {@code index} (which must be below {@link #perLayerImages}). */
    public LinkedHashMap<String, Tensor> layers(Model model, int index) {
        return allLayers.computeIfAbsent(key(model, index), k -> {
            computed++;
            return model.forwardAll(reference, BenchInputs.image(model, index, seed));
        });
    }

    /** The reference's final output on image {@code index}. */
    public Tensor output(Model model, int index) {
        LinkedHashMap<String, Tensor> all = allLayers.get(key(model, index));
        if (all != null) {
            return lastValue(all);
        }
        return finals.computeIfAbsent(key(model, index), k -> {
            computed++;
            return model.forward(reference, BenchInputs.image(model, index, seed));
        });
    }

    /** How many reference forward passes ran (each image once per model). */
    public int computed() {
        return computed;
    }

    static Tensor lastValue(LinkedHashMap<String, Tensor> outputs) {
        Tensor last = null;
        for (Tensor t : outputs.values()) {
            last = t;
        }
        return last;
    }

    private String key(Model model, int index) {
        return model.name() + "|" + Tensor.shapeString(model.inputShape()) + "|" + seed + "|" + index;
    }
}
