/*
 * test_prng.c - ChaCha20 against RFC 8439, the keystream PRNG and the
 * samplers (statistics with fixed seeds; bounds are about 5 standard
 * deviations or a chi-square tail probability near 1e-4).
 */
#include <criterion/criterion.h>

#include <math.h>
#include <string.h>

#include "ckks/internal.h"

/* The RFC 8439 key 00 01 02 .. 1f, as bytes and as little-endian words. */
static void rfc_key(uint8_t seed[32], uint32_t key[8])
{
    for (int i = 0; i < 32; i++)
        seed[i] = (uint8_t)i;
    for (int i = 0; i < 8; i++)
        key[i] = (uint32_t)(4 * i) | (uint32_t)(4 * i + 1) << 8 |
                 (uint32_t)(4 * i + 2) << 16 | (uint32_t)(4 * i + 3) << 24;
}

/* RFC 8439 section 2.3.2: nonce 00000009 0000004a 00000000, counter 1. */
static const uint8_t block_232[64] = {
    0x10, 0xf1, 0xe7, 0xe4, 0xd1, 0x3b, 0x59, 0x15, 0x50, 0x0f, 0xdd, 0x1f,
    0xa3, 0x20, 0x71, 0xc4, 0xc7, 0xd1, 0xf4, 0xc7, 0x33, 0xc0, 0x68, 0x03,
    0x04, 0x22, 0xaa, 0x9a, 0xc3, 0xd4, 0x6c, 0x4e, 0xd2, 0x82, 0x64, 0x46,
    0x07, 0x9f, 0xaa, 0x09, 0x14, 0xc2, 0xd7, 0x05, 0xd9, 0x8b, 0x02, 0xa2,
    0xb5, 0x12, 0x9c, 0xd1, 0xde, 0x16, 0x4e, 0xb9, 0xcb, 0xd0, 0x83, 0xe8,
    0xa2, 0x50, 0x3c, 0x4e,
};

/* RFC 8439 section 2.4.2: nonce 00000000 0000004a 00000000, counter 1. */
static const char plaintext_242[] =
    "Ladies and Gentlemen of the class of '99: If I could offer you only one "
    "tip for the future, sunscreen would be it.";
static const uint8_t ciphertext_242[114] = {
    0x6e, 0x2e, 0x35, 0x9a, 0x25, 0x68, 0xf9, 0x80, 0x41, 0xba, 0x07, 0x28,
    0xdd, 0x0d, 0x69, 0x81, 0xe9, 0x7e, 0x7a, 0xec, 0x1d, 0x43, 0x60, 0xc2,
    0x0a, 0x27, 0xaf, 0xcc, 0xfd, 0x9f, 0xae, 0x0b, 0xf9, 0x1b, 0x65, 0xc5,
    0x52, 0x47, 0x33, 0xab, 0x8f, 0x59, 0x3d, 0xab, 0xcd, 0x62, 0xb3, 0x57,
    0x16, 0x39, 0xd6, 0x24, 0xe6, 0x51, 0x52, 0xab, 0x8f, 0x53, 0x0c, 0x35,
    0x9f, 0x08, 0x61, 0xd8, 0x07, 0xca, 0x0d, 0xbf, 0x50, 0x0d, 0x6a, 0x61,
    0x56, 0xa3, 0x8e, 0x08, 0x8a, 0x22, 0xb6, 0x5e, 0x52, 0xbc, 0x51, 0x4d,
    0x16, 0xcc, 0xf8, 0x06, 0x81, 0x8c, 0xe9, 0x1a, 0xb7, 0x79, 0x37, 0x36,
    0x5a, 0xf9, 0x0b, 0xbf, 0x74, 0xa3, 0x5b, 0xe6, 0xb4, 0x0b, 0x8e, 0xed,
    0xf2, 0x78, 0x5e, 0x42, 0x87, 0x4d,
};

