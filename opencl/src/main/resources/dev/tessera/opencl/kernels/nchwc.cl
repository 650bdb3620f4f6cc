/*
 * nchwc.cl: reorders between plain NCHW and the channel-blocked layout NCHWc (nchwc.h).
 *
 * to_nchwc: in [N, C, H, W] -> out [N][CBLOCKS][HP][WP][CB], CBLOCKS = ceil(C / CB): input pixel (h, w) goes to stored
 *   pixel (h + top, w + left); every other stored pixel (the zero border) and every channel past C is written 0, so the
 *   whole buffer is rewritten on each run. Work-items: get_global_id(0) = stored column (< WP), (1) = stored row
 *   (< HP), (2) = n * CBLOCKS + block; each writes the CB channels of one stored pixel. Items past WP do nothing (the
 *   host rounds the global size up to the work-group).
 * from_nchwc: in [N][CBLOCKS][HP][WP][CB] -> out [N, C, H, W], out(n, c, h, w) = in(n, c, h + top, w + left).
 *   Work-items: (0) = column w (< W), (1) = row h, (2) = n * C + c.
 * Tunables (-D): CB (4, 8 or 16).
 */
#include "common.h"
#include "nchwc.h"

__kernel void to_nchwc(__global const float *restrict in, __global float *restrict out, const int C, const int H,
                       const int W, const int cblocks, const int HP, const int WP, const int top, const int left) {
    const int x = (int)get_global_id(0);
    const int y = (int)get_global_id(1);
    const int nb = (int)get_global_id(2);
    if (x >= WP) {
        return;
    }
    const int n = nb / cblocks;
    const int cb = nb % cblocks;
    const int h = y - top;
    const int w = x - left;
    const bool inside = h >= 0 && h < H && w >= 0 && w < W;
    __global float *o = out + nchwc_pixel(n, cb, y, x, cblocks, HP, WP);
    for (int l = 0; l < CB; ++l) {
        const int c = cb * CB + l;
        o[l] = (inside && c < C) ? in[nchw_offset(n, c, h, w, C, H, W)] : 0.0f;
    }
}

__kernel void from_nchwc(__global const float *restrict in, __global float *restrict out, const int C, const int H,
                         const int W, const int cblocks, const int HP, const int WP, const int top, const int left) {
    const int w = (int)get_global_id(0);
    const int h = (int)get_global_id(1);
    const int nc = (int)get_global_id(2);
    if (w >= W) {
        return;
    }
    const int n = nc / C;
    const int c = nc % C;
    out[nchw_offset(n, c, h, w, C, H, W)] = in[nchwc_offset(n, c, h + top, w + left, cblocks, HP, WP)];
}
