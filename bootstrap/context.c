/*
 * context.c - a bootstrapping configuration checked against a parameter
 * set: levels of each stage, the bound K, the EvalMod series, and the
 * CoeffsToSlots / SlotsToCoeffs factors.
 */
#include "bootstrap/internal.h"

#include <math.h>
#include <stdlib.h>

void boot_config_default(boot_config *cfg, const ckks_context *ctx, int log_slots)
{
    int small = ctx && ckks_context_logn(ctx) < 14;
    *cfg = (boot_config){
        .log_slots = log_slots,
        .c2s_levels = small ? 2 : 3,
        .s2c_levels = small ? 2 : 3,
        .ephemeral_hw = 32,
        .log_failure = 40,
        .double_angle = 3,
        .cos_log_error = 50,
        .iterations = 1,
        .iteration_bits = 16,
        .precompute = 1,
    };
}

/*
 * log2 of the Chernoff bound on P(X >= a) for X the sum of m independent
 * uniforms on [-1/2, 1/2]: min over l of exp(-l a) (sinh(l/2) / (l/2))^m.
 */
static double log2_tail(int m, double a)
{
    double best = 0;
    for (double l = 1e-3; l < 200; l *= 1.01) {
        double v = -l * a + m * log(sinh(l / 2) / (l / 2));
        if (v < best) best = v;
    }
    return best / log(2);
}

/*
 * ModRaise gives c0 + c1 s = q0 I + [c0 + c1 s]_q0: I_j = X_j - f with
 * X_j / 1 a sum of m = h + 1 (c0, c1 uniform mod q0) uniforms and |f| <=
 * 1/2. The smallest K with 2N P(X >= K - 1/2) <= 2^-log_failure, at most
 * the sure bound floor((m + 1) / 2).
 */
static int overflow_bound(int m, int logn, int log_failure)
{
    int cap = (m + 1) / 2;
    for (int k = 1; k < cap; k++)
        if (1 + logn + log2_tail(m, k - 0.5) <= -log_failure) return k;
    return cap;
}

const boot_config *boot_context_config(const boot_context *bc) { return bc ? &bc->cfg : NULL; }
int boot_input_level(const boot_context *bc) { return bc ? bc->in_level : CKKS_EINVAL; }
int boot_output_level(const boot_context *bc) { return bc ? bc->out_level : CKKS_EINVAL; }
int boot_k(const boot_context *bc) { return bc ? bc->k : CKKS_EINVAL; }
int boot_eval_mod_depth(const boot_context *bc) { return bc ? bc->em.depth : CKKS_EINVAL; }
int boot_cos_degree(const boot_context *bc) { return bc ? bc->em.cos_degree : CKKS_EINVAL; }
double boot_c2s_scale(const boot_context *bc) { return bc ? bc->eval_scale : 0; }
double boot_c2s_gain(const boot_context *bc) { return bc ? bc->c2s_gain : 0; }

static void free_side(boot_matrix **m, pack_lintrans **lt, int levels)
{
    for (int g = 0; g < levels; g++) {
        if (m) boot_matrix_free(m[g]);
        if (lt) pack_lintrans_free(lt[g]);
    }
    free(m);
    free(lt);
}

void boot_context_free(boot_context *bc)
{
    if (!bc) return;
    free_side(bc->c2s, bc->c2s_lt, bc->cfg.c2s_levels);
    free_side(bc->s2c, bc->s2c_lt, bc->cfg.s2c_levels);
    boot_evalmod_clear(&bc->em);
    free(bc->steps);
    free(bc);
}

static int check_config(const ckks_context *ctx, const boot_config *c)
{
    int max_log = ckks_context_max_log_slots(ctx);
    if (c->log_slots < 1 || c->log_slots > max_log) return CKKS_ESLOTS;
    /* the trace keys need 2 log2(N / 2n) < n (see boot_trace_steps) */
    if (c->log_slots < max_log && 2 * (max_log - c->log_slots) >= 1 << c->log_slots)
        return CKKS_ESLOTS;
    if (c->c2s_levels < 1 || c->c2s_levels > c->log_slots || c->s2c_levels < 1 ||
        c->s2c_levels > c->log_slots)
        return CKKS_EINVAL;
    if (c->ephemeral_hw < 0 || c->log_failure < 1 || c->iterations < 1 || c->iterations > 2 ||
        c->iteration_bits < 1 || c->iteration_bits > 40)
        return CKKS_EINVAL;
    return 0;
}

