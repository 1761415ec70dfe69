/* test_matmul.c - encrypted matrix products against double products, their
 * costs against the operation counters, tiling, layout checks and the
 * chain of one training block. */
#include "fixture.h"

static fixture f;

static void setup(void) { fixture_init(&f, "TEST-N13"); }
static void teardown(void) { fixture_free(&f); }

TestSuite(packing_matmul, .init = setup, .fini = teardown);

/* Rows and columns of op's operands and result for dimensions b, k, h. */
static void dims(pack_op op, int b, int k, int h, int d[6])
{
    static const int role[3][6] = {
        /* A rows, A cols, B rows, B cols, C rows, C cols: 0 = b, 1 = k, 2 = h */
        {0, 1, 1, 2, 0, 2}, /* AB */
        {0, 1, 0, 2, 1, 2}, /* ATB */
        {0, 2, 1, 2, 0, 1}, /* ABT */
    };
    int v[3] = {b, k, h};
    for (int i = 0; i < 6; i++) d[i] = v[role[op][i]];
}

/*
 * Encrypt random A and B for op in grid g, multiply, check the result
 * against doubles, the counters against pack_matmul_cost and the formula
 * T_p T_r (1 + log2 d_c), and the level consumed. Returns the precision.
 */
static double check_product(pack_op op, const pack_grid *g, int b, int k, int h, double *out)
{
    int d[6];
    dims(op, b, k, h, d);
    pack_layout la, lb;
    OK(pack_matmul_operands(&la, &lb, g, op, b, k, h));
    double *a = malloc(sizeof(double) * (size_t)(d[0] * d[1]));
    double *bm = malloc(sizeof(double) * (size_t)(d[2] * d[3]));
    double *want = malloc(sizeof(double) * (size_t)(d[4] * d[5]));
    double *got = malloc(sizeof(double) * (size_t)(d[4] * d[5]));
    random_vector(a, (size_t)(d[0] * d[1]), 11 + (uint64_t)op);
    random_vector(bm, (size_t)(d[2] * d[3]), 23 + (uint64_t)op);
    int q = op == PACK_AB ? k : op == PACK_ATB ? b : h;
    reference_product(op, a, bm, d[4], q, d[5], want);

    pack_keyplan kp;
    pack_keyplan_init(&kp);
    OK(pack_keyplan_add_matmul(&kp, &la, &lb, op));
    fixture_keys(&f, &kp);
    pack_keyplan_clear(&kp);

    pack_matrix *ma, *mb, *mc;
    OK(pack_matrix_new(f.ctx, &ma, &la));
    OK(pack_matrix_new(f.ctx, &mb, &lb));
    OK(pack_encrypt(f.ctx, ma, a, f.top, f.scale, f.sk));
    OK(pack_encrypt(f.ctx, mb, bm, f.top, f.scale, f.sk));
    ckks_op_counts cost, used;
    OK(pack_matmul_cost(&la, &lb, op, &cost));
    counts_take(&f);
    OK(pack_matmul(f.ctx, &mc, ma, mb, op, f.rlk, f.gk));
    used = counts_take(&f);

    /* the formula, spelled out against the grid */
    const int *ld = g->log_dims;
    int ax_p = op == PACK_ATB ? 1 : 0, ax_r = op == PACK_ABT ? 1 : 2, ax_c = 3 - ax_p - ax_r;
    uint64_t tp = (uint64_t)((d[4] + (1 << ld[ax_p]) - 1) >> ld[ax_p]);
    uint64_t tr = (uint64_t)((d[5] + (1 << ld[ax_r]) - 1) >> ld[ax_r]);
    uint64_t tq = (uint64_t)((q + (1 << ld[ax_c]) - 1) >> ld[ax_c]);
    cr_assert_eq(cost.key_switches, tp * tr * (1 + (uint64_t)ld[ax_c]));
    cr_assert_eq(cost.ct_mults, tp * tq * tr);
    cr_assert_eq(used.key_switches, cost.key_switches, "op %d: %lu key switches, model %lu", op,
                 (unsigned long)used.key_switches, (unsigned long)cost.key_switches);
    cr_assert_eq(used.decompositions, cost.decompositions);
    cr_assert_eq(used.ct_mults, cost.ct_mults);
    cr_assert_eq(used.rescales, cost.rescales);
    cr_assert_eq(used.pt_mults, 0);

    cr_assert_eq(mc->layout.rows, d[4]);
    cr_assert_eq(mc->layout.cols, d[5]);
    for (size_t i = 0; i < mc->count; i++) cr_assert_eq(ckks_ciphertext_level(mc->ct[i]), f.top - 1);
    OK(pack_decrypt(f.ctx, mc, f.sk, got));
    double bits = precision_bits(got, want, (size_t)(d[4] * d[5]));
    if (out) memcpy(out, got, sizeof(double) * (size_t)(d[4] * d[5]));
    pack_matrix_free(ma);
    pack_matrix_free(mb);
    pack_matrix_free(mc);
    free(a);
    free(bm);
    free(want);
    free(got);
    return bits;
}

