/* Rotations, conjugation, composition and hoisting. */
#include "common.h"
#include "ckks/internal.h"

#include <complex.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static fixture f;
static double *x, *want;
static ckks_ciphertext *a, *c;
static const int steps[] = {1, 2, 4, -1, 5, 100};

static void setup(void)
{
    fixture_init(&f, "TEST-N12", steps, sizeof steps / sizeof steps[0]);
    x = malloc(f.slots * sizeof *x);
    want = malloc(f.slots * sizeof *want);
    random_vector(x, f.slots, 4);
    a = encrypt_vector(&f, x, f.slots, f.top);
    c = ckks_ciphertext_new(f.ctx);
}

static void teardown(void)
{
    ckks_ciphertext_free(a);
    ckks_ciphertext_free(c);
    free(x);
    free(want);
    fixture_free(&f);
}

TestSuite(rotate, .init = setup, .fini = teardown);

static void expect_rotated(const ckks_ciphertext *ct, int step, size_t slots, const double *v)
{
    for (size_t i = 0; i < slots; i++)
        want[i] = v[((long)i + step % (long)slots + (long)slots) % (long)slots];
    double bits = precision_bits(&f, ct, want, slots);
    cr_assert_geq(bits, 22.0, "rotation by %d: %.1f bits", step, bits);
}

Test(rotate, by_present_keys)
{
    for (size_t k = 0; k < sizeof steps / sizeof steps[0]; k++) {
        OK(ckks_rotate(f.ctx, c, a, steps[k], f.gk));
        expect_rotated(c, steps[k], f.slots, x);
    }
    OK(ckks_rotate(f.ctx, c, a, 0, f.gk));
    expect_rotated(c, 0, f.slots, x);
    /* in place, and a full turn */
    OK(ckks_ciphertext_copy(c, a));
    OK(ckks_rotate(f.ctx, c, c, (int)f.slots + 1, f.gk));
    expect_rotated(c, 1, f.slots, x);
}

Test(rotate, composed_from_present_keys)
{
    /* 7 = 5 + 2, 3 = 1 + 2, -3 = -1 - 1 - 1 or 1 + ... */
    const int composed[] = {3, 7, 13, -3, 1000};
    for (size_t k = 0; k < sizeof composed / sizeof composed[0]; k++) {
        OK(ckks_rotate(f.ctx, c, a, composed[k], f.gk));
        expect_rotated(c, composed[k], f.slots, x);
    }
}

Test(rotate, missing_keys)
{
    ckks_galois_keys *even;
    const int two = 2;
    OK(ckks_galois_keys_new(f.ctx, &even, f.sk, &two, 1, 0));
    cr_assert_eq(ckks_rotate(f.ctx, c, a, 1, even), CKKS_EKEY, "odd steps are unreachable from 2");
    OK(ckks_rotate(f.ctx, c, a, 6, even));
    expect_rotated(c, 6, f.slots, x);
    cr_assert_eq(ckks_conjugate(f.ctx, c, a, even), CKKS_EKEY);
    cr_assert_eq(ckks_rotate(f.ctx, c, a, 1, NULL), CKKS_EKEY);
    ckks_galois_keys_free(even);
}

Test(rotate, conjugate)
{
    double complex *z = malloc(f.slots * sizeof *z), *got = malloc(f.slots * sizeof *got);
    for (size_t i = 0; i < f.slots; i++) z[i] = x[i] + I * x[(i + 7) % f.slots];
    ckks_plaintext *pt = ckks_plaintext_new(f.ctx);
    OK(ckks_encode(f.ctx, pt, z, f.slots, f.log_slots, f.top, f.scale));
    OK(ckks_encrypt_pk(f.ctx, c, pt, f.pk, NULL));
    OK(ckks_conjugate(f.ctx, c, c, f.gk));
    OK(ckks_decrypt(f.ctx, pt, c, f.sk));
    OK(ckks_decode(f.ctx, pt, got, f.slots));
    for (size_t i = 0; i < f.slots; i++) cr_assert_lt(cabs(got[i] - conj(z[i])), 0x1p-22);
    free(z);
    free(got);
    ckks_plaintext_free(pt);
}

