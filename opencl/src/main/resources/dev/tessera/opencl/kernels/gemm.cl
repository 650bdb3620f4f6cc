/*
 * gemm.cl: C = epilogue(A B) over packed operands (the BLIS idea), and the kernels that pack them.
 *
 * Packed layouts (packed_offset in common.h): an operand of depth K is a sequence of panels, each stored depth-major.
 *   Packed A (M x K): panel i holds rows i*MR .. i*MR+MR-1, element (row, kk) at (i*K + kk)*MR + (row - i*MR);
 *     ceil(M/MR)*MR*K floats, rows beyond M zero.
 *   Packed B (K x N): panel j holds columns j*NR .. j*NR+NR-1, element (kk, col) at (j*K + kk)*NR + (col - j*NR);
 *     ceil(N/NR)*NR*K floats, columns beyond N zero.
 * C is row-major: element (row, col) at offset_c + row*ldc + col; only rows < M and columns < N are written.
 *
 * gemm_pack: packs a strided matrix whose element (lane, kk) is at src_offset + lane*lane_stride + kk*depth_stride
 *   into panels of `width` lanes: packed A with lanes = the rows of A and width MR, packed B with lanes = the columns
 *   of B and width NR. Work-item (i, j) writes depths i*ROWS_PER_ITEM .. i*ROWS_PER_ITEM+ROWS_PER_ITEM-1 of panel j
 *   (consecutive work-items write consecutive memory), zeros past `lanes`.
 * gemm_packed: work-item (i, j, b) computes the MR x NR tile (i, j) of product b of the batch; the operands of
 *   product b start stride_a, stride_b, stride_c and stride_bias elements after those of product b - 1. It keeps
 *   MR * NR/VECTOR_WIDTH floatN accumulators and per kk does one broadcast of each A element and one fma per (row,
 *   vector of the B row), over the full depth K; in the last panel of columns only for the vectors that hold columns
 *   below N. Epilogue per element: x = AB + bias (none, bias[row] or bias[col]) + (accumulate ? C : 0), then
 *   max(x, 0) when relu, stored to C. The global range may be rounded up to the work-group shape: work-items past the
 *   last panel do nothing.
 * Tunables (-D): MR (rows per tile), NR (columns per tile, a multiple of VECTOR_WIDTH), VECTOR_WIDTH (1, 2, 4, 8, 16),
 *   K_UNROLL (unroll factor of the depth loop), ROWS_PER_ITEM (depths per packing work-item). The work-group shapes are
 *   chosen on the host (GemmTuning). PACK_ONLY=1 leaves gemm_packed out: the GPU family packs here for gemm_gpu.cl,
 *   whose wide panels (MR = MWG, NR = NWG) would make gemm_packed's register tile needlessly large to compile.
 */
#include "common.h"
#include "float_runs.h"

#if NR % VECTOR_WIDTH != 0
#error "NR must be a multiple of VECTOR_WIDTH"
#endif
#define VECTORS_PER_ROW (NR / VECTOR_WIDTH)

#define BIAS_NONE 0
#define BIAS_PER_ROW 1
#define BIAS_PER_COLUMN 2

__kernel void gemm_pack(__global const float *src, const int src_offset, const int lane_stride, const int depth_stride,
        const int lanes, const int depth, const int width, __global float *packed, const int packed_offset_) {
    const int first_kk = get_global_id(0) * ROWS_PER_ITEM;
    const int panel = get_global_id(1);
    if (first_kk >= depth) {
        return;
    }
    const int end_kk = min(first_kk + ROWS_PER_ITEM, depth);
    const int valid = min(width, lanes - panel * width);
    __global const float *from = src + src_offset + panel * width * lane_stride + first_kk * depth_stride;
    __global float *to = packed + packed_offset_ + packed_offset(panel, first_kk, 0, depth, width);
    for (int kk = first_kk; kk < end_kk; ++kk) {
        copy_strided(to, from, valid, lane_stride);
        fill_zeros(to + valid, width - valid);
        from += depth_stride;
        to += width;
    }
}

#if !defined(PACK_ONLY) || !PACK_ONLY
/* What the epilogue makes of one vector of A B: bias, the previous C (beta = 1) and ReLU. */
inline floatN finish(floatN product, float row_bias, floatN column_bias, floatN previous, int relu) {
    const floatN x = product + row_bias + column_bias + previous;
    return relu ? RELU(x) : x;
}

