/*
 * ntt_avx512.c - the transforms of ntt.c on 8 x 64-bit lanes.
 *
 * Same stages, tables and lazy ranges as ntt.c, so outputs are identical.
 * Stages whose butterfly distance is at least 8 run in passes of up to
 * three stages on 8, 4 or 2 vectors held in registers (one memory sweep per
 * pass); the three stages of distance 4, 2, 1 run together on pairs of
 * vectors whose lanes are regrouped between stages.
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

/*
 * Forward stages m, 2m, .., 2^(r-1) m (distances h, h/2, ..), r <= 3, with
 * h >> (r - 1) >= 8: each block of stage m is swept 8 lanes at a time
 * through 2^r vectors d = h >> (r - 1) apart.
 */
INLINE void fwd_pass(const ckks_ntt_table *t, uint64_t *a, size_t m, size_t h, int r)
{
    const vec q = _mm512_set1_epi64((long long)t->m.q), q2 = _mm512_add_epi64(q, q);
    const size_t d = h >> (r - 1), nv = (size_t)1 << r;
    for (size_t i = 0; i < m; i++) {
        twiddle tw[7]; /* stage s, block g: tw[(1 << s) - 1 + g] */
        for (int s = 0; s < r; s++)
            for (size_t g = 0; g < (size_t)1 << s; g++)
                tw[(1 << s) - 1 + g] =
                    tw_bcast(t->fwd, t->fwd_shoup, ((m + i) << s) + g);
        uint64_t *x = a + 2 * i * h;
        for (size_t j = 0; j < d; j += 8) {
            vec v[8];
            for (size_t k = 0; k < nv; k++)
                v[k] = _mm512_loadu_si512(x + j + k * d);
            for (int s = 0; s < r; s++) {
                size_t dist = nv >> (s + 1);
                for (size_t g = 0; g < (size_t)1 << s; g++)
                    for (size_t k = 0; k < dist; k++)
                        bf_ct(&v[2 * g * dist + k], &v[2 * g * dist + k + dist],
                              tw[(1 << s) - 1 + g], q, q2);
            }
            for (size_t k = 0; k < nv; k++)
                _mm512_storeu_si512(x + j + k * d, v[k]);
        }
    }
}

/* Inverse stages m, m/2, .., m >> (r - 1) (distances h, 2h, ..), h >= 8.
 * With last, the final one is stage 1 and takes the factor N^-1. */
INLINE void inv_pass(const ckks_ntt_table *t, uint64_t *a, size_t m, size_t h, int r,
                     bool last)
{
    const vec q = _mm512_set1_epi64((long long)t->m.q), q2 = _mm512_add_epi64(q, q);
    const size_t nv = (size_t)1 << r, mc = m >> (r - 1); /* coarsest stage */
    const twiddle ninv = tw_bcast(&t->ninv, &t->ninv_shoup, 0);
    for (size_t i = 0; i < mc; i++) {
        twiddle tw[7]; /* stage s (coarsest first), block g */
        for (int s = 0; s < r; s++)
            for (size_t g = 0; g < (size_t)1 << s; g++)
                tw[(1 << s) - 1 + g] = tw_bcast(t->inv, t->inv_shoup, ((mc + i) << s) + g);
        uint64_t *x = a + i * nv * h;
        for (size_t j = 0; j < h; j += 8) {
            vec v[8];
            for (size_t k = 0; k < nv; k++)
                v[k] = _mm512_loadu_si512(x + j + k * h);
            for (int s = r - 1; s >= 0; s--) {
                size_t dist = nv >> (s + 1);
                for (size_t g = 0; g < (size_t)1 << s; g++)
                    for (size_t k = 0; k < dist; k++)
                        bf_gs(&v[2 * g * dist + k], &v[2 * g * dist + k + dist],
                              tw[(1 << s) - 1 + g], q, q2);
            }
            if (last) {
                /* stage 1 gave v[0] = x + y unscaled: scale it, reduce all */
                for (size_t k = 0; k < nv; k++) {
                    if (k < nv / 2) v[k] = mul_shoup(v[k], ninv, q, q2);
                    v[k] = csub(v[k], q);
                }
            }
            for (size_t k = 0; k < nv; k++)
                _mm512_storeu_si512(x + j + k * h, v[k]);
        }
    }
}

