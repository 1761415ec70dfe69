/*
 * test_ntt.c - the negacyclic NTT: its ordering convention against direct
 * evaluation, products against schoolbook negacyclic multiplication,
 * round trips, and identical bytes from the scalar and AVX-512 paths.
 */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "ckks/internal.h"

static uint64_t next_u64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t *alloc_poly(size_t n)
{
    /* aligned_alloc wants a multiple of the alignment */
    uint64_t *p = aligned_alloc(64, (n * sizeof *p + 63) & ~(size_t)63);
    cr_assert_not_null(p);
    return p;
}

static void random_poly(uint64_t *a, size_t n, uint64_t q, uint64_t *s)
{
    for (size_t i = 0; i < n; i++)
        a[i] = next_u64(s) % q;
}

/* The first (order 0: above 2^bits, but for 61 bits) or second (below)
 * prime of the given size. */
static uint64_t prime_for(int logn, int bits, int order)
{
    int b[2] = {bits, bits};
    uint64_t q[2];
    cr_assert_eq(ckks_primes_generate(logn, 2, b, q, NULL, 0), 0);
    return q[order];
}

static uint64_t mulmod(uint64_t a, uint64_t b, uint64_t q)
{
    return (uint64_t)((ckks_u128)a * b % q);
}

static size_t bit_reverse(size_t x, int bits)
{
    size_t r = 0;
    for (int i = 0; i < bits; i++, x >>= 1)
        r = (r << 1) | (x & 1);
    return r;
}

Test(ntt, table_init)
{
    ckks_ntt_table t;
    uint64_t q = prime_for(10, 50, 1);
    cr_assert_eq(ckks_ntt_table_init(&t, q, 10), 0);
    cr_assert_eq(t.n, 1024);
    cr_assert_eq(t.psi, ckks_primitive_root(q, 10));
    uint64_t p = 1;
    for (int i = 0; i < 1024; i++)
        p = mulmod(p, t.psi, q);
    cr_assert_eq(p, q - 1);
    cr_assert_eq(mulmod(t.ninv, 1024, q), 1);
    cr_assert_eq((uintptr_t)t.fwd % 64, 0);
    cr_assert_eq((uintptr_t)t.inv_shoup % 64, 0);
    ckks_ntt_table_clear(&t);
    cr_assert_null(t.fwd);
    /* not prime, not 1 mod 2N, too large */
    cr_assert_eq(ckks_ntt_table_init(&t, 2049 * 2049, 10), CKKS_EINVAL);
    cr_assert_eq(ckks_ntt_table_init(&t, 12289, 12), CKKS_EINVAL);
    cr_assert_eq(ckks_ntt_table_init(&t, q, 30), CKKS_EINVAL);
    cr_assert_eq(ckks_ntt_table_init(&t, ((uint64_t)1 << 62) - 57, 1), CKKS_EINVAL);
}

/* a[i] = sum_j a_j psi^((2 brv(i) + 1) j), evaluated directly. */
Test(ntt, ordering_convention)
{
    uint64_t s = 11;
    for (int logn = 1; logn <= 7; logn++) {
        const int bits[] = {30, 61};
        for (int k = 0; k < 2; k++) {
            size_t n = (size_t)1 << logn;
            uint64_t q = prime_for(logn, bits[k], 1);
            ckks_ntt_table t;
            cr_assert_eq(ckks_ntt_table_init(&t, q, logn), 0);
            uint64_t *a = alloc_poly(n), *x = alloc_poly(n);
            random_poly(a, n, q, &s);
            memcpy(x, a, n * sizeof *a);
            ckks_ntt_forward(&t, x);
            for (size_t i = 0; i < n; i++) {
                uint64_t root = ckks_mod_pow(t.psi, 2 * bit_reverse(i, logn) + 1, &t.m);
                uint64_t sum = 0, p = 1;
                for (size_t j = 0; j < n; j++, p = mulmod(p, root, q))
                    sum = (sum + mulmod(a[j], p, q)) % q;
                cr_assert_eq(x[i], sum, "logn=%d i=%zu", logn, i);
            }
            free(a);
            free(x);
            ckks_ntt_table_clear(&t);
        }
    }
}

/* c = a b mod (X^N + 1, q) by schoolbook, with 128-bit accumulators. */
static void negacyclic_mul(const uint64_t *a, const uint64_t *b, uint64_t *c, size_t n,
                           uint64_t q)
{
    const ckks_u128 limit = (ckks_u128)1 << 126;
    for (size_t k = 0; k < n; k++) {
        ckks_u128 pos = 0, neg = 0;
        for (size_t i = 0; i <= k; i++) {
            pos += (ckks_u128)a[i] * b[k - i];
            if (pos >= limit) pos %= q;
        }
        for (size_t i = k + 1; i < n; i++) {
            neg += (ckks_u128)a[i] * b[n + k - i];
            if (neg >= limit) neg %= q;
        }
        c[k] = (uint64_t)((pos % q + q - neg % q) % q);
    }
}

