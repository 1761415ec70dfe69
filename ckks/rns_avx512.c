/*
 * rns_avx512.c - basis conversion and key inner products on 8 x 64-bit
 * lanes, with the same fully reduced results as the scalar code.
 *
 * Without IFMA there is no 64 x 64 -> 128-bit vector product. Sums of
 * products of values below 2^61 are kept instead in radix 2^31: with
 * x = x1 2^31 + x0 and w = w1 2^31 + w0 (x0, w0 < 2^31, x1, w1 < 2^30),
 * x w = x0 w0 + (x0 w1 + x1 w0) 2^31 + x1 w1 2^62, four 32 x 32-bit
 * products added into three 64-bit accumulators (lo, mid, hi). Carrying
 * lo and mid into the next one every 3 terms keeps them from overflowing
 * (2^31 + 3 2^62 < 2^64); hi grows by less than 2^60 a term, so after 12
 * terms the sum is reduced mod p and the accumulation starts over from it.
 */
#include "ckks/internal.h"

#if defined(__AVX512F__) && defined(__AVX512DQ__)

#include <immintrin.h>

#define INLINE static inline __attribute__((always_inline))

typedef __m512i vec;

#define M31 0x7fffffffLL

/* value = lo + mid 2^31 + hi 2^62 */
typedef struct {
    vec lo, mid, hi;
} acc3;

/* What reducing mod p needs: 2p, 4p, Shoup constants of 1 and 2^62. */
typedef struct {
    vec p, p2, p4, ws1, ws1_hi, c62, c62s, c62s_hi;
} modp;

/* The scalars behind a modp, computed once per modulus and call. */
typedef struct {
    uint64_t p, ws1, c62, c62s;
} modp_scalars;

static modp_scalars modp_scalars_make(const ckks_mod *m)
{
    uint64_t c62 = ckks_mod_reduce64((uint64_t)1 << 62, m);
    return (modp_scalars){m->q, ckks_shoup(1, m->q), c62, ckks_shoup(c62, m->q)};
}

INLINE modp modp_load(const modp_scalars *s)
{
    return (modp){
        _mm512_set1_epi64((long long)s->p),          _mm512_set1_epi64((long long)(2 * s->p)),
        _mm512_set1_epi64((long long)(4 * s->p)),    _mm512_set1_epi64((long long)s->ws1),
        _mm512_set1_epi64((long long)(s->ws1 >> 32)), _mm512_set1_epi64((long long)s->c62),
        _mm512_set1_epi64((long long)s->c62s),       _mm512_set1_epi64((long long)(s->c62s >> 32)),
    };
}

/* min(x, x - c): x - c if x >= c, else x */
INLINE vec csub(vec x, vec c)
{
    return _mm512_min_epu64(x, _mm512_sub_epi64(x, c));
}

/* floor(a ws / 2^64) minus 0, 1 or 2 (the dropped low products). */
INLINE vec shoup_quotient(vec a, vec ws, vec ws_hi)
{
    vec a_hi = _mm512_srli_epi64(a, 32);
    vec p01 = _mm512_mul_epu32(a, ws_hi);
    vec p10 = _mm512_mul_epu32(a_hi, ws);
    vec p11 = _mm512_mul_epu32(a_hi, ws_hi);
    return _mm512_add_epi64(p11, _mm512_add_epi64(_mm512_srli_epi64(p01, 32),
                                                  _mm512_srli_epi64(p10, 32)));
}

INLINE acc3 acc_zero(void)
{
    return (acc3){_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512()};
}

/* a += x w, w given as its halves (broadcast). */
INLINE void acc_mac(acc3 *a, vec x, vec w0, vec w1)
{
    vec x0 = _mm512_and_si512(x, _mm512_set1_epi64(M31)), x1 = _mm512_srli_epi64(x, 31);
    a->lo = _mm512_add_epi64(a->lo, _mm512_mul_epu32(x0, w0));
    a->mid = _mm512_add_epi64(a->mid, _mm512_add_epi64(_mm512_mul_epu32(x0, w1),
                                                       _mm512_mul_epu32(x1, w0)));
    a->hi = _mm512_add_epi64(a->hi, _mm512_mul_epu32(x1, w1));
}

/* Carry lo and mid up: both end below 2^31. */
INLINE void acc_norm(acc3 *a)
{
    const vec m31 = _mm512_set1_epi64(M31);
    a->mid = _mm512_add_epi64(a->mid, _mm512_srli_epi64(a->lo, 31));
    a->lo = _mm512_and_si512(a->lo, m31);
    a->hi = _mm512_add_epi64(a->hi, _mm512_srli_epi64(a->mid, 31));
    a->mid = _mm512_and_si512(a->mid, m31);
}

