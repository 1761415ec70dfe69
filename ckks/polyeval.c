/*
 * polyeval.c - slot-wise polynomial evaluation (Chebyshev and power bases).
 *
 * A series p of degree d is divided by the power M = the largest power of
 * two <= d: p = q * T_M + r, with the Chebyshev long division identity
 * T_{M+k} = 2 T_M T_k - T_{M-k} (plain splitting in the power basis). q
 * and r are divided again until a part is a leaf: degree below the baby
 * step bound 2^l, evaluated as a combination of T_1..T_{2^l - 1}. This is
 * baby-step giant-step Paterson-Stockmeyer; the powers are computed on
 * demand, so sparse (odd or even) series only build the powers they use.
 *
 * Levels. T_1 (the input after the change of variable) sits at level top,
 * T_i at top - ceil(log2 i). A part asked for output level lvl returns its
 * value before the last rescale: a ciphertext at level lvl + 1, so the
 * scalar products of a leaf and the product q * T_M each pay for exactly
 * one rescale. A leaf whose highest power sits below lvl + 1 is divided
 * further instead; with that rule a part of degree < 2^s always fits in
 * s levels, so the whole series uses ceil(log2(d + 1)) levels.
 *
 * Scales are set top-down (as in Bossuat et al., Eurocrypt 2021): a part
 * asked for scale S at level lvl produces S * q_{lvl+1} before its rescale;
 * its quotient q is asked for S * q_{lvl+1} / scale(T_M), so q * T_M lands
 * on that value, and a leaf encodes c_i at S * q_{lvl+1} / scale(T_i).
 * Every sum therefore adds equal scales, and the result has scale S up to
 * the rounding of a few double products, which the end sets exactly.
 */
#include "ckks.h"

#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

/* Coefficients below this fraction of the largest are skipped: they are
 * far below what any scale can represent next to the others. */
#define NEGLIGIBLE 0x1p-60

/* ceil(log2 n) for n >= 1. */
static int ceil_log2(int n)
{
    int e = 0;
    while ((1 << e) < n)
        e++;
    return e;
}

/* The largest power of two <= n, n >= 1. */
static int floor_pow2(int n)
{
    int m = 1;
    while (m <= n / 2)
        m *= 2;
    return m;
}

/* Highest index <= d whose coefficient is not negligible, or 0. */
static int trim(const double *c, int d, double thr)
{
    while (d > 0 && fabs(c[d]) <= thr)
        d--;
    return d;
}

int ckks_chebyshev_depth(int degree, double a, double b)
{
    if (degree < 0 || !isfinite(a) || !isfinite(b) || !(a < b))
        return CKKS_EINVAL;
    if (degree == 0)
        return 0;
    return ceil_log2(degree + 1) + !(a == -1.0 && b == 1.0);
}

/*
 * Relinearizations in the division tree of a dense series of degree d
 * given s levels, with parts of degree < b as leaves (the rule of
 * eval_part below); the powers themselves are not counted.
 */
static int tree_products(int d, int s, int b)
{
    if (d <= 1 || (d < b && ceil_log2(d) < s))
        return 0;
    int m = floor_pow2(d);
    return (d > m) + tree_products(d - m, s - 1, b) + tree_products(m - 1, s, b);
}

/* The baby-step bound 2^l with the fewest relinearizations for degree d. */
static int baby_bound(int d)
{
    int depth = ceil_log2(d + 1), best = 2, best_cost = INT_MAX;
    for (int b = 2; b <= 1 << depth; b *= 2) {
        int cost = tree_products(d, depth, b);
        cost += (b - 1 < d ? b - 1 : d) - 1;  /* T_2 .. T_{min(b-1, d)} */
        for (int m = b; m <= d; m *= 2)        /* giant steps */
            cost++;
        if (cost < best_cost) {
            best = b;
            best_cost = cost;
        }
    }
    return best;
}

typedef struct {
    const ckks_context *ctx;
    const ckks_switch_key *rlk;
    bool cheb;              /* Chebyshev basis, else power basis */
    int top;                /* level of T_1 */
    int baby;               /* parts of degree < baby may be leaves */
    double thr;             /* |c| <= thr is skipped */
    ckks_ciphertext **pw;   /* pw[i] = T_i (or x^i) once computed */
} pe_state;

