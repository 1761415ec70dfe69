/*
 * packing_bench.c - linear transform and encrypted matrix products at
 * N = 2^16, scale 2^40, operands 10 levels above the bottom.
 *
 * usage: packing_bench [--reps R] [--threads 1,2] [--only NAME]
 * Prints one JSON object per line: op, shape, logN, threads, median_ms,
 * key_switches, depth, precision_bits (-log2 of the largest slot error)
 * and precision_bits_mean (-log2 of the mean one). NAME is AB, ATB, ABT,
 * lintrans_dense (the automatic plan: diagonals encoded inside apply at
 * this size), lintrans_dense_eager (every diagonal precomputed, extended
 * to P for double hoisting: 7 GB), lintrans_dense_eager_single (the same
 * in Q only, single hoisting: 5.5 GB), lintrans_dense_double (n1 = 32,
 * double hoisting, lazy: batches of giant steps), lintrans_band (double
 * hoisting) or lintrans_band_single.
 * Peak RSS is printed to stderr; run the transforms alone to read theirs.
 */
#include "packing/packing.h"

#include <complex.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define CHECK(expr)                                                                               \
    do {                                                                                          \
        int err_ = (expr);                                                                        \
        if (err_) {                                                                               \
            fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #expr, pack_strerror(err_));  \
            exit(1);                                                                              \
        }                                                                                         \
    } while (0)

enum { LEVEL = 10 };

typedef struct {
    ckks_context *ctx;
    ckks_secret_key *sk;
    ckks_switch_key *rlk;
    int reps, nthreads, threads[8];
} bench;

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void random_vector(double *v, size_t n, unsigned seed)
{
    srand(seed);
    for (size_t i = 0; i < n; i++) v[i] = 2.0 * rand() / RAND_MAX - 1.0;
}

static void emit(const char *op, const char *shape, int threads, double ms, uint64_t ks, int depth,
                 double max_err, double mean_err)
{
    printf("{\"op\": \"%s\", \"shape\": \"%s\", \"logN\": 16, \"threads\": %d, \"median_ms\": %.1f, "
           "\"key_switches\": %lu, \"depth\": %d, \"precision_bits\": %.1f, "
           "\"precision_bits_mean\": %.1f}\n",
           op, shape, threads, ms, (unsigned long)ks, depth, -log2(max_err), -log2(mean_err));
    fflush(stdout);
}

static ckks_galois_keys *keys_for(const bench *b, const pack_keyplan *kp)
{
    ckks_galois_keys *gk;
    CHECK(ckks_galois_keys_new(b->ctx, &gk, b->sk, kp->steps, kp->count, 0));
    fprintf(stderr, "packing_bench: %zu rotation keys, %.0f MiB\n", kp->count,
            ckks_galois_keys_bytes(gk) / 1048576.0);
    return gk;
}

static double peak_rss_mib(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss / 1024.0;
}

/* A transform benchmark: ndiag random complex diagonals on 2^log_slots
 * slots, indices 0..ndiag-1 (dense when ndiag = 2^log_slots) or
 * -(ndiag/2)..ndiag/2 (a band). */
typedef struct {
    const char *name, *shape;
    int log_slots, ndiag;
    pack_lintrans_opts opts;
} lt_case;

