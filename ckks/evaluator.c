/* evaluator.c - arithmetic on ciphertexts: add, multiply, relinearize,
 * rescale, level management. Every operation checks its operands. */
#include "ckks/internal.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

/* Scales agree when equal to a relative 2^-40 (floating-point rounding of
 * exact tracking, not approximation). */
static bool same_scale(double a, double b)
{
    return fabs(a - b) <= ldexp(fmax(fabs(a), fabs(b)), -40);
}

static int check_ct(const ckks_context *ctx, const ckks_ciphertext *a)
{
    if (!ctx || !a) return CKKS_EINVAL;
    if (a->ctx != ctx) return CKKS_ECONTEXT;
    if (!a->c[0]) return CKKS_EINVAL;
    return 0;
}

static int check_pair(const ckks_context *ctx, const ckks_ciphertext *a, const ckks_ciphertext *b)
{
    int err = check_ct(ctx, a);
    if (!err) err = check_ct(ctx, b);
    if (err) return err;
    if (a->level != b->level) return CKKS_ELEVEL;
    if (a->log_slots != b->log_slots) return CKKS_ESLOTS;
    if (!same_scale(a->scale, b->scale)) return CKKS_ESCALE;
    return 0;
}

/* The output of an operation: of this context. */
static int check_out(const ckks_context *ctx, const ckks_ciphertext *out)
{
    if (!out) return CKKS_EINVAL;
    return out->ctx == ctx ? 0 : CKKS_ECONTEXT;
}

/* A plaintext may sit at a higher level: its lower limbs are the same. */
static int check_plain(const ckks_context *ctx, const ckks_ciphertext *a, const ckks_plaintext *p)
{
    int err = check_ct(ctx, a);
    if (err) return err;
    if (!p || !p->c) return CKKS_EINVAL;
    if (p->ctx != ctx) return CKKS_ECONTEXT;
    if (p->level < a->level) return CKKS_ELEVEL;
    if (p->log_slots != a->log_slots) return CKKS_ESLOTS;
    return 0;
}

/* Make out ready for a result of this level and size, copying metadata. */
static int prepare(ckks_ciphertext *out, int level, int size, double scale, int log_slots)
{
    int err = ckks_ciphertext_reserve(out, level, size);
    if (err) return err;
    out->level = level;
    out->size = size;
    out->scale = scale;
    out->log_slots = log_slots;
    out->seeded = false;
    return 0;
}

enum { OP_ADD, OP_SUB };

/* o = x +- y on limbs 0..level; a NULL operand counts as zero. */
/* o = x +- y on limbs 0..level; y's limbs hold N >> yshift words, value c
 * of limb i at y[i (N >> yshift) + (c >> yshift)] (a compact plaintext). */
static void limbs_add_sub(const ckks_context *ctx, int level, const uint64_t *x, const uint64_t *y,
                          int yshift, uint64_t *o, int op)
{
    size_t n = ctx->n;
#pragma omp parallel for schedule(static)
    for (int i = 0; i <= level; i++) {
        uint64_t q = ctx->mod[i].q;
        const uint64_t *xi = x ? x + (size_t)i * n : NULL, *yi = y ? y + (size_t)i * (n >> yshift) : NULL;
        uint64_t *oi = o + (size_t)i * n;
        for (size_t c = 0; c < n; c++) {
            uint64_t u = xi ? xi[c] : 0, v = yi ? yi[c >> yshift] : 0;
            oi[c] = op == OP_ADD ? ckks_mod_add(u, v, q) : ckks_mod_sub(u, v, q);
        }
    }
}

static int add_sub(const ckks_context *ctx, ckks_ciphertext *out, const ckks_ciphertext *a,
                   const ckks_ciphertext *b, int op)
{
    int err = check_pair(ctx, a, b);
    if (!err) err = check_out(ctx, out);
    if (err) return err;
    int sa = a->size, sb = b->size, size = sa > sb ? sa : sb;
    if ((err = prepare(out, a->level, size, a->scale, a->log_slots))) return err;
    for (int k = 0; k < size; k++)
        limbs_add_sub(ctx, a->level, k < sa ? a->c[k] : NULL, k < sb ? b->c[k] : NULL, 0, out->c[k],
                      op);
    return 0;
}

