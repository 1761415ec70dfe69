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
 * T_i at top - ceil(log2 i). A part asked for output level lvl adds its
 * value before the last rescale to a sum at level lvl + 1, so the scalar
 * products of a leaf and the product q * T_M each pay for exactly one
 * rescale. A leaf whose highest power sits below lvl + 1 is divided
 * further instead; with that rule a part of degree < 2^s always fits in
 * s levels, so the whole series uses ceil(log2(d + 1)) levels.
 *
 * Relinearization is lazy: a sum keeps its products q * T_M in three
 * components and is relinearized once, before its rescale (after it,
 * the rounding would be multiplied by s^2). The remainder r adds to its
 * parent's sum, so a chain of remainders costs one key switch; only the
 * quotients and the powers, which are multiplied again, are relinearized
 * on their own. A sum is computed in one pass over its limbs, every
 * coefficient accumulated in 128 bits and reduced once: no copies, no
 * intermediate ciphertexts.
 *
 * Scales are set top-down (as in Bossuat et al., Eurocrypt 2021): a part
 * asked for scale S at level lvl produces S * q_{lvl+1} before its rescale;
 * its quotient q is asked for S * q_{lvl+1} / scale(T_M), so q * T_M lands
 * on that value, and a leaf encodes c_i at S * q_{lvl+1} / scale(T_i).
 * Every sum therefore adds equal scales, and the result has scale S up to
 * the rounding of a few double products, which the end sets exactly.
 */
#include "ckks/internal.h"

#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Coefficients below this fraction of the largest are skipped: they are
 * far below what any scale can represent next to the others. */
#define NEGLIGIBLE 0x1p-60

/* Costs of a key switch and of a rescale, in rescales (N = 2^16, both
 * roughly proportional to the level). */
enum { COST_KS = 7, COST_RESCALE = 1 };

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
 * Cost of the division tree of a dense series of degree d given s
 * levels, with parts of degree < b as leaves (the rule of eval_part
 * below): a key switch for each part that holds a product and owns its
 * sum (a quotient, or the root: own), a rescale for each quotient. The
 * powers themselves are not counted.
 */
static int tree_cost(int d, int s, int b, bool own)
{
    if (d <= 1 || (d < b && ceil_log2(d) < s))
        return 0;
    int m = floor_pow2(d);
    return own * COST_KS + (d > m) * COST_RESCALE + tree_cost(d - m, s - 1, b, true) +
           tree_cost(m - 1, s, b, false);
}

