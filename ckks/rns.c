/* rns.c - fast RNS basis conversion (the heart of ModUp and ModDown). */
#include "ckks/internal.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

enum { SCRATCH_SLOTS = 16 };
static const size_t huge_page = (size_t)2 << 20;

struct ckks_scratch_cache {
    omp_lock_t lock;
    void *block[SCRATCH_SLOTS];
    size_t bytes[SCRATCH_SLOTS], total;
};

int ckks_scratch_cache_new(struct ckks_scratch_cache **out)
{
    struct ckks_scratch_cache *c = calloc(1, sizeof *c);
    if (!c) return CKKS_ENOMEM;
    omp_init_lock(&c->lock);
    *out = c;
    return 0;
}

void ckks_scratch_cache_free(struct ckks_scratch_cache *c)
{
    if (!c) return;
    for (int i = 0; i < SCRATCH_SLOTS; i++) free(c->block[i]);
    omp_destroy_lock(&c->lock);
    free(c);
}

/* Rounded size of a block of `words`; large ones are whole huge pages. */
static size_t block_bytes(size_t words)
{
    size_t bytes = (words * sizeof(uint64_t) + 63) & ~(size_t)63;
    return bytes < huge_page ? (bytes ? bytes : 64) : (bytes + huge_page - 1) & ~(huge_page - 1);
}

uint64_t *ckks_scratch_alloc(const ckks_context *ctx, size_t words)
{
    size_t bytes = block_bytes(words);
    if (bytes < huge_page) return aligned_alloc(64, bytes);
    struct ckks_scratch_cache *c = ctx->scratch;
    void *p = NULL;
    omp_set_lock(&c->lock);
    for (int i = 0; i < SCRATCH_SLOTS && !p; i++)
        if (c->block[i] && c->bytes[i] == bytes) {
            p = c->block[i];
            c->block[i] = NULL;
            c->total -= bytes;
        }
    omp_unset_lock(&c->lock);
    if (p) return p;
    p = aligned_alloc(huge_page, bytes);
    /* huge pages fault in 512 times fewer steps; only a hint */
    if (p) (void)madvise(p, bytes, MADV_HUGEPAGE);
    return p;
}

void ckks_scratch_free(const ckks_context *ctx, uint64_t *p, size_t words)
{
    size_t bytes = block_bytes(words);
    if (!p || bytes < huge_page) {
        free(p);
        return;
    }
    struct ckks_scratch_cache *c = ctx->scratch;
    omp_set_lock(&c->lock);
    for (int i = 0; i < SCRATCH_SLOTS && p; i++)
        if (!c->block[i] && c->total + bytes <= (size_t)CKKS_SCRATCH_KEEP_MB << 20) {
            c->block[i] = p;
            c->bytes[i] = bytes;
            c->total += bytes;
            p = NULL;
        }
    omp_unset_lock(&c->lock);
    free(p);
}

/* prod_{r != skip} src_r mod m (skip = -1: all of them). */
static uint64_t prod_except(const ckks_context *ctx, const int *src, int nsrc, int skip,
                            const ckks_mod *m)
{
    uint64_t p = 1 % m->q;
    for (int r = 0; r < nsrc; r++)
        if (r != skip) p = ckks_mod_mul(p, ckks_mod_reduce64(ctx->mod[src[r]].q, m), m);
    return p;
}

int ckks_rns_conv_init(const ckks_context *ctx, ckks_rns_conv *c, const int *src, int nsrc,
                       const int *dst, int ndst)
{
    memset(c, 0, sizeof *c);
    if (nsrc < 1 || nsrc >= CKKS_MAX_PRIMES || ndst < 0 || ndst > CKKS_MAX_PRIMES)
        return CKKS_EINVAL;
    c->hat = malloc(((size_t)ndst * (size_t)(nsrc + 1) + 1) * sizeof(uint64_t));
    if (!c->hat) return CKKS_ENOMEM;
    c->nsrc = nsrc;
    c->ndst = ndst;
    memcpy(c->src, src, (size_t)nsrc * sizeof *src);
    memcpy(c->dst, dst, (size_t)ndst * sizeof *dst);
    for (int s = 0; s < nsrc; s++) {
        const ckks_mod *m = &ctx->mod[src[s]];
        c->inv[s] = ckks_mod_inv(prod_except(ctx, src, nsrc, s, m), m);
        c->inv_shoup[s] = ckks_shoup(c->inv[s], m->q);
        c->inv_q[s] = 1.0 / (double)m->q;
    }
    for (int t = 0; t < ndst; t++) {
        const ckks_mod *m = &ctx->mod[dst[t]];
        uint64_t *w = c->hat + (size_t)t * (size_t)(nsrc + 1);
        for (int s = 0; s < nsrc; s++) w[s] = prod_except(ctx, src, nsrc, s, m);
        w[nsrc] = ckks_mod_neg(prod_except(ctx, src, nsrc, -1, m), m->q);
    }
    return 0;
}

void ckks_rns_conv_clear(ckks_rns_conv *c)
{
    if (!c) return;
    free(c->hat);
    c->hat = NULL;
}

void ckks_rns_mulsub_scalar(uint64_t q, uint64_t w, uint64_t ws, const uint64_t *a, uint64_t c,
                            const uint64_t *b, const uint64_t *d, size_t n, uint64_t *out)
{
    for (size_t k = 0; k < n; k++) {
        uint64_t r = ckks_mul_shoup(a[k] + c - (b ? b[k] : 0), w, ws, q);
        out[k] = d ? ckks_mod_add(r, d[k], q) : r;
    }
}

