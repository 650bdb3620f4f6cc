/*
 * gemm_gpu.cl: the GPU family's GEMM, C = epilogue(A B), in the structure of CLBlast's xgemm: a work-group computes an
 * MWG x NWG tile of C, staging KWG-deep slices of A and B in local memory between barriers; each of its MDIMC x NDIMC
 * work-items keeps an MWI x NWI register tile (MWI = MWG/MDIMC, NWI = NWG/NDIMC).
 *
 * Operands: the packed layouts of gemm.cl (packed_offset in common.h) with panel widths MR = MWG and NR = NWG, so the
 *   packing and im2col kernels write them unchanged. A panel's KWG x MWG (or KWG x NWG) slice is contiguous, so a
 *   work-group loads it with consecutive work-items reading consecutive vectors (coalesced). Rows of A past M and
 *   columns of B past N are zeros in the packed operands; depths past K are zeroed while staging (K needs no padding).
 * C is row-major: element (row, col) at offset_c + row*ldc + col; only rows < M and columns < N are written.
 *
 * xgemm_packed: global range (ceil(M/MWG)*MDIMC, ceil(N/NWG)*NDIMC, batch), work-groups (MDIMC, NDIMC, 1); group
 *   (gi, gj, b) computes tile (gi, gj) of product b (operands of product b start stride_a, stride_b, stride_c and
 *   stride_bias elements after those of product b - 1). Work-item (tm, tn) owns rows (w*MDIMC + tm)*VWM + v of the
 *   tile for w < MWI/VWM, v < VWM, and columns (w*NDIMC + tn)*VWN + v for w < NWI/VWN, v < VWN: neighbouring items
 *   read neighbouring vectors of local memory and write neighbouring vectors of C. Epilogue per element as gemm.cl:
 *   x = AB + bias (none, bias[row] or bias[col]) + (accumulate ? C : 0), then the fused ReLU of common.h when relu.
 * Tunables (-D): MWG, NWG, KWG (work-group tile), MDIMC, NDIMC (work-items per dimension), VWM, VWN (vector widths of
 *   A and B: 1, 2, 4 or 8). MWG must be a multiple of MDIMC*VWM and NWG of NDIMC*VWN. Build with FUSE_RELU=1 so that
 *   ACTIVATE is the ReLU the relu argument switches on. Local memory: KWG*(MWG + NWG) floats.
 */
#include "common.h"

#if MWG % (MDIMC * VWM) != 0
#error "MWG must be a multiple of MDIMC * VWM"
#endif
#if NWG % (NDIMC * VWN) != 0
#error "NWG must be a multiple of NDIMC * VWN"
#endif
#define MWI (MWG / MDIMC)
#define NWI (NWG / NDIMC)
#define MVECTORS (MWI / VWM)
#define NVECTORS (NWI / VWN)

#if VWM == 1
#define floatM float
#define vloadM(i, p) ((p)[i])
#define vstoreM(x, i, p) ((p)[i] = (x))
#elif VWM == 2 || VWM == 4 || VWM == 8
#define floatM TESSERA_XCAT(float, VWM)
#define vloadM TESSERA_XCAT(vload, VWM)
#define vstoreM TESSERA_XCAT(vstore, VWM)
#else
#error "VWM must be 1, 2, 4 or 8"
#endif

#if VWN == 1
#define floatV float
#define vloadV(i, p) ((p)[i])
#define vstoreV(x, i, p) ((p)[i] = (x))
#elif VWN == 2 || VWN == 4 || VWN == 8
#define floatV TESSERA_XCAT(float, VWN)
#define vloadV TESSERA_XCAT(vload, VWN)
#define vstoreV TESSERA_XCAT(vstore, VWN)
#else
#error "VWN must be 1, 2, 4 or 8"
#endif

#define TESSERA_XCAT_(a, b) a##b
#define TESSERA_XCAT(a, b) TESSERA_XCAT_(a, b)

#define BIAS_NONE 0
#define BIAS_PER_ROW 1
#define BIAS_PER_COLUMN 2

/* Copies depths [k0, k0 + KWG) of one packed panel of `width` lanes (contiguous from `panel`) into `tile` as
 * `vectors` vectors, zeros for depths at or past K; the work-group's items share the copy. */
