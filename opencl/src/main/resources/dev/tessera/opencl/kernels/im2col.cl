/*
 * im2col.cl: the columns of a convolution written straight into the packed-B layout of gemm.cl.
 *
 * For image `image` of an NCHW input [N, C, H, W] and each group g of the convolution, B_g is the K x (P*Q) matrix with
 *   K = C/groups * R * S rows, row kk = (c, r, s) in the order of the KCRS weights (kk = (c*R + r)*S + s, c counted
 *   within the group), and column col = (p, q) of the output plane (col = p*Q + q):
 *     B_g(kk, col) = input[image, g*C/groups + c, h, w] with h = p*stride_h - pad_top + r*dilation_h and
 *     w = q*stride_w - pad_left + s*dilation_w, or 0 where (h, w) falls in the padding.
 *   Only columns column_begin .. column_begin+columns-1 are written (a chunk of the plane, so that the packed B stays in
 *   cache for the GEMM that follows): as a packed B of `columns` columns (packed_offset in common.h, panels of NR
 *   columns, zeros past the chunk), group g at packed + g*group_stride. Bottom and right padding only shape P and Q.
 * Work-items: (kk, block, g); a block is PANELS_PER_ITEM panels of NR columns. Each work-item writes its row kk of
 *   every panel of its block: runs of columns along one output row read consecutive input (every stride_w-th one).
 * Tunables (-D): NR (the GEMM's panel width), PANELS_PER_ITEM.
 */
#include "common.h"

__kernel void im2col_packed_b(__global const float *input, const int image, const int C, const int H, const int W,
        const int channels_per_group, const int R, const int S, const int P, const int Q,
        const int stride_h, const int stride_w, const int pad_top, const int pad_left,
        const int dilation_h, const int dilation_w, const int column_begin, const int columns,
        __global float *packed, const int group_stride) {
    const int kk = get_global_id(0);
    const int block = get_global_id(1);
    const int group = get_global_id(2);
    const int depth = channels_per_group * R * S;
    if (kk >= depth) {
        return;
    }
    const int c = group * channels_per_group + kk / (R * S);
    const int r = kk / S % R;
    const int s = kk % S;
    __global float *packed_group = packed + group * group_stride;

    int col = block * PANELS_PER_ITEM * NR;
    const int block_end = min(col + PANELS_PER_ITEM * NR, columns);
    int p = (column_begin + col) / Q;
    int q = (column_begin + col) - p * Q;
    for (int panel = col / NR; col < block_end; ++panel) {
        __global float *to = packed_group + packed_offset(panel, kk, 0, depth, NR);
        const int panel_end = min((panel + 1) * NR, block_end);
        int lane = 0;
        while (col < panel_end) {
            /* a run of columns along output row p */
            const int run = min(panel_end - col, Q - q);
            const int h = window_tap(p, stride_h, pad_top, r, dilation_h);
            const int w = window_tap(q, stride_w, pad_left, s, dilation_w);
            int inside_begin = run;
            int inside_end = run;
            if (h >= 0 && h < H) {
                inside_begin = min(run, steps_to_nonnegative(w, stride_w));
                inside_end = max(inside_begin, min(run, steps_below(w, stride_w, W)));
                __global const float *from = input + nchw_offset(image, c, h, w + inside_begin * stride_w, C, H, W);
                for (int u = inside_begin; u < inside_end; ++u) {
                    to[lane + u] = from[(u - inside_begin) * stride_w];
                }
            }
            for (int u = 0; u < inside_begin; ++u) {
                to[lane + u] = 0.0f;
            }
            for (int u = inside_end; u < run; ++u) {
                to[lane + u] = 0.0f;
            }
            lane += run;
            col += run;
            q += run;
            if (q == Q) {
                q = 0;
                ++p;
            }
        }
        for (; lane < NR; ++lane) {
            to[lane] = 0.0f;
        }
    }
}
