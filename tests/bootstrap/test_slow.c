/* test_slow.c - bootstrapping at N = 2^16 with the 128-bit sets. */
#include "common.h"

#include <string.h>

/* 2^12 slots and diagonals encoded at each use keep the memory (keys:
 * 5.6 GB by default, 1.8 GB with low_memory; peak 6.5 GB) and each run
 * within a minute. */
static void slow_config(boot_config *c) { c->log_slots = 12, c->precompute_mb = 0; }
static void slow_low_memory(boot_config *c) { slow_config(c), c->low_memory = 1; }

static void bootstrap_n16(const char *set, void (*edit)(boot_config *))
{
    boot_fixture f;
    boot_fixture_init(&f, set, edit);
    cr_assert_eq(strncmp(ckks_context_security(f.ctx), "128-bit", 7), 0);
    /* SlotsToCoeffs first: the levels for computation lie between output and input */
    cr_assert_geq(boot_output_level(f.bc) - boot_input_level(f.bc), 10);
    double complex *z = random_slots(f.n, 0, 19);
    ckks_ciphertext *ct = encrypt_slots(&f, z, boot_input_level(f.bc), f.scale);
    OK(boot_bootstrap(f.bc, ct, ct, f.keys));
    cr_assert_eq(ckks_ciphertext_level(ct), boot_output_level(f.bc));
    double complex *got = decrypt_slots(&f, ct);
    double mean = precision(z, got, f.n, 1);
    cr_log_info("%s, 2^12 slots, low_memory %d: %.2f bits mean, keys %zu bytes", set,
                f.cfg.low_memory, mean, boot_keys_bytes(f.keys));
    cr_assert_geq(mean, 24);
    ckks_ciphertext_free(ct);
    free(z);
    free(got);
    boot_fixture_free(&f);
}

/* one EvalMod for complex sparse slots (merge) by default, two with low memory */
Test(slow, bootstrap_n16_merged, .timeout = 600) { bootstrap_n16("BOOT-N16-SPARSE", slow_config); }
Test(slow, bootstrap_n16_low_memory, .timeout = 600)
{
    bootstrap_n16("BOOT-N16", slow_low_memory);
}
