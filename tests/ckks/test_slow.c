/* Real parameters: the 128-bit sets at N = 2^15 and N = 2^16. */
#include "common.h"

static void exercise(const char *name, double min_bits)
{
    fixture f;
    const int steps[] = {1, 8};
    fixture_init(&f, name, steps, 2);
    cr_assert_eq(ckks_context_params(f.ctx)->insecure, 0);
    double *x = malloc(f.slots * sizeof *x), *y = malloc(f.slots * sizeof *y);
    double *want = malloc(f.slots * sizeof *want);
    random_vector(x, f.slots, 1);
    random_vector(y, f.slots, 2);
    ckks_ciphertext *a = encrypt_vector(&f, x, f.slots, f.top);
    ckks_ciphertext *b = encrypt_vector(&f, y, f.slots, f.top);
    double fresh = precision_bits(&f, a, x, f.slots);
    cr_assert_geq(fresh, min_bits, "%s: fresh %.1f bits", name, fresh);

    ckks_ciphertext *c = ckks_ciphertext_new(f.ctx);
    OK(ckks_mul_relin(f.ctx, c, a, b, f.rlk));
    OK(ckks_rescale(f.ctx, c, c));
    OK(ckks_rotate(f.ctx, c, c, 9, f.gk)); /* composed 1 + 8 */
    for (size_t i = 0; i < f.slots; i++) want[i] = x[(i + 9) % f.slots] * y[(i + 9) % f.slots];
    double bits = precision_bits(&f, c, want, f.slots);
    cr_assert_geq(bits, min_bits - 1, "%s: %.1f bits", name, bits);
    ckks_ciphertext_free(a);
    ckks_ciphertext_free(b);
    ckks_ciphertext_free(c);
    free(x);
    free(y);
    free(want);
    fixture_free(&f);
}

/* Scale 2^50. Public-key noise e0 + e u + e1 s has a coefficient standard
 * deviation of 3.2 sqrt(4N/3), so 2^16.9 (N = 2^15) and 2^17.9 (2^16) per
 * slot, and four times that at worst: >= 30 and >= 29 bits fresh. */
Test(slow, n15_multiply_rotate, .timeout = 600) { exercise("N15", 30); }
Test(slow, n16_multiply_rotate, .timeout = 900) { exercise("N16", 29); }