static int pow_level(const pe_state *st, int i)
{
    return st->top - ceil_log2(i);
}

/* dst = src with its top primes dropped down to level. */
static int copy_at(const ckks_context *ctx, ckks_ciphertext *dst,
                   const ckks_ciphertext *src, int level)
{
    int err = ckks_ciphertext_copy(dst, src);
    return err ? err : ckks_set_level(ctx, dst, level);
}

/*
 * Compute pw[i], i >= 2, and what it depends on: i = j + k with j the
 * largest power of two below i, T_i = 2 T_j T_k - T_{j-k} (T_0 = 1), or
 * x^i = x^j x^k. T_j is the deeper factor, so T_i lands at level
 * pow_level(i). T_{j-k} is brought to the scale of the product before the
 * rescale by a multiplication by 1 encoded at the ratio of the scales.
 */
static int gen_power(pe_state *st, int i)
{
    if (st->pw[i])
        return 0;
    const ckks_context *ctx = st->ctx;
    int j = 1 << (ceil_log2(i) - 1), k = i - j;
    int err = gen_power(st, j);
    if (!err)
        err = gen_power(st, k);
    if (!err && st->cheb && k < j)
        err = gen_power(st, j - k);
    if (err)
        return err;

    int lvl = pow_level(st, j);
    ckks_ciphertext *p = ckks_ciphertext_new(ctx), *t = ckks_ciphertext_new(ctx);
    if (!p || !t) {
        err = CKKS_ENOMEM;
        goto done;
    }
    err = copy_at(ctx, t, st->pw[k], lvl);
    if (!err)
        err = ckks_mul_relin(ctx, p, st->pw[j], t, st->rlk);
    if (!err && st->cheb) {
        err = ckks_add(ctx, p, p, p);
        if (!err && k < j) {
            err = copy_at(ctx, t, st->pw[j - k], lvl);
            if (!err)
                err = ckks_mul_const(ctx, t, t, 1.0,
                                     ckks_ciphertext_scale(p) / ckks_ciphertext_scale(t));
            if (!err)
                err = ckks_sub(ctx, p, p, t);
        }
    }
    if (!err)
        err = ckks_rescale(ctx, p, p);
    if (!err && st->cheb && k == j)
        err = ckks_add_const(ctx, p, p, -1.0);
    if (!err) {
        st->pw[i] = p;
        p = NULL;
    }
done:
    ckks_ciphertext_free(p);
    ckks_ciphertext_free(t);
    return err;
}

/* p = q T_m + r for d < 2m: q has degree d - m, r degree < m. */
static void divide(bool cheb, const double *c, int d, int m, double *q, double *r)
{
    for (int i = 0; i < m; i++)
        r[i] = c[i];
    for (int k = 0; k <= d - m; k++)
        q[k] = c[m + k];
    if (cheb) {
        for (int k = 1; k <= d - m; k++) {
            q[k] *= 2;
            r[m - k] -= c[m + k];
        }
    }
}

/* Leaf: sum c_i T_i, i = 1..d, at level lvl + 1 and scale sq. */
static int eval_leaf(pe_state *st, const double *c, int d, int lvl, double sq,
                     ckks_ciphertext **out)
{
    const ckks_context *ctx = st->ctx;
    ckks_ciphertext *acc = ckks_ciphertext_new(ctx), *t = ckks_ciphertext_new(ctx);
    int err = acc && t ? 0 : CKKS_ENOMEM;
    bool empty = true;
    for (int i = 1; i <= d && !err; i++) {
        if (fabs(c[i]) <= st->thr)
            continue;
        ckks_ciphertext *dst = empty ? acc : t;
        err = gen_power(st, i);
        if (!err)
            err = copy_at(ctx, dst, st->pw[i], lvl + 1);
        if (!err)
            err = ckks_mul_const(ctx, dst, dst, c[i], sq / ckks_ciphertext_scale(dst));
        if (!err && !empty)
            err = ckks_add(ctx, acc, acc, t);
        empty = false;
    }
    ckks_ciphertext_free(t);
    if (err) {
        ckks_ciphertext_free(acc);
        return err;
    }
    *out = acc;
    return 0;
}

