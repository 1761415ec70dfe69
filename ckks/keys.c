/* keys.c - secret, public, relinearization and Galois keys. */
#include "ckks/internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* A fresh 32-byte seed for a derived key, from a secret master seed. */
static void derive_seed(const uint8_t master[CKKS_SEED_BYTES], uint64_t index,
                        uint8_t out[CKKS_SEED_BYTES])
{
    ckks_prng p;
    ckks_prng_init(&p, master, CKKS_DOMAIN_KEYSEED, index);
    ckks_prng_bytes(&p, out, CKKS_SEED_BYTES);
}

/* Gaussian error from a secret master seed, on limbs[0..nlimbs-1], NTT form. */
static int error_ntt(const ckks_context *ctx, const uint8_t master[CKKS_SEED_BYTES], uint32_t domain,
                     uint64_t index, const int *limbs, int nlimbs, uint64_t *out)
{
    int64_t *e = malloc(ctx->n * sizeof *e);
    if (!e) return CKKS_ENOMEM;
    ckks_prng p;
    ckks_prng_init(&p, master, domain, index);
    ckks_sample_gaussian(&p, ctx->n, 3.2, e);
    ckks_small_to_ntt(ctx, e, limbs, nlimbs, out);
    free(e);
    return 0;
}

static void all_limbs(int count, int *limbs)
{
    for (int i = 0; i < count; i++) limbs[i] = i;
}

int ckks_secret_key_new(const ckks_context *ctx, ckks_secret_key **out,
                        const uint8_t seed[CKKS_SEED_BYTES])
{
    if (!ctx) return CKKS_EINVAL;
    return ckks_secret_key_new_sparse(ctx, out, ctx->params.hamming_weight, seed);
}

int ckks_secret_key_new_sparse(const ckks_context *ctx, ckks_secret_key **out, int hamming_weight,
                               const uint8_t seed[CKKS_SEED_BYTES])
{
    if (!ctx || !out || hamming_weight < 0 || (size_t)hamming_weight > ctx->n) return CKKS_EINVAL;
    *out = NULL;
    size_t n = ctx->n;
    int nm = ctx->nq + ctx->np;
    ckks_secret_key *sk = calloc(1, sizeof *sk);
    int64_t *wide = malloc(n * sizeof *wide);
    if (!sk || !wide) goto nomem;
    sk->hash = ctx->hash;
    sk->n = n;
    sk->hamming_weight = hamming_weight;
    if (seed) {
        memcpy(sk->seed, seed, CKKS_SEED_BYTES);
    } else if (ckks_random_seed(sk->seed)) {
        free(wide);
        free(sk);
        return CKKS_ERANDOM;
    }
    sk->s = malloc(n);
    sk->s_ntt = aligned_alloc(64, (size_t)nm * n * sizeof(uint64_t));
    if (!sk->s || !sk->s_ntt) goto nomem;
    ckks_prng p;
    ckks_prng_init(&p, sk->seed, CKKS_DOMAIN_SECRET, 0);
    if (hamming_weight)
        ckks_sample_ternary_hw(&p, n, hamming_weight, sk->s);
    else
        ckks_sample_ternary(&p, n, sk->s);
    for (size_t i = 0; i < n; i++) wide[i] = sk->s[i];
    int limbs[CKKS_MAX_PRIMES];
    all_limbs(nm, limbs);
    ckks_small_to_ntt(ctx, wide, limbs, nm, sk->s_ntt);
    free(wide);
    *out = sk;
    return 0;
nomem:
    free(wide);
    ckks_secret_key_free(sk);
    return CKKS_ENOMEM;
}

void ckks_secret_key_free(ckks_secret_key *sk)
{
    if (!sk) return;
    explicit_bzero(sk->seed, sizeof sk->seed);
    if (sk->s) explicit_bzero(sk->s, sk->n);
    free(sk->s);
    free(sk->s_ntt);
    free(sk);
}

/* b = -a s + e on limbs[0..nlimbs-1] (absolute indices), s in NTT form
 * over all limbs. */
static void rlwe_sample(const ckks_context *ctx, const uint64_t *s_ntt, const int *limbs,
                        int nlimbs, const uint64_t *a, uint64_t *b /* holds e on entry */)
{
    size_t n = ctx->n;
#pragma omp parallel for schedule(static)
    for (int k = 0; k < nlimbs; k++) {
        const ckks_mod *m = &ctx->mod[limbs[k]];
        const uint64_t *s = s_ntt + (size_t)limbs[k] * n;
        const uint64_t *ak = a + (size_t)k * n;
        uint64_t *bk = b + (size_t)k * n;
        for (size_t i = 0; i < n; i++)
            bk[i] = ckks_mod_sub(bk[i], ckks_mod_mul(ak[i], s[i], m), m->q);
    }
}

