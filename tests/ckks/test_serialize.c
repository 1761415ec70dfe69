/*
 * test_serialize.c - files of parameters, keys, plaintexts and ciphertexts:
 * round trips (keys reload to the same bytes, ciphertexts to the same
 * words and decryptions), compressed sizes, rejection of truncated,
 * corrupted, mismatched and inconsistent files, and atomic writes.
 *
 * Files are edited by offset following the format documented at the top
 * of ckks/serialize.c; the checksum is recomputed here from that
 * description, independently of the library, so that a patched file is
 * wrong in exactly one field.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ckks/internal.h"

enum { HDR = 32, TRAILER = 8, CT_DATA = 56, PT_DATA = 48 };

static ckks_context *ctx;
static ckks_secret_key *sk;
static char dir[64];

static void setup(void)
{
    ckks_params p;
    cr_assert_eq(ckks_params_named("TEST-N12", &p), 0);
    cr_assert_eq(ckks_context_new(&ctx, &p, CKKS_ALLOW_INSECURE), 0);
    uint8_t seed[CKKS_SEED_BYTES];
    for (int i = 0; i < CKKS_SEED_BYTES; i++) seed[i] = (uint8_t)(7 * i + 1);
    cr_assert_eq(ckks_secret_key_new(ctx, &sk, seed), 0);
    strcpy(dir, "/tmp/test_serialize.XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void teardown(void)
{
    chmod(dir, 0700);
    char sub[128];
    snprintf(sub, sizeof sub, "%s/ro", dir);
    chmod(sub, 0700);
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    ckks_secret_key_free(sk);
    ckks_context_free(ctx);
}

TestSuite(serialize, .init = setup, .fini = teardown, .timeout = 60);

/* ---- helpers --------------------------------------------------------------- */

static char *at(const char *name)
{
    char *p = malloc(strlen(dir) + strlen(name) + 2);
    cr_assert_not_null(p);
    sprintf(p, "%s/%s", dir, name);
    return p;
}

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s: %s", path, strerror(errno));
    cr_assert_eq(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    rewind(f);
    uint8_t *buf = malloc((size_t)n + 1);
    cr_assert_not_null(buf);
    cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void spit(const char *path, const uint8_t *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(buf, 1, len, f), len);
    cr_assert_eq(fclose(f), 0);
}