Test(chacha20, rfc8439_block)
{
    uint8_t seed[32], out[64];
    uint32_t key[8];
    rfc_key(seed, key);
    const uint32_t nonce[3] = {0x09000000, 0x4a000000, 0};
    ckks_chacha20_block(key, 1, nonce, out);
    cr_assert_arr_eq(out, block_232, 64);

    /* The same block as the second one of the stream (domain, index). */
    ckks_prng p;
    ckks_prng_init(&p, seed, 0x09000000, 0x4a000000);
    ckks_prng_bytes(&p, out, 64);
    ckks_prng_bytes(&p, out, 64);
    cr_assert_arr_eq(out, block_232, 64);
}

Test(chacha20, rfc8439_encryption)
{
    uint8_t seed[32];
    uint32_t key[8];
    rfc_key(seed, key);
    size_t len = sizeof(ciphertext_242);
    cr_assert_eq(strlen(plaintext_242), len);

    /* Through the block function: counters 1 and 2. */
    const uint32_t nonce[3] = {0, 0x4a000000, 0};
    uint8_t ks[128], ct[114];
    ckks_chacha20_block(key, 1, nonce, ks);
    ckks_chacha20_block(key, 2, nonce, ks + 64);
    for (size_t i = 0; i < len; i++)
        ct[i] = (uint8_t)plaintext_242[i] ^ ks[i];
    cr_assert_arr_eq(ct, ciphertext_242, len);

    /* Through the PRNG, whose counter starts at 0, in uneven pieces. */
    ckks_prng p;
    ckks_prng_init(&p, seed, 0, 0x4a000000);
    uint8_t skip[64];
    ckks_prng_bytes(&p, skip, 64);
    static const size_t pieces[] = {1, 7, 50, 6, 64, 114};
    size_t off = 0;
    for (size_t k = 0; off < len; k++) {
        size_t take = pieces[k] < len - off ? pieces[k] : len - off;
        ckks_prng_bytes(&p, ks + off, take);
        off += take;
    }
    for (size_t i = 0; i < len; i++)
        ct[i] = (uint8_t)plaintext_242[i] ^ ks[i];
    cr_assert_arr_eq(ct, ciphertext_242, len);
}

static const uint8_t seed_a[32] = {
    0x3a, 0x91, 0x5c, 0x07, 0xe2, 0x44, 0xb8, 0x1f, 0x60, 0xd3, 0x29, 0x8e,
    0x75, 0x0b, 0xc6, 0x52, 0x1d, 0xa8, 0x3f, 0xf4, 0x97, 0x66, 0x2b, 0xe0,
    0x48, 0x8d, 0x13, 0xba, 0x5f, 0xc1, 0x04, 0x7e,
};

static void stream(const uint8_t seed[32], uint32_t domain, uint64_t index,
                   uint8_t *out, size_t len)
{
    ckks_prng p;
    ckks_prng_init(&p, seed, domain, index);
    ckks_prng_bytes(&p, out, len);
}

Test(prng, deterministic_and_separated)
{
    enum { LEN = 200 };
    uint8_t a[LEN], b[LEN];
    stream(seed_a, CKKS_DOMAIN_PK_A, 3, a, LEN);
    stream(seed_a, CKKS_DOMAIN_PK_A, 3, b, LEN);
    cr_assert_arr_eq(a, b, LEN);

    /* Any change of seed, domain or index (either half) changes it all. */
    uint8_t seed_b[32];
    memcpy(seed_b, seed_a, 32);
    seed_b[31] ^= 0x80;
    stream(seed_b, CKKS_DOMAIN_PK_A, 3, b, LEN);
    cr_assert_arr_neq(a, b, LEN);
    stream(seed_a, CKKS_DOMAIN_PK_E, 3, b, LEN);
    cr_assert_arr_neq(a, b, LEN);
    stream(seed_a, CKKS_DOMAIN_PK_A, 4, b, LEN);
    cr_assert_arr_neq(a, b, LEN);
    stream(seed_a, CKKS_DOMAIN_PK_A, 3 | (uint64_t)1 << 32, b, LEN);
    cr_assert_arr_neq(a, b, LEN);
}

