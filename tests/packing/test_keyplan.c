/* test_keyplan.c - rotation steps derived from layouts, products and
 * transforms, exactly enough of them, and their memory. */
#include "fixture.h"

static fixture f;

static void setup(void) { fixture_init(&f, "TEST-N12"); }
static void teardown(void) { fixture_free(&f); }

TestSuite(packing_keyplan, .init = setup, .fini = teardown);

Test(packing_keyplan, sorted_distinct_and_normalized)
{
    pack_keyplan kp;
    pack_keyplan_init(&kp);
    const int steps[] = {5, 3, 0, 5, 9, 3};
    OK(pack_keyplan_add(&kp, steps, 6));
    cr_assert_eq(kp.count, 3);
    cr_assert(kp.steps[0] == 3 && kp.steps[1] == 5 && kp.steps[2] == 9);

    pack_grid g;
    pack_layout a, b;
    OK(pack_grid_init(&g, 3, 3, 2));
    /* AB contracts MIDDLE: stride 4, 8 positions */
    pack_keyplan_clear(&kp);
    OK(pack_matmul_operands(&a, &b, &g, PACK_AB, 6, 5, 4));
    OK(pack_keyplan_add_matmul(&kp, &a, &b, PACK_AB));
    cr_assert_eq(kp.count, 3);
    cr_assert(kp.steps[0] == 4 && kp.steps[1] == 8 && kp.steps[2] == 16);
    /* ATB contracts OUTER: stride 32; replicating its input needs right
     * rotations, normalized to the 256 slots of the tile */
    pack_keyplan_clear(&kp);
    OK(pack_matmul_operands(&a, &b, &g, PACK_ATB, 6, 5, 4));
    OK(pack_keyplan_add_matmul(&kp, &a, &b, PACK_ATB));
    b.fill = PACK_SLICE;
    OK(pack_keyplan_add_replicate(&kp, &b));
    const int want[] = {32, 64, 128, 240, 248, 252};
    cr_assert_eq(kp.count, 6);
    for (int i = 0; i < 6; i++) cr_assert_eq(kp.steps[i], want[i], "step %d: %d", i, kp.steps[i]);
    b.fill = PACK_PARTIAL;
    cr_assert_eq(pack_keyplan_add_matmul(&kp, &a, &b, PACK_ATB), PACK_ELAYOUT);
    pack_keyplan_clear(&kp);
}

Test(packing_keyplan, planned_keys_are_exactly_enough)
{
    pack_grid g;
    pack_layout la, lb;
    OK(pack_grid_init(&g, 3, 3, 2));
    OK(pack_matmul_operands(&la, &lb, &g, PACK_AB, 8, 8, 4));
    double a[64], b[32];
    random_vector(a, 64, 1);
    random_vector(b, 32, 2);
    pack_keyplan kp;
    pack_keyplan_init(&kp);
    OK(pack_keyplan_add_matmul(&kp, &la, &lb, PACK_AB));
    fixture_keys(&f, &kp);
    /* the key memory: formula against the keys */
    ckks_params p;
    OK(ckks_params_named("TEST-N12", &p));
    cr_assert_eq(pack_keyplan_bytes(&p, kp.count), ckks_galois_keys_bytes(f.gk));

    pack_matrix *ma, *mb, *mc;
    OK(pack_matrix_new(f.ctx, &ma, &la));
    OK(pack_matrix_new(f.ctx, &mb, &lb));
    OK(pack_encrypt(f.ctx, ma, a, f.top, f.scale, f.sk));
    OK(pack_encrypt(f.ctx, mb, b, f.top, f.scale, f.sk));
    counts_take(&f);
    OK(pack_matmul(f.ctx, &mc, ma, mb, PACK_AB, f.rlk, f.gk));
    cr_assert_eq(counts_take(&f).key_switches, 4);
    pack_matrix_free(mc);

    /* without the largest step the product fails or pays for a composition */
    kp.count--;
    fixture_keys(&f, &kp);
    int err = pack_matmul(f.ctx, &mc, ma, mb, PACK_AB, f.rlk, f.gk);
    if (!err) {
        cr_assert_gt(counts_take(&f).key_switches, 4);
        pack_matrix_free(mc);
    } else {
        cr_assert_eq(err, CKKS_EKEY);
    }
    pack_matrix_free(ma);
    pack_matrix_free(mb);
    pack_keyplan_clear(&kp);
}

Test(packing_keyplan, lintrans_steps)
{
    const int index[] = {0, 1, 2, 3, 8, 9, 17};
    double complex *diag[7], ones[64];
    for (int i = 0; i < 64; i++) ones[i] = 1;
    for (int i = 0; i < 7; i++) diag[i] = ones;
    pack_lintrans *lt;
    OK(pack_lintrans_new(f.ctx, &lt, 6, index, (const double complex *const *)diag, 7, 1, f.scale, 8));
    pack_keyplan kp;
    pack_keyplan_init(&kp);
    OK(pack_keyplan_add_lintrans(&kp, lt));
    /* n1 = 8: babies 1 2 3, giants 8 16 */
    const int want[] = {1, 2, 3, 8, 16};
    cr_assert_eq(kp.count, 5);
    for (int i = 0; i < 5; i++) cr_assert_eq(kp.steps[i], want[i]);
    cr_assert_eq(pack_lintrans_key_switches(lt), 5);
    pack_keyplan_clear(&kp);
    pack_lintrans_free(lt);
}