/* acc[r][v] += sum over kk < K of A(r, kk) * B(kk, vector v), for the first `vectors` vectors of the tile's columns.
 * Always inlined, so that `vectors` is a constant in each copy and the accumulators stay in registers (PoCL does not
 * inline it by itself; a compiler that does not know the attribute ignores it). */
inline __attribute__((always_inline)) void accumulate_tile(floatN acc[MR][VECTORS_PER_ROW],
        __global const float *a, __global const float *b, const int K, const int vectors) {
#pragma unroll K_UNROLL
    for (int kk = 0; kk < K; ++kk) {
        floatN row_of_b[VECTORS_PER_ROW];
#pragma unroll
        for (int v = 0; v < vectors; ++v) {
            row_of_b[v] = vloadN(v, b);
        }
#pragma unroll
        for (int r = 0; r < MR; ++r) {
            const floatN element_of_a = (floatN)(a[r]);
#pragma unroll
            for (int v = 0; v < vectors; ++v) {
                acc[r][v] = fma(element_of_a, row_of_b[v], acc[r][v]);
            }
        }
        a += MR;
        b += NR;
    }
}

__kernel void gemm_packed(const int M, const int N, const int K,
        __global const float *packed_a, const int offset_a, const int stride_a,
        __global const float *packed_b, const int offset_b, const int stride_b,
        __global float *c, const int offset_c, const int ldc, const int stride_c,
        __global const float *bias, const int offset_bias, const int stride_bias, const int bias_kind,
        const int relu, const int accumulate) {
    const int i = get_global_id(0);
    const int j = get_global_id(1);
    const int b = get_global_id(2);
    const int row0 = i * MR;
    const int col0 = j * NR;
    if (row0 >= M || col0 >= N) {
        return;
    }
    __global const float *a = packed_a + offset_a + b * stride_a + packed_offset(i, 0, 0, K, MR);
    __global const float *bp = packed_b + offset_b + b * stride_b + packed_offset(j, 0, 0, K, NR);

    floatN acc[MR][VECTORS_PER_ROW];
#pragma unroll
    for (int r = 0; r < MR; ++r) {
#pragma unroll
        for (int v = 0; v < VECTORS_PER_ROW; ++v) {
            acc[r][v] = (floatN)(0.0f);
        }
    }
    /* the last panel may hold fewer columns: compute only the vectors that hold some (a constant in each copy) */
    const int width = min(NR, N - col0);
    const int vectors = (width + VECTOR_WIDTH - 1) / VECTOR_WIDTH;
    if (vectors == VECTORS_PER_ROW) {
        accumulate_tile(acc, a, bp, K, VECTORS_PER_ROW);
    } else {
#pragma unroll
        for (int used = 1; used < VECTORS_PER_ROW; ++used) {
            if (vectors == used) {
                accumulate_tile(acc, a, bp, K, used);
            }
        }
    }

    __global const float *bias_b = bias + offset_bias + b * stride_bias;
    __global float *tile = c + offset_c + b * stride_c + row0 * ldc + col0;
#pragma unroll
    for (int r = 0; r < MR; ++r) {
        if (row0 + r < M) {
            __global float *c_row = tile + r * ldc;
            const float row_bias = bias_kind == BIAS_PER_ROW ? bias_b[row0 + r] : 0.0f;
            if (width == NR) {
#pragma unroll
                for (int v = 0; v < VECTORS_PER_ROW; ++v) {
                    const floatN column_bias = bias_kind == BIAS_PER_COLUMN ? vloadN(v, bias_b + col0) : (floatN)(0.0f);
                    const floatN previous = accumulate ? vloadN(v, c_row) : (floatN)(0.0f);
                    vstoreN(finish(acc[r][v], row_bias, column_bias, previous, relu), v, c_row);
                }
            } else {
                /* the last panel of columns: stage the valid part of C and the bias in private memory */
                float staged_c[NR];
                float staged_bias[NR];
                for (int t = 0; t < NR; ++t) {
                    staged_c[t] = accumulate && t < width ? c_row[t] : 0.0f;
                    staged_bias[t] = bias_kind == BIAS_PER_COLUMN && t < width ? bias_b[col0 + t] : 0.0f;
                }
#pragma unroll
                for (int v = 0; v < VECTORS_PER_ROW; ++v) {
                    vstoreN(finish(acc[r][v], row_bias, vloadN(v, staged_bias), vloadN(v, staged_c), relu), v,
                            staged_c);
                }
                for (int t = 0; t < width; ++t) {
                    c_row[t] = staged_c[t];
                }
            }
        }
    }
}
#endif