/* The factors of one side, their gain spread evenly, encoded when asked. */
static int build_side(boot_context *bc, bool inverse, int levels, int first_level, double gain,
                      boot_matrix ***m_out, pack_lintrans ***lt_out)
{
    boot_matrix **m = calloc((size_t)levels, sizeof *m);
    pack_lintrans **lt = bc->cfg.precompute ? calloc((size_t)levels, sizeof *lt) : NULL;
    int err = m && (lt || !bc->cfg.precompute) ? 0 : CKKS_ENOMEM;
    if (!err) err = boot_dft_factors(bc->cfg.log_slots, levels, inverse, m);
    *m_out = m;
    *lt_out = lt;
    if (err) return err;
    for (int g = 0; g < levels; g++) boot_matrix_scale(m[g], pow(gain, 1.0 / levels));
    /* the real SlotsToCoeffs after CoeffsToSlots counts coefficient 0
     * once where 2 Re(.) counts it twice */
    if (!inverse && bc->cfg.real && !bc->cfg.s2c_first) {
        boot_matrix *f = m[0];
        for (int k = 0; k < f->ndiag; k++) f->diag[k][(f->n - f->idx[k]) % f->n] *= 0.5;
    }
    for (int g = 0; lt && g < levels && !err; g++)
        err = boot_transform(bc, m[g], first_level - g, &lt[g]);
    return err;
}

