/*
 * test_encoder.c - the canonical embedding: round trips, the slot
 * convention the rotations rely on, large coefficients, overflow and
 * argument checks; plaintexts made from stored integer coefficients.
 *
 * Precision: encoding rounds each of the 2n coefficients to an integer, an
 * error e_k uniform in [-1/2, 1/2]. A slot receives sum_k e_k xi^k / scale,
 * each component with variance n / 12 / scale^2, so the largest of n slot
 * errors stays below 2^((log_slots + 1) / 2 + 2) / scale with a wide margin
 * (about 20 standard deviations). Doubles cap everything near 2^-50
 * relative, hence the 45-bit ceiling.
 */
#include <criterion/criterion.h>
#include <gmp.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "ckks/internal.h"

static ckks_context *test_context(void)
{
    ckks_params p;
    ckks_context *ctx;
    cr_assert_eq(ckks_params_named("TEST-N12", &p), 0);
    cr_assert_eq(ckks_context_new(&ctx, &p, CKKS_ALLOW_INSECURE), 0);
    return ctx;
}

/* splitmix64: deterministic test data. */
static uint64_t next_u64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform in [-amp, amp). */
static double uniform(uint64_t *s, double amp)
{
    return amp * (ldexp((double)(next_u64(s) >> 11), -52) - 1.0);
}

static double complex *random_complex(size_t n, double amp, uint64_t seed)
{
    double complex *z = malloc(n * sizeof *z);
    cr_assert_not_null(z);
    for (size_t j = 0; j < n; j++) {
        double re = uniform(&seed, amp);
        z[j] = CMPLX(re, uniform(&seed, amp));
    }
    return z;
}

/* -log2 of the largest |a_j - b_j| / amp. */
static double precision_bits(const double complex *a, const double complex *b,
                             size_t n, double amp)
{
    double err = 0;
    for (size_t j = 0; j < n; j++) err = fmax(err, cabs(a[j] - b[j]));
    return err == 0 ? INFINITY : -log2(err / amp);
}

static double expected_bits(int log_slots, double scale)
{
    return fmin(log2(scale) - (log_slots + 1) / 2.0 - 2, 45);
}

/* Limb i of pt in the coefficient domain, into out (N words). */
static void limb_coeffs(const ckks_context *ctx, const ckks_plaintext *pt, int i,
                        uint64_t *out)
{
    ckks_plaintext_expand_limb(pt, i, out);
    ckks_ntt_inverse(&ctx->ntt[i], out);
}

/* The N coefficients of pt as centered integers, by Garner's CRT. */
static mpz_t *exact_coeffs(const ckks_context *ctx, const ckks_plaintext *pt)
{
    size_t n = ctx->n;
    int nl = pt->level + 1;
    uint64_t *r = aligned_alloc(64, (size_t)nl * n * sizeof *r); /* for the NTT */
    mpz_t *c = malloc(n * sizeof *c);
    cr_assert(r && c);
    for (int i = 0; i < nl; i++) limb_coeffs(ctx, pt, i, r + (size_t)i * n);

    mpz_t q, inv, t;
    mpz_inits(q, inv, t, NULL);
    for (size_t k = 0; k < n; k++) mpz_init_set_ui(c[k], r[k]);
    mpz_set_ui(q, ctx->mod[0].q);
    for (int i = 1; i < nl; i++) {
        uint64_t qi = ctx->mod[i].q;
        mpz_set_ui(t, qi);
        cr_assert(mpz_invert(inv, q, t));
        for (size_t k = 0; k < n; k++) {
            /* c += q ((r_i - c) q^-1 mod q_i) */
            mpz_ui_sub(t, r[(size_t)i * n + k], c[k]);
            mpz_mul(t, t, inv);
            mpz_fdiv_r_ui(t, t, qi);
            mpz_addmul(c[k], q, t);
        }
        mpz_mul_ui(q, q, qi);
    }
    mpz_fdiv_q_2exp(t, q, 1);
    for (size_t k = 0; k < n; k++)
        if (mpz_cmp(c[k], t) > 0) mpz_sub(c[k], c[k], q);
    mpz_clears(q, inv, t, NULL);
    free(r);
    return c;
}

static void free_coeffs(mpz_t *c, size_t n)
{
    for (size_t k = 0; k < n; k++) mpz_clear(c[k]);
    free(c);
}

static long double mpz_to_ld(const mpz_t x)
{
    long double v = 0;
    for (size_t i = mpz_size(x); i-- > 0;) v = v * 0x1p64L + (long double)mpz_getlimbn(x, i);
    return mpz_sgn(x) < 0 ? -v : v;
}

/* Apply X -> X^g to pt in place, coefficient by coefficient (pt ends up
 * with full limbs). */
