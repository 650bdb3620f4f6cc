package dev.tessera.backend.opencl.gemm;

import dev.tessera.opencl.ClBuffer;

/**
 * What {@link PackedGemm#multiply} does with each element x of A B before storing it to C:
 * {@code C = relu?(x + bias + (accumulate ? C : 0))}, i.e. beta = 0 (overwrite) or 1 (accumulate).
 *
 * @param bias       none, one value per row of C (a convolution's output channels) or per column (a fully-connected
 *                   layer's output features)
 * @param biasBuffer the bias values, null exactly when {@code bias} is NONE
 * @param biasOffset element index of the bias of row or column 0
 * @param relu       apply max(x, 0) last
 * @param accumulate add the previous contents of C (beta = 1) instead of overwriting them (beta = 0)
 */
public record GemmEpilogue(Bias bias, ClBuffer biasBuffer, long biasOffset, boolean relu, boolean accumulate) {
    /** Where a bias is added; the ordinal is the kernel's bias_kind. */
    public enum Bias { NONE, PER_ROW, PER_COLUMN }

    /** C = A B. */
    public static final GemmEpilogue NONE = new GemmEpilogue(Bias.NONE, null, 0, false, false);

    public GemmEpilogue {
        if ((bias == Bias.NONE) != (biasBuffer == null) || biasOffset < 0) {
            throw new IllegalArgumentException("bias " + bias + " needs a bias buffer exactly when there is a bias, and"
                    + " a non-negative offset (" + biasOffset + ")");
        }
    }

    /** C = A B + bias[row], the bias of row 0 at element {@code offset}. */
    public static GemmEpilogue rowBias(ClBuffer buffer, long offset) {
        return new GemmEpilogue(Bias.PER_ROW, buffer, offset, false, false);
    }

    /** C = A B + bias[column], the bias of column 0 at element {@code offset}. */
    public static GemmEpilogue columnBias(ClBuffer buffer, long offset) {
        return new GemmEpilogue(Bias.PER_COLUMN, buffer, offset, false, false);
    }

    public GemmEpilogue withRelu(boolean apply) {
        return new GemmEpilogue(bias, biasBuffer, biasOffset, apply, accumulate);
    }

    public GemmEpilogue withAccumulate(boolean add) {
        return new GemmEpilogue(bias, biasBuffer, biasOffset, relu, add);
    }
}