static uint64_t rd(const uint8_t *p, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static void wr(uint8_t *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* The checksum as the format describes it, over n bytes. */
static uint64_t reference_checksum(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < n; i += 8) {
        uint8_t w[8] = {0};
        memcpy(w, p + i, n - i < 8 ? n - i : 8);
        h = (h ^ rd(w, 8)) * 0x9e3779b97f4a7c15u;
        h ^= h >> 32;
    }
    h ^= n;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdu;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53u;
    return h ^ (h >> 33);
}

static void fix_checksum(uint8_t *buf, size_t len)
{
    wr(buf + len - TRAILER, reference_checksum(buf, len - TRAILER), 8);
}

/* Write buf with `bytes` bytes at offset replaced by v, checksum fixed. */
static void patch(const char *path, const uint8_t *buf, size_t len, size_t off, uint64_t v,
                  int bytes)
{
    uint8_t *c = malloc(len);
    cr_assert_not_null(c);
    memcpy(c, buf, len);
    wr(c + off, v, bytes);
    fix_checksum(c, len);
    spit(path, c, len);
    free(c);
}

static uint8_t *seed_of(uint8_t first)
{
    static uint8_t s[CKKS_SEED_BYTES];
    for (int i = 0; i < CKKS_SEED_BYTES; i++) s[i] = (uint8_t)(first + 3 * i);
    return s;
}

static double *test_values(size_t n)
{
    double *x = malloc(n * sizeof *x);
    cr_assert_not_null(x);
    for (size_t i = 0; i < n; i++) x[i] = sin(0.37 * (double)i + 0.1);
    return x;
}

/* A ciphertext of test_values at `level`, under sk or (pk != NULL) pk. */
static ckks_ciphertext *encrypted(int level, const ckks_public_key *pk)
{
    int log_slots = ckks_context_max_log_slots(ctx);
    size_t n = (size_t)1 << log_slots;
    double *x = test_values(n);
    ckks_plaintext *pt = ckks_plaintext_new(ctx);
    ckks_ciphertext *ct = ckks_ciphertext_new(ctx);
    cr_assert_eq(ckks_encode_real(ctx, pt, x, n, log_slots, level,
                                  ckks_context_default_scale(ctx)), 0);
    if (pk)
        cr_assert_eq(ckks_encrypt_pk(ctx, ct, pt, pk, seed_of(9)), 0);
    else
        cr_assert_eq(ckks_encrypt_sk(ctx, ct, pt, sk, seed_of(11)), 0);
    ckks_plaintext_free(pt);
    free(x);
    return ct;
}

static double *decrypted(const ckks_ciphertext *ct)
{
    size_t n = (size_t)1 << ct->log_slots;
    double *x = malloc(n * sizeof *x);
    cr_assert_not_null(x);
    ckks_plaintext *pt = ckks_plaintext_new(ctx);
    cr_assert_eq(ckks_decrypt(ctx, pt, ct, sk), 0);
    cr_assert_eq(ckks_decode_real(ctx, pt, x, n), 0);
    ckks_plaintext_free(pt);
    return x;
}

static void assert_same_ct(const ckks_ciphertext *a, const ckks_ciphertext *b)
{
    cr_assert_eq(a->level, b->level);
    cr_assert_eq(a->log_slots, b->log_slots);
    cr_assert_eq(a->size, b->size);
    cr_assert_eq(a->scale, b->scale);
    size_t words = ((size_t)a->level + 1) * ctx->n;
    for (int k = 0; k < a->size; k++)
        cr_assert_eq(memcmp(a->c[k], b->c[k], words * sizeof(uint64_t)), 0, "component %d", k);
}

static void assert_same_switch_key(const ckks_switch_key *a, const ckks_switch_key *b)
{
    cr_assert_eq(a->hash, b->hash);
    cr_assert_eq(a->galois, b->galois);
    cr_assert_eq(a->dnum, b->dnum);
    cr_assert_eq(a->words, b->words);
    cr_assert_eq(memcmp(a->seed, b->seed, CKKS_SEED_BYTES), 0);
    for (int j = 0; j < a->dnum; j++) {
        cr_assert_eq(memcmp(a->b[j], b->b[j], a->words * sizeof(uint64_t)), 0, "b_%d", j);
        cr_assert_eq(memcmp(a->a[j], b->a[j], a->words * sizeof(uint64_t)), 0, "a_%d", j);
    }
}

static size_t file_size(const char *path)
{
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    return (size_t)st.st_size;
}

/* Names in dir, sorted into one string. */
static size_t dir_entries(const char *d, char *only, size_t cap)
{
    DIR *h = opendir(d);
    cr_assert_not_null(h);
    size_t count = 0;
    struct dirent *e;
    while ((e = readdir(h)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            count++;
            snprintf(only, cap, "%s", e->d_name);
        }
    closedir(h);
    return count;
}

/* ---- round trips ------------------------------------------------------------- */

Test(serialize, params_round_trip)
{
    char *path = at("params");
    const char *const *names = ckks_params_names();
    for (const char *const *n = names; *n; n++) {
        ckks_params p, q;
        cr_assert_eq(ckks_params_named(*n, &p), 0);
        cr_assert_eq(ckks_params_save(&p, path), 0);
        memset(&q, 0xa5, sizeof q);
        cr_assert_eq(ckks_params_load(&q, path), 0);
        cr_assert_str_eq(q.name, *n);
        cr_assert_eq(q.logn, p.logn);
        cr_assert_eq(q.nq, p.nq);
        cr_assert_eq(q.np, p.np);
        cr_assert_eq(memcmp(q.qbits, p.qbits, sizeof(int) * (size_t)p.nq), 0);
        cr_assert_eq(memcmp(q.pbits, p.pbits, sizeof(int) * (size_t)p.np), 0);
        cr_assert_eq(q.log_scale, p.log_scale);
        cr_assert_eq(q.dnum, p.dnum);
        cr_assert_eq(q.hamming_weight, p.hamming_weight);
        cr_assert_eq(q.insecure, p.insecure);
    }
    /* A custom set keeps its fields; its name has no storage to live in. */
    ckks_params p, q;
    cr_assert_eq(ckks_params_named("TEST-N12", &p), 0);
    p.name = "custom";
    p.hamming_weight = 64;
    p.dnum = 2;
    cr_assert_eq(ckks_params_save(&p, path), 0);
    cr_assert_eq(ckks_params_load(&q, path), 0);
    cr_assert_null(q.name);
    cr_assert_eq(q.hamming_weight, 64);
    cr_assert_eq(q.dnum, 2);
    /* The reloaded set describes the same context. */
    cr_assert_eq(ckks_params_named("TEST-N12", &p), 0);
    cr_assert_eq(ckks_params_save(&p, path), 0);
    cr_assert_eq(ckks_params_load(&q, path), 0);
    ckks_context *c2;
    cr_assert_eq(ckks_context_new(&c2, &q, CKKS_ALLOW_INSECURE), 0);
    cr_assert_eq(ckks_context_hash(c2), ckks_context_hash(ctx));
    ckks_context_free(c2);
    /* Out-of-range literals are not written. */
    p.nq = CKKS_MAX_PRIMES + 1;
    cr_assert_eq(ckks_params_save(&p, path), CKKS_EINVAL);
    free(path);
}

Test(serialize, secret_key_round_trip_and_mode)
{
    char *path = at("sk");
    mode_t old = umask(0);
    int err = ckks_secret_key_save(ctx, sk, path);
    umask(old);
    cr_assert_eq(err, 0);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600, "mode %o", st.st_mode & 0777);
    cr_assert_eq(st.st_size, HDR + CKKS_SEED_BYTES + 4 + TRAILER);
    ckks_secret_key *k = NULL;
    cr_assert_eq(ckks_secret_key_load(ctx, &k, path), 0);
    cr_assert_eq(k->hash, sk->hash);
    cr_assert_eq(memcmp(k->seed, sk->seed, CKKS_SEED_BYTES), 0);
    cr_assert_eq(memcmp(k->s, sk->s, ctx->n), 0);
    size_t words = (size_t)(ctx->nq + ctx->np) * ctx->n;
    cr_assert_eq(memcmp(k->s_ntt, sk->s_ntt, words * sizeof(uint64_t)), 0);
    ckks_secret_key_free(k);
    free(path);
}

Test(serialize, public_key_round_trip)
{
    char *path = at("pk");
    ckks_public_key *pk, *k = NULL;
    cr_assert_eq(ckks_public_key_new(ctx, &pk, sk), 0);
    cr_assert_eq(ckks_public_key_save(ctx, pk, path), 0);
    size_t words = (size_t)ctx->nq * ctx->n;
    /* compressed: a is not stored */
    cr_assert_eq(file_size(path), HDR + CKKS_SEED_BYTES + 8 * words + TRAILER);
    cr_assert_eq(ckks_public_key_load(ctx, &k, path), 0);
    cr_assert_eq(k->hash, pk->hash);
    cr_assert_eq(memcmp(k->seed, pk->seed, CKKS_SEED_BYTES), 0);
    cr_assert_eq(memcmp(k->b, pk->b, words * sizeof(uint64_t)), 0);
    cr_assert_eq(memcmp(k->a, pk->a, words * sizeof(uint64_t)), 0);
    ckks_public_key_free(k);
    ckks_public_key_free(pk);
    free(path);
}

Test(serialize, relin_key_round_trip)
{
    char *path = at("rlk");
    ckks_switch_key *rlk, *k = NULL;
    cr_assert_eq(ckks_relin_key_new(ctx, &rlk, sk), 0);
    cr_assert_eq(ckks_switch_key_save(ctx, rlk, path), 0);
    cr_assert_eq(file_size(path), HDR + 16 + CKKS_SEED_BYTES +
                                      8 * (size_t)rlk->dnum * rlk->words + TRAILER);
    cr_assert_eq(ckks_switch_key_load(ctx, &k, path), 0);
    assert_same_switch_key(k, rlk);
    ckks_switch_key_free(k);
    ckks_switch_key_free(rlk);
    free(path);
}

Test(serialize, galois_keys_round_trip)
{
    char *path = at("gk");
    const int steps[] = {1, -1, 5};
    ckks_galois_keys *gk, *k = NULL;
    cr_assert_eq(ckks_galois_keys_new(ctx, &gk, sk, steps, 3, 1), 0);
    cr_assert_eq(ckks_galois_keys_count(gk), 4);
    cr_assert_eq(ckks_galois_keys_save(ctx, gk, path), 0);
    cr_assert_eq(ckks_galois_keys_load(ctx, &k, path), 0);
    cr_assert_eq(k->hash, gk->hash);
    cr_assert_eq(k->count, gk->count);
    for (size_t i = 0; i < gk->count; i++) assert_same_switch_key(k->keys[i], gk->keys[i]);
    const ckks_switch_key *found = ckks_galois_keys_find(k, ckks_galois_element(ctx, 5));
    cr_assert_not_null(found);
    cr_assert_eq(found->galois, ckks_galois_element(ctx, 5));
    ckks_galois_keys_free(k);
    ckks_galois_keys_free(gk);

    /* and an empty set */
    cr_assert_eq(ckks_galois_keys_new(ctx, &gk, sk, NULL, 0, 0), 0);
    cr_assert_eq(ckks_galois_keys_save(ctx, gk, path), 0);
    cr_assert_eq(ckks_galois_keys_load(ctx, &k, path), 0);
    cr_assert_eq(k->count, 0);
    ckks_galois_keys_free(k);
    ckks_galois_keys_free(gk);
    free(path);
}

Test(serialize, plaintext_round_trip_reuses_object)
{
    char *path = at("pt");
    int log_slots = 9;
    size_t n = (size_t)1 << log_slots;
    double *x = test_values(n);
    ckks_plaintext *pt = ckks_plaintext_new(ctx), *back = ckks_plaintext_new(ctx);
    /* back starts larger than the file: its buffer is reused */
    cr_assert_eq(ckks_encode_real(ctx, back, x, n, log_slots, ctx->nq - 1, 1e6), 0);
    uint64_t *buffer = back->c;
    cr_assert_eq(ckks_encode_real(ctx, pt, x, n, log_slots, 3, 0x1p30), 0);
    cr_assert_eq(ckks_plaintext_save(ctx, pt, path), 0);
    cr_assert_eq(file_size(path), HDR + 16 + 4 * 8 * ctx->n + TRAILER);
    cr_assert_eq(ckks_plaintext_load(ctx, back, path), 0);
    cr_assert_eq(back->c, buffer);
    cr_assert_eq(back->level, 3);
    cr_assert_eq(back->log_slots, log_slots);
    cr_assert_eq(back->scale, 0x1p30);
    cr_assert_eq(memcmp(back->c, pt->c, 4 * ctx->n * sizeof(uint64_t)), 0);
    /* a compact plaintext (16 slots) is written out in full */
    cr_assert_eq(ckks_encode_real(ctx, pt, x, 16, 4, 3, 0x1p30), 0);
    cr_assert_lt(ckks_plaintext_limb_words(pt), ctx->n);
    cr_assert_eq(ckks_plaintext_save(ctx, pt, path), 0);
    cr_assert_eq(file_size(path), HDR + 16 + 4 * 8 * ctx->n + TRAILER);
    cr_assert_eq(ckks_plaintext_load(ctx, back, path), 0);
    uint64_t *limb = malloc(ctx->n * sizeof *limb);
    for (int i = 0; i <= 3; i++) {
        ckks_plaintext_expand_limb(pt, i, limb);
        cr_assert_eq(memcmp(back->c + (size_t)i * ctx->n, limb, ctx->n * sizeof *limb), 0, "limb %d", i);
    }
    free(limb);
    ckks_plaintext_free(pt);
    ckks_plaintext_free(back);
    free(x);
    free(path);
}

Test(serialize, ciphertext_round_trip_decrypts_the_same)
{
    char *path = at("ct");
    ckks_public_key *pk;
    cr_assert_eq(ckks_public_key_new(ctx, &pk, sk), 0);
    ckks_ciphertext *ct = encrypted(ctx->nq - 1, pk), *back = ckks_ciphertext_new(ctx);
    cr_assert(!ct->seeded);
    cr_assert_eq(ckks_ciphertext_save(ctx, ct, path), 0);
    cr_assert_eq(ckks_ciphertext_load(ctx, back, path), 0);
    assert_same_ct(back, ct);
    size_t n = (size_t)1 << ct->log_slots;
    double *want = decrypted(ct), *got = decrypted(back), *x = test_values(n);
    cr_assert_eq(memcmp(want, got, n * sizeof *got), 0);
    double err = 0;
    for (size_t i = 0; i < n; i++) err = fmax(err, fabs(got[i] - x[i]));
    cr_assert_gt(-log2(err), 20, "only %.1f bits", -log2(err));
    free(want);
    free(got);
    free(x);
    ckks_ciphertext_free(ct);
    ckks_ciphertext_free(back);
    ckks_public_key_free(pk);
    free(path);
}

Test(serialize, seeded_ciphertext_is_half_size)
{
    char *seeded = at("seeded"), *full = at("full");
    ckks_public_key *pk;
    cr_assert_eq(ckks_public_key_new(ctx, &pk, sk), 0);
    for (int level = 0; level < ctx->nq; level += ctx->nq - 3) {
        ckks_ciphertext *a = encrypted(level, NULL), *b = encrypted(level, pk);
        ckks_ciphertext *back = ckks_ciphertext_new(ctx);
        cr_assert(a->seeded);
        cr_assert_eq(ckks_ciphertext_save(ctx, a, seeded), 0);
        cr_assert_eq(ckks_ciphertext_save(ctx, b, full), 0);
        size_t s = file_size(seeded), f = file_size(full), words = ((size_t)level + 1) * ctx->n;
        cr_assert_eq(f, HDR + 24 + 16 * words + TRAILER);
        cr_assert_eq(s, HDR + 24 + CKKS_SEED_BYTES + 8 * words + TRAILER);
        cr_assert_lt(fabs(2.0 * (double)s - (double)f), 256, "%zu vs %zu", s, f);
        /* c_1 comes back from the seed, bit for bit, and stays compressible */
        cr_assert_eq(ckks_ciphertext_load(ctx, back, seeded), 0);
        assert_same_ct(back, a);
        cr_assert(back->seeded);
        cr_assert_eq(memcmp(back->seed, a->seed, CKKS_SEED_BYTES), 0);
        size_t n = (size_t)1 << a->log_slots;
        double *want = decrypted(a), *got = decrypted(back);
        cr_assert_eq(memcmp(want, got, n * sizeof *got), 0);
        free(want);
        free(got);
        ckks_ciphertext_free(a);
        ckks_ciphertext_free(b);
        ckks_ciphertext_free(back);
    }
    ckks_public_key_free(pk);
    free(seeded);
    free(full);
}

Test(serialize, size3_ciphertext_round_trip)
{
    char *path = at("ct3");
    ckks_ciphertext *ct = ckks_ciphertext_new(ctx), *back = ckks_ciphertext_new(ctx);
    int level = 2;
    cr_assert_eq(ckks_ciphertext_reserve(ct, level, 3), 0);
    uint64_t s = 1;
    for (int k = 0; k < 3; k++)
        for (int i = 0; i <= level; i++)
            for (size_t j = 0; j < ctx->n; j++) {
                s = s * 6364136223846793005u + 1442695040888963407u;
                uint64_t q = ctx->mod[i].q;
                /* include the extremes 0 and q - 1 */
                ct->c[k][(size_t)i * ctx->n + j] = j == 0 ? 0 : j == 1 ? q - 1 : (s >> 3) % q;
            }
    ct->level = level;
    ct->size = 3;
    ct->log_slots = 4;
    ct->scale = 0x1p80;
    cr_assert_eq(ckks_ciphertext_save(ctx, ct, path), 0);
    cr_assert_eq(ckks_ciphertext_load(ctx, back, path), 0);
    assert_same_ct(back, ct);
    cr_assert(!back->seeded);
    ckks_ciphertext_free(ct);
    ckks_ciphertext_free(back);
    free(path);
}

Test(serialize, file_checksums_follow_the_format)
{
    char *path = at("f");
    ckks_ciphertext *ct = encrypted(1, NULL);
    ckks_params p;
    cr_assert_eq(ckks_params_named("N16", &p), 0);
    for (int which = 0; which < 3; which++) {
        int err = which == 0   ? ckks_ciphertext_save(ctx, ct, path)
                  : which == 1 ? ckks_secret_key_save(ctx, sk, path)
                               : ckks_params_save(&p, path);
        cr_assert_eq(err, 0);
        size_t len;
        uint8_t *buf = slurp(path, &len);
        cr_assert_eq(memcmp(buf, "HETRAIN\0", 8), 0);
        cr_assert_eq(rd(buf + 8, 2), 1);
        cr_assert_eq(rd(buf + 12, 4), 0);
        cr_assert_eq(rd(buf + 16, 8), which == 2 ? 0 : ckks_context_hash(ctx));
        cr_assert_eq(rd(buf + 24, 8), len - HDR - TRAILER);
        cr_assert_eq(rd(buf + len - 8, 8), reference_checksum(buf, len - TRAILER));
        free(buf);
    }
    ckks_ciphertext_free(ct);
    free(path);
}

/* ---- rejection ------------------------------------------------------------------ */

Test(serialize, truncated_files_are_rejected)
{
    char *path = at("full"), *cut = at("cut");
    ckks_params p;
    cr_assert_eq(ckks_params_named("TEST-N12", &p), 0);
    cr_assert_eq(ckks_params_save(&p, path), 0);
    size_t len;
    uint8_t *buf = slurp(path, &len);
    for (size_t n = 0; n < len; n++) {
        spit(cut, buf, n);
        cr_assert_eq(ckks_params_load(&p, cut), CKKS_EFORMAT, "params cut to %zu", n);
    }
    free(buf);

    cr_assert_eq(ckks_secret_key_save(ctx, sk, path), 0);
    buf = slurp(path, &len);
    for (size_t n = 0; n < len; n++) {
        ckks_secret_key *k = NULL;
        spit(cut, buf, n);
        cr_assert_eq(ckks_secret_key_load(ctx, &k, cut), CKKS_EFORMAT, "sk cut to %zu", n);
        cr_assert_null(k);
    }
    free(buf);

    ckks_ciphertext *ct = encrypted(2, NULL), *back = ckks_ciphertext_new(ctx);
    cr_assert_eq(ckks_ciphertext_save(ctx, ct, path), 0);
    buf = slurp(path, &len);
    const size_t cuts[] = {0, 1, 7, 8, 31, 32, 33, 56, 87, 88, 89, 4096, len / 2, len - 9,
                          len - 8, len - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        spit(cut, buf, cuts[i]);
        cr_assert_eq(ckks_ciphertext_load(ctx, back, cut), CKKS_EFORMAT, "ct cut to %zu", cuts[i]);
    }
    /* and one byte too many */
    buf[len] = 0;
    spit(cut, buf, len + 1);
    cr_assert_eq(ckks_ciphertext_load(ctx, back, cut), CKKS_EFORMAT);
    free(buf);
    ckks_ciphertext_free(ct);
    ckks_ciphertext_free(back);
    free(path);
    free(cut);
}

Test(serialize, flipped_bytes_fail_the_checksum)
{
    char *path = at("pk"), *bad = at("bad");
    ckks_public_key *pk, *k = NULL;
    cr_assert_eq(ckks_public_key_new(ctx, &pk, sk), 0);
    cr_assert_eq(ckks_public_key_save(ctx, pk, path), 0);
    size_t len;
    uint8_t *buf = slurp(path, &len);
    /* magic, type, reserved, hash, length, seed, b, last residue, checksum */
    const size_t pos[] = {0, 5, 10, 13, 16, 23, 24, 31, 32, 63, 64, 65, 1000, len / 2,
                          len - 9, len - 8, len - 1};
    for (size_t i = 0; i < sizeof pos / sizeof pos[0]; i++)
        for (int bit = 0; bit < 8; bit += 7) {
            buf[pos[i]] ^= (uint8_t)(1u << bit);
            spit(bad, buf, len);
            buf[pos[i]] ^= (uint8_t)(1u << bit);
            cr_assert_eq(ckks_public_key_load(ctx, &k, bad), CKKS_EFORMAT, "byte %zu bit %d",
                         pos[i], bit);
            cr_assert_null(k);
        }
    /* A flipped version is reported as such: it is checked first. */
    buf[8] ^= 1;
    spit(bad, buf, len);
    cr_assert_eq(ckks_public_key_load(ctx, &k, bad), CKKS_EVERSION);
    free(buf);
    ckks_public_key_free(pk);
    free(path);
    free(bad);
}

Test(serialize, wrong_magic_version_or_type)
{
    char *path = at("rlk"), *bad = at("bad");
    ckks_switch_key *rlk, *k = NULL;
    cr_assert_eq(ckks_relin_key_new(ctx, &rlk, sk), 0);
    cr_assert_eq(ckks_switch_key_save(ctx, rlk, path), 0);
    size_t len;
    uint8_t *buf = slurp(path, &len);
    patch(bad, buf, len, 0, 0x0000004e49415254u, 8); /* "TRAIN" */
    cr_assert_eq(ckks_switch_key_load(ctx, &k, bad), CKKS_EFORMAT);
    patch(bad, buf, len, 8, 2, 2);
    cr_assert_eq(ckks_switch_key_load(ctx, &k, bad), CKKS_EVERSION);
    patch(bad, buf, len, 8, 0, 2);
    cr_assert_eq(ckks_switch_key_load(ctx, &k, bad), CKKS_EVERSION);
    patch(bad, buf, len, 12, 1, 4); /* reserved */
    cr_assert_eq(ckks_switch_key_load(ctx, &k, bad), CKKS_EFORMAT);
    /* the same bytes declared as galois keys, then a valid file of another type */
    patch(bad, buf, len, 10, rd(buf + 10, 2) + 1, 2);
    cr_assert_eq(ckks_switch_key_load(ctx, &k, bad), CKKS_EFORMAT);
    cr_assert_null(k);
    ckks_secret_key *s = NULL;
    ckks_public_key *pk = NULL;
    cr_assert_eq(ckks_secret_key_load(ctx, &s, path), CKKS_EFORMAT);
    cr_assert_eq(ckks_public_key_load(ctx, &pk, path), CKKS_EFORMAT);
    ckks_ciphertext *ct = encrypted(1, NULL);
    ckks_plaintext *pt = ckks_plaintext_new(ctx);
    cr_assert_eq(ckks_ciphertext_save(ctx, ct, path), 0);
    cr_assert_eq(ckks_plaintext_load(ctx, pt, path), CKKS_EFORMAT);
    cr_assert_null(s);
    cr_assert_null(pk);
    ckks_plaintext_free(pt);
    ckks_ciphertext_free(ct);
    free(buf);
    ckks_switch_key_free(rlk);
    free(path);
    free(bad);
}

Test(serialize, other_parameter_set)
{
    char *pkp = at("pk"), *ctp = at("ct"), *skp = at("sk");
    ckks_public_key *pk, *k = NULL;
    cr_assert_eq(ckks_public_key_new(ctx, &pk, sk), 0);
    cr_assert_eq(ckks_public_key_save(ctx, pk, pkp), 0);
    cr_assert_eq(ckks_secret_key_save(ctx, sk, skp), 0);
    ckks_ciphertext *ct = encrypted(1, NULL);
    cr_assert_eq(ckks_ciphertext_save(ctx, ct, ctp), 0);

    /* same ring, primes and moduli; only the digit count differs */
    ckks_params p;
    ckks_context *other;
    cr_assert_eq(ckks_params_named("TEST-N12", &p), 0);
    p.dnum = 2;
    cr_assert_eq(ckks_context_new(&other, &p, CKKS_ALLOW_INSECURE), 0);
    cr_assert_neq(ckks_context_hash(other), ckks_context_hash(ctx));
    ckks_secret_key *s = NULL;
    ckks_ciphertext *back = ckks_ciphertext_new(other);
    cr_assert_eq(ckks_public_key_load(other, &k, pkp), CKKS_EPARAMS);
    cr_assert_eq(ckks_secret_key_load(other, &s, skp), CKKS_EPARAMS);
    cr_assert_eq(ckks_ciphertext_load(other, back, ctp), CKKS_EPARAMS);
    cr_assert_null(k);
    cr_assert_null(s);
    /* the object and the context must agree too */
    cr_assert_eq(ckks_ciphertext_load(ctx, back, ctp), CKKS_ECONTEXT);
    cr_assert_eq(ckks_public_key_save(other, pk, pkp), CKKS_ECONTEXT);
    ckks_ciphertext_free(back);
    ckks_context_free(other);

    /* A different hash in an intact file, under the right context. */
    size_t len;
    uint8_t *buf = slurp(pkp, &len);
    patch(pkp, buf, len, 16, rd(buf + 16, 8) ^ 1, 8);
    cr_assert_eq(ckks_public_key_load(ctx, &k, pkp), CKKS_EPARAMS);
    cr_assert_null(k);
    free(buf);
    ckks_ciphertext_free(ct);
    ckks_public_key_free(pk);
    free(pkp);
    free(ctp);
    free(skp);
}

Test(serialize, missing_file)
{
    char *path = at("nothing-here");
    ckks_secret_key *k = NULL;
    ckks_ciphertext *ct = ckks_ciphertext_new(ctx);
    ckks_params p;
    errno = 0;
    cr_assert_eq(ckks_secret_key_load(ctx, &k, path), CKKS_EIO);
    cr_assert_eq(errno, ENOENT);
    errno = 0;
    cr_assert_eq(ckks_ciphertext_load(ctx, ct, path), CKKS_EIO);
    cr_assert_eq(errno, ENOENT);
    cr_assert_eq(ckks_params_load(&p, path), CKKS_EIO);
    /* a directory opens but cannot be read */
    errno = 0;
    cr_assert_eq(ckks_params_load(&p, dir), CKKS_EIO);
    cr_assert_eq(errno, EISDIR);
    cr_assert_null(k);
    ckks_ciphertext_free(ct);
    free(path);
}

Test(serialize, inconsistent_fields_are_rejected)
{
    char *path = at("ct"), *bad = at("bad");
    ckks_ciphertext *ct = encrypted(2, NULL), *back = encrypted(4, NULL);
    ct->seeded = false;
    cr_assert_eq(ckks_ciphertext_save(ctx, ct, path), 0);
    size_t len;
    uint8_t *buf = slurp(path, &len);
    uint64_t nan, neg, inf;
    double d = NAN;
    memcpy(&nan, &d, 8);
    d = -0x1p40;
    memcpy(&neg, &d, 8);
    d = INFINITY;
    memcpy(&inf, &d, 8);
    const struct {
        size_t off;
        uint64_t v;
        int bytes;
    } cases[] = {
        {32, 3, 4},                               /* level: length no longer matches */
        {32, (uint64_t)ctx->nq, 4},               /* level beyond the context */
        {32, 0xffffffffu, 4},
        {36, (uint64_t)ctx->logn, 4},             /* log_slots */
        {40, nan, 8},                             /* scale */
        {40, neg, 8},
        {40, inf, 8},
        {40, 0, 8},
        {48, 4, 4},                               /* size */
        {48, 1, 4},
        {48, 3, 4},                               /* length no longer matches */
        {52, 2, 4},                               /* seeded is 0 or 1 */
        {52, 1, 4},                               /* length no longer matches */
        {24, len - HDR - TRAILER - 8, 8},          /* payload length */
        {24, len - HDR - TRAILER + 8, 8},
        {CT_DATA, ctx->mod[0].q, 8},              /* residues below their prime */
        {CT_DATA + 8 * (2 * ctx->n + 5), ctx->mod[2].q + 1, 8},
        {len - TRAILER - 8, ctx->mod[2].q, 8},
        {len - TRAILER - 8, UINT64_MAX, 8},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        patch(bad, buf, len, cases[i].off, cases[i].v, cases[i].bytes);
        cr_assert_eq(ckks_ciphertext_load(ctx, back, bad), CKKS_EFORMAT, "case %zu", i);
    }
    /* the largest residue is fine */
    patch(bad, buf, len, CT_DATA, ctx->mod[0].q - 1, 8);
    cr_assert_eq(ckks_ciphertext_load(ctx, back, bad), 0);
    cr_assert_eq(back->c[0][0], ctx->mod[0].q - 1);
    free(buf);

    /* a seeded ciphertext cannot claim three components */
    ckks_ciphertext *s = encrypted(2, NULL);
    cr_assert_eq(ckks_ciphertext_save(ctx, s, path), 0);
    buf = slurp(path, &len);
    patch(bad, buf, len, 48, 3, 4);
    cr_assert_eq(ckks_ciphertext_load(ctx, back, bad), CKKS_EFORMAT);
    free(buf);

    /* plaintext residues, level */
    ckks_plaintext *pt = ckks_plaintext_new(ctx);
    cr_assert_eq(ckks_decrypt(ctx, pt, ct, sk), 0);
    cr_assert_eq(ckks_plaintext_save(ctx, pt, path), 0);
    buf = slurp(path, &len);
    patch(bad, buf, len, PT_DATA + 8 * ctx->n, ctx->mod[1].q, 8);
    cr_assert_eq(ckks_plaintext_load(ctx, pt, bad), CKKS_EFORMAT);
    patch(bad, buf, len, 32, (uint64_t)ctx->nq, 4);
    cr_assert_eq(ckks_plaintext_load(ctx, pt, bad), CKKS_EFORMAT);
    free(buf);

    ckks_plaintext_free(pt);
    ckks_ciphertext_free(s);
    ckks_ciphertext_free(ct);
    ckks_ciphertext_free(back);
    free(path);
    free(bad);
}

Test(serialize, inconsistent_keys_are_rejected)
{
    char *path = at("gk"), *bad = at("bad");
    const int steps[] = {1, 2};
    ckks_galois_keys *gk, *k = NULL;
    ckks_switch_key *sw = NULL;
    cr_assert_eq(ckks_galois_keys_new(ctx, &gk, sk, steps, 2, 0), 0);
    cr_assert_eq(ckks_galois_keys_save(ctx, gk, path), 0);
    size_t len, rec = 16 + CKKS_SEED_BYTES + 8 * (size_t)ctx->dnum * (ctx->nq + ctx->np) * ctx->n;
    uint8_t *buf = slurp(path, &len);
    cr_assert_eq(len, HDR + 8 + 2 * rec + TRAILER);
    size_t g0 = HDR + 8, g1 = g0 + rec;
    uint64_t e0 = rd(buf + g0, 8), e1 = rd(buf + g1, 8);
    cr_assert_lt(e0, e1);
    const struct {
        size_t off;
        uint64_t v;
        int bytes;
    } cases[] = {
        {HDR, 3, 8},                                /* count vs length */
        {HDR, 1, 8},
        {HDR, ctx->n + 1, 8},                       /* more than exist */
        {HDR, UINT64_MAX, 8},
        {g1, e0, 8},                                /* not increasing */
        {g0, e1, 8},
        {g0, 0, 8},                                 /* relinearization in a galois set */
        {g0, e0 + 1, 8},                            /* even */
        {g1, 2 * ctx->n + 1, 8},                    /* beyond 2N */
        {g0 + 8, (uint64_t)ctx->nq, 4},             /* level beyond the chain */
        {g0 + 8, 0, 4},                             /* level vs length */
        {g0 + 12, (uint64_t)ctx->dnum + 1, 4},      /* digits */
        {g0 + 12, (uint64_t)ctx->dnum - 1, 4},
        {g1 + 16 + CKKS_SEED_BYTES, ctx->mod[0].q, 8}, /* residue */
        {g1 + rec - 8, ctx->mod[ctx->nq + ctx->np - 1].q, 8},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        patch(bad, buf, len, cases[i].off, cases[i].v, cases[i].bytes);
        cr_assert_eq(ckks_galois_keys_load(ctx, &k, bad), CKKS_EFORMAT, "case %zu", i);
        cr_assert_null(k);
    }
    /* One galois key saved alone is a valid switching key file ... */
    cr_assert_eq(ckks_switch_key_save(ctx, gk->keys[1], path), 0);
    cr_assert_eq(ckks_switch_key_load(ctx, &sw, path), 0);
    assert_same_switch_key(sw, gk->keys[1]);
    ckks_switch_key_free(sw);
    sw = NULL;
    free(buf);
    /* ... as long as its element is valid */
    buf = slurp(path, &len);
    patch(bad, buf, len, HDR, 2, 8);
    cr_assert_eq(ckks_switch_key_load(ctx, &sw, bad), CKKS_EFORMAT);
    cr_assert_null(sw);
    free(buf);
    ckks_galois_keys_free(gk);
    free(path);
    free(bad);
}

Test(serialize, failed_load_leaves_ciphertext_unchanged)
{
    char *path = at("ct"), *bad = at("bad");
    ckks_ciphertext *ct = encrypted(1, NULL), *keep = encrypted(ctx->nq - 1, NULL);
    ckks_ciphertext *copy = ckks_ciphertext_new(ctx);
    cr_assert_eq(ckks_ciphertext_copy(copy, keep), 0);
    cr_assert_eq(ckks_ciphertext_save(ctx, ct, path), 0);
    size_t len;
    uint8_t *buf = slurp(path, &len);
    buf[len - 20] ^= 4; /* in the last residues */
    spit(bad, buf, len);
    cr_assert_eq(ckks_ciphertext_load(ctx, keep, bad), CKKS_EFORMAT);
    assert_same_ct(keep, copy);
    free(buf);
    ckks_ciphertext_free(ct);
    ckks_ciphertext_free(keep);
    ckks_ciphertext_free(copy);
    free(path);
    free(bad);
}

/* ---- atomic writes ------------------------------------------------------------ */

Test(serialize, no_temporary_remains_after_success)
{
    char *path = at("pk"), name[256];
    ckks_public_key *pk, *k = NULL;
    cr_assert_eq(ckks_public_key_new(ctx, &pk, sk), 0);
    /* a stale temporary of our pid is replaced, an old file overwritten */
    char tmp[512];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    spit(tmp, (const uint8_t *)"stale", 5);
    spit(path, (const uint8_t *)"old", 3);
    cr_assert_eq(ckks_public_key_save(ctx, pk, path), 0);
    cr_assert_eq(dir_entries(dir, name, sizeof name), 1);
    cr_assert_str_eq(name, "pk");
    cr_assert_eq(access(tmp, F_OK), -1);
    cr_assert_eq(ckks_public_key_load(ctx, &k, path), 0);
    ckks_public_key_free(k);
    ckks_public_key_free(pk);
    free(path);
}

Test(serialize, failed_save_leaves_nothing)
{
    char name[256];
    ckks_ciphertext *ct = encrypted(1, NULL);
    /* the target is a directory: the rename fails after a full write */
    char *target = at("target");
    cr_assert_eq(mkdir(target, 0700), 0);
    errno = 0;
    cr_assert_eq(ckks_ciphertext_save(ctx, ct, target), CKKS_EIO);
    cr_assert_eq(errno, EISDIR);
    cr_assert_eq(dir_entries(dir, name, sizeof name), 1);
    cr_assert_str_eq(name, "target");
    cr_assert_eq(dir_entries(target, name, sizeof name), 0);
    /* a missing directory */
    char *missing = at("no/such/file");
    errno = 0;
    cr_assert_eq(ckks_secret_key_save(ctx, sk, missing), CKKS_EIO);
    cr_assert_eq(errno, ENOENT);
    cr_assert_eq(dir_entries(dir, name, sizeof name), 1);
    /* an unwritable one (root writes anywhere) */
    char *ro = at("ro"), *inside = at("ro/ct");
    cr_assert_eq(mkdir(ro, 0500), 0);
    int err = ckks_ciphertext_save(ctx, ct, inside);
    if (geteuid() != 0) {
        cr_assert_eq(err, CKKS_EIO);
        cr_assert_eq(errno, EACCES);
        cr_assert_eq(dir_entries(ro, name, sizeof name), 0);
    } else {
        cr_assert_eq(err, 0);
        cr_assert_eq(dir_entries(ro, name, sizeof name), 1);
    }
    ckks_ciphertext_free(ct);
    free(target);
    free(missing);
    free(ro);
    free(inside);
}

Test(serialize, sparse_secrets_and_level_restricted_keys_round_trip)
{
    char *path = at("sparse"), *kpath = at("lowkey");
    ckks_secret_key *sparse = NULL, *k = NULL;
    uint8_t seed[CKKS_SEED_BYTES] = {5};
    cr_assert_eq(ckks_secret_key_new_sparse(ctx, &sparse, 24, seed), 0);
    cr_assert_eq(ckks_secret_key_save(ctx, sparse, path), 0);
    cr_assert_eq(ckks_secret_key_load(ctx, &k, path), 0);
    cr_assert_eq(memcmp(k->s, sparse->s, ctx->n), 0, "the Hamming weight must survive");
    ckks_switch_key *sw = NULL, *back = NULL;
    cr_assert_eq(ckks_switching_key_new_level(ctx, &sw, sk, sparse, 1), 0);
    cr_assert_eq(sw->level, 1);
    cr_assert_eq(ckks_switch_key_save(ctx, sw, kpath), 0);
    cr_assert_eq(file_size(kpath), HDR + 16 + 32 + 8 * (size_t)sw->dnum * sw->words + TRAILER);
    cr_assert_eq(ckks_switch_key_load(ctx, &back, kpath), 0);
    cr_assert_eq(back->level, 1);
    for (int j = 0; j < sw->dnum; j++) {
        cr_assert_eq(memcmp(back->b[j], sw->b[j], sw->words * 8), 0);
        cr_assert_eq(memcmp(back->a[j], sw->a[j], sw->words * 8), 0);
    }
    ckks_switch_key_free(sw);
    ckks_switch_key_free(back);
    ckks_secret_key_free(sparse);
    ckks_secret_key_free(k);
    unlink(path);
    unlink(kpath);
    free(path);
    free(kpath);
}