static void apply_automorphism(const ckks_context *ctx, ckks_plaintext *pt, uint64_t g)
{
    size_t n = ctx->n, words = ((size_t)pt->level + 1) * n;
    uint64_t *a = aligned_alloc(64, n * sizeof *a), *full = malloc(words * sizeof *full);
    cr_assert(a && full);
    for (int i = 0; i <= pt->level; i++) {
        uint64_t q = ctx->mod[i].q, *out = full + (size_t)i * n;
        limb_coeffs(ctx, pt, i, a);
        for (size_t k = 0; k < n; k++) {
            size_t e = (size_t)((k * g) % (2 * n));
            if (e < n) out[e] = a[k];
            else out[e - n] = ckks_mod_neg(a[k], q);
        }
        ckks_ntt_forward(&ctx->ntt[i], out);
    }
    cr_assert_eq(ckks_plaintext_reserve(pt, pt->level, 0, false), 0);
    memcpy(pt->c, full, words * sizeof *full);
    free(full);
    free(a);
}

static void roundtrip(const ckks_context *ctx, int log_slots, int level, double scale,
                      uint64_t seed)
{
    size_t n = (size_t)1 << log_slots;
    ckks_plaintext *pt = ckks_plaintext_new(ctx);
    double complex *z = random_complex(n, 1.0, seed), *w = malloc(n * sizeof *w);
    cr_assert_eq(ckks_encode(ctx, pt, z, n, log_slots, level, scale), 0);
    cr_assert_eq(ckks_plaintext_level(pt), level);
    cr_assert_eq(ckks_plaintext_log_slots(pt), log_slots);
    cr_assert_eq(ckks_plaintext_scale(pt), scale);
    cr_assert_eq(ckks_decode(ctx, pt, w, n), 0);
    double bits = precision_bits(z, w, n, 1.0), want = expected_bits(log_slots, scale);
    cr_assert_geq(bits, want, "log_slots %d level %d: %.1f bits < %.1f",
                  log_slots, level, bits, want);
    free(z);
    free(w);
    ckks_plaintext_free(pt);
}

Test(encoder, roundtrip_complex)
{
    ckks_context *ctx = test_context();
    int logn = ckks_context_logn(ctx), top = ckks_context_max_level(ctx);
    const int ls[] = {0, 1, 2, 5, logn - 2, logn - 1};
    const int levels[] = {0, 1, top};
    for (size_t a = 0; a < sizeof ls / sizeof ls[0]; a++)
        for (size_t b = 0; b < sizeof levels / sizeof levels[0]; b++)
            roundtrip(ctx, ls[a], levels[b], ckks_context_default_scale(ctx),
                      100 * a + b);
    /* a larger scale where the (multi-limb) level allows it */
    roundtrip(ctx, logn - 1, top, 0x1p50, 7);
    ckks_context_free(ctx);
}

Test(encoder, roundtrip_real)
{
    ckks_context *ctx = test_context();
    int logn = ckks_context_logn(ctx);
    double scale = ckks_context_default_scale(ctx);
    ckks_plaintext *pt = ckks_plaintext_new(ctx);
    for (int log_slots = 0; log_slots < logn; log_slots += 3) {
        size_t n = (size_t)1 << log_slots;
        uint64_t seed = (uint64_t)log_slots;
        double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
        double complex *xc = malloc(n * sizeof *xc), *w = malloc(n * sizeof *w);
        /* fewer values than slots: the rest are zero */
        size_t used = n > 1 ? n - 1 : 1;
        for (size_t j = 0; j < n; j++) {
            x[j] = uniform(&seed, 1.0);
            xc[j] = j < used ? x[j] : 0;
        }
        cr_assert_eq(ckks_encode_real(ctx, pt, x, used, log_slots, 2, scale), 0);
        cr_assert_eq(ckks_decode_real(ctx, pt, y, n), 0);
        cr_assert_eq(ckks_decode(ctx, pt, w, n), 0);
        for (size_t j = 0; j < n; j++) cr_assert_eq(y[j], creal(w[j]));
        double bits = precision_bits(xc, w, n, 1.0), want = expected_bits(log_slots, scale);
        cr_assert_geq(bits, want, "log_slots %d: %.1f bits < %.1f", log_slots, bits, want);
        free(x);
        free(y);
        free(xc);
        free(w);
    }
    ckks_plaintext_free(pt);
    ckks_context_free(ctx);
}

/* Slot j holds m(zeta^(5^j)) / scale, zeta = exp(i pi / N), and a sparse
 * plaintext only uses the coefficients at multiples of gap. */