int ckks_public_key_new(const ckks_context *ctx, ckks_public_key **out,
                        const ckks_secret_key *sk)
{
    if (!ctx || !out || !sk) return CKKS_EINVAL;
    *out = NULL;
    if (sk->hash != ctx->hash) return CKKS_ECONTEXT;
    size_t words = (size_t)ctx->nq * ctx->n;
    ckks_public_key *pk = calloc(1, sizeof *pk);
    if (!pk) return CKKS_ENOMEM;
    pk->hash = ctx->hash;
    pk->b = aligned_alloc(64, words * sizeof(uint64_t));
    pk->a = aligned_alloc(64, words * sizeof(uint64_t));
    if (!pk->a || !pk->b) {
        ckks_public_key_free(pk);
        return CKKS_ENOMEM;
    }
    int limbs[CKKS_MAX_PRIMES];
    all_limbs(ctx->nq, limbs);
    derive_seed(sk->seed, 0, pk->seed);
    ckks_expand_uniform(ctx, pk->seed, CKKS_DOMAIN_PK_A, 0, limbs, ctx->nq, pk->a);
    int err = error_ntt(ctx, sk->seed, CKKS_DOMAIN_PK_E, 0, limbs, ctx->nq, pk->b);
    if (err) {
        ckks_public_key_free(pk);
        return err;
    }
    rlwe_sample(ctx, sk->s_ntt, limbs, ctx->nq, pk->a, pk->b);
    *out = pk;
    return 0;
}

void ckks_public_key_free(ckks_public_key *pk)
{
    if (!pk) return;
    free(pk->a);
    free(pk->b);
    free(pk);
}

/* Key polynomials are large (16 MB at the top of BOOT-N16) and live long:
 * mapped directly, so that freeing one (ckks_switch_key_compact) gives its
 * pages back to the system instead of leaving a hole in the heap; from the
 * heap under AddressSanitizer, which checks heap blocks only. */
