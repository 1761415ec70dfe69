/* keyswitch.c - hybrid key switching: digit decomposition, ModUp, inner
 * product with the key, ModDown.
 *
 * Work is split by limb of Q_level u P so that each limb goes through its
 * conversion, NTT and inner product while it is in cache, and so that
 * scratch stays small: a single switch never stores the decomposition. */
#include "ckks/internal.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

/* Absolute modulus index of limb e of the basis Q_level u P. */
static inline int ext_mod(const ckks_context *ctx, int level, int e)
{
    return e <= level ? e : ctx->nq + (e - level - 1);
}

/* The conversions of one key switch at `level`: digit j's limbs to the
 * other limbs of Q_level u P (ModUp), and P to Q_level (ModDown). */
typedef struct {
    int level, ext, ndigits;
    bool rescale;      /* ModDown also divides by q_level (to Q_{level-1}) */
    ckks_rns_conv *up; /* ndigits; NULL when only ModDown is needed */
    ckks_rns_conv down;
} ks_plan;

static void plan_clear(ks_plan *p)
{
    if (p->up)
        for (int j = 0; j < p->ndigits; j++) ckks_rns_conv_clear(&p->up[j]);
    free(p->up);
    ckks_rns_conv_clear(&p->down);
}

static int digit_lo(const ckks_context *ctx, int j) { return j * ctx->alpha; }

static int digit_hi(const ckks_context *ctx, int level, int j)
{
    int hi = (j + 1) * ctx->alpha;
    return hi <= level + 1 ? hi : level + 1;
}

static int plan_init(const ckks_context *ctx, int level, bool with_up, bool rescale, ks_plan *p)
{
    memset(p, 0, sizeof *p);
    p->level = level;
    p->ext = level + 1 + ctx->np;
    p->ndigits = (level + ctx->alpha) / ctx->alpha;
    p->rescale = rescale;
    int src[CKKS_MAX_PRIMES], dst[CKKS_MAX_PRIMES];
    for (int t = 0; t < ctx->np; t++) src[t] = ctx->nq + t;
    src[ctx->np] = level; /* with rescale */
    for (int i = 0; i <= level; i++) dst[i] = i;
    int err = ckks_rns_conv_init(ctx, &p->down, src, ctx->np + rescale, dst, level + 1 - rescale);
    if (err || !with_up) return err;
    p->up = calloc((size_t)p->ndigits, sizeof *p->up);
    if (!p->up) {
        plan_clear(p);
        return CKKS_ENOMEM;
    }
    for (int j = 0; j < p->ndigits && !err; j++) {
        int lo = digit_lo(ctx, j), hi = digit_hi(ctx, level, j), ndst = 0;
        for (int s = lo; s < hi; s++) src[s - lo] = s;
        for (int e = 0; e < p->ext; e++)
            if (e < lo || e >= hi) dst[ndst++] = ext_mod(ctx, level, e);
        err = ckks_rns_conv_init(ctx, &p->up[j], src, hi - lo, dst, ndst);
    }
    if (err) plan_clear(p);
    return err;
}

/* y = the coefficients of c (limbs 0..level), each scaled as a source of
 * its digit's conversion. */
/*
 * y: the coefficients of c (limbs 0..level), each scaled as a source of
 * its digit's conversion; v (ndigits * N): per digit, the multiple of Q_j
 * that makes the raised digit the centered representative of c mod Q_j.
 * Centered digits matter: digits in [0, Q_j) have a mean of Q_j / 2, and
 * that constant part times the key's error is a polynomial whose slot
 * values reach about N / pi times the error's, several bits of precision.
 */