Test(prng, u64_is_little_endian_bytes)
{
    /* Mixed reads (1 byte, then words across block boundaries). */
    ckks_prng p;
    uint8_t bytes[1 + 8 * 40];
    stream(seed_a, 7, 9, bytes, sizeof(bytes));
    ckks_prng_init(&p, seed_a, 7, 9);
    uint8_t first;
    ckks_prng_bytes(&p, &first, 1);
    cr_assert_eq(first, bytes[0]);
    for (int i = 0; i < 40; i++) {
        uint64_t want = 0;
        for (int k = 7; k >= 0; k--)
            want = want << 8 | bytes[1 + 8 * i + k];
        cr_assert_eq(ckks_prng_u64(&p), want, "word %d", i);
    }
}

/* 16 blocks from one vector call against 16 scalar calls. */
static void check_blocks16(const uint32_t key[8], uint32_t counter, const uint32_t nonce[3])
{
    uint8_t got[16 * 64], want[64];
    cr_assert(ckks_chacha20_blocks16_avx512(key, counter, nonce, got));
    for (uint32_t j = 0; j < 16; j++) {
        ckks_chacha20_block(key, counter + j, nonce, want);
        cr_assert_arr_eq(got + 64 * j, want, 64, "counter %u + %u", counter, j);
    }
}

Test(chacha20, avx512_blocks)
{
    if (!ckks_cpu_has_avx512())
        cr_skip_test("no AVX-512");
    uint8_t seed[32];
    uint32_t key[8];
    rfc_key(seed, key);
    const uint32_t nonce_232[3] = {0x09000000, 0x4a000000, 0};
    /* Block 1 of the batch is the RFC's. */
    uint8_t out[16 * 64];
    cr_assert(ckks_chacha20_blocks16_avx512(key, 0, nonce_232, out));
    cr_assert_arr_eq(out + 64, block_232, 64);

    /* Keys and nonces with every word distinct; counters at 0, odd
     * offsets and across the 2^32 wrap (which the scalar counter makes). */
    static const uint32_t counters[] = {0, 1, 17, 0x7ffffff9, 0xfffffff0, 0xfffffff9, 0xffffffff};
    for (int k = 0; k < 3; k++) {
        uint32_t key2[8], nonce[3];
        for (int i = 0; i < 8; i++)
            key2[i] = 0x9e3779b9u * (uint32_t)(8 * k + i + 1) ^ 0x85ebca6bu;
        for (int i = 0; i < 3; i++)
            nonce[i] = 0xc2b2ae35u * (uint32_t)(3 * k + i + 1);
        for (size_t c = 0; c < sizeof(counters) / sizeof(counters[0]); c++)
            check_blocks16(key2, counters[c], nonce);
    }
    check_blocks16(key, 1, nonce_232);
}

/* Every field of the keystream state. */
static void assert_same_prng(const ckks_prng *a, const ckks_prng *b)
{
    cr_assert_arr_eq(a->key, b->key, sizeof(a->key));
    cr_assert_arr_eq(a->nonce, b->nonce, sizeof(a->nonce));
    cr_assert_eq(a->counter, b->counter);
    cr_assert_eq(a->pos, b->pos);
    cr_assert_arr_eq(a->buf, b->buf, sizeof(a->buf));
}

/* The smallest prime above 2^bits and the largest below. */
static uint64_t prime_above(int bits)
{
    uint64_t q = (1ull << bits) + 1;
    while (!ckks_is_prime(q))
        q += 2;
    return q;
}

static uint64_t prime_below(int bits)
{
    uint64_t q = (1ull << bits) - 1;
    while (!ckks_is_prime(q))
        q -= 2;
    return q;
}

/*
 * The vector sampler keeps exactly the scalar one's words and leaves the
 * stream where it does: the next words drawn agree too. Primes just above
 * a power of two reject about half the words, those just below almost
 * none; q = 3 rejects a quarter, q = 1 nothing (all zeros).
 */