Test(encoder, slot_convention)
{
    ckks_context *ctx = test_context();
    size_t n2 = 2 * ctx->n;
    double scale = ckks_context_default_scale(ctx);
    const long double pi = 3.141592653589793238462643383279502884L;
    long double complex *zeta = malloc(n2 * sizeof *zeta);
    for (size_t e = 0; e < n2; e++) zeta[e] = cexpl(I * pi * (long double)e / (long double)ctx->n);
    long double *m = malloc(ctx->n * sizeof *m);
    ckks_plaintext *pt = ckks_plaintext_new(ctx);

    const int ls[] = {0, 3, ctx->logn - 1};
    for (size_t a = 0; a < sizeof ls / sizeof ls[0]; a++) {
        size_t n = (size_t)1 << ls[a], gap = ctx->n / (2 * n);
        double complex *z = random_complex(n, 1.0, 40 + a), *w = malloc(n * sizeof *w);
        cr_assert_eq(ckks_encode(ctx, pt, z, n, ls[a], 1, scale), 0);
        mpz_t *c = exact_coeffs(ctx, pt);
        for (size_t k = 0; k < ctx->n; k++) {
            m[k] = mpz_to_ld(c[k]);
            if (k % gap) cr_assert_eq(m[k], 0, "coefficient %zu outside the stride", k);
        }
        free_coeffs(c, ctx->n);
        uint64_t g = 1;
        for (size_t j = 0; j < n; j++, g = g * 5 % n2) {
            long double complex s = 0;
            for (size_t k = 0; k < ctx->n; k += gap) s += m[k] * zeta[k * g % n2];
            w[j] = (double complex)(s / scale);
        }
        double bits = precision_bits(z, w, n, 1.0), want = expected_bits(ls[a], scale);
        cr_assert_geq(bits, want, "log_slots %d: %.1f bits < %.1f", ls[a], bits, want);
        free(z);
        free(w);
    }
    ckks_plaintext_free(pt);
    free(m);
    free(zeta);
    ckks_context_free(ctx);
}

/* Slots of period p are a polynomial in X^(N/2p): coefficients off that
 * stride are exactly zero, the plaintext keeps 2p words per limb once 2p
 * <= N/8 (N before), and it decodes as precisely as a sparse encoding of
 * p slots; the same in its P limbs when extended. */
Test(encoder, periodic_slots_are_compact)
{
    ckks_context *ctx = test_context();
    int full = ckks_context_max_log_slots(ctx);
    size_t nfull = (size_t)1 << full;
    double scale = ckks_context_default_scale(ctx);
    ckks_plaintext *pt = ckks_plaintext_new(ctx);
    double complex *z = malloc(nfull * sizeof *z), *w = malloc(nfull * sizeof *w);
    for (size_t p = 1; p <= nfull; p *= 2) {
        double complex *v = random_complex(p, 1.0, 600 + p);
        for (size_t j = 0; j < nfull; j++) z[j] = v[j % p];
        size_t words = 2 * p <= ctx->n / 8 ? 2 * p : ctx->n, stride = ctx->n / (2 * p);
        cr_assert_eq(ckks_encode_limb_words(ctx, z, nfull, full), words, "period %zu", p);
        for (int ext = 0; ext < 2; ext++) {
            if (ext) cr_assert_eq(ckks_encode_extended(ctx, pt, z, nfull, full, 1, scale), 0);
            else cr_assert_eq(ckks_encode(ctx, pt, z, nfull, full, 1, scale), 0);
            cr_assert_eq(ckks_plaintext_limb_words(pt), words, "period %zu", p);
            mpz_t *c = exact_coeffs(ctx, pt);
            for (size_t k = 0; k < ctx->n; k++)
                if (k % stride) cr_assert_eq(mpz_sgn(c[k]), 0, "period %zu: coefficient %zu", p, k);
            free_coeffs(c, ctx->n);
            cr_assert_eq(ckks_decode(ctx, pt, w, nfull), 0);
            double bits = precision_bits(z, w, nfull, 1.0), want = expected_bits((int)log2((double)p), scale);
            cr_assert_geq(bits, want, "period %zu: %.1f bits < %.1f", p, bits, want);
        }
        /* the extension's P limbs: those of the full limbs' extension */
        ckks_plaintext *f = ckks_plaintext_new(ctx);
        cr_assert_eq(ckks_plaintext_reserve(f, pt->level, 0, false), 0);
        for (int i = 0; i <= pt->level; i++) ckks_plaintext_expand_limb(pt, i, f->c + (size_t)i * ctx->n);
        f->level = pt->level, f->scale = pt->scale, f->log_slots = pt->log_slots;
        cr_assert_eq(ckks_plaintext_extend(ctx, f), 0);
        uint64_t *limb = malloc(ctx->n * sizeof *limb);
        for (int t = 0; t < ctx->np; t++) {
            ckks_plaintext_expand_limb(pt, pt->level + 1 + t, limb);
            cr_assert_arr_eq(limb, f->cp + (size_t)t * ctx->n, ctx->n * sizeof *limb, "P limb %d", t);
        }
        /* extending the compact plaintext gives the same P limbs */
        ckks_plaintext *g = ckks_plaintext_new(ctx);
        cr_assert_eq(ckks_encode(ctx, g, z, nfull, full, 1, scale), 0);
        cr_assert_eq(ckks_plaintext_extend(ctx, g), 0);
        cr_assert_eq(ckks_plaintext_limb_words(g), words);
        cr_assert_eq(memcmp(g->cp, pt->cp, (size_t)ctx->np * words * sizeof *limb), 0, "period %zu", p);
        ckks_plaintext_free(g);
        free(limb);
        ckks_plaintext_free(f);
        free(v);
    }
    free(z);
    free(w);
    ckks_plaintext_free(pt);
    ckks_context_free(ctx);
}

