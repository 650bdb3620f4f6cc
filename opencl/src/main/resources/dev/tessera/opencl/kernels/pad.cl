/*
 * pad.cl: spatial padding of an NCHW tensor (Operator.Pad): constant fill, reflection about the edge (the edge cell not
 * repeated) or repetition of the edge cell.
 *
 * Layouts: in [planes, H, W], out [planes, P, Q] with P = top + H + bottom, Q = left + W + right, float32 row-major.
 * Work-items: one per output element, get_global_id(0) = flat output index; the host rounds the global size up, so the
 *   kernel checks i < total.
 * Tunables (-D): MODE, 0 constant, 1 reflect (the host checks every pad is below the extent), 2 edge.
 */
#include "common.h"

#ifndef MODE
#error "pad.cl needs -DMODE"
#endif

/* The input coordinate output coordinate o copies, or -1 for the constant (as Operator.Pad.source). */
inline int pad_source(int o, int before, int extent) {
    const int i = o - before;
    if (i >= 0 && i < extent) {
        return i;
    }
#if MODE == 1
    return i < 0 ? -i : 2 * (extent - 1) - i;
#elif MODE == 2
    return i < 0 ? 0 : extent - 1;
#else
    return -1;
#endif
}

__kernel void pad_planes(__global const float *restrict in, __global float *restrict out, const int H, const int W,
                         const int P, const int Q, const int top, const int left, const float value,
                         const int total) {
    const int i = (int)get_global_id(0);
    if (i < total) {
        const int q = i % Q;
        const int p = (i / Q) % P;
        const int plane = i / (P * Q);
        const int h = pad_source(p, top, H);
        const int w = pad_source(q, left, W);
        out[i] = (h < 0 || w < 0) ? value : in[nchw_offset(0, plane, h, w, 1, H, W)];
    }
}
