/* encrypt.c - public- and secret-key encryption, decryption. */
#include "ckks/internal.h"

#include <stdlib.h>
#include <string.h>

static int get_seed(const uint8_t *given, uint8_t seed[CKKS_SEED_BYTES])
{
    if (given) {
        memcpy(seed, given, CKKS_SEED_BYTES);
        return 0;
    }
    return ckks_random_seed(seed);
}

/* Gaussian error of stream (seed, ENC_E, index) on limbs 0..level. */
static int enc_error(const ckks_context *ctx, const uint8_t seed[CKKS_SEED_BYTES], uint64_t index,
                     int level, uint64_t *out)
{
    int64_t *e = malloc(ctx->n * sizeof *e);
    if (!e) return CKKS_ENOMEM;
    ckks_prng p;
    ckks_prng_init(&p, seed, CKKS_DOMAIN_ENC_E, index);
    ckks_sample_gaussian(&p, ctx->n, 3.2, e);
    int limbs[CKKS_MAX_PRIMES];
    for (int i = 0; i <= level; i++) limbs[i] = i;
    ckks_small_to_ntt(ctx, e, limbs, level + 1, out);
    free(e);
    return 0;
}

static int check_pt(const ckks_context *ctx, const ckks_plaintext *pt)
{
    if (pt->ctx != ctx) return CKKS_ECONTEXT;
    if (!pt->c) return CKKS_EINVAL;
    return 0;
}

int ckks_encrypt_sk(const ckks_context *ctx, ckks_ciphertext *ct, const ckks_plaintext *pt,
                    const ckks_secret_key *sk, const uint8_t seed[CKKS_SEED_BYTES])
{
    if (!ctx || !ct || !pt || !sk) return CKKS_EINVAL;
    if (ct->ctx != ctx || sk->hash != ctx->hash) return CKKS_ECONTEXT;
    int err = check_pt(ctx, pt);
    if (err) return err;
    uint8_t master[CKKS_SEED_BYTES];
    if ((err = get_seed(seed, master))) return err;
    int level = pt->level;
    if ((err = ckks_ciphertext_reserve(ct, level, 2))) return err;
    if ((err = enc_error(ctx, master, 0, level, ct->c[0]))) return err;

    /* The stored seed of a must reveal nothing of the error's seed. */
    ckks_prng p;
    ckks_prng_init(&p, master, CKKS_DOMAIN_ENC_A, UINT64_MAX >> 8);
    ckks_prng_bytes(&p, ct->seed, CKKS_SEED_BYTES);
    explicit_bzero(master, sizeof master);
    int limbs[CKKS_MAX_PRIMES];
    for (int i = 0; i <= level; i++) limbs[i] = i;
    ckks_expand_uniform(ctx, ct->seed, CKKS_DOMAIN_ENC_A, 0, limbs, level + 1, ct->c[1]);

    size_t n = ctx->n;
#pragma omp parallel for schedule(static)
    for (int i = 0; i <= level; i++) {
        const ckks_mod *m = &ctx->mod[i];
        uint64_t *c0 = ct->c[0] + (size_t)i * n;
        const uint64_t *c1 = ct->c[1] + (size_t)i * n, *s = sk->s_ntt + (size_t)i * n;
        const uint64_t *mp = pt->c + (size_t)i * ckks_plaintext_limb_words(pt);
        for (size_t k = 0; k < n; k++)
            c0[k] = ckks_mod_add(ckks_mod_sub(c0[k], ckks_mod_mul(c1[k], s[k], m), m->q),
                                 mp[k >> pt->shift], m->q);
    }
    ct->level = level;
    ct->size = 2;
    ct->scale = pt->scale;
    ct->log_slots = pt->log_slots;
    ct->seeded = true;
    return 0;
}

