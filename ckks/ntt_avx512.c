/*
 * ntt_avx512.c - the transforms of ntt.c on 8 x 64-bit lanes.
 *
 * Same stages and tables as ntt.c; outputs are fully reduced, hence
 * identical. Stages of butterfly distance 8 or more pair whole vectors with
 * a broadcast twiddle; the three stages of distance 4, 2, 1 run together on
 * pairs of vectors whose lanes are regrouped between stages.
 *
 * The tables are 64-byte aligned; the caller's array need not be.
 *
 * Without IFMA the Shoup product's high half comes from 32-bit products:
 * dropping the low x low one and the carries of the middle ones leaves it
 * at most 2 short, so the lazy product lies in [0, 3.5q) and one
 * conditional subtraction of 2q brings it back to [0, 2q).
 */
#include "ckks/internal.h"

#if defined(__AVX512F__) && defined(__AVX512DQ__)

#include <immintrin.h>

#define INLINE static inline __attribute__((always_inline))

typedef __m512i vec;

/* A twiddle factor broadcast or loaded for a vector of butterflies. */
typedef struct {
    vec w, ws, ws_hi; /* w, its Shoup constant, and that constant >> 32 */
} twiddle;

INLINE twiddle tw_make(vec w, vec ws)
{
    return (twiddle){w, ws, _mm512_srli_epi64(ws, 32)};
}

INLINE twiddle tw_bcast(const uint64_t *w, const uint64_t *ws, size_t i)
{
    return tw_make(_mm512_set1_epi64((long long)w[i]), _mm512_set1_epi64((long long)ws[i]));
}

/* min(x, x - c) for x < 2^63: x - c if x >= c, else x */
INLINE vec csub(vec x, vec c)
{
    return _mm512_min_epu64(x, _mm512_sub_epi64(x, c));
}

/* a w mod q in [0, 2q) for a < 2^63 */
INLINE vec mul_shoup(vec a, twiddle t, vec q, vec q2)
{
    vec a_hi = _mm512_srli_epi64(a, 32);
    vec p01 = _mm512_mul_epu32(a, t.ws_hi);
    vec p10 = _mm512_mul_epu32(a_hi, t.ws);
    vec p11 = _mm512_mul_epu32(a_hi, t.ws_hi);
    vec hi = _mm512_add_epi64(p11, _mm512_add_epi64(_mm512_srli_epi64(p01, 32),
                                                    _mm512_srli_epi64(p10, 32)));
    vec r = _mm512_sub_epi64(_mm512_mullo_epi64(a, t.w), _mm512_mullo_epi64(hi, q));
    return csub(r, q2);
}

/* Cooley-Tukey butterfly on [0, 4q) */
INLINE void bf_ct(vec *x, vec *y, twiddle t, vec q, vec q2)
{
    vec u = csub(*x, q2);
    vec v = mul_shoup(*y, t, q, q2);
    *x = _mm512_add_epi64(u, v);
    *y = _mm512_sub_epi64(_mm512_add_epi64(u, q2), v);
}

/* Gentleman-Sande butterfly on [0, 2q) */
INLINE void bf_gs(vec *x, vec *y, twiddle t, vec q, vec q2)
{
    vec u = *x, v = *y;
    *x = csub(_mm512_add_epi64(u, v), q2);
    *y = mul_shoup(_mm512_sub_epi64(_mm512_add_epi64(u, q2), v), t, q, q2);
}

/* Forward stage m (butterfly distance h >= 8): block i uses fwd[m + i]. */
static void fwd_stage(const ckks_ntt_table *t, uint64_t *a, size_t m, size_t h)
{
    const vec q = _mm512_set1_epi64((long long)t->m.q), q2 = _mm512_add_epi64(q, q);
    for (size_t i = 0; i < m; i++) {
        const twiddle tw = tw_bcast(t->fwd, t->fwd_shoup, m + i);
        uint64_t *x = a + 2 * i * h, *y = x + h;
        for (size_t j = 0; j < h; j += 8) {
            vec u = _mm512_loadu_si512(x + j), v = _mm512_loadu_si512(y + j);
            bf_ct(&u, &v, tw, q, q2);
            _mm512_storeu_si512(x + j, u);
            _mm512_storeu_si512(y + j, v);
        }
    }
}

/* Inverse stage m (distance h >= 8). The last one (m = 1) also scales the
 * sums by N^-1 (the differences get it from inv[1]) and reduces to [0, q). */
INLINE void inv_stage(const ckks_ntt_table *t, uint64_t *a, size_t m, size_t h, bool last)
{
    const vec q = _mm512_set1_epi64((long long)t->m.q), q2 = _mm512_add_epi64(q, q);
    const twiddle ninv = tw_bcast(&t->ninv, &t->ninv_shoup, 0);
    for (size_t i = 0; i < m; i++) {
        const twiddle tw = tw_bcast(t->inv, t->inv_shoup, m + i);
        uint64_t *x = a + 2 * i * h, *y = x + h;
        for (size_t j = 0; j < h; j += 8) {
            vec u = _mm512_loadu_si512(x + j), v = _mm512_loadu_si512(y + j);
            bf_gs(&u, &v, tw, q, q2);
            if (last) {
                u = csub(mul_shoup(u, ninv, q, q2), q);
                v = csub(v, q);
            }
            _mm512_storeu_si512(x + j, u);
            _mm512_storeu_si512(y + j, v);
        }
    }
}