Test(ntt, negacyclic_product)
{
    const int lognv[] = {4, 8, 11, 13};
    const int bits[] = {30, 50, 60, 61};
    uint64_t s = 12;
    for (int li = 0; li < 4; li++) {
        int logn = lognv[li];
        size_t n = (size_t)1 << logn;
        uint64_t *a = alloc_poly(n), *b = alloc_poly(n), *c = alloc_poly(n), *want = alloc_poly(n);
        /* schoolbook at N = 2^13 is the slow part: two primes there */
        for (int k = logn == 13 ? 2 : 0; k < 4; k++) {
            uint64_t q = prime_for(logn, bits[k], 1);
            ckks_ntt_table t;
            cr_assert_eq(ckks_ntt_table_init(&t, q, logn), 0);
            random_poly(a, n, q, &s);
            random_poly(b, n, q, &s);
            if (k == 3) /* extreme coefficients */
                for (size_t i = 0; i < n; i++) a[i] = q - 1;
            negacyclic_mul(a, b, want, n, q);
            ckks_ntt_forward(&t, a);
            ckks_ntt_forward(&t, b);
            for (size_t i = 0; i < n; i++) {
                cr_assert(a[i] < q && b[i] < q);
                c[i] = ckks_mod_mul(a[i], b[i], &t.m);
            }
            ckks_ntt_inverse(&t, c);
            cr_assert_arr_eq(c, want, n * sizeof *c, "logn=%d q=%llu", logn,
                             (unsigned long long)q);
            ckks_ntt_table_clear(&t);
        }
        free(a);
        free(b);
        free(c);
        free(want);
    }
}

typedef void (*transform)(const ckks_ntt_table *, uint64_t *);

static void check_round_trip(transform fwd, transform inv)
{
    uint64_t s = 13;
    const int bits[] = {30, 45, 60, 61};
    for (int logn = 1; logn <= 14; logn++) {
        size_t n = (size_t)1 << logn;
        uint64_t *a = alloc_poly(n), *x = alloc_poly(n);
        for (int k = 0; k < 4; k++) {
            uint64_t q = prime_for(logn, bits[k], k % 2);
            ckks_ntt_table t;
            cr_assert_eq(ckks_ntt_table_init(&t, q, logn), 0);
            for (int kind = 0; kind < 3; kind++) {
                if (kind == 0) random_poly(a, n, q, &s);
                for (size_t i = 0; i < n; i++)
                    if (kind) a[i] = kind == 1 ? q - 1 : i == 0;
                memcpy(x, a, n * sizeof *a);
                fwd(&t, x);
                for (size_t i = 0; i < n; i++)
                    cr_assert(x[i] < q);
                if (kind == 2) /* the NTT of 1 is all ones */
                    for (size_t i = 0; i < n; i++)
                        cr_assert_eq(x[i], 1);
                inv(&t, x);
                cr_assert_arr_eq(x, a, n * sizeof *a, "logn=%d q=%llu kind=%d", logn,
                                 (unsigned long long)q, kind);
            }
            ckks_ntt_table_clear(&t);
        }
        free(a);
        free(x);
    }
}

Test(ntt, round_trip_dispatch)
{
    check_round_trip(ckks_ntt_forward, ckks_ntt_inverse);
}

static void forward_scalar(const ckks_ntt_table *t, uint64_t *a)
{
    ckks_ntt_forward_scalar(t, a, t->n);
}

Test(ntt, round_trip_scalar)
{
    check_round_trip(forward_scalar, ckks_ntt_inverse_scalar);
}

/* The prime q = 1 mod 2^(logn+1) nearest to x from below (dir < 0) or
 * above, below 2^61. */
static uint64_t prime_near(uint64_t x, int logn, int dir)
{
    const uint64_t step = (uint64_t)2 << logn;
    uint64_t q = (x & ~(step - 1)) + 1;
    if (dir > 0 && q <= x) q += step;
    if (dir < 0 && q > x) q -= step;
    while (!ckks_is_prime(q)) q = dir < 0 ? q - step : q + step;
    cr_assert(q < (uint64_t)1 << 61);
    return q;
}

/*
 * Primes around every bound the AVX-512 path adapts to, with
 * lim = floor((2^63 - 1) / q): lim < 8 (products fully reduced),
 * 4 log N < lim (forward reduces nothing before its end), 32 <= lim
 * (inverse head left lazy), and in between, from 35 to 61 bits.
 */