int ckks_encrypt_pk(const ckks_context *ctx, ckks_ciphertext *ct, const ckks_plaintext *pt,
                    const ckks_public_key *pk, const uint8_t seed[CKKS_SEED_BYTES])
{
    if (!ctx || !ct || !pt || !pk) return CKKS_EINVAL;
    if (ct->ctx != ctx || pk->hash != ctx->hash) return CKKS_ECONTEXT;
    int err = check_pt(ctx, pt);
    if (err) return err;
    uint8_t master[CKKS_SEED_BYTES];
    if ((err = get_seed(seed, master))) return err;
    int level = pt->level;
    size_t n = ctx->n;
    int8_t *u8 = malloc(n);
    int64_t *u = malloc(n * sizeof *u);
    uint64_t *un = aligned_alloc(64, ((size_t)level + 1) * n * sizeof(uint64_t));
    err = CKKS_ENOMEM;
    if (!u8 || !u || !un) goto done;
    if ((err = ckks_ciphertext_reserve(ct, level, 2))) goto done;
    ckks_prng p;
    ckks_prng_init(&p, master, CKKS_DOMAIN_ENC_U, 0);
    ckks_sample_ternary(&p, n, u8);
    for (size_t k = 0; k < n; k++) u[k] = u8[k];
    int limbs[CKKS_MAX_PRIMES];
    for (int i = 0; i <= level; i++) limbs[i] = i;
    ckks_small_to_ntt(ctx, u, limbs, level + 1, un);
    if ((err = enc_error(ctx, master, 0, level, ct->c[0]))) goto done;
    if ((err = enc_error(ctx, master, 1, level, ct->c[1]))) goto done;

#pragma omp parallel for schedule(static)
    for (int i = 0; i <= level; i++) {
        const ckks_mod *m = &ctx->mod[i];
        size_t off = (size_t)i * n;
        const uint64_t *mp = pt->c + (size_t)i * ckks_plaintext_limb_words(pt);
        for (size_t k = 0; k < n; k++) {
            uint64_t c0 = ckks_mod_add(ct->c[0][off + k], ckks_mod_mul(pk->b[off + k], un[off + k], m), m->q);
            ct->c[0][off + k] = ckks_mod_add(c0, mp[k >> pt->shift], m->q);
            ct->c[1][off + k] = ckks_mod_add(ct->c[1][off + k], ckks_mod_mul(pk->a[off + k], un[off + k], m), m->q);
        }
    }
    ct->level = level;
    ct->size = 2;
    ct->scale = pt->scale;
    ct->log_slots = pt->log_slots;
    ct->seeded = false;
    err = 0;
done:
    explicit_bzero(master, sizeof master);
    if (u8) explicit_bzero(u8, n);
    free(u8);
    free(u);
    free(un);
    return err;
}

int ckks_decrypt(const ckks_context *ctx, ckks_plaintext *pt, const ckks_ciphertext *ct,
                 const ckks_secret_key *sk)
{
    if (!ctx || !pt || !ct || !sk) return CKKS_EINVAL;
    if (ct->ctx != ctx || pt->ctx != ctx || sk->hash != ctx->hash) return CKKS_ECONTEXT;
    int level = ct->level;
    int err = ckks_plaintext_reserve(pt, level, 0, false);
    if (err) return err;
    size_t n = ctx->n;
#pragma omp parallel for schedule(static)
    for (int i = 0; i <= level; i++) {
        const ckks_mod *m = &ctx->mod[i];
        size_t off = (size_t)i * n;
        const uint64_t *s = sk->s_ntt + off;
        for (size_t k = 0; k < n; k++) {
            /* Horner: c0 + s (c1 + s c2) */
            uint64_t acc = ct->size == 3 ? ckks_mod_add(ct->c[1][off + k], ckks_mod_mul(ct->c[2][off + k], s[k], m), m->q)
                                         : ct->c[1][off + k];
            pt->c[off + k] = ckks_mod_add(ct->c[0][off + k], ckks_mod_mul(acc, s[k], m), m->q);
        }
    }
    pt->level = level;
    pt->scale = ct->scale;
    pt->log_slots = ct->log_slots;
    return 0;
}