int ckks_add(const ckks_context *ctx, ckks_ciphertext *out, const ckks_ciphertext *a,
             const ckks_ciphertext *b)
{
    return add_sub(ctx, out, a, b, OP_ADD);
}

int ckks_sub(const ckks_context *ctx, ckks_ciphertext *out, const ckks_ciphertext *a,
             const ckks_ciphertext *b)
{
    return add_sub(ctx, out, a, b, OP_SUB);
}

int ckks_neg(const ckks_context *ctx, ckks_ciphertext *out, const ckks_ciphertext *a)
{
    int err = check_ct(ctx, a);
    if (!err) err = check_out(ctx, out);
    if (err) return err;
    if ((err = prepare(out, a->level, a->size, a->scale, a->log_slots))) return err;
    for (int k = 0; k < a->size; k++) limbs_add_sub(ctx, a->level, NULL, a->c[k], 0, out->c[k], OP_SUB);
    return 0;
}

static int add_sub_plain(const ckks_context *ctx, ckks_ciphertext *out, const ckks_ciphertext *a,
                         const ckks_plaintext *p, int op)
{
    int err = check_plain(ctx, a, p);
    if (!err) err = check_out(ctx, out);
    if (err) return err;
    if (!same_scale(a->scale, p->scale)) return CKKS_ESCALE;
    if (out != a) {
        if ((err = ckks_ciphertext_copy(out, a))) return err;
    }
    out->seeded = false;
    limbs_add_sub(ctx, a->level, out->c[0], p->c, p->shift, out->c[0], op);
    return 0;
}

int ckks_add_plain(const ckks_context *ctx, ckks_ciphertext *out, const ckks_ciphertext *a,
                   const ckks_plaintext *p)
{
    return add_sub_plain(ctx, out, a, p, OP_ADD);
}

int ckks_sub_plain(const ckks_context *ctx, ckks_ciphertext *out, const ckks_ciphertext *a,
                   const ckks_plaintext *p)
{
    return add_sub_plain(ctx, out, a, p, OP_SUB);
}

/*
 * The constant c = x + iy in every slot is the polynomial x + y X^(N/2)
 * (X^(N/2) is i at every slot's root). In the NTT domain X^(N/2) is
 * +I at indices below N/2 and -I above, I = psi^(N/2).
 */
static void const_ntt(const ckks_context *ctx, int i, double complex c, double scale,
                      uint64_t *lo, uint64_t *hi)
{
    const ckks_mod *m = &ctx->mod[i];
    uint64_t x = ckks_mod_from_double(creal(c) * scale, m);
    uint64_t y = ckks_mod_from_double(cimag(c) * scale, m);
    uint64_t yi = ckks_mod_mul(y, ckks_mod_pow(ctx->ntt[i].psi, ctx->n / 2, m), m);
    *lo = ckks_mod_add(x, yi, m->q);
    *hi = ckks_mod_sub(x, yi, m->q);
}

static int check_const(double complex c, double scale)
{
    double mag = fmax(fabs(creal(c)), fabs(cimag(c))) * scale;
    if (!isfinite(mag)) return CKKS_EINVAL;
    return 0;
}

int ckks_add_const(const ckks_context *ctx, ckks_ciphertext *out, const ckks_ciphertext *a,
                   double complex c)
{
    int err = check_ct(ctx, a);
    if (!err) err = check_out(ctx, out);
    if (!err) err = check_const(c, a->scale);
    if (err) return err;
    if (out != a && (err = ckks_ciphertext_copy(out, a))) return err;
    out->seeded = false;
    size_t n = ctx->n, half = n / 2;
#pragma omp parallel for schedule(static)
    for (int i = 0; i <= a->level; i++) {
        uint64_t q = ctx->mod[i].q, lo, hi;
        const_ntt(ctx, i, c, a->scale, &lo, &hi);
        uint64_t *o = out->c[0] + (size_t)i * n;
        for (size_t k = 0; k < half; k++) o[k] = ckks_mod_add(o[k], lo, q);
        for (size_t k = half; k < n; k++) o[k] = ckks_mod_add(o[k], hi, q);
    }
    return 0;
}

