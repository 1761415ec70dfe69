/* Key switching between secrets, sparse secrets, and ModRaise. */
#include "common.h"
#include "ckks/internal.h"

#include <gmp.h>
#include <string.h>

static fixture f;
static void setup(void) { fixture_init(&f, "TEST-N12", NULL, 0); }
static void teardown(void) { fixture_free(&f); }
TestSuite(keyswitch, .init = setup, .fini = teardown);

Test(keyswitch, dense_to_sparse_and_back)
{
    double *x = malloc(f.slots * sizeof *x);
    random_vector(x, f.slots, 21);
    ckks_ciphertext *a = encrypt_vector(&f, x, f.slots, 3);
    ckks_secret_key *sparse;
    uint8_t seed[CKKS_SEED_BYTES] = {77};
    OK(ckks_secret_key_new_sparse(f.ctx, &sparse, 32, seed));
    size_t nz = 0;
    for (size_t i = 0; i < f.ctx->n; i++) nz += sparse->s[i] != 0;
    cr_assert_eq(nz, 32);
    ckks_switch_key *to_sparse, *to_dense;
    OK(ckks_switching_key_new(f.ctx, &to_sparse, f.sk, sparse));
    OK(ckks_switching_key_new(f.ctx, &to_dense, sparse, f.sk));
    ckks_ciphertext *b = ckks_ciphertext_new(f.ctx);
    OK(ckks_key_switch(f.ctx, b, a, to_sparse));
    ckks_secret_key *dense = f.sk;
    f.sk = sparse;
    double bits = precision_bits(&f, b, x, f.slots);
    cr_assert_geq(bits, 22.0, "under the sparse key: %.1f bits", bits);
    f.sk = dense;
    cr_assert_lt(precision_bits(&f, b, x, f.slots), 0.0, "the dense key must no longer decrypt");
    OK(ckks_key_switch(f.ctx, b, b, to_dense));
    bits = precision_bits(&f, b, x, f.slots);
    cr_assert_geq(bits, 22.0, "back under the dense key: %.1f bits", bits);
    /* a relinearization key is not a switching key */
    cr_assert_eq(ckks_key_switch(f.ctx, b, b, f.rlk), CKKS_EKEY);
    ckks_switch_key_free(to_sparse);
    ckks_switch_key_free(to_dense);
    ckks_secret_key_free(sparse);
    ckks_ciphertext_free(a);
    ckks_ciphertext_free(b);
    free(x);
}

/* Centered value of coefficient k of pt, composed over its limbs. */
static void coefficient(const ckks_plaintext *pt, size_t k, mpz_t v)
{
    const ckks_context *ctx = pt->ctx;
    size_t n = ctx->n;
    mpz_t Q, qi, hat, t;
    mpz_inits(Q, qi, hat, t, NULL);
    mpz_set_ui(Q, 1);
    for (int i = 0; i <= pt->level; i++) mpz_mul_ui(Q, Q, ctx->mod[i].q);
    mpz_set_ui(v, 0);
    uint64_t *limb = malloc(n * sizeof *limb);
    for (int i = 0; i <= pt->level; i++) {
        memcpy(limb, pt->c + (size_t)i * n, n * sizeof *limb);
        ckks_ntt_inverse(&ctx->ntt[i], limb);
        mpz_set_ui(qi, ctx->mod[i].q);
        mpz_divexact(hat, Q, qi);
        mpz_invert(t, hat, qi);
        mpz_mul_ui(t, t, limb[k]);
        mpz_mod(t, t, qi);
        mpz_addmul(v, t, hat);
    }
    mpz_mod(v, v, Q);
    mpz_fdiv_q_2exp(t, Q, 1);
    if (mpz_cmp(v, t) > 0) mpz_sub(v, v, Q);
    free(limb);
    mpz_clears(Q, qi, hat, t, NULL);
}

Test(keyswitch, mod_raise_adds_a_small_multiple_of_q0)
{
    double x[8] = {0.5, -0.25, 0.125, 0.75, -1, 1, 0, 0.3};
    ckks_ciphertext *a = encrypt_vector(&f, x, 8, 0);
    ckks_ciphertext *r = ckks_ciphertext_new(f.ctx);
    OK(ckks_mod_raise(f.ctx, r, a));
    cr_assert_eq(ckks_ciphertext_level(r), f.top);
    cr_assert_eq(ckks_ciphertext_scale(r), ckks_ciphertext_scale(a));
    ckks_plaintext *p0 = ckks_plaintext_new(f.ctx), *p1 = ckks_plaintext_new(f.ctx);
    OK(ckks_decrypt(f.ctx, p0, a, f.sk));
    OK(ckks_decrypt(f.ctx, p1, r, f.sk));
    mpz_t u, v, d, rem;
    mpz_inits(u, v, d, rem, NULL);
    long worst = 0;
    for (size_t k = 0; k < f.ctx->n; k += 7) {
        coefficient(p0, k, u);
        coefficient(p1, k, v);
        mpz_sub(d, v, u);
        mpz_fdiv_qr_ui(d, rem, d, f.ctx->mod[0].q);
        cr_assert_eq(mpz_sgn(rem), 0, "not a multiple of q0 at %zu", k);
        long mult = mpz_get_si(d);
        if (labs(mult) > worst) worst = labs(mult);
    }
    /* dense ternary secret: |I| <= (|c1 s| + |c0|) / q0, about sqrt(N) at most */
    cr_assert_leq(worst, 2 * (long)sqrt((double)f.ctx->n) + 2, "|I| = %ld", worst);
    cr_assert_gt(worst, 0);
    mpz_clears(u, v, d, rem, NULL);
    cr_assert_eq(ckks_mod_raise(f.ctx, r, r), CKKS_ELEVEL);
    ckks_plaintext_free(p0);
    ckks_plaintext_free(p1);
    ckks_ciphertext_free(a);
    ckks_ciphertext_free(r);
}

