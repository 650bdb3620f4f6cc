/*
 * float_runs.h: copying and zeroing short runs of floats, in floatN pieces where the run is contiguous. A loop of
 * unknown length left to the compiler becomes a vector loop over 32 floats or more plus a scalar tail; the runs of the
 * packing kernels are 1 to NR floats, so without this they would mostly run the scalar tail. Needs VECTOR_WIDTH.
 */
#ifndef TESSERA_FLOAT_RUNS_H
#define TESSERA_FLOAT_RUNS_H

#include "vector_types.h"

/* to[u] = from[u * stride] for u in [0, count). */
inline void copy_strided(__global float *to, __global const float *from, int count, int stride) {
    int u = 0;
    if (stride == 1) {
        for (; u + VECTOR_WIDTH <= count; u += VECTOR_WIDTH) {
            vstoreN(vloadN(0, from + u), 0, to + u);
        }
    }
    for (; u < count; ++u) {
        to[u] = from[u * stride];
    }
}

/* to[u] = 0 for u in [0, count). */
inline void fill_zeros(__global float *to, int count) {
    int u = 0;
    for (; u + VECTOR_WIDTH <= count; u += VECTOR_WIDTH) {
        vstoreN((floatN)(0.0f), 0, to + u);
    }
    for (; u < count; ++u) {
        to[u] = 0.0f;
    }
}

#endif
