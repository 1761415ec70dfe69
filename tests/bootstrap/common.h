/* common.h - shared fixtures of the bootstrapping test suites. */
#ifndef HETRAIN_TESTS_BOOTSTRAP_COMMON_H
#define HETRAIN_TESTS_BOOTSTRAP_COMMON_H

#include "bootstrap/bootstrap.h"

#include <complex.h>
#include "tests/random.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#define OK(expr)                                                                  \
    do {                                                                          \
        int err_ = (expr);                                                        \
        cr_assert_eq(err_, 0, "%s: %s", #expr, ckks_strerror(err_));              \
    } while (0)

/* A parameter set, a configuration on it and its keys, from fixed seeds. */
typedef struct {
    ckks_context *ctx;
    ckks_secret_key *sk;
    boot_config cfg;
    boot_context *bc;
    boot_keys *keys;
    int n;
    double scale; /* the input scale: the set's default */
} boot_fixture;

/* Set up `name` with its default configuration changed by edit (may be NULL). */
static inline void boot_fixture_init(boot_fixture *f, const char *name,
                                     void (*edit)(boot_config *))
{
    ckks_params p;
    OK(boot_params_named(name, &p, &f->cfg));
    if (edit) edit(&f->cfg);
    OK(ckks_context_new(&f->ctx, &p, CKKS_ALLOW_INSECURE));
    uint8_t seed[CKKS_SEED_BYTES] = {3, 1, 4};
    OK(ckks_secret_key_new(f->ctx, &f->sk, seed));
    OK(boot_context_new(&f->bc, f->ctx, &f->cfg));
    OK(boot_keys_new(f->bc, &f->keys, f->sk, seed));
    f->n = 1 << f->cfg.log_slots;
    f->scale = ckks_context_default_scale(f->ctx);
}

static inline void boot_fixture_free(boot_fixture *f)
{
    boot_keys_free(f->keys);
    boot_context_free(f->bc);
    ckks_secret_key_free(f->sk);
    ckks_context_free(f->ctx);
}

/* n complex values in [-1, 1]^2, or real ones when real is set. */
static inline double complex *random_slots(int n, int real, uint64_t seed)
{
    double complex *z = malloc((size_t)n * sizeof *z);
    cr_assert(z);
    for (int i = 0; i < n; i++) {
        double re = test_uniform(&seed), im = test_uniform(&seed);
        z[i] = CMPLX(re, real ? 0 : im);
    }
    return z;
}

/* Encrypt z (n slots) at level and scale under the secret key. */
static inline ckks_ciphertext *encrypt_slots(boot_fixture *f, const double complex *z, int level,
                                             double scale)
{
    ckks_plaintext *pt = ckks_plaintext_new(f->ctx);
    ckks_ciphertext *ct = ckks_ciphertext_new(f->ctx);
    OK(ckks_encode(f->ctx, pt, z, (size_t)f->n, f->cfg.log_slots, level, scale));
    OK(ckks_encrypt_sk(f->ctx, ct, pt, f->sk, NULL));
    ckks_plaintext_free(pt);
    return ct;
}

/* Decrypt the n slots of ct (allocated). */
static inline double complex *decrypt_slots(boot_fixture *f, const ckks_ciphertext *ct)
{
    ckks_plaintext *pt = ckks_plaintext_new(f->ctx);
    double complex *z = malloc((size_t)f->n * sizeof *z);
    cr_assert(z);
    OK(ckks_decrypt(f->ctx, pt, ct, f->sk));
    OK(ckks_decode(f->ctx, pt, z, (size_t)f->n));
    ckks_plaintext_free(pt);
    return z;
}

/* -log2 of the mean (mean != 0) or the largest absolute error. */
static inline double precision(const double complex *want, const double complex *got, int n,
                               int mean)
{
    double s = 0, m = 0;
    for (int i = 0; i < n; i++) {
        double e = cabs(want[i] - got[i]);
        s += e;
        m = fmax(m, e);
    }
    return -log2(mean ? s / n : m);
}

#endif
