/* slots.c - rotate-and-sum, replication and masks: the slot primitives
 * that products and layout conversions are made of. */
#include "packing/packing.h"

#include <stdlib.h>

/* ct += rot(ct, dir * u * stride) for u = 1, 2, 4, ... < count. */
static int doubling(const ckks_context *ctx, ckks_ciphertext *ct, size_t stride, size_t count,
                    int dir, const ckks_galois_keys *gk)
{
    if (!ctx || !ct || !stride || !count || (count & (count - 1))) return CKKS_EINVAL;
    int slots = 1 << ckks_ciphertext_log_slots(ct);
    if (count > (size_t)slots || stride * count > (size_t)slots) return CKKS_ESLOTS;
    if (count == 1) return 0;
    ckks_ciphertext *tmp = ckks_ciphertext_new(ctx);
    int err = tmp ? 0 : CKKS_ENOMEM;
    for (size_t u = 1; !err && u < count; u <<= 1) {
        err = ckks_rotate(ctx, tmp, ct, dir * (int)(u * stride), gk);
        if (!err) err = ckks_add(ctx, ct, ct, tmp);
    }
    ckks_ciphertext_free(tmp);
    return err;
}

int pack_sum_slots(const ckks_context *ctx, ckks_ciphertext *ct, size_t stride, size_t count,
                   const ckks_galois_keys *gk)
{
    return doubling(ctx, ct, stride, count, 1, gk);
}

int pack_replicate_slots(const ckks_context *ctx, ckks_ciphertext *ct, size_t stride,
                         size_t count, const ckks_galois_keys *gk)
{
    return doubling(ctx, ct, stride, count, -1, gk);
}

int pack_sum_steps(size_t stride, size_t count, int dir, int log_slots, int *steps)
{
    long slots = 1L << log_slots;
    int n = 0;
    for (size_t u = 1; u < count; u <<= 1) {
        long s = (long)(u * stride) % slots;
        steps[n++] = (int)(dir > 0 ? s : (slots - s) % slots);
    }
    return n;
}

int pack_mask(const ckks_context *ctx, pack_matrix *m)
{
    if (!ctx || !m) return CKKS_EINVAL;
    pack_layout slice = m->layout;
    slice.fill = PACK_SLICE;
    size_t slots = pack_grid_slots(&slice.grid);
    int ls = pack_layout_log_slots(&slice);
    double *v = malloc(slots * sizeof *v);
    ckks_plaintext *pt = ckks_plaintext_new(ctx);
    int err = v && pt ? 0 : CKKS_ENOMEM;
    for (size_t t = 0; !err && t < m->count; t++) {
        int level = ckks_ciphertext_level(m->ct[t]);
        if (level < 1) err = CKKS_ELEVEL;
        /* scale q_level: the rescale gives back the ciphertext's scale */
        if (!err) err = pack_layout_tile_values(&slice, t, NULL, v);
        if (!err)
            err = ckks_encode_real(ctx, pt, v, slots, ls, level,
                                   (double)ckks_context_prime(ctx, level));
        if (!err) err = ckks_mul_plain(ctx, m->ct[t], m->ct[t], pt);
        if (!err) err = ckks_rescale(ctx, m->ct[t], m->ct[t]);
    }
    if (!err) m->layout.fill = PACK_SLICE;
    ckks_plaintext_free(pt);
    free(v);
    return err;
}

int pack_replicate(const ckks_context *ctx, pack_matrix *m, const ckks_galois_keys *gk)
{
    if (!ctx || !m) return CKKS_EINVAL;
    if (m->layout.fill == PACK_REPLICATED) return 0;
    int err = m->layout.fill == PACK_PARTIAL ? pack_mask(ctx, m) : 0;
    pack_axis fa = pack_layout_free_axis(&m->layout);
    size_t stride = pack_grid_stride(&m->layout.grid, fa);
    size_t count = (size_t)1 << m->layout.grid.log_dims[fa];
    for (size_t t = 0; !err && t < m->count; t++)
        err = pack_replicate_slots(ctx, m->ct[t], stride, count, gk);
    if (!err) m->layout.fill = PACK_REPLICATED;
    return err;
}
