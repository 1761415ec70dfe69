/* bootstrap.c - the stages of bootstrapping and the whole pipeline. */
#include "bootstrap/internal.h"

#include <complex.h>
#include <math.h>
#include <stdlib.h>

/* Apply the factors of one side from factor `from` on, each a transform
 * and a rescale with its own key set; in must sit at that factor's level
 * (the factors' scales are the primes there). A factor on more slots
 * reads its input as repeating. */
static int apply_side(const boot_context *bc, ckks_ciphertext *out, const ckks_ciphertext *in,
                      const boot_side *s, int from, ckks_galois_keys *const *gk)
{
    const ckks_context *ctx = bc->ctx;
    ckks_ciphertext *tmp = ckks_ciphertext_new(ctx);
    if (!tmp) return CKKS_ENOMEM;
    const ckks_ciphertext *cur = in;
    int err = from == s->levels ? ckks_ciphertext_copy(out, in) : 0;
    for (int g = from; g < s->levels && !err; g++) {
        int ls = boot_matrix_log_n(s->m[g]);
        if (ckks_ciphertext_log_slots(cur) != ls) {
            if (cur != out) err = ckks_ciphertext_copy(out, cur);
            if (!err) err = ckks_ciphertext_set_log_slots(out, ls);
            cur = out;
        }
        if (!err) err = pack_lintrans_apply(ctx, tmp, cur, s->lt[g], gk[g]);
        if (!err) err = ckks_rescale(ctx, out, tmp);
        cur = out;
    }
    ckks_ciphertext_free(tmp);
    return err;
}

/* Common checks of a stage's input. */
static int check_input(const boot_context *bc, const ckks_ciphertext *in, const boot_keys *keys,
                       int level)
{
    if (!bc || !in || !keys) return CKKS_EINVAL;
    int err = boot_keys_check(bc, keys);
    if (err) return err;
    if (ckks_ciphertext_size(in) != 2) return CKKS_ESIZE;
    if (ckks_ciphertext_log_slots(in) != bc->cfg.log_slots) return CKKS_ESLOTS;
    return ckks_ciphertext_level(in) == level ? 0 : CKKS_ELEVEL;
}

/* ct <- ct + conj(ct) (twice the real part). */
static int add_conjugate(const ckks_context *ctx, ckks_ciphertext *ct, const ckks_galois_keys *gk)
{
    ckks_ciphertext *c = ckks_ciphertext_new(ctx);
    if (!c) return CKKS_ENOMEM;
    int err = ckks_conjugate(ctx, c, ct, gk);
    if (!err) err = ckks_add(ctx, ct, ct, c);
    ckks_ciphertext_free(c);
    return err;
}

/* ct <- sum of its images under the automorphisms 5^(n j), j < N / 2n:
 * gap times its component in the subring of n slots. Read with N / 2
 * slots, they are the rotations by n j, summed in stages (see
 * boot_trace_steps), each a double-hoisted sum of rotations times 1. */
static int trace(const boot_context *bc, ckks_ciphertext *ct, const boot_keys *keys)
{
    const ckks_context *ctx = bc->ctx;
    int steps[BOOT_TRACE_RADIX];
    const ckks_plaintext *one[BOOT_TRACE_RADIX];
    int err = ckks_ciphertext_set_log_slots(ct, ckks_context_max_log_slots(ctx));
    for (int s = 1; s < bc->gap && !err; s *= bc->trace_radix) {
        int r = 0;
        for (; r < bc->trace_radix && s * r < bc->gap; r++) {
            steps[r] = bc->n * s * r;
            one[r] = bc->one[1];
        }
        ckks_decomposition *d = NULL;
        err = ckks_decomposition_new(ctx, &d, ct);
        if (!err) err = ckks_rotate_mul_sum(ctx, ct, ct, d, steps, one, (size_t)r, keys->misc);
        ckks_decomposition_free(d);
    }
    if (!err) err = ckks_ciphertext_set_log_slots(ct, bc->cfg.log_slots);
    return err;
}

/*
 * ModRaise of in (level 0, checked), under the ephemeral secret when
 * encapsulating: raised at the top level, scale eval_scale, and d its
 * one-digit decomposition (rotations by the one-digit keys, which also
 * switch back to the main secret).
 */
static int raise(const boot_context *bc, ckks_ciphertext *raised, ckks_decomposition **d,
                 const ckks_ciphertext *in, const boot_keys *keys)
{
    const ckks_context *ctx = bc->ctx;
    ckks_ciphertext *low = ckks_ciphertext_new(ctx);
    int err = low ? 0 : CKKS_ENOMEM;
    if (!err && keys->to_sparse) err = ckks_key_switch(ctx, low, in, keys->to_sparse);
    else if (!err) err = ckks_ciphertext_copy(low, in);
    if (!err) err = ckks_mod_raise_decomposed(ctx, raised, d, low);
    if (!err) err = ckks_ciphertext_set_scale(raised, bc->eval_scale);
    ckks_ciphertext_free(low);
    return err;
}

