/* Fast basis conversion against exact CRT with GMP. */
#include "common.h"
#include "ckks/internal.h"

#include <gmp.h>
#include <string.h>

/* Compose residues x[s][k] (limbs src) into X with GMP. */
static void crt(const ckks_context *ctx, const uint64_t *x, const int *src, int nsrc, size_t k,
                mpz_t X, mpz_t Q)
{
    mpz_t t, qi, hat;
    mpz_inits(t, qi, hat, NULL);
    mpz_set_ui(Q, 1);
    for (int s = 0; s < nsrc; s++) mpz_mul_ui(Q, Q, ctx->mod[src[s]].q);
    mpz_set_ui(X, 0);
    for (int s = 0; s < nsrc; s++) {
        mpz_set_ui(qi, ctx->mod[src[s]].q);
        mpz_divexact(hat, Q, qi);
        mpz_invert(t, hat, qi);
        mpz_mul_ui(t, t, x[(size_t)s * ctx->n + k]);
        mpz_mod(t, t, qi);
        mpz_addmul(X, t, hat);
    }
    mpz_mod(X, X, Q);
    mpz_clears(t, qi, hat, NULL);
}

static void check(bool centered)
{
    ckks_params p;
    OK(ckks_params_named("TEST-N12", &p));
    ckks_context *ctx;
    OK(ckks_context_new(&ctx, &p, CKKS_ALLOW_INSECURE));
    size_t n = ctx->n;
    /* Q primes 1..3 to Q primes 0, 4 and both special primes */
    int src[] = {1, 2, 3}, dst[] = {0, 4, ctx->nq, ctx->nq + 1};
    int nsrc = 3, ndst = 4;
    uint64_t *x = malloc(nsrc * n * sizeof *x), *out = malloc(ndst * n * sizeof *out);
    ckks_prng prng;
    uint8_t seed[CKKS_SEED_BYTES] = {3};
    ckks_prng_init(&prng, seed, 99, 0);
    for (int s = 0; s < nsrc; s++) ckks_sample_uniform(&prng, ctx->mod[src[s]].q, n, x + s * n);
    /* include the extremes: 0 and Q - 1 */
    for (int s = 0; s < nsrc; s++) {
        x[s * n] = 0;
        x[s * n + 1] = ctx->mod[src[s]].q - 1;
    }
    OK(ckks_rns_convert(ctx, x, src, nsrc, dst, ndst, centered, out));
    mpz_t X, Q, half, r;
    mpz_inits(X, Q, half, r, NULL);
    for (size_t k = 0; k < n; k++) {
        crt(ctx, x, src, nsrc, k, X, Q);
        if (centered) {
            mpz_fdiv_q_2exp(half, Q, 1);
            if (mpz_cmp(X, half) > 0) mpz_sub(X, X, Q);
        }
        for (int t = 0; t < ndst; t++) {
            uint64_t pt = ctx->mod[dst[t]].q;
            bool found = false;
            /* approximate: X + u Q for one u < nsrc; centered: u = 0 */
            for (int u = 0; u < (centered ? 1 : nsrc) && !found; u++) {
                mpz_set(r, Q);
                mpz_mul_ui(r, r, (unsigned long)u);
                mpz_add(r, r, X);
                found = mpz_fdiv_ui(r, pt) == out[t * n + k];
            }
            cr_assert(found, "coefficient %zu, target %d", k, t);
        }
    }
    mpz_clears(X, Q, half, r, NULL);
    free(x);
    free(out);
    ckks_context_free(ctx);
}

Test(rns, approximate_conversion_matches_gmp_up_to_small_multiple) { check(false); }
Test(rns, centered_conversion_is_exact) { check(true); }

/* The insecure N = 2^14 context of the kernel comparisons. */
static ckks_context *n14_context(void)
{
    ckks_params p;
    OK(ckks_params_named("TEST-N14", &p));
    ckks_context *ctx;
    OK(ckks_context_new(&ctx, &p, CKKS_ALLOW_INSECURE));
    return ctx;
}

/* Residues mod the given primes, with q - 1 and 0 at the first two places. */
static void random_limbs(const ckks_context *ctx, const int *limbs, int count, uint32_t stream,
                         uint64_t *out)
{
    size_t n = ctx->n;
    ckks_prng prng;
    uint8_t seed[CKKS_SEED_BYTES] = {11};
    ckks_prng_init(&prng, seed, 98, stream);
    for (int s = 0; s < count; s++) {
        ckks_sample_uniform(&prng, ctx->mod[limbs[s]].q, n, out + s * n);
        out[s * n] = ctx->mod[limbs[s]].q - 1;
        out[s * n + 1] = 0;
    }
}