Test(sample, uniform_avx512_is_scalar)
{
    if (!ckks_cpu_has_avx512())
        cr_skip_test("no AVX-512");
    const uint64_t qs[] = {prime_above(60), prime_below(61), prime_above(40), prime_below(45),
                           prime_above(20), 0xffffffffffffffc5ull, 3, 1};
    /* Lengths ending inside a batch of 16 blocks, on one, or beyond. */
    static const size_t ns[] = {1, 7, 8, 9, 63, 64, 65, 127, 128, 129, 1000, 2048, 2051};
    enum { NMAX = 2051 };
    uint64_t *v = malloc(NMAX * sizeof(*v)), *s = malloc(NMAX * sizeof(*s));
    cr_assert(v && s);
    for (size_t k = 0; k < sizeof(qs) / sizeof(qs[0]); k++) {
        for (size_t t = 0; t < sizeof(ns) / sizeof(ns[0]); t++) {
            size_t n = ns[t];
            ckks_prng pv, ps;
            ckks_prng_init(&pv, seed_a, CKKS_DOMAIN_SWK_A, 1000 * k + t);
            ckks_prng_init(&ps, seed_a, CKKS_DOMAIN_SWK_A, 1000 * k + t);
            memset(v, 0xa5, NMAX * sizeof(*v));
            cr_assert(ckks_sample_uniform_avx512(&pv, qs[k], n, v));
            ckks_sample_uniform_scalar(&ps, qs[k], n, s);
            cr_assert_arr_eq(v, s, n * sizeof(*v), "q = %llu, n = %zu",
                             (unsigned long long)qs[k], n);
            /* Nothing written past n. */
            if (n < NMAX)
                cr_assert_eq(v[n], 0xa5a5a5a5a5a5a5a5ull);
            assert_same_prng(&pv, &ps);
            cr_assert_eq(ckks_prng_u64(&pv), ckks_prng_u64(&ps));
        }
    }

    /* Mid-block, the vector path declines and the dispatcher still agrees. */
    ckks_prng pv, ps;
    ckks_prng_init(&pv, seed_a, CKKS_DOMAIN_ENC_A, 77);
    ckks_prng_init(&ps, seed_a, CKKS_DOMAIN_ENC_A, 77);
    for (int skip = 0; skip < 2; skip++) {
        (void)ckks_prng_u64(&pv);
        (void)ckks_prng_u64(&ps);
        cr_assert_not(ckks_sample_uniform_avx512(&pv, qs[0], 16, v));
        ckks_sample_uniform(&pv, qs[0], NMAX, v);
        ckks_sample_uniform_scalar(&ps, qs[0], NMAX, s);
        cr_assert_arr_eq(v, s, NMAX * sizeof(*v));
        assert_same_prng(&pv, &ps);
    }
    /* After a byte read the words straddle blocks: all scalar, same words. */
    uint8_t byte;
    ckks_prng_bytes(&pv, &byte, 1);
    ckks_prng_bytes(&ps, &byte, 1);
    ckks_sample_uniform(&pv, qs[1], NMAX, v);
    ckks_sample_uniform_scalar(&ps, qs[1], NMAX, s);
    cr_assert_arr_eq(v, s, NMAX * sizeof(*v));
    assert_same_prng(&pv, &ps);
    free(v);
    free(s);
}

/* Each limb of an expanded polynomial is the scalar stream of that limb,
 * whichever path ran, and ckks_expand_uniform is its limbs side by side.
 * TEST-N11's primes lie both above and below powers of two. */
