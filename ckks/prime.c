/*
 * prime.c - primality, NTT-friendly prime generation, primitive roots.
 */
#include "ckks/internal.h"

/* Bases that make Miller-Rabin deterministic below 3.3e24, so for all of
 * uint64_t. */
static const uint8_t mr_bases[] = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37};

/* Plain 128-bit remainder: n may be any 64-bit odd number, beyond the range
 * where modarith.h's Barrett reduction is exact. */
static uint64_t mulmod(uint64_t a, uint64_t b, uint64_t n)
{
    return (uint64_t)((ckks_u128)a * b % n);
}

static uint64_t powmod(uint64_t a, uint64_t e, uint64_t n)
{
    uint64_t r = 1;
    while (e) {
        if (e & 1) r = mulmod(r, a, n);
        a = mulmod(a, a, n);
        e >>= 1;
    }
    return r;
}

bool ckks_is_prime(uint64_t n)
{
    for (size_t i = 0; i < sizeof mr_bases; i++)
        if (n % mr_bases[i] == 0) return n == mr_bases[i];
    if (n < 2) return false;
    /* n - 1 = d 2^s with d odd */
    int s = __builtin_ctzll(n - 1);
    uint64_t d = (n - 1) >> s;
    for (size_t i = 0; i < sizeof mr_bases; i++) {
        uint64_t x = powmod(mr_bases[i], d, n);
        if (x == 1 || x == n - 1) continue;
        int k = 1;
        for (; k < s; k++) {
            x = mulmod(x, x, n);
            if (x == n - 1) break;
        }
        if (k == s) return false;
    }
    return true;
}

/*
 * Where the search for primes of one size stands: the next candidates above
 * and below 2^bits (0 once that side is exhausted) and how many primes of
 * this size were taken so far.
 */
typedef struct {
    uint64_t up, down;
    int taken;
} size_cursor;

static bool contains(const uint64_t *v, int len, uint64_t x)
{
    for (int i = 0; i < len; i++)
        if (v[i] == x) return true;
    return false;
}

/*
 * Move one side of a cursor to the next usable prime and take it: the
 * candidates are 1 mod step, inside (lo, hi), walked away from 2^bits.
 * Returns 0 when that side has none left.
 */
static uint64_t take_prime(uint64_t *cand, int64_t dir, uint64_t step, uint64_t lo,
                           uint64_t hi, const uint64_t *taken, int ntaken,
                           const uint64_t *exclude, int nexclude)
{
    for (uint64_t c = *cand; c > lo && c < hi; c += (uint64_t)dir * step) {
        if (ckks_is_prime(c) && !contains(taken, ntaken, c) &&
            !contains(exclude, nexclude, c)) {
            *cand = c + (uint64_t)dir * step;
            return c;
        }
    }
    *cand = 0;
    return 0;
}

/*
 * Primes of size b lie in (2^(b-1), 2^(b+1)) and below 2^61 (so that 4q fits
 * the lazy NTT's 63 bits). "Above 2^b" primes are thus of b + 1 bits: a size
 * says how close q is to 2^b, which is what the CKKS scale needs. Sizes
 * outside [2, 61] have no primes and give CKKS_EPRIME.
 */
int ckks_primes_generate(int logn, int count, const int *bits, uint64_t *out,
                         const uint64_t *exclude, int nexclude)
{
    size_cursor cur[62] = {{0, 0, 0}};
    if (logn < 0 || logn > 59) return CKKS_EPRIME;
    uint64_t step = (uint64_t)2 << logn;
    for (int i = 0; i < count; i++) {
        int b = bits[i];
        if (b < 2 || b > 61) return CKKS_EPRIME;
        uint64_t pow2 = (uint64_t)1 << b;
        uint64_t lo = pow2 >> 1;
        uint64_t hi = b == 61 ? pow2 : pow2 << 1;
        size_cursor *c = &cur[b];
        if (c->taken == 0) {
            /* the candidates 1 mod step nearest to 2^b on each side */
            c->down = (pow2 - 2) / step * step + 1;
            c->up = c->down + step;
        }
        uint64_t q = 0;
        /* alternate sides, starting above; fall back to the other side */
        for (int attempt = 0; attempt < 2 && !q; attempt++) {
            bool above = ((c->taken + attempt) & 1) == 0;
            uint64_t *cand = above ? &c->up : &c->down;
            if (*cand)
                q = take_prime(cand, above ? 1 : -1, step, lo, hi, out, i, exclude,
                               nexclude);
        }
        if (!q) return CKKS_EPRIME;
        c->taken++;
        out[i] = q;
    }
    return 0;
}

/*
 * A primitive 2N-th root comes from any quadratic non-residue x as
 * r = x^((q-1)/2N) (then r^N = x^((q-1)/2) = -1). The primitive 2N-th roots
 * are the odd powers of r; the smallest is returned so that the choice
 * depends on q and N only. Needs q prime, q < 2^61, q = 1 mod 2N; returns 0
 * otherwise.
 */
uint64_t ckks_primitive_root(uint64_t q, int logn)
{
    if (logn < 0 || logn > 59 || q >> 61) return 0;
    uint64_t two_n = (uint64_t)2 << logn;
    if (q < 3 || (q - 1) % two_n) return 0;
    ckks_mod m;
    ckks_mod_init(&m, q);
    uint64_t r = 0;
    for (uint64_t x = 2; x < q && !r; x++) {
        uint64_t y = ckks_mod_pow(x, (q - 1) / two_n, &m);
        if (ckks_mod_pow(y, two_n / 2, &m) == q - 1) r = y;
    }
    if (!r) return 0;
    uint64_t r2 = ckks_mod_mul(r, r, &m), r2s = ckks_shoup(r2, q);
    uint64_t best = r, p = r;
    for (uint64_t k = 1; k < two_n / 2; k++) {
        p = ckks_mul_shoup(p, r2, r2s, q);
        if (p < best) best = p;
    }
    return best;
}
