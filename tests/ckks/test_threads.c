/* The same seeds give the same bytes with 1 and 2 threads. */
#include "common.h"
#include "ckks/internal.h"

#include <omp.h>
#include <string.h>

typedef struct {
    uint64_t *c0, *c1;
    size_t words;
    double *slots;
    uint64_t key_digest;
} run_result;

static uint64_t digest(const uint64_t *v, size_t n, uint64_t h)
{
    for (size_t i = 0; i < n; i++) h = (h ^ v[i]) * 0x100000001b3ULL;
    return h;
}

static void pipeline(int threads, run_result *r)
{
    omp_set_num_threads(threads);
    fixture f;
    const int steps[] = {1, 3};
    fixture_init(&f, "TEST-N13", steps, 2);
    double *x = malloc(f.slots * sizeof *x);
    random_vector(x, f.slots, 17);
    uint8_t seed[CKKS_SEED_BYTES] = {5};
    ckks_plaintext *pt = ckks_plaintext_new(f.ctx);
    ckks_ciphertext *a = ckks_ciphertext_new(f.ctx), *b = ckks_ciphertext_new(f.ctx);
    ckks_ciphertext *h[2] = {ckks_ciphertext_new(f.ctx), ckks_ciphertext_new(f.ctx)};
    OK(ckks_encode_real(f.ctx, pt, x, f.slots, f.log_slots, f.top, f.scale));
    OK(ckks_encrypt_pk(f.ctx, a, pt, f.pk, seed));
    OK(ckks_encrypt_sk(f.ctx, b, pt, f.sk, seed));
    OK(ckks_mul_relin(f.ctx, a, a, b, f.rlk));
    OK(ckks_rescale(f.ctx, a, a));
    OK(ckks_rotate(f.ctx, a, a, 4, f.gk)); /* composed: 1 + 3 */
    OK(ckks_rotate_hoisted(f.ctx, h, a, steps, 2, f.gk));
    OK(ckks_add(f.ctx, a, h[0], h[1]));
    r->words = (size_t)(a->level + 1) * f.ctx->n;
    r->c0 = malloc(r->words * sizeof(uint64_t));
    r->c1 = malloc(r->words * sizeof(uint64_t));
    memcpy(r->c0, a->c[0], r->words * sizeof(uint64_t));
    memcpy(r->c1, a->c[1], r->words * sizeof(uint64_t));
    r->slots = malloc(f.slots * sizeof(double));
    OK(ckks_decrypt(f.ctx, pt, a, f.sk));
    OK(ckks_decode_real(f.ctx, pt, r->slots, f.slots));
    size_t kw = f.rlk->words;
    uint64_t d = digest(f.pk->b, (size_t)f.ctx->nq * f.ctx->n, 0);
    for (int j = 0; j < f.rlk->dnum; j++) d = digest(f.rlk->b[j], kw, d);
    for (size_t k = 0; k < f.gk->count; k++) d = digest(f.gk->keys[k]->b[0], kw, d);
    r->key_digest = d;
    free(x);
    ckks_plaintext_free(pt);
    ckks_ciphertext_free(a);
    ckks_ciphertext_free(b);
    ckks_ciphertext_free(h[0]);
    ckks_ciphertext_free(h[1]);
    fixture_free(&f);
}

Test(threads, one_and_two_threads_give_the_same_bytes)
{
    run_result r1, r2;
    pipeline(1, &r1);
    pipeline(2, &r2);
    cr_assert_eq(r1.key_digest, r2.key_digest, "keys differ");
    cr_assert_eq(r1.words, r2.words);
    cr_assert_eq(memcmp(r1.c0, r2.c0, r1.words * sizeof(uint64_t)), 0);
    cr_assert_eq(memcmp(r1.c1, r2.c1, r1.words * sizeof(uint64_t)), 0);
    cr_assert_eq(memcmp(r1.slots, r2.slots, 4096 * sizeof(double)), 0);
    free(r1.c0), free(r1.c1), free(r1.slots);
    free(r2.c0), free(r2.c1), free(r2.slots);
}
