/* test_bootstrap.c - each stage against its plaintext counterpart, whole
 * bootstrappings of random inputs, keys, and error reporting (N = 2^12). */
#include "common.h"

#include "bootstrap/internal.h"
#include "ckks/internal.h"

#include <omp.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define SET "BOOT-TEST-N12"

static int bitrev(int i, int log_n)
{
    int r = 0;
    for (int b = 0; b < log_n; b++) r |= ((i >> b) & 1) << (log_n - 1 - b);
    return r;
}

/* The encoder's definition, with w = exp(2 pi i / 4n): slot j of the
 * coefficients u is sum_k u_k xi_j^k, xi_j = w^(5^j mod 4n). Here u is
 * given bit-reversed (v = bitrev(u)), as SlotsToCoeffs takes it. */
static void dft_direct(int log_n, const double complex *in, double complex *out, bool inverse)
{
    int n = 1 << log_n;
    uint64_t order = 4 * (uint64_t)n;
    double complex *w = malloc(order * sizeof *w);
    uint64_t *e = malloc((size_t)n * sizeof *e);
    cr_assert(w && e);
    for (uint64_t t = 0; t < order; t++) {
        long double a = 2 * 3.141592653589793238462643383279502884L * t / order;
        w[t] = CMPLX((double)cosl(a), (double)sinl(a));
    }
    for (int j = 0; j < n; j++) e[j] = j ? e[j - 1] * 5 % order : 1;
    for (int a = 0; a < n; a++) {
        double complex s = 0;
        for (int b = 0; b < n; b++) {
            /* forward: a = j, b = k; inverse: u_k = (1/n) sum_j z_j conj(xi_j)^k, a = k, b = j */
            int j = inverse ? b : a, k = inverse ? a : b;
            double complex x = w[e[j] * (uint64_t)k % order];
            s += inverse ? in[b] * conj(x) : in[bitrev(k, log_n)] * x;
        }
        if (inverse) out[bitrev(a, log_n)] = s / n;
        else out[a] = s;
    }
    free(w);
    free(e);
}

static void decode_direct(int log_n, const double complex *v, double complex *z)
{
    dft_direct(log_n, v, z, false);
}

static void encode_direct(int log_n, const double complex *z, double complex *v)
{
    dft_direct(log_n, z, v, true);
}

Test(bootstrap, dft_factors_match_definition)
{
    for (int log_n = 1; log_n <= 6; log_n++)
        for (int levels = 1; levels <= log_n; levels++)
            for (int inverse = 0; inverse < 2; inverse++) {
                int n = 1 << log_n;
                boot_matrix *m[8];
                OK(boot_dft_factors(log_n, levels, inverse, m));
                double complex *x = random_slots(n, 0, (uint64_t)(n + levels));
                double complex *y = malloc((size_t)n * sizeof *y), *want = malloc((size_t)n * sizeof *want);
                for (int g = 0; g < levels; g++) {
                    /* r consecutive butterfly stages: at most 2^(r+1) - 1 diagonals */
                    int r = log_n / levels + (g < log_n % levels);
                    cr_assert_leq(m[g]->ndiag, (2 << r) - 1);
                    boot_matrix_apply(m[g], x, y);
                    memcpy(x, y, (size_t)n * sizeof *x);
                    boot_matrix_free(m[g]);
                }
                double complex *x0 = random_slots(n, 0, (uint64_t)(n + levels));
                if (inverse) encode_direct(log_n, x0, want);
                else decode_direct(log_n, x0, want);
                cr_assert_geq(precision(want, x, n, 0), 45, "log_n %d levels %d inverse %d", log_n,
                              levels, inverse);
                free(x);
                free(x0);
                free(y);
                free(want);
            }
    boot_matrix *m[2];
    cr_assert_eq(boot_dft_factors(3, 4, false, m), CKKS_EINVAL);
}

/* CoeffsToSlots (ModRaise included) against gain F^-1 of what ModRaise
 * alone gives; `edit` picks the configuration. */
