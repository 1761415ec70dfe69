/*
 * modarith.h - 64-bit modular arithmetic for primes q < 2^61 (private).
 *
 * Barrett reduction of 128-bit products with mu = floor(2^128 / q), and
 * Shoup multiplication by a constant w with w' = floor(w 2^64 / q).
 */
#ifndef HETRAIN_CKKS_MODARITH_H
#define HETRAIN_CKKS_MODARITH_H

#include <stdint.h>

typedef unsigned __int128 ckks_u128;

typedef struct {
    uint64_t q;
    uint64_t mu_hi, mu_lo; /* floor(2^128 / q) = mu_hi 2^64 + mu_lo */
    int bits;
} ckks_mod;

static inline void ckks_mod_init(ckks_mod *m, uint64_t q)
{
    m->q = q;
    /* 2^128 / q computed as (2^128 - 1) / q: equal since q is odd > 1. */
    ckks_u128 all = ~(ckks_u128)0;
    ckks_u128 mu = all / q;
    m->mu_hi = (uint64_t)(mu >> 64);
    m->mu_lo = (uint64_t)mu;
    m->bits = 64 - __builtin_clzll(q);
}

static inline uint64_t ckks_mod_add(uint64_t a, uint64_t b, uint64_t q)
{
    uint64_t s = a + b;
    return s >= q ? s - q : s;
}

static inline uint64_t ckks_mod_sub(uint64_t a, uint64_t b, uint64_t q)
{
    return a >= b ? a - b : a + q - b;
}

static inline uint64_t ckks_mod_neg(uint64_t a, uint64_t q)
{
    return a ? q - a : 0;
}

static inline uint64_t ckks_mod_reduce64(uint64_t x, const ckks_mod *m);

/* x mod q for any 128-bit x. */
static inline uint64_t ckks_mod_reduce128(ckks_u128 x, const ckks_mod *m)
{
    uint64_t xl = (uint64_t)x, xh = (uint64_t)(x >> 64);
    /* keep the quotient below 2^64 (sums of many products) */
    if (xh >= m->q) xh = ckks_mod_reduce64(xh, m);
    /* quotient estimate: floor(x * mu / 2^128), off by at most 2 */
    ckks_u128 t = (ckks_u128)xl * m->mu_hi + (((ckks_u128)xl * m->mu_lo) >> 64);
    ckks_u128 t2 = (ckks_u128)xh * m->mu_lo + (uint64_t)t;
    uint64_t qhat = (uint64_t)((ckks_u128)xh * m->mu_hi + (t >> 64) + (t2 >> 64));
    uint64_t r = xl - qhat * m->q;
    if (r >= m->q) r -= m->q;
    if (r >= m->q) r -= m->q;
    return r;
}

/* x mod q for any 64-bit x. */
static inline uint64_t ckks_mod_reduce64(uint64_t x, const ckks_mod *m)
{
    uint64_t qhat = (uint64_t)(((ckks_u128)x * m->mu_hi) >> 64);
    uint64_t r = x - qhat * m->q;
    return r >= m->q ? r - m->q : r;
}

static inline uint64_t ckks_mod_mul(uint64_t a, uint64_t b, const ckks_mod *m)
{
    return ckks_mod_reduce128((ckks_u128)a * b, m);
}

/* w' = floor(w 2^64 / q), for w < q. */
static inline uint64_t ckks_shoup(uint64_t w, uint64_t q)
{
    return (uint64_t)(((ckks_u128)w << 64) / q);
}

/* a w mod q in [0, 2q) for any 64-bit a. */
static inline uint64_t ckks_mul_shoup_lazy(uint64_t a, uint64_t w, uint64_t ws, uint64_t q)
{
    uint64_t hi = (uint64_t)(((ckks_u128)a * ws) >> 64);
    return a * w - hi * q;
}

/* a w mod q in [0, q) for any 64-bit a. */
static inline uint64_t ckks_mul_shoup(uint64_t a, uint64_t w, uint64_t ws, uint64_t q)
{
    uint64_t r = ckks_mul_shoup_lazy(a, w, ws, q);
    return r >= q ? r - q : r;
}

static inline uint64_t ckks_mod_pow(uint64_t a, uint64_t e, const ckks_mod *m)
{
    uint64_t r = 1 % m->q;
    while (e) {
        if (e & 1) r = ckks_mod_mul(r, a, m);
        a = ckks_mod_mul(a, a, m);
        e >>= 1;
    }
    return r;
}

/* a^-1 mod q for prime q and a != 0 mod q. */
static inline uint64_t ckks_mod_inv(uint64_t a, const ckks_mod *m)
{
    return ckks_mod_pow(ckks_mod_reduce64(a, m), m->q - 2, m);
}

/* Signed 64-bit value to [0, q). */
static inline uint64_t ckks_mod_from_i64(int64_t v, const ckks_mod *m)
{
    if (v >= 0) return ckks_mod_reduce64((uint64_t)v, m);
    uint64_t r = ckks_mod_reduce64((uint64_t)(-(v + 1)) + 1, m);
    return ckks_mod_neg(r, m->q);
}

#endif
