/* keys.c - the key set bootstrapping needs, its size and its files. */
#include "bootstrap/internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int boot_rotation_steps(const boot_context *bc, int *steps, size_t cap)
{
    if (!bc || (cap && !steps)) return CKKS_EINVAL;
    for (int i = 0; i < bc->nsteps && (size_t)i < cap; i++) steps[i] = bc->steps[i];
    return bc->nsteps;
}

int boot_trace_steps(const boot_context *bc, int *steps)
{
    int t = 0;
    for (int s = 1; s < bc->gap; s *= bc->trace_radix)
        for (int j = 1; j < bc->trace_radix && s * j < bc->gap; j++) steps[t++] = bc->n * s * j;
    return t;
}

void boot_keys_free(boot_keys *k)
{
    if (!k) return;
    ckks_switch_key_free(k->rlk);
    for (int g = 0; k->c2s_gk && g < k->c2s_levels; g++) ckks_galois_keys_free(k->c2s_gk[g]);
    for (int g = 0; k->s2c_gk && g < k->s2c_levels; g++) ckks_galois_keys_free(k->s2c_gk[g]);
    free(k->c2s_gk);
    free(k->s2c_gk);
    ckks_galois_keys_free(k->misc);
    ckks_galois_keys_free(k->raise);
    ckks_switch_key_free(k->to_sparse);
    free(k);
}

static bool needs_encapsulation(const boot_context *bc) { return bc->cfg.ephemeral_hw > 0; }

/* An empty boot_keys for bc, the arrays of key sets allocated. */
static boot_keys *keys_alloc(const boot_context *bc)
{
    boot_keys *k = calloc(1, sizeof *k);
    if (!k) return NULL;
    k->hash = ckks_context_hash(bc->ctx);
    k->fingerprint = bc->fingerprint;
    k->c2s_levels = bc->c2s.levels;
    k->s2c_levels = bc->s2c.levels;
    k->c2s_gk = calloc((size_t)k->c2s_levels, sizeof *k->c2s_gk);
    k->s2c_gk = calloc((size_t)k->s2c_levels, sizeof *k->s2c_gk);
    if (!k->c2s_gk || !k->s2c_gk) {
        boot_keys_free(k);
        return NULL;
    }
    return k;
}

/* A key set as the configuration keeps it: compact (low_memory), or
 * whole. Applied to each set as it is made, so that the whole keys never
 * all coexist. */
static void keep(const boot_context *bc, ckks_galois_keys *gk)
{
    if (bc->cfg.low_memory) ckks_galois_keys_compact(gk);
}

static void keep_key(const boot_context *bc, ckks_switch_key *k)
{
    if (bc->cfg.low_memory) ckks_switch_key_compact(k);
}

/* The rotation keys of one side, factor g's at the level it runs at. */
static int side_keys(const boot_context *bc, const boot_side *s, ckks_galois_keys **gk,
                     const ckks_secret_key *sk)
{
    int err = 0;
    for (int g = 0; g < s->levels && !err; g++) {
        err = ckks_galois_keys_new_level(bc->ctx, &gk[g], sk, s->steps[g], (size_t)s->nsteps[g],
                                         0, s->first_level - g);
        keep(bc, gk[g]);
    }
    return err;
}

