/*
 * pool.cl: max pooling, average pooling and global average pooling, per channel (no sum across channels).
 *
 * Layouts: in [N, C, H, W], out [N, C, P, Q] (global: [N, C, 1, 1]); row-major float32.
 * Work-items: max_pool / avg_pool: one per output element, get_global_id(0) = flat index into out.
 *   global_avg_pool: one per (n, c) plane, get_global_id(0) = n * C + c.
 * Windows: rows h0 .. h0 + kernel_h - 1 with h0 = p * stride_h - pad_top (columns likewise). Max pooling ignores
 *   padded cells; a window holding a NaN gives NaN. Average pooling sums the real cells and divides by their count,
 *   or, with count_pad = 1, by the cells of the window that lie inside the padded input (ONNX count_include_pad; cells
 *   past the padding never count).
 * Tunables: none.
 */
#include "common.h"

__kernel void max_pool(__global const float *restrict in, __global float *restrict out, const int H, const int W,
                       const int P, const int Q, const int kernel_h, const int kernel_w, const int stride_h,
                       const int stride_w, const int pad_top, const int pad_left, const int total) {
    const int i = (int)get_global_id(0);
    if (i >= total) {
        return;
    }
    int h0, w0, h_begin, h_end, w_begin, w_end;
    const int plane = pool_window(i, P, Q, H, W, kernel_h, kernel_w, stride_h, stride_w, pad_top, pad_left, &h0, &w0,
                                  &h_begin, &h_end, &w_begin, &w_end);
    __global const float *src = in + plane * H * W;
    float best = -INFINITY;
    for (int h = h_begin; h < h_end; ++h) {
        for (int w = w_begin; w < w_end; ++w) {
            best = max_propagating_nan(best, src[h * W + w]);
        }
    }
    out[i] = best;
}

__kernel void avg_pool(__global const float *restrict in, __global float *restrict out, const int H, const int W,
                       const int P, const int Q, const int kernel_h, const int kernel_w, const int stride_h,
                       const int stride_w, const int pad_top, const int pad_left, const int pad_bottom,
                       const int pad_right, const int count_pad, const int total) {
    const int i = (int)get_global_id(0);
    if (i >= total) {
        return;
    }
    int h0, w0, h_begin, h_end, w_begin, w_end;
    const int plane = pool_window(i, P, Q, H, W, kernel_h, kernel_w, stride_h, stride_w, pad_top, pad_left, &h0, &w0,
                                  &h_begin, &h_end, &w_begin, &w_end);
    __global const float *src = in + plane * H * W;
    float sum = 0.0f;
    for (int h = h_begin; h < h_end; ++h) {
        for (int w = w_begin; w < w_end; ++w) {
            sum += src[h * W + w];
        }
    }
    const int cells = count_pad
            ? (min(h0 + kernel_h, H + pad_bottom) - h0) * (min(w0 + kernel_w, W + pad_right) - w0)
            : (h_end - h_begin) * (w_end - w_begin);
    out[i] = sum / (float)cells;
}

__kernel void global_avg_pool(__global const float *restrict in, __global float *restrict out, const int plane_size,
                              const int planes) {
    const int plane = (int)get_global_id(0);
    if (plane >= planes) {
        return;
    }
    __global const float *src = in + plane * plane_size;
    float sum = 0.0f;
    for (int i = 0; i < plane_size; ++i) {
        sum += src[i];
    }
    out[plane] = sum / (float)plane_size;
}

/*
 * pool_rows: max or average pooling where one work-item produces a run of RUN consecutive output pixels of one output
 * row, reading each window row as float vectors (the CPU family's kernel for strides 1 and 2 along the row).
 *
 * Layouts as above: in [N, C, H, W], out [N, C, P, Q]. Work-items: get_global_id(0) = (plane * P + p) * runs + r with
 *   runs = ceil(Q / RUN); the item writes out[plane, p, r * RUN .. min(Q, r * RUN + RUN) - 1].
 * A run whose windows all lie inside the input columns takes the vector path: per window row and tap kw, one
 *   vloadRUN (stride 1) or one vload(2 RUN) whose even or odd lanes are the taps (stride 2), reading only the columns
 *   the windows cover. The last run of a row, when Q is not a multiple of RUN, computes the row's last RUN outputs
 *   (Q >= RUN: the host's rule) and stores only those past the previous run. Runs whose windows reach into the
 *   padding take the scalar path, which computes each output like max_pool/avg_pool. Rows are clipped per item (a window row outside the input is
 *   padding). Max pooling: a NaN in the window gives NaN; average: count_pad as in avg_pool.
 * Tunables (-D, all required): KH, KW: window; SW: the column stride, 1 or 2; RUN: outputs per item, 4 or 8 (the
 *   vector width of the run); AVG: 1 for average pooling, 0 for max.
 */
