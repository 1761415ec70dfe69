/*
 * sample.c - uniform, ternary and discrete Gaussian samplers.
 *
 * Every sampler reads its ckks_prng sequentially, so the output depends
 * only on the (seed, domain, index) stream and on the order of the calls:
 * drawing n values at once or in pieces gives the same values.
 */
#include "internal.h"

#include <math.h>
#include <string.h>

/*
 * Uniform in [0, max] by rejection of words masked to the bit length of
 * max (mask = ckks_bit_mask(max)): unbiased, fewer than 2 words on average.
 */
static uint64_t uniform_upto(ckks_prng *p, uint64_t max, uint64_t mask)
{
    uint64_t v;
    do
        v = ckks_prng_u64(p) & mask;
    while (v > max);
    return v;
}

static uint8_t next_byte(ckks_prng *p)
{
    uint8_t b;
    ckks_prng_bytes(p, &b, 1);
    return b;
}

/* q >= 1; q = 0 would mean 2^64. */
void ckks_sample_uniform_scalar(ckks_prng *p, uint64_t q, size_t n, uint64_t *out)
{
    uint64_t mask = ckks_bit_mask(q - 1);
    for (size_t i = 0; i < n; i++)
        out[i] = uniform_upto(p, q - 1, mask);
}

/* The vector path makes 16 blocks at a time; for fewer values than this
 * the scalar path's one or two blocks cost less (measured). */
#define UNIFORM_VECTOR_MIN 16

void ckks_sample_uniform(ckks_prng *p, uint64_t q, size_t n, uint64_t *out)
{
    /* The vector path starts at a block boundary: finish the buffered
     * block first (all of it, if a byte read left words misaligned). */
    uint64_t mask = ckks_bit_mask(q - 1);
    size_t i = 0;
    for (; i < n && p->pos < sizeof(p->buf); i++)
        out[i] = uniform_upto(p, q - 1, mask);
    if (n - i < UNIFORM_VECTOR_MIN || !ckks_sample_uniform_avx512(p, q, n - i, out + i))
        ckks_sample_uniform_scalar(p, q, n - i, out + i);
}

/* 0, 1, 2 -> 0, 1, -1 without a branch on the (secret) value. */
static int8_t centered_mod3(unsigned r)
{
    return (int8_t)((int)r - 3 * (int)(r >> 1));
}

void ckks_sample_ternary(ckks_prng *p, size_t n, int8_t *out)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t b;
        /* 255 = 3 * 85: the bytes below it split evenly into residues. */
        do
            b = next_byte(p);
        while (b == 255);
        out[i] = centered_mod3(b % 3u);
    }
}

/*
 * Floyd's subset sampling: for j = n - h .. n - 1 pick t in [0, j] and
 * take t, or j if t is taken already. Every h-subset comes out with the
 * same probability, with exactly h bounded draws and no extra memory:
 * out itself marks the positions taken (all < j at step j). h is
 * clamped to [0, n].
 */
void ckks_sample_ternary_hw(ckks_prng *p, size_t n, int h, int8_t *out)
{
    size_t hw = h < 0 ? 0 : (size_t)h > n ? n : (size_t)h;
    memset(out, 0, n);
    for (size_t j = n - hw; j < n; j++) {
        size_t t = (size_t)uniform_upto(p, j, ckks_bit_mask(j));
        if (out[t] != 0)
            t = j;
        out[t] = (int8_t)(1 - 2 * (next_byte(p) & 1));
    }
}

/* Largest supported tail bound floor(6 sigma): sigma up to about 42. */
#define GAUSS_MAX_TAIL 256

/*
 * cdf[j] = round(2^64 P(X <= j - t)) for j < 2t, X the discrete Gaussian
 * rho(x) = exp(-x^2 / (2 sigma^2)) restricted to |x| <= t = floor(6 sigma)
 * (clamped to GAUSS_MAX_TAIL). Long double carries the 64 bits the table
 * needs on x86-64. Returns t.
 */
static int gaussian_cdf(double sigma, uint64_t cdf[2 * GAUSS_MAX_TAIL])
{
    if (!(sigma > 0))
        return 0;
    int t = 6 * sigma >= GAUSS_MAX_TAIL ? GAUSS_MAX_TAIL : (int)floor(6 * sigma);
    long double rho[2 * GAUSS_MAX_TAIL + 1];
    long double total = 0;
    long double s2 = 2.0L * sigma * sigma;
    for (int x = -t; x <= t; x++) {
        rho[x + t] = expl(-(long double)x * x / s2);
        total += rho[x + t];
    }
    long double two64 = ldexpl(1.0L, 64), acc = 0;
    for (int j = 0; j < 2 * t; j++) {
        acc += rho[j];
        long double c = acc / total * two64 + 0.5L;
        /* Rounding can reach 2^64 only when the tail mass is below 2^-64. */
        cdf[j] = c >= two64 ? UINT64_MAX : (uint64_t)c;
    }
    return t;
}

/*
 * Inverse CDF: x = (number of cdf entries <= u) - t for a 64-bit uniform
 * u. The scan always covers the whole table, so its time does not depend
 * on the (secret) result.
 */
void ckks_sample_gaussian(ckks_prng *p, size_t n, double sigma, int64_t *out)
{
    uint64_t cdf[2 * GAUSS_MAX_TAIL];
    int t = gaussian_cdf(sigma, cdf);
    for (size_t i = 0; i < n; i++) {
        uint64_t u = ckks_prng_u64(p);
        int64_t k = 0;
        for (int j = 0; j < 2 * t; j++)
            k += u >= cdf[j];
        out[i] = k - t;
    }
}
