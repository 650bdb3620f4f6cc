/*
 * probe_peak.cl: the device's peak fp32 arithmetic rate, measured by `tessera probe`.
 *
 * Computes: each work-item runs ACCUMULATORS independent chains acc = MULTIPLY_ADD(acc, a, b) on floatN values, ROUNDS chain
 *   steps per loop iteration, `iterations` iterations. Independent chains hide the multiply-add latency, which a single
 *   dependent chain (what clpeak measures) cannot do on wide out-of-order CPUs.
 * Layout: out[get_global_id(0)] (floatN) receives the sum of the chains, so that no work can be removed.
 * Work-items: one per chain set; any 1-D global and local size. With a = 0.999 and b = 0.001 every chain converges to 1,
 *   never to infinity or a denormal.
 * FLOPs per work-item: 2 * iterations * ROUNDS * ACCUMULATORS * VECTOR_WIDTH.
 * Tunables (-D): VECTOR_WIDTH (1, 2, 4, 8, 16), ACCUMULATORS (4, 8, 16), MULTIPLY_ADD (fma or mad: which one the
 *   hardware fuses differs by vendor; PoCL 3.1 fuses fma but splits mad into a multiply and an add).
 */
#include "vector_types.h"

#define ROUNDS 4

#ifndef MULTIPLY_ADD
#define MULTIPLY_ADD fma
#endif

#if ACCUMULATORS == 4
#define FOR_EACH_CHAIN(X) X(0) X(1) X(2) X(3)
#elif ACCUMULATORS == 8
#define FOR_EACH_CHAIN(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)
#elif ACCUMULATORS == 16
#define FOR_EACH_CHAIN(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15)
#else
#error "ACCUMULATORS must be 4, 8 or 16"
#endif

#define DECLARE_CHAIN(i) floatN acc##i = seed + (float)(i) * 0.01f;
#define STEP_CHAIN(i) acc##i = MULTIPLY_ADD(acc##i, va, vb);
#define ADD_CHAIN(i) total += acc##i;

__kernel void peak_multiply_add(__global floatN *out, const float a, const float b, const int iterations) {
    const floatN va = (floatN)(a);
    const floatN vb = (floatN)(b);
    const floatN seed = (floatN)((float)(get_global_id(0) & 1023) * 1e-6f);
    FOR_EACH_CHAIN(DECLARE_CHAIN)
    for (int it = 0; it < iterations; ++it) {
        FOR_EACH_CHAIN(STEP_CHAIN)
        FOR_EACH_CHAIN(STEP_CHAIN)
        FOR_EACH_CHAIN(STEP_CHAIN)
        FOR_EACH_CHAIN(STEP_CHAIN)
    }
    floatN total = (floatN)(0.0f);
    FOR_EACH_CHAIN(ADD_CHAIN)
    out[get_global_id(0)] = total;
}
