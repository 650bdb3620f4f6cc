package dev.tessera.backend.reference;

/**
 * Along one spatial axis of a convolution, for each kernel tap: the outputs {@code [first, end)} whose input
 * coordinate {@code out * stride + tap * dilation - padBegin} lies inside {@code [0, in)}. Shared by the reference
 * forward convolution and its gradients ({@code dev.tessera.backend.training.ReferenceTrainingBackend}).
 */
public final class TapRange {
    private final int[] first;
    private final int[] end;
    private final int stride;
    private final int dilation;
    private final int padBegin;

    public TapRange(int taps, int stride, int dilation, int padBegin, int in, int out) {
        this.stride = stride;
        this.dilation = dilation;
        this.padBegin = padBegin;
        first = new int[taps];
        end = new int[taps];
        for (int t = 0; t < taps; t++) {
            int offset = t * dilation - padBegin;
            // smallest o with o * stride + offset >= 0, largest with o * stride + offset <= in - 1
            first[t] = Math.max(0, -Math.floorDiv(offset, stride));
            end[t] = Math.min(out, Math.floorDiv(in - 1 - offset, stride) + 1);
        }
    }

    /** The first output whose tap {@code tap} reads a real input cell. */
    public int first(int tap) {
        return first[tap];
    }

    /** One past the last output whose tap {@code tap} reads a real input cell (may be {@code <= first}: none). */
    public int end(int tap) {
        return end[tap];
    }

    /** The input coordinate tap {@code tap} of output {@code out} reads. */
    public int inputIndex(int out, int tap) {
        return out * stride + tap * dilation - padBegin;
    }
}
