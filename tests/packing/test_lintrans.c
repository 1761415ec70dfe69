/* test_lintrans.c - diagonal and baby-step giant-step transforms against
 * complex matrix-vector products, with their key-switch counts and the
 * rotation keys of Horner's rule; lazy storage against eager. */
#include "fixture.h"

#include <complex.h>

static fixture f;

static void setup(void) { fixture_init(&f, "TEST-N12"); }
static void teardown(void) { fixture_free(&f); }

TestSuite(packing_lintrans, .init = setup, .fini = teardown);

/* Encrypt x (n complex values) at level with log_slots. */
static ckks_ciphertext *encrypt_complex(const double complex *x, int log_slots, int level)
{
    ckks_plaintext *pt = ckks_plaintext_new(f.ctx);
    ckks_ciphertext *ct = ckks_ciphertext_new(f.ctx);
    OK(ckks_encode(f.ctx, pt, x, (size_t)1 << log_slots, log_slots, level, f.scale));
    OK(ckks_encrypt_sk(f.ctx, ct, pt, f.sk, NULL));
    ckks_plaintext_free(pt);
    return ct;
}

/* -log2 max |dec(ct) - want| over n complex slots. */
static double complex_bits(const ckks_ciphertext *ct, const double complex *want, size_t n)
{
    ckks_plaintext *pt = ckks_plaintext_new(f.ctx);
    double complex *got = malloc(n * sizeof *got);
    OK(ckks_decrypt(f.ctx, pt, ct, f.sk));
    OK(ckks_decode(f.ctx, pt, got, n));
    double m = 0;
    for (size_t i = 0; i < n; i++) m = fmax(m, cabs(got[i] - want[i]));
    free(got);
    ckks_plaintext_free(pt);
    return -log2(m);
}

/*
 * Apply lt to a random complex vector, compare with y = M x (M rows x
 * cols, row-major), check the key switches against the plan and return the
 * precision after rescaling.
 */
static double run(const pack_lintrans *lt, const double complex *m, int rows, int cols,
                  int level, double pt_scale, uint64_t *ks, uint64_t *decomp)
{
    int ls = pack_lintrans_log_slots(lt), n = 1 << ls;
    double complex *x = calloc((size_t)n, sizeof *x), *y = calloc((size_t)n, sizeof *y);
    double *re = malloc((size_t)n * 2 * sizeof *re);
    random_vector(re, (size_t)n * 2, 77);
    for (int i = 0; i < cols; i++) x[i] = re[2 * i] + I * re[2 * i + 1];
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++) y[i] += m[(size_t)i * (size_t)cols + (size_t)j] * x[j];

    pack_keyplan kp;
    pack_keyplan_init(&kp);
    OK(pack_keyplan_add_lintrans(&kp, lt));
    fixture_keys(&f, &kp);
    pack_keyplan_clear(&kp);

    ckks_ciphertext *in = encrypt_complex(x, ls, level), *out = ckks_ciphertext_new(f.ctx);
    counts_take(&f);
    OK(pack_lintrans_apply(f.ctx, out, in, lt, f.gk));
    ckks_op_counts c = counts_take(&f);
    cr_assert_eq(c.key_switches, (uint64_t)pack_lintrans_key_switches(lt));
    cr_assert_eq(ckks_ciphertext_level(out), level);
    cr_assert_float_eq(ckks_ciphertext_scale(out), f.scale * pt_scale, 1e-6 * f.scale * pt_scale);
    *ks = c.key_switches;
    *decomp = c.decompositions;
    OK(ckks_rescale(f.ctx, out, out));
    double bits = complex_bits(out, y, (size_t)n);
    ckks_ciphertext_free(in);
    ckks_ciphertext_free(out);
    free(x);
    free(y);
    free(re);
    return bits;
}

static double complex *random_matrix(int rows, int cols, uint64_t seed)
{
    size_t n = (size_t)rows * (size_t)cols;
    double *re = malloc(2 * n * sizeof *re);
    double complex *m = malloc(n * sizeof *m);
    random_vector(re, 2 * n, seed);
    /* entries of size 1/cols keep y in [-1, 1] + i [-1, 1] */
    for (size_t i = 0; i < n; i++) m[i] = (re[2 * i] + I * re[2 * i + 1]) / cols;
    free(re);
    return m;
}

