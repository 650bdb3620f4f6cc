/*
 * conv_direct_gpu.cl: the GPU family's direct 2-D convolution (cross-correlation) for any shape: stride, padding,
 * dilation, groups (depthwise included), optional bias, optional fused ReLU (common.h's ACTIVATE).
 *
 * Layouts: in [N, C, H, W], weights [K, C/groups, R, S], bias [K], out [N, K, P, Q]; all row-major float32.
 * Work-items: 3-D; get_global_id(0) = output column q, get_global_id(1) = output row p, get_group_id(2) =
 *   n * (K / OC_BLOCK) + block of OC_BLOCK output channels (local size 1 in that dimension). A group of TQ x TP items
 *   (the local size) computes a TP x TQ tile of outputs for OC_BLOCK channels, each item one output pixel with OC_BLOCK
 *   accumulators. Per chunk of up to CC input channels of its group the items first stage, together, the input tile
 *   those outputs read (CC x TH x TW with TH = (TP-1) stride_h + (R-1) dilation_h + 1 rows from p0 stride_h - pad_top,
 *   TW likewise; rows of consecutive columns, so the loads coalesce; padding loads 0) and the chunk's weights
 *   (OC_BLOCK x CC x R x S), wait at a barrier, multiply-add from local memory, and wait again before the next chunk.
 *   Items past P or Q help load but write nothing.
 * Local memory: two __local arguments, CC x TH x TW and OC_BLOCK x CC x R x S floats; the host picks TQ, TP and CC so
 *   that both fit the device's local memory and the group fits the kernel's work-group limit.
 * Tunables (-D): OC_BLOCK (divides K / groups), CC (input channels per stage), HAS_BIAS (0/1), FUSE_RELU (0/1).
 */
#include "common.h"
#include "workgroup.h"

__kernel void conv_direct_tiled(__global const float *restrict in, __global const float *restrict weights,
                                __global const float *restrict bias, __global float *restrict out,
                                __local float *tile_in, __local float *tile_w, const int C, const int H, const int W,
                                const int K, const int P, const int Q, const int R, const int S, const int stride_h,
                                const int stride_w, const int pad_top, const int pad_left, const int dilation_h,
                                const int dilation_w, const int groups) {
    const int tq = (int)get_local_size(0);
    const int tp = (int)get_local_size(1);
    const int lq = (int)get_local_id(0);
    const int lp = (int)get_local_id(1);
    const int lid = lp * tq + lq;
    const int items = tq * tp;
    const int k_blocks = K / OC_BLOCK;
    const int n = (int)get_group_id(2) / k_blocks;
    const int k0 = ((int)get_group_id(2) % k_blocks) * OC_BLOCK;
    const int channels_per_group = C / groups;
    const int first_channel = (k0 / (K / groups)) * channels_per_group;
    const int tile_top = window_origin((int)get_group_id(1) * tp, stride_h, pad_top);
    const int tile_left = window_origin((int)get_group_id(0) * tq, stride_w, pad_left);
    const int th = (tp - 1) * stride_h + (R - 1) * dilation_h + 1;
    const int tw = (tq - 1) * stride_w + (S - 1) * dilation_w + 1;
    const int taps = R * S;
    const int q = (int)get_global_id(0);
    const int p = (int)get_global_id(1);
    const bool writes = p < P && q < Q;

    float acc[OC_BLOCK];
    #pragma unroll
    for (int o = 0; o < OC_BLOCK; ++o) {
        acc[o] = 0.0f;
    }
    for (int c0 = 0; c0 < channels_per_group; c0 += CC) {
        const int cc = min(CC, channels_per_group - c0);
        __global const float *src = in + (n * C + first_channel + c0) * H * W;
        for (int ci = 0; ci < cc; ++ci) {
            stage_region(src + ci * H * W, H, W, tile_top, tile_left, th, tw, tile_in + ci * th * tw);
        }
        for (int t = lid; t < OC_BLOCK * cc * taps; t += items) {
            const int o = t / (cc * taps);
            tile_w[t] = weights[((k0 + o) * channels_per_group + c0) * taps + (t - o * cc * taps)];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        if (writes) {
            for (int ci = 0; ci < cc; ++ci) {
                for (int r = 0; r < R; ++r) {
                    __local const float *row =
                            tile_in + (ci * th + lp * stride_h + r * dilation_h) * tw + lq * stride_w;
                    for (int s = 0; s < S; ++s) {
                        const float x = row[s * dilation_w];
                        #pragma unroll
                        for (int o = 0; o < OC_BLOCK; ++o) {
                            acc[o] = fma(tile_w[(o * cc + ci) * taps + r * S + s], x, acc[o]);
                        }
                    }
                }
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (writes) {
        #pragma unroll
        for (int o = 0; o < OC_BLOCK; ++o) {
#if HAS_BIAS
            const float b = bias[k0 + o];
#else
            const float b = 0.0f;
#endif
            out[((n * K + k0 + o) * P + p) * Q + q] = ACTIVATE(acc[o] + b);
        }
    }
}
