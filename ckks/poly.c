/* poly.c - RNS polynomial helpers shared by keys, encryption and evaluation. */
#include "ckks/internal.h"

#include <math.h>
#include <stdlib.h>

void ckks_expand_uniform(const ckks_context *ctx, const uint8_t seed[CKKS_SEED_BYTES],
                         uint32_t domain, uint64_t index, const int *limbs,
                         int nlimbs, uint64_t *out)
{
    /* One keystream per limb, so limbs can be filled in any order. */
#pragma omp parallel for schedule(static)
    for (int k = 0; k < nlimbs; k++)
        ckks_expand_uniform_limb(ctx, seed, domain, index, limbs[k], out + (size_t)k * ctx->n);
}

void ckks_expand_uniform_limb(const ckks_context *ctx, const uint8_t seed[CKKS_SEED_BYTES],
                              uint32_t domain, uint64_t index, int limb, uint64_t *out)
{
    ckks_prng prng;
    ckks_prng_init(&prng, seed, domain, (index << 8) | (uint64_t)limb);
    ckks_sample_uniform(&prng, ctx->mod[limb].q, ctx->n, out);
}

void ckks_small_to_ntt(const ckks_context *ctx, const int64_t *v, const int *limbs,
                       int nlimbs, uint64_t *out)
{
    size_t n = ctx->n;
#pragma omp parallel for schedule(static)
    for (int k = 0; k < nlimbs; k++) {
        const ckks_mod *m = &ctx->mod[limbs[k]];
        uint64_t *o = out + (size_t)k * n;
        ckks_mod_from_i64_array(m, v, n, o);
        ckks_ntt_forward(&ctx->ntt[limbs[k]], o);
    }
}

void ckks_mod_from_i64_scalar(const ckks_mod *m, const int64_t *v, size_t n, uint64_t *out)
{
    for (size_t i = 0; i < n; i++) out[i] = ckks_mod_from_i64(v[i], m);
}

void ckks_mod_from_i64_array(const ckks_mod *m, const int64_t *v, size_t n, uint64_t *out)
{
    if (!ckks_mod_from_i64_avx512(m, v, n, out)) ckks_mod_from_i64_scalar(m, v, n, out);
}

uint64_t ckks_mod_from_double(double d, const ckks_mod *m)
{
    d = nearbyint(d);
    if (fabs(d) < 0x1p63) return ckks_mod_from_i64((int64_t)d, m);
    /* d = mant 2^e exactly, with |mant| < 2^53 */
    int e;
    double f = frexp(fabs(d), &e);
    uint64_t mant = (uint64_t)ldexp(f, 53);
    uint64_t r = ckks_mod_mul(ckks_mod_reduce64(mant, m), ckks_mod_pow(2, (uint64_t)(e - 53), m), m);
    return d < 0 ? ckks_mod_neg(r, m->q) : r;
}

static uint32_t bitrev(uint32_t x, int bits)
{
    x = ((x >> 1) & 0x55555555u) | ((x & 0x55555555u) << 1);
    x = ((x >> 2) & 0x33333333u) | ((x & 0x33333333u) << 2);
    x = ((x >> 4) & 0x0f0f0f0fu) | ((x & 0x0f0f0f0fu) << 4);
    x = __builtin_bswap32(x);
    return bits ? x >> (32 - bits) : 0;
}

void ckks_galois_permutation(const ckks_context *ctx, uint64_t g, uint32_t *perm)
{
    /* Index i holds a(psi^e_i) with e_i = 2 brv(i) + 1, and
     * sigma_g(a)(psi^e) = a(psi^(e g)). */
    uint64_t mask = 2 * (uint64_t)ctx->n - 1;
    for (uint32_t i = 0; i < ctx->n; i++) {
        uint64_t e = ((2 * (uint64_t)bitrev(i, ctx->logn) + 1) * g) & mask;
        perm[i] = bitrev((uint32_t)(e >> 1), ctx->logn);
    }
}