Test(rotate, hoisted_equals_separate)
{
    enum { K = 5 };
    const int hs[K] = {1, 0, 4, -1, 100};
    ckks_ciphertext *out[K];
    for (int k = 0; k < K; k++) out[k] = ckks_ciphertext_new(f.ctx);
    OK(ckks_rotate_hoisted(f.ctx, out, a, hs, K, f.gk));
    size_t bytes = (size_t)(f.top + 1) * f.ctx->n * sizeof(uint64_t);
    for (int k = 0; k < K; k++) {
        OK(ckks_rotate(f.ctx, c, a, hs[k], f.gk));
        cr_assert_eq(memcmp(c->c[0], out[k]->c[0], bytes), 0, "step %d", hs[k]);
        cr_assert_eq(memcmp(c->c[1], out[k]->c[1], bytes), 0, "step %d", hs[k]);
        expect_rotated(out[k], hs[k], f.slots, x);
    }
    /* every step needs its own key, and no output may alias the input */
    const int bad[2] = {1, 3};
    cr_assert_eq(ckks_rotate_hoisted(f.ctx, out, a, bad, 2, f.gk), CKKS_EKEY);
    ckks_ciphertext *alias[1] = {a};
    cr_assert_eq(ckks_rotate_hoisted(f.ctx, alias, a, hs, 1, f.gk), CKKS_EINVAL);
    for (int k = 0; k < K; k++) ckks_ciphertext_free(out[k]);
}

Test(rotate, sparse_slots_rotate_within_their_count)
{
    double v[16];
    random_vector(v, 16, 8);
    ckks_plaintext *pt = ckks_plaintext_new(f.ctx);
    OK(ckks_encode_real(f.ctx, pt, v, 16, 4, f.top, f.scale));
    OK(ckks_encrypt_pk(f.ctx, c, pt, f.pk, NULL));
    OK(ckks_rotate(f.ctx, c, c, 5, f.gk));
    expect_rotated(c, 5, 16, v);
    OK(ckks_rotate(f.ctx, c, c, 100, f.gk)); /* 100 = 4 mod 16 */
    expect_rotated(c, 9, 16, v);
    ckks_plaintext_free(pt);
}

Test(rotate, at_lower_levels)
{
    OK(ckks_ciphertext_copy(c, a));
    OK(ckks_drop_level(f.ctx, c, f.top - 1));
    OK(ckks_rotate(f.ctx, c, c, 1, f.gk));
    expect_rotated(c, 1, f.slots, x);
    OK(ckks_drop_level(f.ctx, c, 1));
    OK(ckks_rotate(f.ctx, c, c, 2, f.gk));
    expect_rotated(c, 3, f.slots, x);
}

Test(rotate, counters_show_what_hoisting_saves)
{
    const int hs[3] = {1, 2, 4};
    ckks_ciphertext *out[3];
    for (int k = 0; k < 3; k++) out[k] = ckks_ciphertext_new(f.ctx);
    ckks_op_counts n;
    ckks_op_counts_reset(f.ctx);
    OK(ckks_rotate_hoisted(f.ctx, out, a, hs, 3, f.gk));
    ckks_op_counts_get(f.ctx, &n);
    cr_assert_eq(n.decompositions, 1);
    cr_assert_eq(n.key_switches, 3);
    ckks_op_counts_reset(f.ctx);
    OK(ckks_rotate(f.ctx, c, a, 7, f.gk)); /* composed: 5 + 2, two key switches */
    ckks_op_counts_get(f.ctx, &n);
    cr_assert_eq(n.decompositions, 2);
    cr_assert_eq(n.key_switches, 2);
    for (int k = 0; k < 3; k++) ckks_ciphertext_free(out[k]);
}

