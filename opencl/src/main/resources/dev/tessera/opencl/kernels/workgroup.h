/*
 * workgroup.h: reductions across a 1-D work-group through local memory, for the GPU family's row kernels (softmax,
 * fully connected at batch 1, global average pooling). Every work-item of the group must call them (they contain
 * barriers) with the same `scratch`, a __local array of get_local_size(0) floats; the local size must be a power of
 * two (the host rounds it down to one). Each returns the result to every work-item and leaves `scratch` free to reuse.
 */
#ifndef TESSERA_WORKGROUP_H
#define TESSERA_WORKGROUP_H

#include "common.h"

/* The sum of every work-item's `value` (a tree: log2(local size) steps, a barrier each). */
inline float group_sum(__local float *scratch, float value) {
    const int lid = (int)get_local_id(0);
    scratch[lid] = value;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int span = (int)get_local_size(0) / 2; span > 0; span >>= 1) {
        if (lid < span) {
            scratch[lid] += scratch[lid + span];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const float result = scratch[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return result;
}

/* The largest of every work-item's `value`, NaN if any is NaN (max_propagating_nan of common.h). */
inline float group_max(__local float *scratch, float value) {
    const int lid = (int)get_local_id(0);
    scratch[lid] = value;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int span = (int)get_local_size(0) / 2; span > 0; span >>= 1) {
        if (lid < span) {
            scratch[lid] = max_propagating_nan(scratch[lid], scratch[lid + span]);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const float result = scratch[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return result;
}

#endif