/* The AVX-512 kernels must give the scalar ones' bytes, for every number of
 * terms (their sums are carried every 3 terms and reduced every 12). */
Test(rns, avx512_conversion_matches_scalar)
{
    if (!ckks_cpu_has_avx512()) cr_skip_test("no AVX-512");
    ckks_context *ctx = n14_context();
    size_t n = ctx->n;
    int src[13], dst[7], ts[7];
    for (int s = 0; s < 13; s++) src[s] = s;
    for (int t = 0; t < 7; t++) {
        dst[t] = 13 + t;
        ts[t] = t;
    }
    uint64_t *y = malloc(13 * n * sizeof *y), *v = malloc(n * sizeof *v);
    uint64_t *a = malloc(7 * n * sizeof *a), *b = malloc(7 * n * sizeof *b);
    uint64_t *oa[7], *ob[7];
    for (int t = 0; t < 7; t++) {
        oa[t] = a + t * n;
        ob[t] = b + t * n;
    }
    random_limbs(ctx, src, 13, 0, y);
    for (int nsrc = 1; nsrc <= 13; nsrc++) {
        ckks_rns_conv c;
        OK(ckks_rns_conv_init(ctx, &c, src, nsrc, dst, 7));
        ckks_rns_conv_round_scalar(&c, y, n, n, v);
        ckks_rns_conv_round_avx512(&c, y, n, n, a);
        cr_assert_arr_eq(v, a, n * sizeof *v, "round, %d sources", nsrc);
        for (size_t k = 0; k < n; k++) cr_assert_leq(v[k], (uint64_t)nsrc);
        v[2] = (uint64_t)nsrc; /* the largest correction */
        /* every count of targets: the vector path works on up to 4 at once */
        for (int nt = 1; nt <= 7; nt++)
            for (int centered = 0; centered < 2; centered++) {
                const uint64_t *vv = centered ? v : NULL;
                ckks_rns_conv_targets_scalar(ctx, &c, ts, nt, y, vv, oa);
                cr_assert(ckks_rns_conv_targets_avx512(ctx, &c, ts, nt, y, vv, ob));
                cr_assert_arr_eq(a, b, (size_t)nt * n * sizeof *a, "%d sources, %d targets, centered %d",
                                 nsrc, nt, centered);
            }
        ckks_rns_conv_clear(&c);
    }
    free(y);
    free(v);
    free(a);
    free(b);
    ckks_context_free(ctx);
}

Test(rns, avx512_key_inner_product_matches_scalar)
{
    if (!ckks_cpu_has_avx512()) cr_skip_test("no AVX-512");
    ckks_context *ctx = n14_context();
    size_t n = ctx->n;
    enum { ND = 14 };
    int limbs[ND];
    for (int j = 0; j < ND; j++) limbs[j] = 0; /* all mod q_0, of 60 bits */
    uint64_t *x = malloc(3 * ND * n * sizeof *x), *out = malloc(4 * n * sizeof *out);
    random_limbs(ctx, limbs, ND, 1, x);
    random_limbs(ctx, limbs, ND, 2, x + ND * n);
    random_limbs(ctx, limbs, ND, 3, x + 2 * ND * n);
    const uint64_t *d[ND], *kb[ND], *ka[ND];
    for (int j = 0; j < ND; j++) {
        d[j] = x + j * n;
        kb[j] = x + (ND + j) * n;
        ka[j] = x + (2 * ND + j) * n;
    }
    for (int nd = 1; nd <= ND; nd++) {
        ckks_ks_inner_product_scalar(&ctx->mod[0], n, nd, d, NULL, kb, ka, out, out + n);
        cr_assert(ckks_ks_inner_product_avx512(&ctx->mod[0], n, nd, d, NULL, kb, ka, out + 2 * n, out + 3 * n));
        cr_assert_arr_eq(out, out + 2 * n, 2 * n * sizeof *out, "%d digits", nd);
    }
    /* compact first operands (a plaintext's limb of n >> s values) give
     * what their expansion gives, on both paths */
    const uint8_t shift[ND] = {0, 3, 7, 0, 14, 4, 3, 0, 9, 5, 3, 0, 6, 8};
    uint64_t *e = malloc(ND * n * sizeof *e);
    const uint64_t *de[ND];
    for (int j = 0; j < ND; j++) {
        for (size_t i = 0; i < n; i++) e[j * n + i] = d[j][i >> shift[j]];
        de[j] = e + j * n;
    }
    for (int nd = 1; nd <= ND; nd++) {
        ckks_ks_inner_product_scalar(&ctx->mod[0], n, nd, de, NULL, kb, ka, out, out + n);
        ckks_ks_inner_product_scalar(&ctx->mod[0], n, nd, d, shift, kb, ka, out + 2 * n, out + 3 * n);
        cr_assert_arr_eq(out, out + 2 * n, 2 * n * sizeof *out, "scalar, %d compact terms", nd);
        cr_assert(ckks_ks_inner_product_avx512(&ctx->mod[0], n, nd, d, shift, kb, ka, out + 2 * n, out + 3 * n));
        cr_assert_arr_eq(out, out + 2 * n, 2 * n * sizeof *out, "avx512, %d compact terms", nd);
    }
    free(e);
    free(x);
    free(out);
    ckks_context_free(ctx);
}

