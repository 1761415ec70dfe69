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
 * The two vector ports bound the speed: a stage costs the same whether the
 * array sits in L1 or in L2, so fusing stages or blocking for the cache
 * gains nothing, and the work goes into saving operations.
 *
 * Products. Without IFMA, a w mod q takes 32-bit partial products of a and
 * s = floor(w 2^63 / q) (half the table's Shoup constant): for a, s < 2^63
 * the cross products a0 s1 + a1 s0 add up without overflow, so three
 * products, two shifts and two additions estimate floor(a w / q), at most
 * 3 short (1 from s, 2 from the dropped a0 s0 and the floor): a w - hi q
 * lies in [0, 4q).
 *
 * Laziness. Both transforms track a bound b (all values lie below b q)
 * and keep b q below 2^63 (b <= lim = floor((2^63 - 1) / q)) so that
 * products stay possible, reducing only when the next stage would pass
 * it. A forward butterfly turns b into b + 4 (x + v and x - v + 4q with
 * v < 4q), or into ceil(b / 2) + 4 when x is first reduced: primes below
 * 2^56.9 reduce nothing before the end (b <= 1 + 4 log N), 59- and 60-bit
 * ones every stage or two. Above 2^60 (lim < 8) the products are also
 * brought to [0, 2q). Inverse sums double b, so they are reduced every
 * stage once b reaches lim / 4.
 */
#include "ckks/internal.h"

#if defined(__AVX512F__) && defined(__AVX512DQ__)

#include <immintrin.h>

#define INLINE static inline __attribute__((always_inline))

typedef __m512i vec;

INLINE vec bcast(uint64_t x)
{
    return _mm512_set1_epi64((long long)x);
}

/* A twiddle w for a vector of butterflies: s = floor(w 2^63 / q), its high
 * half s1 and 2 s1. */
typedef struct {
    vec w, s, s1, s1x2;
} twiddle;

/* From w and the table's ws = floor(w 2^64 / q). */
INLINE twiddle tw_make(vec w, vec ws)
{
    vec s1 = _mm512_srli_epi64(ws, 33);
    return (twiddle){w, _mm512_srli_epi64(ws, 1), s1, _mm512_add_epi64(s1, s1)};
}

INLINE twiddle tw_bcast(const uint64_t *w, const uint64_t *ws, size_t i)
{
    return tw_make(bcast(w[i]), bcast(ws[i]));
}

/* min(x, x - c) for x < 2^63: x - c if x >= c, else x */
INLINE vec csub(vec x, vec c)
{
    return _mm512_min_epu64(x, _mm512_sub_epi64(x, c));
}

/* a w mod q in [0, 4q) for a < 2^63 */
INLINE vec mul_lazy(vec a, twiddle t, vec q)
{
    vec a1 = _mm512_srli_epi64(a, 32);
    vec mid = _mm512_add_epi64(_mm512_mul_epu32(a, t.s1), _mm512_mul_epu32(a1, t.s));
    vec hi = _mm512_add_epi64(_mm512_mul_epu32(a1, t.s1x2), _mm512_srli_epi64(mid, 31));
    return _mm512_sub_epi64(_mm512_mullo_epi64(a, t.w), _mm512_mullo_epi64(hi, q));
}

/* How a transform keeps its values bounded, from the size of q; each is
 * compiled separately. */
enum {
    TIGHT,   /* lim < 8: products brought to [0, 2q) */
    PLANNED, /* the three fused stages reduce */
    LAZY,    /* they have room not to (forward_kind, inverse_kind) */
};

typedef struct {
    vec q, q2;
    vec mq;      /* products lie below mq: 2q (TIGHT) or 4q */
    __m512d qinv;
} consts;

static uint64_t lim_of(const ckks_ntt_table *t)
{
    return (UINT64_MAX >> 1) / t->m.q;
}

static void consts_init(consts *k, const ckks_ntt_table *t, int kind)
{
    const uint64_t q = t->m.q;
    k->q = bcast(q);
    k->q2 = bcast(2 * q);
    k->mq = kind == TIGHT ? k->q2 : bcast(4 * q);
    k->qinv = _mm512_set1_pd(1.0 / (double)q);
}

/* x mod q for x < 2^63, x < 2^20 q: the quotient less one half, computed
 * in doubles to within 2^-30, truncates to floor(x / q) or one less. */
INLINE vec reduce_fp(vec x, const consts *k)
{
    __m512d h = _mm512_fmadd_pd(_mm512_cvtepu64_pd(x), k->qinv, _mm512_set1_pd(-0.5));
    vec r = _mm512_sub_epi64(x, _mm512_mullo_epi64(_mm512_cvttpd_epi64(h), k->q));
    return csub(r, k->q);
}

/* Cooley-Tukey butterfly; x is first brought below c when reducing. */
INLINE void bf_ct(vec *x, vec *y, twiddle t, const consts *k, int kind, bool reduce, vec c)
{
    vec u = reduce ? csub(*x, c) : *x;
    vec v = mul_lazy(*y, t, k->q);
    if (kind == TIGHT) v = csub(v, k->q2);
    *x = _mm512_add_epi64(u, v);
    *y = _mm512_sub_epi64(_mm512_add_epi64(u, k->mq), v);
}

/* Gentleman-Sande butterfly on inputs below c: the sum is brought back
 * below c when reducing, the difference is offset by c. */
INLINE void bf_gs(vec *x, vec *y, twiddle t, const consts *k, int kind, bool reduce, vec c)
{
    vec u = *x, v = *y, s = _mm512_add_epi64(u, v);
    *x = reduce ? csub(s, c) : s;
    vec p = mul_lazy(_mm512_sub_epi64(_mm512_add_epi64(u, c), v), t, k->q);
    *y = kind == TIGHT ? csub(p, k->q2) : p;
}

/* Forward stage m (butterfly distance h >= 8): block i uses fwd[m + i]. */
INLINE void fwd_stage(const ckks_ntt_table *t, uint64_t *a, size_t m, size_t h, const consts *k,
                      int kind, bool reduce, vec c)
{
    for (size_t i = 0; i < m; i++) {
        const twiddle tw = tw_bcast(t->fwd, t->fwd_shoup, m + i);
        uint64_t *x = a + 2 * i * h, *y = x + h;
        for (size_t j = 0; j < h; j += 8) {
            vec u = _mm512_loadu_si512(x + j), v = _mm512_loadu_si512(y + j);
            bf_ct(&u, &v, tw, k, kind, reduce, c);
            _mm512_storeu_si512(x + j, u);
            _mm512_storeu_si512(y + j, v);
        }
    }
}

/* Inverse stage m > 1 (distance h >= 8). */
INLINE void inv_stage(const ckks_ntt_table *t, uint64_t *a, size_t m, size_t h, const consts *k,
                      int kind, bool reduce, vec c)
{
    for (size_t i = 0; i < m; i++) {
        const twiddle tw = tw_bcast(t->inv, t->inv_shoup, m + i);
        uint64_t *x = a + 2 * i * h, *y = x + h;
        for (size_t j = 0; j < h; j += 8) {
            vec u = _mm512_loadu_si512(x + j), v = _mm512_loadu_si512(y + j);
            bf_gs(&u, &v, tw, k, kind, reduce, c);
            _mm512_storeu_si512(x + j, u);
            _mm512_storeu_si512(y + j, v);
        }
    }
}

/* The last inverse stage (m = 1) on inputs below c: sums times N^-1 (the
 * differences get it from inv[1]), reduced to [0, q). */
INLINE void inv_last(const ckks_ntt_table *t, uint64_t *a, const consts *k, vec c)
{
    const twiddle tw = tw_bcast(t->inv, t->inv_shoup, 1);
    const twiddle ninv = tw_bcast(&t->ninv, &t->ninv_shoup, 0);
    const size_t h = t->n / 2;
    uint64_t *x = a, *y = a + h;
    for (size_t j = 0; j < h; j += 8) {
        vec u = _mm512_loadu_si512(x + j), v = _mm512_loadu_si512(y + j);
        vec s = mul_lazy(_mm512_add_epi64(u, v), ninv, k->q);
        vec d = mul_lazy(_mm512_sub_epi64(_mm512_add_epi64(u, c), v), tw, k->q);
        _mm512_storeu_si512(x + j, csub(csub(s, k->q2), k->q));
        _mm512_storeu_si512(y + j, csub(csub(d, k->q2), k->q));
    }
}

/*
 * The stages of distance 4, 2, 1 run on PAIRS independent pairs of vectors
 * at a time (for instruction-level parallelism), the loops over them
 * unrolled so that the vectors stay in registers. The 16 values of a pair
 * go through the same perfect shuffle (u, v) -> (u0 v0 u1 v1 u2 v2 u3 v3,
 * u4 v4 .. u7 v7) before each stage and after the last; a stage then pairs
 * lanes of u with the same lanes of v:
 *   distance 4: u = values 0 8 1 9 2 10 3 11,    v = 4 12 5 13 6 14 7 15
 *   distance 2: u = 0 4 8 12 1 5 9 13,           v = 2 6 10 14 3 7 11 15
 *   distance 1: u = the even values,             v = the odd ones
 * so that a lane's twiddle is entry l % 2, l % 4 and l of the stage's
 * 2, 4 and 8 for the pair: broadcast or plain loads.
 */
#define PAIRS 4
#define EACH_PAIR(j) _Pragma("GCC unroll 4") for (size_t j = 0; j < PAIRS; j++)
#define IDX(...) _mm512_set_epi64(__VA_ARGS__)

INLINE void shuffle(vec *u, vec *v)
{
    const vec lo = IDX(11, 3, 10, 2, 9, 1, 8, 0), hi = IDX(15, 7, 14, 6, 13, 5, 12, 4);
    vec a = *u, b = *v;
    *u = _mm512_permutex2var_epi64(a, lo, b);
    *v = _mm512_permutex2var_epi64(a, hi, b);
}

INLINE void unshuffle(vec *u, vec *v)
{
    const vec even = IDX(14, 12, 10, 8, 6, 4, 2, 0), odd = IDX(15, 13, 11, 9, 7, 5, 3, 1);
    vec a = *u, b = *v;
    *u = _mm512_permutex2var_epi64(a, even, b);
    *v = _mm512_permutex2var_epi64(a, odd, b);
}

/* Twiddles of pair g (values 16g .. 16g + 15) from the tables of the
 * stages N/8, N/4, N/2 (w, ws point to entry 0 of the stage). */
INLINE twiddle tw_span4(const uint64_t *w, const uint64_t *ws, size_t g)
{
    return tw_make(_mm512_broadcast_i64x2(_mm_load_si128((const __m128i *)(w + 2 * g))),
                   _mm512_broadcast_i64x2(_mm_load_si128((const __m128i *)(ws + 2 * g))));
}

INLINE twiddle tw_span2(const uint64_t *w, const uint64_t *ws, size_t g)
{
    return tw_make(_mm512_broadcast_i64x4(_mm256_load_si256((const __m256i *)(w + 4 * g))),
                   _mm512_broadcast_i64x4(_mm256_load_si256((const __m256i *)(ws + 4 * g))));
}

INLINE twiddle tw_span1(const uint64_t *w, const uint64_t *ws, size_t g)
{
    return tw_make(_mm512_load_si512(w + 8 * g), _mm512_load_si512(ws + 8 * g));
}

/* How fwd_tail reduces: x below c[i] before stage i (but for LAZY, where
 * it already is), then the results below q by subtracting red[0], red[1],
 * .. where they fit (but for LAZY, which reduces in doubles). */
typedef struct {
    vec c[3];
    int nred;
    vec red[8];
} tail_plan;

INLINE vec reduce_final(vec x, const consts *k, const tail_plan *p, int kind)
{
    if (kind == LAZY) return reduce_fp(x, k);
    for (int i = 0; i < p->nred; i++)
        x = csub(x, p->red[i]);
    return x;
}

/* The last three forward stages and the final reduction to [0, q). */
INLINE void fwd_tail(const ckks_ntt_table *t, uint64_t *a, size_t n, const consts *k, int kind,
                     const tail_plan *p)
{
    const bool reduce = kind != LAZY;
    const uint64_t *w = t->fwd, *ws = t->fwd_shoup;
    for (size_t g0 = 0; g0 < n / 16; g0 += PAIRS) {
        uint64_t *x = a + 16 * g0;
        vec u[PAIRS], v[PAIRS];
        EACH_PAIR(j) {
            u[j] = _mm512_loadu_si512(x + 16 * j);
            v[j] = _mm512_loadu_si512(x + 16 * j + 8);
            shuffle(&u[j], &v[j]);
        }
        EACH_PAIR(j) {
            bf_ct(&u[j], &v[j], tw_span4(w + n / 8, ws + n / 8, g0 + j), k, kind, reduce, p->c[0]);
            shuffle(&u[j], &v[j]);
        }
        EACH_PAIR(j) {
            bf_ct(&u[j], &v[j], tw_span2(w + n / 4, ws + n / 4, g0 + j), k, kind, reduce, p->c[1]);
            shuffle(&u[j], &v[j]);
        }
        EACH_PAIR(j) {
            bf_ct(&u[j], &v[j], tw_span1(w + n / 2, ws + n / 2, g0 + j), k, kind, reduce, p->c[2]);
            u[j] = reduce_final(u[j], k, p, kind);
            v[j] = reduce_final(v[j], k, p, kind);
            shuffle(&u[j], &v[j]);
            _mm512_storeu_si512(x + 16 * j, u[j]);
            _mm512_storeu_si512(x + 16 * j + 8, v[j]);
        }
    }
}

/* The first three inverse stages, undoing fwd_tail's shuffles, on inputs
 * below c[0], c[1], c[2]; the sums of the first are below 2q, the others
 * are reduced but for LAZY. */
INLINE void inv_head(const ckks_ntt_table *t, uint64_t *a, const consts *k, int kind,
                     const vec c[3])
{
    const bool reduce = kind != LAZY;
    const size_t n = t->n;
    const uint64_t *w = t->inv, *ws = t->inv_shoup;
    for (size_t g0 = 0; g0 < n / 16; g0 += PAIRS) {
        uint64_t *x = a + 16 * g0;
        vec u[PAIRS], v[PAIRS];
        EACH_PAIR(j) {
            u[j] = _mm512_loadu_si512(x + 16 * j);
            v[j] = _mm512_loadu_si512(x + 16 * j + 8);
            unshuffle(&u[j], &v[j]);
        }
        EACH_PAIR(j) {
            bf_gs(&u[j], &v[j], tw_span1(w + n / 2, ws + n / 2, g0 + j), k, kind, false, c[0]);
            unshuffle(&u[j], &v[j]);
        }
        EACH_PAIR(j) {
            bf_gs(&u[j], &v[j], tw_span2(w + n / 4, ws + n / 4, g0 + j), k, kind, reduce, c[1]);
            unshuffle(&u[j], &v[j]);
        }
        EACH_PAIR(j) {
            bf_gs(&u[j], &v[j], tw_span4(w + n / 8, ws + n / 8, g0 + j), k, kind, reduce, c[2]);
            unshuffle(&u[j], &v[j]);
            _mm512_storeu_si512(x + 16 * j, u[j]);
            _mm512_storeu_si512(x + 16 * j + 8, v[j]);
        }
    }
}

/* LAZY needs b = 1 + 4 log N <= lim at the end, which then reduces in
 * doubles. */
INLINE void forward_kind(const ckks_ntt_table *t, uint64_t *a, size_t n, int kind)
{
    consts k;
    consts_init(&k, t, kind);
    const uint64_t q = t->m.q, lim = lim_of(t), mb = kind == TIGHT ? 2 : 4;
    uint64_t b = 1; /* values lie below b q */
    for (size_t m = 1, h = n / 2; h >= 8; m <<= 1, h >>= 1) {
        if (b + mb <= lim) {
            fwd_stage(t, a, m, h, &k, kind, false, k.q);
            b += mb;
        } else {
            uint64_t c = (b + 1) / 2;
            fwd_stage(t, a, m, h, &k, kind, true, bcast(c * q));
            b = c + mb;
        }
    }
    tail_plan p;
    for (int i = 0; i < 3; i++) {
        uint64_t c = kind == LAZY ? b : (b + 1) / 2;
        p.c[i] = bcast(c * q);
        b = c + mb;
    }
    for (p.nred = 0; kind != LAZY && b > 1; p.nred++) {
        b = (b + 1) / 2;
        p.red[p.nred] = bcast(b * q);
    }
    fwd_tail(t, a, n, &k, kind, &p);
}

/* Sums of values below b q lie below 2b q, products below 4q (2q for
 * TIGHT); a sum is brought back below b q unless 4b <= lim, so that the
 * next differences, offset by 2b q, still fit. The head's sums are left
 * alone where lim >= 32 (LAZY). */
INLINE void inverse_kind(const ckks_ntt_table *t, uint64_t *a, int kind)
{
    consts k;
    consts_init(&k, t, kind);
    const uint64_t q = t->m.q, lim = lim_of(t), mb = kind == TIGHT ? 2 : 4;
    const vec head[3] = {k.q, bcast(mb * q), bcast((kind == LAZY ? 2 : 1) * mb * q)};
    inv_head(t, a, &k, kind, head);
    uint64_t b = (kind == LAZY ? 4 : 1) * mb;
    for (size_t m = t->n / 16, h = 8; m > 1; m >>= 1, h <<= 1) {
        const vec c = bcast(b * q);
        if (4 * b <= lim) {
            inv_stage(t, a, m, h, &k, kind, false, c);
            b = 2 * b;
        } else {
            inv_stage(t, a, m, h, &k, kind, true, c);
        }
    }
    inv_last(t, a, &k, bcast(b * q));
}

static void forward(const ckks_ntt_table *t, uint64_t *a, size_t n)
{
    uint64_t lim = lim_of(t);
    if (lim < 8) forward_kind(t, a, n, TIGHT);
    else if (lim < 1 + 4 * (uint64_t)t->logn) forward_kind(t, a, n, PLANNED);
    else forward_kind(t, a, n, LAZY);
}

static void inverse(const ckks_ntt_table *t, uint64_t *a)
{
    uint64_t lim = lim_of(t);
    if (lim < 8) inverse_kind(t, a, TIGHT);
    else if (lim < 32) inverse_kind(t, a, PLANNED);
    else inverse_kind(t, a, LAZY);
}

/* The tail works on 4 pairs of vectors, 64 values; smaller rings go the
 * scalar way. */
bool ckks_ntt_forward_avx512(const ckks_ntt_table *t, uint64_t *a, size_t len)
{
    if (!ckks_cpu_has_avx512()) return false;
    if (len < 64) ckks_ntt_forward_scalar(t, a, len);
    else forward(t, a, len);
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

bool ckks_ntt_forward_avx512(const ckks_ntt_table *t, uint64_t *a, size_t len)
{
    (void)t, (void)a, (void)len;
    return false;
}

bool ckks_ntt_inverse_avx512(const ckks_ntt_table *t, uint64_t *a)
{
    (void)t, (void)a;
    return false;
}

#endif