/* The value mod p in [0, p). */
INLINE vec acc_fold(acc3 *a, const modp *f)
{
    acc_norm(a);
    vec lo = _mm512_add_epi64(a->lo, _mm512_slli_epi64(a->mid, 31)); /* < 2^62 */
    vec r1 = _mm512_sub_epi64(lo, _mm512_mullo_epi64(shoup_quotient(lo, f->ws1, f->ws1_hi), f->p));
    vec r2 = _mm512_sub_epi64(_mm512_mullo_epi64(a->hi, f->c62),
                              _mm512_mullo_epi64(shoup_quotient(a->hi, f->c62s, f->c62s_hi), f->p));
    vec r = _mm512_add_epi64(r1, r2); /* each in [0, 4p) */
    return csub(csub(csub(r, f->p4), f->p2), f->p);
}

/* Where a sum stands: terms since the last carry, carries since the last
 * reduction (see the top of the file). */
typedef struct {
    int since_norm, since_fold;
} acc_count;

/* Bookkeeping after a term; `more`: whether terms follow. */
INLINE void acc_after(acc3 *a, acc_count *c, bool more, const modp *f)
{
    if (++c->since_norm < 3) return;
    c->since_norm = 0;
    if (++c->since_fold == 4 && more) {
        vec r = acc_fold(a, f);
        *a = acc_zero();
        a->lo = _mm512_and_si512(r, _mm512_set1_epi64(M31));
        a->mid = _mm512_srli_epi64(r, 31);
        c->since_fold = 0;
    } else {
        acc_norm(a);
    }
}

INLINE vec bcast(uint64_t x)
{
    return _mm512_set1_epi64((long long)x);
}

/* Per-target constants of a conversion, split once per call. */
typedef struct {
    uint64_t w0[CKKS_MAX_PRIMES + 1], w1[CKKS_MAX_PRIMES + 1];
    modp_scalars f;
} target_consts;

enum { TARGETS_MAX = 8, TARGETS_VEC = 4 };

/* a += x w for x split once (x0, x1) and w given by its halves. */
INLINE void acc_mac_split(acc3 *a, vec x0, vec x1, vec w0, vec w1)
{
    a->lo = _mm512_add_epi64(a->lo, _mm512_mul_epu32(x0, w0));
    a->mid = _mm512_add_epi64(a->mid, _mm512_add_epi64(_mm512_mul_epu32(x0, w1),
                                                       _mm512_mul_epu32(x1, w0)));
    a->hi = _mm512_add_epi64(a->hi, _mm512_mul_epu32(x1, w1));
}

/* Coefficients k..k+7 of nt <= TARGETS_VEC targets (nt a constant once
 * inlined): each source is loaded and split once for all of them, and
 * they share acc_after's schedule, which depends only on the term count. */
INLINE void conv_vec(const target_consts *tc, int nt, int nsrc, const uint64_t *y, size_t n,
                     const uint64_t *v, size_t k, uint64_t *const *out)
{
    const vec m31 = _mm512_set1_epi64(M31);
    const int nterms = nsrc + (v != NULL);
    acc3 a[TARGETS_VEC];
    for (int i = 0; i < nt; i++) a[i] = acc_zero();
    acc_count cnt = {0, 0};
    for (int s = 0; s < nterms; s++) {
        /* the correction v (-Q_S) is the last term */
        vec x = _mm512_loadu_si512(s < nsrc ? y + (size_t)s * n + k : v + k);
        vec x0 = _mm512_and_si512(x, m31), x1 = _mm512_srli_epi64(x, 31);
        for (int i = 0; i < nt; i++) acc_mac_split(&a[i], x0, x1, bcast(tc[i].w0[s]), bcast(tc[i].w1[s]));
        if (s + 1 == nterms) break;
        if (++cnt.since_norm < 3) continue;
        cnt.since_norm = 0;
        if (++cnt.since_fold == 4) {
            cnt.since_fold = 0;
            for (int i = 0; i < nt; i++) {
                const modp f = modp_load(&tc[i].f);
                vec r = acc_fold(&a[i], &f);
                a[i] = acc_zero();
                a[i].lo = _mm512_and_si512(r, m31);
                a[i].mid = _mm512_srli_epi64(r, 31);
            }
        } else {
            for (int i = 0; i < nt; i++) acc_norm(&a[i]);
        }
    }
    for (int i = 0; i < nt; i++) {
        const modp f = modp_load(&tc[i].f);
        _mm512_storeu_si512(out[i] + k, acc_fold(&a[i], &f));
    }
}

