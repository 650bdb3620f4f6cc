package dev.tessera.aparapi;

import com.aparapi.Kernel;

/**
 * Spatial padding of {@code Operator.Pad}: one work-item per output element of [planes, outH, outW] (1-D range rounded
 * up to the work-group size) copies the input cell its row and column come from, or writes {@code value} (constant
 * mode). {@code mode} is the enum's ordinal: 0 constant, 1 reflect (each pad below the extent, checked on the host),
 * 2 edge.
 */
final class PadKernel extends Kernel {
    float[] x = new float[1];
    float[] y = new float[1];
    int total;
    int height;
    int width;
    int outH;
    int outW;
    int top;
    int left;
    int mode;
    float value;

    @Override
    public void run() {
        int i = getGlobalId();
        if (i < total) {
            int q = i % outW;
            int p = (i / outW) % outH;
            int plane = i / (outW * outH);
            int h = source(p, top, height);
            int w = source(q, left, width);
            float v = value;
            if (h >= 0 && w >= 0) {
                v = x[(plane * height + h) * width + w];
            }
            y[i] = v;
        }
    }

    /** The input coordinate output coordinate o copies, or -1 for the constant (as Operator.Pad.source). */
    private int source(int o, int before, int extent) {
        int i = o - before;
        int r = i;
        // flat ifs only: Aparapi's translator rejects else-if chains nested in a branch
        if (i < 0 && mode == 0) {
            r = -1;
        }
        if (i >= extent && mode == 0) {
            r = -1;
        }
        if (i < 0 && mode == 1) {
            r = -i;
        }
        if (i >= extent && mode == 1) {
            r = 2 * (extent - 1) - i;
        }
        if (i < 0 && mode == 2) {
            r = 0;
        }
        if (i >= extent && mode == 2) {
            r = extent - 1;
        }
        return r;
    }
}
