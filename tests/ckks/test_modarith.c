/*
 * test_modarith.c - modular arithmetic (modarith.h), primality, NTT-friendly
 * prime generation and primitive roots, against GMP and __int128.
 */
#include <criterion/criterion.h>

#include <gmp.h>

#include "ckks/internal.h"

/* splitmix64: a fixed, reproducible stream of test inputs */
static uint64_t next_u64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* A prime q = 1 mod 2^17 of the given size, below 2^bits. */
static uint64_t test_prime(int bits)
{
    uint64_t q;
    cr_assert_eq(ckks_primes_generate(16, 1, &bits, &q, NULL, 0), 0);
    if (q >> bits) { /* above 2^bits: take the next one, below */
        int b[2] = {bits, bits};
        uint64_t two[2];
        cr_assert_eq(ckks_primes_generate(16, 2, b, two, NULL, 0), 0);
        q = two[1];
    }
    cr_assert(q < (uint64_t)1 << bits && q > (uint64_t)1 << (bits - 1));
    return q;
}

static const int sizes[] = {30, 31, 36, 40, 45, 50, 55, 59, 60, 61};
#define NSIZES (sizeof sizes / sizeof sizes[0])

/* Interesting 64-bit inputs for modulus q. */
static uint64_t edge_u64(uint64_t q, int i)
{
    const uint64_t e[] = {0, 1, 2, q - 1, q, q + 1, 2 * q - 1, 2 * q, 4 * q - 1,
                          UINT64_MAX, UINT64_MAX - 1, UINT64_MAX / q * q,
                          UINT64_MAX / q * q - 1, (uint64_t)1 << 63};
    return e[i % (int)(sizeof e / sizeof e[0])];
}
#define NEDGE 14

Test(modarith, reduce128)
{
    uint64_t s = 1;
    for (size_t k = 0; k < NSIZES; k++) {
        uint64_t q = test_prime(sizes[k]);
        ckks_mod m;
        ckks_mod_init(&m, q);
        cr_assert_eq(m.bits, sizes[k]);
        for (int i = 0; i < 20000 + NEDGE * NEDGE; i++) {
            ckks_u128 x;
            if (i < NEDGE * NEDGE) /* products and 128-bit edges */
                x = (ckks_u128)edge_u64(q, i / NEDGE) * edge_u64(q, i % NEDGE) +
                    (i % 3 == 0 ? 0 : ~(ckks_u128)0 - (ckks_u128)edge_u64(q, i) * q);
            else if (i % 2)
                x = (ckks_u128)next_u64(&s) << 64 | next_u64(&s);
            else
                x = (ckks_u128)(next_u64(&s) % q) * (next_u64(&s) % q);
            uint64_t want = (uint64_t)(x % q);
            cr_assert_eq(ckks_mod_reduce128(x, &m), want, "q=%llu i=%d",
                         (unsigned long long)q, i);
        }
        cr_assert_eq(ckks_mod_reduce128(~(ckks_u128)0, &m), (uint64_t)(~(ckks_u128)0 % q));
    }
}

Test(modarith, reduce64_add_sub_neg)
{
    uint64_t s = 2;
    for (size_t k = 0; k < NSIZES; k++) {
        uint64_t q = test_prime(sizes[k]);
        ckks_mod m;
        ckks_mod_init(&m, q);
        for (int i = 0; i < 20000; i++) {
            uint64_t x = i < NEDGE ? edge_u64(q, i) : next_u64(&s);
            cr_assert_eq(ckks_mod_reduce64(x, &m), x % q);
            uint64_t a = x % q, b = next_u64(&s) % q;
            cr_assert_eq(ckks_mod_add(a, b, q), (uint64_t)(((ckks_u128)a + b) % q));
            cr_assert_eq(ckks_mod_sub(a, b, q), (uint64_t)(((ckks_u128)a + q - b) % q));
            cr_assert_eq(ckks_mod_neg(a, q), (q - a) % q);
        }
    }
}

