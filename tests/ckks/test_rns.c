/* Fast basis conversion against exact CRT with GMP. */
#include "common.h"
#include "ckks/internal.h"

#include <gmp.h>

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