/* A sparse vector decoded as a full one repeats N / (2 n) times. */
Test(encoder, sparse_repeats)
{
    ckks_context *ctx = test_context();
    int full = ckks_context_max_log_slots(ctx);
    size_t n = 8, nfull = (size_t)1 << full;
    double scale = ckks_context_default_scale(ctx);
    double complex *z = random_complex(n, 1.0, 5), *w = malloc(nfull * sizeof *w);
    double complex *rep = malloc(nfull * sizeof *rep);
    for (size_t j = 0; j < nfull; j++) rep[j] = z[j % n];
    ckks_plaintext *pt = ckks_plaintext_new(ctx);
    cr_assert_eq(ckks_encode(ctx, pt, z, n, 3, 0, scale), 0);
    pt->log_slots = full;
    cr_assert_eq(ckks_decode(ctx, pt, w, nfull), 0);
    double bits = precision_bits(rep, w, nfull, 1.0), want = expected_bits(3, scale);
    cr_assert_geq(bits, want, "%.1f bits < %.1f", bits, want);
    ckks_plaintext_free(pt);
    free(z);
    free(w);
    free(rep);
    ckks_context_free(ctx);
}

/* X -> X^(5^k) rotates the slots left by k, X -> X^(2N-1) conjugates them. */
Test(encoder, automorphisms)
{
    ckks_context *ctx = test_context();
    uint64_t n2 = 2 * ctx->n;
    double scale = ckks_context_default_scale(ctx);
    ckks_plaintext *pt = ckks_plaintext_new(ctx);
    const int ls[] = {1, 4, ctx->logn - 1};
    const int steps[] = {1, 3, -1}; /* -1: conjugation */
    for (size_t a = 0; a < sizeof ls / sizeof ls[0]; a++)
        for (size_t b = 0; b < sizeof steps / sizeof steps[0]; b++) {
            size_t n = (size_t)1 << ls[a];
            double complex *z = random_complex(n, 1.0, 10 * a + b);
            double complex *w = malloc(n * sizeof *w), *want = malloc(n * sizeof *want);
            uint64_t g = n2 - 1;
            if (steps[b] >= 0) {
                g = 1;
                for (int s = 0; s < steps[b]; s++) g = g * 5 % n2;
            }
            for (size_t j = 0; j < n; j++)
                want[j] = steps[b] < 0 ? conj(z[j]) : z[(j + (size_t)steps[b]) % n];
            cr_assert_eq(ckks_encode(ctx, pt, z, n, ls[a], 1, scale), 0);
            apply_automorphism(ctx, pt, g);
            cr_assert_eq(ckks_decode(ctx, pt, w, n), 0);
            double bits = precision_bits(want, w, n, 1.0), min = expected_bits(ls[a], scale);
            cr_assert_geq(bits, min, "log_slots %d step %d: %.1f bits < %.1f",
                          ls[a], steps[b], bits, min);
            free(z);
            free(w);
            free(want);
        }
    ckks_plaintext_free(pt);
    ckks_context_free(ctx);
}

/* Scale 2^59 and values up to 100: coefficients beyond 2^63 are reduced
 * exactly and come back to double precision. */
Test(encoder, large_coefficients)
{
    ckks_context *ctx = test_context();
    int log_slots = ckks_context_max_log_slots(ctx);
    size_t n = (size_t)1 << log_slots;
    double scale = 0x1p59, amp = 100;
    double complex *z = random_complex(n, amp / 2, 99), *w = malloc(n * sizeof *w);
    /* a large mean, since random signs would cancel in the coefficients */
    for (size_t j = 0; j < n; j++) z[j] += CMPLX(amp / 2, amp / 2);
    ckks_plaintext *pt = ckks_plaintext_new(ctx);
    cr_assert_eq(ckks_encode(ctx, pt, z, n, log_slots, 1, scale), 0);

    mpz_t *c = exact_coeffs(ctx, pt);
    size_t maxbits = 0;
    for (size_t k = 0; k < ctx->n; k++) {
        size_t b = mpz_sizeinbase(c[k], 2);
        maxbits = b > maxbits ? b : maxbits;
    }
    free_coeffs(c, ctx->n);
    cr_assert_gt(maxbits, 64, "largest coefficient has only %zu bits", maxbits);

    cr_assert_eq(ckks_decode(ctx, pt, w, n), 0);
    /* rounding to integers costs ~2^-54 here; what is left is the FFT */
    double bits = precision_bits(z, w, n, amp);
    cr_assert_geq(bits, 45, "%.1f bits", bits);
    free(z);
    free(w);
    ckks_plaintext_free(pt);
    ckks_context_free(ctx);
}