/*
 * Evaluate the series c[0..d] for output level lvl and scale `scale`,
 * before its last rescale: on return *out is NULL when the series is the
 * constant *cst, otherwise a new ciphertext at level lvl + 1 and scale
 * scale * q_{lvl+1}, and the value is rescale(*out) + *cst.
 */
static int eval_part(pe_state *st, const double *c, int d, int lvl, double scale,
                     ckks_ciphertext **out, double *cst)
{
    const ckks_context *ctx = st->ctx;
    *out = NULL;
    *cst = c[0];
    d = trim(c, d, st->thr);
    if (d == 0)
        return 0;
    double sq = scale * (double)ckks_context_prime(ctx, lvl + 1);
    if (d < st->baby && pow_level(st, d) > lvl)
        return eval_leaf(st, c, d, lvl, sq, out);

    int m = floor_pow2(d);
    double *qc = malloc((size_t)(d + 1) * sizeof *qc);
    ckks_ciphertext *prod = ckks_ciphertext_new(ctx), *q = NULL, *r = NULL;
    double q0, r0, *rc = NULL;
    int err = qc && prod ? 0 : CKKS_ENOMEM;
    if (err)
        goto done;
    rc = qc + (d - m + 1);
    divide(st->cheb, c, d, m, qc, rc);
    err = gen_power(st, m);
    if (err)
        goto done;
    double sm = ckks_ciphertext_scale(st->pw[m]);
    err = eval_part(st, qc, d - m, lvl + 1, sq / sm, &q, &q0);
    if (!err)
        err = copy_at(ctx, prod, st->pw[m], lvl + 1);
    if (!err && q) {
        err = ckks_rescale(ctx, q, q);
        if (!err && fabs(q0) > st->thr)
            err = ckks_add_const(ctx, q, q, q0);
        if (!err)
            err = ckks_mul_relin(ctx, prod, prod, q, st->rlk);
    } else if (!err) {
        err = ckks_mul_const(ctx, prod, prod, q0, sq / sm);
    }
    if (!err)
        err = eval_part(st, rc, m - 1, lvl, scale, &r, &r0);
    if (!err && r)
        err = ckks_add(ctx, prod, prod, r);
    if (!err) {
        *out = prod;
        *cst = r0;
        prod = NULL;
    }
done:
    free(qc);
    ckks_ciphertext_free(prod);
    ckks_ciphertext_free(q);
    ckks_ciphertext_free(r);
    return err;
}

/* The value of the series in *res, a new ciphertext at level lvl_out. */
static int eval_new(pe_state *st, ckks_ciphertext **res, const ckks_ciphertext *x,
                    const double *coeffs, int d, bool shift, double a, double b,
                    int lvl_out, double scale)
{
    const ckks_context *ctx = st->ctx;
    double c0 = coeffs[0];
    int err;
    if (d == 0) {
        /* a zero of the right level and scale, plus the constant */
        if (!(*res = ckks_ciphertext_new(ctx)))
            return CKKS_ENOMEM;
        err = copy_at(ctx, *res, x, lvl_out);
        if (!err)
            err = ckks_mul_int(ctx, *res, *res, 0);
        if (!err)
            err = ckks_ciphertext_set_scale(*res, scale);
        return err ? err : ckks_add_const(ctx, *res, *res, c0);
    }

    st->top = lvl_out + ceil_log2(d + 1);
    st->baby = baby_bound(d);
    st->pw = calloc((size_t)d + 1, sizeof *st->pw);
    ckks_ciphertext *t1 = st->pw ? ckks_ciphertext_new(ctx) : NULL;
    if (!t1)
        return CKKS_ENOMEM;
    st->pw[1] = t1;
    err = copy_at(ctx, t1, x, st->top + shift);
    if (!err && shift) {
        /* y = (2x - a - b) / (b - a); encoding at q_l keeps the scale. */
        long double w = (long double)b - a;
        err = ckks_mul_const(ctx, t1, t1, (double)(2 / w), 0);
        if (!err)
            err = ckks_rescale(ctx, t1, t1);
        if (!err && a + b != 0)
            err = ckks_add_const(ctx, t1, t1, (double)(-((long double)a + b) / w));
    }
    if (!err)
        err = eval_part(st, coeffs, d, lvl_out, scale, res, &c0);
    if (!err)
        err = ckks_rescale(ctx, *res, *res);
    if (!err && fabs(c0) > st->thr)
        err = ckks_add_const(ctx, *res, *res, c0);
    /* the products above track scale to a few ulps: make it exact */
    return err ? err : ckks_ciphertext_set_scale(*res, scale);
}