static void modup_sources(const ckks_context *ctx, const ks_plan *p, const uint64_t *c, uint64_t *y,
                          uint64_t *v)
{
    size_t n = ctx->n;
#pragma omp parallel for schedule(static)
    for (int i = 0; i <= p->level; i++) {
        uint64_t *yi = y + (size_t)i * n;
        memcpy(yi, c + (size_t)i * n, n * sizeof(uint64_t));
        ckks_ntt_inverse(&ctx->ntt[i], yi);
        ckks_rns_conv_scale(ctx, &p->up[i / ctx->alpha], i % ctx->alpha, yi, yi);
    }
    enum { CHUNK = 1024 };
    size_t nchunks = (n + CHUNK - 1) / CHUNK;
#pragma omp parallel for schedule(static)
    for (size_t u = 0; u < (size_t)p->ndigits * nchunks; u++) {
        size_t j = u / nchunks, k0 = (u % nchunks) * CHUNK;
        size_t count = n - k0 < CHUNK ? n - k0 : CHUNK;
        ckks_rns_conv_round(&p->up[j], y + (size_t)digit_lo(ctx, (int)j) * n + k0, n, count,
                            v + j * n + k0);
    }
}

static bool in_digit(const ckks_context *ctx, int j, int e)
{
    return e / ctx->alpha == j;
}

/* At most this many ext limbs per work item: one pass over a digit's
 * sources serves all of them, and their digits stay few enough to remain
 * in cache. */
enum { GROUP = 4 };

/* Work items: group g holds the ext limbs e = g mod ngroups, so that each
 * mixes Q and P limbs (P limbs take one more conversion), and there are a
 * multiple of the thread count of them. */
static int group_count(int ext)
{
    int threads = omp_get_max_threads(), g = (ext + GROUP - 1) / GROUP;
    return (g + threads - 1) / threads * threads;
}

static int group_limbs(int ext, int ngroups, int g, int *es)
{
    int ne = 0;
    for (int e = g; e < ext && ne < GROUP; e += ngroups) es[ne++] = e;
    return ne;
}

/* Limbs es[0..ne-1] of digit j raised to Q_level u P (NTT form) into
 * out[0..ne-1]; those of digit j itself are skipped. */
static void modup_group(const ckks_context *ctx, const ks_plan *p, const uint64_t *y,
                        const uint64_t *v, int j,
                        const int *es, int ne, uint64_t *const *out)
{
    int lo = digit_lo(ctx, j), hi = digit_hi(ctx, p->level, j), ts[GROUP] = {0}, nt = 0;
    uint64_t *o[GROUP] = {0};
    for (int i = 0; i < ne; i++) {
        if (es[i] >= lo && es[i] < hi) continue;
        ts[nt] = es[i] < lo ? es[i] : es[i] - (hi - lo);
        o[nt++] = out[i];
    }
    ckks_rns_conv_targets(ctx, &p->up[j], ts, nt, y + (size_t)lo * ctx->n, v + (size_t)j * ctx->n, o);
    for (int i = 0; i < ne; i++)
        if (es[i] < lo || es[i] >= hi) ckks_ntt_forward(&ctx->ntt[ext_mod(ctx, p->level, es[i])], out[i]);
}

void ckks_ks_decomp_clear(const ckks_context *ctx, ckks_ks_decomp *d)
{
    if (!d) return;
    ckks_scratch_free(ctx, d->d, (size_t)d->ndigits * (size_t)d->ext * ctx->n);
    memset(d, 0, sizeof *d);
}

int ckks_ks_decompose(const ckks_context *ctx, const uint64_t *c, int level, ckks_ks_decomp *out)
{
    size_t n = ctx->n;
    memset(out, 0, sizeof *out);
    ks_plan p;
    int err = plan_init(ctx, level, true, false, &p);
    if (err) return err;
    int ext = p.ext, nd = p.ndigits;
    size_t dwords = (size_t)nd * (size_t)ext * n, ywords = ((size_t)level + 1 + (size_t)nd) * n;
    uint64_t *d = ckks_scratch_alloc(ctx, dwords), *y = ckks_scratch_alloc(ctx, ywords);
    if (!d || !y) {
        ckks_scratch_free(ctx, d, dwords);
        ckks_scratch_free(ctx, y, ywords);
        plan_clear(&p);
        return CKKS_ENOMEM;
    }
    uint64_t *v = y + ((size_t)level + 1) * n;
    modup_sources(ctx, &p, c, y, v);
    int ngroups = group_count(ext);
#pragma omp parallel for schedule(dynamic, 1)
    for (int u = 0; u < nd * ngroups; u++) {
        int j = u / ngroups, es[GROUP], ne = group_limbs(ext, ngroups, u % ngroups, es);
        uint64_t *o[GROUP];
        for (int i = 0; i < ne; i++) {
            o[i] = d + ((size_t)j * ext + (size_t)es[i]) * n;
            /* the digit's own limbs are exact: copied in NTT form */
            if (es[i] <= level && in_digit(ctx, j, es[i]))
                memcpy(o[i], c + (size_t)es[i] * n, n * sizeof(uint64_t));
        }
        modup_group(ctx, &p, y, v, j, es, ne, o);
    }
    ckks_scratch_free(ctx, y, ywords);
    plan_clear(&p);
    ckks_count(ctx, decompositions);
    out->level = level;
    out->ndigits = nd;
    out->ext = ext;
    out->d = d;
    return 0;
}