static void check_coeffs_to_slots(void (*edit)(boot_config *), bool raised)
{
    boot_fixture f;
    boot_fixture_init(&f, SET, edit);
    cr_assert_eq(f.bc->c2s.raised, raised);
    double complex *w = random_slots(f.n, 0, 11), *want = malloc((size_t)f.n * sizeof *want);
    ckks_ciphertext *in = encrypt_slots(&f, w, 0, f.scale), *ct = ckks_ciphertext_new(f.ctx);
    OK(boot_mod_raise(f.bc, ct, in, f.keys));
    /* the raised slots; when CoeffsToSlots takes the trace (after its
     * first factor), read with N / 2 slots and folded to n */
    int half = 1 << ckks_context_max_log_slots(f.ctx);
    double complex *all = malloc((size_t)half * sizeof *all), *u = calloc((size_t)f.n, sizeof *u);
    ckks_plaintext *pt = ckks_plaintext_new(f.ctx);
    if (raised) OK(ckks_ciphertext_set_log_slots(ct, ckks_context_max_log_slots(f.ctx)));
    OK(ckks_decrypt(f.ctx, pt, ct, f.sk));
    OK(ckks_decode(f.ctx, pt, all, (size_t)(raised ? half : f.n)));
    for (int i = 0; i < (raised ? half : f.n); i++) u[i % f.n] += all[i];
    ckks_plaintext_free(pt);
    free(all);
    OK(boot_coeffs_to_slots(f.bc, ct, in, f.keys));
    cr_assert_eq(ckks_ciphertext_level(ct), f.bc->top - f.cfg.c2s_levels);
    cr_assert_eq(ckks_ciphertext_scale(ct), boot_c2s_scale(f.bc));
    double complex *got = decrypt_slots(&f, ct);
    encode_direct(f.cfg.log_slots, u, want);
    double gain = boot_c2s_gain(f.bc), big = 0;
    for (int i = 0; i < f.n; i++) big = fmax(big, cabs(want[i] *= gain));
    /* EvalMod's input is t / (K + 1) with |t| < K + 1: slots below 1 */
    cr_assert_lt(big, 1.0);
    double bits = precision(want, got, f.n, 0);
    cr_log_info("CoeffsToSlots: %.1f bits, largest slot %.3g", bits, big);
    cr_assert_geq(bits, 40);
    ckks_ciphertext_free(in);
    ckks_ciphertext_free(ct);
    free(w);
    free(u);
    free(want);
    free(got);
    boot_fixture_free(&f);
}

static void sparse7(boot_config *c) { c->log_slots = 7; }
static void real_sparse(boot_config *c) { c->real = 1, c->log_slots = 7; }

Test(bootstrap, coeffs_to_slots_stage) { check_coeffs_to_slots(NULL, true); }
Test(bootstrap, coeffs_to_slots_stage_sparse) { check_coeffs_to_slots(sparse7, true); }
Test(bootstrap, coeffs_to_slots_stage_real) { check_coeffs_to_slots(real_sparse, false); }

Test(bootstrap, slots_to_coeffs_stage)
{
    boot_fixture f;
    boot_fixture_init(&f, SET, NULL);
    double complex *v = random_slots(f.n, 0, 12), *want = malloc((size_t)f.n * sizeof *want);
    ckks_ciphertext *ct = encrypt_slots(&f, v, f.bc->evalmod_out, f.scale);
    OK(boot_slots_to_coeffs(f.bc, ct, ct, f.keys));
    cr_assert_eq(ckks_ciphertext_level(ct), boot_output_level(f.bc));
    double complex *got = decrypt_slots(&f, ct);
    decode_direct(f.cfg.log_slots, v, want);
    /* outputs are about sqrt(n) = 2^5.5 */
    cr_assert_geq(precision(want, got, f.n, 0), 28);
    ckks_ciphertext_free(ct);
    free(v);
    free(want);
    free(got);
    boot_fixture_free(&f);
}