int ckks_mul(const ckks_context *ctx, ckks_ciphertext *out, const ckks_ciphertext *a,
             const ckks_ciphertext *b)
{
    int err = check_ct(ctx, a);
    if (!err) err = check_ct(ctx, b);
    if (!err) err = check_out(ctx, out);
    if (err) return err;
    if (a->level != b->level) return CKKS_ELEVEL;
    if (a->log_slots != b->log_slots) return CKKS_ESLOTS;
    if (a->size != 2 || b->size != 2) return CKKS_ESIZE;
    const uint64_t *a0 = a->c[0], *a1 = a->c[1], *b0 = b->c[0], *b1 = b->c[1];
    double scale = a->scale * b->scale;
    int level = a->level, ls = a->log_slots;
    if ((err = prepare(out, level, 3, scale, ls))) return err;
    /* reserve may have moved out's buffers: re-read aliased inputs */
    if (a == out) a0 = out->c[0], a1 = out->c[1];
    if (b == out) b0 = out->c[0], b1 = out->c[1];
    size_t n = ctx->n;
    ckks_count(ctx, ct_mults);
#pragma omp parallel for schedule(static)
    for (int i = 0; i <= level; i++) {
        const ckks_mod *m = &ctx->mod[i];
        size_t off = (size_t)i * n;
        for (size_t c = 0; c < n; c++) {
            uint64_t x0 = a0[off + c], x1 = a1[off + c], y0 = b0[off + c], y1 = b1[off + c];
            ckks_u128 mid = (ckks_u128)x0 * y1 + (ckks_u128)x1 * y0;
            out->c[0][off + c] = ckks_mod_mul(x0, y0, m);
            out->c[1][off + c] = ckks_mod_reduce128(mid, m);
            out->c[2][off + c] = ckks_mod_mul(x1, y1, m);
        }
    }
    return 0;
}

/* Relinearize a and, with `rescale`, rescale it in the same ModDown. */
static int relinearize(const ckks_context *ctx, ckks_ciphertext *out, const ckks_ciphertext *a,
                       const ckks_switch_key *rlk, bool rescale)
{
    int err = check_ct(ctx, a);
    if (!err) err = check_out(ctx, out);
    if (err) return err;
    if (!rlk || rlk->galois != 0) return CKKS_EKEY;
    if (rlk->hash != ctx->hash) return CKKS_ECONTEXT;
    if (a->size == 2 && rescale) return ckks_rescale(ctx, out, a);
    if (a->size == 2) return out == a ? 0 : ckks_ciphertext_copy(out, a);
    if (a->size != 3) return CKKS_ESIZE;
    int level = a->level;
    if (rescale && level < 1) return CKKS_ELEVEL;
    size_t words = ((size_t)level + 1) * ctx->n;
    uint64_t *k = ckks_scratch_alloc(ctx, 2 * words);
    if (!k) return CKKS_ENOMEM;
    if (rescale) {
        double scale = a->scale / (double)ctx->mod[level].q;
        int log_slots = a->log_slots;
        err = ckks_ks_switch(ctx, a->c[2], level, rlk, a->c[0], a->c[1], k, k + words);
        if (!err) err = ckks_ciphertext_reserve(out, level - 1, 2);
        if (!err) {
            size_t bytes = ((size_t)level * ctx->n) * sizeof *k;
            memcpy(out->c[0], k, bytes);
            memcpy(out->c[1], k + words, bytes);
            out->level = level - 1;
            out->size = 2;
            out->scale = scale;
            out->log_slots = log_slots;
            out->seeded = false;
            ckks_count(ctx, rescales);
        }
        ckks_scratch_free(ctx, k, 2 * words);
        return err;
    }
    err = ckks_ks_switch(ctx, a->c[2], level, rlk, NULL, NULL, k, k + words);
    if (!err && out != a) err = ckks_ciphertext_copy(out, a);
    if (!err) {
        out->size = 2;
        out->seeded = false;
#pragma omp parallel for schedule(static)
        for (int i = 0; i <= level; i++) {
            uint64_t q = ctx->mod[i].q;
            for (size_t c = (size_t)i * ctx->n; c < ((size_t)i + 1) * ctx->n; c++) {
                out->c[0][c] = ckks_mod_add(out->c[0][c], k[c], q);
                out->c[1][c] = ckks_mod_add(out->c[1][c], k[words + c], q);
            }
        }
    }
    ckks_scratch_free(ctx, k, 2 * words);
    return err;
}

