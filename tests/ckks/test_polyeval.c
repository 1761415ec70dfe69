/*
 * test_polyeval.c - Chebyshev interpolation and encrypted polynomial
 * evaluation (Chebyshev and power bases): values, levels, scales, errors.
 *
 * Every encrypted result is compared slot by slot with the same series
 * evaluated in long double at the encoded inputs (Clenshaw, Horner), and
 * must sit exactly at level(x) - ckks_chebyshev_depth with exactly the
 * target scale (relative 1e-12).
 *
 * Precision: at scale 2^40 and N = 2^12 the dominant error is the
 * rounding of each rescale, r0 + r1 s with r uniform in [-1/2, 1/2] and s
 * dense ternary: about sqrt(N * N/18) ~ 2^10 per slot, 2^12 at the worst
 * of 2048 slots, so E ~ 2^-28 absolute (fresh encryption noise is below
 * that). A series amplifies the noise of an intermediate power by its
 * sensitivity to it: for an even p(y) = g(T_2(y)) the noise of T_2 is
 * multiplied by g' = p''(0) / 4 near y = 0. Expected precision:
 *  - sigmoid on [-8, 8] (|p''| << 1), power series with |x| <= 4: about
 *    E, asserted >= 24 bits (22 for z^2 + z, whose values reach 20);
 *  - cos(x) on [-8, 8]: y = x / 8, g' = 64 / 4 = 2^4, about 2^-24,
 *    asserted >= 21 bits;
 *  - cos(2 pi x) on [-12, 12] (the shape of bootstrapping's EvalMod):
 *    g' = (24 pi)^2 / 4 ~ 2^10.5, so it runs at scale 2^50 as EvalMod
 *    does (E ~ 2^-38, about 2^-27.5 after amplification), asserted
 *    >= 24 bits;
 *  - sum_k (-1)^k T_k(y) / (k + 1)^2 on [-1, 1]: only the fresh noise
 *    of T_1 (about 2^-32 at scale 2^40) is amplified much, by |p'(y)| <=
 *    sum k^2 / (k + 1)^2 < d, and only near y = -1. Degree 37 at scale
 *    2^40: about E, asserted >= 24 bits (26.5 to 27 measured); degree 255
 *    at scale 2^50: E ~ 2^-38, 2^-30 where amplified, asserted >= 30 bits
 *    (34 to 36 measured).
 * Operation counts pin down the evaluation plan: products are
 * relinearized lazily, once per sum (see ckks/polyeval.c).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "ckks/ckks.h"

#define LOG_SLOTS 11
#define SLOTS (1u << LOG_SLOTS)

static ckks_context *ctx;
static ckks_secret_key *sk;
static ckks_switch_key *rlk;

static void keys_for(const ckks_params *p)
{
    static const uint8_t seed[CKKS_SEED_BYTES] = {7, 1, 2, 3, 5, 8, 13, 21};
    cr_assert_eq(ckks_context_new(&ctx, p, CKKS_ALLOW_INSECURE), 0);
    cr_assert_eq(ckks_secret_key_new(ctx, &sk, seed), 0);
    cr_assert_eq(ckks_relin_key_new(ctx, &rlk, sk), 0);
}

/* TEST-N12: 7 levels, enough for degree 63 on [-8, 8]. */
static void setup_n12(void)
{
    ckks_params p;
    cr_assert_eq(ckks_params_named("TEST-N12", &p), 0);
    keys_for(&p);
}

/* Nine levels of 50 bits for degree 119 (depth 8) at scale 2^50. */
static void setup_deep(void)
{
    ckks_params p = {
        .name = "TEST-POLYEVAL-DEEP", .logn = 12, .nq = 10,
        .qbits = {60, 50, 50, 50, 50, 50, 50, 50, 50, 50},
        .np = 2, .pbits = {60, 60}, .log_scale = 50, .dnum = 5, .insecure = 1,
    };
    keys_for(&p);
}

static void teardown(void)
{
    ckks_switch_key_free(rlk);
    ckks_secret_key_free(sk);
    ckks_context_free(ctx);
}

/* SLOTS evenly spaced inputs covering [a, b], endpoints included. */
static double *inputs(double a, double b)
{
    double *x = malloc(SLOTS * sizeof *x);
    cr_assert_not_null(x);
    for (unsigned i = 0; i < SLOTS; i++)
        x[i] = a + (b - a) * i / (SLOTS - 1);
    return x;
}

