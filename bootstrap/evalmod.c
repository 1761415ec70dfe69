/*
 * evalmod.c - homomorphic reduction modulo 1: t -> t - round(t) for t
 * near an integer, on slots holding x = t / kt.
 *
 * cos(2 pi (t - 1/4) / 2^r) is a Chebyshev series in x on [-1, 1]; r
 * double-angle steps y -> 2 y^2 - 1 turn it into cos(2 pi (t - 1/4)) =
 * sin(2 pi t), which is 2 pi (t - round t) up to a relative
 * (2 pi eps)^2 / 6 for |t - round t| = eps; the optional arcsine series
 * removes most of that. Scales are planned backwards from the output so
 * that every rescale lands exactly where the next step expects.
 */
#include "bootstrap/internal.h"

#include <math.h>
#include <stdlib.h>

typedef struct {
    double kt;
    int r;
} cos_arg;

static double shifted_cos(double x, void *arg)
{
    const cos_arg *a = arg;
    const long double pi = 3.141592653589793238462643383279502884L;
    return (double)cosl(2 * pi * ((long double)a->kt * x - 0.25L) / ldexpl(1, a->r));
}

/* Chebyshev series c[0..d] at x in [-1, 1] (Clenshaw). */
static long double cheb_value(const double *c, int d, long double x)
{
    long double b1 = 0, b2 = 0;
    for (int i = d; i >= 1; i--) {
        long double b0 = 2 * x * b1 - b2 + c[i];
        b2 = b1;
        b1 = b0;
    }
    return x * b1 - b2 + c[0];
}

/* Largest error of the series against the function on a fine grid. */
static double series_error(const double *c, int d, const cos_arg *a)
{
    double worst = 0;
    const int points = 4096;
    for (int k = 0; k <= points; k++) {
        double x = -1 + 2.0 * k / points;
        double e = fabs((double)(cheb_value(c, d, x) - shifted_cos(x, (void *)a)));
        worst = fmax(worst, e);
    }
    return worst;
}

void boot_evalmod_clear(boot_evalmod *em)
{
    free(em->cos_coeffs);
    free(em->asin_coeffs);
    em->cos_coeffs = em->asin_coeffs = NULL;
}

int boot_evalmod_init(boot_evalmod *em, double kt, int double_angle, int arcsine_degree,
                      double log_error)
{
    const double two_pi = 6.283185307179586476925286766559;
    if (!(kt >= 1) || double_angle < 0 || double_angle > 10 || log_error < 1 || log_error > 60)
        return CKKS_EINVAL;
    if (arcsine_degree != 0 && arcsine_degree != 3 && arcsine_degree != 5 && arcsine_degree != 7)
        return CKKS_EINVAL;
    *em = (boot_evalmod){.kt = kt, .double_angle = double_angle, .arcsine_degree = arcsine_degree};
    cos_arg a = {kt, double_angle};
    const int max_degree = 255;
    em->cos_coeffs = malloc((max_degree + 1) * sizeof *em->cos_coeffs);
    if (!em->cos_coeffs) return CKKS_ENOMEM;
    /* the smallest degree whose interpolant meets the bound */
    int d = 1;
    for (;; d++) {
        ckks_chebyshev_interpolate(shifted_cos, &a, -1, 1, d, em->cos_coeffs);
        if (series_error(em->cos_coeffs, d, &a) <= ldexp(1, -(int)log_error)) break;
        if (d == max_degree) {
            boot_evalmod_clear(em);
            return CKKS_EINVAL;
        }
    }
    em->cos_degree = d;
    em->depth = ckks_chebyshev_depth(d, -1, 1) + double_angle;
    if (arcsine_degree) {
        /* arcsin(y) = sum_k (2k)! / (4^k (k!)^2 (2k + 1)) y^(2k+1), over 2 pi */
        em->asin_coeffs = calloc((size_t)arcsine_degree + 1, sizeof *em->asin_coeffs);
        if (!em->asin_coeffs) {
            boot_evalmod_clear(em);
            return CKKS_ENOMEM;
        }
        double c = 1;
        for (int k = 0; 2 * k + 1 <= arcsine_degree; k++) {
            em->asin_coeffs[2 * k + 1] = c / (2 * k + 1) / two_pi;
            c *= (2.0 * k + 1) / (2.0 * k + 2);
        }
        int lg = 0;
        while ((1 << lg) < arcsine_degree + 1) lg++;
        em->depth += lg;
    }
    return 0;
}

/* y <- 2 y^2 - 1 at exactly scale `target` after the rescale. y^2 at
 * scale s is 2 y^2 at scale s / 2: the doubling costs nothing. */
static int double_angle(const ckks_context *ctx, ckks_ciphertext *y, double target,
                        const ckks_switch_key *rlk)
{
    int err = ckks_mul(ctx, y, y, y);
    if (!err) err = ckks_ciphertext_set_scale(y, ckks_ciphertext_scale(y) / 2);
    if (!err) err = ckks_add_const(ctx, y, y, -1.0);
    if (!err) err = ckks_relinearize_rescale(ctx, y, y, rlk);
    return err ? err : ckks_ciphertext_set_scale(y, target);
}

int boot_eval_mod(const boot_context *bc, ckks_ciphertext *out, const ckks_ciphertext *in,
                  double out_scale, const boot_keys *keys)
{
    const double two_pi = 6.283185307179586476925286766559;
    if (!bc || !out || !in || !keys || !(out_scale > 0)) return CKKS_EINVAL;
    int err = boot_keys_check(bc, keys);
    if (err) return err;
    const ckks_context *ctx = bc->ctx;
    const boot_evalmod *em = &bc->em;
    const ckks_switch_key *rlk = boot_keys_relin(keys);
    int level = ckks_ciphertext_level(in);
    if (level < em->depth) return CKKS_ELEVEL;
    int r = em->double_angle;
    int after_cos = level - ckks_chebyshev_depth(em->cos_degree, -1, 1);
    /* scale of sin(2 pi t) after the double angles, then backwards:
     * s_i^2 / (2 q) = s_{i+1} for the step rescaling by q */
    double *s = malloc(((size_t)r + 1) * sizeof *s);
    if (!s) return CKKS_ENOMEM;
    int last = after_cos - r;
    s[r] = em->arcsine_degree ? (double)ckks_context_prime(ctx, last) : out_scale / two_pi;
    for (int i = r - 1; i >= 0; i--)
        s[i] = sqrt(2 * s[i + 1] * (double)ckks_context_prime(ctx, after_cos - i));
    err = ckks_eval_chebyshev(ctx, out, in, em->cos_coeffs, em->cos_degree, -1, 1, s[0], rlk);
    for (int i = 0; i < r && !err; i++) err = double_angle(ctx, out, s[i + 1], rlk);
    free(s);
    if (err) return err;
    if (em->arcsine_degree)
        return ckks_eval_power(ctx, out, out, em->asin_coeffs, em->arcsine_degree, out_scale, rlk);
    /* sin(2 pi t) at scale out_scale / 2 pi is sin(2 pi t) / 2 pi at out_scale */
    return ckks_ciphertext_set_scale(out, out_scale);
}