#ifdef __SANITIZE_ADDRESS__
static uint64_t *key_poly_alloc(size_t words)
{
    return aligned_alloc(64, words * sizeof(uint64_t));
}
static void key_poly_free(uint64_t *p, size_t words) { (void)words, free(p); }
#else
static uint64_t *key_poly_alloc(size_t words)
{
    void *p = mmap(NULL, words * sizeof(uint64_t), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static void key_poly_free(uint64_t *p, size_t words)
{
    if (p) munmap(p, words * sizeof(uint64_t));
}
#endif

void ckks_switch_key_free(ckks_switch_key *k)
{
    if (!k) return;
    for (int j = 0; k->a && j < k->dnum; j++) key_poly_free(k->a[j], k->words);
    for (int j = 0; k->b && j < k->dnum; j++) key_poly_free(k->b[j], k->words);
    free(k->a);
    free(k->b);
    free(k);
}

int ckks_switch_key_alloc(const ckks_context *ctx, uint64_t galois, int level, int digits,
                          ckks_switch_key **out)
{
    if (level < 0 || level >= ctx->nq) return CKKS_ELEVEL;
    if (digits != 1 && digits != ckks_key_digits(ctx, level)) return CKKS_EINVAL;
    size_t words = (size_t)(level + 1 + ctx->np) * ctx->n;
    ckks_switch_key *k = calloc(1, sizeof *k);
    if (!k) return CKKS_ENOMEM;
    k->hash = ctx->hash;
    k->galois = galois;
    k->level = level;
    k->dnum = digits;
    k->words = words;
    k->a = calloc((size_t)k->dnum, sizeof *k->a);
    k->b = calloc((size_t)k->dnum, sizeof *k->b);
    if (!k->a || !k->b) goto nomem;
    for (int j = 0; j < k->dnum; j++) {
        k->a[j] = key_poly_alloc(words);
        k->b[j] = key_poly_alloc(words);
        if (!k->a[j] || !k->b[j]) goto nomem;
    }
    *out = k;
    return 0;
nomem:
    ckks_switch_key_free(k);
    return CKKS_ENOMEM;
}

int ckks_switch_key_limbs(const ckks_context *ctx, const ckks_switch_key *k, int *limbs)
{
    int count = 0;
    for (int i = 0; i <= k->level; i++) limbs[count++] = i;
    for (int t = 0; t < ctx->np; t++) limbs[count++] = ctx->nq + t;
    return count;
}

static uint64_t stream_index(const ckks_context *ctx, const ckks_switch_key *k, int j)
{
    return (k->galois << 8) | (ckks_key_one_digit(ctx, k) ? CKKS_ONE_DIGIT_INDEX : (uint64_t)j);
}

void ckks_switch_key_a_limb(const ckks_context *ctx, const ckks_switch_key *k, int mi, int nd,
                            uint64_t *buf, const uint64_t **ka)
{
    for (int j = 0; j < nd; j++) {
        if (k->a) {
            ka[j] = k->a[j] + ckks_key_offset(ctx, k, mi);
            continue;
        }
        uint64_t *o = buf + (size_t)j * ctx->n;
        ckks_expand_uniform_limb(ctx, k->seed, CKKS_DOMAIN_SWK_A, stream_index(ctx, k, j), mi, o);
        ka[j] = o;
    }
}

void ckks_switch_key_expand(const ckks_context *ctx, ckks_switch_key *k)
{
    /* Streams are per absolute limb: a key restricted to fewer levels
     * holds exactly the corresponding limbs of the full key. */
    int limbs[CKKS_MAX_PRIMES], nl = ckks_switch_key_limbs(ctx, k, limbs);
    for (int j = 0; j < k->dnum; j++)
        ckks_expand_uniform(ctx, k->seed, CKKS_DOMAIN_SWK_A, stream_index(ctx, k, j), limbs, nl,
                            k->a[j]);
}

/* A key switching from s_from to s_to (both NTT over Q u P), its
 * randomness derived from the secret master seed; `digits` as for
 * ckks_switch_key_alloc. */
static int switch_key_new(const ckks_context *ctx, const uint8_t master[CKKS_SEED_BYTES],
                          const uint64_t *s_from, const uint64_t *s_to, uint64_t galois,
                          int level, int digits, ckks_switch_key **out)
{
    size_t n = ctx->n;
    ckks_switch_key *k;
    int err = ckks_switch_key_alloc(ctx, galois, level, digits, &k);
    if (err) return err;
    derive_seed(master, 1 + galois, k->seed);
    ckks_switch_key_expand(ctx, k);
    int limbs[CKKS_MAX_PRIMES], nm = ckks_switch_key_limbs(ctx, k, limbs);
    for (int j = 0; j < k->dnum; j++) {
        err = error_ntt(ctx, master, CKKS_DOMAIN_SWK_E, stream_index(ctx, k, j), limbs, nm,
                        k->b[j]);
        if (err) {
            ckks_switch_key_free(k);
            return err;
        }
        rlwe_sample(ctx, s_to, limbs, nm, k->a[j], k->b[j]);
        /* + P s' on the primes of digit j (g_j = 1 there, 0 elsewhere) */
        int lo = j * ctx->alpha, hi = lo + ctx->alpha < level + 1 ? lo + ctx->alpha : level + 1;
        if (k->dnum == 1) hi = level + 1;
        for (int i = lo; i < hi; i++) {
            const ckks_mod *m = &ctx->mod[i];
            uint64_t pm = 1;
            for (int t = 0; t < ctx->np; t++)
                pm = ckks_mod_mul(pm, ckks_mod_reduce64(ctx->mod[ctx->nq + t].q, m), m);
            uint64_t pms = ckks_shoup(pm, m->q);
            uint64_t *b = k->b[j] + (size_t)i * n;
            const uint64_t *s = s_from + (size_t)i * n;
            for (size_t c = 0; c < n; c++)
                b[c] = ckks_mod_add(b[c], ckks_mul_shoup(s[c], pm, pms, m->q), m->q);
        }
    }
    *out = k;
    return 0;
}

int ckks_relin_key_new(const ckks_context *ctx, ckks_switch_key **out, const ckks_secret_key *sk)
{
    if (!ctx || !out || !sk) return CKKS_EINVAL;
    *out = NULL;
    if (sk->hash != ctx->hash) return CKKS_ECONTEXT;
    int nm = ctx->nq + ctx->np;
    size_t n = ctx->n, words = (size_t)nm * n;
    uint64_t *s2 = aligned_alloc(64, words * sizeof(uint64_t));
    if (!s2) return CKKS_ENOMEM;
    for (int i = 0; i < nm; i++)
        for (size_t c = 0; c < n; c++) {
            uint64_t s = sk->s_ntt[(size_t)i * n + c];
            s2[(size_t)i * n + c] = ckks_mod_mul(s, s, &ctx->mod[i]);
        }
    int err = switch_key_new(ctx, sk->seed, s2, sk->s_ntt, 0, ctx->nq - 1,
                             ckks_key_digits(ctx, ctx->nq - 1), out);
    free(s2);
    return err;
}

int ckks_switching_key_new(const ckks_context *ctx, ckks_switch_key **out,
                           const ckks_secret_key *from, const ckks_secret_key *to)
{
    if (!ctx) return CKKS_EINVAL;
    return ckks_switching_key_new_level(ctx, out, from, to, ctx->nq - 1);
}

/* One secret's share of a pair master: a PRF of its seed, its weight and
 * its role (0: from, 1: to), in a domain of its own. */
static void pair_share(const ckks_secret_key *sk, int role, uint8_t out[CKKS_SEED_BYTES])
{
    ckks_prng p;
    ckks_prng_init(&p, sk->seed, CKKS_DOMAIN_PAIR,
                   ((uint64_t)(uint32_t)sk->hamming_weight << 1) | (uint64_t)role);
    ckks_prng_bytes(&p, out, CKKS_SEED_BYTES);
    explicit_bzero(&p, sizeof p);
}

/* The master seed of keys from one secret to another, so that no other
 * key shares its randomness: not the pair in the other order, not a secret
 * with itself, not secrets of one seed and other weights (whose b would
 * then differ by P times a difference of secrets). */
static void pair_master(const ckks_secret_key *from, const ckks_secret_key *to,
                        uint8_t out[CKKS_SEED_BYTES])
{
    uint8_t b[CKKS_SEED_BYTES];
    pair_share(from, 0, out);
    pair_share(to, 1, b);
    for (int i = 0; i < CKKS_SEED_BYTES; i++) out[i] ^= b[i];
    explicit_bzero(b, sizeof b);
}

int ckks_switching_key_new_level(const ckks_context *ctx, ckks_switch_key **out,
                                 const ckks_secret_key *from, const ckks_secret_key *to, int level)
{
    if (!ctx || !out || !from || !to) return CKKS_EINVAL;
    *out = NULL;
    if (from->hash != ctx->hash || to->hash != ctx->hash) return CKKS_ECONTEXT;
    uint8_t master[CKKS_SEED_BYTES];
    pair_master(from, to, master);
    int err = switch_key_new(ctx, master, from->s_ntt, to->s_ntt, CKKS_SWITCH_GALOIS, level,
                             ckks_key_digits(ctx, level), out);
    explicit_bzero(master, sizeof master);
    return err;
}

uint64_t ckks_galois_element(const ckks_context *ctx, int step)
{
    int64_t half = (int64_t)ctx->n / 2;
    int64_t k = ((int64_t)step % half + half) % half;
    uint64_t mod = 2 * (uint64_t)ctx->n, r = 1, b = 5;
    for (uint64_t e = (uint64_t)k; e; e >>= 1) {
        if (e & 1) r = r * b % mod;
        b = b * b % mod;
    }
    return r;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/*
 * Keys for the elements of steps (and conjugation), from `from` to `to`:
 * each switches from to sigma^-1(to), so that a rotation works on
 * unpermuted digits and permutes only its result. Element 1 (step 0) is
 * kept only with `identity` (a switch between secrets).
 */
static int galois_keys_new(const ckks_context *ctx, ckks_galois_keys **out,
                           const uint8_t master[CKKS_SEED_BYTES], const ckks_secret_key *from,
                           const ckks_secret_key *to, const int *steps, size_t nsteps,
                           int conjugate, bool identity, int level, int digits)
{
    if (level < 0 || level >= ctx->nq) return CKKS_ELEVEL;
    *out = NULL;
    if (from->hash != ctx->hash || to->hash != ctx->hash) return CKKS_ECONTEXT;
    int nm = ctx->nq + ctx->np;
    size_t n = ctx->n, words = (size_t)nm * n;
    uint64_t *elts = malloc((nsteps + 1) * sizeof *elts);
    uint64_t *s_to = aligned_alloc(64, words * sizeof(uint64_t));
    uint32_t *perm = malloc(n * sizeof *perm);
    ckks_galois_keys *gk = calloc(1, sizeof *gk);
    int err = CKKS_ENOMEM;
    if (!elts || !s_to || !perm || !gk) goto done;
    gk->hash = ctx->hash;

    size_t ne = 0;
    for (size_t i = 0; i < nsteps; i++) {
        uint64_t g = ckks_galois_element(ctx, steps[i]);
        if (g != 1 || identity) elts[ne++] = g;
    }
    if (conjugate) elts[ne++] = 2 * n - 1;
    qsort(elts, ne, sizeof *elts, cmp_u64);
    size_t u = 0;
    for (size_t i = 0; i < ne; i++)
        if (!u || elts[u - 1] != elts[i]) elts[u++] = elts[i];

    gk->keys = calloc(u ? u : 1, sizeof *gk->keys);
    if (!gk->keys) goto done;
    for (size_t e = 0; e < u; e++) {
        ckks_galois_permutation(ctx, elts[e], perm);
        for (int i = 0; i < nm; i++) {
            const uint64_t *s = to->s_ntt + (size_t)i * n;
            uint64_t *d = s_to + (size_t)i * n;
            for (size_t c = 0; c < n; c++) d[perm[c]] = s[c];
        }
        err = switch_key_new(ctx, master, from->s_ntt, s_to, elts[e], level, digits, &gk->keys[e]);
        if (err) goto done;
        gk->count = e + 1;
    }
    err = 0;
    *out = gk;
    gk = NULL;
done:
    ckks_galois_keys_free(gk);
    free(elts);
    free(s_to);
    free(perm);
    return err;
}

int ckks_galois_keys_new(const ckks_context *ctx, ckks_galois_keys **out,
                         const ckks_secret_key *sk, const int *steps, size_t nsteps,
                         int conjugate)
{
    if (!ctx) return CKKS_EINVAL;
    return ckks_galois_keys_new_level(ctx, out, sk, steps, nsteps, conjugate, ctx->nq - 1);
}

int ckks_galois_keys_new_level(const ckks_context *ctx, ckks_galois_keys **out,
                               const ckks_secret_key *sk, const int *steps, size_t nsteps,
                               int conjugate, int level)
{
    if (!ctx || !out || !sk || (nsteps && !steps)) return CKKS_EINVAL;
    return galois_keys_new(ctx, out, sk->seed, sk, sk, steps, nsteps, conjugate, false, level,
                           level >= 0 ? ckks_key_digits(ctx, level) : 0);
}

int ckks_raised_keys_new(const ckks_context *ctx, ckks_galois_keys **out,
                         const ckks_secret_key *from, const ckks_secret_key *to, const int *steps,
                         size_t nsteps, int level)
{
    if (!ctx || !out || !from || !to || (nsteps && !steps)) return CKKS_EINVAL;
    uint8_t master[CKKS_SEED_BYTES];
    pair_master(from, to, master);
    bool same = from->hamming_weight == to->hamming_weight &&
                !memcmp(from->seed, to->seed, CKKS_SEED_BYTES);
    int err = galois_keys_new(ctx, out, master, from, to, steps, nsteps, 0, !same, level, 1);
    explicit_bzero(master, sizeof master);
    return err;
}

void ckks_galois_keys_free(ckks_galois_keys *gk)
{
    if (!gk) return;
    for (size_t i = 0; i < gk->count; i++) ckks_switch_key_free(gk->keys[i]);
    free(gk->keys);
    free(gk);
}

size_t ckks_galois_keys_count(const ckks_galois_keys *gk) { return gk ? gk->count : 0; }

int ckks_galois_keys_has(const ckks_context *ctx, const ckks_galois_keys *gk, int step)
{
    return ctx && ckks_galois_keys_find(gk, ckks_galois_element(ctx, step)) != NULL;
}

size_t ckks_switch_key_bytes(const ckks_switch_key *k)
{
    return k ? (size_t)k->dnum * (k->a ? 2 : 1) * k->words * sizeof(uint64_t) : 0;
}

void ckks_switch_key_compact(ckks_switch_key *k)
{
    for (int j = 0; k && k->a && j < k->dnum; j++) key_poly_free(k->a[j], k->words);
    if (k) free(k->a), k->a = NULL;
}

void ckks_galois_keys_compact(ckks_galois_keys *gk)
{
    for (size_t i = 0; gk && i < gk->count; i++) ckks_switch_key_compact(gk->keys[i]);
}

size_t ckks_galois_keys_bytes(const ckks_galois_keys *gk)
{
    size_t bytes = 0;
    for (size_t i = 0; gk && i < gk->count; i++) bytes += ckks_switch_key_bytes(gk->keys[i]);
    return bytes;
}

const ckks_switch_key *ckks_galois_keys_find(const ckks_galois_keys *gk, uint64_t g)
{
    if (!gk) return NULL;
    size_t lo = 0, hi = gk->count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        uint64_t e = gk->keys[mid]->galois;
        if (e == g) return gk->keys[mid];
        if (e < g) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}
