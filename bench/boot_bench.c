/*
 * boot_bench - bootstrapping at N = 2^16 (the 128-bit sets BOOT-N16 for
 * full slots and BOOT-N16-SPARSE for fewer, unless --params names one),
 * full slots and 2^12 slots, inputs uniform in [-1, 1] (real and
 * imaginary parts; with --real 1, real inputs and a real configuration,
 * which runs EvalMod once). Prints one JSON object per line:
 *   {"op": "bootstrap", "params", "logN", "slots", "real", "merge", "levels_after", "threads",
 *    "median_s", "precision_bits", "precision_max_bits", "key_bytes",
 *    "keygen_s", "peak_rss_mb", "low_memory", "security"}
 * precision_bits is -log2 of the mean absolute error, precision_max_bits
 * of the largest; levels_after counts the levels between the output and
 * the input level (those left for computation before the next
 * bootstrapping, whichever transform runs first).
 *
 * usage: boot_bench [--params NAME] [--log-slots L,...] [--threads T,...]
 *                   [--reps R] [--c2s L] [--s2c L] [--precompute-mb MB]
 *                   [--real 0|1] [--double-angle R] [--cos-bits B]
 *                   [--low-memory 0|1] [--merge 0|1]
 * --low-memory 1 sets boot_config.low_memory: compact keys (each key
 * switch regenerates their uniform halves) and plans with fewer keys;
 * --merge overrides the set's boot_config.merge.
 */
#include "bootstrap/bootstrap.h"

#include "tests/random.h"

#include <complex.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define CHECK(expr)                                                                   \
    do {                                                                              \
        int err_ = (expr);                                                            \
        if (err_) {                                                                   \
            fprintf(stderr, "boot_bench: %s: %s\n", #expr, boot_strerror(err_));       \
            exit(1);                                                                  \
        }                                                                             \
    } while (0)

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double peak_rss_mb(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)u.ru_maxrss / 1024.0;
}

/* Comma-separated integers into v (at most cap); returns the count. */
static int parse_list(const char *s, int *v, int cap)
{
    int n = 0;
    for (char *end; *s && n < cap; s = *end ? end + 1 : end) v[n++] = (int)strtol(s, &end, 10);
    return n;
}

static void bench(const char *set, const ckks_context *ctx, const ckks_secret_key *sk, boot_config cfg,
                  const int *threads, int nthreads, int reps)
{
    boot_context *bc;
    CHECK(boot_context_new(&bc, ctx, &cfg));
    boot_keys *keys;
    double t0 = now_s();
    CHECK(boot_keys_new(bc, &keys, sk, NULL));
    double keygen = now_s() - t0;
    int n = 1 << cfg.log_slots;
    double complex *z = malloc((size_t)n * sizeof *z), *w = malloc((size_t)n * sizeof *w);
    uint64_t state = 42;
    for (int i = 0; i < n; i++) {
        double re = test_uniform(&state), im = test_uniform(&state);
        z[i] = CMPLX(re, cfg.real ? 0 : im);
    }
    ckks_plaintext *pt = ckks_plaintext_new(ctx);
    ckks_ciphertext *in = ckks_ciphertext_new(ctx), *out = ckks_ciphertext_new(ctx);
    CHECK(ckks_encode(ctx, pt, z, (size_t)n, cfg.log_slots, boot_input_level(bc),
                      ckks_context_default_scale(ctx)));
    CHECK(ckks_encrypt_sk(ctx, in, pt, sk, NULL));
    for (int t = 0; t < nthreads; t++) {
        omp_set_num_threads(threads[t]);
        double times[64];
        for (int r = 0; r < reps; r++) {
            double s = now_s();
            CHECK(boot_bootstrap(bc, out, in, keys));
            times[r] = now_s() - s;
        }
        qsort(times, (size_t)reps, sizeof *times, cmp_double);
        double med = reps % 2 ? times[reps / 2] : (times[reps / 2 - 1] + times[reps / 2]) / 2;
        CHECK(ckks_decrypt(ctx, pt, out, sk));
        CHECK(ckks_decode(ctx, pt, w, (size_t)n));
        double sum = 0, max = 0;
        for (int i = 0; i < n; i++) {
            double e = cabs(w[i] - z[i]);
            sum += e;
            max = fmax(max, e);
        }
        printf("{\"op\": \"bootstrap\", \"params\": \"%s\", \"logN\": %d, \"slots\": %d, "
               "\"real\": %s, \"merge\": %d, \"levels_after\": %d, "
               "\"threads\": %d, \"median_s\": %.3f, \"precision_bits\": %.2f, "
               "\"precision_max_bits\": %.2f, \"key_bytes\": %zu, \"keygen_s\": %.1f, "
               "\"peak_rss_mb\": %.0f, \"low_memory\": %s, \"security\": \"%s\"}\n",
               set, ckks_context_logn(ctx), n, cfg.real ? "true" : "false", cfg.merge,
               boot_output_level(bc) - boot_input_level(bc), threads[t], med,
               -log2(sum / n), -log2(max), boot_keys_bytes(keys), keygen, peak_rss_mb(),
               cfg.low_memory ? "true" : "false", ckks_context_security(ctx));
        fflush(stdout);
    }
    free(z);
    free(w);
    ckks_plaintext_free(pt);
    ckks_ciphertext_free(in);
    ckks_ciphertext_free(out);
    boot_keys_free(keys);
    boot_context_free(bc);
}