Test(packing_matmul, three_products_untiled_non_power_of_two)
{
    for (int op = PACK_AB; op <= PACK_ABT; op++) {
        pack_grid g;
        OK(pack_grid_plan(&g, (pack_op)op, 5, 7, 3, 12));
        /* 8 x 8 x 4 fits: one tile, sparse slots */
        cr_assert_eq(g.log_dims[0] + g.log_dims[1] + g.log_dims[2], 8);
        double bits = check_product((pack_op)op, &g, 5, 7, 3, NULL);
        cr_assert_geq(bits, 25, "op %d: %.1f bits", op, bits);
    }
}

Test(packing_matmul, tiled_equals_untiled)
{
    const int b = 12, k = 20, h = 6;
    size_t nmax = (size_t)(k * h > b * k ? k * h : b * k);
    double *one = malloc(nmax * sizeof *one), *tiled = malloc(nmax * sizeof *tiled);
    for (int op = PACK_AB; op <= PACK_ABT; op++) {
        int d[6];
        dims((pack_op)op, b, k, h, d);
        pack_grid whole, small, planned;
        OK(pack_grid_init(&whole, 4, 5, 3));
        OK(pack_grid_init(&small, 2, 3, 1)); /* tiles along every axis */
        OK(pack_grid_plan(&planned, (pack_op)op, b, k, h, 9));
        cr_assert_eq(planned.log_dims[0] + planned.log_dims[1] + planned.log_dims[2], 9);
        double bb = check_product((pack_op)op, &whole, b, k, h, one);
        cr_assert_geq(bb, 25, "op %d whole %.2f", op, bb);
        cr_assert_geq(check_product((pack_op)op, &small, b, k, h, tiled), 25);
        cr_assert_geq(precision_bits(one, tiled, (size_t)(d[4] * d[5])), 25);
        cr_assert_geq(check_product((pack_op)op, &planned, b, k, h, tiled), 25);
        cr_assert_geq(precision_bits(one, tiled, (size_t)(d[4] * d[5])), 25);
    }
    free(one);
    free(tiled);
}

Test(packing_matmul, plan_reaches_the_header_formula)
{
    /* the benchmark shapes at N = 2^16: 1 + log2 min(q', S / (p' r')) */
    static const int want[3] = {5, 3, 2};
    for (int op = PACK_AB; op <= PACK_ABT; op++) {
        pack_grid g;
        pack_layout la, lb;
        ckks_op_counts c;
        OK(pack_grid_plan(&g, (pack_op)op, 48, 196, 32, 15));
        OK(pack_matmul_operands(&la, &lb, &g, (pack_op)op, 48, 196, 32));
        OK(pack_matmul_cost(&la, &lb, (pack_op)op, &c));
        cr_assert_eq(c.key_switches, (uint64_t)want[op], "op %d: %lu", op, (unsigned long)c.key_switches);
        cr_assert_eq(g.log_dims[0] + g.log_dims[1] + g.log_dims[2], 15);
    }
}