Test(sample, expand_uniform_limb)
{
    ckks_params par;
    ckks_context *ctx;
    cr_assert_eq(ckks_params_named("TEST-N11", &par), 0);
    cr_assert_eq(ckks_context_new(&ctx, &par, CKKS_ALLOW_INSECURE), 0);
    size_t n = ctx->n;
    int nl = ctx->nq + ctx->np;
    int limbs[CKKS_MAX_PRIMES];
    for (int k = 0; k < nl; k++)
        limbs[k] = nl - 1 - k; /* any order */
    uint64_t *all = malloc((size_t)nl * n * sizeof(*all));
    uint64_t *one = malloc(n * sizeof(*one)), *want = malloc(n * sizeof(*want));
    cr_assert(all && one && want);
    const uint64_t index = 0x1234;
    ckks_expand_uniform(ctx, seed_a, CKKS_DOMAIN_SWK_A, index, limbs, nl, all);
    for (int k = 0; k < nl; k++) {
        int l = limbs[k];
        ckks_prng p;
        ckks_prng_init(&p, seed_a, CKKS_DOMAIN_SWK_A, (index << 8) | (uint64_t)l);
        ckks_sample_uniform_scalar(&p, ctx->mod[l].q, n, want);
        ckks_expand_uniform_limb(ctx, seed_a, CKKS_DOMAIN_SWK_A, index, l, one);
        cr_assert_arr_eq(one, want, n * sizeof(*one), "limb %d", l);
        cr_assert_arr_eq(all + (size_t)k * n, want, n * sizeof(*one), "limb %d", l);
    }
    free(all);
    free(one);
    free(want);
    ckks_context_free(ctx);
}

Test(prng, random_seed)
{
    uint8_t s1[CKKS_SEED_BYTES], s2[CKKS_SEED_BYTES];
    const uint8_t zero[CKKS_SEED_BYTES] = {0};
    cr_assert_eq(ckks_random_seed(s1), 0);
    cr_assert_eq(ckks_random_seed(s2), 0);
    cr_assert_arr_neq(s1, s2, CKKS_SEED_BYTES);
    cr_assert_arr_neq(s1, zero, CKKS_SEED_BYTES);
}

enum { NS = 1 << 16 };

/* Chi-square of observed counts against expected counts. */
static double chi2(const double *obs, const double *exp_count, int bins)
{
    double c = 0;
    for (int i = 0; i < bins; i++)
        c += (obs[i] - exp_count[i]) * (obs[i] - exp_count[i]) / exp_count[i];
    return c;
}

Test(sample, uniform)
{
    /* 2^40 + 1: the masked words exceed q almost half of the time, so
     * a sampler reducing mod q instead of rejecting is far off. */
    static const uint64_t qs[] = {(1ull << 40) + 1, 0xffffffffffffffc5ull,
                                  1152921504606830593ull};
    uint64_t *v = malloc(NS * sizeof(*v));
    cr_assert_not_null(v);
    for (size_t k = 0; k < sizeof(qs) / sizeof(qs[0]); k++) {
        uint64_t q = qs[k];
        ckks_prng p;
        ckks_prng_init(&p, seed_a, CKKS_DOMAIN_ENC_A, k);
        ckks_sample_uniform(&p, q, NS, v);
        enum { BINS = 64 };
        double obs[BINS] = {0}, want[BINS], mean = 0;
        for (int i = 0; i < NS; i++) {
            cr_assert_lt(v[i], q);
            obs[(unsigned)((ckks_u128)v[i] * BINS / q)] += 1;
            mean += (double)v[i] / (double)q;
        }
        for (int b = 0; b < BINS; b++)
            want[b] = (double)NS / BINS;
        mean /= NS;
        /* chi2(63): P(> 110) is about 2e-4. */
        double c = chi2(obs, want, BINS);
        cr_assert_lt(c, 110, "q = %llu: chi2 = %g", (unsigned long long)q, c);
        /* standard deviation of the mean: 1 / sqrt(12 NS) = 0.0011 */
        cr_assert_lt(fabs(mean - 0.5), 0.0057, "q = %llu: mean %g",
                     (unsigned long long)q, mean);
    }

    /* Tiny moduli: q = 1 gives zeros, q = 3 each residue a third. */
    ckks_prng p;
    ckks_prng_init(&p, seed_a, CKKS_DOMAIN_ENC_A, 100);
    ckks_sample_uniform(&p, 1, 64, v);
    for (int i = 0; i < 64; i++)
        cr_assert_eq(v[i], 0);
    ckks_sample_uniform(&p, 3, NS, v);
    double obs[3] = {0}, want[3] = {NS / 3.0, NS / 3.0, NS / 3.0};
    for (int i = 0; i < NS; i++) {
        cr_assert_lt(v[i], 3);
        obs[v[i]] += 1;
    }
    /* chi2(2): P(> 18) is about 1.2e-4. */
    cr_assert_lt(chi2(obs, want, 3), 18);
    free(v);
}

