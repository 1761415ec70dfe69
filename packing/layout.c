/* layout.c - grids, matrix layouts and their tiles; encrypting and
 * decrypting matrices in a layout. */
#include "packing/packing.h"

#include <stdlib.h>
#include <string.h>

int pack_grid_init(pack_grid *g, int log_outer, int log_middle, int log_inner)
{
    if (!g || log_outer < 0 || log_middle < 0 || log_inner < 0) return CKKS_EINVAL;
    if (log_outer + log_middle + log_inner > 16) return CKKS_EINVAL;
    g->log_dims[PACK_OUTER] = log_outer;
    g->log_dims[PACK_MIDDLE] = log_middle;
    g->log_dims[PACK_INNER] = log_inner;
    return 0;
}

size_t pack_grid_slots(const pack_grid *g)
{
    return (size_t)1 << (g->log_dims[0] + g->log_dims[1] + g->log_dims[2]);
}

size_t pack_grid_stride(const pack_grid *g, pack_axis axis)
{
    int shift = 0;
    for (int a = (int)axis + 1; a < 3; a++) shift += g->log_dims[a];
    return (size_t)1 << shift;
}

static int valid_axis(pack_axis a) { return a == PACK_OUTER || a == PACK_MIDDLE || a == PACK_INNER; }

int pack_layout_init(pack_layout *l, const pack_grid *g, int rows, int cols, pack_axis row_axis,
                     pack_axis col_axis, pack_fill fill)
{
    if (!l || !g || rows < 1 || cols < 1) return CKKS_EINVAL;
    if (!valid_axis(row_axis) || !valid_axis(col_axis) || row_axis == col_axis) return CKKS_EINVAL;
    if (fill != PACK_REPLICATED && fill != PACK_SLICE && fill != PACK_PARTIAL) return CKKS_EINVAL;
    pack_grid check;
    if (pack_grid_init(&check, g->log_dims[0], g->log_dims[1], g->log_dims[2])) return CKKS_EINVAL;
    l->grid = *g;
    l->rows = rows;
    l->cols = cols;
    l->row_axis = row_axis;
    l->col_axis = col_axis;
    l->fill = fill;
    return 0;
}

pack_axis pack_layout_free_axis(const pack_layout *l)
{
    return (pack_axis)(3 - (int)l->row_axis - (int)l->col_axis);
}

static int tiles(int n, int log_d) { return (n + (1 << log_d) - 1) >> log_d; }

int pack_layout_row_tiles(const pack_layout *l) { return tiles(l->rows, l->grid.log_dims[l->row_axis]); }
int pack_layout_col_tiles(const pack_layout *l) { return tiles(l->cols, l->grid.log_dims[l->col_axis]); }

size_t pack_layout_count(const pack_layout *l)
{
    return (size_t)pack_layout_row_tiles(l) * (size_t)pack_layout_col_tiles(l);
}

int pack_layout_log_slots(const pack_layout *l)
{
    return l->grid.log_dims[0] + l->grid.log_dims[1] + l->grid.log_dims[2];
}

int pack_layout_equal(const pack_layout *a, const pack_layout *b)
{
    return !memcmp(a->grid.log_dims, b->grid.log_dims, sizeof a->grid.log_dims) &&
           a->rows == b->rows && a->cols == b->cols && a->row_axis == b->row_axis &&
           a->col_axis == b->col_axis && a->fill == b->fill;
}

int pack_layout_tile_values(const pack_layout *l, size_t tile, const double *m, double *out)
{
    if (!l || !out || tile >= pack_layout_count(l)) return CKKS_EINVAL;
    const pack_grid *g = &l->grid;
    pack_axis fa = pack_layout_free_axis(l);
    size_t dr = (size_t)1 << g->log_dims[l->row_axis], dc = (size_t)1 << g->log_dims[l->col_axis];
    size_t df = l->fill == PACK_REPLICATED ? (size_t)1 << g->log_dims[fa] : 1;
    size_t sr = pack_grid_stride(g, l->row_axis), sc = pack_grid_stride(g, l->col_axis);
    size_t sf = pack_grid_stride(g, fa);
    size_t ct = (size_t)pack_layout_col_tiles(l);
    size_t r0 = tile / ct * dr, c0 = tile % ct * dc;
    memset(out, 0, pack_grid_slots(g) * sizeof *out);
    for (size_t x = 0; x < dr && r0 + x < (size_t)l->rows; x++)
        for (size_t y = 0; y < dc && c0 + y < (size_t)l->cols; y++) {
            double v = m ? m[(r0 + x) * (size_t)l->cols + c0 + y] : 1.0;
            for (size_t f = 0; f < df; f++) out[x * sr + y * sc + f * sf] = v;
        }
    return 0;
}

