/* context.c - validate a parameter literal once and precompute its tables. */
#include "ckks/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int validate(const ckks_params *p, unsigned flags)
{
    if (p->logn < 11 || p->logn > 17) return CKKS_EINVAL;
    if (p->nq < 1 || p->np < 1 || p->nq + p->np > CKKS_MAX_PRIMES) return CKKS_EINVAL;
    for (int i = 0; i < p->nq; i++)
        if (p->qbits[i] < 20 || p->qbits[i] > 61) return CKKS_EINVAL;
    for (int i = 0; i < p->np; i++)
        if (p->pbits[i] < 20 || p->pbits[i] > 61) return CKKS_EINVAL;
    if (p->log_scale < 10 || p->log_scale > 60) return CKKS_EINVAL;
    if (p->dnum < 1 || p->dnum > p->nq) return CKKS_EINVAL;
    if (p->hamming_weight < 0 || p->hamming_weight > (1 << p->logn)) return CKKS_EINVAL;
    if (p->insecure && !(flags & CKKS_ALLOW_INSECURE)) return CKKS_EINSECURE;
    return 0;
}

static uint64_t fnv1a(uint64_t h, uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        h ^= (v >> (8 * i)) & 0xff;
        h *= 0x100000001b3ULL;
    }
    return h;
}

int ckks_context_new(ckks_context **out, const ckks_params *p, unsigned flags)
{
    if (!out || !p) return CKKS_EINVAL;
    *out = NULL;
    int err = validate(p, flags);
    if (err) return err;

    ckks_context *ctx = calloc(1, sizeof *ctx);
    if (!ctx) return CKKS_ENOMEM;
    ctx->params = *p;
    ctx->logn = p->logn;
    ctx->n = (size_t)1 << p->logn;
    ctx->nq = p->nq;
    ctx->np = p->np;
    ctx->alpha = (p->nq + p->dnum - 1) / p->dnum;
    /* digits actually used: e.g. nq = 4, dnum = 3 gives alpha 2, 2 digits */
    ctx->dnum = (p->nq + ctx->alpha - 1) / ctx->alpha;
    int nm = p->nq + p->np;

    uint64_t primes[CKKS_MAX_PRIMES];
    err = ckks_primes_generate(p->logn, p->nq, p->qbits, primes, NULL, 0);
    if (!err)
        err = ckks_primes_generate(p->logn, p->np, p->pbits, primes + p->nq, primes, p->nq);
    if (err) goto fail;

    ctx->logqp = 0;
    for (int i = 0; i < nm; i++) ctx->logqp += log2((double)primes[i]);
    if (!p->insecure) {
        int bound = ckks_security_max_logqp(p->logn, p->hamming_weight);
        if (bound == 0 || ctx->logqp > bound) {
            err = CKKS_ESECURITY;
            goto fail;
        }
    }

    err = CKKS_ENOMEM;
    ctx->mod = calloc((size_t)nm, sizeof *ctx->mod);
    ctx->ntt = calloc((size_t)nm, sizeof *ctx->ntt);
    ctx->rescale_inv = calloc((size_t)p->nq, sizeof *ctx->rescale_inv);
    ctx->rescale_inv_shoup = calloc((size_t)p->nq, sizeof *ctx->rescale_inv_shoup);
    ctx->p_inv_mod_q = calloc((size_t)p->nq, sizeof(uint64_t));
    ctx->p_inv_mod_q_shoup = calloc((size_t)p->nq, sizeof(uint64_t));
    ctx->counters = calloc(1, sizeof *ctx->counters);
    (void)ckks_scratch_cache_new(&ctx->scratch); /* NULL on failure */
    if (!ctx->counters || !ctx->scratch || !ctx->mod || !ctx->ntt || !ctx->rescale_inv ||
        !ctx->rescale_inv_shoup || !ctx->p_inv_mod_q || !ctx->p_inv_mod_q_shoup)
        goto fail;

    uint64_t h = 0xcbf29ce484222325ULL;
    h = fnv1a(h, (uint64_t)p->logn);
    h = fnv1a(h, ((uint64_t)p->nq << 32) | (uint64_t)p->np);
    h = fnv1a(h, ((uint64_t)p->dnum << 32) | (uint64_t)p->hamming_weight);
    for (int i = 0; i < nm; i++) {
        ckks_mod_init(&ctx->mod[i], primes[i]);
        h = fnv1a(h, primes[i]);
        err = ckks_ntt_table_init(&ctx->ntt[i], primes[i], p->logn);
        if (err) goto fail;
    }
    ctx->hash = h;

    err = CKKS_ENOMEM;
    for (int l = 1; l < p->nq; l++) {
        ctx->rescale_inv[l] = malloc((size_t)l * sizeof(uint64_t));
        ctx->rescale_inv_shoup[l] = malloc((size_t)l * sizeof(uint64_t));
        if (!ctx->rescale_inv[l] || !ctx->rescale_inv_shoup[l]) goto fail;
        for (int i = 0; i < l; i++) {
            uint64_t v = ckks_mod_inv(primes[l], &ctx->mod[i]);
            ctx->rescale_inv[l][i] = v;
            ctx->rescale_inv_shoup[l][i] = ckks_shoup(v, primes[i]);
        }
    }
    for (int i = 0; i < p->nq; i++) {
        uint64_t pm = 1;
        for (int j = 0; j < p->np; j++)
            pm = ckks_mod_mul(pm, ckks_mod_reduce64(primes[p->nq + j], &ctx->mod[i]), &ctx->mod[i]);
        ctx->p_inv_mod_q[i] = ckks_mod_inv(pm, &ctx->mod[i]);
        ctx->p_inv_mod_q_shoup[i] = ckks_shoup(ctx->p_inv_mod_q[i], primes[i]);
    }

    err = ckks_encoder_tables_new(ctx);
    if (err) goto fail;
    *out = ctx;
    return 0;
fail:
    ckks_context_free(ctx);
    return err;
}