/* Words of per-thread room to regenerate the a halves of nd digits of
 * one limb, where some key is compact (ckks_switch_key_a_limb). */
static size_t regen_words(const ckks_context *ctx, bool compact, int nd)
{
    return compact ? (size_t)omp_get_max_threads() * (size_t)nd * ctx->n : 0;
}

/* This thread's part of that room. */
static uint64_t *regen_room(const ckks_context *ctx, uint64_t *room, int nd)
{
    return room + (size_t)omp_get_thread_num() * (size_t)nd * ctx->n;
}

/* Inner product of limb e's digits with the key: Q limbs go to out0/out1,
 * P limbs to x_p (np limbs for out0, then np for out1); room as
 * regen_room's. */
static void inner_limb(const ckks_context *ctx, int level, int e, const uint64_t *const *digits,
                       int nd, const ckks_switch_key *k, uint64_t *out0, uint64_t *out1,
                       uint64_t *x_p, uint64_t *room)
{
    size_t n = ctx->n, np = (size_t)ctx->np;
    int mi = ext_mod(ctx, level, e);
    const uint64_t *kb[CKKS_MAX_PRIMES], *ka[CKKS_MAX_PRIMES];
    for (int j = 0; j < nd; j++) kb[j] = k->b[j] + ckks_key_offset(ctx, k, mi);
    ckks_switch_key_a_limb(ctx, k, mi, nd, room, ka);
    uint64_t *o0, *o1;
    if (e <= level) {
        o0 = out0 + (size_t)e * n;
        o1 = out1 + (size_t)e * n;
    } else {
        o0 = x_p + (size_t)(e - level - 1) * n;
        o1 = o0 + np * n;
    }
    ckks_ks_inner_product(&ctx->mod[mi], n, nd, digits, NULL, kb, ka, o0, o1);
}

/*
 * (x_q, x_p) over Q_level u P (NTT) -> (x_q - Conv_P->Q([x_p]_P)) P^-1 over
 * Q_level, in place in out0 and out1 (x_p: np limbs for each; destroyed).
 * With p->rescale, limb `level` of x_q joins the sources: the division is
 * by P q_level, onto Q_{level-1}, a ModDown and a rescale for the price of
 * one (limb `level` of out0 and out1 is destroyed).
 */
