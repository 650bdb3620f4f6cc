package dev.tessera.backend;

/**
 * Size arithmetic on what a user gave (file headers, options, model files): done in {@code long} with overflow
 * checks, so that a size never wraps to a small or negative number. Every failure is an
 * {@link IllegalArgumentException} whose message starts with {@code what} (the file or option) and says the real
 * problem.
 */
public final class CheckedSizes {
    /** The most elements one Java array (and so one tensor) can hold. */
    public static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    private CheckedSizes() {
    }

    /** A size past what a count or a tensor can hold (as opposed to a size that is wrong in itself). */
    public static final class TooLarge extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        public TooLarge(String message) {
            super(message);
        }
    }

    /** The number of elements of {@code dims}, each of which must be positive. */
    public static long elements(String what, long... dims) {
        long size = 1;
        for (long d : dims) {
            if (d <= 0) {
                throw new IllegalArgumentException(what + ": dimension " + d + " in " + text(dims)
                        + " is not positive");
            }
            try {
                size = Math.multiplyExact(size, d);
            } catch (ArithmeticException e) {
                throw new TooLarge(what + ": shape " + text(dims)
                        + " has more elements than a 64-bit count holds (its dimensions multiply past 2^63)");
            }
        }
        return size;
    }

    /** {@link #elements}, which must also fit one tensor ({@link #MAX_ELEMENTS}). */
    public static int tensorElements(String what, long... dims) {
        long size = elements(what, dims);
        if (size > MAX_ELEMENTS) {
            throw new TooLarge(what + ": shape " + text(dims) + " holds " + size
                    + " elements, more than one tensor can (" + MAX_ELEMENTS + ")");
        }
        return (int) size;
    }

    /** The same for an int shape. */
    public static int tensorElements(String what, int[] shape) {
        long[] dims = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            dims[i] = shape[i];
        }
        return tensorElements(what, dims);
    }

    /** {@code a + b + ...} that must fit an int (a size or coordinate), else a message naming {@code what}. */
    public static int intSum(String what, long... terms) {
        long sum = 0;
        for (long t : terms) {
            sum += t; // terms are ints or small products: no long overflow
        }
        return toInt(what, sum);
    }

    /** {@code value} as an int, else a message naming {@code what}. */
    public static int toInt(String what, long value) {
        if (value > Integer.MAX_VALUE || value < Integer.MIN_VALUE) {
            throw new TooLarge(what + ": " + value + " is out of range (sizes must stay below 2^31)");
        }
        return (int) value;
    }

    private static String text(long[] dims) {
        StringBuilder b = new StringBuilder("(");
        for (int i = 0; i < dims.length; i++) {
            b.append(i == 0 ? "" : ", ").append(dims[i]);
        }
        return b.append(dims.length == 1 ? ",)" : ")").toString();
    }
}