#if defined(RUN) && defined(KH) && defined(KW) && defined(SW) && defined(AVG)
#if (RUN != 4 && RUN != 8) || (SW != 1 && SW != 2)
#error "pool_rows: RUN must be 4 or 8 and SW 1 or 2"
#endif
#define POOL_CAT(a, b) a##b
#define POOL_XCAT(a, b) POOL_CAT(a, b)
/* floatRUN, vloadRUN, vstoreRUN, and the loads of 2 RUN floats for stride 2 */
#define FLOATR POOL_XCAT(float, RUN)
#define VLOADR POOL_XCAT(vload, RUN)
#define VSTORER POOL_XCAT(vstore, RUN)
#if RUN == 8
#define VLOAD2R vload16
#define FLOAT2R float16
#else
#define VLOAD2R vload8
#define FLOAT2R float8
#endif

#if AVG
#define COMBINER(acc, v) ((acc) + (v))
#define COMBINE1(acc, v) ((acc) + (v))
#define START 0.0f
#else
#define COMBINER(acc, v) MAX_PROPAGATING_NAN((acc), (v))
#define COMBINE1(acc, v) max_propagating_nan((acc), (v))
#define START (-INFINITY)
#endif

/* Taps kw of RUN outputs of one window row starting at column w0 of `row`, combined into acc. */
inline FLOATR pool_row_taps(__global const float *row, int w0, FLOATR acc) {
#if SW == 1
    for (int kw = 0; kw < KW; ++kw) {
        acc = COMBINER(acc, VLOADR(0, row + w0 + kw));
    }
#else
    /* lanes 2j and 2j+1 of the 2 RUN floats at w0 are taps 0 and 1 of output j; tap kw >= 2 is the odd lanes at
     * kw - 1 */
    const FLOAT2R first = VLOAD2R(0, row + w0);
    acc = COMBINER(acc, first.even);
#if KW > 1
    acc = COMBINER(acc, first.odd);
#endif
    for (int kw = 2; kw < KW; ++kw) {
        acc = COMBINER(acc, VLOAD2R(0, row + w0 + kw - 1).odd);
    }
#endif
    return acc;
}

__kernel void pool_rows(__global const float *restrict in, __global float *restrict out, const int H, const int W,
                        const int P, const int Q, const int stride_h, const int pad_top, const int pad_left,
                        const int pad_bottom, const int pad_right, const int count_pad, const int total) {
    const int i = (int)get_global_id(0);
    if (i >= total) {
        return;
    }
    const int runs = ceil_div(Q, RUN);
    const int r = i % runs;
    const int p = (i / runs) % P;
    const int plane = i / (runs * P);
    const int q0 = r * RUN;
    const int h0 = window_origin(p, stride_h, pad_top);
    const int h_begin = max(h0, 0);
    const int h_end = min(h0 + KH, H);
    __global const float *src = in + plane * H * W;
    __global float *dst = out + (plane * P + p) * Q;
    /* the last run of a row, when partial, computes the row's last RUN outputs and writes only its own */
    const int qv = min(q0, Q - RUN);
    const int w0 = window_origin(qv, SW, pad_left);
    const int rows = count_pad ? min(h0 + KH, H + pad_bottom) - h0 : h_end - h_begin;
    if (w0 >= 0 && w0 + (RUN - 1) * SW + KW <= W) {
        FLOATR acc = (FLOATR)(START);
        for (int h = h_begin; h < h_end; ++h) {
            acc = pool_row_taps(src + h * W, w0, acc);
        }
#if AVG
        acc /= (FLOATR)((float)(rows * KW));
#endif
        if (qv == q0) {
            VSTORER(acc, 0, dst + q0);
        } else {
            float lanes[RUN];
            VSTORER(acc, 0, lanes);
            for (int j = q0 - qv; j < RUN; ++j) {
                dst[qv + j] = lanes[j];
            }
        }
        return;
    }
    const int q_end = min(q0 + RUN, Q);
    for (int q = q0; q < q_end; ++q) {
        const int wq = window_origin(q, SW, pad_left);
        const int w_begin = max(wq, 0);
        const int w_end = min(wq + KW, W);
        float acc = START;
        for (int h = h_begin; h < h_end; ++h) {
            for (int w = w_begin; w < w_end; ++w) {
                acc = COMBINE1(acc, src[h * W + w]);
            }
        }
#if AVG
        const int cols = count_pad ? min(wq + KW, W + pad_right) - wq : w_end - w_begin;
        acc /= (float)(rows * cols);
#endif
        dst[q] = acc;
    }
}
#endif