static int mod_down(const ckks_context *ctx, const ks_plan *p, uint64_t *out0, uint64_t *out1,
                    uint64_t *x_p)
{
    size_t n = ctx->n;
    int np = ctx->np, ns = p->down.nsrc, level = p->level, nthreads = omp_get_max_threads();
    int ntargets = p->down.ndst;
    size_t twords = (size_t)nthreads * GROUP * n, ywords = p->rescale ? 2 * (size_t)ns * n : 0;
    uint64_t *v = ckks_scratch_alloc(ctx, 2 * n), *tmp = ckks_scratch_alloc(ctx, twords);
    uint64_t *y = p->rescale ? ckks_scratch_alloc(ctx, ywords) : x_p;
    if (!v || !tmp || !y) {
        ckks_scratch_free(ctx, v, 2 * n);
        ckks_scratch_free(ctx, tmp, twords);
        if (p->rescale) ckks_scratch_free(ctx, y, ywords);
        return CKKS_ENOMEM;
    }
    /* the sources of each component, contiguous */
    for (int comp = 0; p->rescale && comp < 2; comp++) {
        memcpy(y + (size_t)comp * ns * n, x_p + (size_t)comp * np * n, (size_t)np * n * sizeof *y);
        memcpy(y + ((size_t)comp * ns + np) * n, (comp ? out1 : out0) + (size_t)level * n,
               n * sizeof *y);
    }
#pragma omp parallel for schedule(static)
    for (int u = 0; u < 2 * ns; u++) {
        uint64_t *x = y + (size_t)u * n;
        ckks_ntt_inverse(&ctx->ntt[p->down.src[u % ns]], x);
        ckks_rns_conv_scale(ctx, &p->down, u % ns, x, x);
    }
    /* centered: ModDown then rounds, so its error is at most 1/2 */
    enum { CHUNK = 1024 };
    size_t nchunks = (n + CHUNK - 1) / CHUNK;
#pragma omp parallel for schedule(static)
    for (size_t u = 0; u < 2 * nchunks; u++) {
        size_t comp = u / nchunks, k0 = (u % nchunks) * CHUNK;
        size_t count = n - k0 < CHUNK ? n - k0 : CHUNK;
        ckks_rns_conv_round(&p->down, y + comp * (size_t)ns * n + k0, n, count, v + comp * n + k0);
    }
    int ngroups = (ntargets + GROUP - 1) / GROUP;
#pragma omp parallel for schedule(dynamic, 1)
    for (int u = 0; u < 2 * ngroups; u++) {
        int comp = u / ngroups, i0 = u % ngroups * GROUP;
        int ni = ntargets - i0 < GROUP ? ntargets - i0 : GROUP, ts[GROUP];
        uint64_t *t[GROUP];
        for (int i = 0; i < ni; i++) {
            ts[i] = i0 + i;
            t[i] = tmp + ((size_t)omp_get_thread_num() * GROUP + (size_t)i) * n;
        }
        ckks_rns_conv_targets(ctx, &p->down, ts, ni, y + (size_t)comp * (size_t)ns * n,
                              v + (size_t)comp * n, t);
        for (int i = 0; i < ni; i++) {
            const ckks_mod *m = &ctx->mod[i0 + i];
            uint64_t w = ctx->p_inv_mod_q[i0 + i], ws = ctx->p_inv_mod_q_shoup[i0 + i];
            if (p->rescale) {
                w = ckks_mod_mul(w, ctx->rescale_inv[level][i0 + i], m);
                ws = ckks_shoup(w, m->q);
            }
            uint64_t *o = (comp ? out1 : out0) + (size_t)(i0 + i) * n;
            ckks_ntt_forward(&ctx->ntt[i0 + i], t[i]);
            ckks_rns_mulsub(m->q, w, ws, o, m->q, t[i], NULL, n, o);
        }
    }
    ckks_scratch_free(ctx, v, 2 * n);
    ckks_scratch_free(ctx, tmp, twords);
    if (p->rescale) ckks_scratch_free(ctx, y, ywords);
    return 0;
}

/* 0 when k serves a decomposition at `level` with `digits` digits (one
 * exact digit when raised): a one-digit key serves raised decompositions
 * only, an ordinary key every decomposition but a raised one above one
 * digit's primes. */
static int key_fits(const ckks_context *ctx, const ckks_switch_key *k, int level, int digits,
                    bool raised)
{
    if (k->hash != ctx->hash) return CKKS_ECONTEXT;
    if (k->level < level) return CKKS_ELEVEL;
    return (raised ? k->dnum == 1 : k->dnum >= digits) ? 0 : CKKS_EKEY;
}