/* n1 = sqrt(n) costs 2 sqrt(n) - 2 key switches with either hoisting: the
 * doubly hoisted inner sums share each baby step's key switch. Horner's
 * rule rotates by n1 between consecutive giant steps: sqrt(n) keys. */
Test(packing_lintrans, dense_bsgs_costs_two_sqrt_n)
{
    const int ls = 6, n = 64;
    double complex *m = random_matrix(n, n, 5);
    double bits[2];
    for (int h = PACK_LT_SINGLE; h <= PACK_LT_DOUBLE; h++) {
        pack_lintrans *lt;
        pack_lintrans_opts o = {.baby = 8, .hoisting = (pack_lt_hoisting)h};
        OK(pack_lintrans_from_matrix_opts(f.ctx, &lt, ls, m, n, n, f.top, f.scale, &o));
        cr_assert_eq(pack_lintrans_hoisting(lt), (pack_lt_hoisting)h);
        cr_assert_eq(pack_lintrans_key_switches(lt), 7 + 7);
        cr_assert_eq(pack_lintrans_batches(lt), h == PACK_LT_DOUBLE ? 1 : 8);
        cr_assert_eq(pack_lintrans_steps(lt, NULL), 7 + 1);
        uint64_t ks, dec;
        bits[h - PACK_LT_SINGLE] = run(lt, m, n, n, f.top, f.scale, &ks, &dec);
        cr_assert_geq(bits[h - PACK_LT_SINGLE], 25, "%.1f bits", bits[h - PACK_LT_SINGLE]);
        cr_assert_eq(dec, 1 + 7); /* one shared decomposition + the giant steps */
        pack_lintrans_free(lt);
    }
    /* one ModDown per inner sum instead of one per baby rotation */
    cr_assert_geq(bits[1], bits[0] - 1, "%.1f vs %.1f bits", bits[1], bits[0]);
    free(m);
}

/* The automatic plan: double hoisting whenever one batch holds the giant
 * steps (eager or lazy: encoding the P limbs too costs little); when the
 * batches are small, each would redo the baby steps' inner products, and
 * single hoisting wins. */
Test(packing_lintrans, plan_hoisting_follows_batches)
{
    const int ls = 6, n = 64;
    double complex *m = random_matrix(n, n, 12);
    pack_lintrans *eager, *lazy, *tight;
    pack_lintrans_opts o = {.storage = PACK_LT_EAGER};
    OK(pack_lintrans_from_matrix_opts(f.ctx, &eager, ls, m, n, n, f.top, f.scale, &o));
    o.storage = PACK_LT_LAZY;
    OK(pack_lintrans_from_matrix_opts(f.ctx, &lazy, ls, m, n, n, f.top, f.scale, &o));
    o.batch_bytes = 1;
    OK(pack_lintrans_from_matrix_opts(f.ctx, &tight, ls, m, n, n, f.top, f.scale, &o));
    cr_assert_eq(pack_lintrans_hoisting(eager), PACK_LT_DOUBLE);
    cr_assert_eq(pack_lintrans_hoisting(lazy), PACK_LT_DOUBLE);
    cr_assert_eq(pack_lintrans_hoisting(tight), PACK_LT_SINGLE);
    pack_lintrans_free(eager);
    pack_lintrans_free(lazy);
    pack_lintrans_free(tight);
    free(m);
}

Test(packing_lintrans, diagonal_method_hoists_everything)
{
    const int ls = 5, n = 32;
    double complex *m = random_matrix(n, n, 6);
    pack_lintrans *lt;
    OK(pack_lintrans_from_matrix(f.ctx, &lt, ls, m, n, n, f.top, f.scale, n));
    uint64_t ks, dec;
    cr_assert_geq(run(lt, m, n, n, f.top, f.scale, &ks, &dec), 25);
    cr_assert_eq(ks, 31);
    cr_assert_eq(dec, 1);
    pack_lintrans_free(lt);
    free(m);
}

