package dev.tessera.reports;

import java.util.List;
import java.util.Optional;

/**
 * The compulsory memory traffic of a model's layers, for the roofline's arithmetic intensity. Result files carry each
 * layer's multiply-accumulates but not its tensor sizes; whoever makes the report and knows the models (the CLI,
 * through the model zoo) supplies them. The reports module itself knows no models.
 */
@FunctionalInterface
public interface LayerFootprints {
    /** Knows no layer: the roofline then shows the ceilings only and says why there are no points. */
    LayerFootprints NONE = (model, inputShape, node) -> Optional.empty();

    /**
     * @param model      model name as in the result row
     * @param inputShape [C, H, W] of one image as in the result row
     * @param node       layer name
     */
    Optional<Footprint> find(String model, List<Integer> inputShape, String node);

    /**
     * One layer's tensors in float32 values.
     *
     * @param activationsPerImage the layer's inputs and output for one image
     * @param parameters          its weights and biases (read once per run whatever the batch)
     */
    record Footprint(long activationsPerImage, long parameters) {
        /** Bytes read and written at least once for a batch: 4 x (batch x activations + parameters). */
        public long bytes(int batch) {
            return 4L * (batch * activationsPerImage + parameters);
        }
    }
}