int ckks_ks_apply(const ckks_context *ctx, const ckks_ks_decomp *d, const ckks_switch_key *k,
                  uint64_t *out0, uint64_t *out1)
{
    int err = key_fits(ctx, k, d->level, d->ndigits, d->raised);
    if (err) return err;
    size_t n = ctx->n;
    int level = d->level, ext = d->ext, nd = d->ndigits;
    ks_plan p;
    err = plan_init(ctx, level, false, false, &p);
    if (err) return err;
    size_t xwords = 2 * (size_t)ctx->np * n, rwords = regen_words(ctx, !k->a, nd);
    uint64_t *x_p = ckks_scratch_alloc(ctx, xwords), *room = ckks_scratch_alloc(ctx, rwords);
    if (!x_p || !room) {
        err = CKKS_ENOMEM;
        goto done;
    }
#pragma omp parallel for schedule(static)
    for (int e = 0; e < ext; e++) {
        const uint64_t *digits[CKKS_MAX_PRIMES];
        for (int j = 0; j < nd; j++) digits[j] = d->d + ((size_t)j * ext + e) * n;
        inner_limb(ctx, level, e, digits, nd, k, out0, out1, x_p, regen_room(ctx, room, nd));
    }
    ckks_count(ctx, key_switches);
    err = mod_down(ctx, &p, out0, out1, x_p);
done:
    ckks_scratch_free(ctx, x_p, xwords);
    ckks_scratch_free(ctx, room, rwords);
    plan_clear(&p);
    return err;
}

/* out_k += P add_k over limbs 0..level (NTT domain; add1 may be NULL). */
static void add_times_p(const ckks_context *ctx, int level, uint64_t *out0, uint64_t *out1,
                        const uint64_t *add0, const uint64_t *add1)
{
    size_t n = ctx->n;
#pragma omp parallel for schedule(static)
    for (int u = 0; u < 2 * (level + 1); u++) {
        int i = u % (level + 1);
        const ckks_mod *m = &ctx->mod[i];
        uint64_t pm = ckks_mod_inv(ctx->p_inv_mod_q[i], m), pms = ckks_shoup(pm, m->q);
        const uint64_t *add = u > level ? add1 : add0;
        if (!add) continue;
        uint64_t *o = (u > level ? out1 : out0) + (size_t)i * n;
        ckks_rns_mulsub(m->q, pm, pms, add + (size_t)i * n, 0, NULL, o, n, o);
    }
}

/* ModUp of c and inner product with k (which fits p->level): the Q limbs
 * of the result in out0/out1, the P limbs in x_p (np for each). */
static int switch_qp(const ckks_context *ctx, const ks_plan *p, const uint64_t *c,
                     const ckks_switch_key *k, uint64_t *out0, uint64_t *out1, uint64_t *x_p)
{
    size_t n = ctx->n;
    int level = p->level, ext = p->ext, nd = p->ndigits, nthreads = omp_get_max_threads();
    size_t ywords = ((size_t)level + 1 + (size_t)nd) * n;
    size_t twords = (size_t)nthreads * (size_t)nd * GROUP * n, rwords = regen_words(ctx, !k->a, nd);
    uint64_t *y = ckks_scratch_alloc(ctx, ywords), *tmp = ckks_scratch_alloc(ctx, twords);
    uint64_t *room = ckks_scratch_alloc(ctx, rwords);
    int err = y && tmp && room ? 0 : CKKS_ENOMEM;
    if (!err) {
        uint64_t *v = y + ((size_t)level + 1) * n;
        modup_sources(ctx, p, c, y, v);
        /* group by group: each digit's limbs are raised, then used at once */
        int ngroups = group_count(ext);
#pragma omp parallel for schedule(dynamic, 1)
        for (int g = 0; g < ngroups; g++) {
            int es[GROUP], ne = group_limbs(ext, ngroups, g, es);
            uint64_t *t = tmp + (size_t)omp_get_thread_num() * (size_t)nd * GROUP * n;
            const uint64_t *digits[GROUP][CKKS_MAX_PRIMES];
            for (int j = 0; j < nd; j++) {
                uint64_t *o[GROUP];
                for (int i = 0; i < ne; i++) {
                    o[i] = t + ((size_t)j * GROUP + (size_t)i) * n;
                    digits[i][j] = es[i] <= level && in_digit(ctx, j, es[i]) ? c + (size_t)es[i] * n : o[i];
                }
                modup_group(ctx, p, y, v, j, es, ne, o);
            }
            for (int i = 0; i < ne; i++)
                inner_limb(ctx, level, es[i], digits[i], nd, k, out0, out1, x_p,
                           regen_room(ctx, room, nd));
        }
        ckks_count(ctx, decompositions);
        ckks_count(ctx, key_switches);
    }
    ckks_scratch_free(ctx, y, ywords);
    ckks_scratch_free(ctx, tmp, twords);
    ckks_scratch_free(ctx, room, rwords);
    return err;
}

