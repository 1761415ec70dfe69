/*
 * context.c - a bootstrapping configuration checked against a parameter
 * set: levels of each stage, the bound K, the EvalMod series, and the
 * CoeffsToSlots / SlotsToCoeffs factors.
 */
#include "bootstrap/internal.h"

#include <complex.h>
#include <limits.h>
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
        .precompute_mb = BOOT_PRECOMPUTE_AUTO,
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

const char *boot_strerror(int err)
{
    if (err == BOOT_ECHAIN) return "EvalMod's primes are not all of one size";
    return ckks_strerror(err);
}

const boot_config *boot_context_config(const boot_context *bc) { return bc ? &bc->cfg : NULL; }
int boot_input_level(const boot_context *bc) { return bc ? bc->in_level : CKKS_EINVAL; }
int boot_output_level(const boot_context *bc) { return bc ? bc->out_level : CKKS_EINVAL; }
int boot_k(const boot_context *bc) { return bc ? bc->k : CKKS_EINVAL; }
int boot_eval_mod_depth(const boot_context *bc) { return bc ? bc->em.depth : CKKS_EINVAL; }
int boot_cos_degree(const boot_context *bc) { return bc ? bc->em.cos_degree : CKKS_EINVAL; }
double boot_c2s_scale(const boot_context *bc) { return bc ? bc->eval_scale : 0; }
double boot_c2s_gain(const boot_context *bc) { return bc ? bc->c2s_gain : 0; }

static void free_side(boot_side *s)
{
    for (int g = 0; g < s->levels; g++) {
        if (s->m) boot_matrix_free(s->m[g]);
        if (s->lt) pack_lintrans_free(s->lt[g]);
        if (s->steps) free(s->steps[g]);
    }
    free(s->m);
    free(s->lt);
    free(s->steps);
    free(s->nsteps);
    free(s->baby);
}

void boot_context_free(boot_context *bc)
{
    if (!bc) return;
    free_side(&bc->c2s);
    free_side(&bc->s2c);
    boot_evalmod_clear(&bc->em);
    ckks_plaintext_free(bc->one[0]);
    ckks_plaintext_free(bc->one[1]);
    ckks_plaintext_free(bc->mask);
    free(bc->raise_steps);
    free(bc->steps);
    free(bc);
}

static int check_config(const ckks_context *ctx, const boot_config *c)
{
    if (c->log_slots < 1 || c->log_slots > ckks_context_max_log_slots(ctx)) return CKKS_ESLOTS;
    if (c->c2s_levels < 1 || c->c2s_levels > c->log_slots || c->s2c_levels < 1 ||
        c->s2c_levels > c->log_slots)
        return CKKS_EINVAL;
    if (c->ephemeral_hw < 0 || c->log_failure < 1 || c->iterations < 1 || c->iterations > 2 ||
        c->iteration_bits < 1 || c->iteration_bits > 40 || c->precompute_mb < BOOT_PRECOMPUTE_AUTO ||
        (unsigned)c->low_memory > 1 || (unsigned)c->merge > 1 || (c->merge && !c->s2c_first))
        return CKKS_EINVAL;
    return 0;
}

/*
 * The n1 whose split d = g n1 + b costs least: distinct nonzero b (baby
 * steps) plus distinct nonzero g (giant steps). With double hoisting a
 * baby step is an inner product on the shared decomposition and a giant
 * step a whole key switch, so time first counts a giant step twice, ties
 * to fewer giant steps: at BOOT-N16 the 15-diagonal factors go from 3 + 3
 * to 7 + 1 steps, CoeffsToSlots at 2^12 slots 2.65-2.69 -> 2.13-2.17 s CPU
 * time (keys +1.4 GB), at full slots within the noise (+0.58 GB); weight
 * 5 would take 7.4 GB of keys at full slots. Memory first counts key
 * switches alone, ties to fewer keys first (CoeffsToSlots' second factor
 * at full slots: 5 keys at n1 = 512 against 9 at 1024, for 4 more giant
 * steps). Never the fewest keys alone: Horner's rule needs only a few
 * giant keys for any n1, and n1 = 1 would need two keys but a rotation
 * per diagonal.
 */
