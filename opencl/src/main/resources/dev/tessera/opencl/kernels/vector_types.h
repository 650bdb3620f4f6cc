/*
 * vector_types.h: the vector type names that kernels build from a width given at compile time.
 * Define VECTOR_WIDTH (1, 2, 4, 8 or 16) before including; floatN is then float, float2, ... float16, and
 * vloadN(i, p) / vstoreN(x, i, p) load and store the i-th floatN at p (any alignment of a float).
 */
#ifndef TESSERA_VECTOR_TYPES_H
#define TESSERA_VECTOR_TYPES_H

#define TESSERA_CAT_(a, b) a##b
#define TESSERA_CAT(a, b) TESSERA_CAT_(a, b)

#ifndef VECTOR_WIDTH
#error "VECTOR_WIDTH must be defined (1, 2, 4, 8 or 16)"
#endif

#if VECTOR_WIDTH == 1
#define floatN float
#define vloadN(i, p) ((p)[i])
#define vstoreN(x, i, p) ((p)[i] = (x))
#elif VECTOR_WIDTH == 2 || VECTOR_WIDTH == 4 || VECTOR_WIDTH == 8 || VECTOR_WIDTH == 16
#define floatN TESSERA_CAT(float, VECTOR_WIDTH)
#define vloadN TESSERA_CAT(vload, VECTOR_WIDTH)
#define vstoreN TESSERA_CAT(vstore, VECTOR_WIDTH)
#else
#error "VECTOR_WIDTH must be 1, 2, 4, 8 or 16"
#endif

#endif
