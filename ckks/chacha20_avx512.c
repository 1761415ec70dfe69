/*
 * chacha20_avx512.c - ChaCha20 on 16 blocks at once, and the uniform
 * sampler it feeds.
 *
 * Lane j of state vector i holds word i of block counter + j, so the
 * rounds are the scalar ones on whole vectors. A 16 x 16 transpose then
 * turns each block into one vector: its eight 64-bit keystream words in
 * stream order (little-endian, as ckks_prng_u64 reads them). The sampler
 * masks them, keeps those <= q - 1 in order, and stops at the block and
 * word where the scalar sampler stops, leaving the ckks_prng as it would.
 */
#include "ckks/internal.h"

#if defined(__AVX512F__) && defined(__AVX512DQ__)

#include <immintrin.h>
#include <string.h>

#define INLINE static inline __attribute__((always_inline))

typedef __m512i vec;

INLINE void quarter_round(vec x[16], int a, int b, int c, int d)
{
    x[a] = _mm512_add_epi32(x[a], x[b]);
    x[d] = _mm512_rol_epi32(_mm512_xor_si512(x[d], x[a]), 16);
    x[c] = _mm512_add_epi32(x[c], x[d]);
    x[b] = _mm512_rol_epi32(_mm512_xor_si512(x[b], x[c]), 12);
    x[a] = _mm512_add_epi32(x[a], x[b]);
    x[d] = _mm512_rol_epi32(_mm512_xor_si512(x[d], x[a]), 8);
    x[c] = _mm512_add_epi32(x[c], x[d]);
    x[b] = _mm512_rol_epi32(_mm512_xor_si512(x[b], x[c]), 7);
}

/*
 * out[j] = x[0..15] of lane j. Rows 4g..4g+3 are first transposed within
 * each 128-bit lane L (32- then 64-bit unpacks: c[g][m] lane L holds them
 * for block 4L + m), then the 128-bit lanes of c[0..3][m] are transposed.
 */
INLINE void transpose16(const vec x[16], vec out[16])
{
    vec c[4][4];
    for (int g = 0; g < 4; g++) {
        vec a0 = _mm512_unpacklo_epi32(x[4 * g], x[4 * g + 1]);
        vec a1 = _mm512_unpackhi_epi32(x[4 * g], x[4 * g + 1]);
        vec a2 = _mm512_unpacklo_epi32(x[4 * g + 2], x[4 * g + 3]);
        vec a3 = _mm512_unpackhi_epi32(x[4 * g + 2], x[4 * g + 3]);
        c[g][0] = _mm512_unpacklo_epi64(a0, a2);
        c[g][1] = _mm512_unpackhi_epi64(a0, a2);
        c[g][2] = _mm512_unpacklo_epi64(a1, a3);
        c[g][3] = _mm512_unpackhi_epi64(a1, a3);
    }
    for (int m = 0; m < 4; m++) {
        vec d0 = _mm512_shuffle_i32x4(c[0][m], c[1][m], _MM_SHUFFLE(1, 0, 1, 0));
        vec d1 = _mm512_shuffle_i32x4(c[0][m], c[1][m], _MM_SHUFFLE(3, 2, 3, 2));
        vec d2 = _mm512_shuffle_i32x4(c[2][m], c[3][m], _MM_SHUFFLE(1, 0, 1, 0));
        vec d3 = _mm512_shuffle_i32x4(c[2][m], c[3][m], _MM_SHUFFLE(3, 2, 3, 2));
        out[m] = _mm512_shuffle_i32x4(d0, d2, _MM_SHUFFLE(2, 0, 2, 0));
        out[4 + m] = _mm512_shuffle_i32x4(d0, d2, _MM_SHUFFLE(3, 1, 3, 1));
        out[8 + m] = _mm512_shuffle_i32x4(d1, d3, _MM_SHUFFLE(2, 0, 2, 0));
        out[12 + m] = _mm512_shuffle_i32x4(d1, d3, _MM_SHUFFLE(3, 1, 3, 1));
    }
}

