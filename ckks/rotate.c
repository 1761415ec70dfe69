/* rotate.c - slot rotations and conjugation through Galois automorphisms,
 * single, composed and hoisted. */
#include "ckks/internal.h"

#include <stdlib.h>
#include <string.h>

/* out = sigma_g(a) given r = (u0, u1), a's c1 key-switched by the key of
 * g (2 (level + 1) limbs, overwritten); out may alias a. The key switches
 * c1 to sigma_g^-1(s), so sigma_g(c0 + u0) + sigma_g(u1) s decrypts to
 * sigma_g(m). */
static int finish_galois(const ckks_context *ctx, ckks_ciphertext *out, const ckks_ciphertext *a,
                         uint64_t *r, const uint32_t *perm)
{
    int level = a->level;
    size_t n = ctx->n, words = ((size_t)level + 1) * n;
    int err = out != a ? ckks_ciphertext_reserve(out, level, 2) : 0;
    if (err) return err;
#pragma omp parallel for schedule(static)
    for (int i = 0; i <= level; i++) {
        uint64_t q = ctx->mod[i].q, *u0 = r + (size_t)i * n, *u1 = r + words + (size_t)i * n;
        /* c0 joins u0 before the permutation: out may alias a */
        ckks_rns_mulsub(q, 1, ckks_shoup(1, q), a->c[0] + (size_t)i * n, 0, NULL, u0, n, u0);
        ckks_permute_add(q, perm, u0, NULL, NULL, n, out->c[0] + (size_t)i * n);
        ckks_permute_add(q, perm, u1, NULL, NULL, n, out->c[1] + (size_t)i * n);
    }
    out->level = level;
    out->size = 2;
    out->scale = a->scale;
    out->log_slots = a->log_slots;
    out->seeded = false;
    return 0;
}

static int check_rot(const ckks_context *ctx, const ckks_ciphertext *a, const ckks_galois_keys *gk)
{
    if (!ctx || !a) return CKKS_EINVAL;
    if (a->ctx != ctx) return CKKS_ECONTEXT;
    if (a->size != 2) return CKKS_ESIZE;
    if (!gk) return CKKS_EKEY;
    if (gk->hash != ctx->hash) return CKKS_ECONTEXT;
    return 0;
}

/* Apply the automorphism of key k to a. */
static int galois_once(const ckks_context *ctx, ckks_ciphertext *out, const ckks_ciphertext *a,
                       const ckks_switch_key *k)
{
    size_t words = ((size_t)a->level + 1) * ctx->n;
    uint32_t *perm = malloc(ctx->n * sizeof *perm);
    uint64_t *r = ckks_scratch_alloc(ctx, 2 * words);
    int err = perm && r ? 0 : CKKS_ENOMEM;
    if (!err) err = ckks_ks_switch(ctx, a->c[1], a->level, k, NULL, NULL, r, r + words);
    if (!err) {
        ckks_galois_permutation(ctx, k->galois, perm);
        err = finish_galois(ctx, out, a, r, perm);
    }
    ckks_scratch_free(ctx, r, 2 * words);
    free(perm);
    return err;
}

/* Slot rotations act modulo the slot count of the ciphertext. */
static int normalize_step(const ckks_ciphertext *a, int step)
{
    int slots = 1 << a->log_slots;
    return ((step % slots) + slots) % slots;
}

/*
 * Shortest sequence of available rotations summing to step modulo the
 * slot count (breadth-first search over Z_{N/2}). Fills seq with key
 * indices; returns the length, or -1 when unreachable.
 */
