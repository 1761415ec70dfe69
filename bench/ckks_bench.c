/*
 * ckks_bench - timings of the CKKS core at N = 2^16 (issue 2's set:
 * 21 primes in Q, 60 + 20 x 59 bits, 7 special primes, dnum 3).
 * Prints one JSON object per line:
 *   {"op", "logN", "levels", "dnum", "threads", "median_ms", "precision_bits"}
 * and a last line with the peak resident memory.
 *
 * usage: ckks_bench [--params NAME] [--reps R] [--threads LIST]
 */
#include "ckks/ckks.h"
#include "ckks/internal.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

#define CHECK(expr)                                                                   \
    do {                                                                              \
        int err_ = (expr);                                                            \
        if (err_) {                                                                   \
            fprintf(stderr, "ckks_bench: %s: %s\n", #expr, ckks_strerror(err_));      \
            exit(1);                                                                  \
        }                                                                             \
    } while (0)

/* Run `setup` untimed, then time `body`, reps times; median ms in `out`. */
#define TIME_SETUP(reps, out, setup, body)                                            \
    do {                                                                              \
        double t_[64];                                                                \
        for (int r_ = 0; r_ < (reps); r_++) {                                         \
            setup;                                                                    \
            double s_ = now_ms();                                                     \
            body;                                                                     \
            t_[r_] = now_ms() - s_;                                                   \
        }                                                                             \
        out = median(t_, (reps));                                                     \
    } while (0)
#define TIME(reps, out, body) TIME_SETUP(reps, out, (void)0, body)

static void emit(const char *op, const ckks_context *ctx, int threads, double ms, double bits)
{
    const ckks_params *p = ckks_context_params(ctx);
    printf("{\"op\": \"%s\", \"logN\": %d, \"levels\": %d, \"dnum\": %d, \"threads\": %d, "
           "\"median_ms\": ",
           op, p->logn, ckks_context_max_level(ctx), p->dnum, threads);
    if (isnan(ms)) printf("null, \"precision_bits\": ");
    else printf("%.3f, \"precision_bits\": ", ms);
    if (isnan(bits)) printf("null}\n");
    else printf("%.2f}\n", bits);
    fflush(stdout);
}

static double precision(const double *want, const double *got, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++) m = fmax(m, fabs(want[i] - got[i]));
    return -log2(m);
}

