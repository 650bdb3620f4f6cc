package dev.tessera.backend;

/**
 * The output-size arithmetic shared by convolution and pooling, per spatial axis:
 * {@code out = floor((in + padBegin + padEnd - dilation * (kernel - 1) - 1) / stride) + 1}.
 */
public final class WindowGeometry {
    private WindowGeometry() {
    }

    /**
     * Output extent along one axis.
     *
     * @throws IllegalArgumentException when the (dilated) window is larger than the padded input, or a parameter is
     *                                  out of range; the message names the axis
     */
    public static int outputSize(String axis, int in, int kernel, int padBegin, int padEnd, int stride, int dilation) {
        if (in < 1 || kernel < 1 || stride < 1 || dilation < 1 || padBegin < 0 || padEnd < 0) {
            throw new IllegalArgumentException(axis + ": input " + in + ", kernel " + kernel + ", stride " + stride
                    + ", dilation " + dilation + " and padding " + padBegin + "," + padEnd
                    + " must be positive (padding non-negative)");
        }
        long span = (long) dilation * (kernel - 1) + 1; // in long: huge dilations or pads must not wrap
        long padded = (long) in + padBegin + padEnd;
        if (span > padded) {
            throw new IllegalArgumentException(axis + ": window of " + span + " is larger than the padded input of "
                    + padded);
        }
        CheckedSizes.toInt(axis + ": padded input " + in + " + " + padBegin + " + " + padEnd, padded);
        return (int) (Math.floorDiv(padded - span, stride) + 1);
    }
}