int ckks_relinearize(const ckks_context *ctx, ckks_ciphertext *out, const ckks_ciphertext *a,
                     const ckks_switch_key *rlk)
{
    return relinearize(ctx, out, a, rlk, false);
}

int ckks_relinearize_rescale(const ckks_context *ctx, ckks_ciphertext *out,
                             const ckks_ciphertext *a, const ckks_switch_key *rlk)
{
    return relinearize(ctx, out, a, rlk, true);
}

int ckks_mul_relin(const ckks_context *ctx, ckks_ciphertext *out, const ckks_ciphertext *a,
                   const ckks_ciphertext *b, const ckks_switch_key *rlk)
{
    if (!rlk) return CKKS_EKEY;
    int err = ckks_mul(ctx, out, a, b);
    return err ? err : ckks_relinearize(ctx, out, out, rlk);
}

int ckks_mul_plain(const ckks_context *ctx, ckks_ciphertext *out, const ckks_ciphertext *a,
                   const ckks_plaintext *p)
{
    int err = check_plain(ctx, a, p);
    if (!err) err = check_out(ctx, out);
    if (err) return err;
    if (out != a && (err = ckks_ciphertext_copy(out, a))) return err;
    out->seeded = false;
    out->scale = a->scale * p->scale;
    ckks_count(ctx, pt_mults);
    size_t n = ctx->n;
    for (int k = 0; k < out->size; k++)
#pragma omp parallel for schedule(static)
        for (int i = 0; i <= out->level; i++) {
            const ckks_mod *m = &ctx->mod[i];
            uint64_t *o = out->c[k] + (size_t)i * n;
            const uint64_t *y = p->c + (size_t)i * ckks_plaintext_limb_words(p);
            for (size_t c = 0; c < n; c++) o[c] = ckks_mod_mul(o[c], y[c >> p->shift], m);
        }
    return 0;
}

/* out = a * (lo at indices < N/2, hi above), per limb. */
static int mul_ntt_const(const ckks_context *ctx, ckks_ciphertext *out, const ckks_ciphertext *a,
                         double complex c, double scale)
{
    int err = check_ct(ctx, a);
    if (!err) err = check_out(ctx, out);
    if (err) return err;
    if (out != a && (err = ckks_ciphertext_copy(out, a))) return err;
    out->seeded = false;
    size_t n = ctx->n, half = n / 2;
    for (int k = 0; k < out->size; k++)
#pragma omp parallel for schedule(static)
        for (int i = 0; i <= out->level; i++) {
            uint64_t q = ctx->mod[i].q, lo, hi;
            const_ntt(ctx, i, c, scale, &lo, &hi);
            uint64_t los = ckks_shoup(lo, q), his = ckks_shoup(hi, q);
            uint64_t *o = out->c[k] + (size_t)i * n;
            for (size_t j = 0; j < half; j++) o[j] = ckks_mul_shoup(o[j], lo, los, q);
            for (size_t j = half; j < n; j++) o[j] = ckks_mul_shoup(o[j], hi, his, q);
        }
    return 0;
}

