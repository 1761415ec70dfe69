/* test_slots.c - rotate-and-sum, replication and masks: values and costs. */
#include "fixture.h"

static fixture f;

static void setup(void) { fixture_init(&f, "TEST-N12"); }
static void teardown(void) { fixture_free(&f); }

TestSuite(packing_slots, .init = setup, .fini = teardown);

static ckks_ciphertext *encrypt_slots(const double *v, int ls)
{
    ckks_plaintext *pt = ckks_plaintext_new(f.ctx);
    ckks_ciphertext *ct = ckks_ciphertext_new(f.ctx);
    OK(ckks_encode_real(f.ctx, pt, v, (size_t)1 << ls, ls, f.top, f.scale));
    OK(ckks_encrypt_sk(f.ctx, ct, pt, f.sk, NULL));
    ckks_plaintext_free(pt);
    return ct;
}

static void decrypt_slots(const ckks_ciphertext *ct, double *v, size_t n)
{
    ckks_plaintext *pt = ckks_plaintext_new(f.ctx);
    OK(ckks_decrypt(f.ctx, pt, ct, f.sk));
    OK(ckks_decode_real(f.ctx, pt, v, n));
    ckks_plaintext_free(pt);
}

static void keys(size_t stride, size_t count, int dir, int ls)
{
    int steps[16];
    pack_keyplan kp;
    pack_keyplan_init(&kp);
    OK(pack_keyplan_add(&kp, steps, (size_t)pack_sum_steps(stride, count, dir, ls, steps)));
    fixture_keys(&f, &kp);
    pack_keyplan_clear(&kp);
}

Test(packing_slots, sum_over_a_stride)
{
    const int ls = 9;
    const size_t n = 512, stride = 8, count = 16;
    double v[512], got[512];
    random_vector(v, n, 5);
    keys(stride, count, 1, ls);
    ckks_ciphertext *ct = encrypt_slots(v, ls);
    counts_take(&f);
    OK(pack_sum_slots(f.ctx, ct, stride, count, f.gk));
    ckks_op_counts c = counts_take(&f);
    cr_assert_eq(c.key_switches, 4);
    cr_assert_eq(ckks_ciphertext_level(ct), f.top);
    decrypt_slots(ct, got, n);
    /* every position p receives sum_u v[p + u stride] (cyclic over 512 = 4 groups) */
    for (size_t p = 0; p < n; p++) {
        double want = 0;
        for (size_t u = 0; u < count; u++) want += v[(p + u * stride) % n];
        cr_assert(fabs(got[p] - want) < 0x1p-24, "slot %zu: %g vs %g", p, got[p], want);
    }
    cr_assert_eq(pack_sum_slots(f.ctx, ct, stride, 3, f.gk), CKKS_EINVAL);
    cr_assert_eq(pack_sum_slots(f.ctx, ct, 64, 16, f.gk), CKKS_ESLOTS);
    ckks_ciphertext_free(ct);
}

Test(packing_slots, replicate_from_zero_padding)
{
    const int ls = 8;
    const size_t n = 256, stride = 4, count = 8;
    double v[256] = {0}, got[256];
    /* values at positions with (p / 4) % 8 == 0, zeros elsewhere */
    for (size_t p = 0; p < n; p++)
        if ((p / stride) % count == 0) v[p] = sin((double)p);
    keys(stride, count, -1, ls);
    ckks_ciphertext *ct = encrypt_slots(v, ls);
    counts_take(&f);
    OK(pack_replicate_slots(f.ctx, ct, stride, count, f.gk));
    cr_assert_eq(counts_take(&f).key_switches, 3);
    decrypt_slots(ct, got, n);
    for (size_t p = 0; p < n; p++) {
        size_t src = p / (stride * count) * stride * count + p % stride;
        cr_assert(fabs(got[p] - v[src]) < 0x1p-26, "slot %zu", p);
    }
    ckks_ciphertext_free(ct);
}

Test(packing_slots, mask_then_replicate_a_matrix)
{
    pack_grid g;
    pack_layout l;
    OK(pack_grid_init(&g, 2, 2, 3));
    OK(pack_layout_init(&l, &g, 3, 6, PACK_OUTER, PACK_INNER, PACK_PARTIAL));
    double m[18], got[18], slots[128];
    random_vector(m, 18, 3);
    pack_keyplan kp;
    pack_keyplan_init(&kp);
    OK(pack_keyplan_add_replicate(&kp, &l));
    cr_assert_eq(kp.count, 2);
    cr_assert_eq(kp.steps[0], 128 - 16);
    cr_assert_eq(kp.steps[1], 128 - 8);
    fixture_keys(&f, &kp);
    pack_keyplan_clear(&kp);

    /* PARTIAL: garbage along MIDDLE, as a product leaves it */
    pack_layout full = l;
    full.fill = PACK_REPLICATED;
    pack_matrix *x;
    OK(pack_matrix_new(f.ctx, &x, &l));
    x->layout = full;
    OK(pack_encrypt(f.ctx, x, m, f.top, f.scale, f.sk));
    x->layout = l;
    double scale = ckks_ciphertext_scale(x->ct[0]);

    counts_take(&f);
    OK(pack_replicate(f.ctx, x, f.gk));
    ckks_op_counts c = counts_take(&f);
    cr_assert_eq(c.pt_mults, 1);
    cr_assert_eq(c.rescales, 1);
    cr_assert_eq(c.key_switches, 2);
    cr_assert_eq(x->layout.fill, PACK_REPLICATED);
    cr_assert_eq(ckks_ciphertext_level(x->ct[0]), f.top - 1);
    cr_assert_float_eq(ckks_ciphertext_scale(x->ct[0]), scale, 1e-9 * scale);
    OK(pack_decrypt(f.ctx, x, f.sk, got));
    cr_assert_geq(precision_bits(got, m, 18), 25);
    /* padding columns 6, 7 and rows 3 are zero; every MIDDLE copy equal */
    decrypt_slots(x->ct[0], slots, 128);
    for (int s = 0; s < 128; s++) {
        int r = s / 32, col = s % 8;
        double want = r < 3 && col < 6 ? m[r * 6 + col] : 0;
        cr_assert(fabs(slots[s] - want) < 0x1p-24, "slot %d: %g vs %g", s, slots[s], want);
    }
    pack_matrix_free(x);
}
