/* ciphertext.c - plaintext and ciphertext objects: allocation and access. */
#include "ckks/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Grow *buf to hold `limbs` limbs of n words, keeping `keep` limbs. */
static int grow(uint64_t **buf, size_t *cap, size_t limbs, size_t keep, size_t n)
{
    if (*cap >= limbs && *buf) return 0;
    uint64_t *p = aligned_alloc(64, limbs * n * sizeof(uint64_t));
    if (!p) return CKKS_ENOMEM;
    if (*buf && keep) memcpy(p, *buf, (keep < limbs ? keep : limbs) * n * sizeof(uint64_t));
    free(*buf);
    *buf = p;
    *cap = limbs;
    return 0;
}

ckks_plaintext *ckks_plaintext_new(const ckks_context *ctx)
{
    if (!ctx) return NULL;
    ckks_plaintext *pt = calloc(1, sizeof *pt);
    if (pt) pt->ctx = ctx;
    return pt;
}

void ckks_plaintext_free(ckks_plaintext *pt)
{
    if (!pt) return;
    free(pt->c);
    free(pt->cp);
    free(pt);
}

/* Make *buf hold `words` words (whole cache lines, as aligned_alloc wants);
 * its contents are not kept. */
static int room(uint64_t **buf, size_t *cap, size_t words)
{
    return grow(buf, cap, (words + 7) & ~(size_t)7, 0, 1);
}

int ckks_plaintext_reserve(ckks_plaintext *pt, int level, int shift, bool extend)
{
    const ckks_context *ctx = pt->ctx;
    if (level < 0 || level >= ctx->nq) return CKKS_ELEVEL;
    pt->extended = false; /* the caller is about to overwrite pt */
    size_t words = ctx->n >> shift;
    int err = room(&pt->c, &pt->cap, ((size_t)level + 1) * words);
    if (!err && extend) err = room(&pt->cp, &pt->pcap, (size_t)ctx->np * words);
    if (!err) pt->shift = shift;
    return err;
}

void ckks_plaintext_expand_limb(const ckks_plaintext *pt, int i, uint64_t *out)
{
    size_t words = ckks_plaintext_limb_words(pt), s = (size_t)1 << pt->shift;
    const uint64_t *limb = i <= pt->level ? pt->c + (size_t)i * words
                                          : pt->cp + (size_t)(i - pt->level - 1) * words;
    if (!pt->shift) {
        memcpy(out, limb, words * sizeof *out);
        return;
    }
    for (size_t k = 0; k < words; k++)
        for (size_t j = 0; j < s; j++) out[k * s + j] = limb[k];
}

int ckks_plaintext_level(const ckks_plaintext *pt) { return pt->level; }
double ckks_plaintext_scale(const ckks_plaintext *pt) { return pt->scale; }
int ckks_plaintext_log_slots(const ckks_plaintext *pt) { return pt->log_slots; }

ckks_ciphertext *ckks_ciphertext_new(const ckks_context *ctx)
{
    if (!ctx) return NULL;
    ckks_ciphertext *ct = calloc(1, sizeof *ct);
    if (ct) {
        ct->ctx = ctx;
        ct->size = 2;
    }
    return ct;
}

void ckks_ciphertext_free(ckks_ciphertext *ct)
{
    if (!ct) return;
    for (int k = 0; k < 3; k++) free(ct->c[k]);
    free(ct);
}

int ckks_ciphertext_reserve(ckks_ciphertext *ct, int level, int size)
{
    if (level < 0 || level >= ct->ctx->nq) return CKKS_ELEVEL;
    if (size < 2 || size > 3) return CKKS_ESIZE;
    size_t limbs = (size_t)level + 1;
    /* All components share one capacity so that level changes stay simple. */
    size_t cap = ct->cap < limbs ? limbs : ct->cap;
    for (int k = 0; k < size; k++) {
        size_t c = ct->c[k] ? ct->cap : 0;
        int err = grow(&ct->c[k], &c, cap, (size_t)ct->level + 1, ct->ctx->n);
        if (err) return err;
    }
    ct->cap = cap;
    return 0;
}

int ckks_ciphertext_copy(ckks_ciphertext *dst, const ckks_ciphertext *src)
{
    if (!dst || !src) return CKKS_EINVAL;
    if (dst->ctx != src->ctx) return CKKS_ECONTEXT;
    if (dst == src) return 0;
    int err = ckks_ciphertext_reserve(dst, src->level, src->size);
    if (err) return err;
    size_t words = ((size_t)src->level + 1) * src->ctx->n;
    for (int k = 0; k < src->size; k++) memcpy(dst->c[k], src->c[k], words * sizeof(uint64_t));
    dst->level = src->level;
    dst->log_slots = src->log_slots;
    dst->size = src->size;
    dst->scale = src->scale;
    dst->seeded = src->seeded;
    memcpy(dst->seed, src->seed, sizeof dst->seed);
    return 0;
}

int ckks_ciphertext_level(const ckks_ciphertext *ct) { return ct->level; }
double ckks_ciphertext_scale(const ckks_ciphertext *ct) { return ct->scale; }
int ckks_ciphertext_log_slots(const ckks_ciphertext *ct) { return ct->log_slots; }
int ckks_ciphertext_size(const ckks_ciphertext *ct) { return ct->size; }

int ckks_ciphertext_set_log_slots(ckks_ciphertext *ct, int log_slots)
{
    if (!ct || log_slots < 0 || log_slots >= ct->ctx->logn) return CKKS_EINVAL;
    ct->log_slots = log_slots;
    return 0;
}

int ckks_ciphertext_set_scale(ckks_ciphertext *ct, double scale)
{
    if (!ct || !(scale > 0) || !isfinite(scale)) return CKKS_EINVAL;
    ct->scale = scale;
    return 0;
}

int ckks_plaintext_extend(const ckks_context *ctx, ckks_plaintext *pt)
{
    if (!ctx || !pt || !pt->c) return CKKS_EINVAL;
    if (pt->ctx != ctx) return CKKS_ECONTEXT;
    if (pt->extended) return 0;
    size_t n = ctx->n, nq = (size_t)pt->level + 1, words = ckks_plaintext_limb_words(pt);
    if (room(&pt->cp, &pt->pcap, (size_t)ctx->np * words)) return CKKS_ENOMEM;
    /* full limbs throughout: a compact plaintext keeps every s-th value */
    uint64_t *coef = aligned_alloc(64, (nq + (size_t)ctx->np) * n * sizeof(uint64_t));
    if (!coef) return CKKS_ENOMEM;
    uint64_t *cp = coef + nq * n;
    int src[CKKS_MAX_PRIMES], dst[CKKS_MAX_PRIMES];
    for (size_t i = 0; i < nq; i++) {
        src[i] = (int)i;
        ckks_plaintext_expand_limb(pt, (int)i, coef + i * n);
        ckks_ntt_inverse(&ctx->ntt[i], coef + i * n);
    }
    for (int t = 0; t < ctx->np; t++) dst[t] = ctx->nq + t;
    /* the coefficients are integers below Q_level / 2: centered is exact */
    int err = ckks_rns_convert(ctx, coef, src, (int)nq, dst, ctx->np, true, cp);
    for (int t = 0; !err && t < ctx->np; t++) {
        uint64_t *limb = cp + (size_t)t * n;
        ckks_ntt_forward(&ctx->ntt[ctx->nq + t], limb);
        for (size_t k = 0; k < words; k++) pt->cp[(size_t)t * words + k] = limb[k << pt->shift];
    }
    free(coef);
    if (err) return err;
    pt->extended = true;
    return 0;
}