int ckks_mul_int(const ckks_context *ctx, ckks_ciphertext *out, const ckks_ciphertext *a, int64_t k)
{
    /* exact: an int64 survives the double round trip only below 2^53 */
    if (k > (1LL << 53) || k < -(1LL << 53)) return CKKS_EINVAL;
    return mul_ntt_const(ctx, out, a, (double)k, 1.0);
}

int ckks_mul_const(const ckks_context *ctx, ckks_ciphertext *out, const ckks_ciphertext *a,
                   double complex c, double scale)
{
    int err = check_ct(ctx, a);
    if (err) return err;
    if (scale == 0) scale = (double)ctx->mod[a->level].q;
    if (!(scale > 0) || (err = check_const(c, scale))) return CKKS_EINVAL;
    double s = a->scale * scale;
    if ((err = mul_ntt_const(ctx, out, a, c, scale))) return err;
    out->scale = s;
    return 0;
}

int ckks_rescale(const ckks_context *ctx, ckks_ciphertext *out, const ckks_ciphertext *a)
{
    int err = check_ct(ctx, a);
    if (!err) err = check_out(ctx, out);
    if (err) return err;
    int l = a->level;
    if (l < 1) return CKKS_ELEVEL;
    if (out != a && (err = ckks_ciphertext_copy(out, a))) return err;
    size_t n = ctx->n;
    int size = out->size, nthreads = omp_get_max_threads();
    const ckks_mod *ml = &ctx->mod[l];
    uint64_t half = ml->q >> 1;
    uint64_t *last = ckks_scratch_alloc(ctx, (size_t)size * n);
    uint64_t *tmp = ckks_scratch_alloc(ctx, (size_t)nthreads * n);
    if (!last || !tmp) {
        ckks_scratch_free(ctx, last, (size_t)size * n);
        ckks_scratch_free(ctx, tmp, (size_t)nthreads * n);
        return CKKS_ENOMEM;
    }
    /* round(c / q_l): add q_l / 2 to c, then floor-divide */
#pragma omp parallel for schedule(static)
    for (int k = 0; k < size; k++) {
        uint64_t *lk = last + (size_t)k * n;
        memcpy(lk, out->c[k] + (size_t)l * n, n * sizeof(uint64_t));
        ckks_ntt_inverse(&ctx->ntt[l], lk);
        for (size_t c = 0; c < n; c++) lk[c] = ckks_mod_add(lk[c], half, ml->q);
    }
#pragma omp parallel for schedule(static)
    for (int u = 0; u < size * l; u++) {
        int k = u / l, i = u % l;
        const ckks_mod *m = &ctx->mod[i];
        const uint64_t *lk = last + (size_t)k * n;
        uint64_t *t = tmp + (size_t)omp_get_thread_num() * n, *o = out->c[k] + (size_t)i * n;
        /* (last - half) mod q_i, for any last < 2^63 */
        ckks_rns_mulsub(m->q, 1, ckks_shoup(1, m->q), lk, m->q - ckks_mod_reduce64(half, m), NULL, NULL, n, t);
        ckks_ntt_forward(&ctx->ntt[i], t);
        ckks_rns_mulsub(m->q, ctx->rescale_inv[l][i], ctx->rescale_inv_shoup[l][i], o, m->q, t, NULL, n, o);
    }
    ckks_scratch_free(ctx, last, (size_t)size * n);
    ckks_scratch_free(ctx, tmp, (size_t)nthreads * n);
    ckks_count(ctx, rescales);
    out->level = l - 1;
    out->scale = a->scale / (double)ml->q;
    out->seeded = false;
    return 0;
}

int ckks_drop_level(const ckks_context *ctx, ckks_ciphertext *ct, int levels)
{
    int err = check_ct(ctx, ct);
    if (err) return err;
    if (levels < 0 || levels > ct->level) return CKKS_ELEVEL;
    ct->level -= levels;
    if (levels) ct->seeded = false;
    return 0;
}

