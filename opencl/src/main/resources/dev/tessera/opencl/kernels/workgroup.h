/*
 * workgroup.h: what the GPU family's work-groups do together in local memory. Reductions across a 1-D work-group for
 * the row kernels (softmax, fully connected at batch 1, global average pooling): every work-item of the group must
 * call them (they contain barriers) with the same `scratch`, a __local array of get_local_size(0) floats; the local
 * size must be a power of two (the host rounds it down to one); each returns the result to every work-item and leaves
 * `scratch` free to reuse. And the staging of a zero-padded 2-D region of a plane by a 2-D group (pooling, direct
 * convolution, Winograd's input transform).
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

/* The work-items of a 2-D group copy, together, the rows x cols region of `plane` (H x W, row-major) whose first cell
 * is (top, left) into `region` (row-major, cols wide), zeros where it lies outside the plane: consecutive work-items
 * read consecutive columns. The caller waits at a barrier before reading `region`. */
inline void stage_region(__global const float *plane, int H, int W, int top, int left, int rows, int cols,
                         __local float *region) {
    const int items = (int)(get_local_size(0) * get_local_size(1));
    for (int i = (int)(get_local_id(1) * get_local_size(0) + get_local_id(0)); i < rows * cols; i += items) {
        const int h = top + i / cols;
        const int w = left + i % cols;
        region[i] = (h >= 0 && h < H && w >= 0 && w < W) ? plane[h * W + w] : 0.0f;
    }
}

#endif