/* Lane regroupings of a pair of vectors (x, y) = a[0..15] for the stages of
 * distance 4, 2, 1: each stage pairs lanes of u with the same lanes of v. */
#define IDX(...) _mm512_set_epi64(__VA_ARGS__)
#define LO_HALVES 0x44 /* x.0-3 y.0-3 */
#define HI_HALVES 0xee /* x.4-7 y.4-7 */

/* Twiddles of stages m = N/8, N/4 (each spans 4, 2 lanes) and N/2, for
 * a[j..j+15]. */
INLINE twiddle tw_span4(const uint64_t *w, const uint64_t *ws, size_t i)
{
    const vec idx = IDX(1, 1, 1, 1, 0, 0, 0, 0);
    return tw_make(_mm512_permutexvar_epi64(idx, _mm512_castsi128_si512(
                       _mm_load_si128((const __m128i *)(w + i)))),
                   _mm512_permutexvar_epi64(idx, _mm512_castsi128_si512(
                       _mm_load_si128((const __m128i *)(ws + i)))));
}

INLINE twiddle tw_span2(const uint64_t *w, const uint64_t *ws, size_t i)
{
    const vec idx = IDX(3, 3, 2, 2, 1, 1, 0, 0);
    return tw_make(_mm512_permutexvar_epi64(idx, _mm512_castsi256_si512(
                       _mm256_load_si256((const __m256i *)(w + i)))),
                   _mm512_permutexvar_epi64(idx, _mm512_castsi256_si512(
                       _mm256_load_si256((const __m256i *)(ws + i)))));
}

INLINE twiddle tw_span1(const uint64_t *w, const uint64_t *ws, size_t i)
{
    return tw_make(_mm512_load_si512(w + i), _mm512_load_si512(ws + i));
}

/* The last three forward stages and the final reduction to [0, q). */
static void fwd_tail(const ckks_ntt_table *t, uint64_t *a)
{
    const vec q = _mm512_set1_epi64((long long)t->m.q), q2 = _mm512_add_epi64(q, q);
    const vec mix2_lo = IDX(13, 12, 5, 4, 9, 8, 1, 0), mix2_hi = IDX(15, 14, 7, 6, 11, 10, 3, 2);
    const vec zip_lo = IDX(11, 3, 10, 2, 9, 1, 8, 0), zip_hi = IDX(15, 7, 14, 6, 13, 5, 12, 4);
    const size_t n = t->n;
    for (size_t j = 0; j < n; j += 16) {
        vec x = _mm512_loadu_si512(a + j), y = _mm512_loadu_si512(a + j + 8);
        /* distance 4: u, v = positions 0-3 8-11, 4-7 12-15 */
        vec u = _mm512_shuffle_i64x2(x, y, LO_HALVES), v = _mm512_shuffle_i64x2(x, y, HI_HALVES);
        bf_ct(&u, &v, tw_span4(t->fwd, t->fwd_shoup, n / 8 + j / 8), q, q2);
        /* distance 2: 0 1 4 5 8 9 12 13, 2 3 6 7 10 11 14 15 */
        x = _mm512_permutex2var_epi64(u, mix2_lo, v);
        y = _mm512_permutex2var_epi64(u, mix2_hi, v);
        bf_ct(&x, &y, tw_span2(t->fwd, t->fwd_shoup, n / 4 + j / 4), q, q2);
        /* distance 1: even, odd positions */
        u = _mm512_unpacklo_epi64(x, y);
        v = _mm512_unpackhi_epi64(x, y);
        bf_ct(&u, &v, tw_span1(t->fwd, t->fwd_shoup, n / 2 + j / 2), q, q2);
        u = csub(csub(u, q2), q);
        v = csub(csub(v, q2), q);
        _mm512_storeu_si512(a + j, _mm512_permutex2var_epi64(u, zip_lo, v));
        _mm512_storeu_si512(a + j + 8, _mm512_permutex2var_epi64(u, zip_hi, v));
    }
}