static int cheapest_baby(const boot_matrix *m, bool low_memory)
{
    const int log_slots = boot_matrix_log_n(m);
    const int giant_weight = low_memory ? 1 : 2;
    int best = m->n, best_cost = INT_MAX, best_keys = 0, best_giant = 0;
    for (int n1 = 1; n1 <= m->n; n1 *= 2) {
        int baby, giant;
        int keys = pack_bsgs_steps(log_slots, m->idx, (size_t)m->ndiag, n1, &baby, &giant, NULL);
        if (keys < 0) return keys;
        int cost = baby + giant_weight * giant;
        if (cost > best_cost) continue;
        if (cost == best_cost) {
            int by_keys = low_memory ? keys - best_keys : 0;
            if (by_keys > 0 || (by_keys == 0 && giant >= best_giant)) continue;
        }
        best = n1;
        best_cost = cost;
        best_keys = keys;
        best_giant = giant;
    }
    return best;
}

/* With low_memory, the most a transform's batch of giant steps holds
 * (packing's default: 1 GB); more batches repeat baby-step key switches. */
#define LOW_MEMORY_BATCH_BYTES ((size_t)512 << 20)

int boot_transform(const boot_context *bc, const boot_side *s, int g, int level, bool lazy,
                   pack_lintrans **out)
{
    const boot_matrix *m = s->m[g];
    /* double hoisting: measured faster for every factor of BOOT-N16 (0.4 s
     * at 2^12 slots), where packing's generic cost model, fitted before
     * its plaintext products went through the vector inner product, still
     * picks single hoisting for the 15-diagonal factors */
    pack_lintrans_opts opts = {.baby = s->baby[g], .storage = lazy ? PACK_LT_LAZY : PACK_LT_EAGER,
                               .hoisting = PACK_LT_DOUBLE,
                               .batch_bytes = bc->cfg.low_memory ? LOW_MEMORY_BATCH_BYTES : 0};
    return pack_lintrans_new_opts(bc->ctx, out, boot_matrix_log_n(m), m->idx,
                                  (const double complex *const *)m->diag, (size_t)m->ndiag, level,
                                  (double)ckks_context_prime(bc->ctx, level), &opts);
}

/* Upper bound of the bytes of factor g's encoded diagonals (the extended
 * basis Q u P included): diagonals that repeat are stored compactly. */
static double factor_bytes(const boot_context *bc, const boot_side *s, int g)
{
    const ckks_params *p = ckks_context_params(bc->ctx);
    const boot_matrix *m = s->m[g];
    double words = 0;
    for (int k = 0; k < m->ndiag; k++)
        words += (double)ckks_encode_limb_words(bc->ctx, m->diag[k], (size_t)m->n, boot_matrix_log_n(m));
    return words * (s->first_level - g + 1 + p->np) * 8.0;
}

/* The factors of one side, their gain spread evenly, their baby steps
 * and rotation steps. Merged, CoeffsToSlots' last factor leaves c in the
 * first n of 2n slots and -i c in the others: their sum with the
 * conjugate is (2 Re c, 2 Im c). */
static int build_side(boot_context *bc, boot_side *s, bool inverse, int levels, int first_level,
                      double gain)
{
    s->levels = levels;
    s->first_level = first_level;
    s->m = calloc((size_t)levels, sizeof *s->m);
    s->baby = calloc((size_t)levels, sizeof *s->baby);
    s->steps = calloc((size_t)levels, sizeof *s->steps);
    s->nsteps = calloc((size_t)levels, sizeof *s->nsteps);
    if (!s->m || !s->baby || !s->steps || !s->nsteps) return CKKS_ENOMEM;
    int err = boot_dft_factors(bc->cfg.log_slots, levels, inverse, s->m);
    if (err) return err;
    for (int g = 0; g < levels; g++) boot_matrix_scale(s->m[g], pow(gain, 1.0 / levels));
    /* the real SlotsToCoeffs after CoeffsToSlots counts coefficient 0
     * once where 2 Re(.) counts it twice */
    if (!inverse && bc->cfg.real && !bc->cfg.s2c_first) {
        boot_matrix *f = s->m[0];
        for (int k = 0; k < f->ndiag; k++) f->diag[k][(f->n - f->idx[k]) % f->n] *= 0.5;
    }
    if (inverse && bc->merged) {
        boot_matrix *w = boot_matrix_stack(s->m[levels - 1], 1, -I);
        if (!w) return CKKS_ENOMEM;
        boot_matrix_free(s->m[levels - 1]);
        s->m[levels - 1] = w;
    }
    for (int g = 0; g < levels; g++) {
        const boot_matrix *m = s->m[g];
        int ls = boot_matrix_log_n(m);
        int n1 = g == 0 && s->raised ? m->n : cheapest_baby(m, bc->cfg.low_memory);
        int count = n1 < 0 ? n1 : pack_bsgs_steps(ls, m->idx, (size_t)m->ndiag, n1, NULL, NULL, NULL);
        if (count < 0) return count;
        s->baby[g] = n1;
        if (!(s->steps[g] = malloc(((size_t)count + 1) * sizeof *s->steps[g]))) return CKKS_ENOMEM;
        s->nsteps[g] = pack_bsgs_steps(ls, m->idx, (size_t)m->ndiag, n1, NULL, NULL, s->steps[g]);
        if (s->nsteps[g] < 0) return s->nsteps[g];
    }
    return 0;
}