static void bench_lintrans(const bench *b, const lt_case *lc)
{
    const int ls = lc->log_slots, n = 1 << ls, nd = lc->ndiag, first = nd == n ? 0 : -(nd / 2);
    double *re = malloc(2 * (size_t)n * sizeof *re);
    double complex *x = malloc((size_t)n * sizeof *x), *got = malloc((size_t)n * sizeof *got);
    double complex *want = calloc((size_t)n, sizeof *want), **diag = malloc(nd * sizeof *diag);
    int *index = malloc(nd * sizeof *index);
    random_vector(re, 2 * (size_t)n, 2);
    for (int i = 0; i < n; i++) x[i] = re[2 * i] + I * re[2 * i + 1];
    for (int k = 0; k < nd; k++) {
        index[k] = first + k;
        diag[k] = malloc((size_t)n * sizeof *diag[k]);
        random_vector(re, 2 * (size_t)n, 100 + (unsigned)k);
        /* entries of size 1/nd keep y in [-1, 1] + i [-1, 1] */
        for (int i = 0; i < n; i++) {
            diag[k][i] = (re[2 * i] + I * re[2 * i + 1]) / nd;
            want[i] += diag[k][i] * x[((i + index[k]) % n + n) % n];
        }
    }
    double scale = ckks_context_default_scale(b->ctx);
    pack_lintrans *lt;
    CHECK(pack_lintrans_new_opts(b->ctx, &lt, ls, index, (const double complex *const *)diag,
                                 (size_t)nd, LEVEL, scale, &lc->opts));
    fprintf(stderr,
            "packing_bench: %s: n1 = %d, %s hoisting, %s diagonals, %.0f MiB, %zu batches\n",
            lc->name, pack_lintrans_baby(lt),
            pack_lintrans_hoisting(lt) == PACK_LT_DOUBLE ? "double" : "single",
            pack_lintrans_storage(lt) == PACK_LT_LAZY ? "lazy" : "eager",
            pack_lintrans_bytes(lt) / 1048576.0, pack_lintrans_batches(lt));
    pack_keyplan kp;
    pack_keyplan_init(&kp);
    CHECK(pack_keyplan_add_lintrans(&kp, lt));
    ckks_galois_keys *gk = keys_for(b, &kp);
    ckks_plaintext *pt = ckks_plaintext_new(b->ctx);
    ckks_ciphertext *in = ckks_ciphertext_new(b->ctx), *out = ckks_ciphertext_new(b->ctx);
    CHECK(ckks_encode(b->ctx, pt, x, (size_t)n, ls, LEVEL, scale));
    CHECK(ckks_encrypt_sk(b->ctx, in, pt, b->sk, NULL));
    double *ms = malloc((size_t)b->reps * sizeof *ms);
    for (int t = 0; t < b->nthreads; t++) {
        omp_set_num_threads(b->threads[t]);
        ckks_op_counts c;
        for (int r = 0; r < b->reps; r++) {
            ckks_op_counts_reset(b->ctx);
            double t0 = now_ms();
            CHECK(pack_lintrans_apply(b->ctx, out, in, lt, gk));
            CHECK(ckks_rescale(b->ctx, out, out));
            ms[r] = now_ms() - t0;
            ckks_op_counts_get(b->ctx, &c);
        }
        qsort(ms, (size_t)b->reps, sizeof *ms, cmp_double);
        CHECK(ckks_decrypt(b->ctx, pt, out, b->sk));
        CHECK(ckks_decode(b->ctx, pt, got, (size_t)n));
        double err = 0, sum = 0;
        for (int i = 0; i < n; i++) {
            err = fmax(err, cabs(got[i] - want[i]));
            sum += cabs(got[i] - want[i]);
        }
        emit(lc->name, lc->shape, b->threads[t], ms[b->reps / 2], c.key_switches,
             LEVEL - ckks_ciphertext_level(out), err, sum / n);
    }
    fprintf(stderr, "packing_bench: %s: peak RSS %.0f MiB\n", lc->name, peak_rss_mib());
    free(ms);
    ckks_ciphertext_free(in);
    ckks_ciphertext_free(out);
    ckks_plaintext_free(pt);
    ckks_galois_keys_free(gk);
    pack_keyplan_clear(&kp);
    pack_lintrans_free(lt);
    for (int k = 0; k < nd; k++) free(diag[k]);
    free(diag);
    free(index);
    free(re);
    free(x);
    free(want);
    free(got);
}

/* C (p x r) = op(A) op(B) in double. */
static void reference(pack_op op, const double *a, const double *bm, int p, int q, int r, double *c)
{
    for (int i = 0; i < p; i++)
        for (int j = 0; j < r; j++) {
            double s = 0;
            for (int l = 0; l < q; l++)
                s += (op == PACK_ATB ? a[l * p + i] : a[i * q + l]) *
                     (op == PACK_ABT ? bm[j * q + l] : bm[l * r + j]);
            c[i * r + j] = s;
        }
}

/* One product with batch bd, widths kd, hd in the grid pack_grid_plan picks. */
static void bench_matmul(const bench *b, pack_op op, const char *name, int bd, int kd, int hd)
{
    pack_grid g;
    pack_layout la, lb, lc;
    CHECK(pack_grid_plan(&g, op, bd, kd, hd, ckks_context_max_log_slots(b->ctx)));
    CHECK(pack_matmul_operands(&la, &lb, &g, op, bd, kd, hd));
    CHECK(pack_matmul_layout(&lc, &la, &lb, op));
    fprintf(stderr, "packing_bench: %s grid 2^%d x 2^%d x 2^%d, %zu + %zu operand ciphertexts\n",
            name, g.log_dims[0], g.log_dims[1], g.log_dims[2], pack_layout_count(&la),
            pack_layout_count(&lb));
    size_t na = (size_t)la.rows * la.cols, nb = (size_t)lb.rows * lb.cols;
    size_t nc = (size_t)lc.rows * lc.cols;
    double *a = malloc(na * sizeof *a), *bm = malloc(nb * sizeof *bm);
    double *want = malloc(nc * sizeof *want), *got = malloc(nc * sizeof *got);
    random_vector(a, na, 3);
    random_vector(bm, nb, 4);
    int q = op == PACK_AB ? kd : op == PACK_ATB ? bd : hd;
    reference(op, a, bm, lc.rows, q, lc.cols, want);

    pack_keyplan kp;
    pack_keyplan_init(&kp);
    CHECK(pack_keyplan_add_matmul(&kp, &la, &lb, op));
    ckks_galois_keys *gk = keys_for(b, &kp);
    double scale = ckks_context_default_scale(b->ctx);
    pack_matrix *ma, *mb, *mc = NULL;
    CHECK(pack_matrix_new(b->ctx, &ma, &la));
    CHECK(pack_matrix_new(b->ctx, &mb, &lb));
    CHECK(pack_encrypt(b->ctx, ma, a, LEVEL, scale, b->sk));
    CHECK(pack_encrypt(b->ctx, mb, bm, LEVEL, scale, b->sk));
    double *ms = malloc((size_t)b->reps * sizeof *ms);
    char shape[64];
    snprintf(shape, sizeof shape, "b=%d k=%d h=%d", bd, kd, hd);
    for (int t = 0; t < b->nthreads; t++) {
        omp_set_num_threads(b->threads[t]);
        ckks_op_counts c;
        for (int r = 0; r < b->reps; r++) {
            pack_matrix_free(mc);
            ckks_op_counts_reset(b->ctx);
            double t0 = now_ms();
            CHECK(pack_matmul(b->ctx, &mc, ma, mb, op, b->rlk, gk));
            ms[r] = now_ms() - t0;
            ckks_op_counts_get(b->ctx, &c);
        }
        qsort(ms, (size_t)b->reps, sizeof *ms, cmp_double);
        CHECK(pack_decrypt(b->ctx, mc, b->sk, got));
        double err = 0, sum = 0;
        for (size_t i = 0; i < nc; i++) {
            err = fmax(err, fabs(got[i] - want[i]));
            sum += fabs(got[i] - want[i]);
        }
        emit(name, shape, b->threads[t], ms[b->reps / 2], c.key_switches,
             LEVEL - ckks_ciphertext_level(mc->ct[0]), err, sum / (double)nc);
    }
    free(ms);
    pack_matrix_free(ma);
    pack_matrix_free(mb);
    pack_matrix_free(mc);
    ckks_galois_keys_free(gk);
    pack_keyplan_clear(&kp);
    free(a);
    free(bm);
    free(want);
    free(got);
}