/* The baby-step bound 2^l of the cheapest evaluation for degree d. */
static int baby_bound(int d)
{
    int depth = ceil_log2(d + 1), best = 2, best_cost = INT_MAX;
    for (int b = 2; b <= 1 << depth; b *= 2) {
        /* T_2 .. T_{min(b-1, d)}, then the giant steps */
        int powers = (b - 1 < d ? b - 1 : d) - 1;
        for (int m = b; m <= d; m *= 2)
            powers++;
        int cost = powers * (COST_KS + COST_RESCALE) + tree_cost(d, depth, b, true);
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
    bool cheb;                 /* Chebyshev basis, else power basis */
    int top;                   /* level of T_1 */
    int baby;                  /* parts of degree < baby may be leaves */
    int log_slots;
    double thr;                /* |c| <= thr is skipped */
    const ckks_ciphertext *t1; /* T_1 (or x): the input or its change of variable */
    ckks_ciphertext **pw;      /* pw[i] = T_i (or x^i), i >= 2, once computed */
} pe_state;

static int pow_level(const pe_state *st, int i)
{
    return st->top - ceil_log2(i);
}

static const ckks_ciphertext *power(const pe_state *st, int i)
{
    return i == 1 ? st->t1 : st->pw[i];
}

/*
 * A sum at one level and scale of products u (x) v (doubled when twice),
 * scalar multiples round(w) t and a constant round(cst), each term
 * brought to the sum's scale by whoever adds it. The operands are
 * two-component ciphertexts at the sum's level or above, only read when
 * the sum is evaluated, in one pass; the products stay in three
 * components until the sum is relinearized, once. own[p] is product p's
 * v when the sum owns it (a quotient), freed with the sum.
 */
typedef struct {
    const ckks_ciphertext *u, *v;
    bool twice;
} pe_prod;

typedef struct {
    const ckks_ciphertext *t;
    double w;
} pe_term;

typedef struct {
    int level;
    double scale;
    double cst;
    int nprod, nterm;
    pe_prod *prod;
    pe_term *term;
    ckks_ciphertext **own;
} pe_sum;

/* Room for the products and terms of a part of degree d: one product and
 * one term per division along the chain of remainders, which ends in a
 * leaf of at most d terms. */
static int sum_init(pe_sum *s, int level, double scale, int d)
{
    size_t cap = (size_t)d + ceil_log2(d + 1) + 1;
    *s = (pe_sum){.level = level, .scale = scale};
    s->prod = malloc(cap * sizeof *s->prod);
    s->term = malloc(cap * sizeof *s->term);
    s->own = calloc(cap, sizeof *s->own);
    return s->prod && s->term && s->own ? 0 : CKKS_ENOMEM;
}

static void sum_clear(pe_sum *s)
{
    for (int p = 0; p < s->nprod; p++)
        ckks_ciphertext_free(s->own[p]);
    free(s->prod);
    free(s->term);
    free(s->own);
}

/*
 * Each coefficient of a sum is accumulated in 128 bits and reduced once.
 * With q < 2^61, in units of 2^122: a term adds less than one unit, a
 * product less than two to component 1 (four when doubled), and the
 * starting residue one. A pass takes at most PASS_UNITS, far from the 63
 * that could wrap; larger tables per pass measured slower.
 */
#define PASS_UNITS 16
_Static_assert(PASS_UNITS <= CKKS_SUM_MAX, "a pass fits one ckks_sum_limb");

static int prod_units(const pe_prod *p)
{
    return p->twice ? 4 : 2;
}

/*
 * One pass: products prod[0..np-1], terms term[0..nt-1] and the constant
 * c into out's limbs 0..level, added to what out holds when add, stored
 * otherwise (component 2 only when np > 0).
 */
static void sum_pass(const ckks_context *ctx, ckks_ciphertext *out, int level,
                     const pe_prod *prod, int np, const pe_term *term, int nt, double c,
                     bool add)
{
    size_t n = ctx->n;
#pragma omp parallel for schedule(static)
    for (int i = 0; i <= level; i++) {
        const ckks_mod *m = &ctx->mod[i];
        size_t off = (size_t)i * n;
        ckks_sum_limb s = {.np = np, .nt = nt, .k = ckks_mod_from_double(c, m), .add = add};
        for (int p = 0; p < np; p++) {
            s.u0[p] = prod[p].u->c[0] + off;
            s.u1[p] = prod[p].u->c[1] + off;
            s.v0[p] = prod[p].v->c[0] + off;
            s.v1[p] = prod[p].v->c[1] + off;
            s.twice[p] = prod[p].twice;
        }
        for (int t = 0; t < nt; t++) {
            s.x0[t] = term[t].t->c[0] + off;
            s.x1[t] = term[t].t->c[1] + off;
            s.w[t] = ckks_mod_from_double(term[t].w, m);
        }
        s.y0 = out->c[0] + off;
        s.y1 = out->c[1] + off;
        s.y2 = np ? out->c[2] + off : NULL;
        ckks_sum_limb_eval(m, n, &s);
    }
}

void ckks_sum_limb_eval_scalar(const ckks_mod *m, size_t n, const ckks_sum_limb *s)
{
    for (size_t e = 0; e < n; e++) {
        ckks_u128 s0 = s->k, s1 = 0, s2 = 0;
        if (s->add) {
            s0 += s->y0[e];
            s1 = s->y1[e];
            s2 = s->np ? s->y2[e] : 0;
        }
        for (int p = 0; p < s->np; p++) {
            /* doubling an operand below 2^61 needs no reduction */
            uint64_t a0 = s->u0[p][e] << s->twice[p], a1 = s->u1[p][e] << s->twice[p];
            uint64_t b0 = s->v0[p][e], b1 = s->v1[p][e];
            s0 += (ckks_u128)a0 * b0;
            s1 += (ckks_u128)a0 * b1 + (ckks_u128)a1 * b0;
            s2 += (ckks_u128)a1 * b1;
        }
        for (int t = 0; t < s->nt; t++) {
            s0 += (ckks_u128)s->x0[t][e] * s->w[t];
            s1 += (ckks_u128)s->x1[t][e] * s->w[t];
        }
        s->y0[e] = ckks_mod_reduce128(s0, m);
        s->y1[e] = ckks_mod_reduce128(s1, m);
        if (s->np) s->y2[e] = ckks_mod_reduce128(s2, m);
    }
}

void ckks_sum_limb_eval(const ckks_mod *m, size_t n, const ckks_sum_limb *s)
{
    if (!ckks_sum_limb_eval_avx512(m, n, s)) ckks_sum_limb_eval_scalar(m, n, s);
}

/* The sum into out, at its level and scale: one pass over the limbs for
 * up to PASS_UNITS of summands, products first (so that the first pass
 * writes component 2 whenever there is one). */
static int sum_eval(const pe_state *st, const pe_sum *s, ckks_ciphertext *out)
{
    int size = s->nprod ? 3 : 2;
    int err = ckks_ciphertext_reserve(out, s->level, size);
    if (err)
        return err;
    out->level = s->level;
    out->scale = s->scale;
    out->size = size;
    out->log_slots = st->log_slots;
    out->seeded = false;
    for (int p = 0; p < s->nprod; p++)
        ckks_count(st->ctx, ct_mults);
    int p = 0, t = 0;
    do {
        int np = 0, nt = 0, units = 0;
        while (p + np < s->nprod && units + prod_units(&s->prod[p + np]) <= PASS_UNITS)
            units += prod_units(&s->prod[p + np++]);
        while (t + nt < s->nterm && units < PASS_UNITS) {
            units++;
            nt++;
        }
        bool add = p + t > 0;
        sum_pass(st->ctx, out, s->level, s->prod + p, np, s->term + t, nt, add ? 0 : s->cst, add);
        p += np;
        t += nt;
    } while (p < s->nprod || t < s->nterm);
    return 0;
}

/* The value of a sum into out: evaluated, relinearized if it holds
 * products, and rescaled. */
static int sum_close(const pe_state *st, const pe_sum *s, ckks_ciphertext *out)
{
    int err = sum_eval(st, s, out);
    if (err) return err;
    return s->nprod ? ckks_relinearize_rescale(st->ctx, out, out, st->rlk)
                    : ckks_rescale(st->ctx, out, out);
}

/*
 * Compute pw[i], i >= 2, and what it depends on: i = j + k with j the
 * largest power of two below i, T_i = 2 T_j T_k - T_{j-k} (T_0 = 1), or
 * x^i = x^j x^k. T_j is the deeper factor, so T_i lands at level
 * pow_level(i). T_{j-k} joins the product before its rescale, at the
 * product's scale.
 */
static int gen_power(pe_state *st, int i)
{
    if (i == 1 || st->pw[i])
        return 0;
    int j = 1 << (ceil_log2(i) - 1), k = i - j;
    int err = gen_power(st, j);
    if (!err)
        err = gen_power(st, k);
    if (!err && st->cheb && k < j)
        err = gen_power(st, j - k);
    if (err)
        return err;

    const ckks_ciphertext *tj = power(st, j), *tk = power(st, k);
    ckks_ciphertext *ti = ckks_ciphertext_new(st->ctx);
    pe_sum s = {0};
    err = ti ? sum_init(&s, pow_level(st, j), tj->scale * tk->scale, 1) : CKKS_ENOMEM;
    if (!err) {
        s.prod[s.nprod++] = (pe_prod){tj, tk, st->cheb};
        if (st->cheb && k < j) {
            const ckks_ciphertext *t = power(st, j - k);
            s.term[s.nterm++] = (pe_term){t, -(s.scale / t->scale)};
        } else if (st->cheb) {
            s.cst = -s.scale;
        }
        err = sum_close(st, &s, ti);
    }
    sum_clear(&s);
    if (err) {
        ckks_ciphertext_free(ti);
        return err;
    }
    st->pw[i] = ti;
    return 0;
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

static int eval_part(pe_state *st, const double *c, int d, int lvl, pe_sum *s);

/* s += T_m (x) q for the quotient q = c[0..d], a sum of its own asked for
 * output level lvl and closed (relinearized, rescaled) first. */
static int eval_quotient(pe_state *st, const double *c, int d, int lvl,
                         const ckks_ciphertext *tm, pe_sum *s)
{
    ckks_ciphertext *q = ckks_ciphertext_new(st->ctx);
    pe_sum qs = {0};
    double scale = s->scale / tm->scale * (double)ckks_context_prime(st->ctx, lvl + 1);
    int err = q ? sum_init(&qs, lvl + 1, scale, d) : CKKS_ENOMEM;
    if (!err)
        err = eval_part(st, c, d, lvl, &qs);
    if (!err)
        err = sum_close(st, &qs, q);
    sum_clear(&qs);
    if (err) {
        ckks_ciphertext_free(q);
        return err;
    }
    s->own[s->nprod] = q;
    s->prod[s->nprod++] = (pe_prod){tm, q, false};
    return 0;
}

/*
 * Add the series c[0..d], asked for output level lvl and scale S, to s:
 * s sits at level lvl + 1 and scale S q_{lvl+1}, so that its rescale
 * gives the series' value at scale S. A leaf adds its terms; otherwise
 * p = q T_m + r adds the product with the quotient, then r (whose
 * constant is c_0).
 */
static int eval_part(pe_state *st, const double *c, int d, int lvl, pe_sum *s)
{
    d = trim(c, d, st->thr);
    if (d < st->baby && pow_level(st, d) > lvl) {
        for (int i = 1; i <= d; i++) {
            if (fabs(c[i]) <= st->thr)
                continue;
            int err = gen_power(st, i);
            if (err)
                return err;
            const ckks_ciphertext *t = power(st, i);
            s->term[s->nterm++] = (pe_term){t, c[i] * (s->scale / t->scale)};
        }
        if (fabs(c[0]) > st->thr)
            s->cst += c[0] * s->scale;
        return 0;
    }

    int m = floor_pow2(d);
    double *qc = malloc((size_t)(d + 1) * sizeof *qc), *rc = qc + (d - m + 1);
    if (!qc)
        return CKKS_ENOMEM;
    divide(st->cheb, c, d, m, qc, rc);
    int err = gen_power(st, m);
    const ckks_ciphertext *tm = err ? NULL : power(st, m);
    if (!err && d == m)
        /* q is the constant c_d: a scalar multiple of T_m */
        s->term[s->nterm++] = (pe_term){tm, qc[0] * (s->scale / tm->scale)};
    else if (!err)
        err = eval_quotient(st, qc, d - m, lvl + 1, tm, s);
    if (!err)
        err = eval_part(st, rc, m - 1, lvl, s);
    free(qc);
    return err;
}

/* The value of the series into a new ciphertext *res at level lvl_out and
 * scale exactly `scale`. */
static int eval_new(pe_state *st, ckks_ciphertext **res, const ckks_ciphertext *x,
                    const double *coeffs, int d, bool shift, double a, double b,
                    int lvl_out, double scale)
{
    const ckks_context *ctx = st->ctx;
    if (!(*res = ckks_ciphertext_new(ctx)))
        return CKKS_ENOMEM;
    pe_sum s = {0};
    int err;
    if (d == 0) {
        /* a zero of the right level and scale, plus the constant */
        err = sum_init(&s, lvl_out, scale, 0);
        s.cst = coeffs[0] * scale;
        if (!err)
            err = sum_eval(st, &s, *res);
        sum_clear(&s);
        return err;
    }

    st->top = lvl_out + ceil_log2(d + 1);
    st->baby = baby_bound(d);
    if (!(st->pw = calloc((size_t)d + 1, sizeof *st->pw)))
        return CKKS_ENOMEM;
    st->t1 = x;
    if (shift) {
        /* y = (2x - a - b) / (b - a); encoding at q_l keeps the scale. */
        ckks_ciphertext *t1 = ckks_ciphertext_new(ctx);
        if (!t1)
            return CKKS_ENOMEM;
        st->pw[1] = t1;
        st->t1 = t1;
        long double w = (long double)b - a;
        err = ckks_ciphertext_copy(t1, x);
        if (!err)
            err = ckks_set_level(ctx, t1, st->top + 1);
        if (!err)
            err = ckks_mul_const(ctx, t1, t1, (double)(2 / w), 0);
        if (!err)
            err = ckks_rescale(ctx, t1, t1);
        if (!err && a + b != 0)
            err = ckks_add_const(ctx, t1, t1, (double)(-((long double)a + b) / w));
        if (err)
            return err;
    }
    err = sum_init(&s, lvl_out + 1, scale * (double)ckks_context_prime(ctx, lvl_out + 1), d);
    if (!err)
        err = eval_part(st, coeffs, d, lvl_out, &s);
    if (!err)
        err = sum_close(st, &s, *res);
    sum_clear(&s);
    /* the products above track scale to a few ulps: make it exact */
    return err ? err : ckks_ciphertext_set_scale(*res, scale);
}

/* Shared by both bases; [a, b] is [-1, 1] for the power basis. */
static int eval_series(const ckks_context *ctx, ckks_ciphertext *out,
                       const ckks_ciphertext *x, const double *coeffs, int degree,
                       bool cheb, double a, double b, double target_scale,
                       const ckks_switch_key *rlk)
{
    if (!ctx || !out || !x || !x->c[0] || !coeffs || !(target_scale >= 0) ||
        !isfinite(target_scale))
        return CKKS_EINVAL;
    if (x->ctx != ctx || out->ctx != ctx)
        return CKKS_ECONTEXT;
    if (x->size != 2)
        return CKKS_ESIZE;
    int depth = ckks_chebyshev_depth(degree, a, b);
    if (depth < 0)
        return depth;
    double cmax = 0;
    for (int i = 0; i <= degree; i++) {
        if (!isfinite(coeffs[i]))
            return CKKS_EINVAL;
        cmax = fmax(cmax, fabs(coeffs[i]));
    }
    int lvl_out = x->level - depth;
    if (lvl_out < 0)
        return CKKS_ELEVEL;
    pe_state st = {.ctx = ctx, .rlk = rlk, .cheb = cheb, .log_slots = x->log_slots,
                   .thr = NEGLIGIBLE * cmax};
    int d = trim(coeffs, degree, st.thr);
    if (d >= 2 && !rlk)
        return CKKS_EKEY;

    double scale = target_scale > 0 ? target_scale : x->scale;
    bool shift = depth > ceil_log2(degree + 1);
    ckks_ciphertext *res = NULL;
    int err = eval_new(&st, &res, x, coeffs, d, shift, a, b, lvl_out, scale);
    if (!err) {
        /* move the result into out: out's old buffers go with res */
        ckks_ciphertext t = *out;
        *out = *res;
        *res = t;
    }
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