bool ckks_rns_conv_targets_avx512(const ckks_context *ctx, const ckks_rns_conv *c, const int *ts,
                                  int nt, const uint64_t *y, const uint64_t *v,
                                  uint64_t *const *out)
{
    size_t n = ctx->n;
    if (!ckks_cpu_has_avx512() || n % CKKS_RNS_BLOCK) return false;
    int nsrc = c->nsrc;
    target_consts tc[TARGETS_MAX];
    for (int i0 = 0; i0 < nt; i0 += TARGETS_MAX) {
        int ni = nt - i0 < TARGETS_MAX ? nt - i0 : TARGETS_MAX;
        for (int i = 0; i < ni; i++) {
            const uint64_t *w = c->hat + (size_t)ts[i0 + i] * (size_t)(nsrc + 1);
            tc[i].f = modp_scalars_make(&ctx->mod[c->dst[ts[i0 + i]]]);
            for (int s = 0; s <= nsrc; s++) {
                tc[i].w0[s] = w[s] & M31;
                tc[i].w1[s] = w[s] >> 31;
            }
        }
        /* blocks of coefficients, all targets per block: y stays in L1 */
        for (size_t k0 = 0; k0 < n; k0 += CKKS_RNS_BLOCK) {
            for (int i = 0; i < ni; i += TARGETS_VEC) {
                int m = ni - i < TARGETS_VEC ? ni - i : TARGETS_VEC;
                uint64_t *const *o = out + i0 + i;
                for (size_t k = k0; k < k0 + CKKS_RNS_BLOCK; k += 8) {
                    switch (m) {
                    case 1: conv_vec(tc + i, 1, nsrc, y, n, v, k, o); break;
                    case 2: conv_vec(tc + i, 2, nsrc, y, n, v, k, o); break;
                    case 3: conv_vec(tc + i, 3, nsrc, y, n, v, k, o); break;
                    default: conv_vec(tc + i, 4, nsrc, y, n, v, k, o); break;
                    }
                }
            }
        }
    }
    return true;
}

bool ckks_rns_conv_round_avx512(const ckks_rns_conv *c, const uint64_t *y, size_t stride,
                                size_t count, uint64_t *v)
{
    if (!ckks_cpu_has_avx512() || count % 8) return false;
    /* products then sums, in the scalar order: no fused multiply-add */
    for (size_t k = 0; k < count; k += 8) {
        __m512d f = _mm512_setzero_pd();
        for (int s = 0; s < c->nsrc; s++) {
            __m512d x = _mm512_cvtepu64_pd(_mm512_loadu_si512(y + (size_t)s * stride + k));
            f = _mm512_add_pd(f, _mm512_mul_pd(x, _mm512_set1_pd(c->inv_q[s])));
        }
        _mm512_storeu_si512(v + k, _mm512_cvt_roundpd_epu64(f, _MM_FROUND_TO_NEAREST_INT |
                                                                   _MM_FROUND_NO_EXC));
    }
    return true;
}

bool ckks_rns_mulsub_avx512(uint64_t q, uint64_t w, uint64_t ws, const uint64_t *a, uint64_t c,
                            const uint64_t *b, const uint64_t *d, size_t n, uint64_t *out)
{
    if (!ckks_cpu_has_avx512() || n % 8) return false;
    const vec vq = bcast(q), vq2 = bcast(2 * q), vw = bcast(w), vws = bcast(ws);
    const vec vws_hi = bcast(ws >> 32), vc = bcast(c);
    for (size_t k = 0; k < n; k += 8) {
        vec x = _mm512_add_epi64(_mm512_loadu_si512(a + k), vc);
        if (b) x = _mm512_sub_epi64(x, _mm512_loadu_si512(b + k));
        vec r = _mm512_sub_epi64(_mm512_mullo_epi64(x, vw),
                                 _mm512_mullo_epi64(shoup_quotient(x, vws, vws_hi), vq));
        r = csub(csub(r, vq2), vq); /* r was in [0, 4q) */
        if (d) r = csub(_mm512_add_epi64(r, _mm512_loadu_si512(d + k)), vq);
        _mm512_storeu_si512(out + k, r);
    }
    return true;
}

/* Eight entries of t at the indices idx. */
INLINE vec gather(const uint64_t *t, __m256i idx)
{
    return _mm512_i32gather_epi64(idx, (const void *)t, 8);
}

