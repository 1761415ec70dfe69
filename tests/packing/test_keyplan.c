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
    /* n1 = 8: babies 1 2 3, giants 1 2 (two rotations by 8 in Horner's rule) */
    const int want[] = {1, 2, 3, 8};
    cr_assert_eq(kp.count, 4);
    for (int i = 0; i < 4; i++) cr_assert_eq(kp.steps[i], want[i]);
    cr_assert_eq(pack_lintrans_key_switches(lt), 5);
    pack_keyplan_clear(&kp);
    pack_lintrans_free(lt);
}

/* The steps of a split without a transform: few keys for any n1, but the
 * key switches (nb + ng) grow at either end. */
Test(packing_keyplan, bsgs_steps_without_encoding)
{
    int band[16], steps[16], nb, ng;
    for (int i = 0; i < 15; i++) band[i] = i - 7;
    band[15] = 7 + 128; /* a duplicate mod n */
    /* n1 = 1: giants 1..7, 121..127 */
    cr_assert_eq(pack_bsgs_steps(7, band, 16, 1, &nb, &ng, steps), 2);
    cr_assert(nb == 0 && ng == 14 && steps[0] == 1 && steps[1] == 114);
    /* n1 = 4: babies 1 2 3, giants 1 30 31 */
    const int want4[] = {1, 2, 3, 4, 116};
    cr_assert_eq(pack_bsgs_steps(7, band, 16, 4, &nb, &ng, steps), 5);
    cr_assert(nb == 3 && ng == 3);
    cr_assert_arr_eq(steps, want4, sizeof want4);
    /* n1 = n: the diagonal method, every nonzero diagonal a baby step */
    cr_assert_eq(pack_bsgs_steps(7, band, 16, 128, &nb, &ng, steps), 14);
    cr_assert(nb == 14 && ng == 0 && steps[0] == 1 && steps[6] == 7 && steps[7] == 121);
    /* n1 = 8: babies 1..7, giant 15 */
    cr_assert_eq(pack_bsgs_steps(7, band, 16, 8, NULL, NULL, steps), 7 + 1);
    cr_assert_eq(steps[7], 120);
    cr_assert_eq(pack_bsgs_steps(7, band, 16, 0, NULL, NULL, NULL), CKKS_EINVAL);
    cr_assert_eq(pack_bsgs_steps(7, band, 16, 129, NULL, NULL, NULL), CKKS_EINVAL);
    cr_assert_eq(pack_bsgs_steps(17, band, 16, 4, NULL, NULL, NULL), CKKS_EINVAL);
    cr_assert_eq(pack_bsgs_steps(7, NULL, 16, 4, NULL, NULL, NULL), CKKS_EINVAL);
}