/*
 * The stages of distance 4, 2, 1 run on PAIRS independent pairs of vectors
 * at a time (for instruction-level parallelism). Each pair (x, y) = 16
 * values is regrouped into (u, v) so that a stage pairs lanes of u with
 * the same lanes of v:
 *   distance 4: u = values 0-3 8-11,          v = 4-7 12-15
 *   distance 2: u = 0 1 4 5 8 9 12 13,        v = 2 3 6 7 10 11 14 15
 *   distance 1: u = the even values,          v = the odd ones
 * so that twiddles span 4, 2 and 1 lanes.
 */
#define PAIRS 4
#define IDX(...) _mm512_set_epi64(__VA_ARGS__)
#define LO_HALVES 0x44 /* x.0-3 y.0-3 */
#define HI_HALVES 0xee /* x.4-7 y.4-7 */

/* Twiddles of pair g (values 16g .. 16g + 15) from the tables of the
 * stages N/8, N/4, N/2 (w, ws point to entry 0 of the stage). */
INLINE twiddle tw_span4(const uint64_t *w, const uint64_t *ws, size_t g)
{
    const vec idx = _mm512_add_epi64(IDX(1, 1, 1, 1, 0, 0, 0, 0),
                                     _mm512_set1_epi64(2 * (long long)(g % 4)));
    return tw_make(_mm512_permutexvar_epi64(idx, _mm512_load_si512(w + 8 * (g / 4))),
                   _mm512_permutexvar_epi64(idx, _mm512_load_si512(ws + 8 * (g / 4))));
}

INLINE twiddle tw_span2(const uint64_t *w, const uint64_t *ws, size_t g)
{
    const vec idx = _mm512_add_epi64(IDX(3, 3, 2, 2, 1, 1, 0, 0),
                                     _mm512_set1_epi64(4 * (long long)(g % 2)));
    return tw_make(_mm512_permutexvar_epi64(idx, _mm512_load_si512(w + 8 * (g / 2))),
                   _mm512_permutexvar_epi64(idx, _mm512_load_si512(ws + 8 * (g / 2))));
}

INLINE twiddle tw_span1(const uint64_t *w, const uint64_t *ws, size_t g)
{
    return tw_make(_mm512_load_si512(w + 8 * g), _mm512_load_si512(ws + 8 * g));
}

/* The last three forward stages and the final reduction to [0, q). */
static void fwd_tail(const ckks_ntt_table *t, uint64_t *a)
{
    const vec q = _mm512_set1_epi64((long long)t->m.q), q2 = _mm512_add_epi64(q, q);
    const vec mix_lo = IDX(13, 12, 5, 4, 9, 8, 1, 0), mix_hi = IDX(15, 14, 7, 6, 11, 10, 3, 2);
    const vec zip_lo = IDX(11, 3, 10, 2, 9, 1, 8, 0), zip_hi = IDX(15, 7, 14, 6, 13, 5, 12, 4);
    const size_t n = t->n;
    const uint64_t *w = t->fwd, *ws = t->fwd_shoup;
    for (size_t g0 = 0; g0 < n / 16; g0 += PAIRS) {
        uint64_t *x = a + 16 * g0;
        vec u[PAIRS], v[PAIRS], e[PAIRS], f[PAIRS];
        for (size_t k = 0; k < PAIRS; k++) {
            vec lo = _mm512_loadu_si512(x + 16 * k), hi = _mm512_loadu_si512(x + 16 * k + 8);
            u[k] = _mm512_shuffle_i64x2(lo, hi, LO_HALVES);
            v[k] = _mm512_shuffle_i64x2(lo, hi, HI_HALVES);
        }
        for (size_t k = 0; k < PAIRS; k++)
            bf_ct(&u[k], &v[k], tw_span4(w + n / 8, ws + n / 8, g0 + k), q, q2);
        for (size_t k = 0; k < PAIRS; k++) {
            e[k] = _mm512_permutex2var_epi64(u[k], mix_lo, v[k]);
            f[k] = _mm512_permutex2var_epi64(u[k], mix_hi, v[k]);
        }
        for (size_t k = 0; k < PAIRS; k++)
            bf_ct(&e[k], &f[k], tw_span2(w + n / 4, ws + n / 4, g0 + k), q, q2);
        for (size_t k = 0; k < PAIRS; k++) {
            u[k] = _mm512_unpacklo_epi64(e[k], f[k]);
            v[k] = _mm512_unpackhi_epi64(e[k], f[k]);
        }
        for (size_t k = 0; k < PAIRS; k++)
            bf_ct(&u[k], &v[k], tw_span1(w + n / 2, ws + n / 2, g0 + k), q, q2);
        for (size_t k = 0; k < PAIRS; k++) {
            u[k] = csub(csub(u[k], q2), q);
            v[k] = csub(csub(v[k], q2), q);
            _mm512_storeu_si512(x + 16 * k, _mm512_permutex2var_epi64(u[k], zip_lo, v[k]));
            _mm512_storeu_si512(x + 16 * k + 8, _mm512_permutex2var_epi64(u[k], zip_hi, v[k]));
        }
    }
}

