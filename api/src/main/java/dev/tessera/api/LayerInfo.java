package dev.tessera.api;

/**
 * One layer of a {@link Network}.
 *
 * @param name        unique within the network
 * @param operator    "conv2d", "maxpool", "fc", ...
 * @param outputShape [1, C, H, W] (or [1, F]) for one image
 * @param parameters  trainable values (weights, biases, batch-norm gamma and beta)
 * @param macs        multiply-accumulates per image (convolutions and fully-connected layers; 0 for others)
 */
public record LayerInfo(String name, String operator, int[] outputShape, long parameters, long macs) {
    /**
     * Copies the shape.
     *
     * @param name        unique within the network
     * @param operator    "conv2d", "maxpool", "fc", ...
     * @param outputShape [1, C, H, W] (or [1, F]) for one image
     * @param parameters  trainable values
     * @param macs        multiply-accumulates per image
     */
    public LayerInfo {
        outputShape = outputShape.clone();
    }

    /**
     * The output shape.
     *
     * @return a copy of [1, C, H, W] (or [1, F])
     */
    @Override
    public int[] outputShape() {
        return outputShape.clone();
    }
}