Test(packing_lintrans, rectangular_matrix)
{
    const int ls = 6, rows = 20, cols = 50;
    double complex *m = random_matrix(rows, cols, 7);
    pack_lintrans *lt;
    OK(pack_lintrans_from_matrix(f.ctx, &lt, ls, m, rows, cols, f.top, f.scale, 0));
    uint64_t ks, dec;
    cr_assert_geq(run(lt, m, rows, cols, f.top, f.scale, &ks, &dec), 25);
    pack_lintrans_free(lt);
    free(m);
}

/* The n x n matrix whose diagonals index[0..nd) (diag[i], allocated here)
 * hold random entries of size 1/4, zero elsewhere. */
static double complex *diagonal_matrix(const int *index, size_t nd, int n, uint64_t seed,
                                       double complex **diag)
{
    double complex *m = calloc((size_t)n * n, sizeof *m);
    double *re = malloc(2 * (size_t)n * sizeof *re);
    for (size_t i = 0; i < nd; i++) {
        diag[i] = malloc((size_t)n * sizeof *diag[i]);
        random_vector(re, 2 * (size_t)n, seed + i);
        for (int j = 0; j < n; j++) {
            diag[i][j] = (re[2 * j] + I * re[2 * j + 1]) / 4;
            m[(size_t)j * n + (size_t)(((j + index[i]) % n + n) % n)] = diag[i][j];
        }
    }
    free(re);
    return m;
}

Test(packing_lintrans, sparse_complex_diagonals_at_any_scale_and_level)
{
    /* a band matrix given by diagonals, as CoeffsToSlots factors are */
    const int ls = 7, n = 128;
    const int index[] = {0, 1, -1, 16, -16, 33};
    const size_t nd = sizeof index / sizeof index[0];
    double complex *diag[6], *m = diagonal_matrix(index, nd, n, 100, diag);
    const int level = f.top - 2;
    const double scale = 0x1p45; /* not the default scale */
    pack_lintrans *lt;
    OK(pack_lintrans_new(f.ctx, &lt, ls, index, (const double complex *const *)diag, nd, level,
                         scale, 0));
    /* diagonals 0 1 16 33 127 112: 5 key switches by the diagonal method
     * (the plan's) or with n1 = 16 (babies {1, 15}, giants {1, 2, 7}) */
    cr_assert_eq(pack_lintrans_key_switches(lt), 5);
    uint64_t ks, dec;
    double bits = run(lt, m, n, n, level, scale, &ks, &dec);
    cr_assert_geq(bits, 25, "%.1f bits", bits);
    /* bad input: duplicated diagonal (mod n), wrong slot count */
    const int dup[] = {1, 1 + n};
    cr_assert_eq(pack_lintrans_new(f.ctx, &lt, ls, dup, (const double complex *const *)diag, 2, level,
                                   scale, 0), CKKS_EINVAL);
    ckks_ciphertext *x = encrypt_complex(m, ls - 1, level), *y = ckks_ciphertext_new(f.ctx);
    cr_assert_eq(pack_lintrans_apply(f.ctx, y, x, lt, f.gk), CKKS_ESLOTS);
    ckks_ciphertext_free(x);
    ckks_ciphertext_free(y);
    pack_lintrans_free(lt);
    for (size_t i = 0; i < nd; i++) free(diag[i]);
    free(m);
}

/*
 * Horner's rule with exactly pack_lintrans_steps' keys (a missing one
 * would cost a composition, caught by run's key-switch count): the baby
 * steps and the differences of consecutive giant steps. A band -7..7 with
 * n1 = 4 has giants {0, 1, 30, 31} (Horner steps 4 and 29 * 4); diagonals
 * 8..15 have giants {2, 3}, whose sum takes a final rotation by 8. Both
 * hoistings, eager and lazy, one batch or one per giant step.
 */
