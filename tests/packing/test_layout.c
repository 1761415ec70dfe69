/* test_layout.c - grids, layouts, tiles and the encrypt/decrypt round trip. */
#include "fixture.h"

static fixture f;

static void setup(void) { fixture_init(&f, "TEST-N12"); }
static void teardown(void) { fixture_free(&f); }

TestSuite(packing_layout, .init = setup, .fini = teardown);

Test(packing_layout, invalid_descriptions_rejected)
{
    pack_grid g;
    pack_layout l;
    cr_assert_eq(pack_grid_init(&g, -1, 2, 2), CKKS_EINVAL);
    cr_assert_eq(pack_grid_init(&g, 8, 8, 1), CKKS_EINVAL);
    OK(pack_grid_init(&g, 2, 3, 4));
    cr_assert_eq(pack_grid_slots(&g), 512);
    cr_assert_eq(pack_grid_stride(&g, PACK_OUTER), 128);
    cr_assert_eq(pack_grid_stride(&g, PACK_MIDDLE), 16);
    cr_assert_eq(pack_grid_stride(&g, PACK_INNER), 1);
    cr_assert_eq(pack_layout_init(&l, &g, 3, 3, PACK_INNER, PACK_INNER, PACK_SLICE), CKKS_EINVAL);
    cr_assert_eq(pack_layout_init(&l, &g, 0, 3, PACK_OUTER, PACK_INNER, PACK_SLICE), CKKS_EINVAL);
    cr_assert_eq(pack_layout_init(&l, &g, 3, 3, PACK_OUTER, (pack_axis)5, PACK_SLICE), CKKS_EINVAL);
    /* a tile larger than the ring's slots */
    OK(pack_grid_init(&g, 4, 4, 4));
    OK(pack_layout_init(&l, &g, 3, 3, PACK_OUTER, PACK_INNER, PACK_SLICE));
    pack_matrix *m = NULL;
    cr_assert_eq(pack_matrix_new(f.ctx, &m, &l), CKKS_ESLOTS);
    cr_assert_null(m);
}

Test(packing_layout, tiles_of_a_non_power_of_two_matrix)
{
    pack_grid g;
    pack_layout l;
    OK(pack_grid_init(&g, 1, 2, 3)); /* 2 x 4 x 8 */
    OK(pack_layout_init(&l, &g, 5, 11, PACK_MIDDLE, PACK_INNER, PACK_REPLICATED));
    cr_assert_eq(pack_layout_free_axis(&l), PACK_OUTER);
    cr_assert_eq(pack_layout_row_tiles(&l), 2);
    cr_assert_eq(pack_layout_col_tiles(&l), 2);
    cr_assert_eq(pack_layout_count(&l), 4);
    cr_assert_eq(pack_layout_log_slots(&l), 6);
    double m[55], v[64];
    for (int i = 0; i < 55; i++) m[i] = i + 1;
    /* tile (1, 1): rows 4, columns 8..10, twice along OUTER, zeros elsewhere */
    OK(pack_layout_tile_values(&l, 3, m, v));
    for (int s = 0; s < 64; s++) {
        int x0 = s / 32, x1 = s / 8 % 4, x2 = s % 8;
        double want = x1 == 0 && x2 < 3 ? m[4 * 11 + 8 + x2] : 0;
        (void)x0;
        cr_assert_eq(v[s], want, "slot %d", s);
    }
    /* a slice keeps only OUTER position 0; NULL gives the mask */
    l.fill = PACK_SLICE;
    OK(pack_layout_tile_values(&l, 0, NULL, v));
    for (int s = 0; s < 64; s++) cr_assert_eq(v[s], s < 32 ? 1.0 : 0.0, "slot %d", s);
    cr_assert_eq(pack_layout_tile_values(&l, 4, m, v), CKKS_EINVAL);
}

Test(packing_layout, encrypt_decrypt_round_trip)
{
    /* row-major, column-major, tiled and replicated layouts */
    const int rows = 13, cols = 7;
    double m[91], got[91];
    random_vector(m, 91, 9);
    const int shapes[][5] = {
        {0, 4, 3, PACK_MIDDLE, PACK_INNER}, {0, 3, 4, PACK_INNER, PACK_MIDDLE},
        {1, 2, 2, PACK_OUTER, PACK_INNER},  {2, 3, 1, PACK_INNER, PACK_OUTER},
    };
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        pack_grid g;
        pack_layout l;
        pack_matrix *x;
        OK(pack_grid_init(&g, shapes[i][0], shapes[i][1], shapes[i][2]));
        OK(pack_layout_init(&l, &g, rows, cols, (pack_axis)shapes[i][3], (pack_axis)shapes[i][4],
                            PACK_REPLICATED));
        OK(pack_matrix_new(f.ctx, &x, &l));
        OK(pack_encrypt(f.ctx, x, m, f.top, f.scale, f.sk));
        OK(pack_decrypt(f.ctx, x, f.sk, got));
        cr_assert_geq(precision_bits(got, m, 91), 28, "layout %zu", i);
        pack_matrix *y;
        OK(pack_matrix_copy(f.ctx, &y, x));
        OK(pack_matrix_set_level(f.ctx, y, 2));
        cr_assert_eq(ckks_ciphertext_level(y->ct[y->count - 1]), 2);
        OK(pack_decrypt(f.ctx, y, f.sk, got));
        cr_assert_geq(precision_bits(got, m, 91), 28);
        pack_matrix_free(x);
        pack_matrix_free(y);
    }
}
