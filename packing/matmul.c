/* matmul.c - encrypted x encrypted matrix products A B, A^T B and A B^T in
 * a shared grid: slot-wise products of replicated operands, summed along
 * the contracted axis. */
#include "packing/packing.h"

#include <stdlib.h>
#include <string.h>

/* How a product maps onto the grid: output-row axis p, contracted axis c,
 * output-column axis r, the dimensions on them and the tile counts. */
typedef struct {
    pack_axis p, c, r;
    int np, nq, nr;
    int tp, tq, tr;
    int a_trans, b_trans; /* A's rows / B's columns are contracted */
} shape;

static int ceil_div(int n, int log_d) { return (n + (1 << log_d) - 1) >> log_d; }

static int product_shape(const pack_layout *a, const pack_layout *b, pack_op op, shape *s)
{
    if (!a || !b || !s) return CKKS_EINVAL;
    if (op != PACK_AB && op != PACK_ATB && op != PACK_ABT) return CKKS_EINVAL;
    s->a_trans = op == PACK_ATB;
    s->b_trans = op == PACK_ABT;
    s->p = s->a_trans ? a->col_axis : a->row_axis;
    s->c = s->a_trans ? a->row_axis : a->col_axis;
    s->r = s->b_trans ? b->row_axis : b->col_axis;
    s->np = s->a_trans ? a->cols : a->rows;
    s->nq = s->a_trans ? a->rows : a->cols;
    s->nr = s->b_trans ? b->rows : b->cols;
    int bq = s->b_trans ? b->cols : b->rows;
    pack_axis bc = s->b_trans ? b->col_axis : b->row_axis;
    if (memcmp(a->grid.log_dims, b->grid.log_dims, sizeof a->grid.log_dims)) return PACK_ELAYOUT;
    if (bc != s->c || s->r == s->p || bq != s->nq) return PACK_ELAYOUT;
    if (a->fill != PACK_REPLICATED || b->fill != PACK_REPLICATED) return PACK_ELAYOUT;
    const int *ld = a->grid.log_dims;
    s->tp = ceil_div(s->np, ld[s->p]);
    s->tq = ceil_div(s->nq, ld[s->c]);
    s->tr = ceil_div(s->nr, ld[s->r]);
    return 0;
}

/* The contracted axis wraps around the tile when nothing lies outside it. */
static int cyclic(const pack_grid *g, pack_axis c)
{
    for (int a = 0; a < (int)c; a++)
        if (g->log_dims[a]) return 0;
    return 1;
}

int pack_matmul_layout(pack_layout *out, const pack_layout *a, const pack_layout *b, pack_op op)
{
    shape s;
    int err = product_shape(a, b, op, &s);
    if (err) return err;
    if (!out) return CKKS_EINVAL;
    return pack_layout_init(out, &a->grid, s.np, s.nr, s.p, s.r,
                            cyclic(&a->grid, s.c) ? PACK_REPLICATED : PACK_PARTIAL);
}

int pack_matmul_cost(const pack_layout *a, const pack_layout *b, pack_op op, ckks_op_counts *cost)
{
    shape s;
    int err = product_shape(a, b, op, &s);
    if (err) return err;
    if (!cost) return CKKS_EINVAL;
    uint64_t tiles = (uint64_t)s.tp * (uint64_t)s.tr;
    memset(cost, 0, sizeof *cost);
    cost->key_switches = tiles * (1 + (uint64_t)a->grid.log_dims[s.c]);
    cost->decompositions = cost->key_switches;
    cost->ct_mults = tiles * (uint64_t)s.tq;
    cost->rescales = tiles;
    return 0;
}

/* Index of l's tile number q along its contracted dimension and `other`
 * along the other one; q_rows: the contracted dimension is l's rows. */
static size_t tile_of(const pack_layout *l, int q_rows, int other, int q)
{
    size_t ct = (size_t)pack_layout_col_tiles(l);
    return q_rows ? (size_t)q * ct + (size_t)other : (size_t)other * ct + (size_t)q;
}