int boot_keys_new(const boot_context *bc, boot_keys **out, const ckks_secret_key *sk,
                  const uint8_t seed[CKKS_SEED_BYTES])
{
    if (!bc || !out || !sk) return CKKS_EINVAL;
    const ckks_context *ctx = bc->ctx;
    boot_keys *k = keys_alloc(bc);
    if (!k) return CKKS_ENOMEM;
    /* the relinearization key stays whole: EvalMod uses it a dozen times */
    int err = ckks_relin_key_new(ctx, &k->rlk, sk);
    if (!err) err = side_keys(bc, &bc->c2s, k->c2s_gk, sk);
    if (!err) err = side_keys(bc, &bc->s2c, k->s2c_gk, sk);
    if (!err) {
        int steps[BOOT_TRACE_STEPS];
        int t = boot_trace_steps(bc, steps);
        err = ckks_galois_keys_new_level(ctx, &k->misc, sk, steps, (size_t)t, 1, bc->misc_level);
        keep(bc, k->misc);
    }
    ckks_secret_key *eph = NULL;
    if (!err && needs_encapsulation(bc)) {
        /* the sparse secret is exposed only under q0 P (see boot_params_named);
         * its seed is kept apart from a main secret drawn from the same one */
        static const uint8_t apart[CKKS_SEED_BYTES] = "hetrain: the ephemeral secret  ";
        uint8_t eph_seed[CKKS_SEED_BYTES];
        for (int i = 0; seed && i < CKKS_SEED_BYTES; i++) eph_seed[i] = seed[i] ^ apart[i];
        err = ckks_secret_key_new_sparse(ctx, &eph, bc->cfg.ephemeral_hw, seed ? eph_seed : NULL);
        explicit_bzero(eph_seed, sizeof eph_seed);
        if (!err) err = ckks_switching_key_new_level(ctx, &k->to_sparse, sk, eph, 0);
        keep_key(bc, k->to_sparse);
    }
    /* rotations of the raised ciphertext, back to sk: one digit each */
    if (!err)
        err = ckks_raised_keys_new(ctx, &k->raise, eph ? eph : sk, sk, bc->raise_steps,
                                   (size_t)bc->nraise, bc->top);
    if (!err) keep(bc, k->raise);
    ckks_secret_key_free(eph);
    if (err) {
        boot_keys_free(k);
        return err;
    }
    *out = k;
    return 0;
}

const ckks_switch_key *boot_keys_relin(const boot_keys *k) { return k ? k->rlk : NULL; }

size_t boot_keys_bytes(const boot_keys *k)
{
    if (!k) return 0;
    size_t b = ckks_switch_key_bytes(k->rlk) + ckks_switch_key_bytes(k->to_sparse) +
               ckks_galois_keys_bytes(k->misc) + ckks_galois_keys_bytes(k->raise);
    for (int g = 0; g < k->c2s_levels; g++) b += ckks_galois_keys_bytes(k->c2s_gk[g]);
    for (int g = 0; g < k->s2c_levels; g++) b += ckks_galois_keys_bytes(k->s2c_gk[g]);
    return b;
}

int boot_keys_check(const boot_context *bc, const boot_keys *keys)
{
    if (!bc || !keys) return CKKS_EINVAL;
    if (keys->hash != ckks_context_hash(bc->ctx)) return CKKS_ECONTEXT;
    if (keys->fingerprint != bc->fingerprint || !keys->rlk || !keys->misc || !keys->raise ||
        (needs_encapsulation(bc) && !keys->to_sparse))
        return CKKS_EKEY;
    /* with encapsulation, the unrotated raised term needs its switch back:
     * without it, it would silently stay under the ephemeral secret */
    bool identity = ckks_galois_keys_has(bc->ctx, keys->raise, 0);
    if (identity != needs_encapsulation(bc) ||
        ckks_galois_keys_count(keys->raise) != (size_t)bc->nraise - !identity)
        return CKKS_EKEY;
    for (int g = 0; g < keys->c2s_levels; g++)
        if (!keys->c2s_gk[g]) return CKKS_EKEY;
    for (int g = 0; g < keys->s2c_levels; g++)
        if (!keys->s2c_gk[g]) return CKKS_EKEY;
    return 0;
}

/* ---- files ---------------------------------------------------------------- */

#define MANIFEST_MAGIC "HTBOOTK"
/* 4: giant steps by Horner's rule changed every key set */
#define MANIFEST_VERSION 4u

/* The key set is determined by the configuration (its fingerprint): the
 * manifest only names it. */
typedef struct {
    char magic[8];
    uint32_t version, encapsulation;
    uint64_t hash, fingerprint;
} manifest;

static int path_join(char *buf, size_t len, const char *dir, const char *name)
{
    int n = snprintf(buf, len, "%s/%s", dir, name);
    return n < 0 || (size_t)n >= len ? CKKS_EINVAL : 0;
}

/* One member file: a switching key or a galois key set. */
typedef struct {
    char name[32];
    bool galois;
    void *ptr; /* ckks_switch_key ** or ckks_galois_keys ** */
} member;

static int member_io(const ckks_context *ctx, const member *m, const char *dir, bool save)
{
    char path[4096];
    int err = path_join(path, sizeof path, dir, m->name);
    if (err) return err;
    if (m->galois) {
        ckks_galois_keys **gk = m->ptr;
        return save ? ckks_galois_keys_save(ctx, *gk, path) : ckks_galois_keys_load(ctx, gk, path);
    }
    ckks_switch_key **sk = m->ptr;
    return save ? ckks_switch_key_save(ctx, *sk, path) : ckks_switch_key_load(ctx, sk, path);
}