Test(packing_matmul, mismatched_layouts_rejected)
{
    pack_grid g, g2;
    OK(pack_grid_init(&g, 3, 3, 2));
    OK(pack_grid_init(&g2, 3, 2, 3));
    pack_layout a, b, c, out;
    OK(pack_matmul_operands(&a, &b, &g, PACK_AB, 6, 5, 4));
    OK(pack_matmul_layout(&out, &a, &b, PACK_AB));
    /* B laid out for another product: its rows are not on A's column axis */
    OK(pack_matmul_operands(&c, &out, &g, PACK_ATB, 6, 5, 4));
    cr_assert_eq(pack_matmul_layout(&out, &a, &out, PACK_AB), PACK_ELAYOUT);
    /* contracted lengths differ */
    OK(pack_layout_init(&c, &g, 6, 4, PACK_MIDDLE, PACK_INNER, PACK_REPLICATED));
    cr_assert_eq(pack_matmul_layout(&out, &a, &c, PACK_AB), PACK_ELAYOUT);
    /* other grid */
    OK(pack_layout_init(&c, &g2, 5, 4, PACK_MIDDLE, PACK_INNER, PACK_REPLICATED));
    cr_assert_eq(pack_matmul_layout(&out, &a, &c, PACK_AB), PACK_ELAYOUT);
    /* not replicated along the free axis */
    c = b;
    c.fill = PACK_PARTIAL;
    cr_assert_eq(pack_matmul_layout(&out, &a, &c, PACK_AB), PACK_ELAYOUT);
    ckks_op_counts cost;
    cr_assert_eq(pack_matmul_cost(&a, &c, PACK_AB, &cost), PACK_ELAYOUT);
    cr_assert_str_eq(pack_strerror(PACK_ELAYOUT), "operand layouts do not fit the operation");

    /* and pack_matmul itself, before touching a ciphertext */
    pack_matrix *ma, *mc, *res = NULL;
    OK(pack_matrix_new(f.ctx, &ma, &a));
    OK(pack_matrix_new(f.ctx, &mc, &c));
    cr_assert_eq(pack_matmul(f.ctx, &res, ma, mc, PACK_AB, f.rlk, f.gk), PACK_ELAYOUT);
    cr_assert_null(res);
    pack_matrix_free(ma);
    pack_matrix_free(mc);
}

/* Encrypt m in layout l at level and scale. */
static pack_matrix *encrypt_at(const pack_layout *l, const double *m, int level, double scale)
{
    pack_matrix *x;
    OK(pack_matrix_new(f.ctx, &x, l));
    OK(pack_encrypt(f.ctx, x, m, level, scale, f.sk));
    return x;
}

static pack_matrix *product(const pack_matrix *a, const pack_matrix *b, pack_op op)
{
    pack_matrix *c;
    OK(pack_matmul(f.ctx, &c, a, b, op, f.rlk, f.gk));
    return c;
}

static void align(pack_matrix *x, const pack_matrix *to)
{
    OK(pack_matrix_set_level(f.ctx, x, ckks_ciphertext_level(to->ct[0])));
}

static void expect(const pack_matrix *x, const double *want, double min_bits)
{
    size_t n = (size_t)x->layout.rows * (size_t)x->layout.cols;
    double *got = malloc(n * sizeof *got);
    OK(pack_decrypt(f.ctx, x, f.sk, got));
    double bits = precision_bits(got, want, n);
    cr_assert_geq(bits, min_bits, "%.1f bits", bits);
    free(got);
}

/*
 * One block of the local-loss algorithm (activation left out): Z = A W,
 * P = Z C, G = P - Y, dC = Z^T G, dA = G C^T, dW = A^T dA. Each output is
 * an operand of the next product as it comes, or after pack_replicate;
 * the gradients come out in their weights' layouts.
 */