/* out <- the raised ciphertext switched back to the main secret: its
 * unrotated term times the constant polynomial 1. */
static int switch_back(const boot_context *bc, ckks_ciphertext *out, const ckks_ciphertext *raised,
                       const ckks_decomposition *d, const boot_keys *keys)
{
    const int zero = 0;
    const ckks_plaintext *const one[1] = {bc->one[0]};
    return ckks_rotate_mul_sum(bc->ctx, out, raised, d, &zero, one, 1, keys->raise);
}

int boot_mod_raise(const boot_context *bc, ckks_ciphertext *out, const ckks_ciphertext *in,
                   const boot_keys *keys)
{
    int err = check_input(bc, in, keys, 0);
    if (err) return err;
    if (!out) return CKKS_EINVAL;
    ckks_ciphertext *raised = ckks_ciphertext_new(bc->ctx);
    ckks_decomposition *d = NULL;
    err = raised ? raise(bc, raised, &d, in, keys) : CKKS_ENOMEM;
    if (!err) err = switch_back(bc, out, raised, d, keys);
    ckks_decomposition_free(d);
    ckks_ciphertext_free(raised);
    if (bc->c2s.raised) return err; /* the trace comes after CoeffsToSlots */
    if (!err && bc->gap > 1) err = trace(bc, out, keys);
    if (!err) err = add_conjugate(bc->ctx, out, keys->misc);
    return err;
}

int boot_coeffs_to_slots(const boot_context *bc, ckks_ciphertext *out, const ckks_ciphertext *in,
                         const boot_keys *keys)
{
    int err = check_input(bc, in, keys, 0);
    if (err) return err;
    if (!out) return CKKS_EINVAL;
    const boot_side *s = &bc->c2s;
    if (!s->raised) {
        err = boot_mod_raise(bc, out, in, keys);
        return err ? err : apply_side(bc, out, out, s, 0, keys->c2s_gk);
    }
    /* the first factor's baby steps are rotations of the raised ciphertext */
    ckks_ciphertext *raised = ckks_ciphertext_new(bc->ctx);
    ckks_decomposition *d = NULL;
    err = raised ? raise(bc, raised, &d, in, keys) : CKKS_ENOMEM;
    if (!err) err = pack_lintrans_apply_decomposed(bc->ctx, out, raised, d, s->lt[0], keys->raise);
    ckks_decomposition_free(d);
    ckks_ciphertext_free(raised);
    if (!err) err = ckks_rescale(bc->ctx, out, out);
    /* the trace commutes with the n-periodic factors: after the first, its
     * keys are one level smaller, and the noise of the others is not summed */
    if (!err && bc->gap > 1) err = trace(bc, out, keys);
    return err ? err : apply_side(bc, out, out, s, 1, keys->c2s_gk);
}

int boot_slots_to_coeffs(const boot_context *bc, ckks_ciphertext *out, const ckks_ciphertext *in,
                         const boot_keys *keys)
{
    if (!bc) return CKKS_EINVAL;
    int err = check_input(bc, in, keys, bc->cfg.s2c_first ? bc->cfg.s2c_levels : bc->evalmod_out);
    if (err) return err;
    if (!out) return CKKS_EINVAL;
    err = apply_side(bc, out, in, &bc->s2c, 0, keys->s2c_gk);
    if (!err && bc->cfg.real && !bc->cfg.s2c_first) err = add_conjugate(bc->ctx, out, keys->misc);
    return err;
}

/*
 * Merged, after EvalMod: ct holds r = (a, b) in 2n slots; with the mask,
 * g = (a, i b), and g + (g rotated by n) is a + i b in every half: the n
 * slots again, one level down.
 */
static int merge_halves(const boot_context *bc, ckks_ciphertext *ct, const boot_keys *keys)
{
    const ckks_context *ctx = bc->ctx;
    double scale = ckks_ciphertext_scale(ct);
    ckks_ciphertext *rot = ckks_ciphertext_new(ctx);
    int err = rot ? ckks_mul_plain(ctx, ct, ct, bc->mask) : CKKS_ENOMEM;
    if (!err) err = ckks_rescale(ctx, ct, ct);
    if (!err) err = ckks_rotate(ctx, rot, ct, bc->n, keys->misc);
    if (!err) err = ckks_add(ctx, ct, ct, rot);
    if (!err) err = ckks_ciphertext_set_log_slots(ct, bc->cfg.log_slots);
    /* the mask's scale is the prime the rescale divided by */
    if (!err) err = ckks_ciphertext_set_scale(ct, scale);
    ckks_ciphertext_free(rot);
    return err;
}

/*
 * Reduce the CoeffsToSlots output c = (t + i t') / (2 kt) modulo 1 into
 * message values at scale out_scale: 2 Re c = t / kt and -i (c - conj c)
 * = t' / kt are reduced separately (only the first when real; together
 * when merged, where 2 Re of the 2n slots (c, -i c) is both), giving
 * t - round t = g D c_msg / q0, read as c_msg at out_scale (g: msg_gain).
 */