int pack_matmul(const ckks_context *ctx, pack_matrix **out, const pack_matrix *a,
                const pack_matrix *b, pack_op op, const ckks_switch_key *rlk,
                const ckks_galois_keys *gk)
{
    if (!ctx || !out || !a || !b || !rlk) return CKKS_EINVAL;
    shape s;
    pack_layout lo;
    int err = product_shape(&a->layout, &b->layout, op, &s);
    if (!err) err = pack_matmul_layout(&lo, &a->layout, &b->layout, op);
    if (err) return err;
    pack_matrix *c;
    if ((err = pack_matrix_new(ctx, &c, &lo))) return err;
    const pack_grid *g = &lo.grid;
    size_t stride = pack_grid_stride(g, s.c), count = (size_t)1 << g->log_dims[s.c];
    ckks_ciphertext *tmp = ckks_ciphertext_new(ctx);
    if (!tmp) err = CKKS_ENOMEM;
    for (int ip = 0; !err && ip < s.tp; ip++)
        for (int ir = 0; !err && ir < s.tr; ir++) {
            ckks_ciphertext *acc = c->ct[(size_t)ip * (size_t)s.tr + (size_t)ir];
            /* relinearize once per output tile: tensor products add up */
            for (int iq = 0; !err && iq < s.tq; iq++) {
                const ckks_ciphertext *x = a->ct[tile_of(&a->layout, s.a_trans, ip, iq)];
                const ckks_ciphertext *y = b->ct[tile_of(&b->layout, !s.b_trans, ir, iq)];
                err = ckks_mul(ctx, iq ? tmp : acc, x, y);
                if (!err && iq) err = ckks_add(ctx, acc, acc, tmp);
            }
            if (!err) err = ckks_relinearize(ctx, acc, acc, rlk);
            /* summing before the rescale adds its rounding error once */
            if (!err) err = pack_sum_slots(ctx, acc, stride, count, gk);
            if (!err) err = ckks_rescale(ctx, acc, acc);
        }
    ckks_ciphertext_free(tmp);
    if (err) {
        pack_matrix_free(c);
        return err;
    }
    *out = c;
    return 0;
}

int pack_matmul_operands(pack_layout *a, pack_layout *b, const pack_grid *g, pack_op op, int bdim,
                         int kdim, int hdim)
{
    if (!a || !b || !g) return CKKS_EINVAL;
    int err;
    switch (op) {
    case PACK_AB:
        err = pack_layout_init(a, g, bdim, kdim, PACK_OUTER, PACK_MIDDLE, PACK_REPLICATED);
        return err ? err : pack_layout_init(b, g, kdim, hdim, PACK_MIDDLE, PACK_INNER, PACK_REPLICATED);
    case PACK_ATB:
        err = pack_layout_init(a, g, bdim, kdim, PACK_OUTER, PACK_MIDDLE, PACK_REPLICATED);
        return err ? err : pack_layout_init(b, g, bdim, hdim, PACK_OUTER, PACK_INNER, PACK_REPLICATED);
    case PACK_ABT:
        err = pack_layout_init(a, g, bdim, hdim, PACK_OUTER, PACK_INNER, PACK_REPLICATED);
        return err ? err : pack_layout_init(b, g, kdim, hdim, PACK_MIDDLE, PACK_INNER, PACK_REPLICATED);
    }
    return CKKS_EINVAL;
}

static int log2_ceil(int n)
{
    int l = 0;
    while ((1 << l) < n) l++;
    return l;
}

int pack_grid_plan(pack_grid *g, pack_op op, int bdim, int kdim, int hdim, int max_log_slots)
{
    if (!g || bdim < 1 || kdim < 1 || hdim < 1 || max_log_slots < 0 || max_log_slots > 16)
        return CKKS_EINVAL;
    int full[3] = {log2_ceil(bdim), log2_ceil(kdim), log2_ceil(hdim)};
    int fits = full[0] + full[1] + full[2] <= max_log_slots;
    uint64_t best_ks = UINT64_MAX, best_mul = UINT64_MAX;
    for (int lo = 0; lo <= full[0]; lo++)
        for (int lm = 0; lm <= full[1]; lm++)
            for (int li = 0; li <= full[2]; li++) {
                int sum = lo + lm + li;
                /* tiles fill the slots, or hold the whole product */
                if (fits ? (lo != full[0] || lm != full[1] || li != full[2]) : sum != max_log_slots)
                    continue;
                pack_grid t;
                pack_layout la, lb;
                ckks_op_counts c;
                if (pack_grid_init(&t, lo, lm, li) ||
                    pack_matmul_operands(&la, &lb, &t, op, bdim, kdim, hdim) ||
                    pack_matmul_cost(&la, &lb, op, &c))
                    continue;
                if (c.key_switches < best_ks ||
                    (c.key_switches == best_ks && c.ct_mults < best_mul)) {
                    best_ks = c.key_switches;
                    best_mul = c.ct_mults;
                    *g = t;
                }
            }
    return best_ks == UINT64_MAX ? CKKS_EINVAL : 0;
}