int main(int argc, char **argv)
{
    /* full slots on BOOT-N16, fewer on BOOT-N16-SPARSE (one EvalMod for
     * complex slots), unless --params names one set for all */
    const char *name = NULL;
    int slots[8] = {15, 12}, nslots = 2, threads[8] = {1, 2}, nthreads = 2, reps = 1;
    int c2s = 0, s2c = 0, precompute_mb = -1, real = 0, double_angle = -1, cos_bits = -1;
    int low_memory = 0, merge = -1;
    for (int i = 1; i < argc; i += 2) {
        if (i + 1 == argc) {
            fprintf(stderr, "boot_bench: %s needs a value (see the usage at the top of "
                            "bench/boot_bench.c)\n", argv[i]);
            return 1;
        }
        if (!strcmp(argv[i], "--params")) name = argv[i + 1];
        else if (!strcmp(argv[i], "--log-slots")) nslots = parse_list(argv[i + 1], slots, 8);
        else if (!strcmp(argv[i], "--threads")) nthreads = parse_list(argv[i + 1], threads, 8);
        else if (!strcmp(argv[i], "--reps")) reps = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--c2s")) c2s = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--s2c")) s2c = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--precompute-mb")) precompute_mb = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--real")) real = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--double-angle")) double_angle = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--cos-bits")) cos_bits = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--low-memory")) low_memory = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--merge")) merge = atoi(argv[i + 1]);
        else {
            fprintf(stderr, "boot_bench: unknown option %s\n", argv[i]);
            return 1;
        }
    }
    if (reps < 1 || reps > 64) reps = 1;
    for (int s = 0; s < nslots; s++) {
        const char *set = name ? name : slots[s] == 15 ? "BOOT-N16" : "BOOT-N16-SPARSE";
        ckks_params p;
        boot_config cfg;
        CHECK(boot_params_named(set, &p, &cfg));
        ckks_context *ctx;
        CHECK(ckks_context_new(&ctx, &p, p.insecure ? CKKS_ALLOW_INSECURE : 0));
        ckks_secret_key *sk;
        CHECK(ckks_secret_key_new(ctx, &sk, NULL));
        if (c2s) cfg.c2s_levels = c2s;
        if (s2c) cfg.s2c_levels = s2c;
        if (precompute_mb >= 0) cfg.precompute_mb = precompute_mb;
        cfg.real = real;
        if (double_angle >= 0) cfg.double_angle = double_angle;
        if (cos_bits >= 0) cfg.cos_log_error = cos_bits;
        if (merge >= 0) cfg.merge = merge;
        cfg.low_memory = low_memory;
        cfg.log_slots = slots[s];
        bench(set, ctx, sk, cfg, threads, nthreads, reps);
        ckks_secret_key_free(sk);
        ckks_context_free(ctx);
    }
    return 0;
}