int main(int argc, char **argv)
{
    bench b = {.reps = 3, .nthreads = 2, .threads = {1, 2}};
    const char *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reps") && i + 1 < argc) b.reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--only") && i + 1 < argc) only = argv[++i];
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
            b.nthreads = 0;
            for (char *t = strtok(argv[++i], ","); t && b.nthreads < 8; t = strtok(NULL, ","))
                b.threads[b.nthreads++] = atoi(t);
        } else {
            fprintf(stderr, "usage: packing_bench [--reps R] [--threads 1,2] [--only NAME]\n");
            return 2;
        }
    }
    if (b.reps < 1) b.reps = 1;

    /* q0 60 bits, 10 x 40 bits (operands at the top, level 10), P 3 x 61 */
    ckks_params p = {.name = "packing-bench", .logn = 16, .nq = 11, .np = 3,
                     .log_scale = 40, .dnum = 3};
    p.qbits[0] = 60;
    for (int i = 1; i < p.nq; i++) p.qbits[i] = 40;
    for (int i = 0; i < p.np; i++) p.pbits[i] = 61;
    CHECK(ckks_context_new(&b.ctx, &p, 0));
    fprintf(stderr, "packing_bench: N = 2^16, logQP = %.0f, dnum 3, scale 2^40, level %d, %s\n",
            ckks_context_logqp(b.ctx), LEVEL, ckks_context_security(b.ctx));
    uint8_t seed[CKKS_SEED_BYTES] = {42};
    CHECK(ckks_secret_key_new(b.ctx, &b.sk, seed));
    CHECK(ckks_relin_key_new(b.ctx, &b.rlk, b.sk));

    if (!only || !strcmp(only, "AB")) bench_matmul(&b, PACK_AB, "AB", 48, 196, 32);
    if (!only || !strcmp(only, "ATB")) bench_matmul(&b, PACK_ATB, "ATB", 48, 196, 32);
    if (!only || !strcmp(only, "ABT")) bench_matmul(&b, PACK_ABT, "ABT", 48, 196, 32);
    /* the dense 2^10 x 2^10 transform and a 7-diagonal band (a CoeffsToSlots
     * factor's shape) on 2^15 slots: the automatic plans, then the
     * storage and hoisting they do not pick */
    const lt_case cases[] = {
        {"lintrans_dense", "1024x1024", 10, 1024, {0}},
        {"lintrans_dense_eager", "1024x1024", 10, 1024, {.storage = PACK_LT_EAGER}},
        {"lintrans_dense_eager_single", "1024x1024", 10, 1024,
         {.storage = PACK_LT_EAGER, .hoisting = PACK_LT_SINGLE}},
        {"lintrans_dense_double", "1024x1024", 10, 1024, {.baby = 32, .hoisting = PACK_LT_DOUBLE}},
        {"lintrans_band", "2^15 slots, 7 diagonals", 15, 7, {0}},
        {"lintrans_band_single", "2^15 slots, 7 diagonals", 15, 7, {.hoisting = PACK_LT_SINGLE}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (!only || !strcmp(only, cases[i].name)) bench_lintrans(&b, &cases[i]);

    ckks_switch_key_free(b.rlk);
    ckks_secret_key_free(b.sk);
    ckks_context_free(b.ctx);
    return 0;
}