#define STAGE_SLICE(tile, panel, width, vector_width, vload_, vstore_, vec_type, item, items, k0, K) \
    for (int v = (item); v < KWG * (width) / (vector_width); v += (items)) { \
        const int kk = v / ((width) / (vector_width)); \
        vstore_((k0) + kk < (K) ? vload_(v, (panel) + (k0) * (width)) : (vec_type)(0.0f), v, (tile)); \
    }

__kernel __attribute__((reqd_work_group_size(MDIMC, NDIMC, 1)))
void xgemm_packed(const int M, const int N, const int K,
        __global const float *packed_a, const int offset_a, const int stride_a,
        __global const float *packed_b, const int offset_b, const int stride_b,
        __global float *c, const int offset_c, const int ldc, const int stride_c,
        __global const float *bias, const int offset_bias, const int stride_bias, const int bias_kind,
        const int relu, const int accumulate) {
    __local float a_tile[KWG * MWG];
    __local float b_tile[KWG * NWG];
    const int tm = get_local_id(0);
    const int tn = get_local_id(1);
    const int gi = get_group_id(0);
    const int gj = get_group_id(1);
    const int b = get_global_id(2);
    const int item = tn * MDIMC + tm;
    const int items = MDIMC * NDIMC;
    __global const float *a_panel = packed_a + offset_a + b * stride_a + packed_offset(gi, 0, 0, K, MWG);
    __global const float *b_panel = packed_b + offset_b + b * stride_b + packed_offset(gj, 0, 0, K, NWG);

    floatV acc[MWI][NVECTORS];
#pragma unroll
    for (int m = 0; m < MWI; ++m) {
#pragma unroll
        for (int w = 0; w < NVECTORS; ++w) {
            acc[m][w] = (floatV)(0.0f);
        }
    }

    for (int k0 = 0; k0 < K; k0 += KWG) {
        STAGE_SLICE(a_tile, a_panel, MWG, VWM, vloadM, vstoreM, floatM, item, items, k0, K)
        STAGE_SLICE(b_tile, b_panel, NWG, VWN, vloadV, vstoreV, floatV, item, items, k0, K)
        barrier(CLK_LOCAL_MEM_FENCE);
#pragma unroll
        for (int kk = 0; kk < KWG; ++kk) {
            float a_reg[MWI];
#pragma unroll
            for (int w = 0; w < MVECTORS; ++w) {
                vstoreM(vloadM(w * MDIMC + tm, a_tile + kk * MWG), w, a_reg);
            }
            floatV b_reg[NVECTORS];
#pragma unroll
            for (int w = 0; w < NVECTORS; ++w) {
                b_reg[w] = vloadV(w * NDIMC + tn, b_tile + kk * NWG);
            }
#pragma unroll
            for (int m = 0; m < MWI; ++m) {
#pragma unroll
                for (int w = 0; w < NVECTORS; ++w) {
                    acc[m][w] = fma((floatV)(a_reg[m]), b_reg[w], acc[m][w]);
                }
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }

    __global const float *bias_b = bias + offset_bias + b * stride_bias;
    __global float *c_b = c + offset_c + b * stride_c;
#pragma unroll
    for (int m = 0; m < MWI; ++m) {
        const int row = gi * MWG + ((m / VWM) * MDIMC + tm) * VWM + m % VWM;
        if (row >= M) {
            continue;
        }
        __global float *c_row = c_b + row * ldc;
        const float row_bias = bias_kind == BIAS_PER_ROW ? bias_b[row] : 0.0f;
#pragma unroll
        for (int w = 0; w < NVECTORS; ++w) {
            const int col = gj * NWG + (w * NDIMC + tn) * VWN;
            if (col + VWN <= N) {
                floatV x = acc[m][w] + row_bias;
                if (bias_kind == BIAS_PER_COLUMN) {
                    x += vloadV(0, bias_b + col);
                }
                if (accumulate) {
                    x += vloadV(0, c_row + col);
                }
                vstoreV(relu ? ACTIVATE(x) : x, 0, c_row + col);
            } else if (col < N) {
                /* the right edge of C: the valid part of the vector, element by element */
                float values[VWN];
                vstoreV(acc[m][w], 0, values);
                for (int t = 0; t < N - col; ++t) {
                    float x = values[t] + row_bias;
                    if (bias_kind == BIAS_PER_COLUMN) {
                        x += bias_b[col + t];
                    }
                    if (accumulate) {
                        x += c_row[col + t];
                    }
                    c_row[col + t] = relu ? ACTIVATE(x) : x;
                }
            }
        }
    }
}