Test(bootstrap, eval_mod_stage)
{
    boot_fixture f;
    boot_fixture_init(&f, SET, NULL);
    const double two_pi = 6.283185307179586;
    int k = boot_k(f.bc);
    double kt = k + 1.0;
    double complex *x = malloc((size_t)f.n * sizeof *x), *want = malloc((size_t)f.n * sizeof *want);
    uint64_t state = 13;
    for (int i = 0; i < f.n; i++) {
        /* t = I + eps, |I| <= K, |eps| <= 2^-8 */
        double t = round(test_uniform(&state) * k) + ldexp(test_uniform(&state), -8);
        x[i] = t / kt;
        want[i] = sin(two_pi * t) / two_pi;
    }
    ckks_ciphertext *ct = encrypt_slots(&f, x, f.bc->c2s_out, boot_c2s_scale(f.bc));
    double out_scale = 0x1p55;
    OK(boot_eval_mod(f.bc, ct, ct, out_scale, f.keys));
    cr_assert_eq(ckks_ciphertext_level(ct), f.bc->c2s_out - boot_eval_mod_depth(f.bc));
    cr_assert_eq(ckks_ciphertext_scale(ct), out_scale);
    double complex *got = decrypt_slots(&f, ct);
    /* the series' error is 2^-50; noise is amplified by kt and the double angles */
    cr_assert_geq(precision(want, got, f.n, 0), 33);
    ckks_ciphertext_free(ct);
    free(x);
    free(want);
    free(got);
    boot_fixture_free(&f);
}

/* ModRaise with encapsulation keeps the message modulo q0; in a real
 * configuration with CoeffsToSlots first it also takes the trace (which
 * multiplies by N / 2n) and twice the real part. */
static void check_mod_raise(void (*edit)(boot_config *))
{
    boot_fixture f;
    boot_fixture_init(&f, SET, edit);
    bool real = f.cfg.real && !f.cfg.s2c_first;
    cr_assert_eq(f.bc->c2s.raised, !real);
    double complex *z = random_slots(f.n, 0, 14);
    ckks_ciphertext *ct = encrypt_slots(&f, z, 0, f.scale);
    OK(boot_mod_raise(f.bc, ct, ct, f.keys));
    cr_assert_eq(ckks_ciphertext_level(ct), ckks_context_max_level(f.ctx));
    cr_assert_eq(ckks_ciphertext_log_slots(ct), f.cfg.log_slots);
    /* the dense -> sparse key exists under q0 P only */
    cr_assert_eq(ckks_key_switch(f.ctx, ct, ct, f.keys->to_sparse), CKKS_ELEVEL);
    OK(ckks_set_level(f.ctx, ct, 0));
    OK(ckks_ciphertext_set_scale(ct, f.scale * (real ? 2 * f.bc->gap : 1)));
    double complex *got = decrypt_slots(&f, ct);
    if (real)
        for (int i = 0; i < f.n; i++) z[i] = creal(z[i]);
    cr_assert_geq(precision(z, got, f.n, 0), 30);
    ckks_ciphertext_free(ct);
    free(z);
    free(got);
    boot_fixture_free(&f);
}

/* with the trace: 8 rotations, by n 2^i on N / 2 slots */
static void real_sparse3(boot_config *c) { c->real = 1, c->log_slots = 3; }
Test(bootstrap, mod_raise_keeps_message_mod_q0) { check_mod_raise(sparse7); }
Test(bootstrap, mod_raise_trace_real_part) { check_mod_raise(real_sparse3); }

/* Bootstrap random slots under the edited default configuration of a
 * set; assert the mean and maximum precision in bits. */
static void check_bootstrap_on(const char *set, void (*edit)(boot_config *), double mean_bits,
                               double max_bits)
{
    boot_fixture f;
    boot_fixture_init(&f, set, edit);
    double complex *z = random_slots(f.n, f.cfg.real, 15);
    ckks_ciphertext *ct = encrypt_slots(&f, z, boot_input_level(f.bc), f.scale);
    ckks_ciphertext *out = ckks_ciphertext_new(f.ctx);
    OK(boot_bootstrap(f.bc, out, ct, f.keys));
    cr_assert_eq(ckks_ciphertext_level(out), boot_output_level(f.bc));
    cr_assert_eq(ckks_ciphertext_scale(out), f.scale);
    double complex *got = decrypt_slots(&f, out);
    double mean = precision(z, got, f.n, 1), max = precision(z, got, f.n, 0);
    cr_log_info("%s log_slots %d real %d s2c_first %d iterations %d: %.2f bits mean, %.2f max",
                set, f.cfg.log_slots, f.cfg.real, f.cfg.s2c_first, f.cfg.iterations, mean, max);
    cr_assert_geq(mean, mean_bits);
    cr_assert_geq(max, max_bits);
    ckks_ciphertext_free(ct);
    ckks_ciphertext_free(out);
    free(z);
    free(got);
    boot_fixture_free(&f);
}