static int compose(const ckks_context *ctx, const ckks_galois_keys *gk, int slots, int step,
                   int *seq, int maxlen)
{
    size_t half = ctx->n / 2, mod2n = 2 * ctx->n;
    int *keystep = malloc(gk->count * sizeof *keystep);
    int *dlog = malloc(mod2n * sizeof *dlog);
    int *prev = malloc(half * sizeof *prev), *via = malloc(half * sizeof *via);
    int *queue = malloc(half * sizeof *queue);
    int len = -1;
    if (!keystep || !dlog || !prev || !via || !queue) goto done;
    for (size_t i = 0; i < mod2n; i++) dlog[i] = -1;
    uint64_t g = 1;
    for (size_t k = 0; k < half; k++, g = g * 5 % mod2n) dlog[g] = (int)k;
    for (size_t i = 0; i < gk->count; i++) keystep[i] = dlog[gk->keys[i]->galois];
    for (size_t i = 0; i < half; i++) prev[i] = -2;
    int head = 0, tail = 0, found = -1;
    prev[0] = -1;
    queue[tail++] = 0;
    while (head < tail && found < 0) {
        int v = queue[head++];
        if (v % slots == step) {
            found = v;
            break;
        }
        for (size_t i = 0; i < gk->count; i++) {
            if (keystep[i] < 0) continue; /* conjugation */
            int w = (int)((v + keystep[i]) % (int)half);
            if (prev[w] != -2) continue;
            prev[w] = v;
            via[w] = (int)i;
            queue[tail++] = w;
        }
    }
    if (found < 0) goto done;
    /* rotations commute: the order of the path does not matter */
    len = 0;
    for (int v = found; v != 0 && len < maxlen; v = prev[v]) seq[len++] = via[v];
done:
    free(keystep);
    free(dlog);
    free(prev);
    free(via);
    free(queue);
    return len;
}

int ckks_rotate(const ckks_context *ctx, ckks_ciphertext *out, const ckks_ciphertext *a, int step,
                const ckks_galois_keys *gk)
{
    int err = check_rot(ctx, a, gk);
    if (err) return err;
    if (!out || out->ctx != ctx) return out ? CKKS_ECONTEXT : CKKS_EINVAL;
    step = normalize_step(a, step);
    if (step == 0) return out == a ? 0 : ckks_ciphertext_copy(out, a);
    const ckks_switch_key *k = ckks_galois_keys_find(gk, ckks_galois_element(ctx, step));
    if (k) return galois_once(ctx, out, a, k);

    int seq[64];
    int len = compose(ctx, gk, 1 << a->log_slots, step, seq, 64);
    if (len <= 0) return len < 0 ? CKKS_EKEY : CKKS_ENOMEM;
    const ckks_ciphertext *src = a;
    for (int i = 0; i < len; i++) {
        if ((err = galois_once(ctx, out, src, gk->keys[seq[i]]))) return err;
        src = out;
    }
    return 0;
}

int ckks_conjugate(const ckks_context *ctx, ckks_ciphertext *out, const ckks_ciphertext *a,
                   const ckks_galois_keys *gk)
{
    int err = check_rot(ctx, a, gk);
    if (err) return err;
    if (!out || out->ctx != ctx) return out ? CKKS_ECONTEXT : CKKS_EINVAL;
    const ckks_switch_key *k = ckks_galois_keys_find(gk, 2 * ctx->n - 1);
    return k ? galois_once(ctx, out, a, k) : CKKS_EKEY;
}