void pack_matrix_free(pack_matrix *m)
{
    if (!m) return;
    for (size_t i = 0; m->ct && i < m->count; i++) ckks_ciphertext_free(m->ct[i]);
    free(m->ct);
    free(m);
}

int pack_matrix_new(const ckks_context *ctx, pack_matrix **out, const pack_layout *l)
{
    if (!ctx || !out || !l) return CKKS_EINVAL;
    if (pack_layout_log_slots(l) > ckks_context_max_log_slots(ctx)) return CKKS_ESLOTS;
    pack_matrix *m = calloc(1, sizeof *m);
    if (!m) return CKKS_ENOMEM;
    m->layout = *l;
    m->count = pack_layout_count(l);
    m->ct = calloc(m->count, sizeof *m->ct);
    int err = m->ct ? 0 : CKKS_ENOMEM;
    for (size_t i = 0; !err && i < m->count; i++)
        if (!(m->ct[i] = ckks_ciphertext_new(ctx))) err = CKKS_ENOMEM;
    if (err) {
        pack_matrix_free(m);
        return err;
    }
    *out = m;
    return 0;
}

int pack_matrix_copy(const ckks_context *ctx, pack_matrix **out, const pack_matrix *in)
{
    if (!in) return CKKS_EINVAL;
    pack_matrix *m = NULL;
    int err = pack_matrix_new(ctx, &m, &in->layout);
    for (size_t i = 0; !err && i < m->count; i++) err = ckks_ciphertext_copy(m->ct[i], in->ct[i]);
    if (err) {
        pack_matrix_free(m);
        return err;
    }
    *out = m;
    return 0;
}

int pack_matrix_set_level(const ckks_context *ctx, pack_matrix *m, int level)
{
    if (!ctx || !m) return CKKS_EINVAL;
    int err = 0;
    for (size_t i = 0; !err && i < m->count; i++) err = ckks_set_level(ctx, m->ct[i], level);
    return err;
}

int pack_encrypt(const ckks_context *ctx, pack_matrix *out, const double *m, int level,
                 double scale, const ckks_secret_key *sk)
{
    if (!ctx || !out || !m || !sk) return CKKS_EINVAL;
    size_t slots = pack_grid_slots(&out->layout.grid);
    double *v = malloc(slots * sizeof *v);
    ckks_plaintext *pt = ckks_plaintext_new(ctx);
    int err = v && pt ? 0 : CKKS_ENOMEM;
    for (size_t t = 0; !err && t < out->count; t++) {
        err = pack_layout_tile_values(&out->layout, t, m, v);
        if (!err)
            err = ckks_encode_real(ctx, pt, v, slots, pack_layout_log_slots(&out->layout), level,
                                   scale);
        if (!err) err = ckks_encrypt_sk(ctx, out->ct[t], pt, sk, NULL);
    }
    ckks_plaintext_free(pt);
    free(v);
    return err;
}

int pack_decrypt(const ckks_context *ctx, const pack_matrix *in, const ckks_secret_key *sk,
                 double *m)
{
    if (!ctx || !in || !sk || !m) return CKKS_EINVAL;
    const pack_layout *l = &in->layout;
    const pack_grid *g = &l->grid;
    size_t slots = pack_grid_slots(g), ct = (size_t)pack_layout_col_tiles(l);
    size_t dr = (size_t)1 << g->log_dims[l->row_axis], dc = (size_t)1 << g->log_dims[l->col_axis];
    size_t sr = pack_grid_stride(g, l->row_axis), sc = pack_grid_stride(g, l->col_axis);
    double *v = malloc(slots * sizeof *v);
    ckks_plaintext *pt = ckks_plaintext_new(ctx);
    int err = v && pt ? 0 : CKKS_ENOMEM;
    for (size_t t = 0; !err && t < in->count; t++) {
        err = ckks_decrypt(ctx, pt, in->ct[t], sk);
        if (!err) err = ckks_decode_real(ctx, pt, v, slots);
        size_t r0 = t / ct * dr, c0 = t % ct * dc;
        for (size_t x = 0; !err && x < dr && r0 + x < (size_t)l->rows; x++)
            for (size_t y = 0; y < dc && c0 + y < (size_t)l->cols; y++)
                m[(r0 + x) * (size_t)l->cols + c0 + y] = v[x * sr + y * sc];
    }
    ckks_plaintext_free(pt);
    free(v);
    return err;
}