Test(rotate, double_hoisted_rotate_mul_sum)
{
    enum { K = 4 };
    const int hs[K] = {0, 1, 4, 100};
    double *w[K];
    ckks_plaintext *p[K];
    for (int k = 0; k < K; k++) {
        w[k] = malloc(f.slots * sizeof *w[k]);
        random_vector(w[k], f.slots, 40 + (uint64_t)k);
        p[k] = ckks_plaintext_new(f.ctx);
        OK(ckks_encode_real(f.ctx, p[k], w[k], f.slots, f.log_slots, f.top, f.scale));
    }
    ckks_decomposition *d;
    OK(ckks_decomposition_new(f.ctx, &d, a));
    /* plaintexts must be extended first */
    cr_assert_eq(ckks_rotate_mul_sum(f.ctx, c, a, d, hs, (const ckks_plaintext *const *)p, K, f.gk),
                 CKKS_EINVAL);
    for (int k = 0; k < K; k++) OK(ckks_plaintext_extend(f.ctx, p[k]));
    ckks_op_counts n;
    ckks_op_counts_reset(f.ctx);
    OK(ckks_rotate_mul_sum(f.ctx, c, a, d, hs, (const ckks_plaintext *const *)p, K, f.gk));
    ckks_op_counts_get(f.ctx, &n);
    cr_assert_eq(n.decompositions, 0, "the decomposition is reused");
    cr_assert_eq(n.key_switches, K - 1, "the identity term needs no key switch");
    cr_assert_eq(ckks_ciphertext_scale(c), f.scale * f.scale);
    OK(ckks_rescale(f.ctx, c, c));
    for (size_t i = 0; i < f.slots; i++) {
        want[i] = 0;
        for (int k = 0; k < K; k++) want[i] += w[k][i] * x[(i + (size_t)hs[k]) % f.slots];
    }
    double bits = precision_bits(&f, c, want, f.slots);
    cr_assert_geq(bits, 21.0, "double hoisting: %.1f bits", bits);
    /* a missing key, a level mismatch */
    const int bad[1] = {3};
    cr_assert_eq(ckks_rotate_mul_sum(f.ctx, c, a, d, bad, (const ckks_plaintext *const *)p, 1, f.gk),
                 CKKS_EKEY);
    OK(ckks_ciphertext_copy(c, a));
    OK(ckks_drop_level(f.ctx, c, 1));
    cr_assert_eq(ckks_rotate_mul_sum(f.ctx, c, c, d, hs, (const ckks_plaintext *const *)p, K, f.gk),
                 CKKS_ELEVEL);
    ckks_decomposition_free(d);
    for (int k = 0; k < K; k++) {
        free(w[k]);
        ckks_plaintext_free(p[k]);
    }
}

Test(rotate, double_hoisted_sums_share_their_rotations)
{
    enum { NB = 3, NG = 3 };
    const int hs[NB] = {0, 1, 5};
    ckks_plaintext *p[NG * NB] = {0};
    double w[NG * NB][64];
    for (int t = 0; t < NG * NB; t++) {
        if (t % 4 == 1) continue; /* zero diagonals */
        random_vector(w[t], 64, 70 + (uint64_t)t);
        p[t] = ckks_plaintext_new(f.ctx);
        OK(ckks_encode_real(f.ctx, p[t], w[t], 64, f.log_slots, f.top, f.scale));
        OK(ckks_plaintext_extend(f.ctx, p[t]));
    }
    ckks_decomposition *d;
    OK(ckks_decomposition_new(f.ctx, &d, a));
    ckks_ciphertext *out[NG], *one = ckks_ciphertext_new(f.ctx);
    for (int g = 0; g < NG; g++) out[g] = ckks_ciphertext_new(f.ctx);
    ckks_op_counts n;
    ckks_op_counts_reset(f.ctx);
    OK(ckks_rotate_mul_sums(f.ctx, out, NG, a, d, hs, NB, (const ckks_plaintext *const *)p, f.gk));
    ckks_op_counts_get(f.ctx, &n);
    cr_assert_eq(n.key_switches, 2, "each nonzero rotation once, for all outputs");
    size_t bytes = (size_t)(f.top + 1) * f.ctx->n * sizeof(uint64_t);
    for (int g = 0; g < NG; g++) {
        OK(ckks_rotate_mul_sum(f.ctx, one, a, d, hs, (const ckks_plaintext *const *)p + g * NB, NB, f.gk));
        cr_assert_eq(memcmp(one->c[0], out[g]->c[0], bytes), 0, "output %d", g);
        cr_assert_eq(memcmp(one->c[1], out[g]->c[1], bytes), 0, "output %d", g);
        OK(ckks_rescale(f.ctx, out[g], out[g]));
        for (size_t i = 0; i < 64; i++) {
            want[i] = 0;
            for (int b = 0; b < NB; b++)
                if (p[g * NB + b]) want[i] += w[g * NB + b][i] * x[(i + (size_t)hs[b]) % f.slots];
        }
        double bits = precision_bits(&f, out[g], want, 64);
        cr_assert_geq(bits, 21.0, "output %d: %.1f bits", g, bits);
        ckks_ciphertext_free(out[g]);
    }
    ckks_ciphertext_free(one);
    ckks_decomposition_free(d);
    for (int t = 0; t < NG * NB; t++) ckks_plaintext_free(p[t]);
}