static int boundary_primes(int logn, uint64_t *q)
{
    const uint64_t top = UINT64_MAX >> 1, lazy = top / (1 + 4 * (uint64_t)logn);
    const uint64_t below[] = {(uint64_t)1 << 61, top / 5, top / 7, (uint64_t)1 << 60, top / 15,
                              (uint64_t)1 << 59, top / 31, (uint64_t)1 << 58, lazy,
                              (uint64_t)1 << 56, (uint64_t)1 << 52, (uint64_t)1 << 50,
                              (uint64_t)1 << 45, (uint64_t)1 << 35};
    const uint64_t above[] = {(uint64_t)1 << 60, (uint64_t)1 << 59, (uint64_t)1 << 58, lazy,
                              (uint64_t)1 << 52};
    int k = 0;
    for (size_t i = 0; i < sizeof below / sizeof below[0]; i++)
        q[k++] = prime_near(below[i], logn, -1);
    for (size_t i = 0; i < sizeof above / sizeof above[0]; i++)
        q[k++] = prime_near(above[i], logn, 1);
    return k;
}

/* scalar(a) and avx512(a) at a + off (off = 1: not 64-byte aligned) give
 * the same bytes. */
static void check_same(const ckks_ntt_table *t, const uint64_t *a, uint64_t *x, uint64_t *z,
                       size_t off, bool forward)
{
    size_t n = t->n;
    memcpy(x, a, n * sizeof *a);
    memcpy(z + off, a, n * sizeof *a);
    if (forward) {
        ckks_ntt_forward_scalar(t, x, n);
        cr_assert(ckks_ntt_forward_avx512(t, z + off, n));
    } else {
        ckks_ntt_inverse_scalar(t, x);
        cr_assert(ckks_ntt_inverse_avx512(t, z + off));
    }
    cr_assert_arr_eq(x, z + off, n * sizeof *x, "%s logn=%d q=%llu lim=%llu offset=%zu",
                     forward ? "forward" : "inverse", t->logn, (unsigned long long)t->m.q,
                     (unsigned long long)((UINT64_MAX >> 1) / t->m.q), off);
}

/* The AVX-512 path gives the same bytes as the scalar one for every size,
 * on random, largest and sparse inputs, aligned or not. */
Test(ntt, avx512_matches_scalar)
{
    if (!ckks_cpu_has_avx512()) cr_skip_test("no AVX-512 on this CPU");
    uint64_t s = 14;
    for (int logn = 1; logn <= 16; logn++) {
        size_t n = (size_t)1 << logn;
        uint64_t *a = alloc_poly(n), *x = alloc_poly(n), *z = alloc_poly(n + 1);
        uint64_t qs[32];
        int nq = boundary_primes(logn, qs);
        for (int k = 0; k < nq; k++) {
            ckks_ntt_table t;
            cr_assert_eq(ckks_ntt_table_init(&t, qs[k], logn), 0);
            const uint64_t q = qs[k];
            for (int kind = 0; kind < 3; kind++) {
                random_poly(a, n, q, &s);
                for (size_t i = 0; kind && i < n; i++) /* largest values; sparse ones */
                    a[i] = kind == 1 ? q - 1 - (a[i] & 1) : a[i] % 7 ? 0 : q - 1;
                size_t off = (size_t)(k + kind) % 2;
                check_same(&t, a, x, z, off, true);
                /* the inverse on its image and on any input */
                memcpy(a, x, n * sizeof *a);
                check_same(&t, a, x, z, off, false);
                random_poly(a, n, q, &s);
                check_same(&t, a, x, z, 1 - off, false);
            }
            ckks_ntt_table_clear(&t);
        }
        free(a);
        free(x);
        free(z);
    }
}

/* The transform of len coefficients at stride N / len, by both paths: each
 * value is the one the full transform repeats N / len times in a row. */
Test(ntt, forward_len_repeats)
{
    uint64_t s = 23;
    const int logn = 12;
    const size_t n = (size_t)1 << logn;
    uint64_t *a = alloc_poly(n), *full = alloc_poly(n), *x = alloc_poly(n);
    uint64_t qs[32];
    int nq = boundary_primes(logn, qs);
    for (int k = 0; k < nq; k++) {
        ckks_ntt_table t;
        cr_assert_eq(ckks_ntt_table_init(&t, qs[k], logn), 0);
        for (size_t len = 1; len <= n; len *= 2) {
            size_t stride = n / len;
            random_poly(a, len, t.m.q, &s);
            memset(full, 0, n * sizeof *full);
            for (size_t j = 0; j < len; j++) full[j * stride] = a[j];
            ckks_ntt_forward(&t, full);
            for (int path = 0; path < 2; path++) {
                memcpy(x, a, len * sizeof *a);
                if (path == 0) ckks_ntt_forward_scalar(&t, x, len);
                else if (!ckks_ntt_forward_avx512(&t, x, len)) continue;
                for (size_t i = 0; i < n; i++)
                    cr_assert_eq(full[i], x[i / stride], "q=%llu len=%zu path=%d i=%zu",
                                 (unsigned long long)t.m.q, len, path, i);
            }
        }
        ckks_ntt_table_clear(&t);
    }
    free(a);
    free(full);
    free(x);
}