int ckks_ks_switch(const ckks_context *ctx, const uint64_t *c, int level, const ckks_switch_key *k,
                   const uint64_t *add0, const uint64_t *add1, uint64_t *out0, uint64_t *out1)
{
    int err = key_fits(ctx, k, level, ckks_key_digits(ctx, level), false);
    if (err) return err;
    if (add0 && level < 1) return CKKS_ELEVEL;
    ks_plan p;
    err = plan_init(ctx, level, true, add0 != NULL, &p);
    if (err) return err;
    size_t xwords = 2 * (size_t)ctx->np * ctx->n;
    uint64_t *x_p = ckks_scratch_alloc(ctx, xwords);
    err = x_p ? switch_qp(ctx, &p, c, k, out0, out1, x_p) : CKKS_ENOMEM;
    if (!err && add0) add_times_p(ctx, level, out0, out1, add0, add1);
    if (!err) err = mod_down(ctx, &p, out0, out1, x_p);
    ckks_scratch_free(ctx, x_p, xwords);
    plan_clear(&p);
    return err;
}

int ckks_ks_mod_down(const ckks_context *ctx, int level, const uint64_t *p0, const uint64_t *p1,
                     uint64_t *out0, uint64_t *out1)
{
    ks_plan p;
    int err = plan_init(ctx, level, false, false, &p);
    if (err) return err;
    size_t pw = (size_t)ctx->np * ctx->n;
    uint64_t *x_p = ckks_scratch_alloc(ctx, 2 * pw);
    if (x_p) {
        memcpy(x_p, p0, pw * sizeof *x_p);
        memcpy(x_p + pw, p1, pw * sizeof *x_p);
        err = mod_down(ctx, &p, out0, out1, x_p);
    } else {
        err = CKKS_ENOMEM;
    }
    ckks_scratch_free(ctx, x_p, 2 * pw);
    plan_clear(&p);
    return err;
}

int ckks_ks_rotate_add(const ckks_context *ctx, const uint64_t *c0, const uint64_t *c1, int level,
                       const ckks_switch_key *k, const uint32_t *perm, const uint64_t *add0,
                       const uint64_t *add1, uint64_t *out0, uint64_t *out1)
{
    int err = key_fits(ctx, k, level, ckks_key_digits(ctx, level), false);
    if (err) return err;
    ks_plan p;
    err = plan_init(ctx, level, true, false, &p);
    if (err) return err;
    size_t n = ctx->n, np = (size_t)ctx->np, q = (size_t)level + 1;
    size_t xwords = 2 * np * n, twords = (size_t)omp_get_max_threads() * n;
    uint64_t *x_p = ckks_scratch_alloc(ctx, xwords), *tmp = ckks_scratch_alloc(ctx, twords);
    err = x_p && tmp ? switch_qp(ctx, &p, c1, k, out0, out1, x_p) : CKKS_ENOMEM;
    if (!err) {
        /* sigma on every limb of both components, then the sum added */
#pragma omp parallel for schedule(static)
        for (size_t u = 0; u < 2 * (q + np); u++) {
            size_t comp = u / (q + np), e = u % (q + np);
            uint64_t *x = e < q ? (comp ? out1 : out0) + e * n : x_p + (comp * np + e - q) * n;
            const uint64_t *a = (comp ? add1 : add0) + e * n;
            uint64_t *t = tmp + (size_t)omp_get_thread_num() * n;
            memcpy(t, x, n * sizeof *t);
            ckks_permute_add(ctx->mod[ext_mod(ctx, level, (int)e)].q, perm, t, NULL, a, n, x);
        }
        err = mod_down(ctx, &p, out0, out1, x_p);
    }
    /* P sigma(c0) would add exactly sigma(c0) after the division by P */
    if (!err) {
#pragma omp parallel for schedule(static)
        for (size_t e = 0; e < q; e++) {
            uint64_t *o = out0 + e * n;
            ckks_permute_add(ctx->mod[e].q, perm, c0 + e * n, NULL, o, n, o);
        }
    }
    ckks_scratch_free(ctx, x_p, xwords);
    ckks_scratch_free(ctx, tmp, twords);
    plan_clear(&p);
    return err;
}