/* Diagonals of short periods are compact plaintexts (the sums read one
 * value per 8 lanes); the sums are the bytes their full limbs give. */
Test(rotate, sums_of_compact_plaintexts)
{
    enum { NB = 3, NG = 2 };
    const int hs[NB] = {0, 1, 5};
    const size_t period[NG * NB] = {1, 4, 16, 2, 64, 256};
    ckks_plaintext *p[NG * NB], *q[NG * NB];
    double *v = malloc(f.slots * sizeof *v);
    for (int t = 0; t < NG * NB; t++) {
        random_vector(v, period[t], 110 + (uint64_t)t);
        for (size_t i = period[t]; i < f.slots; i++) v[i] = v[i % period[t]];
        p[t] = ckks_plaintext_new(f.ctx);
        OK(ckks_encode_real(f.ctx, p[t], v, f.slots, f.log_slots, f.top, f.scale));
        OK(ckks_plaintext_extend(f.ctx, p[t]));
        /* a real constant is a constant polynomial: one word */
        cr_assert_eq(ckks_plaintext_limb_words(p[t]), period[t] > 1 ? 2 * period[t] : 1,
                     "period %zu", period[t]);
        q[t] = full_copy(f.ctx, p[t]);
    }
    ckks_decomposition *d;
    OK(ckks_decomposition_new(f.ctx, &d, a));
    ckks_ciphertext *out[NG], *ref[NG];
    for (int g = 0; g < NG; g++) {
        out[g] = ckks_ciphertext_new(f.ctx);
        ref[g] = ckks_ciphertext_new(f.ctx);
    }
    OK(ckks_rotate_mul_sums(f.ctx, out, NG, a, d, hs, NB, (const ckks_plaintext *const *)p, f.gk));
    OK(ckks_rotate_mul_sums(f.ctx, ref, NG, a, d, hs, NB, (const ckks_plaintext *const *)q, f.gk));
    size_t bytes = (size_t)(f.top + 1) * f.ctx->n * sizeof(uint64_t);
    for (int g = 0; g < NG; g++) {
        cr_assert_eq(memcmp(out[g]->c[0], ref[g]->c[0], bytes), 0, "output %d", g);
        cr_assert_eq(memcmp(out[g]->c[1], ref[g]->c[1], bytes), 0, "output %d", g);
        ckks_ciphertext_free(out[g]);
        ckks_ciphertext_free(ref[g]);
    }
    ckks_decomposition_free(d);
    for (int t = 0; t < NG * NB; t++) {
        ckks_plaintext_free(p[t]);
        ckks_plaintext_free(q[t]);
    }
    free(v);
}

/* Slots of ct as doubles (real parts). */
static void real_slots(const ckks_ciphertext *ct, double *v)
{
    ckks_plaintext *pt = ckks_plaintext_new(f.ctx);
    double complex *z = malloc(f.slots * sizeof *z);
    OK(ckks_decrypt(f.ctx, pt, ct, f.sk));
    OK(ckks_decode(f.ctx, pt, z, f.slots));
    for (size_t i = 0; i < f.slots; i++) v[i] = creal(z[i]);
    free(z);
    ckks_plaintext_free(pt);
}