Test(packing_lintrans, horner_needs_only_giant_differences)
{
    const int ls = 7, n = 128;
    int band[15], high[8];
    for (int i = 0; i < 15; i++) band[i] = i - 7;
    for (int i = 0; i < 8; i++) high[i] = 8 + i;
    const struct {
        const int *index;
        size_t nd;
        int giants, nonzero, steps[5]; /* giant steps present, nonzero ones */
    } cases[] = {{band, 15, 4, 3, {1, 2, 3, 4, 116}}, {high, 8, 2, 2, {1, 2, 3, 4, 8}}};
    const pack_lintrans_opts plans[] = {
        {.baby = 4, .hoisting = PACK_LT_SINGLE, .storage = PACK_LT_EAGER},
        {.baby = 4, .hoisting = PACK_LT_DOUBLE, .storage = PACK_LT_LAZY},
        {.baby = 4, .hoisting = PACK_LT_DOUBLE, .storage = PACK_LT_EAGER, .batch_bytes = 1},
    };
    for (size_t c = 0; c < 2; c++) {
        double complex *diag[15];
        double complex *m = diagonal_matrix(cases[c].index, cases[c].nd, n, 300, diag);
        int nb, ng, steps[8];
        cr_assert_eq(pack_bsgs_steps(ls, cases[c].index, cases[c].nd, 4, &nb, &ng, steps), 5);
        cr_assert_arr_eq(steps, cases[c].steps, sizeof cases[c].steps);
        cr_assert(nb == 3 && ng == cases[c].nonzero, "nb %d, ng %d", nb, ng);
        for (size_t p = 0; p < sizeof plans / sizeof plans[0]; p++) {
            pack_lintrans *lt;
            OK(pack_lintrans_new_opts(f.ctx, &lt, ls, cases[c].index,
                                      (const double complex *const *)diag, cases[c].nd, f.top,
                                      f.scale, &plans[p]));
            cr_assert_eq(pack_lintrans_steps(lt, steps), 5);
            cr_assert_arr_eq(steps, cases[c].steps, sizeof cases[c].steps);
            /* key switches as before Horner: one rotation per nonzero giant,
             * the baby steps' once per batch with double hoisting */
            size_t batches = pack_lintrans_batches(lt);
            cr_assert_eq(batches, p == 1 ? 1 : (size_t)cases[c].giants);
            cr_assert_eq(pack_lintrans_key_switches(lt), (p == 2 ? (int)batches : 1) * nb + ng);
            uint64_t ks, dec;
            double bits = run(lt, m, n, n, f.top, f.scale, &ks, &dec);
            cr_assert_eq(ckks_galois_keys_count(f.gk), 5);
            cr_assert_geq(bits, 25, "case %zu, plan %zu: %.1f bits", c, p, bits);
            cr_assert_eq(dec, 1 + (uint64_t)ng);
            pack_lintrans_free(lt);
        }
        for (size_t i = 0; i < cases[c].nd; i++) free(diag[i]);
        free(m);
    }
}

Test(packing_lintrans, dense_2_10_within_66_key_switches)
{
    const int ls = 10, n = 1 << ls;
    double complex *m = random_matrix(n, n, 8);
    pack_lintrans *lt;
    /* level 1 keeps the 1024 plaintexts small at N = 2^12 */
    OK(pack_lintrans_from_matrix(f.ctx, &lt, ls, m, n, n, 1, f.scale, 0));
    cr_assert_eq(pack_lintrans_baby(lt), 32);
    cr_assert_eq(pack_lintrans_key_switches(lt), 62);
    cr_assert_leq(pack_lintrans_key_switches(lt), 2 * 32 + 2);
    uint64_t ks, dec;
    double bits = run(lt, m, n, n, 1, f.scale, &ks, &dec);
    cr_assert_geq(bits, 22, "%.1f bits", bits);
    cr_assert_eq(dec, 1 + 31);
    pack_lintrans_free(lt);
    free(m);
}

/* A band matrix (diagonals -3..3, as in a CoeffsToSlots factor): few
 * diagonals per baby step, so the plan picks double hoisting. */