/* Every limb of a and b (Q, and P when extended) and their metadata agree. */
static void assert_same_plaintext(const ckks_context *ctx, const ckks_plaintext *a,
                                  const ckks_plaintext *b)
{
    cr_assert_eq(a->level, b->level);
    cr_assert_eq(a->scale, b->scale);
    cr_assert_eq(a->log_slots, b->log_slots);
    cr_assert_eq(a->extended, b->extended);
    cr_assert_eq(a->shift, b->shift);
    size_t limb = ckks_plaintext_limb_words(a) * sizeof(uint64_t);
    cr_assert_eq(memcmp(a->c, b->c, (size_t)(a->level + 1) * limb), 0);
    if (a->extended) cr_assert_eq(memcmp(a->cp, b->cp, (size_t)ctx->np * limb), 0);
}

/* Integer coefficients, reduced and transformed at any level (extended or
 * not), give exactly the plaintext encoding gives; they are the encoding's
 * coefficients at stride N / 2n, whatever the level. */
Test(encoder, coeffs_equal_encoding)
{
    ckks_context *ctx = test_context();
    int logn = ckks_context_logn(ctx), top = ckks_context_max_level(ctx);
    const int ls[] = {0, 3, logn - 1};
    const int levels[] = {0, 1, top};
    ckks_plaintext *want = ckks_plaintext_new(ctx), *got = ckks_plaintext_new(ctx);
    for (size_t a = 0; a < sizeof ls / sizeof ls[0]; a++) {
        size_t n = (size_t)1 << ls[a], count = 2 * n, gap = ctx->n / count;
        /* the default scale, and the prime at the level as CoeffsToSlots uses */
        const double scales[] = {ckks_context_default_scale(ctx),
                                 (double)ckks_context_prime(ctx, top)};
        int64_t *coef = malloc(count * sizeof *coef);
        for (size_t b = 0; b < sizeof scales / sizeof scales[0]; b++) {
            /* fewer values than slots: the rest are zero */
            size_t used = n > 1 ? n - 1 : 1;
            double complex *z = random_complex(used, 1.0, 300 + 10 * a + b);
            cr_assert_eq(ckks_encode_to_coeffs(ctx, coef, z, used, ls[a], scales[b]), 0);
            for (size_t c = 0; c < sizeof levels / sizeof levels[0]; c++) {
                int l = levels[c];
                cr_assert_eq(ckks_encode(ctx, want, z, used, ls[a], l, scales[b]), 0);
                cr_assert_eq(ckks_plaintext_from_coeffs(ctx, got, coef, ls[a], l, scales[b], 0), 0);
                assert_same_plaintext(ctx, want, got);
                mpz_t *exact = exact_coeffs(ctx, want);
                for (size_t k = 0; k < ctx->n; k++)
                    cr_assert(mpz_cmp_si(exact[k], k % gap ? 0 : coef[k / gap]) == 0,
                              "log_slots %d level %d: coefficient %zu", ls[a], l, k);
                free_coeffs(exact, ctx->n);
                cr_assert_eq(ckks_encode_extended(ctx, want, z, used, ls[a], l, scales[b]), 0);
                cr_assert_eq(ckks_plaintext_from_coeffs(ctx, got, coef, ls[a], l, scales[b], 1), 0);
                assert_same_plaintext(ctx, want, got);
            }
            free(z);
        }
        free(coef);
    }
    ckks_plaintext_free(want);
    ckks_plaintext_free(got);
    ckks_context_free(ctx);
}

/* With one slot the coefficients are round(Re z scale), round(Im z scale):
 * int64 coefficients stop exactly at 2^62, and what fits them overflows
 * a level exactly when encoding does. */
