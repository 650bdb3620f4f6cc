/*
 * pool_gpu.cl: the GPU family's max and average pooling: a work-group computes a tile of outputs of one plane from an
 * input tile it first stages in local memory, so the overlapping windows (3x3 stride 2 and the like) read global
 * memory once per input cell instead of once per window, and neighbouring work-items read neighbouring columns.
 *
 * Layouts: in [planes, H, W], out [planes, P, Q] (planes = N x C), row-major float32.
 * Work-items: 3-D, get_global_id(0) = output column q, get_global_id(1) = output row p, get_global_id(2) = plane; a
 *   group of TQ x TP items (the local size) covers output columns q0 .. q0 + TQ - 1 and rows p0 .. p0 + TP - 1, whose
 *   windows read the input tile of TH = (TP - 1) * stride_h + kernel_h rows from p0 * stride_h - pad_top and
 *   TW = (TQ - 1) * stride_w + kernel_w columns from q0 * stride_w - pad_left. Every item helps load the tile
 *   (workgroup.h's stage_region; cells in the padding or past the input load as 0 and are never read), waits at the
 *   barrier, then reduces its window's real cells (common.h's pool_window clips them). Items past P or Q load but
 *   write nothing.
 * Max pooling keeps a NaN (max_propagating_nan): a window holding one gives NaN, as in the reference backend. Average
 *   pooling divides by the real cells, or with count_pad = 1 by the window's cells inside the padded input.
 * Local memory: the tile, a __local argument of TH x TW floats; the host picks TP and TQ so that it fits the device's
 *   local memory and the group fits the kernel's work-group limit. Tunables (-D): MAX_POOL (1 = max, 0 = average).
 */
#include "common.h"
#include "workgroup.h"

__kernel void pool_tiled(__global const float *restrict in, __global float *restrict out, __local float *tile,
                         const int H, const int W, const int P, const int Q, const int kernel_h, const int kernel_w,
                         const int stride_h, const int stride_w, const int pad_top, const int pad_left,
                         const int pad_bottom, const int pad_right, const int count_pad) {
    const int tq = (int)get_local_size(0);
    const int tp = (int)get_local_size(1);
    const int plane = (int)get_global_id(2);
    const int tile_top = window_origin((int)get_group_id(1) * tp, stride_h, pad_top);
    const int tile_left = window_origin((int)get_group_id(0) * tq, stride_w, pad_left);
    const int tile_h = (tp - 1) * stride_h + kernel_h;
    const int tile_w = (tq - 1) * stride_w + kernel_w;
    __global const float *src = in + plane * H * W;
    stage_region(src, H, W, tile_top, tile_left, tile_h, tile_w, tile);
    barrier(CLK_LOCAL_MEM_FENCE);
    const int q = (int)get_global_id(0);
    const int p = (int)get_global_id(1);
    if (p >= P || q >= Q) {
        return;
    }
    int h0, w0, h_begin, h_end, w_begin, w_end;
    pool_window(p * Q + q, P, Q, H, W, kernel_h, kernel_w, stride_h, stride_w, pad_top, pad_left, &h0, &w0, &h_begin,
                &h_end, &w_begin, &w_end);
#if MAX_POOL
    float result = -INFINITY;
#else
    float result = 0.0f;
#endif
    for (int h = h_begin; h < h_end; ++h) {
        __local const float *row = tile + (h - tile_top) * tile_w;
        for (int w = w_begin; w < w_end; ++w) {
#if MAX_POOL
            result = max_propagating_nan(result, row[w - tile_left]);
#else
            result += row[w - tile_left];
#endif
        }
    }
#if !MAX_POOL
    const int cells = count_pad
            ? (min(h0 + kernel_h, H + pad_bottom) - h0) * (min(w0 + kernel_w, W + pad_right) - w0)
            : (h_end - h_begin) * (w_end - w_begin);
    result /= (float)cells;
#endif
    out[(plane * P + p) * Q + q] = result;
}