/* Blocks counter + j (mod 2^32) in out[j], j < 16. */
static void blocks16(const uint32_t key[8], uint32_t counter, const uint32_t nonce[3],
                     vec out[16])
{
    /* "expand 32-byte k" */
    static const uint32_t sigma[4] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};
    vec in[16], x[16];
    for (int i = 0; i < 4; i++)
        in[i] = _mm512_set1_epi32((int)sigma[i]);
    for (int i = 0; i < 8; i++)
        in[4 + i] = _mm512_set1_epi32((int)key[i]);
    in[12] = _mm512_add_epi32(_mm512_set1_epi32((int)counter),
                              _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
                                                14, 15));
    for (int i = 0; i < 3; i++)
        in[13 + i] = _mm512_set1_epi32((int)nonce[i]);

    memcpy(x, in, sizeof(x));
    for (int r = 0; r < 10; r++)
        CKKS_CHACHA20_DOUBLE_ROUND(quarter_round, x);
    for (int i = 0; i < 16; i++)
        x[i] = _mm512_add_epi32(x[i], in[i]);
    transpose16(x, out);
}

bool ckks_chacha20_blocks16_avx512(const uint32_t key[8], uint32_t counter,
                                   const uint32_t nonce[3], uint8_t out[16 * 64])
{
    if (!ckks_cpu_has_avx512())
        return false;
    vec b[16];
    blocks16(key, counter, nonce, b);
    for (int j = 0; j < 16; j++)
        _mm512_storeu_si512(out + 64 * j, b[j]);
    return true;
}

/* The lowest k set bits of m. */
static unsigned lowest_bits(unsigned m, size_t k)
{
    unsigned r = 0;
    for (; k > 0 && m != 0; k--, m &= m - 1)
        r |= m & -m;
    return r;
}

bool ckks_sample_uniform_avx512(ckks_prng *p, uint64_t q, size_t n, uint64_t *out)
{
    if (!ckks_cpu_has_avx512() || p->pos != sizeof(p->buf))
        return false;
    const vec mask = _mm512_set1_epi64((long long)ckks_bit_mask(q - 1));
    const vec max = _mm512_set1_epi64((long long)(q - 1));
    size_t have = 0;
    vec b[16];
    while (have < n) {
        blocks16(p->key, p->counter, p->nonce, b);
        for (int j = 0; j < 16; j++) {
            vec w = _mm512_and_si512(b[j], mask);
            unsigned keep = _mm512_cmple_epu64_mask(w, max);
            size_t need = n - have;
            /* A full store while 8 words fit, else a masked one of the
             * words still needed (the scalar sampler reads no further). */
            if (need >= 8) {
                _mm512_storeu_si512(out + have, _mm512_maskz_compress_epi64((__mmask8)keep, w));
            } else {
                keep = lowest_bits(keep, need);
                _mm512_mask_compressstoreu_epi64(out + have, (__mmask8)keep, w);
            }
            have += (size_t)__builtin_popcount(keep);
            if (have == n) {
                /* Words up to the last one kept were read from block j. */
                unsigned used = 32 - (unsigned)__builtin_clz(keep);
                p->counter += (uint32_t)j + 1;
                _mm512_storeu_si512(p->buf, b[j]);
                p->pos = 8 * used;
                return true;
            }
        }
        p->counter += 16;
    }
    return true; /* n = 0 */
}

#else

bool ckks_chacha20_blocks16_avx512(const uint32_t key[8], uint32_t counter,
                                   const uint32_t nonce[3], uint8_t out[16 * 64])
{
    (void)key, (void)counter, (void)nonce, (void)out;
    return false;
}

bool ckks_sample_uniform_avx512(ckks_prng *p, uint64_t q, size_t n, uint64_t *out)
{
    (void)p, (void)q, (void)n, (void)out;
    return false;
}

#endif