static ckks_ciphertext *encrypt(const double *x, int level)
{
    static const uint8_t seed[CKKS_SEED_BYTES] = {42};
    ckks_plaintext *pt = ckks_plaintext_new(ctx);
    ckks_ciphertext *ct = ckks_ciphertext_new(ctx);
    cr_assert(pt && ct);
    cr_assert_eq(ckks_encode_real(ctx, pt, x, SLOTS, LOG_SLOTS, level,
                                  ckks_context_default_scale(ctx)), 0);
    cr_assert_eq(ckks_encrypt_sk(ctx, ct, pt, sk, seed), 0);
    ckks_plaintext_free(pt);
    return ct;
}

static double *decrypt(const ckks_ciphertext *ct)
{
    ckks_plaintext *pt = ckks_plaintext_new(ctx);
    double *v = malloc(SLOTS * sizeof *v);
    cr_assert(pt && v);
    cr_assert_eq(ckks_decrypt(ctx, pt, ct, sk), 0);
    cr_assert_eq(ckks_decode_real(ctx, pt, v, SLOTS), 0);
    ckks_plaintext_free(pt);
    return v;
}

/* sum c_k T_k(y) by Clenshaw's recurrence. */
static long double clenshaw(const double *c, int d, long double y)
{
    long double b1 = 0, b2 = 0;
    for (int k = d; k >= 1; k--) {
        long double t = 2 * y * b1 - b2 + c[k];
        b2 = b1;
        b1 = t;
    }
    return y * b1 - b2 + c[0];
}

static long double horner(const double *c, int d, long double x)
{
    long double s = 0;
    for (int k = d; k >= 0; k--)
        s = s * x + c[k];
    return s;
}

/* The series at x: Chebyshev on [a, b], or the power basis when a == b. */
static long double series(const double *c, int d, double a, double b, double x)
{
    if (a == b)
        return horner(c, d, x);
    return clenshaw(c, d, (2 * (long double)x - a - b) / ((long double)b - a));
}

/*
 * Encrypt x (at `level`, -1 for the top), evaluate, and check level,
 * scale and values; returns the precision in bits. a == b selects the
 * power basis.
 */
static double check_eval(const double *c, int d, double a, double b,
                         const double *x, int level, double target)
{
    ckks_ciphertext *ct = encrypt(x, level < 0 ? ckks_context_max_level(ctx) : level);
    ckks_ciphertext *out = ckks_ciphertext_new(ctx);
    cr_assert_not_null(out);
    int depth = ckks_chebyshev_depth(d, a == b ? -1 : a, a == b ? 1 : b);
    int err = a == b ? ckks_eval_power(ctx, out, ct, c, d, target, rlk)
                     : ckks_eval_chebyshev(ctx, out, ct, c, d, a, b, target, rlk);
    cr_assert_eq(err, 0, "eval: %s", ckks_strerror(err));
    cr_assert_eq(ckks_ciphertext_level(out), ckks_ciphertext_level(ct) - depth);
    double want = target > 0 ? target : ckks_ciphertext_scale(ct);
    cr_assert(fabs(ckks_ciphertext_scale(out) / want - 1) < 1e-12,
              "scale %a, want %a", ckks_ciphertext_scale(out), want);
    double *v = decrypt(out), worst = 0;
    for (unsigned i = 0; i < SLOTS; i++)
        worst = fmax(worst, (double)fabsl(v[i] - series(c, d, a, b, x[i])));
    free(v);
    ckks_ciphertext_free(ct);
    ckks_ciphertext_free(out);
    return -log2(worst);
}

/* ---- interpolation (plaintext) ------------------------------------------ */

static double f_cos(double x, void *arg)
{
    return cos(x * *(const double *)arg);
}

static double f_exp(double x, void *arg)
{
    (void)arg;
    return exp(x);
}

static double f_sigmoid(double x, void *arg)
{
    (void)arg;
    return 1 / (1 + exp(-x));
}

/* 3 - 2 T_3(y) + T_5(y) / 2, y = (2x - a - b) / (b - a) on [2, 6]. */
static double f_cheb(double x, void *arg)
{
    (void)arg;
    static const double c[] = {3, 0, 0, -2, 0, 0.5};
    return (double)series(c, 5, 2, 6, x);
}