void ckks_context_free(ckks_context *ctx)
{
    if (!ctx) return;
    if (ctx->ntt)
        for (int i = 0; i < ctx->nq + ctx->np; i++) ckks_ntt_table_clear(&ctx->ntt[i]);
    if (ctx->rescale_inv)
        for (int l = 0; l < ctx->nq; l++) {
            free(ctx->rescale_inv[l]);
            free(ctx->rescale_inv_shoup[l]);
        }
    ckks_encoder_tables_free(ctx->enc);
    free(ctx->rescale_inv);
    free(ctx->rescale_inv_shoup);
    free(ctx->p_inv_mod_q);
    free(ctx->p_inv_mod_q_shoup);
    free(ctx->ntt);
    free(ctx->mod);
    free(ctx->counters);
    ckks_scratch_cache_free(ctx->scratch);
    free(ctx);
}

int ckks_context_logn(const ckks_context *ctx) { return ctx->logn; }
int ckks_context_max_level(const ckks_context *ctx) { return ctx->nq - 1; }
int ckks_context_max_log_slots(const ckks_context *ctx) { return ctx->logn - 1; }
double ckks_context_default_scale(const ckks_context *ctx) { return ldexp(1.0, ctx->params.log_scale); }
const ckks_params *ckks_context_params(const ckks_context *ctx) { return &ctx->params; }
double ckks_context_logqp(const ckks_context *ctx) { return ctx->logqp; }
uint64_t ckks_context_hash(const ckks_context *ctx) { return ctx->hash; }

uint64_t ckks_context_prime(const ckks_context *ctx, int i)
{
    return (i >= 0 && i < ctx->nq + ctx->np) ? ctx->mod[i].q : 0;
}

const char *ckks_context_security(const ckks_context *ctx)
{
    if (ctx->params.insecure) return "INSECURE (test parameters)";
    return ctx->params.hamming_weight ? "128-bit (HE Standard, sparse ternary, conservative bound)"
                                      : "128-bit (HE Standard, uniform ternary)";
}

void ckks_op_counts_get(const ckks_context *ctx, ckks_op_counts *out)
{
    ckks_counters *c = ctx->counters;
    out->key_switches = atomic_load(&c->key_switches);
    out->decompositions = atomic_load(&c->decompositions);
    out->ct_mults = atomic_load(&c->ct_mults);
    out->pt_mults = atomic_load(&c->pt_mults);
    out->rescales = atomic_load(&c->rescales);
}

void ckks_op_counts_reset(const ckks_context *ctx)
{
    ckks_counters *c = ctx->counters;
    atomic_store(&c->key_switches, 0);
    atomic_store(&c->decompositions, 0);
    atomic_store(&c->ct_mults, 0);
    atomic_store(&c->pt_mults, 0);
    atomic_store(&c->rescales, 0);
}
