/* Parameter sets: named sets, the insecure flag, the HE Standard bound. */
#include "common.h"

#include <string.h>

Test(params, named_sets_load)
{
    for (const char *const *nm = ckks_params_names(); *nm; nm++) {
        ckks_params p;
        OK(ckks_params_named(*nm, &p));
        cr_assert_str_eq(p.name, *nm);
        cr_assert(p.nq >= 2 && p.np >= 1 && p.dnum >= 1);
        if (!p.insecure) {
            /* requested sizes alone must already fit the bound */
            int bits = 0;
            for (int i = 0; i < p.nq; i++) bits += p.qbits[i];
            for (int i = 0; i < p.np; i++) bits += p.pbits[i];
            cr_assert_leq(bits, ckks_security_max_logqp(p.logn, p.hamming_weight), "%s", *nm);
        }
    }
    ckks_params p;
    cr_assert_eq(ckks_params_named("N99", &p), CKKS_EINVAL);
}

Test(params, insecure_sets_need_the_flag)
{
    ckks_params p;
    ckks_context *ctx = NULL;
    OK(ckks_params_named("TEST-N12", &p));
    cr_assert(p.insecure);
    cr_assert_eq(ckks_context_new(&ctx, &p, 0), CKKS_EINSECURE);
    cr_assert_null(ctx);
    OK(ckks_context_new(&ctx, &p, CKKS_ALLOW_INSECURE));
    cr_assert_str_eq(ckks_context_security(ctx), "INSECURE (test parameters)");
    ckks_context_free(ctx);
}

Test(params, he_standard_table)
{
    const int want[] = {109, 218, 438, 881, 1747, 3523};
    for (int logn = 12; logn <= 17; logn++)
        cr_assert_eq(ckks_security_max_logqp(logn, 0), want[logn - 12]);
    cr_assert_eq(ckks_security_max_logqp(11, 0), 0);
    cr_assert_eq(ckks_security_max_logqp(18, 0), 0);
    /* a sparse secret gets a strictly smaller bound, none below h = 64 */
    cr_assert_lt(ckks_security_max_logqp(16, 192), 1747);
    cr_assert_eq(ckks_security_max_logqp(16, 32), 0);
}

/* A literal whose requested bits sum to exactly `total`. */
static ckks_params literal(int logn, int total)
{
    ckks_params p;
    memset(&p, 0, sizeof p);
    p.logn = logn;
    p.np = 1;
    p.pbits[0] = 60;
    total -= 60;
    p.nq = 0;
    while (total > 0) {
        int b = total >= 60 + 30 ? 60 : (total > 60 ? total - 30 : total);
        p.qbits[p.nq++] = b;
        total -= b;
    }
    p.log_scale = 30;
    p.dnum = 1;
    return p;
}

Test(params, bound_accepted_at_the_limit_and_refused_beyond)
{
    for (int logn = 12; logn <= 16; logn++) {
        int bound = ckks_security_max_logqp(logn, 0);
        /* primes of size b alternate around 2^b, so a set whose sizes sum
         * to one bit under the bound has logQP within it */
        ckks_params p = literal(logn, bound - 1);
        ckks_context *ctx = NULL;
        OK(ckks_context_new(&ctx, &p, 0));
        cr_assert_leq(ckks_context_logqp(ctx), bound);
        ckks_context_free(ctx);
        p = literal(logn, bound + 1);
        cr_assert_eq(ckks_context_new(&ctx, &p, 0), CKKS_ESECURITY, "logn %d", logn);
        cr_assert_null(ctx);
        /* the same set is allowed when declared insecure, for tests */
        p.insecure = 1;
        OK(ckks_context_new(&ctx, &p, CKKS_ALLOW_INSECURE));
        ckks_context_free(ctx);
    }
}

Test(params, sparse_secret_has_its_own_bound)
{
    ckks_params p = literal(14, 437);
    ckks_context *ctx = NULL;
    OK(ckks_context_new(&ctx, &p, 0));
    ckks_context_free(ctx);
    p.hamming_weight = 192;
    cr_assert_eq(ckks_context_new(&ctx, &p, 0), CKKS_ESECURITY);
    p.hamming_weight = 16;
    cr_assert_eq(ckks_context_new(&ctx, &p, 0), CKKS_ESECURITY);
}

Test(params, invalid_literals_rejected)
{
    ckks_params good, p;
    OK(ckks_params_named("TEST-N12", &good));
    ckks_context *ctx = NULL;
    p = good, p.logn = 10;
    cr_assert_eq(ckks_context_new(&ctx, &p, CKKS_ALLOW_INSECURE), CKKS_EINVAL);
    p = good, p.dnum = 0;
    cr_assert_eq(ckks_context_new(&ctx, &p, CKKS_ALLOW_INSECURE), CKKS_EINVAL);
    p = good, p.dnum = p.nq + 1;
    cr_assert_eq(ckks_context_new(&ctx, &p, CKKS_ALLOW_INSECURE), CKKS_EINVAL);
    p = good, p.qbits[1] = 62;
    cr_assert_eq(ckks_context_new(&ctx, &p, CKKS_ALLOW_INSECURE), CKKS_EINVAL);
    p = good, p.np = 0;
    cr_assert_eq(ckks_context_new(&ctx, &p, CKKS_ALLOW_INSECURE), CKKS_EINVAL);
    p = good, p.hamming_weight = -1;
    cr_assert_eq(ckks_context_new(&ctx, &p, CKKS_ALLOW_INSECURE), CKKS_EINVAL);
    cr_assert_null(ctx);
    cr_assert_eq(ckks_context_new(&ctx, NULL, 0), CKKS_EINVAL);
}

Test(params, primes_and_hash)
{
    ckks_params p;
    OK(ckks_params_named("TEST-N12", &p));
    ckks_context *a, *b, *c;
    OK(ckks_context_new(&a, &p, CKKS_ALLOW_INSECURE));
    OK(ckks_context_new(&b, &p, CKKS_ALLOW_INSECURE));
    cr_assert_eq(ckks_context_hash(a), ckks_context_hash(b));
    int nm = p.nq + p.np;
    for (int i = 0; i < nm; i++) {
        uint64_t q = ckks_context_prime(a, i);
        int bits = i < p.nq ? p.qbits[i] : p.pbits[i - p.nq];
        cr_assert_eq(q % (2ULL << p.logn), 1, "prime %d not NTT-friendly", i);
        /* closest to 2^bits, on either side */
        cr_assert_lt(fabs(log2((double)q) - bits), 0.01, "prime %d is far from 2^%d", i, bits);
        for (int j = 0; j < i; j++) cr_assert_neq(q, ckks_context_prime(a, j));
    }
    p.dnum = 2;
    OK(ckks_context_new(&c, &p, CKKS_ALLOW_INSECURE));
    cr_assert_neq(ckks_context_hash(a), ckks_context_hash(c));
    ckks_context_free(a);
    ckks_context_free(b);
    ckks_context_free(c);
}

Test(errors, every_code_has_a_message)
{
    for (int e = 0; e >= CKKS_ERANDOM; e--)
        cr_assert_str_neq(ckks_strerror(e), "unknown error", "code %d", e);
    cr_assert_str_eq(ckks_strerror(1), "unknown error");
}