Test(packing_lintrans, band_matrix_picks_double_hoisting)
{
    const int ls = 7, n = 128;
    double complex *m = calloc((size_t)n * n, sizeof *m);
    double *re = malloc(2 * (size_t)n * n * sizeof *re);
    random_vector(re, 2 * (size_t)n * n, 9);
    for (int i = 0; i < n; i++)
        for (int d = -3; d <= 3; d++) {
            size_t k = (size_t)i * n + (size_t)((i + d + n) % n);
            m[k] = (re[2 * k] + I * re[2 * k + 1]) / 7;
        }
    pack_lintrans *dbl, *sgl;
    OK(pack_lintrans_from_matrix(f.ctx, &dbl, ls, m, n, n, f.top, f.scale, 0));
    cr_assert_eq(pack_lintrans_hoisting(dbl), PACK_LT_DOUBLE);
    cr_assert_eq(pack_lintrans_baby(dbl), n, "the diagonal method, one inner sum");
    cr_assert_eq(pack_lintrans_key_switches(dbl), 6);
    pack_lintrans_opts o = {.hoisting = PACK_LT_SINGLE};
    OK(pack_lintrans_from_matrix_opts(f.ctx, &sgl, ls, m, n, n, f.top, f.scale, &o));
    cr_assert_eq(pack_lintrans_hoisting(sgl), PACK_LT_SINGLE);
    uint64_t ks, dec;
    double bits_d = run(dbl, m, n, n, f.top, f.scale, &ks, &dec);
    cr_assert_eq(dec, 1);
    double bits_s = run(sgl, m, n, n, f.top, f.scale, &ks, &dec);
    cr_assert_geq(bits_d, 25, "%.1f bits", bits_d);
    cr_assert_geq(bits_s, 25, "%.1f bits", bits_s);
    pack_lintrans_free(dbl);
    pack_lintrans_free(sgl);
    free(m);
    free(re);
}

/* Decrypt lt(x) with x at `level`. */
static void apply_decrypt(const pack_lintrans *lt, const ckks_ciphertext *x, double complex *got)
{
    ckks_ciphertext *y = ckks_ciphertext_new(f.ctx);
    ckks_plaintext *pt = ckks_plaintext_new(f.ctx);
    OK(pack_lintrans_apply(f.ctx, y, x, lt, f.gk));
    OK(ckks_decrypt(f.ctx, pt, y, f.sk));
    OK(ckks_decode(f.ctx, pt, got, (size_t)1 << pack_lintrans_log_slots(lt)));
    ckks_ciphertext_free(y);
    ckks_plaintext_free(pt);
}

/* Lazy encoding computes exactly what the eager plaintexts do, with both
 * hoistings, baby steps split into calls, giant steps split into batches
 * and an input below the transform's level. */