bool ckks_permute_add_avx512(uint64_t q, const uint32_t *perm, const uint64_t *x,
                             const uint64_t *y, const uint64_t *a, size_t n, uint64_t *out)
{
    if (!ckks_cpu_has_avx512() || n % 8 || n > INT32_MAX) return false;
    const vec vq = bcast(q);
    for (size_t k = 0; k < n; k += 8) {
        __m256i idx = _mm256_loadu_si256((const __m256i *)(perm + k));
        vec r = gather(x, idx);
        if (y) r = csub(_mm512_add_epi64(r, gather(y, idx)), vq);
        if (a) r = csub(_mm512_add_epi64(r, _mm512_loadu_si512(a + k)), vq);
        _mm512_storeu_si512(out + k, r);
    }
    return true;
}

bool ckks_ks_inner_product_avx512(const ckks_mod *m, size_t n, int nd, const uint64_t *const *d,
                                  const uint8_t *dshift, const uint64_t *const *b,
                                  const uint64_t *const *a, uint64_t *out0, uint64_t *out1)
{
    if (!ckks_cpu_has_avx512() || n % 8) return false;
    const modp_scalars fs = modp_scalars_make(m);
    const modp f = modp_load(&fs);
    const vec m31 = _mm512_set1_epi64(M31);
    for (size_t i = 0; i < n; i += 8) {
        acc3 s0 = acc_zero(), s1 = acc_zero();
        acc_count c0 = {0, 0}, c1 = {0, 0};
        for (int j = 0; j < nd; j++) {
            /* a compact limb: one value for all 8 lanes */
            vec x = dshift && dshift[j] ? _mm512_set1_epi64((long long)d[j][i >> dshift[j]])
                                        : _mm512_loadu_si512(d[j] + i);
            vec kb = _mm512_loadu_si512(b[j] + i), ka = _mm512_loadu_si512(a[j] + i);
            acc_mac(&s0, x, _mm512_and_si512(kb, m31), _mm512_srli_epi64(kb, 31));
            acc_mac(&s1, x, _mm512_and_si512(ka, m31), _mm512_srli_epi64(ka, 31));
            acc_after(&s0, &c0, j + 1 < nd, &f);
            acc_after(&s1, &c1, j + 1 < nd, &f);
        }
        _mm512_storeu_si512(out0 + i, acc_fold(&s0, &f));
        _mm512_storeu_si512(out1 + i, acc_fold(&s1, &f));
    }
    return true;
}

/* The accumulator of a residue r < 2^62. */
INLINE acc3 acc_from(vec r)
{
    acc3 a = acc_zero();
    a.lo = _mm512_and_si512(r, _mm512_set1_epi64(M31));
    a.mid = _mm512_srli_epi64(r, 31);
    return a;
}

/* a += x y for vectors; counted as one term by acc_after. */
INLINE void acc_mac_vec(acc3 *a, acc_count *c, vec x, vec y, const modp *f)
{
    const vec m31 = _mm512_set1_epi64(M31);
    acc_mac(a, x, _mm512_and_si512(y, m31), _mm512_srli_epi64(y, 31));
    acc_after(a, c, true, f);
}

bool ckks_sum_limb_eval_avx512(const ckks_mod *m, size_t n, const ckks_sum_limb *s)
{
    if (!ckks_cpu_has_avx512() || n % 8 || m->q >= (1ULL << 61)) return false;
    const modp_scalars fs = modp_scalars_make(m);
    const modp f = modp_load(&fs);
    const vec k = bcast(s->k);
    vec w0[CKKS_SUM_MAX], w1[CKKS_SUM_MAX];
    for (int t = 0; t < s->nt; t++) {
        w0[t] = bcast(s->w[t] & M31);
        w1[t] = bcast(s->w[t] >> 31);
    }
    for (size_t i = 0; i < n; i += 8) {
        acc3 s0, s1, s2;
        acc_count c0 = {0, 0}, c1 = {0, 0}, c2 = {0, 0};
        if (s->add) {
            s0 = acc_from(_mm512_add_epi64(_mm512_loadu_si512(s->y0 + i), k));
            s1 = acc_from(_mm512_loadu_si512(s->y1 + i));
            s2 = s->np ? acc_from(_mm512_loadu_si512(s->y2 + i)) : acc_zero();
        } else {
            s0 = acc_from(k);
            s1 = s2 = acc_zero();
        }
        for (int p = 0; p < s->np; p++) {
            vec a0 = _mm512_loadu_si512(s->u0[p] + i), a1 = _mm512_loadu_si512(s->u1[p] + i);
            vec b0 = _mm512_loadu_si512(s->v0[p] + i), b1 = _mm512_loadu_si512(s->v1[p] + i);
            /* a doubled product is added twice: operands stay below 2^61 */
            for (int r = 0; r <= s->twice[p]; r++) {
                acc_mac_vec(&s0, &c0, a0, b0, &f);
                acc_mac_vec(&s1, &c1, a0, b1, &f);
                acc_mac_vec(&s1, &c1, a1, b0, &f);
                acc_mac_vec(&s2, &c2, a1, b1, &f);
            }
        }
        for (int t = 0; t < s->nt; t++) {
            acc_mac(&s0, _mm512_loadu_si512(s->x0[t] + i), w0[t], w1[t]);
            acc_after(&s0, &c0, true, &f);
            acc_mac(&s1, _mm512_loadu_si512(s->x1[t] + i), w0[t], w1[t]);
            acc_after(&s1, &c1, true, &f);
        }
        _mm512_storeu_si512(s->y0 + i, acc_fold(&s0, &f));
        _mm512_storeu_si512(s->y1 + i, acc_fold(&s1, &f));
        if (s->np) _mm512_storeu_si512(s->y2 + i, acc_fold(&s2, &f));
    }
    return true;
}

