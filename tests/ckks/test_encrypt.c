/* Encryption and decryption, public and secret key. */
#include "common.h"
#include "ckks/internal.h"

#include <string.h>

static fixture f;
static void setup(void) { fixture_init(&f, "TEST-N12", NULL, 0); }
static void teardown(void) { fixture_free(&f); }
TestSuite(encrypt, .init = setup, .fini = teardown);

/*
 * Scale 2^40, N = 2^12. Fresh secret-key noise is a Gaussian of sigma 3.2
 * per coefficient, about 3.2 sqrt(N) = 2^7.7 per slot and 2^10 at worst
 * over the slots: >= 28 bits. Public-key noise e0 + e1 s + e u is about
 * 3.2 sqrt(2N/3 + ...) sqrt(N) = 2^13.5 per slot: >= 23 bits at worst.
 */
Test(encrypt, round_trip_at_every_level)
{
    double *v = malloc(f.slots * sizeof *v);
    random_vector(v, f.slots, 11);
    ckks_plaintext *pt = ckks_plaintext_new(f.ctx);
    ckks_ciphertext *ct = ckks_ciphertext_new(f.ctx);
    for (int level = 0; level <= f.top; level++) {
        OK(ckks_encode_real(f.ctx, pt, v, f.slots, f.log_slots, level, f.scale));
        OK(ckks_encrypt_sk(f.ctx, ct, pt, f.sk, NULL));
        cr_assert_eq(ckks_ciphertext_level(ct), level);
        cr_assert_geq(precision_bits(&f, ct, v, f.slots), 28.0, "sk, level %d", level);
        OK(ckks_encrypt_pk(f.ctx, ct, pt, f.pk, NULL));
        cr_assert_geq(precision_bits(&f, ct, v, f.slots), 23.0, "pk, level %d", level);
    }
    free(v);
    ckks_plaintext_free(pt);
    ckks_ciphertext_free(ct);
}

Test(encrypt, sparse_slots)
{
    double v[16];
    random_vector(v, 16, 5);
    ckks_plaintext *pt = ckks_plaintext_new(f.ctx);
    ckks_ciphertext *ct = ckks_ciphertext_new(f.ctx);
    OK(ckks_encode_real(f.ctx, pt, v, 16, 4, f.top, f.scale));
    OK(ckks_encrypt_pk(f.ctx, ct, pt, f.pk, NULL));
    cr_assert_eq(ckks_ciphertext_log_slots(ct), 4);
    cr_assert_geq(precision_bits(&f, ct, v, 16), 23.0);
    ckks_plaintext_free(pt);
    ckks_ciphertext_free(ct);
}

Test(encrypt, seeds_make_ciphertexts_reproducible)
{
    double v[8] = {1, -1, 0.5, 0.25, 0, 0.125, -0.5, 0.75};
    uint8_t seed[CKKS_SEED_BYTES] = {9};
    ckks_plaintext *pt = ckks_plaintext_new(f.ctx);
    ckks_ciphertext *a = ckks_ciphertext_new(f.ctx), *b = ckks_ciphertext_new(f.ctx);
    OK(ckks_encode_real(f.ctx, pt, v, 8, f.log_slots, f.top, f.scale));
    size_t words = (size_t)(f.top + 1) * f.ctx->n * sizeof(uint64_t);
    for (int pk = 0; pk < 2; pk++) {
        OK(pk ? ckks_encrypt_pk(f.ctx, a, pt, f.pk, seed) : ckks_encrypt_sk(f.ctx, a, pt, f.sk, seed));
        OK(pk ? ckks_encrypt_pk(f.ctx, b, pt, f.pk, seed) : ckks_encrypt_sk(f.ctx, b, pt, f.sk, seed));
        cr_assert_eq(memcmp(a->c[0], b->c[0], words), 0);
        cr_assert_eq(memcmp(a->c[1], b->c[1], words), 0);
        OK(pk ? ckks_encrypt_pk(f.ctx, b, pt, f.pk, NULL) : ckks_encrypt_sk(f.ctx, b, pt, f.sk, NULL));
        cr_assert_neq(memcmp(a->c[1], b->c[1], words), 0, "fresh randomness expected");
    }
    /* a secret-key ciphertext's c1 is the expansion of its stored seed,
     * and that seed is not the encryption seed (which fixes the error) */
    OK(ckks_encrypt_sk(f.ctx, a, pt, f.sk, seed));
    cr_assert(a->seeded);
    cr_assert_neq(memcmp(a->seed, seed, sizeof seed), 0);
    int limbs[CKKS_MAX_PRIMES];
    for (int i = 0; i <= f.top; i++) limbs[i] = i;
    uint64_t *c1 = malloc(words);
    ckks_expand_uniform(f.ctx, a->seed, CKKS_DOMAIN_ENC_A, 0, limbs, f.top + 1, c1);
    cr_assert_eq(memcmp(c1, a->c[1], words), 0);
    free(c1);
    ckks_plaintext_free(pt);
    ckks_ciphertext_free(a);
    ckks_ciphertext_free(b);
}