/* The first three inverse stages, undoing fwd_tail's regroupings. */
static void inv_head(const ckks_ntt_table *t, uint64_t *a)
{
    const vec q = _mm512_set1_epi64((long long)t->m.q), q2 = _mm512_add_epi64(q, q);
    const vec mix_lo = IDX(13, 12, 5, 4, 9, 8, 1, 0), mix_hi = IDX(15, 14, 7, 6, 11, 10, 3, 2);
    const vec even = IDX(14, 12, 10, 8, 6, 4, 2, 0), odd = IDX(15, 13, 11, 9, 7, 5, 3, 1);
    const size_t n = t->n;
    const uint64_t *w = t->inv, *ws = t->inv_shoup;
    for (size_t g0 = 0; g0 < n / 16; g0 += PAIRS) {
        uint64_t *x = a + 16 * g0;
        vec u[PAIRS], v[PAIRS], e[PAIRS], f[PAIRS];
        for (size_t k = 0; k < PAIRS; k++) {
            vec lo = _mm512_loadu_si512(x + 16 * k), hi = _mm512_loadu_si512(x + 16 * k + 8);
            u[k] = _mm512_permutex2var_epi64(lo, even, hi);
            v[k] = _mm512_permutex2var_epi64(lo, odd, hi);
        }
        for (size_t k = 0; k < PAIRS; k++)
            bf_gs(&u[k], &v[k], tw_span1(w + n / 2, ws + n / 2, g0 + k), q, q2);
        for (size_t k = 0; k < PAIRS; k++) {
            e[k] = _mm512_unpacklo_epi64(u[k], v[k]);
            f[k] = _mm512_unpackhi_epi64(u[k], v[k]);
        }
        for (size_t k = 0; k < PAIRS; k++)
            bf_gs(&e[k], &f[k], tw_span2(w + n / 4, ws + n / 4, g0 + k), q, q2);
        for (size_t k = 0; k < PAIRS; k++) {
            u[k] = _mm512_permutex2var_epi64(e[k], mix_lo, f[k]);
            v[k] = _mm512_permutex2var_epi64(e[k], mix_hi, f[k]);
        }
        for (size_t k = 0; k < PAIRS; k++)
            bf_gs(&u[k], &v[k], tw_span4(w + n / 8, ws + n / 8, g0 + k), q, q2);
        for (size_t k = 0; k < PAIRS; k++) {
            _mm512_storeu_si512(x + 16 * k, _mm512_shuffle_i64x2(u[k], v[k], LO_HALVES));
            _mm512_storeu_si512(x + 16 * k + 8, _mm512_shuffle_i64x2(u[k], v[k], HI_HALVES));
        }
    }
}

/* One sweep per stage: sweeps fusing 2 or 3 stages measured slower, as
 * the data stays in L2 and the multiplier is the bottleneck. */
static void forward(const ckks_ntt_table *t, uint64_t *a)
{
    for (size_t m = 1, h = t->n / 2; h >= 8; m <<= 1, h >>= 1)
        fwd_stage(t, a, m, h);
    fwd_tail(t, a);
}

static void inverse(const ckks_ntt_table *t, uint64_t *a)
{
    inv_head(t, a);
    for (size_t m = t->n / 16, h = 8; m > 1; m >>= 1, h <<= 1)
        inv_stage(t, a, m, h, false);
    inv_stage(t, a, 1, t->n / 2, true);
}

/* The tail works on 4 pairs of vectors, 64 values; smaller rings go the
 * scalar way. */
bool ckks_ntt_forward_avx512(const ckks_ntt_table *t, uint64_t *a)
{
    if (!ckks_cpu_has_avx512()) return false;
    if (t->logn < 6) ckks_ntt_forward_scalar(t, a);
    else forward(t, a);
    return true;
}

bool ckks_ntt_inverse_avx512(const ckks_ntt_table *t, uint64_t *a)
{
    if (!ckks_cpu_has_avx512()) return false;
    if (t->logn < 6) ckks_ntt_inverse_scalar(t, a);
    else inverse(t, a);
    return true;
}

#else

bool ckks_ntt_forward_avx512(const ckks_ntt_table *t, uint64_t *a)
{
    (void)t, (void)a;
    return false;
}

bool ckks_ntt_inverse_avx512(const ckks_ntt_table *t, uint64_t *a)
{
    (void)t, (void)a;
    return false;
}

#endif