static void block_chain(const pack_grid *g)
{
    enum { B = 6, K = 5, H = 4, O = 3 };
    double a[B * K], w[K * H], c[H * O], y[B * O];
    double z[B * H], p[B * O], gr[B * O], dc[H * O], da[B * H], dw[K * H];
    random_vector(a, B * K, 1);
    random_vector(w, K * H, 2);
    random_vector(c, H * O, 3);
    random_vector(y, B * O, 4);
    reference_product(PACK_AB, a, w, B, K, H, z);
    reference_product(PACK_AB, z, c, B, H, O, p);
    for (int i = 0; i < B * O; i++) gr[i] = p[i] - y[i];
    reference_product(PACK_ATB, z, gr, H, B, O, dc);
    reference_product(PACK_ABT, gr, c, B, O, H, da);
    reference_product(PACK_ATB, a, da, K, B, H, dw);

    /* b on OUTER, k on MIDDLE, h on INNER; o shares MIDDLE with k */
    pack_layout la, lw, lc, ly;
    OK(pack_matmul_operands(&la, &lw, g, PACK_AB, B, K, H));
    OK(pack_layout_init(&lc, g, H, O, PACK_INNER, PACK_MIDDLE, PACK_REPLICATED));
    OK(pack_layout_init(&ly, g, B, O, PACK_OUTER, PACK_MIDDLE, PACK_SLICE));
    pack_keyplan kp;
    pack_keyplan_init(&kp);
    pack_layout lz, lp, lg;
    OK(pack_matmul_layout(&lz, &la, &lw, PACK_AB));
    lg = lz;
    lg.fill = PACK_REPLICATED;
    OK(pack_matmul_layout(&lp, &lg, &lc, PACK_AB));
    OK(pack_keyplan_add_matmul(&kp, &la, &lw, PACK_AB));
    OK(pack_keyplan_add_replicate(&kp, &lz));
    OK(pack_keyplan_add_matmul(&kp, &lg, &lc, PACK_AB));
    OK(pack_keyplan_add_replicate(&kp, &lp));
    lp.fill = PACK_REPLICATED;
    OK(pack_keyplan_add_matmul(&kp, &lg, &lp, PACK_ATB));
    OK(pack_keyplan_add_matmul(&kp, &lp, &lc, PACK_ABT));
    OK(pack_keyplan_add_matmul(&kp, &la, &lg, PACK_ATB));
    fixture_keys(&f, &kp);
    pack_keyplan_clear(&kp);

    pack_matrix *ma = encrypt_at(&la, a, f.top, f.scale), *mw = encrypt_at(&lw, w, f.top, f.scale);
    pack_matrix *mc = encrypt_at(&lc, c, f.top, f.scale);
    pack_matrix *mz = product(ma, mw, PACK_AB);
    expect(mz, z, 25);
    OK(pack_replicate(f.ctx, mz, f.gk)); /* mask + replicate: one level */
    pack_matrix *mc1;
    OK(pack_matrix_copy(f.ctx, &mc1, mc));
    align(mc1, mz);
    pack_matrix *mp = product(mz, mc1, PACK_AB);
    expect(mp, p, 22);

    /* G = P - Y, Y encrypted by the data owner in P's layout and scale */
    pack_matrix *my = encrypt_at(&ly, y, ckks_ciphertext_level(mp->ct[0]),
                                 ckks_ciphertext_scale(mp->ct[0]));
    for (size_t i = 0; i < mp->count; i++) OK(ckks_sub(f.ctx, mp->ct[i], mp->ct[i], my->ct[i]));
    OK(pack_replicate(f.ctx, mp, f.gk));
    expect(mp, gr, 22);

    pack_matrix *mz2;
    OK(pack_matrix_copy(f.ctx, &mz2, mz));
    align(mz2, mp);
    pack_matrix *mdc = product(mz2, mp, PACK_ATB);
    cr_assert(pack_layout_equal(&mdc->layout, &mc->layout), "dC is not in C's layout");
    expect(mdc, dc, 20);

    align(mc1, mp);
    pack_matrix *mda = product(mp, mc1, PACK_ABT);
    cr_assert(pack_layout_equal(&mda->layout, &lz), "dA is not in Z's layout");
    expect(mda, da, 20);
    OK(pack_replicate(f.ctx, mda, f.gk));
    align(ma, mda);
    pack_matrix *mdw = product(ma, mda, PACK_ATB);
    cr_assert(pack_layout_equal(&mdw->layout, &mw->layout), "dW is not in W's layout");
    expect(mdw, dw, 18);
    cr_assert_geq(ckks_ciphertext_level(mdw->ct[0]), 0);

    pack_matrix *all[] = {ma, mw, mc, mz, mc1, mp, my, mz2, mdc, mda, mdw};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) pack_matrix_free(all[i]);
}

Test(packing_matmul, training_block_chains_untiled)
{
    pack_grid g;
    OK(pack_grid_init(&g, 3, 3, 2));
    block_chain(&g);
}

Test(packing_matmul, training_block_chains_tiled)
{
    pack_grid g;
    OK(pack_grid_init(&g, 2, 1, 1)); /* every matrix spans several tiles */
    block_chain(&g);
}