static void check_bootstrap(void (*edit)(boot_config *), double mean_bits, double max_bits)
{
    check_bootstrap_on(SET, edit, mean_bits, max_bits);
}

Test(bootstrap, full_slots) { check_bootstrap(NULL, 25, 23); }
Test(bootstrap, sparse_slots) { check_bootstrap(sparse7, 24, 22); }

static void real_full(boot_config *c) { c->real = 1; }
Test(bootstrap, real_full_slots) { check_bootstrap(real_full, 25, 23); }

Test(bootstrap, real_sparse_slots) { check_bootstrap(real_sparse, 24, 22); }

static void s2c_first(boot_config *c) { c->s2c_first = 1; }
Test(bootstrap, slots_to_coeffs_first) { check_bootstrap(s2c_first, 25, 22); }

static void s2c_first_real_sparse(boot_config *c) { c->s2c_first = 1, c->real = 1, c->log_slots = 8; }
Test(bootstrap, slots_to_coeffs_first_real_sparse) { check_bootstrap(s2c_first_real_sparse, 24, 22); }

/* One EvalMod for real and imaginary parts, then the merge level; the
 * configurations it does not serve drop that level. */
#define MERGED "BOOT-TEST-N12-SPARSE"
static void merged_sparse(boot_config *c) { c->log_slots = 7; }
Test(bootstrap, merged_sparse_slots) { check_bootstrap_on(MERGED, merged_sparse, 24, 22); }
static void merged_real(boot_config *c) { c->log_slots = 7, c->real = 1; }
Test(bootstrap, merge_level_dropped_when_real) { check_bootstrap_on(MERGED, merged_real, 24, 22); }
Test(bootstrap, merge_level_dropped_at_full_slots) { check_bootstrap_on(MERGED, NULL, 24, 22); }

/* The precision tests pass with either path: which one runs, and the
 * level it costs, are asserted here. */
Test(bootstrap, merge_takes_one_level_for_complex_sparse_slots_only)
{
    ckks_params p;
    boot_config cfg;
    ckks_context *ctx;
    OK(boot_params_named(MERGED, &p, &cfg));
    OK(ckks_context_new(&ctx, &p, CKKS_ALLOW_INSECURE));
    const struct { int log_slots, real, merged; } cases[] = {{7, 0, 1}, {7, 1, 0}, {11, 0, 0}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        boot_config c = cfg;
        c.log_slots = cases[i].log_slots, c.real = cases[i].real;
        boot_context *bc;
        OK(boot_context_new(&bc, ctx, &c));
        cr_assert_eq(bc->merged, cases[i].merged, "case %zu", i);
        cr_assert_eq(boot_output_level(bc), bc->evalmod_out - 1, "case %zu", i);
        boot_context_free(bc);
    }
    cfg.s2c_first = 0;
    boot_context *bc = NULL;
    cr_assert_eq(boot_context_new(&bc, ctx, &cfg), CKKS_EINVAL);
    ckks_context_free(ctx);
}

/* The same input gives the same bytes with 1 and 2 threads (sparse slots
 * and SlotsToCoeffs first: compact diagonals, the trace, both orders). */
