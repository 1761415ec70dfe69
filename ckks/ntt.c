/*
 * ntt.c - negacyclic NTT tables, the portable transforms and the dispatch.
 *
 * Forward: Cooley-Tukey stages m = 1, 2, .., N/2; stage m splits the array
 * into m blocks of 2h = N/m and butterflies (x, y) -> (x + w y, x - w y)
 * with w = fwd[m + i] = psi^brv(m + i) in block i. Values stay lazy in
 * [0, 4q) (Harvey's butterflies with Shoup products) and are reduced once
 * at the end.
 *
 * The first log2(len) stages alone, on len values, transform a polynomial
 * in X^(N / len) given by its len coefficients (at stride N / len): its
 * full transform repeats each of their len outputs N / len times in a row,
 * the later stages seeing only zeros at odd multiples of their distance.
 *
 * Inverse: Gentleman-Sande stages m = N/2, .., 1 undo them one by one with
 * (x, y) -> (x + y, (x - y) w^-1), inv[m + i] = psi^-brv(m + i); values stay
 * in [0, 2q). The factor N^-1 is folded into the last stage (m = 1): inv[1]
 * holds psi^-brv(1) N^-1 and the sums are multiplied by ninv.
 */
#include "ckks/internal.h"

#include <stdlib.h>
#include <string.h>

static size_t bit_reverse(size_t x, int bits)
{
    size_t r = 0;
    for (int i = 0; i < bits; i++, x >>= 1)
        r = (r << 1) | (x & 1);
    return r;
}

int ckks_ntt_table_init(ckks_ntt_table *t, uint64_t q, int logn)
{
    memset(t, 0, sizeof *t);
    if (logn < 1 || logn > 30 || q >> 61 || !ckks_is_prime(q)) return CKKS_EINVAL;
    uint64_t psi = ckks_primitive_root(q, logn);
    if (!psi) return CKKS_EINVAL;
    size_t n = (size_t)1 << logn;
    /* one block, each table 64-byte aligned for the vector loads */
    size_t bytes = 4 * n * sizeof(uint64_t);
    bytes = (bytes + 63) & ~(size_t)63;
    uint64_t *mem = aligned_alloc(64, bytes);
    if (!mem) return CKKS_ENOMEM;
    ckks_mod_init(&t->m, q);
    t->logn = logn;
    t->n = n;
    t->psi = psi;
    t->fwd = mem;
    t->fwd_shoup = mem + n;
    t->inv = mem + 2 * n;
    t->inv_shoup = mem + 3 * n;

    uint64_t psi_inv = ckks_mod_inv(psi, &t->m);
    uint64_t p = 1, pi = 1; /* psi^k and psi^-k */
    for (size_t k = 0; k < n; k++) {
        size_t i = bit_reverse(k, logn);
        t->fwd[i] = p;
        t->inv[i] = pi;
        p = ckks_mod_mul(p, psi, &t->m);
        pi = ckks_mod_mul(pi, psi_inv, &t->m);
    }
    t->ninv = ckks_mod_inv(n, &t->m);
    t->ninv_shoup = ckks_shoup(t->ninv, q);
    t->inv[1] = ckks_mod_mul(t->inv[1], t->ninv, &t->m);
    for (size_t i = 0; i < n; i++) {
        t->fwd_shoup[i] = ckks_shoup(t->fwd[i], q);
        t->inv_shoup[i] = ckks_shoup(t->inv[i], q);
    }
    return 0;
}

void ckks_ntt_table_clear(ckks_ntt_table *t)
{
    free(t->fwd);
    memset(t, 0, sizeof *t);
}

void ckks_ntt_forward_scalar(const ckks_ntt_table *t, uint64_t *a, size_t n)
{
    const uint64_t q = t->m.q, q2 = 2 * q;
    for (size_t m = 1, h = n / 2; m < n; m <<= 1, h >>= 1) {
        for (size_t i = 0; i < m; i++) {
            const uint64_t w = t->fwd[m + i], ws = t->fwd_shoup[m + i];
            uint64_t *x = a + 2 * i * h, *y = x + h;
            for (size_t j = 0; j < h; j++) {
                uint64_t u = x[j] >= q2 ? x[j] - q2 : x[j];
                uint64_t v = ckks_mul_shoup_lazy(y[j], w, ws, q);
                x[j] = u + v;
                y[j] = u - v + q2;
            }
        }
    }
    for (size_t j = 0; j < n; j++) {
        uint64_t u = a[j] >= q2 ? a[j] - q2 : a[j];
        a[j] = u >= q ? u - q : u;
    }
}

void ckks_ntt_inverse_scalar(const ckks_ntt_table *t, uint64_t *a)
{
    const uint64_t q = t->m.q, q2 = 2 * q;
    const size_t n = t->n;
    for (size_t m = n / 2, h = 1; m > 1; m >>= 1, h <<= 1) {
        for (size_t i = 0; i < m; i++) {
            const uint64_t w = t->inv[m + i], ws = t->inv_shoup[m + i];
            uint64_t *x = a + 2 * i * h, *y = x + h;
            for (size_t j = 0; j < h; j++) {
                uint64_t u = x[j], v = y[j];
                uint64_t s = u + v;
                x[j] = s >= q2 ? s - q2 : s;
                y[j] = ckks_mul_shoup_lazy(u - v + q2, w, ws, q);
            }
        }
    }
    const uint64_t w = t->inv[1], ws = t->inv_shoup[1];
    uint64_t *x = a, *y = a + n / 2;
    for (size_t j = 0; j < n / 2; j++) {
        uint64_t u = x[j], v = y[j];
        x[j] = ckks_mul_shoup(u + v, t->ninv, t->ninv_shoup, q);
        y[j] = ckks_mul_shoup(u - v + q2, w, ws, q);
    }
}

bool ckks_cpu_has_avx512(void)
{
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
}

void ckks_ntt_forward(const ckks_ntt_table *t, uint64_t *a)
{
    ckks_ntt_forward_len(t, a, t->n);
}

void ckks_ntt_forward_len(const ckks_ntt_table *t, uint64_t *a, size_t len)
{
    if (!ckks_ntt_forward_avx512(t, a, len)) ckks_ntt_forward_scalar(t, a, len);
}

void ckks_ntt_inverse(const ckks_ntt_table *t, uint64_t *a)
{
    if (!ckks_ntt_inverse_avx512(t, a)) ckks_ntt_inverse_scalar(t, a);
}