Test(rotate, sums_with_their_moddown_pending)
{
    enum { NB = 3, NG = 2 };
    const int hs[NB] = {0, 1, 5};
    ckks_plaintext *p[NG * NB] = {0};
    double w[NG * NB][64];
    for (int t = 0; t < NG * NB; t++) {
        random_vector(w[t], 64, 90 + (uint64_t)t);
        p[t] = ckks_plaintext_new(f.ctx);
        OK(ckks_encode_real(f.ctx, p[t], w[t], 64, f.log_slots, f.top, f.scale));
        OK(ckks_plaintext_extend(f.ctx, p[t]));
    }
    const ckks_plaintext *const *pp = (const ckks_plaintext *const *)p;
    ckks_decomposition *d;
    OK(ckks_decomposition_new(f.ctx, &d, a));
    ckks_ciphertext *out[NG], *m = ckks_ciphertext_new(f.ctx), *two = ckks_ciphertext_new(f.ctx);
    ckks_ext_ciphertext *ext[NG], *sum = ckks_ext_ciphertext_new(f.ctx);
    for (int g = 0; g < NG; g++) {
        out[g] = ckks_ciphertext_new(f.ctx);
        ext[g] = ckks_ext_ciphertext_new(f.ctx);
    }
    OK(ckks_rotate_mul_sums(f.ctx, out, NG, a, d, hs, NB, pp, f.gk));
    OK(ckks_rotate_mul_sums_ext(f.ctx, ext, NG, a, d, hs, NB, pp, f.gk));
    /* the ModDown done later is the very one ckks_rotate_mul_sums does */
    size_t bytes = (size_t)(f.top + 1) * f.ctx->n * sizeof(uint64_t);
    for (int g = 0; g < NG; g++) {
        OK(ckks_mod_down(f.ctx, m, ext[g]));
        cr_assert_eq(ckks_ciphertext_scale(m), ckks_ciphertext_scale(out[g]));
        cr_assert_eq(memcmp(m->c[0], out[g]->c[0], bytes), 0, "output %d", g);
        cr_assert_eq(memcmp(m->c[1], out[g]->c[1], bytes), 0, "output %d", g);
    }
    /* a sum of pending sums, and a rotation sharing the ModDown of one:
     * the values of the separate operations, to within their roundings */
    double *ref = malloc(f.slots * sizeof *ref);
    OK(ckks_ext_add(f.ctx, sum, ext[0], ext[1]));
    OK(ckks_mod_down(f.ctx, m, sum));
    OK(ckks_add(f.ctx, two, out[0], out[1]));
    real_slots(two, ref);
    double bits0 = precision_bits(&f, m, ref, f.slots);
    cr_assert_geq(bits0, 30.0, "%.1f bits", bits0);
    for (int step = 1; step <= 3; step += 2) { /* 3 has no key of its own: composed */
        ckks_op_counts n;
        ckks_op_counts_reset(f.ctx);
        OK(ckks_rotate_add_ext(f.ctx, m, out[0], step, ext[1], f.gk));
        ckks_op_counts_get(f.ctx, &n);
        cr_assert_eq(n.key_switches, step == 1 ? 1 : 2, "step %d", step);
        OK(ckks_rotate(f.ctx, two, out[0], step, f.gk));
        OK(ckks_add(f.ctx, two, two, out[1]));
        real_slots(two, ref);
        double bits = precision_bits(&f, m, ref, f.slots);
        cr_assert_geq(bits, 30.0, "step %d: %.1f bits from the separate operations", step, bits);
    }
    /* in place, as Horner's rule uses it */
    OK(ckks_rotate(f.ctx, two, out[0], 1, f.gk));
    OK(ckks_add(f.ctx, two, two, out[1]));
    real_slots(two, ref);
    OK(ckks_ciphertext_copy(m, out[0]));
    OK(ckks_rotate_add_ext(f.ctx, m, m, 1, ext[1], f.gk));
    cr_assert_geq(precision_bits(&f, m, ref, f.slots), 30.0);
    /* mismatches */
    OK(ckks_ciphertext_copy(m, out[0]));
    OK(ckks_drop_level(f.ctx, m, 1));
    cr_assert_eq(ckks_rotate_add_ext(f.ctx, two, m, 1, ext[1], f.gk), CKKS_ELEVEL);
    OK(ckks_ciphertext_copy(m, out[0]));
    OK(ckks_ciphertext_set_scale(m, ckks_ciphertext_scale(m) * 2));
    cr_assert_eq(ckks_rotate_add_ext(f.ctx, two, m, 1, ext[1], f.gk), CKKS_ESCALE);
    ckks_ext_ciphertext *empty = ckks_ext_ciphertext_new(f.ctx);
    cr_assert_eq(ckks_mod_down(f.ctx, m, empty), CKKS_EINVAL);
    /* a failed write leaves nothing that reads as a result */
    const int nokey[NB] = {0, 1, 7};
    cr_assert_eq(ckks_rotate_mul_sums_ext(f.ctx, ext, NG, a, d, nokey, NB, pp, f.gk), CKKS_EKEY);
    cr_assert_eq(ckks_mod_down(f.ctx, m, ext[0]), CKKS_EINVAL);
    cr_assert_eq(ckks_ext_add(f.ctx, sum, ext[0], empty), CKKS_EINVAL);
    cr_assert_eq(ckks_ext_add(f.ctx, NULL, ext[0], ext[1]), CKKS_EINVAL);
    ckks_ext_ciphertext_free(empty);
    free(ref);
    for (int g = 0; g < NG; g++) {
        ckks_ciphertext_free(out[g]);
        ckks_ext_ciphertext_free(ext[g]);
    }
    ckks_ext_ciphertext_free(sum);
    ckks_ciphertext_free(m);
    ckks_ciphertext_free(two);
    ckks_decomposition_free(d);
    for (int t = 0; t < NG * NB; t++) ckks_plaintext_free(p[t]);
}