static int eval_mod_complex(const boot_context *bc, ckks_ciphertext *ct, double in_scale,
                            double out_scale, const boot_keys *keys)
{
    const ckks_context *ctx = bc->ctx;
    double s = out_scale * (double)ckks_context_prime(ctx, 0) / (bc->msg_gain * in_scale);
    bool separate = !bc->cfg.real && !bc->merged;
    ckks_ciphertext *conj = ckks_ciphertext_new(ctx), *im = ckks_ciphertext_new(ctx);
    int err = conj && im ? 0 : CKKS_ENOMEM;
    if (!err) err = ckks_conjugate(ctx, conj, ct, keys->misc);
    if (!err && separate) {
        err = ckks_sub(ctx, im, ct, conj);
        if (!err) err = ckks_mul_const(ctx, im, im, -I, 1.0);
        if (!err) err = boot_eval_mod(bc, im, im, s, keys);
        if (!err) err = ckks_ciphertext_set_scale(im, out_scale);
        if (!err) err = ckks_mul_const(ctx, im, im, I, 1.0);
    }
    if (!err) err = ckks_add(ctx, ct, ct, conj);
    if (!err) err = boot_eval_mod(bc, ct, ct, s, keys);
    if (!err) err = ckks_ciphertext_set_scale(ct, out_scale);
    if (!err && separate) err = ckks_add(ctx, ct, ct, im);
    if (!err && bc->merged) err = merge_halves(bc, ct, keys);
    /* an unused merge level */
    else if (!err && bc->cfg.merge) err = ckks_set_level(ctx, ct, bc->out_level);
    ckks_ciphertext_free(conj);
    ckks_ciphertext_free(im);
    return err;
}

/* One bootstrapping of in (checked) into out at scale out_scale. */
static int bootstrap_once(const boot_context *bc, ckks_ciphertext *out, const ckks_ciphertext *in,
                          double out_scale, const boot_keys *keys)
{
    const ckks_context *ctx = bc->ctx;
    double in_scale = ckks_ciphertext_scale(in);
    ckks_ciphertext *a = ckks_ciphertext_new(ctx);
    int err = a ? 0 : CKKS_ENOMEM;
    const ckks_ciphertext *low = in;
    if (!err && bc->cfg.s2c_first) {
        err = boot_slots_to_coeffs(bc, a, in, keys);
        low = a;
    }
    if (!err) err = boot_coeffs_to_slots(bc, a, low, keys);
    if (!err) err = eval_mod_complex(bc, a, in_scale, out_scale, keys);
    if (!err) err = bc->cfg.s2c_first ? ckks_ciphertext_copy(out, a)
                                      : boot_slots_to_coeffs(bc, out, a, keys);
    ckks_ciphertext_free(a);
    return err;
}

/*
 * Two passes (META-BTS): r = BTS(in) = m + e; the error e = r - in,
 * taken back to the input level and scaled by 2^bits exactly, is
 * bootstrapped with its output read at scale D / 2^bits, i.e. divided by
 * 2^bits; subtracting it leaves the second pass's error over 2^bits.
 */
static int bootstrap_twice(const boot_context *bc, ckks_ciphertext *out, const ckks_ciphertext *in,
                           const boot_keys *keys)
{
    const ckks_context *ctx = bc->ctx;
    double scale = ckks_ciphertext_scale(in), gain = ldexp(1, bc->cfg.iteration_bits);
    ckks_ciphertext *r = ckks_ciphertext_new(ctx), *e = ckks_ciphertext_new(ctx);
    int err = r && e ? 0 : CKKS_ENOMEM;
    if (!err) err = bootstrap_once(bc, r, in, scale, keys);
    if (!err) err = ckks_ciphertext_copy(e, r);
    if (!err) err = ckks_set_level(ctx, e, bc->in_level);
    if (!err) err = ckks_sub(ctx, e, e, in);
    if (!err) err = ckks_mul_int(ctx, e, e, (int64_t)gain);
    if (!err) err = bootstrap_once(bc, e, e, scale / gain, keys);
    if (!err) err = ckks_ciphertext_set_scale(e, scale);
    if (!err) err = ckks_sub(ctx, out, r, e);
    ckks_ciphertext_free(r);
    ckks_ciphertext_free(e);
    return err;
}

int boot_bootstrap(const boot_context *bc, ckks_ciphertext *out, const ckks_ciphertext *in,
                   const boot_keys *keys)
{
    int err = check_input(bc, in, keys, bc ? bc->in_level : 0);
    if (err) return err;
    if (!out) return CKKS_EINVAL;
    if (bc->cfg.iterations == 2) return bootstrap_twice(bc, out, in, keys);
    return bootstrap_once(bc, out, in, ckks_ciphertext_scale(in), keys);
}
