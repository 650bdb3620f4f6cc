/*
 * probe_bandwidth.cl: the device's global memory bandwidth, measured by `tessera probe`.
 *
 * copy_vector:    dst[i] = src[i]; one work-item per floatN element. Bytes moved: 2 * size (read + write).
 * read_tiled:     work-group w owns the contiguous tile src[w * L * per_item .. (w + 1) * L * per_item) (L = local size);
 *                 work-item l of it sums tile[l], tile[l + L], tile[l + 2L], ...: neighbouring work-items read
 *                 neighbouring elements at every step, the pattern GPUs coalesce. Bytes moved: size.
 * read_blocked:   work-item g sums the contiguous block src[g * per_item .. (g + 1) * per_item): the pattern CPUs stream
 *                 best. Bytes moved: size.
 * The read kernels write one floatN per work-item to out so the loads cannot be removed.
 * Tunables (-D): VECTOR_WIDTH (1, 2, 4, 8, 16).
 */
#include "vector_types.h"

__kernel void copy_vector(__global const floatN *src, __global floatN *dst) {
    const size_t i = get_global_id(0);
    dst[i] = src[i];
}

__kernel void read_tiled(__global const floatN *src, __global floatN *out, const int per_item) {
    const int local_size = (int)get_local_size(0);
    __global const floatN *tile = src + (size_t)get_group_id(0) * local_size * per_item + get_local_id(0);
    floatN sum0 = (floatN)(0.0f);
    floatN sum1 = (floatN)(0.0f);
    for (int i = 0; i < per_item; i += 2) {
        sum0 += tile[(size_t)i * local_size];
        sum1 += tile[(size_t)(i + 1) * local_size];
    }
    out[get_global_id(0)] = sum0 + sum1;
}

__kernel void read_blocked(__global const floatN *src, __global floatN *out, const int per_item) {
    const int g = (int)get_global_id(0);
    __global const floatN *block = src + (size_t)g * per_item;
    floatN sum0 = (floatN)(0.0f);
    floatN sum1 = (floatN)(0.0f);
    for (int i = 0; i < per_item; i += 2) {
        sum0 += block[i];
        sum1 += block[i + 1];
    }
    out[g] = sum0 + sum1;
}
