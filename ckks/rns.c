/* rns.c - fast RNS basis conversion (the heart of ModUp and ModDown). */
#include "ckks/internal.h"

#include <math.h>
#include <stdlib.h>

int ckks_rns_convert(const ckks_context *ctx, const uint64_t *x, const int *src, int nsrc,
                     const int *dst, int ndst, bool centered, uint64_t *out)
{
    size_t n = ctx->n;
    uint64_t *y = aligned_alloc(64, (size_t)nsrc * n * sizeof(uint64_t));
    uint64_t *w = malloc((size_t)nsrc * (size_t)ndst * sizeof(uint64_t));
    if (!y || !w) {
        free(y);
        free(w);
        return CKKS_ENOMEM;
    }
    /* y_s = x_s (Q_S / q_s)^-1 mod q_s */
#pragma omp parallel for schedule(static)
    for (int s = 0; s < nsrc; s++) {
        const ckks_mod *m = &ctx->mod[src[s]];
        uint64_t hat = 1;
        for (int r = 0; r < nsrc; r++)
            if (r != s) hat = ckks_mod_mul(hat, ckks_mod_reduce64(ctx->mod[src[r]].q, m), m);
        uint64_t inv = ckks_mod_inv(hat, m), invs = ckks_shoup(inv, m->q);
        const uint64_t *xs = x + (size_t)s * n;
        uint64_t *ys = y + (size_t)s * n;
        for (size_t k = 0; k < n; k++) ys[k] = ckks_mul_shoup(xs[k], inv, invs, m->q);
    }
    /* v = round(sum_s y_s / q_s): the multiple of Q_S to remove so that
     * the result is the centered representative (Halevi-Polyakov-Shoup). */
    double *v = NULL;
    if (centered) {
        v = malloc(n * sizeof *v);
        if (!v) {
            free(y);
            free(w);
            return CKKS_ENOMEM;
        }
        double inv[CKKS_MAX_PRIMES];
        for (int s = 0; s < nsrc; s++) inv[s] = 1.0 / (double)ctx->mod[src[s]].q;
#pragma omp parallel for schedule(static)
        for (size_t k = 0; k < n; k++) {
            double f = 0;
            for (int s = 0; s < nsrc; s++) f += (double)y[(size_t)s * n + k] * inv[s];
            v[k] = nearbyint(f);
        }
    }
    /* w[t][s] = (Q_S / q_s) mod p_t */
    for (int t = 0; t < ndst; t++) {
        const ckks_mod *m = &ctx->mod[dst[t]];
        for (int s = 0; s < nsrc; s++) {
            uint64_t hat = 1;
            for (int r = 0; r < nsrc; r++)
                if (r != s) hat = ckks_mod_mul(hat, ckks_mod_reduce64(ctx->mod[src[r]].q, m), m);
            w[(size_t)t * nsrc + s] = hat;
        }
    }
    /* Products are < 2^122, so up to 64 of them sum without overflow. */
#pragma omp parallel for schedule(static)
    for (int t = 0; t < ndst; t++) {
        const ckks_mod *m = &ctx->mod[dst[t]];
        const uint64_t *wt = w + (size_t)t * nsrc;
        uint64_t *o = out + (size_t)t * n;
        for (size_t k = 0; k < n; k++) {
            ckks_u128 acc = 0;
            for (int s = 0; s < nsrc; s++) acc += (ckks_u128)y[(size_t)s * n + k] * wt[s];
            o[k] = ckks_mod_reduce128(acc, m);
        }
        if (centered) {
            uint64_t qs = 1; /* Q_S mod p_t */
            for (int s = 0; s < nsrc; s++) qs = ckks_mod_mul(qs, ckks_mod_reduce64(ctx->mod[src[s]].q, m), m);
            uint64_t qss = ckks_shoup(qs, m->q);
            for (size_t k = 0; k < n; k++)
                o[k] = ckks_mod_sub(o[k], ckks_mul_shoup((uint64_t)v[k], qs, qss, m->q), m->q);
        }
    }
    free(v);
    free(y);
    free(w);
    return 0;
}