Test(encoder, coeffs_overflow)
{
    ckks_context *ctx = test_context();
    int64_t coef[2] = {5, 7};
    double complex top = CMPLX(0x1p62 - 0x1p10, -0x1p62 + 0x1p10), over = CMPLX(1, 0x1p62);
    cr_assert_eq(ckks_encode_to_coeffs(ctx, coef, &over, 1, 0, 1.0), CKKS_EOVERFLOW);
    cr_assert(coef[0] == 5 && coef[1] == 7, "a failed call leaves coef alone");
    const double bad[] = {INFINITY, -INFINITY, NAN};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        double complex z = CMPLX(0.5, bad[i]);
        cr_assert_eq(ckks_encode_to_coeffs(ctx, coef, &z, 1, 0, 0x1p20), CKKS_EOVERFLOW);
    }
    cr_assert_eq(ckks_encode_to_coeffs(ctx, coef, &top, 1, 0, 1.0), 0);
    cr_assert(coef[0] == (int64_t)0x1p62 - 1024 && coef[1] == -(int64_t)0x1p62 + 1024);

    /* below and above the threshold of q_0, and near 2^62: all fit q_0 q_1 */
    ckks_plaintext *want = ckks_plaintext_new(ctx), *got = ckks_plaintext_new(ctx);
    double logq0 = log2((double)ckks_context_prime(ctx, 0));
    const double size[] = {ldexp(1, (int)floor(logq0) - 3), ldexp(1, (int)ceil(logq0) - 1),
                           creal(top)};
    for (size_t i = 0; i < sizeof size / sizeof size[0]; i++) {
        double complex z = CMPLX(-size[i], size[i] / 4);
        cr_assert_eq(ckks_encode_to_coeffs(ctx, coef, &z, 1, 0, 1.0), 0);
        for (int l = 0; l <= 1; l++) {
            int e = ckks_encode(ctx, want, &z, 1, 0, l, 1.0);
            cr_assert_eq(ckks_plaintext_from_coeffs(ctx, got, coef, 0, l, 1.0, 0), e,
                         "size 2^%g level %d", log2(size[i]), l);
            cr_assert_eq(e, i == 0 || l == 1 ? 0 : CKKS_EOVERFLOW, "size 2^%g level %d",
                         log2(size[i]), l);
            if (!e) assert_same_plaintext(ctx, want, got);
        }
    }
    ckks_plaintext_free(want);
    ckks_plaintext_free(got);
    ckks_context_free(ctx);
}

Test(encoder, coeffs_argument_checks)
{
    ckks_context *ctx = test_context(), *other = test_context();
    int logn = ckks_context_logn(ctx), top = ckks_context_max_level(ctx);
    double scale = ckks_context_default_scale(ctx);
    double complex z[4] = {1, 2, 3, 4};
    int64_t coef[8] = {0};
    ckks_plaintext *pt = ckks_plaintext_new(ctx), *po = ckks_plaintext_new(other);

    cr_assert_eq(ckks_encode_to_coeffs(NULL, coef, z, 4, 2, scale), CKKS_EINVAL);
    cr_assert_eq(ckks_encode_to_coeffs(ctx, NULL, z, 4, 2, scale), CKKS_EINVAL);
    cr_assert_eq(ckks_encode_to_coeffs(ctx, coef, NULL, 4, 2, scale), CKKS_EINVAL);
    cr_assert_eq(ckks_encode_to_coeffs(ctx, coef, z, 4, 2, 0), CKKS_EINVAL);
    cr_assert_eq(ckks_encode_to_coeffs(ctx, coef, z, 4, 2, INFINITY), CKKS_EINVAL);
    cr_assert_eq(ckks_encode_to_coeffs(ctx, coef, z, 4, 1, scale), CKKS_ESLOTS);
    cr_assert_eq(ckks_encode_to_coeffs(ctx, coef, z, 1, logn, scale), CKKS_ESLOTS);
    /* no values: the zero plaintext */
    cr_assert_eq(ckks_encode_to_coeffs(ctx, coef, NULL, 0, 2, scale), 0);
    for (int k = 0; k < 8; k++) cr_assert_eq(coef[k], 0);

    cr_assert_eq(ckks_plaintext_from_coeffs(NULL, pt, coef, 2, 0, scale, 0), CKKS_EINVAL);
    cr_assert_eq(ckks_plaintext_from_coeffs(ctx, NULL, coef, 2, 0, scale, 0), CKKS_EINVAL);
    cr_assert_eq(ckks_plaintext_from_coeffs(ctx, pt, NULL, 2, 0, scale, 0), CKKS_EINVAL);
    cr_assert_eq(ckks_plaintext_from_coeffs(ctx, pt, coef, 2, 0, -scale, 0), CKKS_EINVAL);
    cr_assert_eq(ckks_plaintext_from_coeffs(ctx, pt, coef, -1, 0, scale, 0), CKKS_ESLOTS);
    cr_assert_eq(ckks_plaintext_from_coeffs(ctx, pt, coef, logn, 0, scale, 0), CKKS_ESLOTS);
    cr_assert_eq(ckks_plaintext_from_coeffs(ctx, pt, coef, 2, -1, scale, 0), CKKS_ELEVEL);
    cr_assert_eq(ckks_plaintext_from_coeffs(ctx, pt, coef, 2, top + 1, scale, 0), CKKS_ELEVEL);
    cr_assert_eq(ckks_plaintext_from_coeffs(ctx, po, coef, 2, 0, scale, 0), CKKS_ECONTEXT);
    cr_assert_eq(ckks_plaintext_from_coeffs(ctx, pt, coef, 2, top, scale, 1), 0);
    cr_assert_eq(ckks_decode(ctx, pt, z, 4), 0);
    for (int j = 0; j < 4; j++) cr_assert_eq(z[j], 0);

    ckks_plaintext_free(pt);
    ckks_plaintext_free(po);
    ckks_context_free(ctx);
    ckks_context_free(other);
}

