/* keyswitch.c - hybrid key switching: digit decomposition, ModUp, inner
 * product with the key, ModDown. */
#include "ckks/internal.h"

#include <stdlib.h>
#include <string.h>

/* Absolute modulus index of limb e of the basis Q_level u P. */
static inline int ext_mod(const ckks_context *ctx, int level, int e)
{
    return e <= level ? e : ctx->nq + (e - level - 1);
}

void ckks_ks_decomp_clear(ckks_ks_decomp *d)
{
    if (!d) return;
    free(d->d);
    memset(d, 0, sizeof *d);
}

int ckks_ks_decompose(const ckks_context *ctx, const uint64_t *c, int level, ckks_ks_decomp *out)
{
    size_t n = ctx->n;
    int ext = level + 1 + ctx->np;
    int ndigits = (level + ctx->alpha) / ctx->alpha;
    memset(out, 0, sizeof *out);
    uint64_t *d = aligned_alloc(64, (size_t)ndigits * (size_t)ext * n * sizeof(uint64_t));
    uint64_t *coef = aligned_alloc(64, (size_t)ctx->alpha * n * sizeof(uint64_t));
    if (!d || !coef) {
        free(d);
        free(coef);
        return CKKS_ENOMEM;
    }
    int src[CKKS_MAX_PRIMES], dst[CKKS_MAX_PRIMES], dpos[CKKS_MAX_PRIMES];
    int err = 0;
    for (int j = 0; j < ndigits && !err; j++) {
        int lo = j * ctx->alpha, hi = lo + ctx->alpha <= level + 1 ? lo + ctx->alpha : level + 1;
        int nsrc = hi - lo, ndst = 0;
        uint64_t *dj = d + (size_t)j * ext * n;
        for (int s = 0; s < nsrc; s++) src[s] = lo + s;
        for (int e = 0; e < ext; e++)
            if (e < lo || e >= hi) {
                dst[ndst] = ext_mod(ctx, level, e);
                dpos[ndst++] = e;
            }
        /* the digit's own limbs are exact: copy them in NTT form */
#pragma omp parallel for schedule(static)
        for (int s = 0; s < nsrc; s++) {
            memcpy(dj + (size_t)(lo + s) * n, c + (size_t)(lo + s) * n, n * sizeof(uint64_t));
            memcpy(coef + (size_t)s * n, c + (size_t)(lo + s) * n, n * sizeof(uint64_t));
            ckks_ntt_inverse(&ctx->ntt[lo + s], coef + (size_t)s * n);
        }
        uint64_t *conv = aligned_alloc(64, (size_t)ndst * n * sizeof(uint64_t));
        if (!conv) {
            err = CKKS_ENOMEM;
            break;
        }
        err = ckks_rns_convert(ctx, coef, src, nsrc, dst, ndst, false, conv);
#pragma omp parallel for schedule(static)
        for (int t = 0; t < ndst; t++) {
            uint64_t *o = dj + (size_t)dpos[t] * n;
            memcpy(o, conv + (size_t)t * n, n * sizeof(uint64_t));
            ckks_ntt_forward(&ctx->ntt[dst[t]], o);
        }
        free(conv);
    }
    free(coef);
    if (err) {
        free(d);
        return err;
    }
    ckks_count(ctx, decompositions);
    out->level = level;
    out->ndigits = ndigits;
    out->ext = ext;
    out->d = d;
    return 0;
}

/* x over Q_level u P (NTT) -> (x - Conv_P->Q([x]_P)) P^-1 over Q_level. */
static int mod_down(const ckks_context *ctx, int level, uint64_t *x, uint64_t *out)
{
    size_t n = ctx->n;
    int np = ctx->np;
    uint64_t *xp = x + (size_t)(level + 1) * n;
    uint64_t *conv = aligned_alloc(64, (size_t)(level + 1) * n * sizeof(uint64_t));
    if (!conv) return CKKS_ENOMEM;
    int src[CKKS_MAX_PRIMES], dst[CKKS_MAX_PRIMES];
    for (int t = 0; t < np; t++) src[t] = ctx->nq + t;
    for (int i = 0; i <= level; i++) dst[i] = i;
#pragma omp parallel for schedule(static)
    for (int t = 0; t < np; t++) ckks_ntt_inverse(&ctx->ntt[ctx->nq + t], xp + (size_t)t * n);
    /* centered: ModDown then rounds, so its error is at most 1/2 */
    int err = ckks_rns_convert(ctx, xp, src, np, dst, level + 1, true, conv);
    if (!err) {
#pragma omp parallel for schedule(static)
        for (int i = 0; i <= level; i++) {
            const ckks_mod *m = &ctx->mod[i];
            uint64_t *ci = conv + (size_t)i * n;
            const uint64_t *xi = x + (size_t)i * n;
            uint64_t *oi = out + (size_t)i * n;
            uint64_t pinv = ctx->p_inv_mod_q[i], pinvs = ctx->p_inv_mod_q_shoup[i];
            ckks_ntt_forward(&ctx->ntt[i], ci);
            for (size_t k = 0; k < n; k++)
                oi[k] = ckks_mul_shoup(xi[k] + m->q - ci[k], pinv, pinvs, m->q);
        }
    }
    free(conv);
    return err;
}

int ckks_ks_apply(const ckks_context *ctx, const ckks_ks_decomp *d, const ckks_switch_key *k,
                  uint64_t *out0, uint64_t *out1)
{
    if (k->hash != ctx->hash) return CKKS_ECONTEXT;
    size_t n = ctx->n;
    int level = d->level, ext = d->ext, nd = d->ndigits;
    size_t words = (size_t)ext * n;
    uint64_t *acc = aligned_alloc(64, 2 * words * sizeof(uint64_t));
    if (!acc) return CKKS_ENOMEM;
#pragma omp parallel for schedule(static)
    for (int e = 0; e < ext; e++) {
        int mi = ext_mod(ctx, level, e);
        const ckks_mod *m = &ctx->mod[mi];
        uint64_t *a0 = acc + (size_t)e * n, *a1 = acc + words + (size_t)e * n;
        for (size_t c = 0; c < n; c++) {
            ckks_u128 s0 = 0, s1 = 0;
            for (int j = 0; j < nd; j++) {
                uint64_t x = d->d[(size_t)j * words + (size_t)e * n + c];
                s0 += (ckks_u128)x * k->b[j][(size_t)mi * n + c];
                s1 += (ckks_u128)x * k->a[j][(size_t)mi * n + c];
            }
            a0[c] = ckks_mod_reduce128(s0, m);
            a1[c] = ckks_mod_reduce128(s1, m);
        }
    }
    ckks_count(ctx, key_switches);
    int err = mod_down(ctx, level, acc, out0);
    if (!err) err = mod_down(ctx, level, acc + words, out1);
    free(acc);
    return err;
}
