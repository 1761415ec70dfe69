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
    while ((bc->gap >> t) > 1) t++;
    for (int i = 0; i < t; i++) {
        steps[2 * i] = bc->n * ((1 << i) - 1) + i + 1;
        steps[2 * i + 1] = bc->n - (i + 1);
    }
    return t;
}

void boot_keys_free(boot_keys *k)
{
    if (!k) return;
    ckks_switch_key_free(k->rlk);
    ckks_galois_keys_free(k->gk);
    ckks_galois_keys_free(k->trace);
    ckks_switch_key_free(k->to_sparse);
    ckks_switch_key_free(k->to_dense);
    free(k);
}

static bool needs_trace(const boot_context *bc) { return bc->gap > 1; }
static bool needs_encapsulation(const boot_context *bc) { return bc->cfg.ephemeral_hw > 0; }

int boot_keys_new(const boot_context *bc, boot_keys **out, const ckks_secret_key *sk,
                  const uint8_t seed[CKKS_SEED_BYTES])
{
    if (!bc || !out || !sk) return CKKS_EINVAL;
    const ckks_context *ctx = bc->ctx;
    boot_keys *k = calloc(1, sizeof *k);
    if (!k) return CKKS_ENOMEM;
    k->hash = ckks_context_hash(ctx);
    k->fingerprint = bc->fingerprint;
    k->switch_key_bytes = pack_keyplan_bytes(ckks_context_params(ctx), 1);
    int err = ckks_relin_key_new(ctx, &k->rlk, sk);
    if (!err)
        err = ckks_galois_keys_new(ctx, &k->gk, sk, bc->steps, (size_t)bc->nsteps, 1);
    if (!err && needs_trace(bc)) {
        int steps[64];
        int t = boot_trace_steps(bc, steps);
        err = ckks_galois_keys_new(ctx, &k->trace, sk, steps, 2 * (size_t)t, 0);
    }
    if (!err && needs_encapsulation(bc)) {
        ckks_secret_key *eph = NULL;
        err = ckks_secret_key_new_sparse(ctx, &eph, bc->cfg.ephemeral_hw, seed);
        if (!err) err = ckks_switching_key_new(ctx, &k->to_sparse, sk, eph);
        if (!err) err = ckks_switching_key_new(ctx, &k->to_dense, eph, sk);
        ckks_secret_key_free(eph);
    }
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
    size_t switch_keys = 1 + (k->to_sparse != NULL) + (k->to_dense != NULL);
    return ckks_galois_keys_bytes(k->gk) + ckks_galois_keys_bytes(k->trace) +
           switch_keys * k->switch_key_bytes;
}

int boot_keys_check(const boot_context *bc, const boot_keys *keys)
{
    if (!bc || !keys) return CKKS_EINVAL;
    if (keys->hash != ckks_context_hash(bc->ctx)) return CKKS_ECONTEXT;
    if (keys->fingerprint != bc->fingerprint || !keys->rlk || !keys->gk ||
        (needs_trace(bc) && !keys->trace) || (needs_encapsulation(bc) && !keys->to_dense))
        return CKKS_EKEY;
    return 0;
}

/* ---- files ---------------------------------------------------------------- */

#define MANIFEST_MAGIC "HTBOOTK"
#define MANIFEST_VERSION 1u

typedef struct {
    char magic[8];
    uint32_t version, flags; /* flags: 1 trace keys, 2 encapsulation keys */
    uint64_t hash, fingerprint;
} manifest;

static int path_join(char *buf, size_t len, const char *dir, const char *name)
{
    int n = snprintf(buf, len, "%s/%s", dir, name);
    return n < 0 || (size_t)n >= len ? CKKS_EINVAL : 0;
}

/* One member file: save when `save`, else load into the pointer. */
typedef struct {
    const char *name;
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

/* The members present under these flags. */
static int members(boot_keys *k, uint32_t flags, member *m)
{
    int c = 0;
    m[c++] = (member){"relin.key", false, &k->rlk};
    m[c++] = (member){"galois.key", true, &k->gk};
    if (flags & 1) m[c++] = (member){"trace.key", true, &k->trace};
    if (flags & 2) {
        m[c++] = (member){"to_sparse.key", false, &k->to_sparse};
        m[c++] = (member){"to_dense.key", false, &k->to_dense};
    }
    return c;
}

int boot_keys_save(const boot_context *bc, const boot_keys *k, const char *dir)
{
    if (!bc || !k || !dir) return CKKS_EINVAL;
    int err = boot_keys_check(bc, k);
    if (err) return err;
    if (mkdir(dir, 0700) && errno != EEXIST) return CKKS_EIO;
    manifest mf = {.magic = MANIFEST_MAGIC, .version = MANIFEST_VERSION,
                   .flags = (k->trace ? 1u : 0u) | (k->to_dense ? 2u : 0u),
                   .hash = k->hash, .fingerprint = k->fingerprint};
    member m[5];
    int c = members((boot_keys *)k, mf.flags, m);
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
    if (mf.hash != ckks_context_hash(bc->ctx) || mf.fingerprint != bc->fingerprint)
        return CKKS_EPARAMS;
    boot_keys *k = calloc(1, sizeof *k);
    if (!k) return CKKS_ENOMEM;
    k->hash = mf.hash;
    k->fingerprint = mf.fingerprint;
    k->switch_key_bytes = pack_keyplan_bytes(ckks_context_params(bc->ctx), 1);
    member m[5];
    int c = members(k, mf.flags, m), err = 0;
    for (int i = 0; i < c && !err; i++) err = member_io(bc->ctx, &m[i], dir, false);
    if (!err) err = boot_keys_check(bc, k);
    if (err) {
        boot_keys_free(k);
        return err;
    }
    *out = k;
    return 0;
}
