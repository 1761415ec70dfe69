/* Every evaluator operation against the same computation in double. */
#include "common.h"

#include <complex.h>

static fixture f;
static double *x, *y, *want;
static ckks_ciphertext *a, *b, *c;

static void setup(void)
{
    fixture_init(&f, "TEST-N12", NULL, 0);
    x = malloc(f.slots * sizeof *x);
    y = malloc(f.slots * sizeof *y);
    want = malloc(f.slots * sizeof *want);
    random_vector(x, f.slots, 1);
    random_vector(y, f.slots, 2);
    a = encrypt_vector(&f, x, f.slots, f.top);
    b = encrypt_vector(&f, y, f.slots, f.top);
    c = ckks_ciphertext_new(f.ctx);
}

static void teardown(void)
{
    ckks_ciphertext_free(a);
    ckks_ciphertext_free(b);
    ckks_ciphertext_free(c);
    free(x);
    free(y);
    free(want);
    fixture_free(&f);
}

TestSuite(evaluator, .init = setup, .fini = teardown);

/* Public-key inputs carry about 2^-24.5 of noise at scale 2^40 (see
 * test_encrypt.c); each operation below may add at most a bit. */
#define BITS 22.0

#define EXPECT(expr)                                                        \
    do {                                                                    \
        for (size_t i = 0; i < f.slots; i++) want[i] = (expr);              \
        double bits_ = precision_bits(&f, c, want, f.slots);                \
        cr_assert_geq(bits_, BITS, "%s: %.1f bits", #expr, bits_);          \
    } while (0)

Test(evaluator, add_sub_neg)
{
    OK(ckks_add(f.ctx, c, a, b));
    EXPECT(x[i] + y[i]);
    OK(ckks_sub(f.ctx, c, a, b));
    EXPECT(x[i] - y[i]);
    OK(ckks_neg(f.ctx, c, a));
    EXPECT(-x[i]);
    /* in place */
    OK(ckks_ciphertext_copy(c, a));
    OK(ckks_add(f.ctx, c, c, c));
    EXPECT(2 * x[i]);
}

Test(evaluator, plaintext_operands)
{
    ckks_plaintext *p = ckks_plaintext_new(f.ctx);
    OK(ckks_encode_real(f.ctx, p, y, f.slots, f.log_slots, f.top, f.scale));
    OK(ckks_add_plain(f.ctx, c, a, p));
    EXPECT(x[i] + y[i]);
    OK(ckks_sub_plain(f.ctx, c, a, p));
    EXPECT(x[i] - y[i]);
    OK(ckks_mul_plain(f.ctx, c, a, p));
    OK(ckks_rescale(f.ctx, c, c));
    EXPECT(x[i] * y[i]);
    /* a plaintext above the ciphertext's level is fine, below is not */
    OK(ckks_encode_real(f.ctx, p, y, f.slots, f.log_slots, 1, f.scale));
    cr_assert_eq(ckks_add_plain(f.ctx, c, a, p), CKKS_ELEVEL);
    ckks_plaintext_free(p);
}

/* Slots of period 8 make a compact plaintext; every operation with it
 * gives the bytes its full limbs give. */
Test(evaluator, compact_plaintext_operands)
{
    for (size_t i = 0; i < f.slots; i++) y[i] = x[i % 8];
    ckks_plaintext *p = ckks_plaintext_new(f.ctx);
    OK(ckks_encode_real(f.ctx, p, y, f.slots, f.log_slots, f.top, f.scale));
    cr_assert_eq(ckks_plaintext_limb_words(p), 16, "2 x 8 values per limb");
    ckks_plaintext *full = full_copy(f.ctx, p);
    ckks_ciphertext *d = ckks_ciphertext_new(f.ctx);
    size_t bytes = (size_t)(f.top + 1) * f.ctx->n * sizeof(uint64_t);
    for (int op = 0; op < 3; op++) {
        int (*fn)(const ckks_context *, ckks_ciphertext *, const ckks_ciphertext *,
                  const ckks_plaintext *) = op == 0 ? ckks_add_plain : op == 1 ? ckks_sub_plain
                                                                                 : ckks_mul_plain;
        OK(fn(f.ctx, c, a, p));
        OK(fn(f.ctx, d, a, full));
        cr_assert_eq(memcmp(c->c[0], d->c[0], bytes), 0, "op %d", op);
        cr_assert_eq(memcmp(c->c[1], d->c[1], bytes), 0, "op %d", op);
    }
    OK(ckks_rescale(f.ctx, c, c));
    EXPECT(x[i] * x[i % 8]);
    /* encryption of it, and its decoding */
    ckks_ciphertext *e = ckks_ciphertext_new(f.ctx);
    OK(ckks_encrypt_pk(f.ctx, e, p, f.pk, NULL));
    OK(ckks_ciphertext_copy(c, e));
    EXPECT(x[i % 8]);
    double *got = malloc(f.slots * sizeof *got);
    OK(ckks_decode_real(f.ctx, p, got, f.slots));
    for (size_t i = 0; i < f.slots; i++) cr_assert_float_eq(got[i], y[i], 1e-9);
    free(got);
    ckks_ciphertext_free(e);
    ckks_ciphertext_free(d);
    ckks_plaintext_free(full);
    ckks_plaintext_free(p);
}

Test(evaluator, constants)
{
    OK(ckks_add_const(f.ctx, c, a, 0.375));
    EXPECT(x[i] + 0.375);
    OK(ckks_mul_int(f.ctx, c, a, -3));
    EXPECT(-3 * x[i]);
    OK(ckks_mul_const(f.ctx, c, a, 0.7, 0));
    OK(ckks_rescale(f.ctx, c, c));
    cr_assert_float_eq(ckks_ciphertext_scale(c), f.scale, f.scale * 1e-15,
                       "scale 0 must make the rescale restore the input scale");
    EXPECT(0.7 * x[i]);
    OK(ckks_mul_const(f.ctx, c, a, -1.25, 0x1p40));
    cr_assert_eq(ckks_ciphertext_scale(c), f.scale * 0x1p40);
    OK(ckks_rescale(f.ctx, c, c));
    EXPECT(-1.25 * x[i]);
}

Test(evaluator, complex_constants)
{
    /* multiply by i twice: -1; add i then multiply by -i: -i x + 1 */
    OK(ckks_mul_const(f.ctx, c, a, I, 0));
    OK(ckks_rescale(f.ctx, c, c));
    OK(ckks_mul_const(f.ctx, c, c, I, 0));
    OK(ckks_rescale(f.ctx, c, c));
    EXPECT(-x[i]);
    OK(ckks_add_const(f.ctx, c, a, I));
    OK(ckks_mul_const(f.ctx, c, c, -I, 0));
    OK(ckks_rescale(f.ctx, c, c));
    ckks_plaintext *pt = ckks_plaintext_new(f.ctx);
    double complex *z = malloc(f.slots * sizeof *z);
    OK(ckks_decrypt(f.ctx, pt, c, f.sk));
    OK(ckks_decode(f.ctx, pt, z, f.slots));
    for (size_t i = 0; i < f.slots; i++)
        cr_assert_lt(cabs(z[i] - (1 - I * x[i])), ldexp(1, -(int)BITS));
    free(z);
    ckks_plaintext_free(pt);
}

Test(evaluator, multiply_relinearize_rescale)
{
    OK(ckks_mul(f.ctx, c, a, b));
    cr_assert_eq(ckks_ciphertext_size(c), 3);
    cr_assert_eq(ckks_ciphertext_scale(c), f.scale * f.scale);
    /* decryption of a size-3 ciphertext uses s^2 (no rescale here: its
     * rounding error on c2 would be multiplied by s^2) */
    EXPECT(x[i] * y[i]);
    OK(ckks_mul(f.ctx, c, a, b));
    OK(ckks_relinearize(f.ctx, c, c, f.rlk));
    cr_assert_eq(ckks_ciphertext_size(c), 2);
    OK(ckks_rescale(f.ctx, c, c));
    cr_assert_eq(ckks_ciphertext_level(c), f.top - 1);
    double q = (double)ckks_context_prime(f.ctx, f.top);
    cr_assert_eq(ckks_ciphertext_scale(c), f.scale * f.scale / q, "rescale tracks the exact prime");
    EXPECT(x[i] * y[i]);
    OK(ckks_mul_relin(f.ctx, c, a, a, f.rlk));
    OK(ckks_rescale(f.ctx, c, c));
    EXPECT(x[i] * x[i]);
}

/* Decrypted slot values of ct. */
static void decrypt_slots(const ckks_ciphertext *ct, double complex *z)
{
    ckks_plaintext *pt = ckks_plaintext_new(f.ctx);
    OK(ckks_decrypt(f.ctx, pt, ct, f.sk));
    OK(ckks_decode(f.ctx, pt, z, f.slots));
    ckks_plaintext_free(pt);
}

Test(evaluator, relinearize_rescale_in_one_moddown)
{
    /* the two-step result, then the fused one from another ciphertext */
    ckks_ciphertext *two = ckks_ciphertext_new(f.ctx);
    OK(ckks_mul_relin(f.ctx, two, a, b, f.rlk));
    OK(ckks_rescale(f.ctx, two, two));
    OK(ckks_mul(f.ctx, c, a, b));
    ckks_op_counts n;
    ckks_op_counts_reset(f.ctx);
    OK(ckks_relinearize_rescale(f.ctx, c, c, f.rlk));
    ckks_op_counts_get(f.ctx, &n);
    cr_assert_eq(n.key_switches, 1);
    cr_assert_eq(n.rescales, 1);
    cr_assert_eq(ckks_ciphertext_size(c), 2);
    cr_assert_eq(ckks_ciphertext_level(c), f.top - 1);
    cr_assert_eq(ckks_ciphertext_scale(c), ckks_ciphertext_scale(two));
    EXPECT(x[i] * y[i]);
    /* the same value as the two steps, to within their roundings (a few
     * units of 2^-40 relative to the noise, far below a wrong result) */
    double complex *z1 = malloc(f.slots * sizeof *z1), *z2 = malloc(f.slots * sizeof *z2);
    decrypt_slots(c, z1);
    decrypt_slots(two, z2);
    for (size_t i = 0; i < f.slots; i++) cr_assert_lt(cabs(z1[i] - z2[i]), 0x1p-30, "slot %zu", i);
    /* out of place, on a copy at a lower level; size 2 is only rescaled */
    ckks_ciphertext *m = ckks_ciphertext_new(f.ctx);
    OK(ckks_mul(f.ctx, m, a, b));
    OK(ckks_drop_level(f.ctx, m, 2));
    OK(ckks_relinearize_rescale(f.ctx, c, m, f.rlk));
    cr_assert_eq(ckks_ciphertext_level(c), f.top - 3);
    EXPECT(x[i] * y[i]);
    OK(ckks_relinearize_rescale(f.ctx, c, a, f.rlk));
    cr_assert_eq(ckks_ciphertext_level(c), f.top - 1);
    cr_assert_eq(ckks_ciphertext_scale(c), f.scale / (double)ckks_context_prime(f.ctx, f.top));
    /* level 0 has nothing to divide by; the key must be the relin key */
    OK(ckks_set_level(f.ctx, m, 0));
    cr_assert_eq(ckks_relinearize_rescale(f.ctx, c, m, f.rlk), CKKS_ELEVEL);
    cr_assert_eq(ckks_relinearize_rescale(f.ctx, c, m, NULL), CKKS_EKEY);
    free(z1);
    free(z2);
    ckks_ciphertext_free(m);
    ckks_ciphertext_free(two);
}

Test(evaluator, chain_of_multiplications_to_level_zero)
{
    /* factors in [0.75, 1.25] keep the product of magnitude ~1 */
    double *u = malloc(f.slots * sizeof *u), *acc = malloc(f.slots * sizeof *acc);
    random_vector(u, f.slots, 3);
    for (size_t i = 0; i < f.slots; i++) u[i] = 1 + u[i] / 4, acc[i] = x[i];
    ckks_ciphertext *d = encrypt_vector(&f, u, f.slots, f.top);
    OK(ckks_ciphertext_copy(c, a));
    for (int l = f.top; l > 0; l--) {
        OK(ckks_set_level(f.ctx, d, l));
        OK(ckks_mul_relin(f.ctx, c, c, d, f.rlk));
        OK(ckks_rescale(f.ctx, c, c));
        for (size_t i = 0; i < f.slots; i++) acc[i] *= u[i];
    }
    cr_assert_eq(ckks_ciphertext_level(c), 0);
    /* seven products, each adding the 2^-24.5 relative noise of a fresh
     * factor, on values up to 1.25^7 = 2^2.3: about 2^-19.4 at worst */
    for (size_t i = 0; i < f.slots; i++) want[i] = acc[i];
    cr_assert_geq(precision_bits(&f, c, want, f.slots), 19.0);
    cr_assert_eq(ckks_rescale(f.ctx, c, c), CKKS_ELEVEL);
    ckks_ciphertext_free(d);
    free(u);
    free(acc);
}

Test(evaluator, levels)
{
    OK(ckks_ciphertext_copy(c, a));
    OK(ckks_drop_level(f.ctx, c, 2));
    cr_assert_eq(ckks_ciphertext_level(c), f.top - 2);
    EXPECT(x[i]);
    cr_assert_eq(ckks_drop_level(f.ctx, c, f.top), CKKS_ELEVEL);
    cr_assert_eq(ckks_set_level(f.ctx, c, f.top), CKKS_ELEVEL);
    OK(ckks_set_level(f.ctx, c, 0));
    EXPECT(x[i]);
}

Test(evaluator, mismatches_are_errors)
{
    OK(ckks_ciphertext_copy(c, b));
    OK(ckks_drop_level(f.ctx, c, 1));
    cr_assert_eq(ckks_add(f.ctx, c, a, c), CKKS_ELEVEL);
    cr_assert_eq(ckks_mul(f.ctx, c, a, c), CKKS_ELEVEL);
    OK(ckks_ciphertext_copy(c, b));
    OK(ckks_ciphertext_set_scale(c, f.scale * 1.0001));
    cr_assert_eq(ckks_add(f.ctx, c, a, c), CKKS_ESCALE);
    ckks_ciphertext *s = encrypt_vector(&f, x, 1, f.top);
    OK(ckks_ciphertext_copy(c, s));
    ckks_ciphertext_free(s);
    /* equal slot counts required */
    ckks_plaintext *p = ckks_plaintext_new(f.ctx);
    OK(ckks_encode_real(f.ctx, p, x, 4, 2, f.top, f.scale));
    OK(ckks_encrypt_pk(f.ctx, c, p, f.pk, NULL));
    cr_assert_eq(ckks_add(f.ctx, c, a, c), CKKS_ESLOTS);
    ckks_plaintext_free(p);
    /* size 3 cannot be multiplied again; relinearization needs the relin key */
    OK(ckks_mul(f.ctx, c, a, b));
    cr_assert_eq(ckks_mul(f.ctx, c, c, a), CKKS_ESIZE);
    cr_assert_eq(ckks_relinearize(f.ctx, c, c, NULL), CKKS_EKEY);
    cr_assert_eq(ckks_mul_relin(f.ctx, c, a, b, NULL), CKKS_EKEY);
    /* another context */
    ckks_params pp;
    OK(ckks_params_named("TEST-N11", &pp));
    ckks_context *other;
    OK(ckks_context_new(&other, &pp, CKKS_ALLOW_INSECURE));
    ckks_ciphertext *o = ckks_ciphertext_new(other);
    cr_assert_eq(ckks_add(f.ctx, o, a, b), CKKS_ECONTEXT);
    cr_assert_eq(ckks_add(other, c, a, b), CKKS_ECONTEXT);
    ckks_ciphertext_free(o);
    ckks_context_free(other);
    cr_assert_eq(ckks_add(f.ctx, c, a, NULL), CKKS_EINVAL);
}

Test(evaluator, counters)
{
    ckks_op_counts n;
    ckks_op_counts_reset(f.ctx);
    OK(ckks_mul_relin(f.ctx, c, a, b, f.rlk));
    OK(ckks_rescale(f.ctx, c, c));
    OK(ckks_add(f.ctx, c, c, c));
    ckks_op_counts_get(f.ctx, &n);
    cr_assert_eq(n.ct_mults, 1);
    cr_assert_eq(n.key_switches, 1);
    cr_assert_eq(n.decompositions, 1);
    cr_assert_eq(n.rescales, 1);
    cr_assert_eq(n.pt_mults, 0);
}
