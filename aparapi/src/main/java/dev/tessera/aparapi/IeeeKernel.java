package dev.tessera.aparapi;

import com.aparapi.Kernel;

/**
 * The base of every kernel that takes a ReLU or a maximum: both follow the reference backend's IEEE rules, which
 * Aparapi's {@code max} (OpenCL's {@code fmax}, which drops a NaN operand) does not. The one definition of ReLU for the
 * Aparapi kernels; the hand-written OpenCL kernels have theirs in {@code common.h}.
 */
abstract class IeeeKernel extends Kernel {
    /** max(v, 0), but NaN stays NaN. */
    protected float relu(float v) {
        float result = v;
        if (v < 0f) {
            result = 0f;
        }
        return result;
    }

    /** max(a, b) that gives NaN when either is NaN, like {@link Math#max(float, float)}. */
    protected float maxPropagatingNaN(float a, float b) {
        float result = b;
        if (a != a || a > b) {
            result = a;
        }
        return result;
    }
}