/* Sampling n values at once or in two calls reads the same stream. */
Test(sample, sequential)
{
    enum { N = 1000, CUT = 337 };
    ckks_prng p1, p2;
    uint64_t u1[N], u2[N];
    int8_t t1[N], t2[N];
    int64_t g1[N], g2[N];

    ckks_prng_init(&p1, seed_a, CKKS_DOMAIN_ENC_U, 5);
    ckks_prng_init(&p2, seed_a, CKKS_DOMAIN_ENC_U, 5);
    ckks_sample_uniform(&p1, 1000003, N, u1);
    ckks_sample_uniform(&p2, 1000003, CUT, u2);
    ckks_sample_uniform(&p2, 1000003, N - CUT, u2 + CUT);
    cr_assert_arr_eq(u1, u2, sizeof(u1));

    ckks_sample_ternary(&p1, N, t1);
    ckks_sample_ternary(&p2, CUT, t2);
    ckks_sample_ternary(&p2, N - CUT, t2 + CUT);
    cr_assert_arr_eq(t1, t2, sizeof(t1));

    ckks_sample_gaussian(&p1, N, 3.2, g1);
    ckks_sample_gaussian(&p2, CUT, 3.2, g2);
    ckks_sample_gaussian(&p2, N - CUT, 3.2, g2 + CUT);
    cr_assert_arr_eq(g1, g2, sizeof(g1));

    /* Same stream, same sparse secret. */
    ckks_prng_init(&p1, seed_a, CKKS_DOMAIN_SECRET, 0);
    ckks_prng_init(&p2, seed_a, CKKS_DOMAIN_SECRET, 0);
    ckks_sample_ternary_hw(&p1, N, 64, t1);
    ckks_sample_ternary_hw(&p2, N, 64, t2);
    cr_assert_arr_eq(t1, t2, sizeof(t1));
    /* and the streams stay in step afterwards */
    cr_assert_eq(ckks_prng_u64(&p1), ckks_prng_u64(&p2));
}

Test(sample, ternary)
{
    /* Enough draws to see the 1/768 excess of 0 that keeping byte 255
     * would give (10 standard deviations). */
    enum { N = 3 << 22 };
    int8_t *t = malloc(N);
    cr_assert_not_null(t);
    ckks_prng p;
    ckks_prng_init(&p, seed_a, CKKS_DOMAIN_SECRET, 0);
    ckks_sample_ternary(&p, N, t);
    double obs[3] = {0}, want[3] = {N / 3.0, N / 3.0, N / 3.0};
    for (int i = 0; i < N; i++) {
        cr_assert(t[i] >= -1 && t[i] <= 1);
        obs[t[i] + 1] += 1;
    }
    /* each count: standard deviation sqrt(N 2/9) = 1672 */
    for (int k = 0; k < 3; k++)
        cr_assert_lt(fabs(obs[k] - N / 3.0), 8360, "value %d: %g", k - 1, obs[k]);
    cr_assert_lt(chi2(obs, want, 3), 18);
    free(t);
}