Test(interpolate, cos_and_exp)
{
    double c[48], w = 1;
    ckks_chebyshev_interpolate(f_cos, &w, -8, 8, 47, c);
    double worst = 0;
    for (int i = 0; i <= 1000; i++) {
        double x = -8 + 16.0 * i / 1000;
        worst = fmax(worst, fabs((double)series(c, 47, -8, 8, x) - cos(x)));
    }
    /* cos on [-8, 8]: the Chebyshev tail beyond degree 47 is < 2^-60. */
    cr_assert(worst < 0x1p-48, "cos: error 2^%.1f", log2(worst));
    /* cos is even: odd coefficients vanish. */
    for (int k = 1; k <= 47; k += 2)
        cr_assert(fabs(c[k]) < 0x1p-58, "c[%d] = %g", k, c[k]);

    ckks_chebyshev_interpolate(f_exp, NULL, -1, 2, 24, c);
    worst = 0;
    for (int i = 0; i <= 1000; i++) {
        double x = -1 + 3.0 * i / 1000;
        worst = fmax(worst, fabs((double)series(c, 24, -1, 2, x) / exp(x) - 1));
    }
    cr_assert(worst < 0x1p-48, "exp: relative error 2^%.1f", log2(worst));
}

Test(interpolate, exact_on_polynomials)
{
    static const double want[] = {3, 0, 0, -2, 0, 0.5, 0, 0};
    double c[8];
    ckks_chebyshev_interpolate(f_cheb, NULL, 2, 6, 7, c);
    for (int k = 0; k < 8; k++)
        cr_assert(fabs(c[k] - want[k]) < 0x1p-50, "c[%d] = %.17g", k, c[k]);
}

Test(depth, values)
{
    cr_assert_eq(ckks_chebyshev_depth(0, -1, 1), 0);
    cr_assert_eq(ckks_chebyshev_depth(0, -8, 8), 0);
    cr_assert_eq(ckks_chebyshev_depth(1, -1, 1), 1);
    cr_assert_eq(ckks_chebyshev_depth(2, -1, 1), 2);
    cr_assert_eq(ckks_chebyshev_depth(3, -1, 1), 2);
    cr_assert_eq(ckks_chebyshev_depth(4, -1, 1), 3);
    cr_assert_eq(ckks_chebyshev_depth(7, -1, 1), 3);
    cr_assert_eq(ckks_chebyshev_depth(63, -1, 1), 6);
    cr_assert_eq(ckks_chebyshev_depth(64, -1, 1), 7);
    cr_assert_eq(ckks_chebyshev_depth(63, -8, 8), 7);
    cr_assert_eq(ckks_chebyshev_depth(119, -12, 12), 8);
    cr_assert_eq(ckks_chebyshev_depth(-1, -1, 1), CKKS_EINVAL);
    cr_assert_eq(ckks_chebyshev_depth(3, 1, 1), CKKS_EINVAL);
    cr_assert_eq(ckks_chebyshev_depth(3, 2, 1), CKKS_EINVAL);
    cr_assert_eq(ckks_chebyshev_depth(3, NAN, 1), CKKS_EINVAL);
}

/* ---- power basis ---------------------------------------------------------- */

Test(power, square_plus_z, .init = setup_n12, .fini = teardown)
{
    static const double c[] = {0, 1, 1};
    double *x = inputs(-4, 4);
    double bits = check_eval(c, 2, 0, 0, x, -1, 0);
    /* values up to 20: a few bits above the 2^-25 of unit-size values */
    cr_assert(bits >= 22, "z^2 + z: %.1f bits", bits);
    free(x);
}

Test(power, degree7, .init = setup_n12, .fini = teardown)
{
    static const double c[] = {0.25, -1, 0.5, 0.75, -0.5, 0.125, 0.3, -0.2};
    double *x = inputs(-1, 1);
    double bits = check_eval(c, 7, 0, 0, x, -1, 0);
    cr_assert(bits >= 24, "degree 7: %.1f bits", bits);
    /* another target scale, from a lower level */
    bits = check_eval(c, 7, 0, 0, x, 5, 0x1.8p39);
    cr_assert(bits >= 24, "degree 7 at level 5: %.1f bits", bits);
    free(x);
}

/* ---- Chebyshev basis -------------------------------------------------------- */