/* The members of k (its arrays allocated); returns their count. */
static int members(boot_keys *k, bool encapsulation, member *m)
{
    int c = 0;
    m[c++] = (member){"relin.key", false, &k->rlk};
    m[c++] = (member){"misc.key", true, &k->misc};
    m[c++] = (member){"raise.key", true, &k->raise};
    for (int g = 0; g < k->c2s_levels; g++) {
        m[c] = (member){"", true, &k->c2s_gk[g]};
        snprintf(m[c++].name, sizeof m->name, "c2s_%d.key", g);
    }
    for (int g = 0; g < k->s2c_levels; g++) {
        m[c] = (member){"", true, &k->s2c_gk[g]};
        snprintf(m[c++].name, sizeof m->name, "s2c_%d.key", g);
    }
    if (encapsulation) m[c++] = (member){"to_sparse.key", false, &k->to_sparse};
    return c;
}

/* relin, misc, raise, to_sparse and at most 2 x 16 sides. */
#define MAX_MEMBERS 36

int boot_keys_save(const boot_context *bc, const boot_keys *k, const char *dir)
{
    if (!bc || !k || !dir) return CKKS_EINVAL;
    int err = boot_keys_check(bc, k);
    if (err) return err;
    if (mkdir(dir, 0700) && errno != EEXIST) return CKKS_EIO;
    manifest mf = {.magic = MANIFEST_MAGIC, .version = MANIFEST_VERSION,
                   .encapsulation = needs_encapsulation(bc), .hash = k->hash,
                   .fingerprint = k->fingerprint};
    member m[MAX_MEMBERS];
    int c = members((boot_keys *)k, mf.encapsulation, m);
    for (int i = 0; i < c && !err; i++) err = member_io(bc->ctx, &m[i], dir, true);
    if (err) return err;
    /* the manifest last, atomically: a directory without one is incomplete */
    char path[4096], tmp[4096];
    if (path_join(path, sizeof path, dir, "manifest") ||
        path_join(tmp, sizeof tmp, dir, "manifest.tmp"))
        return CKKS_EINVAL;
    FILE *f = fopen(tmp, "wb");
    if (!f) return CKKS_EIO;
    bool ok = fwrite(&mf, sizeof mf, 1, f) == 1;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path)) {
        remove(tmp);
        return CKKS_EIO;
    }
    return 0;
}

int boot_keys_load(const boot_context *bc, boot_keys **out, const char *dir)
{
    if (!bc || !out || !dir) return CKKS_EINVAL;
    char path[4096];
    if (path_join(path, sizeof path, dir, "manifest")) return CKKS_EINVAL;
    FILE *f = fopen(path, "rb");
    if (!f) return CKKS_EIO;
    manifest mf;
    bool ok = fread(&mf, sizeof mf, 1, f) == 1 && fgetc(f) == EOF;
    fclose(f);
    if (!ok || memcmp(mf.magic, MANIFEST_MAGIC, sizeof mf.magic)) return CKKS_EFORMAT;
    if (mf.version != MANIFEST_VERSION) return CKKS_EVERSION;
    if (mf.hash != ckks_context_hash(bc->ctx) || mf.fingerprint != bc->fingerprint ||
        mf.encapsulation != (uint32_t)needs_encapsulation(bc))
        return CKKS_EPARAMS;
    boot_keys *k = keys_alloc(bc);
    if (!k) return CKKS_ENOMEM;
    member m[MAX_MEMBERS];
    int c = members(k, mf.encapsulation, m), err = 0;
    /* compacted member by member, as boot_keys_new does */
    for (int i = 0; i < c && !err; i++) {
        err = member_io(bc->ctx, &m[i], dir, false);
        if (err) break;
        if (m[i].galois) keep(bc, *(ckks_galois_keys **)m[i].ptr);
        else if (m[i].ptr != &k->rlk) keep_key(bc, *(ckks_switch_key **)m[i].ptr);
    }
    if (!err) err = boot_keys_check(bc, k);
    if (err) {
        boot_keys_free(k);
        return err;
    }
    *out = k;
    return 0;
}