int boot_transform(const boot_context *bc, const boot_matrix *m, int level, pack_lintrans **out)
{
    return pack_lintrans_new(bc->ctx, out, bc->cfg.log_slots, m->idx,
                             (const double complex *const *)m->diag, (size_t)m->ndiag, level,
                             (double)ckks_context_prime(bc->ctx, level), 0);
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Steps of one factor: from its encoded transform, or one encoded at
 * level 0 and scale 1 just to ask (cheap). */
static int factor_steps(const boot_context *bc, boot_matrix *m, pack_lintrans *lt, int *steps,
                        size_t *count)
{
    pack_lintrans *tmp = NULL;
    int err = lt ? 0
                 : pack_lintrans_new(bc->ctx, &tmp, bc->cfg.log_slots, m->idx,
                                     (const double complex *const *)m->diag, (size_t)m->ndiag, 0,
                                     1.0, 0);
    if (err) return err;
    *count += pack_lintrans_steps(lt ? lt : tmp, steps + *count);
    pack_lintrans_free(tmp);
    return 0;
}

/* Collect, sort and deduplicate the steps of every factor; fingerprint
 * them with the slot count and the encapsulation (FNV-1a). */
static int collect_steps(boot_context *bc)
{
    size_t cap = 0, count = 0;
    for (int g = 0; g < bc->cfg.c2s_levels; g++) cap += 2 * (size_t)bc->c2s[g]->ndiag;
    for (int g = 0; g < bc->cfg.s2c_levels; g++) cap += 2 * (size_t)bc->s2c[g]->ndiag;
    bc->steps = malloc((cap + 1) * sizeof *bc->steps);
    if (!bc->steps) return CKKS_ENOMEM;
    int err = 0;
    for (int g = 0; g < bc->cfg.c2s_levels && !err; g++)
        err = factor_steps(bc, bc->c2s[g], bc->c2s_lt ? bc->c2s_lt[g] : NULL, bc->steps, &count);
    for (int g = 0; g < bc->cfg.s2c_levels && !err; g++)
        err = factor_steps(bc, bc->s2c[g], bc->s2c_lt ? bc->s2c_lt[g] : NULL, bc->steps, &count);
    if (err) return err;
    qsort(bc->steps, count, sizeof *bc->steps, cmp_int);
    size_t k = 0;
    for (size_t i = 0; i < count; i++)
        if (!k || bc->steps[k - 1] != bc->steps[i]) bc->steps[k++] = bc->steps[i];
    bc->nsteps = (int)k;
    uint64_t h = 0xcbf29ce484222325ULL;
    int64_t words[3] = {bc->cfg.log_slots, bc->cfg.ephemeral_hw > 0, bc->nsteps};
    for (int i = 0; i < 3 + bc->nsteps; i++) {
        uint64_t w = (uint64_t)(i < 3 ? words[i] : bc->steps[i - 3]);
        for (int b = 0; b < 8; b++) h = (h ^ ((w >> (8 * b)) & 0xff)) * 0x100000001b3ULL;
    }
    bc->fingerprint = h;
    return 0;
}

int boot_context_new(boot_context **out, const ckks_context *ctx, const boot_config *cfg)
{
    if (!out || !ctx || !cfg) return CKKS_EINVAL;
    int err = check_config(ctx, cfg);
    if (err) return err;
    boot_context *bc = calloc(1, sizeof *bc);
    if (!bc) return CKKS_ENOMEM;
    bc->ctx = ctx;
    bc->cfg = *cfg;
    bc->n = 1 << cfg->log_slots;
    bc->gap = (int)(((size_t)1 << ckks_context_logn(ctx)) / (2 * (size_t)bc->n));

    const ckks_params *p = ckks_context_params(ctx);
    int h = cfg->ephemeral_hw ? cfg->ephemeral_hw
                              : p->hamming_weight ? p->hamming_weight : 1 << p->logn;
    /* the real part taken after ModRaise adds I and its conjugate */
    bool real_after_raise = cfg->real && !cfg->s2c_first;
    bc->k = overflow_bound((real_after_raise ? 2 : 1) * (h + 1), p->logn, cfg->log_failure);
    err = boot_evalmod_init(&bc->em, bc->k + 1.0, cfg->double_angle, cfg->arcsine_degree,
                            cfg->cos_log_error);
    if (err) {
        free(bc);
        return err;
    }

    bc->top = ckks_context_max_level(ctx);
    bc->c2s_out = bc->top - cfg->c2s_levels;
    bc->evalmod_out = bc->c2s_out - bc->em.depth;
    bc->in_level = cfg->s2c_first ? cfg->s2c_levels : 0;
    bc->out_level = cfg->s2c_first ? bc->evalmod_out : bc->evalmod_out - cfg->s2c_levels;
    if (bc->out_level < 0 || bc->in_level >= bc->top) {
        boot_context_free(bc);
        return CKKS_ELEVEL;
    }
    bc->eval_scale = (double)ckks_context_prime(ctx, bc->c2s_out);
    /* slots after CoeffsToSlots: (t_j + i t_{n+j}) / (2 kt), t = gap P / q0 */
    bc->c2s_gain = bc->eval_scale / (2 * (double)ckks_context_prime(ctx, 0) * bc->em.kt * bc->gap);
    /* Taking the real part after ModRaise doubles the message. Slot
     * values put into coefficients by a first SlotsToCoeffs are scaled
     * down to the size coefficients have (about 2^-log_slots/2), which
     * keeps the sine approximation as accurate as in the other order. */
    bc->msg_gain = real_after_raise ? 2 : cfg->s2c_first ? ldexp(1, -(cfg->log_slots + 1) / 2) : 1;
    err = build_side(bc, true, cfg->c2s_levels, bc->top, bc->c2s_gain, &bc->c2s, &bc->c2s_lt);
    if (!err)
        err = build_side(bc, false, cfg->s2c_levels,
                         cfg->s2c_first ? cfg->s2c_levels : bc->evalmod_out,
                         cfg->s2c_first ? bc->msg_gain : 1.0, &bc->s2c, &bc->s2c_lt);
    if (!err) err = collect_steps(bc);
    if (err) {
        boot_context_free(bc);
        return err;
    }
    *out = bc;
    return 0;
}