Test(bootstrap, one_and_two_threads_give_the_same_bytes)
{
    boot_fixture f;
    boot_fixture_init(&f, SET, s2c_first_real_sparse);
    double complex *z = random_slots(f.n, f.cfg.real, 16);
    ckks_plaintext *pt = ckks_plaintext_new(f.ctx);
    ckks_ciphertext *ct = ckks_ciphertext_new(f.ctx), *out[2];
    const uint8_t seed[CKKS_SEED_BYTES] = {7};
    OK(ckks_encode(f.ctx, pt, z, (size_t)f.n, f.cfg.log_slots, boot_input_level(f.bc), f.scale));
    OK(ckks_encrypt_sk(f.ctx, ct, pt, f.sk, seed));
    int before = omp_get_max_threads();
    for (int t = 0; t < 2; t++) {
        omp_set_num_threads(t + 1);
        out[t] = ckks_ciphertext_new(f.ctx);
        OK(boot_bootstrap(f.bc, out[t], ct, f.keys));
    }
    omp_set_num_threads(before);
    size_t bytes = (size_t)(boot_output_level(f.bc) + 1) * f.ctx->n * sizeof(uint64_t);
    cr_assert_eq(memcmp(out[0]->c[0], out[1]->c[0], bytes), 0);
    cr_assert_eq(memcmp(out[0]->c[1], out[1]->c[1], bytes), 0);
    for (int t = 0; t < 2; t++) ckks_ciphertext_free(out[t]);
    ckks_ciphertext_free(ct);
    ckks_plaintext_free(pt);
    free(z);
    boot_fixture_free(&f);
}

static void iterated(boot_config *c) { c->iterations = 2; }
Test(bootstrap, iterated_gains_precision) { check_bootstrap(iterated, 32, 30); }

Test(bootstrap, twice_then_two_multiplications)
{
    boot_fixture f;
    boot_fixture_init(&f, SET, real_full);
    double complex *z = random_slots(f.n, 1, 16);
    ckks_ciphertext *ct = encrypt_slots(&f, z, 0, f.scale);
    OK(boot_bootstrap(f.bc, ct, ct, f.keys));
    OK(ckks_set_level(f.ctx, ct, 0));
    OK(boot_bootstrap(f.bc, ct, ct, f.keys));
    /* the promised levels: two products, each rescaled */
    int left = boot_output_level(f.bc);
    cr_assert_eq(left, 2);
    for (int i = 0; i < left; i++) {
        OK(ckks_mul_relin(f.ctx, ct, ct, ct, boot_keys_relin(f.keys)));
        OK(ckks_rescale(f.ctx, ct, ct));
    }
    double complex *got = decrypt_slots(&f, ct);
    for (int i = 0; i < f.n; i++) z[i] = cpow(z[i], 4);
    cr_assert_geq(precision(z, got, f.n, 1), 22);
    ckks_ciphertext_free(ct);
    free(z);
    free(got);
    boot_fixture_free(&f);
}

Test(bootstrap, clear_errors)
{
    boot_fixture f;
    boot_fixture_init(&f, SET, NULL);
    double complex *z = random_slots(f.n, 0, 17);
    ckks_ciphertext *ct = encrypt_slots(&f, z, 1, f.scale), *out = ckks_ciphertext_new(f.ctx);
    cr_assert_eq(boot_bootstrap(f.bc, out, ct, f.keys), CKKS_ELEVEL);
    OK(ckks_set_level(f.ctx, ct, 0));
    OK(ckks_mul(f.ctx, out, ct, ct));
    cr_assert_eq(boot_bootstrap(f.bc, out, out, f.keys), CKKS_ESIZE);

    /* keys of another configuration (sparse slots) */
    boot_fixture g;
    boot_fixture_init(&g, SET, sparse7);
    cr_assert_eq(boot_bootstrap(f.bc, out, ct, g.keys), CKKS_EKEY);
    ckks_ciphertext *sparse = encrypt_slots(&g, z, 0, g.scale);
    cr_assert_eq(boot_bootstrap(f.bc, out, sparse, f.keys), CKKS_ESLOTS);
    ckks_ciphertext_free(sparse);
    boot_fixture_free(&g);

    /* keys of another parameter set */
    boot_fixture h;
    boot_fixture_init(&h, "BOOT-TEST-N13", NULL);
    cr_assert_eq(boot_bootstrap(f.bc, out, ct, h.keys), CKKS_ECONTEXT);
    boot_fixture_free(&h);

    /* raised keys without the switch back from the ephemeral secret: the
     * unrotated term would silently stay under it */
    ckks_galois_keys *full = f.keys->raise, *no_switch;
    OK(ckks_raised_keys_new(f.ctx, &no_switch, f.sk, f.sk, f.bc->raise_steps + 1,
                            (size_t)f.bc->nraise - 1, f.bc->top));
    f.keys->raise = no_switch;
    cr_assert_eq(boot_bootstrap(f.bc, out, ct, f.keys), CKKS_EKEY);
    f.keys->raise = full;
    ckks_galois_keys_free(no_switch);

    /* a chain too short for the configuration */
    boot_config c = f.cfg;
    c.c2s_levels = 11;
    boot_context *bc;
    cr_assert_eq(boot_context_new(&bc, f.ctx, &c), CKKS_ELEVEL);
    /* one CoeffsToSlots level: its other (58-bit) prime falls under EvalMod's 60-bit ones */
    c.c2s_levels = 1;
    cr_assert_eq(boot_context_new(&bc, f.ctx, &c), BOOT_ECHAIN);
    cr_assert_str_eq(boot_strerror(BOOT_ECHAIN), "EvalMod's primes are not all of one size");
    /* a memory budget is a size or BOOT_PRECOMPUTE_AUTO */
    c = f.cfg;
    c.precompute_mb = BOOT_PRECOMPUTE_AUTO - 1;
    cr_assert_eq(boot_context_new(&bc, f.ctx, &c), CKKS_EINVAL);
    ckks_ciphertext_free(ct);
    ckks_ciphertext_free(out);
    free(z);
    boot_fixture_free(&f);
}