int ckks_rotate_hoisted(const ckks_context *ctx, ckks_ciphertext *const *out,
                        const ckks_ciphertext *a, const int *steps, size_t nsteps,
                        const ckks_galois_keys *gk)
{
    int err = check_rot(ctx, a, gk);
    if (err) return err;
    if (nsteps && (!out || !steps)) return CKKS_EINVAL;
    const ckks_switch_key **keys = malloc((nsteps ? nsteps : 1) * sizeof *keys);
    if (!keys) return CKKS_ENOMEM;
    /* check everything before writing anything */
    for (size_t i = 0; i < nsteps && !err; i++) {
        if (!out[i] || out[i]->ctx != ctx) err = out[i] ? CKKS_ECONTEXT : CKKS_EINVAL;
        else if (out[i] == a) err = CKKS_EINVAL; /* a is read by every step */
        int s = normalize_step(a, steps[i]);
        keys[i] = s ? ckks_galois_keys_find(gk, ckks_galois_element(ctx, s)) : NULL;
        if (!err && s && !keys[i]) err = CKKS_EKEY;
    }
    size_t words = ((size_t)a->level + 1) * ctx->n;
    uint32_t *perm = malloc(ctx->n * sizeof *perm);
    uint64_t *r = ckks_scratch_alloc(ctx, 2 * words);
    ckks_ks_decomp d = {0};
    if (!err && (!perm || !r)) err = CKKS_ENOMEM;
    if (!err) err = ckks_ks_decompose(ctx, a->c[1], a->level, &d);
    for (size_t i = 0; i < nsteps && !err; i++) {
        if (!keys[i]) {
            err = ckks_ciphertext_copy(out[i], a);
            continue;
        }
        err = ckks_ks_apply(ctx, &d, keys[i], r, r + words);
        if (err) break;
        ckks_galois_permutation(ctx, keys[i]->galois, perm);
        err = finish_galois(ctx, out[i], a, r, perm);
    }
    ckks_ks_decomp_clear(ctx, &d);
    ckks_scratch_free(ctx, r, 2 * words);
    free(perm);
    free(keys);
    return err;
}

int ckks_key_switch(const ckks_context *ctx, ckks_ciphertext *out, const ckks_ciphertext *a,
                    const ckks_switch_key *k)
{
    if (!ctx || !a || !out) return CKKS_EINVAL;
    if (a->ctx != ctx || out->ctx != ctx) return CKKS_ECONTEXT;
    if (a->size != 2) return CKKS_ESIZE;
    if (!k || k->galois != CKKS_SWITCH_GALOIS) return CKKS_EKEY;
    if (k->hash != ctx->hash) return CKKS_ECONTEXT;
    int level = a->level;
    size_t words = ((size_t)level + 1) * ctx->n;
    uint64_t *u = ckks_scratch_alloc(ctx, 2 * words);
    if (!u) return CKKS_ENOMEM;
    int err = ckks_ks_switch(ctx, a->c[1], level, k, NULL, NULL, u, u + words);
    if (!err && out != a) err = ckks_ciphertext_copy(out, a);
    if (!err) {
        for (size_t c = 0; c < words; c++) {
            uint64_t q = ctx->mod[c / ctx->n].q;
            out->c[0][c] = ckks_mod_add(out->c[0][c], u[c], q);
        }
        memcpy(out->c[1], u + words, words * sizeof(uint64_t));
        out->seeded = false;
    }
    ckks_scratch_free(ctx, u, 2 * words);
    return err;
}

int ckks_decomposition_new(const ckks_context *ctx, ckks_decomposition **out,
                           const ckks_ciphertext *a)
{
    if (!ctx || !out || !a) return CKKS_EINVAL;
    *out = NULL;
    if (a->ctx != ctx) return CKKS_ECONTEXT;
    if (a->size != 2) return CKKS_ESIZE;
    ckks_decomposition *d = calloc(1, sizeof *d);
    if (!d) return CKKS_ENOMEM;
    int err = ckks_ks_decompose(ctx, a->c[1], a->level, &d->d);
    if (err) {
        free(d);
        return err;
    }
    d->ctx = ctx;
    d->hash = ctx->hash;
    *out = d;
    return 0;
}

void ckks_decomposition_free(ckks_decomposition *d)
{
    if (!d) return;
    ckks_ks_decomp_clear(d->ctx, &d->d);
    free(d);
}

static int ext_reserve(ckks_ext_ciphertext *x, int level);

/* ckks_rotate_mul_sums into out[], or (ext != NULL) into ext[] with no
 * ModDown. */