/*
 * v mod q for signed v: the quotient from doubles (v / q < 2^28 for
 * q > 2^35, so off by at most one), the remainder exact in 64-bit
 * wrapping arithmetic, then one correction either way.
 */
bool ckks_mod_from_i64_avx512(const ckks_mod *m, const int64_t *v, size_t n, uint64_t *out)
{
    if (!ckks_cpu_has_avx512() || n % 8 || m->q < (1ULL << 35) || m->q >= (1ULL << 62))
        return false;
    const vec vq = bcast(m->q);
    const __m512d qinv = _mm512_set1_pd(1.0 / (double)m->q);
    for (size_t k = 0; k < n; k += 8) {
        vec x = _mm512_loadu_si512(v + k);
        __m512d f = _mm512_roundscale_pd(_mm512_mul_pd(_mm512_cvtepi64_pd(x), qinv),
                                         _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
        vec r = _mm512_sub_epi64(x, _mm512_mullo_epi64(_mm512_cvtpd_epi64(f), vq));
        /* r in [-q, 2q): add q below 0, then subtract it at or above q */
        r = _mm512_mask_add_epi64(r, _mm512_cmplt_epi64_mask(r, _mm512_setzero_si512()), r, vq);
        _mm512_storeu_si512(out + k, csub(r, vq));
    }
    return true;
}

#else

bool ckks_rns_conv_targets_avx512(const ckks_context *ctx, const ckks_rns_conv *c, const int *ts,
                                  int nt, const uint64_t *y, const uint64_t *v,
                                  uint64_t *const *out)
{
    (void)ctx, (void)c, (void)ts, (void)nt, (void)y, (void)v, (void)out;
    return false;
}

bool ckks_rns_conv_round_avx512(const ckks_rns_conv *c, const uint64_t *y, size_t stride,
                                size_t count, uint64_t *v)
{
    (void)c, (void)y, (void)stride, (void)count, (void)v;
    return false;
}

bool ckks_rns_mulsub_avx512(uint64_t q, uint64_t w, uint64_t ws, const uint64_t *a, uint64_t c,
                            const uint64_t *b, const uint64_t *d, size_t n, uint64_t *out)
{
    (void)q, (void)w, (void)ws, (void)a, (void)c, (void)b, (void)d, (void)n, (void)out;
    return false;
}

bool ckks_permute_add_avx512(uint64_t q, const uint32_t *perm, const uint64_t *x,
                             const uint64_t *y, const uint64_t *a, size_t n, uint64_t *out)
{
    (void)q, (void)perm, (void)x, (void)y, (void)a, (void)n, (void)out;
    return false;
}

bool ckks_ks_inner_product_avx512(const ckks_mod *m, size_t n, int nd, const uint64_t *const *d,
                                  const uint8_t *dshift, const uint64_t *const *b,
                                  const uint64_t *const *a, uint64_t *out0, uint64_t *out1)
{
    (void)m, (void)n, (void)nd, (void)d, (void)dshift, (void)b, (void)a, (void)out0, (void)out1;
    return false;
}

bool ckks_sum_limb_eval_avx512(const ckks_mod *m, size_t n, const ckks_sum_limb *s)
{
    (void)m, (void)n, (void)s;
    return false;
}

bool ckks_mod_from_i64_avx512(const ckks_mod *m, const int64_t *v, size_t n, uint64_t *out)
{
    (void)m, (void)v, (void)n, (void)out;
    return false;
}

#endif