int ckks_ks_rotate_mul_sums(const ckks_context *ctx, const ckks_ks_decomp *d, const uint64_t *c0,
                            const uint64_t *c1, int nb, const ckks_switch_key *const *keys,
                            const uint32_t *const *perms, int ng,
                            const ckks_plaintext *const *pt, bool keep_p, uint64_t *const *out0,
                            uint64_t *const *out1)
{
    size_t n = ctx->n, np = (size_t)ctx->np;
    int level = d->level, ext = d->ext, nd = d->ndigits, nthreads = omp_get_max_threads();
    bool compact = false;
    for (int b = 0; b < nb; b++) {
        int err = keys[b] ? key_fits(ctx, keys[b], level, nd, d->raised) : 0;
        if (err) return err;
        compact |= keys[b] && !keys[b]->a;
    }
    ks_plan p;
    int err = plan_init(ctx, level, false, false, &p);
    if (err) return err;
    bool identity = false;
    for (int b = 0; b < nb; b++) identity |= !keys[b];
    /* per output: its P limbs (np for each component); per thread: the
     * nb rotated terms of one limb, both components, then room for one
     * inner product and for P c0, P c1 */
    size_t xwords = keep_p ? 0 : (size_t)ng * 2 * np * n, room_words = (size_t)(nb + 2) * 2 * n;
    size_t twords = (size_t)nthreads * room_words;
    size_t rwords = regen_words(ctx, compact, nd);
    uint64_t *x_p = ckks_scratch_alloc(ctx, xwords), *tmp = ckks_scratch_alloc(ctx, twords);
    uint64_t *room = ckks_scratch_alloc(ctx, rwords);
    if (!x_p || !tmp || !room) {
        err = CKKS_ENOMEM;
        goto done;
    }
#pragma omp parallel for schedule(dynamic, 1)
    for (int e = 0; e < ext; e++) {
        int mi = ext_mod(ctx, level, e);
        const ckks_mod *m = &ctx->mod[mi];
        bool q_limb = e <= level;
        size_t pe = q_limb ? (size_t)e * n : (size_t)(e - level - 1) * n;
        uint64_t *r = tmp + (size_t)omp_get_thread_num() * room_words;
        uint64_t *u0 = r + (size_t)nb * 2 * n, *u1 = u0 + n, *pc0 = u1 + n, *pc1 = pc0 + n;
        /* the ciphertext's own part enters every term times P, which is 0
         * mod P: (P c0, P c1) on the Q limbs, nothing on the P limbs */
        const uint64_t *t0[64], *t1[64];
        if (q_limb) {
            uint64_t pm = ckks_mod_inv(ctx->p_inv_mod_q[e], m), pms = ckks_shoup(pm, m->q);
            ckks_rns_mulsub(m->q, pm, pms, c0 + pe, 0, NULL, NULL, n, pc0);
            if (identity) ckks_rns_mulsub(m->q, pm, pms, c1 + pe, 0, NULL, NULL, n, pc1);
        }
        /* the baby terms of this limb, rotated, computed once for all outputs */
        for (int b = 0; b < nb; b++) {
            uint64_t *r0 = r + (size_t)b * 2 * n, *r1 = r0 + n;
            if (!keys[b]) {
                t0[b] = q_limb ? pc0 : NULL;
                t1[b] = pc1;
                continue;
            }
            const uint64_t *digits[CKKS_MAX_PRIMES], *kb[CKKS_MAX_PRIMES], *ka[CKKS_MAX_PRIMES];
            for (int j = 0; j < nd; j++) {
                digits[j] = d->d + ((size_t)j * ext + (size_t)e) * n;
                kb[j] = keys[b]->b[j] + ckks_key_offset(ctx, keys[b], mi);
            }
            ckks_switch_key_a_limb(ctx, keys[b], mi, nd, regen_room(ctx, room, nd), ka);
            ckks_ks_inner_product(m, n, nd, digits, NULL, kb, ka, u0, u1);
            ckks_permute_add(m->q, perms[b], u0, q_limb ? pc0 : NULL, NULL, n, r0);
            ckks_permute_add(m->q, perms[b], u1, NULL, NULL, n, r1);
            t0[b] = r0;
            t1[b] = r1;
        }
        /* each output: sum_b pt_gb (.) term_b on this limb, the same
         * inner product as a key's (nb <= 64 terms) */
        for (int g = 0; g < ng; g++) {
            /* P limbs: after the Q limbs when kept, else in x_p for ModDown */
            size_t qw = ((size_t)level + 1) * n;
            uint64_t *a0 = q_limb ? out0[g] + pe
                           : keep_p ? out0[g] + qw + pe
                                    : x_p + (size_t)g * 2 * np * n + pe;
            uint64_t *a1 = q_limb ? out1[g] + pe : keep_p ? out1[g] + qw + pe : a0 + np * n;
            const uint64_t *w[64], *v0[64], *v1[64];
            uint8_t ws[64];
            int nw = 0;
            for (int b = 0; b < nb; b++) {
                const ckks_plaintext *x = pt[(size_t)g * nb + b];
                if (!x || !t0[b]) continue;
                size_t words = ckks_plaintext_limb_words(x);
                w[nw] = q_limb ? x->c + (size_t)e * words : x->cp + (size_t)(e - level - 1) * words;
                ws[nw] = (uint8_t)x->shift;
                v0[nw] = t0[b];
                v1[nw++] = t1[b];
            }
            ckks_ks_inner_product(m, n, nw, w, ws, v0, v1, a0, a1);
        }
    }
    for (int b = 0; b < nb; b++)
        if (keys[b]) ckks_count(ctx, key_switches);
    for (int g = 0; g < ng && !err && !keep_p; g++)
        err = mod_down(ctx, &p, out0[g], out1[g], x_p + (size_t)g * 2 * np * n);
done:
    ckks_scratch_free(ctx, x_p, xwords);
    ckks_scratch_free(ctx, tmp, twords);
    ckks_scratch_free(ctx, room, rwords);
    plan_clear(&p);
    return err;
}

