/*
 * nchwc.h: index arithmetic of the channel-blocked activation layout NCHWc, shared by nchwc.cl (the reorders) and
 * conv_nchwc.cl (the blocked direct convolution). Define CB (the channels per block, 4, 8 or 16: the device's native
 * float vector width) before including.
 *
 * Layout: [N][CBLOCKS][HP][WP][CB], CBLOCKS = ceil(C / CB) (the channels past C in the last block are zeros), HP x WP
 *   the stored extents, which may include a zero border of (top, left) rows/columns before the H x W interior and some
 *   after it; the CB channels of one pixel are one contiguous float vector. Offsets are int: the host checks that every
 *   tensor fits in 2^31 floats.
 */
#ifndef TESSERA_NCHWC_H
#define TESSERA_NCHWC_H

#ifndef CB
#error "CB (channels per block) must be defined"
#endif

/* Offset of the first channel of block cb at stored pixel (h, w) of image n. */
inline int nchwc_pixel(int n, int cb, int h, int w, int cblocks, int HP, int WP) {
    return (((n * cblocks + cb) * HP + h) * WP + w) * CB;
}

/* Offset of channel c at stored pixel (h, w) of image n. */
inline int nchwc_offset(int n, int c, int h, int w, int cblocks, int HP, int WP) {
    return nchwc_pixel(n, c / CB, h, w, cblocks, HP, WP) + c % CB;
}

#endif