void ckks_rns_mulsub(uint64_t q, uint64_t w, uint64_t ws, const uint64_t *a, uint64_t c,
                     const uint64_t *b, const uint64_t *d, size_t n, uint64_t *out)
{
    if (!ckks_rns_mulsub_avx512(q, w, ws, a, c, b, d, n, out))
        ckks_rns_mulsub_scalar(q, w, ws, a, c, b, d, n, out);
}

void ckks_permute_add_scalar(uint64_t q, const uint32_t *perm, const uint64_t *x,
                             const uint64_t *y, const uint64_t *a, size_t n, uint64_t *out)
{
    for (size_t k = 0; k < n; k++) {
        uint64_t r = x[perm[k]];
        if (y) r = ckks_mod_add(r, y[perm[k]], q);
        out[k] = a ? ckks_mod_add(r, a[k], q) : r;
    }
}

void ckks_permute_add(uint64_t q, const uint32_t *perm, const uint64_t *x, const uint64_t *y,
                      const uint64_t *a, size_t n, uint64_t *out)
{
    if (!ckks_permute_add_avx512(q, perm, x, y, a, n, out))
        ckks_permute_add_scalar(q, perm, x, y, a, n, out);
}

void ckks_rns_conv_scale(const ckks_context *ctx, const ckks_rns_conv *c, int s,
                         const uint64_t *x, uint64_t *y)
{
    ckks_rns_mulsub(ctx->mod[c->src[s]].q, c->inv[s], c->inv_shoup[s], x, 0, NULL, NULL, ctx->n, y);
}

void ckks_rns_conv_round_scalar(const ckks_rns_conv *c, const uint64_t *y, size_t stride,
                                size_t count, uint64_t *v)
{
    for (size_t k = 0; k < count; k++) {
        double f = 0;
        for (int s = 0; s < c->nsrc; s++) f += (double)y[(size_t)s * stride + k] * c->inv_q[s];
        v[k] = (uint64_t)nearbyint(f);
    }
}

void ckks_rns_conv_targets_scalar(const ckks_context *ctx, const ckks_rns_conv *c, const int *ts,
                                  int nt, const uint64_t *y, const uint64_t *v,
                                  uint64_t *const *out)
{
    size_t n = ctx->n;
    for (int i = 0; i < nt; i++) {
        const ckks_mod *m = &ctx->mod[c->dst[ts[i]]];
        const uint64_t *w = c->hat + (size_t)ts[i] * (size_t)(c->nsrc + 1);
        /* Products are < 2^122 and there are at most 64 of them. */
        for (size_t k = 0; k < n; k++) {
            ckks_u128 acc = v ? (ckks_u128)v[k] * w[c->nsrc] : 0;
            for (int s = 0; s < c->nsrc; s++) acc += (ckks_u128)y[(size_t)s * n + k] * w[s];
            out[i][k] = ckks_mod_reduce128(acc, m);
        }
    }
}

void ckks_rns_conv_round(const ckks_rns_conv *c, const uint64_t *y, size_t stride, size_t count,
                         uint64_t *v)
{
    if (!ckks_rns_conv_round_avx512(c, y, stride, count, v))
        ckks_rns_conv_round_scalar(c, y, stride, count, v);
}

void ckks_rns_conv_targets(const ckks_context *ctx, const ckks_rns_conv *c, const int *ts, int nt,
                           const uint64_t *y, const uint64_t *v, uint64_t *const *out)
{
    if (!ckks_rns_conv_targets_avx512(ctx, c, ts, nt, y, v, out))
        ckks_rns_conv_targets_scalar(ctx, c, ts, nt, y, v, out);
}

int ckks_rns_convert(const ckks_context *ctx, const uint64_t *x, const int *src, int nsrc,
                     const int *dst, int ndst, bool centered, uint64_t *out)
{
    size_t n = ctx->n;
    ckks_rns_conv c;
    int err = ckks_rns_conv_init(ctx, &c, src, nsrc, dst, ndst);
    if (err) return err;
    size_t words = (size_t)nsrc * n + (centered ? n : 0);
    uint64_t *y = ckks_scratch_alloc(ctx, words);
    if (!y) {
        ckks_rns_conv_clear(&c);
        return CKKS_ENOMEM;
    }
    uint64_t *v = centered ? y + (size_t)nsrc * n : NULL;
#pragma omp parallel for schedule(static)
    for (int s = 0; s < nsrc; s++) ckks_rns_conv_scale(ctx, &c, s, x + (size_t)s * n, y + (size_t)s * n);
    if (centered) ckks_rns_conv_round(&c, y, n, n, v);
    /* targets in groups: each pass over y serves a group */
    enum { GROUP = 4 };
#pragma omp parallel for schedule(static)
    for (int t0 = 0; t0 < ndst; t0 += GROUP) {
        int ts[GROUP], nt = ndst - t0 < GROUP ? ndst - t0 : GROUP;
        uint64_t *o[GROUP];
        for (int i = 0; i < nt; i++) {
            ts[i] = t0 + i;
            o[i] = out + (size_t)(t0 + i) * n;
        }
        ckks_rns_conv_targets(ctx, &c, ts, nt, y, v, o);
    }
    ckks_scratch_free(ctx, y, words);
    ckks_rns_conv_clear(&c);
    return 0;
}