int main(int argc, char **argv)
{
    const char *name = "N16-BENCH";
    int reps = 5, thread_list[8] = {1, 2}, nthreads = 2;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--params") && i + 1 < argc) name = argv[++i];
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
            nthreads = 0;
            for (char *t = strtok(argv[++i], ","); t && nthreads < 8; t = strtok(NULL, ","))
                thread_list[nthreads++] = atoi(t);
        } else {
            fprintf(stderr, "usage: ckks_bench [--params NAME] [--reps R] [--threads 1,2]\n");
            return 2;
        }
    }
    if (reps < 1 || reps > 64) reps = 5;

    ckks_params p;
    CHECK(ckks_params_named(name, &p));
    ckks_context *ctx;
    CHECK(ckks_context_new(&ctx, &p, CKKS_ALLOW_INSECURE));
    fprintf(stderr, "ckks_bench: %s, N = 2^%d, logQP = %.1f, security: %s\n", name, p.logn,
            ckks_context_logqp(ctx), ckks_context_security(ctx));

    uint8_t seed[CKKS_SEED_BYTES] = {42};
    ckks_secret_key *sk;
    ckks_public_key *pk;
    ckks_switch_key *rlk;
    ckks_galois_keys *gk;
    int steps[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    CHECK(ckks_secret_key_new(ctx, &sk, seed));
    CHECK(ckks_public_key_new(ctx, &pk, sk));
    CHECK(ckks_relin_key_new(ctx, &rlk, sk));
    CHECK(ckks_galois_keys_new(ctx, &gk, sk, steps, 8, 0));
    ckks_galois_keys *compact;
    CHECK(ckks_galois_keys_new(ctx, &compact, sk, steps, 1, 0));
    ckks_galois_keys_compact(compact);

    int L = ckks_context_max_level(ctx), ls = p.logn - 1;
    size_t slots = (size_t)1 << ls, n = (size_t)1 << p.logn;
    double scale = ckks_context_default_scale(ctx);
    double *x = malloc(slots * sizeof *x), *y = malloc(slots * sizeof *y);
    double *want = malloc(slots * sizeof *want), *got = malloc(slots * sizeof *got);
    srand(7);
    for (size_t i = 0; i < slots; i++) {
        x[i] = 2.0 * rand() / RAND_MAX - 1;
        y[i] = 2.0 * rand() / RAND_MAX - 1;
        want[i] = x[i] * y[i];
    }
    ckks_plaintext *pt = ckks_plaintext_new(ctx);
    ckks_ciphertext *a = ckks_ciphertext_new(ctx), *b = ckks_ciphertext_new(ctx);
    ckks_ciphertext *c = ckks_ciphertext_new(ctx), *rot[8];
    for (int i = 0; i < 8; i++) rot[i] = ckks_ciphertext_new(ctx);
    uint64_t *poly = aligned_alloc(64, n * sizeof *poly);

    for (int ti = 0; ti < nthreads; ti++) {
        int th = thread_list[ti];
        omp_set_num_threads(th);
        double ms;

        ckks_ntt_table tab;
        const int b60 = 60;
        uint64_t q60;
        CHECK(ckks_primes_generate(16, 1, &b60, &q60, NULL, 0));
        CHECK(ckks_ntt_table_init(&tab, q60, 16));
        for (size_t i = 0; i < 65536; i++) poly[i] = i * 0x9e3779b97f4a7c15ULL % q60;
        TIME(reps * 4 > 64 ? 64 : reps * 4, ms, ckks_ntt_forward(&tab, poly));
        ckks_ntt_table_clear(&tab);
        printf("{\"op\": \"ntt_forward_60bit\", \"logN\": 16, \"levels\": 0, \"dnum\": 0, "
               "\"threads\": %d, \"median_ms\": %.4f, \"precision_bits\": null}\n", th, ms);

        TIME(reps, ms, CHECK(ckks_encode_real(ctx, pt, x, slots, ls, L, scale)));
        CHECK(ckks_decode_real(ctx, pt, got, slots));
        emit("encode", ctx, th, ms, precision(x, got, slots));

        TIME(reps, ms, CHECK(ckks_decode_real(ctx, pt, got, slots)));
        emit("decode", ctx, th, ms, NAN);

        TIME(reps, ms, CHECK(ckks_encrypt_pk(ctx, a, pt, pk, seed)));
        CHECK(ckks_decrypt(ctx, pt, a, sk));
        CHECK(ckks_decode_real(ctx, pt, got, slots));
        emit("encrypt_pk", ctx, th, ms, precision(x, got, slots));

        CHECK(ckks_encode_real(ctx, pt, x, slots, ls, L, scale));
        TIME(reps, ms, CHECK(ckks_encrypt_sk(ctx, a, pt, sk, seed)));
        CHECK(ckks_decrypt(ctx, pt, a, sk));
        CHECK(ckks_decode_real(ctx, pt, got, slots));
        emit("encrypt_sk", ctx, th, ms, precision(x, got, slots));

        CHECK(ckks_encode_real(ctx, pt, x, slots, ls, L, scale));
        CHECK(ckks_encrypt_pk(ctx, a, pt, pk, NULL));
        CHECK(ckks_encode_real(ctx, pt, y, slots, ls, L, scale));
        CHECK(ckks_encrypt_pk(ctx, b, pt, pk, NULL));

        TIME(reps, ms, CHECK(ckks_mul_relin(ctx, c, a, b, rlk)));
        emit("mul_relin", ctx, th, ms, NAN);
        TIME_SETUP(reps, ms, CHECK(ckks_mul(ctx, c, a, b)), CHECK(ckks_relinearize(ctx, c, c, rlk)));
        emit("relinearize", ctx, th, ms, NAN);

        TIME_SETUP(reps, ms, CHECK(ckks_mul_relin(ctx, c, a, b, rlk)), CHECK(ckks_rescale(ctx, c, c)));
        emit("rescale", ctx, th, ms, NAN);
        CHECK(ckks_decrypt(ctx, pt, c, sk));
        CHECK(ckks_decode_real(ctx, pt, got, slots));
        emit("mul_relin_rescale_precision", ctx, th, NAN, precision(want, got, slots));

        TIME(reps, ms, CHECK(ckks_rotate(ctx, c, a, 1, gk)));
        emit("rotate", ctx, th, ms, NAN);

        TIME(reps, ms, CHECK(ckks_rotate_hoisted(ctx, rot, a, steps, 8, gk)));
        emit("rotate_hoisted_8", ctx, th, ms, NAN);

        /* a compact key regenerates its uniform half at each use */
        TIME(reps, ms, CHECK(ckks_rotate(ctx, c, a, 1, compact)));
        emit("rotate_compact_key", ctx, th, ms, NAN);

        ckks_galois_keys *fresh;
        TIME_SETUP(reps, ms, (void)0, CHECK(ckks_galois_keys_new(ctx, &fresh, sk, steps, 1, 0));
                   ckks_galois_keys_free(fresh));
        emit("galois_keygen_1", ctx, th, ms, NAN);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("{\"op\": \"peak_memory\", \"logN\": %d, \"levels\": %d, \"dnum\": %d, \"peak_rss_mb\": %.1f, "
           "\"galois_key_mb\": %.1f}\n",
           p.logn, L, p.dnum, ru.ru_maxrss / 1024.0, ckks_galois_keys_bytes(gk) / 1048576.0);

    ckks_galois_keys_free(compact);
    for (int i = 0; i < 8; i++) ckks_ciphertext_free(rot[i]);
    ckks_ciphertext_free(a);
    ckks_ciphertext_free(b);
    ckks_ciphertext_free(c);
    ckks_plaintext_free(pt);
    free(poly);
    free(x);
    free(y);
    free(want);
    free(got);
    ckks_galois_keys_free(gk);
    ckks_switch_key_free(rlk);
    ckks_public_key_free(pk);
    ckks_secret_key_free(sk);
    ckks_context_free(ctx);
    return 0;
}
