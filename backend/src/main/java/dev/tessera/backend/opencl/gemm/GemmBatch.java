package dev.tessera.backend.opencl.gemm;

/**
 * {@code count} independent products C_b = A_b B_b in one launch: the operands of product b start
 * {@code b * stride} elements after those of product 0 (a stride of 0 shares an operand, e.g. the weights across
 * images). The bias (if any) moves by {@code strideBias} per product.
 */
public record GemmBatch(int count, long strideA, long strideB, long strideC, long strideBias) {
    /** One product. */
    public static final GemmBatch SINGLE = new GemmBatch(1, 0, 0, 0, 0);

    public GemmBatch {
        if (count < 1 || strideA < 0 || strideB < 0 || strideC < 0 || strideBias < 0) {
            throw new IllegalArgumentException("batch of " + count + " with strides " + strideA + ", " + strideB + ", "
                    + strideC + ", " + strideBias + ": count must be positive, strides non-negative");
        }
    }

    /** {@code count} products with these element strides between packed A's, packed B's and C's; bias shared. */
    public static GemmBatch of(int count, long strideA, long strideB, long strideC) {
        return new GemmBatch(count, strideA, strideB, strideC, 0);
    }

    public GemmBatch withBiasStride(long stride) {
        return new GemmBatch(count, strideA, strideB, strideC, stride);
    }
}