Test(keyswitch, level_restricted_keys)
{
    const int one = 1;
    ckks_galois_keys *full, *low;
    OK(ckks_galois_keys_new(f.ctx, &full, f.sk, &one, 1, 0));
    OK(ckks_galois_keys_new_level(f.ctx, &low, f.sk, &one, 1, 0, 2));
    cr_assert_lt(ckks_galois_keys_bytes(low), ckks_galois_keys_bytes(full) / 2);
    /* the restricted key is the restriction of the full one */
    const ckks_switch_key *kf = full->keys[0], *kl = low->keys[0];
    int limbs[CKKS_MAX_PRIMES], nl = ckks_switch_key_limbs(f.ctx, kl, limbs);
    for (int j = 0; j < kl->dnum; j++)
        for (int i = 0; i < nl; i++) {
            size_t lo = ckks_key_offset(f.ctx, kl, limbs[i]), fo = ckks_key_offset(f.ctx, kf, limbs[i]);
            cr_assert_eq(memcmp(kl->b[j] + lo, kf->b[j] + fo, f.ctx->n * 8), 0);
        }
    double *x = malloc(f.slots * sizeof *x), *want = malloc(f.slots * sizeof *want);
    random_vector(x, f.slots, 9);
    for (size_t i = 0; i < f.slots; i++) want[i] = x[(i + 1) % f.slots];
    ckks_ciphertext *a = encrypt_vector(&f, x, f.slots, f.top), *b = ckks_ciphertext_new(f.ctx);
    cr_assert_eq(ckks_rotate(f.ctx, b, a, 1, low), CKKS_ELEVEL);
    OK(ckks_set_level(f.ctx, a, 2));
    OK(ckks_rotate(f.ctx, b, a, 1, low));
    cr_assert_geq(precision_bits(&f, b, want, f.slots), 22.0);
    ckks_ciphertext *c = ckks_ciphertext_new(f.ctx);
    OK(ckks_rotate(f.ctx, c, a, 1, full));
    cr_assert_eq(memcmp(b->c[0], c->c[0], 3 * f.ctx->n * 8), 0, "same result as the full key");
    /* a sparse-slot vector rotated modulo a larger recorded slot count */
    OK(ckks_ciphertext_set_log_slots(a, f.log_slots - 1));
    cr_assert_eq(ckks_ciphertext_set_log_slots(a, f.log_slots + 1), CKKS_EINVAL);
    ckks_galois_keys_free(full);
    ckks_galois_keys_free(low);
    ckks_ciphertext_free(a);
    ckks_ciphertext_free(b);
    ckks_ciphertext_free(c);
    free(x);
    free(want);
}

/*
 * Digits as large as P (here 180 bits against 183): the key-switching
 * error sum_j d_j e_j / P is then of the order of the ModDown rounding,
 * but only if the digits are centered. Digits in [0, Q_j) carry a mean of
 * Q_j / 2, and that constant polynomial times e has slot values up to
 * N / pi times larger: 2^-23 instead of 2^-27 here (measured).
 */
Test(keyswitch, digits_as_large_as_p_stay_precise)
{
    ckks_params p = {0};
    p.logn = 13;
    p.nq = 11;
    p.qbits[0] = 60;
    for (int i = 1; i < 11; i++) p.qbits[i] = 40;
    p.np = 3;
    p.pbits[0] = p.pbits[1] = p.pbits[2] = 61;
    p.log_scale = 40;
    p.dnum = 3;
    p.insecure = 1;
    fixture g = {0};
    OK(ckks_context_new(&g.ctx, &p, CKKS_ALLOW_INSECURE));
    uint8_t seed[CKKS_SEED_BYTES] = {4};
    OK(ckks_secret_key_new(g.ctx, &g.sk, seed));
    OK(ckks_public_key_new(g.ctx, &g.pk, g.sk));
    g.log_slots = p.logn - 1;
    g.slots = (size_t)1 << g.log_slots;
    g.scale = ckks_context_default_scale(g.ctx);
    ckks_switch_key *sw;
    OK(ckks_switching_key_new(g.ctx, &sw, g.sk, g.sk));
    double *x = malloc(g.slots * sizeof *x);
    random_vector(x, g.slots, 5);
    ckks_plaintext *pt = ckks_plaintext_new(g.ctx);
    ckks_ciphertext *a = ckks_ciphertext_new(g.ctx);
    /* level 3: one full digit q_0..q_3 of 180 bits */
    OK(ckks_encode_real(g.ctx, pt, x, g.slots, g.log_slots, 3, g.scale));
    OK(ckks_encrypt_sk(g.ctx, a, pt, g.sk, seed));
    OK(ckks_key_switch(g.ctx, a, a, sw));
    double bits = precision_bits(&g, a, x, g.slots);
    cr_assert_geq(bits, 26.0, "key switch with 180-bit digits: %.1f bits", bits);
    ckks_switch_key_free(sw);
    ckks_plaintext_free(pt);
    ckks_ciphertext_free(a);
    free(x);
    ckks_public_key_free(g.pk);
    ckks_secret_key_free(g.sk);
    ckks_context_free(g.ctx);
}