static void check_function(double (*f)(double, void *), void *arg, int d,
                           double a, double b, double min_bits)
{
    double *c = malloc((size_t)(d + 1) * sizeof *c), *x = inputs(a, b);
    cr_assert_not_null(c);
    ckks_chebyshev_interpolate(f, arg, a, b, d, c);
    double bits = check_eval(c, d, a, b, x, -1, 0);
    cr_assert(bits >= min_bits, "degree %d on [%g, %g]: %.1f bits", d, a, b, bits);
    free(c);
    free(x);
}

Test(chebyshev, sigmoid, .init = setup_n12, .fini = teardown)
{
    check_function(f_sigmoid, NULL, 15, -8, 8, 24);
    check_function(f_sigmoid, NULL, 31, -8, 8, 24);
    check_function(f_sigmoid, NULL, 63, -8, 8, 24);
}

Test(chebyshev, cosine, .init = setup_n12, .fini = teardown)
{
    double w = 1;
    check_function(f_cos, &w, 15, -8, 8, 21);
    check_function(f_cos, &w, 31, -8, 8, 21);
    check_function(f_cos, &w, 63, -8, 8, 21);
}

/* The shape of bootstrapping's EvalMod: cos(2 pi x) over [-12, 12]. */
Test(chebyshev, evalmod_degree119, .init = setup_deep, .fini = teardown)
{
    double w = 2 * M_PI;
    check_function(f_cos, &w, 119, -12, 12, 24);
}

/* On [-1, 1] no change of variable: depth ceil(log2(d + 1)) exactly. */
Test(chebyshev, unit_interval_target_scale, .init = setup_n12, .fini = teardown)
{
    double c[32], *x = inputs(-1, 1);
    for (int k = 0; k < 32; k++)
        c[k] = ((k * 37 % 11) - 5) / (8.0 * (k + 1));
    double bits = check_eval(c, 31, -1, 1, x, -1, 0x1.3p38);
    cr_assert(bits >= 24, "degree 31 at scale 2^38.2: %.1f bits", bits);
    free(x);
}

/* (-1)^k / (k + 1)^p for k <= d: dense, no coefficient negligible. */
static double *alternating(int d, int p)
{
    double *c = malloc((size_t)(d + 1) * sizeof *c);
    cr_assert_not_null(c);
    for (int k = 0; k <= d; k++)
        c[k] = (k % 2 ? -1 : 1) / pow(k + 1, p);
    return c;
}

/*
 * Degree 37 in depth 6 (EvalMod's cosine): baby steps T_2..T_7, giant
 * steps T_8, T_16, T_32 (9 products, each relinearized and rescaled), then
 * p = T_32 q_5 + T_16 (T_8 q_7 + r_7) + T_8 q'_7 + r'_7 with leaves q, r:
 * the quotient T_8 q_7 + r_7 and the root are the only sums relinearized
 * (11 key switches, where one per product would take 13); the four
 * quotients and the root are rescaled (14 in all).
 */
Test(chebyshev, lazy_relinearization, .init = setup_n12, .fini = teardown)
{
    double *c = alternating(37, 2), *x = inputs(-1, 1);
    ckks_op_counts_reset(ctx);
    double bits = check_eval(c, 37, -1, 1, x, -1, 0);
    ckks_op_counts n;
    ckks_op_counts_get(ctx, &n);
    cr_assert_eq(n.ct_mults, 13);
    cr_assert_eq(n.key_switches, 11);
    cr_assert_eq(n.rescales, 14);
    cr_assert(bits >= 24, "degree 37: %.1f bits", bits);
    free(c);
    free(x);
}

/* Degree 255: the root's sum holds four products and a leaf of 15 terms,
 * more than one pass over its limbs takes. */
Test(chebyshev, long_sums, .init = setup_deep, .fini = teardown)
{
    double *c = alternating(255, 2), *x = inputs(-1, 1);
    double bits = check_eval(c, 255, -1, 1, x, -1, 0);
    cr_assert(bits >= 30, "degree 255: %.1f bits", bits);
    free(c);
    free(x);
}

/* Trailing tiny coefficients are skipped but the level drop stays the
 * one of the nominal degree; a linear result needs no relinearization
 * key, and the output may alias the input. */