/* The first three inverse stages, undoing fwd_tail's regroupings. */
static void inv_head(const ckks_ntt_table *t, uint64_t *a)
{
    const vec q = _mm512_set1_epi64((long long)t->m.q), q2 = _mm512_add_epi64(q, q);
    const vec mix2_lo = IDX(13, 12, 5, 4, 9, 8, 1, 0), mix2_hi = IDX(15, 14, 7, 6, 11, 10, 3, 2);
    const vec even = IDX(14, 12, 10, 8, 6, 4, 2, 0), odd = IDX(15, 13, 11, 9, 7, 5, 3, 1);
    const size_t n = t->n;
    for (size_t j = 0; j < n; j += 16) {
        vec x = _mm512_loadu_si512(a + j), y = _mm512_loadu_si512(a + j + 8);
        vec u = _mm512_permutex2var_epi64(x, even, y), v = _mm512_permutex2var_epi64(x, odd, y);
        bf_gs(&u, &v, tw_span1(t->inv, t->inv_shoup, n / 2 + j / 2), q, q2);
        x = _mm512_unpacklo_epi64(u, v);
        y = _mm512_unpackhi_epi64(u, v);
        bf_gs(&x, &y, tw_span2(t->inv, t->inv_shoup, n / 4 + j / 4), q, q2);
        u = _mm512_permutex2var_epi64(x, mix2_lo, y);
        v = _mm512_permutex2var_epi64(x, mix2_hi, y);
        bf_gs(&u, &v, tw_span4(t->inv, t->inv_shoup, n / 8 + j / 8), q, q2);
        _mm512_storeu_si512(a + j, _mm512_shuffle_i64x2(u, v, LO_HALVES));
        _mm512_storeu_si512(a + j + 8, _mm512_shuffle_i64x2(u, v, HI_HALVES));
    }
}

/* Stages of distance >= 8 in passes of 3, else 2 (or 1 when alone). */
static int pass_stages(int left)
{
    return left % 3 == 0 ? 3 : left == 1 ? 1 : 2;
}

static void forward(const ckks_ntt_table *t, uint64_t *a)
{
    size_t m = 1, h = t->n / 2;
    for (int left = t->logn - 3; left > 0;) {
        int r = pass_stages(left);
        if (r == 3) fwd_pass(t, a, m, h, 3);
        else if (r == 2) fwd_pass(t, a, m, h, 2);
        else fwd_pass(t, a, m, h, 1);
        m <<= r;
        h >>= r;
        left -= r;
    }
    fwd_tail(t, a);
}

static void inverse(const ckks_ntt_table *t, uint64_t *a)
{
    inv_head(t, a);
    size_t m = t->n / 16, h = 8;
    for (int left = t->logn - 3; left > 0;) {
        int r = pass_stages(left);
        bool last = r == left;
        if (r == 3) last ? inv_pass(t, a, m, h, 3, true) : inv_pass(t, a, m, h, 3, false);
        else if (r == 2) last ? inv_pass(t, a, m, h, 2, true) : inv_pass(t, a, m, h, 2, false);
        else last ? inv_pass(t, a, m, h, 1, true) : inv_pass(t, a, m, h, 1, false);
        m >>= r;
        h <<= r;
        left -= r;
    }
}

/* The vector code needs 16 lanes per pass; smaller rings go the scalar way. */
bool ckks_ntt_forward_avx512(const ckks_ntt_table *t, uint64_t *a)
{
    if (!ckks_cpu_has_avx512()) return false;
    if (t->logn < 4) ckks_ntt_forward_scalar(t, a);
    else forward(t, a);
    return true;
}

bool ckks_ntt_inverse_avx512(const ckks_ntt_table *t, uint64_t *a)
{
    if (!ckks_cpu_has_avx512()) return false;
    if (t->logn < 4) ckks_ntt_inverse_scalar(t, a);
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