/* pt := c0 + c1 X^(N/2), whose single slot is (c0 + i c1) / scale. */
static void set_one_slot(const ckks_context *ctx, ckks_plaintext *pt, const mpz_t c0,
                         const mpz_t c1)
{
    cr_assert_eq(ckks_plaintext_reserve(pt, pt->level, 0, false), 0);
    for (int i = 0; i <= pt->level; i++) {
        uint64_t *limb = pt->c + (size_t)i * ctx->n;
        memset(limb, 0, ctx->n * sizeof *limb);
        limb[0] = mpz_fdiv_ui(c0, ctx->mod[i].q);
        limb[ctx->n / 2] = mpz_fdiv_ui(c1, ctx->mod[i].q);
        ckks_ntt_forward(&ctx->ntt[i], limb);
    }
}

/* Composed coefficients beyond 2^53 (two limbs and more) convert to the
 * nearest double, ties to even: 2^e + 2^(e-53) is a tie, one more is not. */
Test(encoder, decode_rounding)
{
    ckks_context *ctx = test_context();
    ckks_plaintext *pt = ckks_plaintext_new(ctx);
    cr_assert_eq(ckks_encode(ctx, pt, NULL, 0, 0, ckks_context_max_level(ctx), 1.0), 0);
    const int exps[] = {60, 100, 130, 300};
    mpz_t c0, c1;
    mpz_inits(c0, c1, NULL);
    for (size_t a = 0; a < sizeof exps / sizeof exps[0]; a++) {
        int e = exps[a];
        mpz_set_ui(c0, 0);
        mpz_setbit(c0, e);
        mpz_setbit(c0, e - 53);                  /* c0 = 2^e + 2^(e-53) */
        mpz_neg(c1, c0);
        mpz_sub_ui(c1, c1, 1);                   /* c1 = -(c0 + 1) */
        set_one_slot(ctx, pt, c0, c1);
        double complex w;
        cr_assert_eq(ckks_decode(ctx, pt, &w, 1), 0);
        cr_assert_eq(creal(w), ldexp(1, e), "2^%d: %a", e, creal(w));
        cr_assert_eq(cimag(w), -ldexp(1, e) - ldexp(1, e - 52), "2^%d: %a", e, cimag(w));
    }
    mpz_clears(c0, c1, NULL);
    ckks_plaintext_free(pt);
    ckks_context_free(ctx);
}

/* With one slot the only coefficients are round(Re z scale) and
 * round(Im z scale), so the overflow threshold is exact to test. */
Test(encoder, overflow)
{
    ckks_context *ctx = test_context();
    double scale = ckks_context_default_scale(ctx);
    double logq0 = log2((double)ckks_context_prime(ctx, 0));
    ckks_plaintext *pt = ckks_plaintext_new(ctx);
    double complex fits = ldexp(1, (int)floor(logq0) - 3) / scale, w;
    cr_assert_eq(ckks_encode(ctx, pt, &fits, 1, 0, 0, scale), 0);
    cr_assert_eq(ckks_decode(ctx, pt, &w, 1), 0);
    cr_assert_eq(w, fits);

    /* 2 |c| would reach q_0 (the encoder also keeps one bit of margin) */
    double complex huge = ldexp(1, (int)ceil(logq0) - 1) / scale;
    cr_assert_eq(ckks_encode(ctx, pt, &huge, 1, 0, 0, scale), CKKS_EOVERFLOW);
    double complex ihuge = I * creal(huge);
    cr_assert_eq(ckks_encode(ctx, pt, &ihuge, 1, 0, 0, scale), CKKS_EOVERFLOW);
    /* a failed encoding leaves the plaintext alone */
    cr_assert_eq(ckks_decode(ctx, pt, &w, 1), 0);
    cr_assert_eq(w, fits);
    /* the same value fits two primes */
    cr_assert_eq(ckks_encode(ctx, pt, &huge, 1, 0, 1, scale), 0);
    cr_assert_eq(ckks_decode(ctx, pt, &w, 1), 0);
    cr_assert_eq(w, huge);

    const double bad[] = {1e300, INFINITY, -INFINITY, NAN};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        double x[4] = {0.5, 0.25, bad[i], 0};
        cr_assert_eq(ckks_encode_real(ctx, pt, x, 4, 2, ckks_context_max_level(ctx), scale),
                     CKKS_EOVERFLOW, "value %g", bad[i]);
    }
    ckks_plaintext_free(pt);
    ckks_context_free(ctx);
}

