/* params.c - named parameter sets and the HE Standard security bound. */
#include "ckks/ckks.h"

#include <string.h>

/* Fill n entries of v with x, returning v + n. */
static int *fill(int *v, int n, int x)
{
    for (int i = 0; i < n; i++) v[i] = x;
    return v + n;
}

/* One named set: q0 bits, then `nmid` primes of `mid` bits, P primes. */
typedef struct {
    const char *name;
    int logn, q0, nmid, mid, np, pbits, log_scale, dnum, insecure;
} named_set;

static const named_set sets[] = {
    /* name        logn q0 nmid mid np pbits scale dnum insecure */
    {"TEST-N11",    11, 45,  2, 35, 1, 45, 35, 3, 1},
    {"TEST-N12",    12, 55,  7, 40, 2, 55, 40, 4, 1},
    {"TEST-N13",    13, 55, 11, 40, 3, 55, 40, 4, 1},
    {"TEST-N14",    14, 60, 15, 45, 4, 60, 45, 4, 1},
    /* 128-bit: logQP = 710 + 120 <= 881 */
    {"N15",         15, 60, 13, 50, 2, 60, 50, 7, 0},
    /* 128-bit, deep enough for bootstrapping: 1460 + 244 <= 1747 */
    {"N16",         16, 60, 28, 50, 4, 61, 50, 8, 0},
    /* the benchmark set of issue 2: 60 + 20 x 59, 7 x 60, dnum 3 */
    {"N16-BENCH",   16, 60, 20, 59, 7, 60, 59, 3, 0},
};

static const char *const names[] = {
    "TEST-N11", "TEST-N12", "TEST-N13", "TEST-N14", "N15", "N16", "N16-BENCH", NULL,
};

const char *const *ckks_params_names(void) { return names; }

int ckks_params_named(const char *name, ckks_params *out)
{
    if (!name || !out) return CKKS_EINVAL;
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
        const named_set *s = &sets[i];
        if (strcmp(s->name, name)) continue;
        memset(out, 0, sizeof *out);
        out->name = s->name;
        out->logn = s->logn;
        out->nq = 1 + s->nmid;
        out->qbits[0] = s->q0;
        fill(out->qbits + 1, s->nmid, s->mid);
        out->np = s->np;
        fill(out->pbits, s->np, s->pbits);
        out->log_scale = s->log_scale;
        out->dnum = s->dnum;
        out->insecure = s->insecure;
        return 0;
    }
    return CKKS_EINVAL;
}

int ckks_security_max_logqp(int logn, int hamming_weight)
{
    /* HE Standard (2018), table for 128-bit classical security, uniform
     * ternary secret. */
    static const int dense[] = {109, 218, 438, 881, 1747, 3523};
    if (logn < 12 || logn > 17) return 0;
    int bound = dense[logn - 12];
    if (hamming_weight <= 0) return bound;
    /* Sparse secrets lose security to hybrid attacks. Below h = 64 we do
     * not claim 128 bits at all; above, a conservative 12 % cut of the
     * dense bound (e.g. 1537 at N = 2^16, under the ~1550 that published
     * estimates give for h = 192). */
    if (hamming_weight < 64) return 0;
    return bound - (bound * 12 + 99) / 100;
}