/* Shared by both bases; [a, b] is [-1, 1] for the power basis. */
static int eval_series(const ckks_context *ctx, ckks_ciphertext *out,
                       const ckks_ciphertext *x, const double *coeffs, int degree,
                       bool cheb, double a, double b, double target_scale,
                       const ckks_switch_key *rlk)
{
    if (!ctx || !out || !x || !coeffs || !(target_scale >= 0) || !isfinite(target_scale))
        return CKKS_EINVAL;
    int depth = ckks_chebyshev_depth(degree, a, b);
    if (depth < 0)
        return depth;
    double cmax = 0;
    for (int i = 0; i <= degree; i++) {
        if (!isfinite(coeffs[i]))
            return CKKS_EINVAL;
        cmax = fmax(cmax, fabs(coeffs[i]));
    }
    int lvl_out = ckks_ciphertext_level(x) - depth;
    if (lvl_out < 0)
        return CKKS_ELEVEL;
    pe_state st = {.ctx = ctx, .rlk = rlk, .cheb = cheb, .thr = NEGLIGIBLE * cmax};
    int d = trim(coeffs, degree, st.thr);
    if (d >= 2 && !rlk)
        return CKKS_EKEY;

    double scale = target_scale > 0 ? target_scale : ckks_ciphertext_scale(x);
    bool shift = depth > ceil_log2(degree + 1);
    ckks_ciphertext *res = NULL;
    int err = eval_new(&st, &res, x, coeffs, d, shift, a, b, lvl_out, scale);
    if (!err)
        err = ckks_ciphertext_copy(out, res);
    if (st.pw) {
        for (int i = 0; i <= d; i++)
            ckks_ciphertext_free(st.pw[i]);
        free(st.pw);
    }
    ckks_ciphertext_free(res);
    return err;
}

int ckks_eval_chebyshev(const ckks_context *ctx, ckks_ciphertext *out,
                        const ckks_ciphertext *x, const double *coeffs,
                        int degree, double a, double b, double target_scale,
                        const ckks_switch_key *rlk)
{
    return eval_series(ctx, out, x, coeffs, degree, true, a, b, target_scale, rlk);
}

int ckks_eval_power(const ckks_context *ctx, ckks_ciphertext *out,
                    const ckks_ciphertext *x, const double *coeffs, int degree,
                    double target_scale, const ckks_switch_key *rlk)
{
    return eval_series(ctx, out, x, coeffs, degree, false, -1.0, 1.0, target_scale, rlk);
}

void ckks_chebyshev_interpolate(double (*f)(double, void *), void *arg,
                                double a, double b, int degree,
                                double *coeffs)
{
    if (!f || !coeffs || degree < 0 || !(a < b))
        return;
    const long double pi = 3.141592653589793238462643383279502884L;
    size_t n = (size_t)degree + 1;
    /* cosv[t] = cos(pi t / 2n): the nodes are cosv[2k + 1], and the DCT
     * needs cos(pi j (2k + 1) / 2n), periodic in j (2k + 1) mod 4n. */
    long double *cosv = malloc(5 * n * sizeof *cosv), *fx = cosv + 4 * n;
    if (!cosv) {
        for (size_t j = 0; j < n; j++)
            coeffs[j] = NAN;
        return;
    }
    for (size_t t = 0; t < 4 * n; t++)
        cosv[t] = cosl(pi * (long double)t / (long double)(2 * n));
    long double mid = ((long double)a + b) / 2, half = ((long double)b - a) / 2;
    for (size_t k = 0; k < n; k++)
        fx[k] = f((double)(mid + half * cosv[2 * k + 1]), arg);
    for (size_t j = 0; j < n; j++) {
        long double s = 0;
        for (size_t k = 0; k < n; k++)
            s += fx[k] * cosv[j * (2 * k + 1) % (4 * n)];
        coeffs[j] = (double)(s * (j ? 2 : 1) / (long double)n);
    }
    free(cosv);
}