static int mul_sums(const ckks_context *ctx, ckks_ciphertext *const *out,
                    ckks_ext_ciphertext *const *ext, size_t ng, const ckks_ciphertext *a,
                    const ckks_decomposition *d, const int *steps, size_t nb,
                    const ckks_plaintext *const *p, const ckks_galois_keys *gk)
{
    int err = check_rot(ctx, a, gk);
    if (err) return err;
    if ((!out && !ext) || !d || !ng || !nb || !steps || !p) return CKKS_EINVAL;
    if (nb > 64 || ng > 4096) return CKKS_EINVAL;
    if (d->hash != ctx->hash) return CKKS_ECONTEXT;
    if (d->d.level != a->level) return CKKS_ELEVEL;
    size_t nn = ctx->n;
    int level = a->level;
    size_t words = ((size_t)level + 1) * nn;
    const ckks_switch_key **keys = calloc(nb, sizeof *keys);
    const uint32_t **perms = calloc(nb, sizeof *perms);
    uint32_t *perm_mem = malloc(nb * nn * sizeof *perm_mem);
    uint64_t **acc0 = calloc(ng, sizeof *acc0), **acc1 = calloc(ng, sizeof *acc1);
    uint64_t *acc = ext ? NULL : aligned_alloc(64, 2 * ng * words * sizeof(uint64_t));
    err = keys && perms && perm_mem && acc0 && acc1 && (acc || ext) ? 0 : CKKS_ENOMEM;
    const ckks_plaintext *first = NULL;
    for (size_t g = 0; g < ng && !err; g++) {
        if (ext) {
            if (!ext[g]) err = CKKS_EINVAL;
            else if (ext[g]->ctx != ctx) err = CKKS_ECONTEXT;
            else err = ext_reserve(ext[g], level);
            acc0[g] = err ? NULL : ext[g]->c[0];
            acc1[g] = err ? NULL : ext[g]->c[1];
        } else {
            if (!out[g]) err = CKKS_EINVAL;
            else if (out[g]->ctx != ctx) err = CKKS_ECONTEXT;
            acc0[g] = acc + 2 * g * words;
            acc1[g] = acc0[g] + words;
        }
        for (size_t b = 0; b < nb && !err; b++) {
            const ckks_plaintext *pi = p[g * nb + b];
            if (!pi) continue; /* a zero diagonal */
            if (!first) first = pi;
            if (!pi->c) err = CKKS_EINVAL;
            else if (pi->ctx != ctx) err = CKKS_ECONTEXT;
            else if (!pi->extended) err = CKKS_EINVAL;
            else if (pi->level < level) err = CKKS_ELEVEL;
            else if (pi->log_slots != a->log_slots) err = CKKS_ESLOTS;
            else if (pi->scale != first->scale) err = CKKS_ESCALE;
        }
    }
    if (!err && !first) err = CKKS_EINVAL; /* every plaintext is zero */
    for (size_t b = 0; b < nb && !err; b++) {
        int s = normalize_step(a, steps[b]);
        /* step 0: a copy, or a switch between secrets when gk has one */
        keys[b] = ckks_galois_keys_find(gk, ckks_galois_element(ctx, s));
        if (!keys[b]) {
            if (s) err = CKKS_EKEY;
            continue;
        }
        ckks_galois_permutation(ctx, keys[b]->galois, perm_mem + b * nn);
        perms[b] = perm_mem + b * nn;
    }
    if (!err)
        err = ckks_ks_rotate_mul_sums(ctx, &d->d, a->c[0], a->c[1], (int)nb, keys, perms, (int)ng, p,
                                      ext != NULL, acc0, acc1);
    double scale = first ? a->scale * first->scale : 0;
    int log_slots = a->log_slots;
    for (size_t g = 0; g < ng && !err; g++) {
        if (ext) {
            ext[g]->level = level;
            ext[g]->scale = scale;
            ext[g]->log_slots = log_slots;
        } else {
            if ((err = ckks_ciphertext_reserve(out[g], level, 2))) break;
            memcpy(out[g]->c[0], acc0[g], words * sizeof(uint64_t));
            memcpy(out[g]->c[1], acc1[g], words * sizeof(uint64_t));
            out[g]->level = level;
            out[g]->size = 2;
            out[g]->scale = scale;
            out[g]->log_slots = log_slots;
            out[g]->seeded = false;
        }
        for (size_t b = 0; b < nb; b++)
            if (p[g * nb + b]) ckks_count(ctx, pt_mults);
    }
    free(keys);
    free(perms);
    free(perm_mem);
    free(acc0);
    free(acc1);
    free(acc);
    return err;
}