/* Decrypt under sk and decode n complex slots. */
static void decrypt_complex(const ckks_ciphertext *ct, const ckks_secret_key *sk, double complex *z,
                            size_t n)
{
    ckks_plaintext *pt = ckks_plaintext_new(f.ctx);
    OK(ckks_decrypt(f.ctx, pt, ct, sk));
    OK(ckks_decode(f.ctx, pt, z, n));
    ckks_plaintext_free(pt);
}

Test(rotate, raised_ciphertext_takes_one_digit_keys)
{
    enum { K = 4 };
    const int hs[K] = {0, 1, 5, -3};
    size_t n = f.slots;
    /* a level-0 ciphertext under a sparse secret, as in bootstrapping's
     * encapsulation: the raised terms come out under the dense f.sk */
    uint8_t seed[CKKS_SEED_BYTES] = {9};
    ckks_secret_key *sparse;
    OK(ckks_secret_key_new_sparse(f.ctx, &sparse, 16, seed));
    ckks_plaintext *pt = ckks_plaintext_new(f.ctx);
    ckks_ciphertext *low = ckks_ciphertext_new(f.ctx), *r = ckks_ciphertext_new(f.ctx);
    OK(ckks_encode_real(f.ctx, pt, x, n, f.log_slots, 0, f.scale));
    OK(ckks_encrypt_sk(f.ctx, low, pt, sparse, NULL));
    ckks_galois_keys *rk;
    OK(ckks_raised_keys_new(f.ctx, &rk, sparse, f.sk, hs, K, f.top));
    cr_assert_eq(ckks_galois_keys_count(rk), K, "the identity switch is a key too");
    cr_assert_eq(ckks_galois_keys_bytes(rk) * (size_t)f.ctx->dnum * ckks_galois_keys_count(f.gk),
                 ckks_galois_keys_bytes(f.gk) * K, "one digit instead of dnum");
    ckks_decomposition *d;
    ckks_op_counts cnt;
    ckks_op_counts_reset(f.ctx);
    OK(ckks_mod_raise_decomposed(f.ctx, r, &d, low));
    cr_assert_eq(ckks_ciphertext_level(r), f.top);

    /* what the raised ciphertext holds: x plus q0 I / scale, under sparse */
    double complex *u = malloc(n * sizeof *u), *got = malloc(n * sizeof *got);
    decrypt_complex(r, sparse, u, n);
    double *w[K];
    ckks_plaintext *p[K];
    for (int k = 0; k < K; k++) {
        w[k] = malloc(n * sizeof *w[k]);
        random_vector(w[k], n, 90 + (uint64_t)k);
        p[k] = ckks_plaintext_new(f.ctx);
        OK(ckks_encode_real(f.ctx, p[k], w[k], n, f.log_slots, f.top, f.scale));
        /* the encoded values: their rounding, times the large raised
         * values, would swamp what is checked */
        OK(ckks_decode_real(f.ctx, p[k], w[k], n));
        OK(ckks_plaintext_extend(f.ctx, p[k]));
    }
    OK(ckks_rotate_mul_sum(f.ctx, c, r, d, hs, (const ckks_plaintext *const *)p, K, rk));
    ckks_op_counts_get(f.ctx, &cnt);
    cr_assert_eq(cnt.decompositions, 1, "ModRaise's digit, no ModUp");
    cr_assert_eq(cnt.key_switches, K);
    decrypt_complex(c, f.sk, got, n);
    double err = 0, big = 0;
    for (size_t i = 0; i < n; i++) {
        double complex want_i = 0;
        for (int k = 0; k < K; k++)
            want_i += w[k][i] * u[(i + (size_t)(hs[k] + (int)n)) % n];
        err = fmax(err, cabs(got[i] - want_i));
        big = fmax(big, cabs(want_i));
    }
    /* the key switches add ~2^-60 of the scale: what is left (~51 bits) is
     * the double-precision reference on values of magnitude `big` */
    cr_assert_gt(big, 1e3, "the raised values carry q0 I");
    cr_assert_geq(-log2(err / big), 45.0, "%.1f bits relative to %.3g", -log2(err / big), big);

    /* ordinary keys do not fit a raised decomposition, nor one-digit keys
     * an ordinary one */
    cr_assert_eq(ckks_rotate_mul_sum(f.ctx, c, r, d, hs + 1, (const ckks_plaintext *const *)p, 1, f.gk),
                 CKKS_EKEY);
    ckks_decomposition *od;
    OK(ckks_decomposition_new(f.ctx, &od, a));
    cr_assert_eq(ckks_rotate_mul_sum(f.ctx, c, a, od, hs + 1, (const ckks_plaintext *const *)p, 1, rk),
                 CKKS_EKEY);
    cr_assert_eq(ckks_rotate(f.ctx, c, a, 1, rk), CKKS_EKEY);

    ckks_decomposition_free(od);
    ckks_decomposition_free(d);
    for (int k = 0; k < K; k++) {
        free(w[k]);
        ckks_plaintext_free(p[k]);
    }
    free(u);
    free(got);
    ckks_galois_keys_free(rk);
    ckks_ciphertext_free(low);
    ckks_ciphertext_free(r);
    ckks_plaintext_free(pt);
    ckks_secret_key_free(sparse);
}

