/* test_slow.c - one bootstrapping at N = 2^16 with the 128-bit set. */
#include "common.h"

#include <string.h>

/* 2^12 slots, the low-memory configuration (compact keys, fewer of them)
 * and diagonals encoded at each use keep the memory (keys: about 1.4 GB)
 * and the run within a minute. */
static void slow_config(boot_config *c)
{
    c->log_slots = 12, c->precompute_mb = 0, c->low_memory = 1;
}

Test(slow, bootstrap_n16, .timeout = 600)
{
    boot_fixture f;
    boot_fixture_init(&f, "BOOT-N16", slow_config);
    cr_assert_eq(strncmp(ckks_context_security(f.ctx), "128-bit", 7), 0);
    /* SlotsToCoeffs first: the levels for computation lie between output and input */
    cr_assert_geq(boot_output_level(f.bc) - boot_input_level(f.bc), 10);
    double complex *z = random_slots(f.n, 0, 19);
    ckks_ciphertext *ct = encrypt_slots(&f, z, boot_input_level(f.bc), f.scale);
    OK(boot_bootstrap(f.bc, ct, ct, f.keys));
    cr_assert_eq(ckks_ciphertext_level(ct), boot_output_level(f.bc));
    double complex *got = decrypt_slots(&f, ct);
    double mean = precision(z, got, f.n, 1);
    cr_log_info("N = 2^16, 2^12 slots: %.2f bits mean", mean);
    cr_assert_geq(mean, 24);
    ckks_ciphertext_free(ct);
    free(z);
    free(got);
    boot_fixture_free(&f);
}