Test(modarith, mul_and_shoup)
{
    uint64_t s = 3;
    for (size_t k = 0; k < NSIZES; k++) {
        uint64_t q = test_prime(sizes[k]);
        ckks_mod m;
        ckks_mod_init(&m, q);
        for (int i = 0; i < 20000; i++) {
            uint64_t w = i < NEDGE ? (i % 2 ? q - 1 : (uint64_t)i) : next_u64(&s) % q;
            uint64_t a = i < NEDGE ? edge_u64(q, i) : next_u64(&s);
            uint64_t want = (uint64_t)((ckks_u128)a * w % q);
            uint64_t ws = ckks_shoup(w, q);
            cr_assert_eq(ws, (uint64_t)(((ckks_u128)w << 64) / q));
            cr_assert_eq(ckks_mul_shoup(a, w, ws, q), want);
            uint64_t lazy = ckks_mul_shoup_lazy(a, w, ws, q);
            cr_assert(lazy < 2 * q && lazy % q == want);
            cr_assert_eq(ckks_mod_mul(a % q, w, &m), want);
        }
    }
}

Test(modarith, pow_inv_from_i64)
{
    uint64_t s = 4;
    mpz_t zq, za, ze, zr;
    mpz_inits(zq, za, ze, zr, NULL);
    for (size_t k = 0; k < NSIZES; k++) {
        uint64_t q = test_prime(sizes[k]);
        ckks_mod m;
        ckks_mod_init(&m, q);
        mpz_set_ui(zq, q);
        for (int i = 0; i < 2000; i++) {
            uint64_t a = next_u64(&s) % q, e = i < 3 ? (uint64_t)i : next_u64(&s);
            mpz_set_ui(za, a);
            mpz_set_ui(ze, e);
            mpz_powm(zr, za, ze, zq);
            cr_assert_eq(ckks_mod_pow(a, e, &m), mpz_get_ui(zr));
            uint64_t x = i < NEDGE ? edge_u64(q, i) : next_u64(&s);
            if (x % q == 0) continue;
            mpz_set_ui(za, x);
            mpz_invert(zr, za, zq);
            cr_assert_eq(ckks_mod_inv(x, &m), mpz_get_ui(zr));
        }
        const int64_t edges[] = {0, 1, -1, INT64_MAX, INT64_MIN, INT64_MIN + 1,
                                 (int64_t)q, -(int64_t)q, (int64_t)q - 1, 1 - (int64_t)q};
        for (int i = 0; i < 20000; i++) {
            int64_t v = i < 10 ? edges[i] : (int64_t)next_u64(&s) >> (i % 64);
            __int128 r = (__int128)v % (__int128)q;
            if (r < 0) r += q;
            cr_assert_eq(ckks_mod_from_i64(v, &m), (uint64_t)r, "v=%lld", (long long)v);
        }
    }
    mpz_clears(zq, za, ze, zr, NULL);
}

static bool gmp_prime(uint64_t n)
{
    mpz_t z;
    mpz_init_set_ui(z, n);
    bool p = mpz_probab_prime_p(z, 30) != 0; /* BPSW: exact below 2^64 */
    mpz_clear(z);
    return p;
}

Test(prime, is_prime_vs_gmp)
{
    for (uint64_t n = 0; n < 20000; n++)
        cr_assert_eq(ckks_is_prime(n), gmp_prime(n), "n=%llu", (unsigned long long)n);
    /* strong pseudoprimes to many small bases, Carmichael numbers, squares
     * of large primes, the primes around 2^64 */
    const uint64_t hard[] = {
        561, 41041, 3215031751ULL, 2152302898747ULL, 3474749660383ULL,
        341550071728321ULL, 3825123056546413051ULL,
        4294967291ULL * 4294967291ULL, 4294967279ULL * 4294967291ULL,
        UINT64_MAX, UINT64_MAX - 58, UINT64_MAX - 82, ((uint64_t)1 << 61) - 1,
        ((uint64_t)1 << 62) - 57, ((uint64_t)1 << 63) - 25, 1000000007ULL * 998244353ULL};
    for (size_t i = 0; i < sizeof hard / sizeof hard[0]; i++)
        cr_assert_eq(ckks_is_prime(hard[i]), gmp_prime(hard[i]), "n=%llu",
                     (unsigned long long)hard[i]);
    uint64_t s = 5;
    int primes = 0;
    for (int i = 0; i < 200000; i++) {
        uint64_t n = next_u64(&s) >> (i % 40) | 1;
        bool p = ckks_is_prime(n);
        cr_assert_eq(p, gmp_prime(n), "n=%llu", (unsigned long long)n);
        primes += p;
    }
    cr_assert_gt(primes, 1000); /* the sample does contain primes */
}