Test(packing_lintrans, lazy_equals_eager)
{
    const int ls = 7, n = 128, level = f.top - 1;
    double complex *m = random_matrix(n, n, 10), *x = malloc((size_t)n * sizeof *x);
    double complex *want = malloc((size_t)n * sizeof *want), *got = malloc((size_t)n * sizeof *got);
    double *re = malloc(2 * (size_t)n * sizeof *re);
    random_vector(re, 2 * (size_t)n, 11);
    for (int i = 0; i < n; i++) x[i] = re[2 * i] + I * re[2 * i + 1];
    /* the diagonal method: 128 baby steps in two calls; n1 = 16 in one
     * batch, then one batch per giant step (8 batches of 15 baby steps) */
    const pack_lintrans_opts cases[] = {
        {.baby = n, .hoisting = PACK_LT_DOUBLE},
        {.baby = 16, .hoisting = PACK_LT_DOUBLE},
        {.baby = 16, .hoisting = PACK_LT_DOUBLE, .batch_bytes = 1},
        {.baby = 16, .hoisting = PACK_LT_SINGLE},
    };
    const int key_switches[] = {127, 15 + 7, 8 * 15 + 7, 15 + 7};
    double complex *unbatched = malloc((size_t)n * sizeof *unbatched);
    ckks_ciphertext *ct = encrypt_complex(x, ls, level);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        pack_lintrans_opts o = cases[c];
        pack_lintrans *eager, *lazy;
        o.storage = PACK_LT_EAGER;
        OK(pack_lintrans_from_matrix_opts(f.ctx, &eager, ls, m, n, n, f.top, f.scale, &o));
        o.storage = PACK_LT_LAZY;
        OK(pack_lintrans_from_matrix_opts(f.ctx, &lazy, ls, m, n, n, f.top, f.scale, &o));
        cr_assert_eq(pack_lintrans_storage(eager), PACK_LT_EAGER);
        cr_assert_eq(pack_lintrans_storage(lazy), PACK_LT_LAZY);
        cr_assert_eq(pack_lintrans_key_switches(eager), key_switches[c]);
        cr_assert_eq(pack_lintrans_key_switches(lazy), key_switches[c]);
        cr_assert_eq(pack_lintrans_batches(lazy), o.batch_bytes ? 8 : c == 3 ? 8 : 1);
        /* 2n int64 coefficients (the bytes of n complex values) per diagonal
         * rather than level + 1 (+ P) limbs, each of 2n words here: the
         * slots are sparse, so the plaintexts are compact */
        cr_assert_eq(pack_lintrans_bytes(lazy), (size_t)n * n * sizeof(double complex));
        size_t limbs = (size_t)f.top + 1;
        if (o.hoisting == PACK_LT_DOUBLE) limbs += (size_t)ckks_context_params(f.ctx)->np;
        cr_assert_eq(pack_lintrans_bytes(eager), limbs * pack_lintrans_bytes(lazy));
        pack_keyplan kp;
        pack_keyplan_init(&kp);
        OK(pack_keyplan_add_lintrans(&kp, eager));
        fixture_keys(&f, &kp);
        pack_keyplan_clear(&kp);
        counts_take(&f);
        apply_decrypt(eager, ct, want);
        ckks_op_counts ce = counts_take(&f);
        apply_decrypt(lazy, ct, got);
        ckks_op_counts cl = counts_take(&f);
        cr_assert_eq(ce.key_switches, (uint64_t)pack_lintrans_key_switches(eager));
        cr_assert_eq(cl.key_switches, ce.key_switches);
        for (int i = 0; i < n; i++) cr_assert(got[i] == want[i], "case %zu, slot %d", c, i);
        /* batches compute each inner sum exactly as one call does */
        if (c == 1) memcpy(unbatched, want, (size_t)n * sizeof *want);
        for (int i = 0; c == 2 && i < n; i++) cr_assert(want[i] == unbatched[i], "slot %d", i);
        pack_lintrans_free(eager);
        pack_lintrans_free(lazy);
    }
    ckks_ciphertext_free(ct);
    pack_lintrans *lt;
    pack_lintrans_opts bad = {.storage = 3};
    cr_assert_eq(pack_lintrans_from_matrix_opts(f.ctx, &lt, ls, m, n, n, f.top, f.scale, &bad),
                 CKKS_EINVAL);
    free(m);
    free(x);
    free(want);
    free(got);
    free(unbatched);
    free(re);
}

/* Lazy diagonals are kept as the integer coefficients of their encoding,
 * except those a huge scale pushes beyond int64, kept as values: one plan
 * may mix both and still computes exactly what the eager one does. */
Test(packing_lintrans, lazy_huge_scale_mixes_storage)
{
    const int ls = 5, n = 32, level = f.top - 1;
    const int index[] = {0, 1, -1};
    const double amp[] = {1, 0x1p-8, 0x1p-8};
    const size_t nd = sizeof index / sizeof index[0];
    const double scale = 0x1p66;
    double complex *diag[3], *m = calloc((size_t)n * n, sizeof *m);
    double complex *x = malloc((size_t)n * sizeof *x), *want = malloc((size_t)n * sizeof *want);
    double complex *got = malloc((size_t)n * sizeof *got);
    double *re = malloc(2 * (size_t)n * sizeof *re);
    int64_t *coef = malloc(2 * (size_t)n * sizeof *coef);
    for (size_t i = 0; i < nd; i++) {
        diag[i] = malloc((size_t)n * sizeof *diag[i]);
        random_vector(re, 2 * (size_t)n, 200 + i);
        for (int j = 0; j < n; j++) {
            diag[i][j] = amp[i] * (re[2 * j] + I * re[2 * j + 1]);
            m[(size_t)j * n + (size_t)((j + index[i] + n) % n)] = diag[i][j];
        }
        /* the diagonal method keeps the diagonals unrotated */
        cr_assert_eq(ckks_encode_to_coeffs(f.ctx, coef, diag[i], (size_t)n, ls, scale),
                     i ? 0 : CKKS_EOVERFLOW, "diagonal %zu", i);
    }
    random_vector(re, 2 * (size_t)n, 210);
    for (int j = 0; j < n; j++) x[j] = re[2 * j] + I * re[2 * j + 1];
    ckks_ciphertext *ct = encrypt_complex(x, ls, level);
    for (int h = PACK_LT_SINGLE; h <= PACK_LT_DOUBLE; h++) {
        pack_lintrans_opts o = {.baby = n, .hoisting = (pack_lt_hoisting)h,
                                .storage = PACK_LT_LAZY};
        pack_lintrans *eager, *lazy;
        OK(pack_lintrans_new_opts(f.ctx, &lazy, ls, index, (const double complex *const *)diag, nd,
                                  f.top, scale, &o));
        o.storage = PACK_LT_EAGER;
        OK(pack_lintrans_new_opts(f.ctx, &eager, ls, index, (const double complex *const *)diag, nd,
                                  f.top, scale, &o));
        cr_assert_eq(pack_lintrans_bytes(lazy), nd * (size_t)n * sizeof(double complex));
        uint64_t ks, dec;
        double bits = run(lazy, m, n, n, level, scale, &ks, &dec);
        cr_assert_geq(bits, 25, "%.1f bits", bits);
        apply_decrypt(eager, ct, want);
        apply_decrypt(lazy, ct, got);
        for (int i = 0; i < n; i++) cr_assert(got[i] == want[i], "hoisting %d, slot %d", h, i);
        pack_lintrans_free(eager);
        pack_lintrans_free(lazy);
    }
    ckks_ciphertext_free(ct);
    for (size_t i = 0; i < nd; i++) free(diag[i]);
    free(m);
    free(x);
    free(want);
    free(got);
    free(re);
    free(coef);
}