void ckks_ks_inner_product_scalar(const ckks_mod *m, size_t n, int nd, const uint64_t *const *d,
                                  const uint8_t *dshift, const uint64_t *const *b,
                                  const uint64_t *const *a, uint64_t *out0, uint64_t *out1)
{
    /* Products are < 2^122, so up to 64 of them sum without overflow. */
    for (size_t i = 0; i < n; i++) {
        ckks_u128 s0 = 0, s1 = 0;
        for (int j = 0; j < nd; j++) {
            uint64_t x = d[j][dshift ? i >> dshift[j] : i];
            s0 += (ckks_u128)x * b[j][i];
            s1 += (ckks_u128)x * a[j][i];
        }
        out0[i] = ckks_mod_reduce128(s0, m);
        out1[i] = ckks_mod_reduce128(s1, m);
    }
}

void ckks_ks_inner_product(const ckks_mod *m, size_t n, int nd, const uint64_t *const *d,
                           const uint8_t *dshift, const uint64_t *const *b,
                           const uint64_t *const *a, uint64_t *out0, uint64_t *out1)
{
    if (!ckks_ks_inner_product_avx512(m, n, nd, d, dshift, b, a, out0, out1))
        ckks_ks_inner_product_scalar(m, n, nd, d, dshift, b, a, out0, out1);
}