/* Next candidate 1 mod step strictly beyond c in direction dir that GMP
 * says is prime; 0 if none before the bound. */
static uint64_t gmp_next(uint64_t c, int dir, uint64_t step, uint64_t bound)
{
    for (;;) {
        c = dir > 0 ? c + step : c - step;
        if (dir > 0 ? c >= bound : c <= bound) return 0;
        if (gmp_prime(c)) return c;
    }
}

/* The candidate 1 mod step just below 2^b (the start of both walks). */
static uint64_t start_below(int b, uint64_t step)
{
    return (((uint64_t)1 << b) - 2) / step * step + 1;
}

Test(prime, generate_alternates_and_is_nearest)
{
    const int logn = 13;
    const uint64_t step = (uint64_t)2 << logn;
    const int b[] = {40, 50, 40, 40, 61, 50, 40, 61, 61, 30, 30, 30};
    enum { COUNT = sizeof b / sizeof b[0] };
    uint64_t q[COUNT];
    cr_assert_eq(ckks_primes_generate(logn, COUNT, b, q, NULL, 0), 0);
    /* expected: per size, alternate above/below 2^b (below only at 61),
     * each the nearest unused prime on its side */
    /* per distinct size (30, 40, 50, 61): the walks' positions, primes taken */
    const int sizes[4] = {30, 40, 50, 61};
    uint64_t ups[4], downs[4];
    int takens[4] = {0};
    for (int i = 0; i < COUNT; i++) {
        int bi = b[i], k = 0;
        while (sizes[k] != bi) k++;
        uint64_t *up = &ups[k], *down = &downs[k];
        int *taken = &takens[k];
        uint64_t p2 = (uint64_t)1 << bi;
        if (!*taken) {
            *down = start_below(bi, step) + step;
            *up = start_below(bi, step);
        }
        bool above = bi < 61 && *taken % 2 == 0;
        uint64_t want = above ? gmp_next(*up, 1, step, p2 << 1) : gmp_next(*down, -1, step, p2 >> 1);
        cr_assert_eq(q[i], want, "i=%d bits=%d", i, bi);
        *(above ? up : down) = want;
        (*taken)++;
        cr_assert(above ? q[i] > p2 : q[i] < p2);
        cr_assert(q[i] > p2 / 2 && q[i] < p2 * 2 && q[i] < (uint64_t)1 << 61);
        cr_assert_eq(q[i] % step, 1);
        cr_assert(gmp_prime(q[i]));
        for (int j = 0; j < i; j++)
            cr_assert_neq(q[i], q[j]);
    }
}

Test(prime, generate_exclude)
{
    const int b[4] = {50, 50, 50, 50};
    uint64_t q[4], r[4];
    cr_assert_eq(ckks_primes_generate(12, 4, b, q, NULL, 0), 0);
    /* excluding the first two shifts each side by one */
    cr_assert_eq(ckks_primes_generate(12, 2, b, r, q, 2), 0);
    cr_assert_eq(r[0], q[2]);
    cr_assert_eq(r[1], q[3]);
    /* excluding all four gives four new ones */
    cr_assert_eq(ckks_primes_generate(12, 4, b, r, q, 4), 0);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            cr_assert_neq(r[i], q[j]);
}