Test(encrypt, wrong_key_does_not_decrypt)
{
    double v[4] = {0.5, 0.5, 0.5, 0.5};
    ckks_ciphertext *ct = encrypt_vector(&f, v, 4, f.top);
    ckks_secret_key *other;
    uint8_t seed[CKKS_SEED_BYTES] = {1};
    OK(ckks_secret_key_new(f.ctx, &other, seed));
    ckks_secret_key *mine = f.sk;
    f.sk = other;
    cr_assert_lt(precision_bits(&f, ct, v, 4), 0.0);
    f.sk = mine;
    ckks_secret_key_free(other);
    ckks_ciphertext_free(ct);
}

Test(encrypt, secret_keys_have_the_requested_distribution)
{
    size_t n = f.ctx->n, counts[3] = {0};
    for (size_t i = 0; i < n; i++) {
        cr_assert(f.sk->s[i] >= -1 && f.sk->s[i] <= 1);
        counts[f.sk->s[i] + 1]++;
    }
    for (int k = 0; k < 3; k++) cr_assert(counts[k] > n / 4 && counts[k] < n / 2.4);

    ckks_params p;
    OK(ckks_params_named("TEST-N12", &p));
    p.hamming_weight = 64;
    ckks_context *ctx;
    OK(ckks_context_new(&ctx, &p, CKKS_ALLOW_INSECURE));
    ckks_secret_key *sk;
    OK(ckks_secret_key_new(ctx, &sk, NULL));
    size_t nz = 0;
    for (size_t i = 0; i < n; i++) nz += sk->s[i] != 0;
    cr_assert_eq(nz, 64);
    ckks_secret_key_free(sk);
    ckks_context_free(ctx);
}

Test(encrypt, mismatches_are_errors)
{
    ckks_params p;
    OK(ckks_params_named("TEST-N11", &p));
    ckks_context *other;
    OK(ckks_context_new(&other, &p, CKKS_ALLOW_INSECURE));
    ckks_plaintext *pt = ckks_plaintext_new(f.ctx);
    ckks_ciphertext *ct = ckks_ciphertext_new(other);
    double v = 1;
    OK(ckks_encode_real(f.ctx, pt, &v, 1, 0, 0, f.scale));
    cr_assert_eq(ckks_encrypt_pk(f.ctx, ct, pt, f.pk, NULL), CKKS_ECONTEXT);
    cr_assert_eq(ckks_encrypt_sk(other, ct, pt, f.sk, NULL), CKKS_ECONTEXT);
    cr_assert_eq(ckks_encrypt_pk(f.ctx, NULL, pt, f.pk, NULL), CKKS_EINVAL);
    ckks_ciphertext_free(ct);
    ckks_plaintext_free(pt);
    ckks_context_free(other);
}