int ckks_rotate_mul_sums(const ckks_context *ctx, ckks_ciphertext *const *out, size_t ng,
                         const ckks_ciphertext *a, const ckks_decomposition *d, const int *steps,
                         size_t nb, const ckks_plaintext *const *p, const ckks_galois_keys *gk)
{
    return mul_sums(ctx, out, NULL, ng, a, d, steps, nb, p, gk);
}

int ckks_rotate_mul_sums_ext(const ckks_context *ctx, ckks_ext_ciphertext *const *out, size_t ng,
                             const ckks_ciphertext *a, const ckks_decomposition *d,
                             const int *steps, size_t nb, const ckks_plaintext *const *p,
                             const ckks_galois_keys *gk)
{
    return mul_sums(ctx, NULL, out, ng, a, d, steps, nb, p, gk);
}

/* ---- ciphertexts with their ModDown pending ---------------------------- */

ckks_ext_ciphertext *ckks_ext_ciphertext_new(const ckks_context *ctx)
{
    if (!ctx) return NULL;
    ckks_ext_ciphertext *x = calloc(1, sizeof *x);
    if (x) {
        x->ctx = ctx;
        x->level = -1; /* unwritten */
    }
    return x;
}

void ckks_ext_ciphertext_free(ckks_ext_ciphertext *x)
{
    if (!x) return;
    free(x->c[0]);
    free(x->c[1]);
    free(x);
}

static size_t ext_words(const ckks_context *ctx, int level)
{
    return ((size_t)level + 1 + (size_t)ctx->np) * ctx->n;
}

/* Room for level (contents not kept); x reads as unwritten until its
 * writer sets the level, so that a failed write leaves nothing usable. */
static int ext_reserve(ckks_ext_ciphertext *x, int level)
{
    size_t words = ext_words(x->ctx, level);
    x->level = -1;
    if (x->cap >= words) return 0;
    for (int k = 0; k < 2; k++) {
        free(x->c[k]);
        x->c[k] = aligned_alloc(64, words * sizeof(uint64_t));
    }
    x->cap = x->c[0] && x->c[1] ? words : 0;
    return x->cap ? 0 : CKKS_ENOMEM;
}

/* x written, of ctx, and at (level, scale, log_slots); out of ctx. */
static int check_ext(const ckks_context *ctx, const ckks_ext_ciphertext *x, int level, double scale,
                     int log_slots, const void *out, const ckks_context *out_ctx)
{
    if (!ctx || !x || !out) return CKKS_EINVAL;
    if (x->ctx != ctx || out_ctx != ctx) return CKKS_ECONTEXT;
    if (x->level < 0) return CKKS_EINVAL; /* unwritten, or its writer failed */
    if (x->level != level) return CKKS_ELEVEL;
    if (x->scale != scale) return CKKS_ESCALE;
    return x->log_slots == log_slots ? 0 : CKKS_ESLOTS;
}

int ckks_ext_add(const ckks_context *ctx, ckks_ext_ciphertext *out, const ckks_ext_ciphertext *a,
                 const ckks_ext_ciphertext *b)
{
    if (!a || !out) return CKKS_EINVAL;
    int err = check_ext(ctx, a, a->level, a->scale, a->log_slots, out, out->ctx);
    if (!err) err = check_ext(ctx, b, a->level, a->scale, a->log_slots, out, out->ctx);
    if (err) return err;
    int level = a->level, log_slots = a->log_slots;
    double scale = a->scale;
    /* out may alias a or b: reserving keeps an allocation of their size */
    if ((err = ext_reserve(out, level))) return err;
    size_t n = ctx->n, limbs = (size_t)level + 1 + (size_t)ctx->np;
    for (int k = 0; k < 2; k++)
#pragma omp parallel for schedule(static)
        for (size_t e = 0; e < limbs; e++) {
            uint64_t q = ctx->mod[e <= (size_t)level ? e : ctx->nq + (e - (size_t)level - 1)].q;
            const uint64_t *x = a->c[k] + e * n, *y = b->c[k] + e * n;
            uint64_t *o = out->c[k] + e * n;
            for (size_t j = 0; j < n; j++) o[j] = ckks_mod_add(x[j], y[j], q);
        }
    out->level = level;
    out->scale = scale;
    out->log_slots = log_slots;
    return 0;
}