Test(sample, ternary_hw)
{
    enum { N = 4096, H = 64, TRIALS = 256, BINS = 16 };
    int8_t t[N];
    double pos[BINS] = {0}, want[BINS];
    int plus = 0;
    for (int r = 0; r < TRIALS; r++) {
        ckks_prng p;
        ckks_prng_init(&p, seed_a, CKKS_DOMAIN_SECRET, (uint64_t)r);
        ckks_sample_ternary_hw(&p, N, H, t);
        int nz = 0;
        for (int i = 0; i < N; i++) {
            cr_assert(t[i] >= -1 && t[i] <= 1);
            if (t[i] != 0) {
                nz++;
                plus += t[i] == 1;
                pos[i / (N / BINS)] += 1;
            }
        }
        cr_assert_eq(nz, H);
    }
    /* Positions: each bin holds H / BINS per trial; chi2(15): P(> 45) ~ 7e-5. */
    for (int b = 0; b < BINS; b++)
        want[b] = (double)H * TRIALS / BINS;
    cr_assert_lt(chi2(pos, want, BINS), 45);
    /* Signs: H * TRIALS = 16384 fair coins, standard deviation 64. */
    cr_assert_lt(abs(plus - H * TRIALS / 2), 320);

    /* Edge cases: h = 0, h = n, h beyond n. */
    ckks_prng p;
    ckks_prng_init(&p, seed_a, CKKS_DOMAIN_SECRET, 1000);
    ckks_sample_ternary_hw(&p, 100, 0, t);
    for (int i = 0; i < 100; i++)
        cr_assert_eq(t[i], 0);
    ckks_sample_ternary_hw(&p, 100, 100, t);
    for (int i = 0; i < 100; i++)
        cr_assert(t[i] == 1 || t[i] == -1);
    ckks_sample_ternary_hw(&p, 100, 1000, t);
    for (int i = 0; i < 100; i++)
        cr_assert(t[i] == 1 || t[i] == -1);
}

Test(sample, gaussian)
{
    const double sigma = 3.2;
    const int tail = (int)floor(6 * sigma);
    int64_t *g = malloc(NS * sizeof(*g));
    cr_assert_not_null(g);
    ckks_prng p;
    ckks_prng_init(&p, seed_a, CKKS_DOMAIN_PK_E, 0);
    ckks_sample_gaussian(&p, NS, sigma, g);

    /* Bins -8..8 and the two tails beyond, against exp(-x^2 / 2 sigma^2). */
    enum { W = 8, BINS = 2 * W + 3 };
    double obs[BINS] = {0}, want[BINS] = {0}, total = 0;
    double mean = 0, var = 0;
    for (int x = -tail; x <= tail; x++)
        total += exp(-x * x / (2 * sigma * sigma));
    for (int x = -tail; x <= tail; x++) {
        int b = x < -W ? 0 : x > W ? BINS - 1 : x + W + 1;
        want[b] += NS * exp(-x * x / (2 * sigma * sigma)) / total;
    }
    for (int i = 0; i < NS; i++) {
        cr_assert_leq(llabs(g[i]), tail);
        int b = g[i] < -W ? 0 : g[i] > W ? BINS - 1 : (int)g[i] + W + 1;
        obs[b] += 1;
        mean += (double)g[i];
        var += (double)g[i] * (double)g[i];
    }
    mean /= NS;
    var = var / NS - mean * mean;
    /* chi2(18): P(> 50) is about 7e-5. */
    double c = chi2(obs, want, BINS);
    cr_assert_lt(c, 50, "chi2 = %g", c);
    /* Standard deviations: mean sigma / 256 = 0.0125, variance
     * sigma^2 sqrt(2 / NS) = 0.057; allow 5 of them. */
    cr_assert_lt(fabs(mean), 0.0625, "mean %g", mean);
    cr_assert_lt(fabs(var - sigma * sigma), 0.283, "variance %g", var);

    /* A wider Gaussian through the same code. */
    ckks_sample_gaussian(&p, NS, 20.0, g);
    var = 0;
    for (int i = 0; i < NS; i++) {
        cr_assert_leq(llabs(g[i]), 120);
        var += (double)g[i] * (double)g[i];
    }
    var /= NS;
    cr_assert_lt(fabs(var - 400.0), 5 * 400.0 * sqrt(2.0 / NS), "variance %g", var);
    free(g);
}
