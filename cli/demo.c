/* demo.c - hetrain demo: encrypt two vectors, compute on them, decrypt,
 * and report the precision in bits and the time of every step. */
#include "cli/cli.h"
#include "ckks/ckks.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

typedef struct {
    const ckks_context *ctx;
    const ckks_secret_key *sk;
    size_t slots;
    double t0;
} demo;

static void step(demo *d, const char *what)
{
    double t = seconds();
    printf("  %-38s %8.3f s\n", what, t - d->t0);
    fflush(stdout);
    d->t0 = seconds();
}

/* Decrypt ct and print the precision against want, in bits. */
static int report(demo *d, const char *what, const ckks_ciphertext *ct, const double *want)
{
    ckks_plaintext *pt = ckks_plaintext_new(d->ctx);
    double *got = malloc(d->slots * sizeof *got);
    int err = pt && got ? 0 : CKKS_ENOMEM;
    if (!err) err = ckks_decrypt(d->ctx, pt, ct, d->sk);
    if (!err) err = ckks_decode_real(d->ctx, pt, got, d->slots);
    if (!err) {
        double m = 0;
        for (size_t i = 0; i < d->slots; i++) m = fmax(m, fabs(got[i] - want[i]));
        printf("  %-38s %8.1f bits (level %d, slot 0: %+.9f, expected %+.9f)\n", what, -log2(m),
               ckks_ciphertext_level(ct), got[0], want[0]);
    }
    free(got);
    ckks_plaintext_free(pt);
    d->t0 = seconds();
    return err;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: hetrain demo [--params NAME]\n\n"
               "Encrypts two random vectors in [-1, 1], computes x*y, a rotation and\n"
               "x*y + x^2 on them, decrypts, and prints precision and timings.\n"
               "NAME: N15 (default), N16, or an insecure TEST-N11..TEST-N14 set.\n");
}

int cli_demo(int argc, char **argv)
{
    const char *name = "N15";
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--params") && i + 1 < argc) {
            name = argv[++i];
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }
    ckks_params p;
    if (ckks_params_named(name, &p)) {
        fprintf(stderr, "hetrain demo: unknown parameter set '%s'\n", name);
        return 2;
    }
    demo d = {0};
    d.t0 = seconds();
    ckks_context *ctx = NULL;
    ckks_secret_key *sk = NULL;
    ckks_public_key *pk = NULL;
    ckks_switch_key *rlk = NULL;
    ckks_galois_keys *gk = NULL;
    ckks_plaintext *pt = NULL;
    ckks_ciphertext *a = NULL, *b = NULL, *c = NULL, *s = NULL;
    double *x = NULL, *y = NULL, *want = NULL;
    int err = ckks_context_new(&ctx, &p, CKKS_ALLOW_INSECURE);
    if (err) goto done;
    d.ctx = ctx;
    d.slots = (size_t)1 << (p.logn - 1);
    printf("hetrain demo: %s, N = 2^%d, %zu slots, %d levels, logQP = %.1f, scale 2^%d\n", name,
           p.logn, d.slots, p.nq - 1, ckks_context_logqp(ctx), p.log_scale);
    printf("security: %s\n\n", ckks_context_security(ctx));
    step(&d, "context (primes, NTT tables)");

    const int one = 1;
    if ((err = ckks_secret_key_new(ctx, &sk, NULL))) goto done;
    d.sk = sk;
    if ((err = ckks_public_key_new(ctx, &pk, sk))) goto done;
    step(&d, "secret and public keys");
    if ((err = ckks_relin_key_new(ctx, &rlk, sk))) goto done;
    if ((err = ckks_galois_keys_new(ctx, &gk, sk, &one, 1, 0))) goto done;
    step(&d, "relinearization and rotation keys");

    x = malloc(d.slots * sizeof *x);
    y = malloc(d.slots * sizeof *y);
    want = malloc(d.slots * sizeof *want);
    pt = ckks_plaintext_new(ctx);
    a = ckks_ciphertext_new(ctx), b = ckks_ciphertext_new(ctx);
    c = ckks_ciphertext_new(ctx), s = ckks_ciphertext_new(ctx);
    err = CKKS_ENOMEM;
    if (!x || !y || !want || !pt || !a || !b || !c || !s) goto done;
    srand(1);
    for (size_t i = 0; i < d.slots; i++) {
        x[i] = 2.0 * rand() / RAND_MAX - 1;
        y[i] = 2.0 * rand() / RAND_MAX - 1;
    }
    int top = p.nq - 1;
    double scale = ckks_context_default_scale(ctx);
    if ((err = ckks_encode_real(ctx, pt, x, d.slots, p.logn - 1, top, scale))) goto done;
    if ((err = ckks_encrypt_pk(ctx, a, pt, pk, NULL))) goto done;
    if ((err = ckks_encode_real(ctx, pt, y, d.slots, p.logn - 1, top, scale))) goto done;
    if ((err = ckks_encrypt_pk(ctx, b, pt, pk, NULL))) goto done;
    step(&d, "encode and encrypt x and y");
    if ((err = report(&d, "fresh x", a, x))) goto done;

    if ((err = ckks_mul_relin(ctx, c, a, b, rlk))) goto done;
    if ((err = ckks_rescale(ctx, c, c))) goto done;
    step(&d, "x * y (multiply, relinearize, rescale)");
    for (size_t i = 0; i < d.slots; i++) want[i] = x[i] * y[i];
    if ((err = report(&d, "x * y", c, want))) goto done;

    if ((err = ckks_rotate(ctx, s, c, 1, gk))) goto done;
    step(&d, "rotate x * y by one slot");
    for (size_t i = 0; i < d.slots; i++) want[i] = x[(i + 1) % d.slots] * y[(i + 1) % d.slots];
    if ((err = report(&d, "rotated", s, want))) goto done;

    if ((err = ckks_mul_relin(ctx, s, a, a, rlk))) goto done;
    if ((err = ckks_rescale(ctx, s, s))) goto done;
    if ((err = ckks_add(ctx, s, s, c))) goto done;
    step(&d, "x * y + x^2");
    for (size_t i = 0; i < d.slots; i++) want[i] = x[i] * y[i] + x[i] * x[i];
    if ((err = report(&d, "x * y + x^2", s, want))) goto done;
done:
    if (err) fprintf(stderr, "hetrain demo: %s\n", ckks_strerror(err));
    free(x);
    free(y);
    free(want);
    ckks_plaintext_free(pt);
    ckks_ciphertext_free(a);
    ckks_ciphertext_free(b);
    ckks_ciphertext_free(c);
    ckks_ciphertext_free(s);
    ckks_galois_keys_free(gk);
    ckks_switch_key_free(rlk);
    ckks_public_key_free(pk);
    ckks_secret_key_free(sk);
    ckks_context_free(ctx);
    return err ? 1 : 0;
}
