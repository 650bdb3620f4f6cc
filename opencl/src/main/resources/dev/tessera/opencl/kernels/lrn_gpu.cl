/*
 * lrn_gpu.cl: the GPU family's local response normalisation across channels,
 * y[n][c][p] = x[n][c][p] * (k + alpha * sum over channels j = c - size/2 .. c + size/2 (inside 0 .. C-1) of
 * x[n][j][p]^2)^-beta (alpha as the host passes it: the operator's effective alpha).
 *
 * Layouts: in and out [N, C, H, W], row-major float32; plane_size = H x W.
 * Work-items: 3-D, get_global_id(0) = pixel p of the plane, get_global_id(1) = channel c, get_global_id(2) = image n;
 *   a group of TPIX x TC items (the local size) covers pixels p0 .. p0 + TPIX - 1 of channels c0 .. c0 + TC - 1 and
 *   first stages the squares of channels c0 - size/2 .. c0 + TC - 1 + size/2 of those pixels in local memory (rows of
 *   TPIX consecutive pixels: the loads coalesce; channels outside 0 .. C-1 and pixels past the plane load 0), waits at
 *   the barrier, then sums its window of `size` squares from local memory. Each window is summed from scratch, so a
 *   NaN or Inf spoils only the channels whose window holds it, as in the reference backend.
 * Local memory: a __local argument of (TC + 2 * (size/2)) x TPIX floats; the host picks TPIX and TC within the
 *   kernel's work-group limit and the device's local memory. Tunables: none at compile time (the tile is the launch's).
 */
#include "common.h"

__kernel void lrn_tiled(__global const float *restrict in, __global float *restrict out, __local float *squares,
                        const int C, const int plane_size, const int size, const float alpha, const float beta,
                        const float k) {
    const int tpix = (int)get_local_size(0);
    const int tc = (int)get_local_size(1);
    const int reach = size / 2;
    const int rows = tc + 2 * reach;
    const int p0 = (int)get_group_id(0) * tpix;
    const int c0 = (int)get_group_id(1) * tc;
    const int n = (int)get_global_id(2);
    __global const float *image = in + n * C * plane_size;
    for (int t = (int)(get_local_id(1) * tpix + get_local_id(0)); t < rows * tpix; t += tpix * tc) {
        const int c = c0 - reach + t / tpix;
        const int p = p0 + t % tpix;
        const float v = (c >= 0 && c < C && p < plane_size) ? image[c * plane_size + p] : 0.0f;
        squares[t] = v * v;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    const int p = (int)get_global_id(0);
    const int c = (int)get_global_id(1);
    if (p >= plane_size || c >= C) {
        return;
    }
    const int lp = (int)get_local_id(0);
    const int lc = (int)get_local_id(1);
    float sum = 0.0f;
    for (int j = 0; j <= 2 * reach; ++j) {
        sum += squares[(lc + j) * tpix + lp];
    }
    const int offset = (n * C + c) * plane_size + p;
    out[offset] = in[offset] * pow(fma(alpha, sum, k), -beta);
}
