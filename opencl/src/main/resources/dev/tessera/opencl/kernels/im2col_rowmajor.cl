/*
 * im2col_rowmajor.cl: the classic im2col into a plain row-major matrix, the input a BLAS SGEMM expects. Tessera's own
 * im2col solver writes packed panels instead (im2col.cl); this layout exists for the CLBlast peer, so that both run the
 * same convolution from the same input.
 *
 * Layouts: in [C, H, W] (one image), cols [C*R*S rows][P*Q columns] row-major: row (c*R + r)*S + s, column p*Q + q
 *   holds in[c][p*stride_h - pad_top + r*dilation_h][q*stride_w - pad_left + s*dilation_w], 0 outside the input.
 * Work-items: one per column, get_global_id(0) = p*Q + q, get_global_id(1) = input channel c; each writes the R*S rows
 *   of its channel. The host rounds dimension 0 up to the work-group size.
 * Tunables: none.
 */
#include "common.h"

__kernel void im2col_rowmajor(__global const float *restrict in, __global float *restrict cols, const int C,
                              const int H, const int W, const int P, const int Q, const int R, const int S,
                              const int stride_h, const int stride_w, const int pad_top, const int pad_left,
                              const int dilation_h, const int dilation_w) {
    const int column = (int)get_global_id(0);
    const int c = (int)get_global_id(1);
    if (column >= P * Q || c >= C) {
        return;
    }
    const int p = column / Q;
    const int q = column % Q;
    const int h0 = window_origin(p, stride_h, pad_top);
    const int w0 = window_origin(q, stride_w, pad_left);
    __global const float *plane = in + nchw_offset(0, c, 0, 0, C, H, W);
    for (int r = 0; r < R; ++r) {
        const int h = h0 + r * dilation_h;
        for (int s = 0; s < S; ++s) {
            const int w = w0 + s * dilation_w;
            const float v = (h >= 0 && h < H && w >= 0 && w < W) ? plane[h * W + w] : 0.0f;
            cols[((c * R + r) * S + s) * (P * Q) + column] = v;
        }
    }
}
