package dev.tessera.backend.opencl.ops;

import java.util.List;

import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.opencl.common.Launch;
import dev.tessera.backend.opencl.common.OwnedResources;
import dev.tessera.backend.opencl.common.PreparedStep;
import dev.tessera.backend.opencl.common.ProgramLibrary;
import dev.tessera.opencl.ClBuffer;
import dev.tessera.opencl.ClKernel;
import dev.tessera.opencl.DeviceInfo;

/**
 * The fully connected layer at small batch on CPU devices ({@code fully_connected_packed.cl}): the weights [out, in]
 * are packed once, at prepare, into panels of {@link #PANEL} output features ([panels][in][PANEL], zero-padded), so
 * that each work-item streams one contiguous panel with float16 loads; the layer then runs at the speed of reading
 * its weights once per {@link #MAX_ROWS_PER_ITEM} images. Batches above {@link #MAX_BATCH} and other devices take
 * {@code fully_connected.cl} (one weight row per work-item, coalesced across work-items on GPUs).
 */
public final class PackedFullyConnected {
    /** Output features per panel: one float16 per input feature. */
    static final int PANEL = 16;
    /** The largest batch that takes this kernel. */
    public static final int MAX_BATCH = 4;
    static final int MAX_ROWS_PER_ITEM = 4;
    /** Panels per work-group: a CPU runs a work-group as one task, so small groups balance over the cores. */
    private static final long GROUP = 4;

    private PackedFullyConnected() {
    }

    public static boolean applies(DeviceInfo device, int batch) {
        return device.isCpu() && batch <= MAX_BATCH;
    }

    /** W [out, in] row-major as [ceil(out / panel)][in][panel], zero past {@code out}. */
    public static float[] pack(float[] weights, int out, int in, int panel) {
        int panels = Launch.ceilDiv(out, panel);
        float[] packed = new float[Math.multiplyExact(Math.multiplyExact(panels, panel), in)];
        for (int o = 0; o < out; o++) {
            int base = (o / panel) * in * panel + o % panel;
            int row = o * in;
            for (int i = 0; i < in; i++) {
                packed[base + i * panel] = weights[row + i];
            }
        }
        return packed;
    }

    /**
     * Prepares the layer for input buffer {@code x} ([n, in]) and output {@code y} ([n, out]): packs and uploads the
     * weights and the zero-padded bias (null: none), builds the kernel with its arguments bound.
     */
    public static PreparedStep prepare(ProgramLibrary library, Operator.FullyConnected fc, int n, int in, Tensor weights,
            Tensor bias, ClBuffer x, ClBuffer y) {
        int out = weights.dim(0);
        int panels = Launch.ceilDiv(out, PANEL);
        int rowsPerItem = Math.min(n, MAX_ROWS_PER_ITEM);
        float[] paddedBias = new float[panels * PANEL];
        if (bias != null) {
            System.arraycopy(bias.data(), 0, paddedBias, 0, out);
        }
        String options = "-DVECTOR_WIDTH=" + PANEL + " -DROWS_PER_ITEM=" + rowsPerItem + " -DFUSE_RELU="
                + (fc.relu() ? 1 : 0);
        OwnedResources owned = new OwnedResources();
        try {
            ClBuffer packed = owned.add(library.context().buffer(pack(weights.data(), out, in, PANEL)));
            ClBuffer biasBuf = owned.add(library.context().buffer(paddedBias));
            ClKernel k = owned.add(library.kernel("fully_connected_packed.cl", options, "fully_connected_packed"));
            k.arg(0, x).arg(1, packed).arg(2, biasBuf).arg(3, y).arg(4, n).arg(5, in).arg(6, out);
            long[] items = {panels, Launch.ceilDiv(n, rowsPerItem)};
            long[] local = {GROUP, 1};
            return PreparedStep.of(owned, k.name(), "", () -> List.of(Launch.grid(k, items, local)));
        } catch (RuntimeException e) {
            owned.close();
            throw e;
        }
    }
}
