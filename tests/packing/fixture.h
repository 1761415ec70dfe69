/* fixture.h - parameters, keys and reference helpers of the packing tests. */
#ifndef HETRAIN_TESTS_PACKING_FIXTURE_H
#define HETRAIN_TESTS_PACKING_FIXTURE_H

#include "packing/packing.h"

#include "tests/random.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define OK(expr)                                                                                  \
    do {                                                                                          \
        int err_ = (expr);                                                                        \
        cr_assert_eq(err_, 0, "%s: %s", #expr, pack_strerror(err_));                              \
    } while (0)

/* A context with secret, public and relinearization keys from a fixed seed;
 * rotation keys come from a key plan per test. */
typedef struct {
    ckks_context *ctx;
    ckks_secret_key *sk;
    ckks_public_key *pk;
    ckks_switch_key *rlk;
    ckks_galois_keys *gk;
    int top;
    double scale;
} fixture;

static inline void fixture_init(fixture *f, const char *name)
{
    ckks_params p;
    OK(ckks_params_named(name, &p));
    OK(ckks_context_new(&f->ctx, &p, CKKS_ALLOW_INSECURE));
    uint8_t seed[CKKS_SEED_BYTES] = {3, 1, 4, 1, 5};
    OK(ckks_secret_key_new(f->ctx, &f->sk, seed));
    OK(ckks_public_key_new(f->ctx, &f->pk, f->sk));
    OK(ckks_relin_key_new(f->ctx, &f->rlk, f->sk));
    f->gk = NULL;
    f->top = p.nq - 1;
    f->scale = ckks_context_default_scale(f->ctx);
}

/* Rotation keys for exactly the steps of kp. */
static inline void fixture_keys(fixture *f, const pack_keyplan *kp)
{
    ckks_galois_keys_free(f->gk);
    OK(ckks_galois_keys_new(f->ctx, &f->gk, f->sk, kp->steps, kp->count, 0));
}

static inline void fixture_free(fixture *f)
{
    ckks_galois_keys_free(f->gk);
    ckks_switch_key_free(f->rlk);
    ckks_public_key_free(f->pk);
    ckks_secret_key_free(f->sk);
    ckks_context_free(f->ctx);
}

/* -log2 of the largest absolute difference of n values. */
static inline double precision_bits(const double *got, const double *want, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++) m = fmax(m, fabs(got[i] - want[i]));
    return -log2(m);
}

/* C (p x r) = op(A) op(B) in double, A and B row-major as stored. */
static inline void reference_product(pack_op op, const double *a, const double *b, int p, int q,
                                     int r, double *c)
{
    for (int i = 0; i < p; i++)
        for (int j = 0; j < r; j++) {
            double s = 0;
            for (int l = 0; l < q; l++) {
                double x = op == PACK_ATB ? a[l * p + i] : a[i * q + l];
                double y = op == PACK_ABT ? b[j * q + l] : b[l * r + j];
                s += x * y;
            }
            c[i * r + j] = s;
        }
}

/* Operation counts since the last reset, which this call does again. */
static inline ckks_op_counts counts_take(const fixture *f)
{
    ckks_op_counts c;
    ckks_op_counts_get(f->ctx, &c);
    ckks_op_counts_reset(f->ctx);
    return c;
}

#endif
