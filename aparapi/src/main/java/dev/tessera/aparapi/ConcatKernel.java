package dev.tessera.aparapi;

import com.aparapi.Kernel;

/**
 * One input of a channel concatenation: over the whole output [N, channelsOut, plane] (1-D range over its size rounded
 * up to the work-group size), the elements whose channel lies in [offset, offset + channelsIn) take the input's value
 * and the others keep theirs. The host launches it once per input. Reading the elements it keeps makes Aparapi copy the
 * output both ways, so the parts written by earlier launches survive without relying on Aparapi reusing its buffer.
 */
final class ConcatKernel extends Kernel {
    float[] x = new float[1];
    float[] y = new float[1];
    int total;
    int plane;
    int channelsOut;
    int channelsIn;
    int offset;

    @Override
    public void run() {
        int i = getGlobalId();
        if (i < total) {
            int pixel = i % plane;
            int c = (i / plane) % channelsOut;
            int n = i / (plane * channelsOut);
            float v = y[i];
            if (c >= offset && c < offset + channelsIn) {
                v = x[(n * channelsIn + c - offset) * plane + pixel];
            }
            y[i] = v;
        }
    }
}