int ckks_mod_down(const ckks_context *ctx, ckks_ciphertext *out, const ckks_ext_ciphertext *a)
{
    if (!a || !out) return CKKS_EINVAL;
    int err = check_ext(ctx, a, a->level, a->scale, a->log_slots, out, out->ctx);
    if (!err) err = ckks_ciphertext_reserve(out, a->level, 2);
    if (err) return err;
    size_t words = ((size_t)a->level + 1) * ctx->n;
    for (int k = 0; k < 2; k++) memcpy(out->c[k], a->c[k], words * sizeof(uint64_t));
    err = ckks_ks_mod_down(ctx, a->level, a->c[0] + words, a->c[1] + words, out->c[0], out->c[1]);
    if (err) return err;
    out->level = a->level;
    out->size = 2;
    out->scale = a->scale;
    out->log_slots = a->log_slots;
    out->seeded = false;
    return 0;
}

int ckks_rotate_add_ext(const ckks_context *ctx, ckks_ciphertext *out, const ckks_ciphertext *x,
                        int step, const ckks_ext_ciphertext *a, const ckks_galois_keys *gk)
{
    int err = check_rot(ctx, x, gk);
    if (err) return err;
    if (!out) return CKKS_EINVAL;
    if ((err = check_ext(ctx, a, x->level, x->scale, x->log_slots, out, out->ctx))) return err;
    step = normalize_step(x, step);
    const ckks_switch_key *k =
        step ? ckks_galois_keys_find(gk, ckks_galois_element(ctx, step)) : NULL;
    if (!k) {
        /* no single key: the rotation and the sum each with their ModDown */
        ckks_ciphertext *m = ckks_ciphertext_new(ctx);
        err = m ? ckks_mod_down(ctx, m, a) : CKKS_ENOMEM;
        if (!err) err = ckks_rotate(ctx, out, x, step, gk);
        if (!err) err = ckks_add(ctx, out, out, m);
        ckks_ciphertext_free(m);
        return err;
    }
    int level = x->level;
    size_t words = ((size_t)level + 1) * ctx->n;
    uint32_t *perm = malloc(ctx->n * sizeof *perm);
    uint64_t *r = ckks_scratch_alloc(ctx, 2 * words);
    err = perm && r ? 0 : CKKS_ENOMEM;
    if (!err) {
        ckks_galois_permutation(ctx, k->galois, perm);
        err = ckks_ks_rotate_add(ctx, x->c[0], x->c[1], level, k, perm, a->c[0], a->c[1], r,
                                 r + words);
    }
    double scale = x->scale;
    int log_slots = x->log_slots;
    if (!err) err = ckks_ciphertext_reserve(out, level, 2);
    if (!err) {
        memcpy(out->c[0], r, words * sizeof *r);
        memcpy(out->c[1], r + words, words * sizeof *r);
        out->level = level;
        out->size = 2;
        out->scale = scale;
        out->log_slots = log_slots;
        out->seeded = false;
    }
    ckks_scratch_free(ctx, r, 2 * words);
    free(perm);
    return err;
}

int ckks_rotate_mul_sum(const ckks_context *ctx, ckks_ciphertext *out, const ckks_ciphertext *a,
                        const ckks_decomposition *d, const int *steps,
                        const ckks_plaintext *const *p, size_t n, const ckks_galois_keys *gk)
{
    ckks_ciphertext *const outs[1] = {out};
    return ckks_rotate_mul_sums(ctx, outs, 1, a, d, steps, n, p, gk);
}