Test(chebyshev, negligible_and_alias, .init = setup_n12, .fini = teardown)
{
    double c[] = {0.5, -0.25, 0x1p-70, 0, 0, 0, 0, 0x1p-64};
    double *x = inputs(-3, 5);
    ckks_ciphertext *ct = encrypt(x, ckks_context_max_level(ctx));
    int top = ckks_ciphertext_level(ct);
    double scale = ckks_ciphertext_scale(ct);
    cr_assert_eq(ckks_eval_chebyshev(ctx, ct, ct, c, 7, -3, 5, 0, NULL), 0);
    cr_assert_eq(ckks_ciphertext_level(ct), top - ckks_chebyshev_depth(7, -3, 5));
    cr_assert(fabs(ckks_ciphertext_scale(ct) / scale - 1) < 1e-12);
    double *v = decrypt(ct), worst = 0;
    for (unsigned i = 0; i < SLOTS; i++)
        worst = fmax(worst, fabs(v[i] - (double)series(c, 7, -3, 5, x[i])));
    cr_assert(worst < 0x1p-24, "error 2^%.1f", log2(worst));
    free(v);

    /* degree 0: a constant at the input's level */
    ckks_ciphertext *k = ckks_ciphertext_new(ctx);
    cr_assert_eq(ckks_eval_chebyshev(ctx, k, ct, c, 0, -3, 5, 0, NULL), 0);
    cr_assert_eq(ckks_ciphertext_level(k), ckks_ciphertext_level(ct));
    v = decrypt(k);
    for (unsigned i = 0; i < SLOTS; i++)
        cr_assert(fabs(v[i] - 0.5) < 0x1p-24);
    free(v);
    ckks_ciphertext_free(k);
    ckks_ciphertext_free(ct);
    free(x);
}

Test(chebyshev, errors, .init = setup_n12, .fini = teardown)
{
    double c[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    double *x = inputs(-1, 1);
    ckks_ciphertext *ct = encrypt(x, 2), *out = ckks_ciphertext_new(ctx);
    cr_assert_eq(ckks_eval_chebyshev(NULL, out, ct, c, 3, -1, 1, 0, rlk), CKKS_EINVAL);
    cr_assert_eq(ckks_eval_chebyshev(ctx, NULL, ct, c, 3, -1, 1, 0, rlk), CKKS_EINVAL);
    cr_assert_eq(ckks_eval_chebyshev(ctx, out, NULL, c, 3, -1, 1, 0, rlk), CKKS_EINVAL);
    cr_assert_eq(ckks_eval_chebyshev(ctx, out, ct, NULL, 3, -1, 1, 0, rlk), CKKS_EINVAL);
    cr_assert_eq(ckks_eval_chebyshev(ctx, out, ct, c, -1, -1, 1, 0, rlk), CKKS_EINVAL);
    cr_assert_eq(ckks_eval_chebyshev(ctx, out, ct, c, 3, 1, 1, 0, rlk), CKKS_EINVAL);
    cr_assert_eq(ckks_eval_chebyshev(ctx, out, ct, c, 3, 1, -1, 0, rlk), CKKS_EINVAL);
    cr_assert_eq(ckks_eval_chebyshev(ctx, out, ct, c, 3, -1, 1, -1, rlk), CKKS_EINVAL);
    cr_assert_eq(ckks_eval_power(ctx, out, ct, c, -1, 0, rlk), CKKS_EINVAL);
    /* level 2: degree 3 fits on [-1, 1], not with a change of variable */
    cr_assert_eq(ckks_eval_chebyshev(ctx, out, ct, c, 3, -2, 2, 0, rlk), CKKS_ELEVEL);
    cr_assert_eq(ckks_eval_chebyshev(ctx, out, ct, c, 4, -1, 1, 0, rlk), CKKS_ELEVEL);
    cr_assert_eq(ckks_eval_power(ctx, out, ct, c, 8, 0, rlk), CKKS_ELEVEL);
    cr_assert_eq(ckks_eval_chebyshev(ctx, out, ct, c, 3, -1, 1, 0, NULL), CKKS_EKEY);
    /* a product not relinearized */
    ckks_ciphertext *sq = ckks_ciphertext_new(ctx);
    cr_assert_eq(ckks_mul(ctx, sq, ct, ct), 0);
    cr_assert_eq(ckks_eval_chebyshev(ctx, out, sq, c, 1, -1, 1, 0, rlk), CKKS_ESIZE);
    ckks_ciphertext_free(sq);
    cr_assert_eq(ckks_eval_power(ctx, out, ct, c, 2, 0, NULL), CKKS_EKEY);
    cr_assert_eq(ckks_eval_chebyshev(ctx, out, ct, c, 3, -1, 1, 0, rlk), 0);
    ckks_ciphertext_free(ct);
    ckks_ciphertext_free(out);
    free(x);
}
