package dev.tessera.backend.opencl.ops;

import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.opencl.common.PreparedStep;
import dev.tessera.backend.opencl.common.ProgramLibrary;
import dev.tessera.opencl.ClBuffer;
import dev.tessera.opencl.ClKernel;

/**
 * The OpenCL steps of {@link Operator.Activation} (activation.cl, the function chosen at build time) and
 * {@link Operator.Pad} (pad.cl, the mode chosen at build time): one work-item per output element; and of
 * {@link Operator.AxisSoftmax} (softmax_axis.cl): one work-item per line.
 */
public final class ActivationPadSoftmaxSteps {
    private ActivationPadSoftmaxSteps() {
    }

    public static PreparedStep activation(ProgramLibrary library, Operator.Activation op, int[] x, ClBuffer in,
            ClBuffer out) {
        int total = Math.toIntExact(Tensor.sizeOf(x));
        ClKernel k = library.kernel("activation.cl", "-DFUNCTION=" + op.function().ordinal(), "activation");
        k.arg(0, in).arg(1, out).arg(2, (float) op.a()).arg(3, (float) op.b()).arg(4, total);
        return PreparedStep.elementwise(k, total);
    }

    public static PreparedStep pad(ProgramLibrary library, Operator.Pad op, int[] x, ClBuffer in, ClBuffer out) {
        int[] o = op.outputShape(java.util.List.of(x));
        int total = Math.toIntExact(Tensor.sizeOf(o));
        ClKernel k = library.kernel("pad.cl", "-DMODE=" + op.mode().ordinal(), "pad_planes");
        k.arg(0, in).arg(1, out).arg(2, x[2]).arg(3, x[3]).arg(4, o[2]).arg(5, o[3]).arg(6, op.top())
                .arg(7, op.left()).arg(8, (float) op.value()).arg(9, total);
        return PreparedStep.elementwise(k, total);
    }

    public static PreparedStep axisSoftmax(ProgramLibrary library, Operator.AxisSoftmax op, int[] x, ClBuffer in,
            ClBuffer out) {
        int[] lines = op.lines(x);
        int count = Math.multiplyExact(lines[0], lines[2]);
        ClKernel k = library.kernel("softmax_axis.cl", "", "softmax_lines");
        k.arg(0, in).arg(1, out).arg(2, lines[1]).arg(3, lines[2]).arg(4, count);
        return PreparedStep.elementwise(k, count);
    }
}