Test(encoder, argument_checks)
{
    ckks_context *ctx = test_context(), *other = test_context();
    int logn = ckks_context_logn(ctx), top = ckks_context_max_level(ctx);
    double scale = ckks_context_default_scale(ctx);
    double complex z[4] = {1, 2, 3, 4};
    double x[4] = {1, 2, 3, 4};
    ckks_plaintext *pt = ckks_plaintext_new(ctx), *po = ckks_plaintext_new(other);

    cr_assert_eq(ckks_encode(ctx, pt, z, 4, 1, 0, scale), CKKS_ESLOTS);
    cr_assert_eq(ckks_encode(ctx, pt, z, 1, -1, 0, scale), CKKS_ESLOTS);
    cr_assert_eq(ckks_encode(ctx, pt, z, 1, logn, 0, scale), CKKS_ESLOTS);
    cr_assert_eq(ckks_encode(ctx, pt, z, 4, 2, -1, scale), CKKS_ELEVEL);
    cr_assert_eq(ckks_encode(ctx, pt, z, 4, 2, top + 1, scale), CKKS_ELEVEL);
    cr_assert_eq(ckks_encode(ctx, pt, z, 4, 2, 0, 0), CKKS_EINVAL);
    cr_assert_eq(ckks_encode(ctx, pt, z, 4, 2, 0, -scale), CKKS_EINVAL);
    cr_assert_eq(ckks_encode(ctx, pt, z, 4, 2, 0, NAN), CKKS_EINVAL);
    cr_assert_eq(ckks_encode(ctx, pt, z, 4, 2, 0, INFINITY), CKKS_EINVAL);
    cr_assert_eq(ckks_encode(ctx, pt, NULL, 4, 2, 0, scale), CKKS_EINVAL);
    cr_assert_eq(ckks_encode(NULL, pt, z, 4, 2, 0, scale), CKKS_EINVAL);
    cr_assert_eq(ckks_encode(ctx, NULL, z, 4, 2, 0, scale), CKKS_EINVAL);
    cr_assert_eq(ckks_encode(ctx, po, z, 4, 2, 0, scale), CKKS_ECONTEXT);
    cr_assert_eq(ckks_encode_real(ctx, pt, x, 4, 1, 0, scale), CKKS_ESLOTS);
    cr_assert_eq(ckks_encode_real(ctx, pt, x, 4, 2, top + 1, scale), CKKS_ELEVEL);
    cr_assert_eq(ckks_encode_real(ctx, pt, NULL, 4, 2, 0, scale), CKKS_EINVAL);

    /* nothing encoded yet */
    cr_assert_eq(ckks_decode(ctx, pt, z, 1), CKKS_EINVAL);
    /* no values at all: the zero plaintext */
    cr_assert_eq(ckks_encode(ctx, pt, NULL, 0, 2, 0, scale), 0);
    cr_assert_eq(ckks_decode(ctx, pt, z, 4), 0);
    for (int j = 0; j < 4; j++) cr_assert_eq(z[j], 0);
    cr_assert_eq(ckks_decode(ctx, pt, z, 5), CKKS_ESLOTS);
    cr_assert_eq(ckks_decode_real(ctx, pt, x, 5), CKKS_ESLOTS);
    cr_assert_eq(ckks_decode(ctx, pt, NULL, 4), CKKS_EINVAL);
    cr_assert_eq(ckks_decode(other, pt, z, 4), CKKS_ECONTEXT);
    cr_assert_eq(ckks_decode(NULL, pt, z, 4), CKKS_EINVAL);
    cr_assert_eq(ckks_decode(ctx, NULL, z, 4), CKKS_EINVAL);

    ckks_plaintext_free(pt);
    ckks_plaintext_free(po);
    ckks_context_free(ctx);
    ckks_context_free(other);
}

/* The CRT runs in parallel; the result must not depend on the threads. */
Test(encoder, thread_independent)
{
    ckks_context *ctx = test_context();
    int log_slots = ckks_context_max_log_slots(ctx), top = ckks_context_max_level(ctx);
    size_t n = (size_t)1 << log_slots;
    double complex *z = random_complex(n, 3.0, 77);
    double complex *w1 = malloc(n * sizeof *w1), *w2 = malloc(n * sizeof *w2);
    ckks_plaintext *pt = ckks_plaintext_new(ctx);
    cr_assert_eq(ckks_encode(ctx, pt, z, n, log_slots, top, 0x1p45), 0);
    int saved = omp_get_max_threads();
    omp_set_num_threads(1);
    cr_assert_eq(ckks_decode(ctx, pt, w1, n), 0);
    omp_set_num_threads(3);
    cr_assert_eq(ckks_decode(ctx, pt, w2, n), 0);
    omp_set_num_threads(saved);
    cr_assert_eq(memcmp(w1, w2, n * sizeof *w1), 0);
    free(z);
    free(w1);
    free(w2);
    ckks_plaintext_free(pt);
    ckks_context_free(ctx);
}