/* Remove a key directory of the test set's default configuration. */
static void remove_key_dir(const char *dir)
{
    const char *names[] = {"manifest",  "relin.key",     "misc.key",     "c2s_0.key", "c2s_1.key",
                           "s2c_0.key", "s2c_1.key",     "to_sparse.key", "raise.key"};
    char path[256];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
}

Test(bootstrap, keys_save_load)
{
    boot_fixture f;
    boot_fixture_init(&f, SET, sparse7);
    /* exactly the computed rotations of each factor, the trace's and conjugation */
    int nsteps = boot_rotation_steps(f.bc, NULL, 0);
    cr_assert_gt(nsteps, 0);
    size_t count = 0, want = 0;
    for (int g = 0; g < f.cfg.c2s_levels; g++) {
        count += ckks_galois_keys_count(f.keys->c2s_gk[g]);
        want += (size_t)f.bc->c2s.nsteps[g];
    }
    for (int g = 0; g < f.cfg.s2c_levels; g++) {
        count += ckks_galois_keys_count(f.keys->s2c_gk[g]);
        want += (size_t)f.bc->s2c.nsteps[g];
    }
    cr_assert_eq(count, want);
    /* every step has a general key or a one-digit one (raise_steps[0] = 0) */
    cr_assert_geq(count + (size_t)f.bc->nraise - 1, (size_t)nsteps);
    int trace[BOOT_TRACE_STEPS];
    cr_assert_eq(ckks_galois_keys_count(f.keys->misc), (size_t)boot_trace_steps(f.bc, trace) + 1);
    /* the trace of 16 images (2^7 of 2^11 slots) in a stage of 8 and one of 2 */
    cr_assert_eq(boot_trace_steps(f.bc, trace), 8);
    for (int j = 0; j < 8; j++) cr_assert_eq(trace[j], f.n * (j + 1));
    /* CoeffsToSlots' factor 0 on the raised ciphertext: one-digit keys for
     * its diagonals and the switch back from the ephemeral secret, none of
     * the general ones */
    cr_assert(f.bc->c2s.raised);
    cr_assert_eq(ckks_galois_keys_count(f.keys->c2s_gk[0]), 0);
    cr_assert_eq(ckks_galois_keys_count(f.keys->raise), (size_t)f.bc->c2s.m[0]->ndiag);
    cr_assert_lt(ckks_galois_keys_bytes(f.keys->raise) / f.bc->c2s.m[0]->ndiag,
                 ckks_galois_keys_bytes(f.keys->c2s_gk[1]) / f.bc->c2s.nsteps[1] / 2);
    /* SlotsToCoeffs keys serve only its levels, below CoeffsToSlots' */
    cr_assert_lt(ckks_galois_keys_bytes(f.keys->s2c_gk[0]) / f.bc->s2c.nsteps[0],
                 ckks_galois_keys_bytes(f.keys->c2s_gk[1]) / f.bc->c2s.nsteps[1]);
    cr_assert_gt(boot_keys_bytes(f.keys), ckks_galois_keys_bytes(f.keys->misc));

    char dir[] = "/tmp/boot_keys_XXXXXX";
    cr_assert(mkdtemp(dir));
    OK(boot_keys_save(f.bc, f.keys, dir));
    boot_keys *loaded;
    OK(boot_keys_load(f.bc, &loaded, dir));
    cr_assert_eq(boot_keys_bytes(loaded), boot_keys_bytes(f.keys));
    double complex *z = random_slots(f.n, 0, 18);
    ckks_ciphertext *ct = encrypt_slots(&f, z, 0, f.scale), *twin = ckks_ciphertext_new(f.ctx);
    OK(ckks_ciphertext_copy(twin, ct));
    OK(boot_bootstrap(f.bc, ct, ct, loaded));
    double complex *got = decrypt_slots(&f, ct);
    double bits = precision(z, got, f.n, 1);
    cr_log_info("loaded keys: %.2f bits mean", bits);
    cr_assert_geq(bits, 22);
    boot_keys_free(loaded);

    /* low memory: no more keys, each compact (the relinearization key
     * whole), saved and loaded compact, and as precise */
    boot_context *lean;
    boot_config lc = f.cfg;
    lc.low_memory = 1;
    OK(boot_context_new(&lean, f.ctx, &lc));
    cr_assert_leq(boot_rotation_steps(lean, NULL, 0), nsteps);
    /* its trace in stages of 2: rotations by n, 2n, 4n, 8n */
    cr_assert_eq(boot_trace_steps(lean, trace), 4);
    for (int j = 0; j < 4; j++) cr_assert_eq(trace[j], f.n << j);
    /* keys made for the other plans are refused */
    cr_assert_eq(boot_keys_check(lean, f.keys), CKKS_EKEY);
    boot_keys *small;
    uint8_t seed[CKKS_SEED_BYTES] = {3, 1, 4};
    OK(boot_keys_new(lean, &small, f.sk, seed));
    size_t rlk = ckks_switch_key_bytes(boot_keys_relin(f.keys));
    cr_assert_leq(2 * boot_keys_bytes(small), boot_keys_bytes(f.keys) + rlk);
    cr_assert_eq(ckks_switch_key_bytes(boot_keys_relin(small)), rlk);
    char lean_dir[] = "/tmp/boot_keys_XXXXXX";
    cr_assert(mkdtemp(lean_dir));
    OK(boot_keys_save(lean, small, lean_dir));
    boot_keys_free(small);
    OK(boot_keys_load(lean, &small, lean_dir));
    cr_assert_leq(2 * boot_keys_bytes(small), boot_keys_bytes(f.keys) + rlk);
    OK(boot_bootstrap(lean, twin, twin, small));
    free(got);
    got = decrypt_slots(&f, twin);
    bits = precision(z, got, f.n, 1);
    cr_log_info("low-memory keys: %.2f bits mean", bits);
    cr_assert_geq(bits, 22);
    boot_keys_free(small);
    boot_context_free(lean);
    ckks_ciphertext_free(twin);
    remove_key_dir(lean_dir);

    /* another configuration, then a corrupted manifest */
    boot_context *full;
    boot_config c = f.cfg;
    c.log_slots = ckks_context_max_log_slots(f.ctx);
    OK(boot_context_new(&full, f.ctx, &c));
    cr_assert_eq(boot_keys_load(full, &loaded, dir), CKKS_EPARAMS);
    boot_context_free(full);
    char path[256];
    snprintf(path, sizeof path, "%s/manifest", dir);
    FILE *fp = fopen(path, "r+b");
    cr_assert(fp);
    fputc('X', fp);
    fclose(fp);
    cr_assert_eq(boot_keys_load(f.bc, &loaded, dir), CKKS_EFORMAT);
    remove_key_dir(dir);
    ckks_ciphertext_free(ct);
    free(z);
    free(got);
    boot_fixture_free(&f);
}