Test(prime, generate_runs_out)
{
    /* 24-bit primes 1 mod 2^17 lie in (2^23, 2^25): count them with GMP */
    const int logn = 16;
    const uint64_t step = (uint64_t)2 << logn;
    int avail = 0;
    for (uint64_t c = 1; c < (uint64_t)1 << 25; c += step)
        avail += c > (uint64_t)1 << 23 && gmp_prime(c);
    cr_assert_gt(avail, 10);
    int b[200];
    uint64_t q[200];
    for (int i = 0; i < 200; i++) b[i] = 24;
    /* all of them: once one side is used up, the other goes on */
    cr_assert_eq(ckks_primes_generate(logn, avail, b, q, NULL, 0), 0);
    for (int i = 0; i < avail; i++) {
        cr_assert(gmp_prime(q[i]) && q[i] % step == 1);
        for (int j = 0; j < i; j++)
            cr_assert_neq(q[i], q[j]);
    }
    cr_assert_eq(ckks_primes_generate(logn, avail + 1, b, q, NULL, 0), CKKS_EPRIME);
    for (int i = 0; i < 200; i++) b[i] = 20;
    cr_assert_eq(ckks_primes_generate(logn, 200, b, q, NULL, 0), CKKS_EPRIME);
    int bad[2] = {62, 1};
    cr_assert_eq(ckks_primes_generate(logn, 1, bad, q, NULL, 0), CKKS_EPRIME);
    cr_assert_eq(ckks_primes_generate(logn, 1, bad + 1, q, NULL, 0), CKKS_EPRIME);
}

/* x^e mod q for q < 2^32 */
static uint64_t small_pow(uint64_t x, uint64_t e, uint64_t q)
{
    uint64_t r = 1;
    for (; e; e >>= 1, x = x * x % q)
        if (e & 1) r = r * x % q;
    return r;
}

Test(prime, primitive_root_is_smallest)
{
    /* small primes: scan every residue */
    const uint64_t small[] = {7681, 12289, 40961, 65537, 786433};
    for (size_t k = 0; k < sizeof small / sizeof small[0]; k++) {
        uint64_t q = small[k];
        for (int logn = 0; logn <= 10 && (q - 1) % ((uint64_t)2 << logn) == 0; logn++) {
            uint64_t n = (uint64_t)1 << logn, psi = ckks_primitive_root(q, logn);
            uint64_t first = 0, count = 0;
            for (uint64_t x = 1; x < q; x++) {
                if (small_pow(x, n, q) != q - 1) continue;
                if (!first) first = x;
                count++;
            }
            cr_assert_eq(count, n, "q=%llu logn=%d", (unsigned long long)q, logn);
            cr_assert_eq(psi, first, "q=%llu logn=%d", (unsigned long long)q, logn);
        }
    }
    /* large primes: psi^N = -1, and no odd power of psi is smaller */
    const int bits[] = {30, 45, 60, 61};
    for (int logn = 3; logn <= 13; logn += 5) {
        for (size_t k = 0; k < 4; k++) {
            uint64_t q;
            cr_assert_eq(ckks_primes_generate(logn, 1, &bits[k], &q, NULL, 0), 0);
            uint64_t n = (uint64_t)1 << logn, psi = ckks_primitive_root(q, logn);
            mpz_t a, r, m;
            mpz_init_set_ui(a, psi);
            mpz_init_set_ui(m, q);
            mpz_init(r);
            mpz_powm_ui(r, a, n, m);
            cr_assert_eq(mpz_get_ui(r), q - 1);
            mpz_clears(a, r, m, NULL);
            uint64_t psi2 = (uint64_t)((ckks_u128)psi * psi % q), p = psi;
            for (uint64_t j = 1; j < n; j++) {
                p = (uint64_t)((ckks_u128)p * psi2 % q);
                cr_assert_gt(p, psi);
            }
        }
    }
    cr_assert_eq(ckks_primitive_root(7681, 9), 0); /* 2^10 does not divide 7680 */
}