/* Both paths of one limb of a polynomial-evaluation sum, in every shape
 * a pass can take, on random residues and on all q - 1 (every carry). */
Test(rns, avx512_sum_limb_matches_scalar)
{
    if (!ckks_cpu_has_avx512()) cr_skip_test("no AVX-512");
    ckks_context *ctx = n14_context();
    const ckks_mod *m = &ctx->mod[0]; /* 60 bits */
    size_t n = ctx->n;
    enum { POOL = 2 * CKKS_SUM_MAX + 4 * 8 };
    int limbs[POOL];
    for (int j = 0; j < POOL; j++) limbs[j] = 0;
    uint64_t *x = malloc((POOL + 6) * n * sizeof *x), *y = x + POOL * n;
    static const int shapes[][2] = {{0, 1}, {0, 16}, {1, 0}, {1, 3}, {3, 5}, {8, 0}, {4, 8}};
    for (int fill = 0; fill < 2; fill++) {
        random_limbs(ctx, limbs, POOL, 7, x);
        if (fill)
            for (size_t k = 0; k < POOL * n; k++) x[k] = m->q - 1;
        for (size_t sh = 0; sh < sizeof shapes / sizeof shapes[0]; sh++)
            for (int add = 0; add < 2; add++) {
                ckks_sum_limb s = {.np = shapes[sh][0], .nt = shapes[sh][1], .add = add,
                                   .k = fill ? m->q - 1 : 12345};
                const uint64_t *next = x;
                for (int q = 0; q < s.np; q++) {
                    s.u0[q] = next, s.u1[q] = next + n, s.v0[q] = next + 2 * n, s.v1[q] = next + 3 * n;
                    next += 4 * n;
                    s.twice[q] = q % 2;
                }
                for (int t = 0; t < s.nt; t++) {
                    s.x0[t] = next, s.x1[t] = next + n;
                    next += 2 * n;
                    s.w[t] = fill ? m->q - 1 : x[t] % m->q;
                }
                /* both outputs start from the same values when adding */
                random_limbs(ctx, limbs, 3, 8 + (int)sh, y);
                if (fill)
                    for (size_t k = 0; k < 3 * n; k++) y[k] = m->q - 1;
                memcpy(y + 3 * n, y, 3 * n * sizeof *y);
                s.y0 = y, s.y1 = y + n, s.y2 = y + 2 * n;
                ckks_sum_limb_eval_scalar(m, n, &s);
                s.y0 = y + 3 * n, s.y1 = y + 4 * n, s.y2 = y + 5 * n;
                cr_assert(ckks_sum_limb_eval_avx512(m, n, &s));
                size_t words = (s.np ? 3 : 2) * n;
                cr_assert_arr_eq(y, y + 3 * n, words * sizeof *y, "fill %d, %d products, %d terms, add %d",
                                 fill, s.np, s.nt, add);
            }
    }
    /* moduli from 2^61 on are left to the scalar path */
    ckks_mod big = *m;
    big.q = (1ULL << 61) + 1;
    ckks_sum_limb s = {.nt = 1, .x0 = {x}, .x1 = {x}, .w = {1}, .y0 = y, .y1 = y + n};
    cr_assert(!ckks_sum_limb_eval_avx512(&big, n, &s));
    free(x);
    ckks_context_free(ctx);
}