/* Keys between secrets never share their uniform part with keys of other
 * pairs: two secrets drawn from one seed with different weights, the pair
 * in the other order, a secret with itself (their b would differ by P
 * times a difference of secrets). */
Test(rotate, raised_keys_share_no_randomness)
{
    uint8_t seed[CKKS_SEED_BYTES] = {7, 1, 2}; /* the fixture's: f.sk */
    ckks_secret_key *sparse;
    OK(ckks_secret_key_new_sparse(f.ctx, &sparse, 16, seed));
    const int step[1] = {1}, zero[1] = {0};
    ckks_galois_keys *ks[4];
    OK(ckks_raised_keys_new(f.ctx, &ks[0], sparse, f.sk, step, 1, f.top));
    OK(ckks_raised_keys_new(f.ctx, &ks[1], f.sk, f.sk, step, 1, f.top));
    OK(ckks_raised_keys_new(f.ctx, &ks[2], f.sk, sparse, step, 1, f.top));
    OK(ckks_raised_keys_new(f.ctx, &ks[3], sparse, sparse, step, 1, f.top));
    uint64_t g = ckks_galois_element(f.ctx, 1);
    size_t words = ((size_t)f.top + 1) * f.ctx->n;
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < i; j++) {
            const ckks_switch_key *a = ckks_galois_keys_find(ks[i], g), *b = ckks_galois_keys_find(ks[j], g);
            cr_assert(a && b);
            cr_assert_neq(memcmp(a->a[0], b->a[0], words * sizeof(uint64_t)), 0, "sets %d, %d", i, j);
        }
    /* the level-0 switch into the sparse secret and the identity switch back */
    ckks_switch_key *in;
    ckks_galois_keys *back;
    OK(ckks_switching_key_new_level(f.ctx, &in, f.sk, sparse, 0));
    OK(ckks_raised_keys_new(f.ctx, &back, sparse, f.sk, zero, 1, 0));
    cr_assert(ckks_galois_keys_has(f.ctx, back, 0));
    cr_assert_neq(memcmp(in->a[0], ckks_galois_keys_find(back, 1)->a[0], f.ctx->n * sizeof(uint64_t)), 0);
    ckks_switch_key_free(in);
    ckks_galois_keys_free(back);
    for (int i = 0; i < 4; i++) ckks_galois_keys_free(ks[i]);
    ckks_secret_key_free(sparse);
}

