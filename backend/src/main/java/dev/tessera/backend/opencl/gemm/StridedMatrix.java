package dev.tessera.backend.opencl.gemm;

import dev.tessera.opencl.ClBuffer;

/**
 * A matrix of floats in a device buffer: element (row, column) at {@code offset + row * rowStride + column *
 * columnStride}. Row-major with leading dimension ld is (ld, 1); its transpose, (1, ld).
 *
 * @param buffer       where the floats are
 * @param offset       element index of (0, 0)
 * @param rows         number of rows
 * @param columns      number of columns
 * @param rowStride    elements between (r, c) and (r + 1, c)
 * @param columnStride elements between (r, c) and (r, c + 1)
 */
public record StridedMatrix(ClBuffer buffer, long offset, int rows, int columns, int rowStride, int columnStride) {
    public StridedMatrix {
        if (buffer == null) {
            throw new IllegalArgumentException("matrix buffer is null");
        }
        if (offset < 0 || rows < 1 || columns < 1 || rowStride < 0 || columnStride < 0) {
            throw new IllegalArgumentException("matrix " + rows + "x" + columns + " at offset " + offset + " with strides "
                    + rowStride + ", " + columnStride + ": sizes must be positive, offset and strides non-negative");
        }
    }

    /** A row-major matrix with leading dimension {@code ld} (at least {@code columns}). */
    public static StridedMatrix rowMajor(ClBuffer buffer, long offset, int rows, int columns, int ld) {
        if (ld < columns) {
            throw new IllegalArgumentException("leading dimension " + ld + " is below the " + columns + " columns");
        }
        return new StridedMatrix(buffer, offset, rows, columns, ld, 1);
    }

    /** The same floats read as the transposed matrix. */
    public StridedMatrix transposed() {
        return new StridedMatrix(buffer, offset, columns, rows, columnStride, rowStride);
    }

    /** One past the largest element index the matrix touches. */
    public long end() {
        return offset + (long) (rows - 1) * rowStride + (long) (columns - 1) * columnStride + 1;
    }
}