/* Encode factors once while they fit in the budget, SlotsToCoeffs' (the
 * cheaper, at low levels) first, then CoeffsToSlots' in the order they
 * run: encoding at each use costs time in proportion to the bytes saved.
 * The others keep lazy plans (diagonals as rounded integer coefficients,
 * 8 N bytes each), made once here. */
static int precompute(boot_context *bc)
{
    int mb = bc->cfg.precompute_mb;
    double budget = mb != BOOT_PRECOMPUTE_AUTO ? mb * 1048576.0
                    : bc->cfg.low_memory     ? 1024 * 1048576.0
                                             : INFINITY;
    boot_side *sides[2] = {&bc->s2c, &bc->c2s};
    int err = 0;
    for (int i = 0; i < 2 && !err; i++) {
        boot_side *s = sides[i];
        s->lt = calloc((size_t)s->levels, sizeof *s->lt);
        if (!s->lt) return CKKS_ENOMEM;
        for (int g = 0; g < s->levels && !err; g++) {
            double b = factor_bytes(bc, s, g);
            bool eager = b <= budget;
            if (eager) budget -= b;
            err = boot_transform(bc, s, g, s->first_level - g, !eager, &s->lt[g]);
        }
    }
    return err;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static uint64_t fnv(uint64_t h, int64_t w)
{
    for (int b = 0; b < 8; b++) h = (h ^ (((uint64_t)w >> (8 * b)) & 0xff)) * 0x100000001b3ULL;
    return h;
}

/* The sorted union of both sides' steps; a fingerprint (FNV-1a) of every
 * key the configuration needs: steps and level of each set, trace,
 * encapsulation. */
static int collect_steps(boot_context *bc)
{
    size_t cap = (size_t)bc->nraise, count = 0;
    const boot_side *sides[2] = {&bc->c2s, &bc->s2c};
    for (int i = 0; i < 2; i++)
        for (int g = 0; g < sides[i]->levels; g++) cap += (size_t)sides[i]->nsteps[g];
    bc->steps = malloc((cap + 1) * sizeof *bc->steps);
    if (!bc->steps) return CKKS_ENOMEM;
    uint64_t h = 0xcbf29ce484222325ULL;
    h = fnv(h, bc->cfg.log_slots);
    h = fnv(h, bc->cfg.ephemeral_hw > 0);
    h = fnv(h, bc->misc_level);
    h = fnv(h, bc->trace_radix);
    h = fnv(h, bc->nraise);
    for (int j = 0; j < bc->nraise; j++) {
        h = fnv(h, bc->raise_steps[j]);
        if (bc->raise_steps[j]) bc->steps[count++] = bc->raise_steps[j];
    }
    for (int i = 0; i < 2; i++)
        for (int g = 0; g < sides[i]->levels; g++) {
            h = fnv(h, sides[i]->first_level - g);
            h = fnv(h, sides[i]->nsteps[g]);
            for (int j = 0; j < sides[i]->nsteps[g]; j++) {
                h = fnv(h, sides[i]->steps[g][j]);
                bc->steps[count++] = sides[i]->steps[g][j];
            }
        }
    bc->fingerprint = h;
    qsort(bc->steps, count, sizeof *bc->steps, cmp_int);
    size_t k = 0;
    for (size_t i = 0; i < count; i++)
        if (!k || bc->steps[k - 1] != bc->steps[i]) bc->steps[k++] = bc->steps[i];
    bc->nsteps = (int)k;
    return 0;
}

/* Step 0, then factor 0's steps when it runs on the raised ciphertext
 * (its general keys are then not needed). */
static int raise_steps(boot_context *bc)
{
    boot_side *s = &bc->c2s;
    int extra = s->raised ? s->nsteps[0] : 0;
    bc->raise_steps = malloc(((size_t)extra + 1) * sizeof *bc->raise_steps);
    if (!bc->raise_steps) return CKKS_ENOMEM;
    bc->raise_steps[0] = 0;
    for (int j = 0; j < extra; j++) bc->raise_steps[1 + j] = s->steps[0][j];
    bc->nraise = 1 + extra;
    if (s->raised) s->nsteps[0] = 0;
    return 0;
}

/* EvalMod rescales by q_{c2s_out} .. q_{evalmod_out + 1} and plans its
 * scales from the first: a prime of another size among them would leave
 * a scale far from the prime it is divided by (BOOT_ECHAIN). */
static int check_chain(const boot_context *bc)
{
    double want = log2(bc->eval_scale);
    for (int l = bc->evalmod_out + 1; l < bc->c2s_out; l++)
        if (fabs(log2((double)ckks_context_prime(bc->ctx, l)) - want) > 1) return BOOT_ECHAIN;
    return 0;
}

/* The constant 1 at the top, extended, read with n slots and, for the
 * trace (sparse slots), with N / 2 (ckks_rotate_mul_sum's plaintexts carry
 * their ciphertexts' slot count): the switch back and the trace multiply
 * by it. Merged, the mask (1, i) of the merge level. */
static int encode_constants(boot_context *bc)
{
    const ckks_context *ctx = bc->ctx;
    const int log_slots[2] = {bc->cfg.log_slots, ckks_context_max_log_slots(ctx)};
    size_t n = (size_t)1 << log_slots[1];
    double complex *z = malloc(n * sizeof *z);
    int err = z ? 0 : CKKS_ENOMEM;
    for (size_t i = 0; !err && i < n; i++) z[i] = 1;
    for (int i = 0; i < (bc->gap > 1 ? 2 : 1) && !err; i++) {
        bc->one[i] = ckks_plaintext_new(ctx);
        err = bc->one[i] ? ckks_encode_extended(ctx, bc->one[i], z, (size_t)1 << log_slots[i],
                                                log_slots[i], bc->top, 1.0)
                         : CKKS_ENOMEM;
    }
    if (!err && bc->merged) {
        for (int i = 0; i < bc->n; i++) z[bc->n + i] = I;
        bc->mask = ckks_plaintext_new(ctx);
        err = bc->mask ? ckks_encode(ctx, bc->mask, z, 2 * (size_t)bc->n, bc->cfg.log_slots + 1,
                                     bc->evalmod_out, (double)ckks_context_prime(ctx, bc->evalmod_out))
                       : CKKS_ENOMEM;
    }
    free(z);
    return err;
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
    bc->out_level = cfg->s2c_first ? bc->evalmod_out - cfg->merge
                                   : bc->evalmod_out - cfg->s2c_levels;
    /* the last CoeffsToSlots factor must follow the trace */
    bc->merged = cfg->merge && !cfg->real && bc->gap > 1 && cfg->c2s_levels > 1;
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
     * keeps the sine approximation as accurate as in the other order, but
     * by 2^-6 at most: at N = 2^16 and scale q0 / 2^8 the sine's error and
     * the noise (amplified by 1 / gain) balance there for 2^12 and 2^15
     * slots alike (25.9 and 25.0 bits mean, against 23.2 at 2^-8 for 2^15). */
    int shrink = (cfg->log_slots + 1) / 2 < 6 ? (cfg->log_slots + 1) / 2 : 6;
    bc->msg_gain = real_after_raise ? 2 : cfg->s2c_first ? ldexp(1, -shrink) : 1;
    /* the trace runs at the top before the real part, else after factor 0 */
    bc->misc_level = real_after_raise ? bc->top : bc->gap > 1 ? bc->top - 1 : bc->c2s_out;
    bc->trace_radix = cfg->low_memory ? 2 : BOOT_TRACE_RADIX;
    err = check_chain(bc);
    bc->c2s.raised = !real_after_raise;
    if (!err) err = build_side(bc, &bc->c2s, true, cfg->c2s_levels, bc->top, bc->c2s_gain);
    if (!err) err = raise_steps(bc);
    if (!err)
        err = build_side(bc, &bc->s2c, false, cfg->s2c_levels,
                         cfg->s2c_first ? cfg->s2c_levels : bc->evalmod_out,
                         cfg->s2c_first ? bc->msg_gain : 1.0);
    if (!err) err = collect_steps(bc);
    if (!err) err = precompute(bc);
    if (!err) err = encode_constants(bc);
    if (err) {
        boot_context_free(bc);
        return err;
    }
    *out = bc;
    return 0;
}