int ckks_set_level(const ckks_context *ctx, ckks_ciphertext *ct, int level)
{
    int err = check_ct(ctx, ct);
    if (err) return err;
    if (level < 0 || level > ct->level) return CKKS_ELEVEL;
    return ckks_drop_level(ctx, ct, ct->level - level);
}

/* ModRaise of a into out; with x, also a's components' centered
 * coefficients mod q_0 (size N words each, x owned by the caller). */
static int mod_raise(const ckks_context *ctx, ckks_ciphertext *out, const ckks_ciphertext *a,
                     int64_t **xout)
{
    int err = check_ct(ctx, a);
    if (!err) err = check_out(ctx, out);
    if (err) return err;
    if (a->level != 0) return CKKS_ELEVEL;
    if (a->size != 2) return CKKS_ESIZE;
    int top = ctx->nq - 1, size = a->size;
    size_t n = ctx->n;
    const ckks_mod *m0 = &ctx->mod[0];
    int64_t *x = malloc((size_t)size * n * sizeof *x);
    uint64_t *t = aligned_alloc(64, n * sizeof *t);
    if (!x || !t) {
        free(x);
        free(t);
        return CKKS_ENOMEM;
    }
    /* centered coefficients of each component mod q_0 */
    for (int k = 0; k < size; k++) {
        memcpy(t, a->c[k], n * sizeof *t);
        ckks_ntt_inverse(&ctx->ntt[0], t);
        for (size_t c = 0; c < n; c++)
            x[(size_t)k * n + c] = t[c] > m0->q / 2 ? (int64_t)t[c] - (int64_t)m0->q : (int64_t)t[c];
    }
    free(t);
    double scale = a->scale;
    int log_slots = a->log_slots;
    if ((err = prepare(out, top, size, scale, log_slots))) {
        free(x);
        return err;
    }
    int limbs[CKKS_MAX_PRIMES];
    for (int i = 0; i <= top; i++) limbs[i] = i;
    for (int k = 0; k < size; k++) ckks_small_to_ntt(ctx, x + (size_t)k * n, limbs, top + 1, out->c[k]);
    if (xout) *xout = x;
    else free(x);
    return 0;
}

int ckks_mod_raise(const ckks_context *ctx, ckks_ciphertext *out, const ckks_ciphertext *a)
{
    return mod_raise(ctx, out, a, NULL);
}

int ckks_mod_raise_decomposed(const ckks_context *ctx, ckks_ciphertext *out,
                              ckks_decomposition **d, const ckks_ciphertext *a)
{
    if (!d) return CKKS_EINVAL;
    *d = NULL;
    int64_t *x;
    int err = mod_raise(ctx, out, a, &x);
    if (err) return err;
    int top = ctx->nq - 1, ext = top + 1 + ctx->np;
    size_t n = ctx->n, words = (size_t)(top + 1) * n;
    ckks_decomposition *dec = calloc(1, sizeof *dec);
    uint64_t *digit = ckks_scratch_alloc(ctx, (size_t)ext * n);
    if (!dec || !digit) {
        free(dec);
        ckks_scratch_free(ctx, digit, (size_t)ext * n);
        free(x);
        return CKKS_ENOMEM;
    }
    /* |c1| < q_0 / 2: c1 is exactly its own digit on Q and on P */
    memcpy(digit, out->c[1], words * sizeof *digit);
    int limbs[CKKS_MAX_PRIMES];
    for (int t = 0; t < ctx->np; t++) limbs[t] = ctx->nq + t;
    ckks_small_to_ntt(ctx, x + n, limbs, ctx->np, digit + words);
    free(x);
    dec->ctx = ctx;
    dec->hash = ctx->hash;
    dec->d = (ckks_ks_decomp){.level = top, .ndigits = 1, .ext = ext, .raised = true, .d = digit};
    ckks_count(ctx, decompositions);
    *d = dec;
    return 0;
}