/* The ciphertexts every kind of key switch gives with f's keys: a rotation,
 * two hoisted ones, a double-hoisted sum and a relinearized product. */
enum { RUNS = 5 };
static void switch_everything(ckks_ciphertext *out[RUNS], const ckks_galois_keys *gk,
                              const ckks_switch_key *rlk)
{
    const int hs[2] = {1, 100};
    OK(ckks_rotate(f.ctx, out[0], a, 5, gk));
    OK(ckks_rotate_hoisted(f.ctx, out + 1, a, hs, 2, gk));
    ckks_plaintext *p[2];
    for (int k = 0; k < 2; k++) {
        p[k] = ckks_plaintext_new(f.ctx);
        OK(ckks_encode_real(f.ctx, p[k], x, f.slots, f.log_slots, f.top, f.scale));
        OK(ckks_plaintext_extend(f.ctx, p[k]));
    }
    ckks_decomposition *d;
    OK(ckks_decomposition_new(f.ctx, &d, a));
    OK(ckks_rotate_mul_sum(f.ctx, out[3], a, d, hs, (const ckks_plaintext *const *)p, 2, gk));
    OK(ckks_mul_relin(f.ctx, out[4], a, a, rlk));
    ckks_decomposition_free(d);
    for (int k = 0; k < 2; k++) ckks_plaintext_free(p[k]);
}

static void expect_same(ckks_ciphertext *const got[RUNS], ckks_ciphertext *const want_ct[RUNS],
                        const char *what)
{
    for (int r = 0; r < RUNS; r++) {
        size_t bytes = (size_t)(ckks_ciphertext_level(want_ct[r]) + 1) * f.ctx->n * sizeof(uint64_t);
        cr_assert_eq(ckks_ciphertext_level(got[r]), ckks_ciphertext_level(want_ct[r]));
        cr_assert_eq(memcmp(got[r]->c[0], want_ct[r]->c[0], bytes), 0, "%s, run %d", what, r);
        cr_assert_eq(memcmp(got[r]->c[1], want_ct[r]->c[1], bytes), 0, "%s, run %d", what, r);
    }
}

Test(rotate, compact_keys_switch_bit_identically_in_half_the_memory)
{
    ckks_ciphertext *whole[RUNS], *compact[RUNS];
    for (int r = 0; r < RUNS; r++) {
        whole[r] = ckks_ciphertext_new(f.ctx);
        compact[r] = ckks_ciphertext_new(f.ctx);
    }
    switch_everything(whole, f.gk, f.rlk);
    size_t bytes = ckks_galois_keys_bytes(f.gk);
    ckks_galois_keys_compact(f.gk);
    ckks_switch_key_compact(f.rlk);
    ckks_galois_keys_compact(f.gk); /* twice: a no-op */
    cr_assert_eq(ckks_galois_keys_bytes(f.gk), bytes / 2);
    switch_everything(compact, f.gk, f.rlk);
    expect_same(compact, whole, "compact");
    /* files are the same either way, and load whole */
    char path[] = "/tmp/test_rotate_compact.XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
    ckks_galois_keys *loaded;
    OK(ckks_galois_keys_save(f.ctx, f.gk, path));
    OK(ckks_galois_keys_load(f.ctx, &loaded, path));
    remove(path);
    cr_assert_eq(ckks_galois_keys_bytes(loaded), bytes);
    switch_everything(compact, loaded, f.rlk);
    expect_same(compact, whole, "loaded");
    ckks_galois_keys_free(loaded);
    for (int r = 0; r < RUNS; r++) {
        ckks_ciphertext_free(whole[r]);
        ckks_ciphertext_free(compact[r]);
    }
}
