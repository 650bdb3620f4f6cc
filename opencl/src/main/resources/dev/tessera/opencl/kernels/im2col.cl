/*
 * im2col.cl: the columns of a convolution written straight into the packed-B layout of gemm.cl.
 *
 * For image `image` of an NCHW input [N, C, H, W] and each group g of the convolution, B_g is the K x (P*Q) matrix with
 *   K = C/groups * R * S rows, row kk = (c, r, s) in the order of the KCRS weights (kk = (c*R + r)*S + s, c counted
 *   within the group), and column col = (p, q) of the output plane (col = p*Q + q):
 *     B_g(kk, col) = input[image, g*C/groups + c, h, w] with h = p*stride_h - pad_top + r*dilation_h and
 *     w = q*stride_w - pad_left + s*dilation_w, or 0 where (h, w) falls in the padding.
 *   Only columns column_begin .. column_begin+columns-1 are written (a chunk of the plane, so that the packed B
 *   stays in cache for the GEMM that follows): as a packed B of `columns` columns (packed_offset in common.h, panels
 *   of NR columns, zeros past the chunk), group g at packed + g*group_stride. Bottom and right padding only shape P
 *   and Q.
 * Work-items: (rows, panel, g): work-item (i, j, g) writes rows i*ROWS_PER_ITEM .. i*ROWS_PER_ITEM+ROWS_PER_ITEM-1 of
 *   panel j of group g, ROWS_PER_ITEM*NR consecutive floats, so that consecutive work-items write consecutive memory.
 *   Each row of a panel is one or more runs of columns along an output row; a run reads consecutive input (every
 *   stride_w-th float) and writes zeros where it falls in the padding.
 * Tunables (-D): NR (the GEMM's panel width), ROWS_PER_ITEM, VECTOR_WIDTH (runs are copied in floatN pieces).
 */
#include "common.h"
#include "float_runs.h"

__kernel void im2col_packed_b(__global const float *input, const int image, const int C, const int H, const int W,
        const int channels_per_group, const int R, const int S, const int P, const int Q,
        const int stride_h, const int stride_w, const int pad_top, const int pad_left,
        const int dilation_h, const int dilation_w, const int column_begin, const int columns,
        __global float *packed, const int group_stride) {
    const int first_row = get_global_id(0) * ROWS_PER_ITEM;
    const int panel = get_global_id(1);
    const int group = get_global_id(2);
    const int depth = channels_per_group * R * S;
    if (first_row >= depth) {
        return;
    }
    const int end_row = min(first_row + ROWS_PER_ITEM, depth);
    const int width = min(NR, columns - panel * NR);
    /* the output pixel of the panel's first column */
    const int p0 = (column_begin + panel * NR) / Q;
    const int q0 = (column_begin + panel * NR) - p0 * Q;
    /* row kk = (c, r, s), stepped along with kk */
    int c = group * channels_per_group + first_row / (R * S);
    int r = first_row / S % R;
    int s = first_row % S;
    __global float *to = packed + group * group_stride + packed_offset(panel, first_row, 0, depth, NR);
    for (int kk = first_row; kk < end_row; ++kk) {
        int p = p0;
        int q = q0;
        for (int lane = 0; lane < width;) {
            /* a run of columns along output row p */
            const int run = min(width - lane, Q - q);
            const int h = window_tap(p, stride_h, pad_top, r, dilation_h);
            const int w = window_tap(q, stride_w, pad_left, s, dilation_w);
            int inside_begin = run;
            int inside_end = run;
            if (h >= 0 && h < H) {
                inside_begin = min(run, steps_to_nonnegative(w, stride_w));
                inside_end = max(inside_begin, min(run, steps_below(w, stride_w, W)));
                copy_strided(to + lane + inside_begin,
                        input + nchw_offset(image, c, h, w + inside_begin * stride_w, C, H, W),
                        inside_end - inside_begin, stride_w);
            }
            fill_zeros(to + lane, inside_begin);
            fill_zeros(to + lane + inside_end, run - inside_end);
            lane += run;
            q = 0;
            ++p;
        }
        fill_zeros(to + width, NR - width);
        to += NR;
        if (++s == S) {
            s = 0;
            if (++r == R) {
                r = 0;
                ++c;
            }
        }
    }
}
