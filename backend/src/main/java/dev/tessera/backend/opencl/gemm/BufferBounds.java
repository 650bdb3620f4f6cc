package dev.tessera.backend.opencl.gemm;

import dev.tessera.opencl.ClBuffer;

/**
 * Host-side checks that a kernel's float accesses stay inside a buffer and that every element index fits the kernels'
 * int arithmetic (common.h), so that nothing is launched with arguments that would read or write out of bounds.
 */
public final class BufferBounds {
    private BufferBounds() {
    }

    /**
     * Throws IllegalArgumentException unless elements {@code [0, end)} of {@code buffer} exist and every index below
     * {@code end} fits in an int.
     */
    public static void require(ClBuffer buffer, long end, String what) {
        if (buffer == null) {
            throw new IllegalArgumentException(what + ": buffer is null");
        }
        long floats = buffer.bytes() / Float.BYTES;
        if (end > floats) {
            throw new IllegalArgumentException(what + " needs " + end + " floats, the buffer holds " + floats);
        }
        if (end - 1 > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(what + " reaches element " + (end - 1)
                    + ", beyond the kernels' int indexing");
        }
    }

    /** {@code value} (an element offset, stride or count) as an int kernel argument. */
    public static int index(long value, String what) {
        if (value < 0 || value > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(what + " " + value + " is outside the kernels' int indexing");
        }
        return (int) value;
    }
}