/* A decomposition made by the caller gives the same ciphertext as the one
 * apply makes; single hoisting takes none. */
Test(packing_lintrans, apply_with_a_given_decomposition)
{
    const int ls = 6, n = 64;
    double complex *m = random_matrix(n, n, 21);
    pack_lintrans *lt, *single;
    pack_lintrans_opts o = {.baby = 8, .hoisting = PACK_LT_DOUBLE};
    OK(pack_lintrans_from_matrix_opts(f.ctx, &lt, ls, m, n, n, f.top, f.scale, &o));
    o.hoisting = PACK_LT_SINGLE;
    OK(pack_lintrans_from_matrix_opts(f.ctx, &single, ls, m, n, n, f.top, f.scale, &o));
    pack_keyplan kp;
    pack_keyplan_init(&kp);
    OK(pack_keyplan_add_lintrans(&kp, lt));
    fixture_keys(&f, &kp);
    pack_keyplan_clear(&kp);
    ckks_ciphertext *x = encrypt_complex(m, ls, f.top), *y = ckks_ciphertext_new(f.ctx),
                    *z = ckks_ciphertext_new(f.ctx);
    ckks_decomposition *d;
    OK(ckks_decomposition_new(f.ctx, &d, x));
    OK(pack_lintrans_apply(f.ctx, y, x, lt, f.gk));
    OK(pack_lintrans_apply_decomposed(f.ctx, z, x, d, lt, f.gk));
    ckks_plaintext *py = ckks_plaintext_new(f.ctx), *pz = ckks_plaintext_new(f.ctx);
    OK(ckks_decrypt(f.ctx, py, y, f.sk));
    OK(ckks_decrypt(f.ctx, pz, z, f.sk));
    double complex vy[64], vz[64];
    OK(ckks_decode(f.ctx, py, vy, n));
    OK(ckks_decode(f.ctx, pz, vz, n));
    cr_assert_arr_eq(vy, vz, sizeof vy, "the same operations, the same result");
    cr_assert_eq(pack_lintrans_apply_decomposed(f.ctx, z, x, d, single, f.gk), CKKS_EINVAL);
    cr_assert_eq(pack_lintrans_apply_decomposed(f.ctx, z, x, NULL, lt, f.gk), CKKS_EINVAL);
    ckks_plaintext_free(py);
    ckks_plaintext_free(pz);
    ckks_decomposition_free(d);
    ckks_ciphertext_free(x);
    ckks_ciphertext_free(y);
    ckks_ciphertext_free(z);
    pack_lintrans_free(lt);
    pack_lintrans_free(single);
    free(m);
}