Test(rns, avx512_mulsub_matches_scalar)
{
    if (!ckks_cpu_has_avx512()) cr_skip_test("no AVX-512");
    ckks_context *ctx = n14_context();
    size_t n = ctx->n;
    int limbs[] = {0, 0, 0};
    uint64_t *x = malloc(5 * n * sizeof *x), q = ctx->mod[0].q;
    random_limbs(ctx, limbs, 3, 4, x);
    uint64_t w = x[2 * n + 5], ws = ckks_shoup(w, q);
    /* with b (a + q - b >= 0) and without, where a + c reaches 2^62 */
    ckks_rns_mulsub_scalar(q, w, ws, x, q, x + n, NULL, n, x + 3 * n);
    cr_assert(ckks_rns_mulsub_avx512(q, w, ws, x, q, x + n, NULL, n, x + 4 * n));
    cr_assert_arr_eq(x + 3 * n, x + 4 * n, n * sizeof *x);
    uint64_t c = ((uint64_t)1 << 62) - q;
    ckks_rns_mulsub_scalar(q, w, ws, x, c, NULL, NULL, n, x + 3 * n);
    cr_assert(ckks_rns_mulsub_avx512(q, w, ws, x, c, NULL, NULL, n, x + 4 * n));
    cr_assert_arr_eq(x + 3 * n, x + 4 * n, n * sizeof *x);
    for (size_t k = 0; k < n; k++) cr_assert_eq(x[3 * n + k], ckks_mod_mul(x[k] + c, w, &ctx->mod[0]));
    /* with an addend */
    ckks_rns_mulsub_scalar(q, w, ws, x, 0, NULL, x + 2 * n, n, x + 3 * n);
    cr_assert(ckks_rns_mulsub_avx512(q, w, ws, x, 0, NULL, x + 2 * n, n, x + 4 * n));
    cr_assert_arr_eq(x + 3 * n, x + 4 * n, n * sizeof *x);
    for (size_t k = 0; k < n; k++)
        cr_assert_eq(x[3 * n + k], ckks_mod_add(ckks_mod_mul(x[k], w, &ctx->mod[0]), x[2 * n + k], q));
    free(x);
    ckks_context_free(ctx);
}

Test(rns, avx512_permute_add_matches_scalar)
{
    if (!ckks_cpu_has_avx512()) cr_skip_test("no AVX-512");
    ckks_context *ctx = n14_context();
    size_t n = ctx->n;
    int limbs[] = {0, 0, 0};
    uint64_t *x = malloc(5 * n * sizeof *x), q = ctx->mod[0].q;
    uint32_t *perm = malloc(n * sizeof *perm);
    random_limbs(ctx, limbs, 3, 5, x);
    ckks_galois_permutation(ctx, 5, perm);
    for (int variant = 0; variant < 4; variant++) {
        const uint64_t *y = variant & 1 ? x + n : NULL, *a = variant & 2 ? x + 2 * n : NULL;
        ckks_permute_add_scalar(q, perm, x, y, a, n, x + 3 * n);
        cr_assert(ckks_permute_add_avx512(q, perm, x, y, a, n, x + 4 * n));
        cr_assert_arr_eq(x + 3 * n, x + 4 * n, n * sizeof *x);
        for (size_t k = 0; k < n; k++) {
            uint64_t want = x[perm[k]];
            if (y) want = ckks_mod_add(want, y[perm[k]], q);
            if (a) want = ckks_mod_add(want, a[k], q);
            cr_assert_eq(x[3 * n + k], want);
        }
    }
    free(perm);
    free(x);
    ckks_context_free(ctx);
}

Test(rns, avx512_signed_reduction_matches_scalar)
{
    if (!ckks_cpu_has_avx512()) cr_skip_test("no AVX-512");
    ckks_params p;
    OK(ckks_params_named("TEST-N12", &p));
    ckks_context *ctx;
    OK(ckks_context_new(&ctx, &p, CKKS_ALLOW_INSECURE));
    enum { N = 4096 };
    int64_t *v = malloc(N * sizeof *v);
    uint64_t *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b), state = 5;
    for (int mi = 0; mi < ctx->nq + ctx->np; mi++) {
        const ckks_mod *m = &ctx->mod[mi];
        /* random values of every size, and the edges: 0, +-1, multiples of
         * q and their neighbours, the int64 extremes */
        for (int i = 0; i < N; i++) {
            uint64_t r = test_next(&state);
            v[i] = (int64_t)(r >> (r % 64));
        }
        const int64_t q = (int64_t)m->q, edge[] = {0, 1, -1, q, -q, q - 1, 1 - q, q + 1, -q - 1,
                                                   5 * q, -5 * q, INT64_MAX, INT64_MIN + 1,
                                                   INT64_MAX / q * q, -(INT64_MAX / q * q)};
        for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++) v[i] = edge[i];
        ckks_mod_from_i64_scalar(m, v, N, a);
        cr_assert(ckks_mod_from_i64_avx512(m, v, N, b));
        for (int i = 0; i < N; i++) cr_assert_eq(a[i], b[i], "q %d, v %lld", mi, (long long)v[i]);
    }
    free(v);
    free(a);
    free(b);
    ckks_context_free(ctx);
}
