/* common.h - shared fixtures of the ckks test suites. */
#ifndef HETRAIN_TESTS_CKKS_COMMON_H
#define HETRAIN_TESTS_CKKS_COMMON_H

#include "ckks/ckks.h"
#include "ckks/internal.h"

#include "tests/random.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#define OK(expr)                                                                  \
    do {                                                                          \
        int err_ = (expr);                                                        \
        cr_assert_eq(err_, 0, "%s: %s", #expr, ckks_strerror(err_));              \
    } while (0)

/* Everything a test needs at one parameter set; keys from a fixed seed. */
typedef struct {
    ckks_context *ctx;
    ckks_secret_key *sk;
    ckks_public_key *pk;
    ckks_switch_key *rlk;
    ckks_galois_keys *gk;
    size_t slots;
    int log_slots;
    int top;
    double scale;
} fixture;

static inline void fixture_init(fixture *f, const char *name, const int *steps, size_t nsteps)
{
    ckks_params p;
    OK(ckks_params_named(name, &p));
    OK(ckks_context_new(&f->ctx, &p, CKKS_ALLOW_INSECURE));
    uint8_t seed[CKKS_SEED_BYTES] = {7, 1, 2};
    OK(ckks_secret_key_new(f->ctx, &f->sk, seed));
    OK(ckks_public_key_new(f->ctx, &f->pk, f->sk));
    OK(ckks_relin_key_new(f->ctx, &f->rlk, f->sk));
    OK(ckks_galois_keys_new(f->ctx, &f->gk, f->sk, steps, nsteps, 1));
    f->log_slots = p.logn - 1;
    f->slots = (size_t)1 << f->log_slots;
    f->top = p.nq - 1;
    f->scale = ckks_context_default_scale(f->ctx);
}

static inline void fixture_free(fixture *f)
{
    ckks_galois_keys_free(f->gk);
    ckks_switch_key_free(f->rlk);
    ckks_public_key_free(f->pk);
    ckks_secret_key_free(f->sk);
    ckks_context_free(f->ctx);
}

/* Encrypt real values v (n of them) at the top level, public key. */
static inline ckks_ciphertext *encrypt_vector(fixture *f, const double *v, size_t n, int level)
{
    ckks_plaintext *pt = ckks_plaintext_new(f->ctx);
    ckks_ciphertext *ct = ckks_ciphertext_new(f->ctx);
    OK(ckks_encode_real(f->ctx, pt, v, n, f->log_slots, level, f->scale));
    OK(ckks_encrypt_pk(f->ctx, ct, pt, f->pk, NULL));
    ckks_plaintext_free(pt);
    return ct;
}

/* -log2 of the largest slot error of ct against want. */
/* pt's limbs written out in full (shift 0) in a new plaintext: the
 * reference a compact plaintext must behave as. */
static inline ckks_plaintext *full_copy(const ckks_context *ctx, const ckks_plaintext *pt)
{
    ckks_plaintext *c = ckks_plaintext_new(ctx);
    cr_assert_not_null(c);
    OK(ckks_plaintext_reserve(c, pt->level, 0, pt->extended));
    size_t n = ctx->n;
    for (int i = 0; i <= pt->level + (pt->extended ? ctx->np : 0); i++)
        ckks_plaintext_expand_limb(pt, i, i <= pt->level ? c->c + (size_t)i * n
                                                         : c->cp + (size_t)(i - pt->level - 1) * n);
    c->level = pt->level;
    c->scale = pt->scale;
    c->log_slots = pt->log_slots;
    c->extended = pt->extended;
    return c;
}

static inline double precision_bits(fixture *f, const ckks_ciphertext *ct, const double *want, size_t n)
{
    ckks_plaintext *pt = ckks_plaintext_new(f->ctx);
    double *got = malloc(n * sizeof *got);
    OK(ckks_decrypt(f->ctx, pt, ct, f->sk));
    OK(ckks_decode_real(f->ctx, pt, got, n));
    double m = 0;
    for (size_t i = 0; i < n; i++) m = fmax(m, fabs(got[i] - want[i]));
    free(got);
    ckks_plaintext_free(pt);
    return -log2(m);
}

#endif
