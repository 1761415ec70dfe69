/* params.c - parameter sets made for bootstrapping. */
#include "bootstrap/internal.h"

#include <string.h>

/*
 * A chain from the bottom up: q0, the levels left for computation and
 * those SlotsToCoeffs uses (below them with s2c_first, above otherwise),
 * the merge level (merge_bits > 0: one prime of that size, see
 * boot_config.merge), EvalMod's and CoeffsToSlots', and the special
 * primes P.
 */
typedef struct {
    const char *name;
    int logn, q0;
    int count[4], bits[4]; /* computation, SlotsToCoeffs, EvalMod, CoeffsToSlots */
    int merge_bits;
    int np, pbits, dnum, insecure, s2c_first;
    int double_angle, cos_log_error; /* EvalMod's depth must fit count[2] */
} boot_set;

static const boot_set sets[] = {
    /* 60 + 3 x 45 + 10 x 52 + 8 x 60 + 4 x 56 = 1419, P = 5 x 61:
     * logQP = 1724 <= 1747 (dense ternary, 128-bit); scale 2^52 = q0 / 2^8.
     * SlotsToCoeffs first, on levels 3..1: its keys and transforms are
     * about 8 times cheaper there than above the computation levels.
     * EvalMod in 8 levels (2 double angles, a degree-52 series at 2^-45:
     * the same precision as 3 and degree 37 at 2^-50), so that P takes
     * the ninth 60-bit prime's bits: 6 digits of 5 primes instead of 7 of
     * 4, keys 14 % smaller and key switching faster. */
    {"BOOT-N16", 16, 60, {10, 3, 8, 4}, {52, 45, 60, 56}, 0, 5, 61, 6, 0, 1, 2, 45},
    /* For sparse slots: BOOT-N16 with a 52-bit merge level in place of
     * SlotsToCoeffs' third prime (logQP = 1731). Measured at 2^12 slots:
     * SlotsToCoeffs in 2 levels costs about what it did in 3; a 27th prime
     * (3 levels kept, CoeffsToSlots primes cut to 52 bits to pay for it)
     * put the top levels one digit up and cost 0.25 bit. */
    {"BOOT-N16-SPARSE", 16, 60, {10, 2, 8, 4}, {52, 45, 60, 56}, 52, 5, 61, 6, 0, 1, 2, 45},
    /* insecure: scale 2^50, q0 / D = 2^10 (less noise at small N) */
    {"BOOT-TEST-N12", 12, 60, {2, 2, 9, 2}, {50, 50, 60, 58}, 0, 4, 61, 4, 1, 0, 3, 50},
    {"BOOT-TEST-N12-SPARSE", 12, 60, {2, 2, 9, 2}, {50, 50, 60, 58}, 40, 4, 61, 5, 1, 1, 3, 50},
    {"BOOT-TEST-N13", 13, 60, {2, 2, 9, 2}, {50, 50, 60, 58}, 0, 4, 61, 4, 1, 0, 3, 50},
};

int boot_params_named(const char *name, ckks_params *params, boot_config *cfg)
{
    if (!name || !params) return CKKS_EINVAL;
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
        const boot_set *s = &sets[i];
        if (strcmp(s->name, name)) continue;
        memset(params, 0, sizeof *params);
        params->name = s->name;
        params->logn = s->logn;
        params->qbits[params->nq++] = s->q0;
        static const int order[2][4] = {{0, 1, 2, 3}, {1, 0, 2, 3}};
        for (int i = 0; i < 4; i++) {
            int k = order[s->s2c_first][i];
            if (k == 2 && s->merge_bits) params->qbits[params->nq++] = s->merge_bits;
            for (int j = 0; j < s->count[k]; j++) params->qbits[params->nq++] = s->bits[k];
        }
        params->np = s->np;
        for (int j = 0; j < s->np; j++) params->pbits[j] = s->pbits;
        params->log_scale = s->bits[0];
        params->dnum = s->dnum;
        params->insecure = s->insecure;
        if (cfg) {
            boot_config_default(cfg, NULL, s->logn - 1);
            cfg->c2s_levels = s->count[3];
            cfg->s2c_levels = s->count[1];
            cfg->s2c_first = s->s2c_first;
            cfg->double_angle = s->double_angle;
            cfg->cos_log_error = s->cos_log_error;
            cfg->merge = s->merge_bits > 0;
        }
        return 0;
    }
    return CKKS_EINVAL;
}
