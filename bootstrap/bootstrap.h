/*
 * bootstrap.h - approximate CKKS bootstrapping: ModRaise, CoeffsToSlots,
 * EvalMod, SlotsToCoeffs, for full (N/2) and sparse slot counts.
 *
 * A ciphertext at the bottom of the chain, message m (scale D), is
 * refreshed into one at level boot_output_level() with the same message
 * and scale, up to the bootstrapping error:
 *
 *   ModRaise     level 0 -> top: the plaintext becomes D m + e + q0 I, I a
 *                small integer polynomial (|I| <= K but with probability
 *                2^-log_failure). With sparse-secret encapsulation the
 *                ciphertext is first switched to an ephemeral secret of
 *                small Hamming weight h (so K ~ sqrt(h)), raised, and
 *                switched back to the dense key. Right after ModRaise the
 *                ciphertext's c1 is below q0 / 2, so its rotations take
 *                one-digit keys (ckks_raised_keys_new: dnum times smaller,
 *                no ModUp), which also do that switch back: CoeffsToSlots'
 *                first factor runs there, its diagonals applied directly
 *                (except in a real configuration with CoeffsToSlots
 *                first, which takes the real part before it). Fewer slots
 *                than N/2 add a trace (sum of the automorphisms fixing the
 *                sparse subring), which removes I's coefficients outside
 *                it; it commutes with the transforms, so it runs after
 *                the first factor, one level down.
 *   CoeffsToSlots the inverse special FFT, factored into c2s_levels
 *                baby-step giant-step transforms (packing/): slot j
 *                receives coefficients t_j = c_j / q0 and t_{n+j} (bit-
 *                reversed order), divided by K + 1 so that they lie in
 *                [-1, 1].
 *   EvalMod      t -> t - round(t) ~ sin(2 pi t) / (2 pi): a Chebyshev
 *                series of cos(2 pi (t - 1/4) / 2^r), then r double-angle
 *                steps cos 2a = 2 cos^2 a - 1, then (optional) a Taylor
 *                series of arcsin / (2 pi) that removes the sine's error.
 *                Real and imaginary parts are reduced separately; a real
 *                configuration reduces only the real part (one EvalMod),
 *                and so does a merged one (boot_config.merge: both parts
 *                side by side in 2n slots).
 *   SlotsToCoeffs the special FFT, factored into s2c_levels transforms.
 *
 * With s2c_first the SlotsToCoeffs runs first, on the input at level
 * s2c_levels, and the output is ready after EvalMod (more levels left).
 *
 * Precision: the input scale D should be about q0 / 2^8 (the parameter
 * sets below use q0 ~ 2^60 and D = 2^52, or 2^50 at small N): a larger
 * scale makes the sine approximation fail, a smaller one amplifies the
 * noise by q0 / D. The primes EvalMod uses (from the CoeffsToSlots output
 * level down) must be of one size: its scale follows them
 * (boot_context_new checks it: BOOT_ECHAIN).
 *
 * Keys: every rotation key serves only the levels where it is used (a
 * CoeffsToSlots or SlotsToCoeffs factor's keys its level, the trace's and
 * conjugation's the highest level they run at), and each factor's baby
 * step is chosen for time, or with low_memory for key switches and then
 * keys (see boot_config). Keys dominate the memory: at
 * N = 2^16 one general key at the top level is 217 MB, a one-digit key for
 * the raised ciphertext 31 MB.
 *
 * Security: see boot_params_named(). Not thread-safe per ciphertext, but
 * a boot_context and boot_keys may be shared by threads.
 */
#ifndef HETRAIN_BOOTSTRAP_H
#define HETRAIN_BOOTSTRAP_H

#include "ckks/ckks.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Errors: the CKKS_E* codes of ckks.h, and this one. */
enum {
    BOOT_ECHAIN = -48, /* EvalMod's primes are not all of one size */
};
/* A message for any code of ckks.h or bootstrap.h. */
const char *boot_strerror(int err);

/* ---- configuration ------------------------------------------------------ */

typedef struct {
    int log_slots;       /* slots n = 2^log_slots, 1 .. N/2 */
    int c2s_levels;      /* level budget of CoeffsToSlots, 1 .. log_slots */
    int s2c_levels;      /* level budget of SlotsToCoeffs, 1 .. log_slots */
    int s2c_first;       /* SlotsToCoeffs first (input at level s2c_levels) */
    int real;            /* real slots: imaginary parts are dropped */
    int merge;           /* 1 (with s2c_first): one more level, the merge level,
                          * below EvalMod's output. Complex sparse slots (2n <= N/2)
                          * then take one EvalMod instead of two: CoeffsToSlots'
                          * last factor leaves c and -i c in 2n slots, so one
                          * conjugation gives real and imaginary parts side by
                          * side, and a mask and a rotation by n at the merge level
                          * put them back together. Other configurations drop
                          * the level, so the output level never depends on it. */
    int ephemeral_hw;    /* ephemeral sparse secret's weight; 0: no encapsulation */
    int log_failure;     /* K such that some |I_j| > K has probability <= 2^-log_failure */
    int double_angle;    /* double-angle steps r */
    int cos_log_error;   /* the cosine series' uniform error is <= 2^-cos_log_error */
    int arcsine_degree;  /* 0 (none), 3, 5 or 7 */
    int iterations;      /* 1, or 2: a second bootstrapping of the error (META-BTS) */
    int iteration_bits;  /* with iterations = 2: the error is scaled by 2^bits */
    int precompute_mb;   /* memory (MB) for encoded diagonals kept in the context:
                          * factor by factor while they fit (SlotsToCoeffs'
                          * first), the others encoded at each use;
                          * BOOT_PRECOMPUTE_AUTO: every factor, or 1024 MB with
                          * low_memory (diagonals that repeat are stored
                          * compactly: 0.40 GB at full slots of BOOT-N16,
                          * 28 MB at 2^12 slots) */
    int low_memory;      /* 1: memory before time. Keys keep only the seeds
                          * of their uniform halves (ckks_galois_keys_compact;
                          * the relinearization key, used most, stays whole);
                          * baby steps chosen for the fewest key switches, ties
                          * to fewer keys (time first counts a giant step as two
                          * baby steps); the trace in stages of 2 rotations
                          * (time first: up to 8 hoisted together) */
} boot_config;

/*
 * The default configuration for log_slots slots under ctx: level budgets
 * 3 and 3 (2 and 2 below N = 2^14), ephemeral weight 32, failure
 * probability 2^-40, r = 3, cosine error 2^-50, no arcsine, one pass,
 * complex slots, CoeffsToSlots first, BOOT_PRECOMPUTE_AUTO.
 */
#define BOOT_PRECOMPUTE_AUTO (-1)
void boot_config_default(boot_config *cfg, const ckks_context *ctx, int log_slots);

/*
 * Named parameter sets made for bootstrapping, with their configuration:
 *   "BOOT-N16"       N = 2^16, 128-bit (dense ternary secret, logQP =
 *                    1723 <= 1747), scale 2^52, level budgets 4 and 3,
 *                    SlotsToCoeffs first: the input is at level 3 and
 *                    the output at level 13, 10 levels of 52-bit primes
 *                    for computation in between.
 *   "BOOT-N16-SPARSE" for sparse slots: BOOT-N16 with merge, SlotsToCoeffs
 *                    in 2 levels and a 52-bit merge level (logQP = 1731):
 *                    input at level 2, output at level 12, the same 10
 *                    levels in between. At full slots it works but its
 *                    2-level SlotsToCoeffs is slow: use BOOT-N16.
 *   "BOOT-TEST-N12", "BOOT-TEST-N13"  insecure test sets, CoeffsToSlots
 *                    first, 2 levels left; "BOOT-TEST-N12-SPARSE" the
 *                    first with SlotsToCoeffs first and merge.
 * Security caveat: the main secret is dense ternary and every key under
 * it meets the 128-bit bound. The ephemeral sparse secret (weight 32) is
 * exposed only by the dense -> sparse switching key, which holds q0 and
 * P alone: a 365-bit modulus at N = 2^16 (60 + 5 x 61), the regime in
 * which Bossuat et al. (2022) use weight-32 ephemeral secrets; we have not
 * run a lattice estimator on it ourselves. At N = 2^15 (logQP <= 881) the
 * chain cannot hold bootstrapping (about 900 bits of Q) and 10 levels of
 * 40 bits, so there is no N = 2^15 set. Returns CKKS_EINVAL for an
 * unknown name; cfg may be NULL.
 */
int boot_params_named(const char *name, ckks_params *params, boot_config *cfg);

/* ---- context ----------------------------------------------------------------- */

typedef struct boot_context boot_context;

/*
 * Check cfg against ctx (levels, slots), choose K, the cosine series and
 * the scales, factor the special FFT, plan the baby steps. CKKS_ELEVEL
 * when the chain is too short for the configuration, BOOT_ECHAIN when
 * EvalMod's primes differ in size, CKKS_ESLOTS for an unsupported slot
 * count.
 */
int boot_context_new(boot_context **out, const ckks_context *ctx, const boot_config *cfg);
void boot_context_free(boot_context *bc);

const boot_config *boot_context_config(const boot_context *bc);
/* Level the input must be at: 0, or s2c_levels with s2c_first. */
int boot_input_level(const boot_context *bc);
/* Level of the output: levels left for computation. */
int boot_output_level(const boot_context *bc);
/* K: the bound on the ModRaise overflow I. */
int boot_k(const boot_context *bc);
/* Levels EvalMod consumes, and the degree of its cosine series. */
int boot_eval_mod_depth(const boot_context *bc);
int boot_cos_degree(const boot_context *bc);

/* ---- keys ---------------------------------------------------------------------- */

/*
 * Rotation steps the configuration needs, computed from the nonzero
 * diagonals of the CoeffsToSlots and SlotsToCoeffs factors (and the trace
 * for sparse slots), normalized as ckks_rotate looks them up. Writes at
 * most cap steps; returns the count (or a negative error).
 */
int boot_rotation_steps(const boot_context *bc, int *steps, size_t cap);

typedef struct boot_keys boot_keys;

/*
 * Everything bootstrapping needs: a relinearization key (all levels),
 * one galois key set per CoeffsToSlots / SlotsToCoeffs factor at its
 * level (none for a first factor on the raised ciphertext), conjugation
 * and the trace's rotations (sparse slots) at their highest level, the
 * one-digit keys for the raised ciphertext (top level: its rotations, and
 * with encapsulation the switch ephemeral -> dense), and with
 * encapsulation the switching key dense -> ephemeral (level 0 only). The
 * ephemeral secret is drawn from seed (domain-separated, so a seed shared
 * with sk is harmless; NULL: getrandom) and forgotten.
 */
int boot_keys_new(const boot_context *bc, boot_keys **out, const ckks_secret_key *sk,
                  const uint8_t seed[CKKS_SEED_BYTES]);
void boot_keys_free(boot_keys *k);
/* Total size in memory, bytes. */
size_t boot_keys_bytes(const boot_keys *k);
/* The relinearization key inside (usable for ordinary multiplications). */
const ckks_switch_key *boot_keys_relin(const boot_keys *k);
/*
 * Save into / load from the directory dir (created if missing): one file
 * per key, each in the ckks format (magic, version, parameter hash,
 * checksum), written atomically, plus a manifest. Loading checks that the
 * keys fit bc (CKKS_EPARAMS otherwise).
 */
int boot_keys_save(const boot_context *bc, const boot_keys *k, const char *dir);
int boot_keys_load(const boot_context *bc, boot_keys **out, const char *dir);

/* ---- bootstrapping --------------------------------------------------------------- */

/*
 * out <- a refreshed copy of in, at boot_output_level() and in's scale.
 * in must be at boot_input_level() (CKKS_ELEVEL), have the configured
 * slot count (CKKS_ESLOTS) and size 2; keys must come from this
 * configuration and parameter set (CKKS_EKEY / CKKS_ECONTEXT).
 */
int boot_bootstrap(const boot_context *bc, ckks_ciphertext *out, const ckks_ciphertext *in,
                   const boot_keys *keys);

/* ---- the stages, for tests and custom pipelines ------------------------------------- */

/*
 * ModRaise with encapsulation: in at level 0 becomes out at the top level,
 * under the main secret, with the scale boot_c2s_scale() set. In a real
 * configuration with CoeffsToSlots first it also takes the trace (sparse
 * slots) and twice the real part; otherwise those belong to
 * boot_coeffs_to_slots.
 */
int boot_mod_raise(const boot_context *bc, ckks_ciphertext *out, const ckks_ciphertext *in,
                   const boot_keys *keys);
/* The scale boot_mod_raise gives, and the gain g of CoeffsToSlots:
 * slots after it are g F^-1(slots before) (see bootstrap/internal.h). */
double boot_c2s_scale(const boot_context *bc);
double boot_c2s_gain(const boot_context *bc);
/*
 * CoeffsToSlots, ModRaise included: in at level 0 (as boot_mod_raise
 * takes it), out at c2s_levels below the top, at the scale
 * boot_c2s_scale(), holding boot_c2s_gain() F^-1 of the raised slots
 * (traced to n slots). Its first factor runs on the raised ciphertext
 * itself, whose rotations need one-digit keys only (see above). Merged
 * (boot_config.merge with complex sparse slots), out has 2n slots: that
 * vector in the first n, -i times it in the others.
 */
int boot_coeffs_to_slots(const boot_context *bc, ckks_ciphertext *out, const ckks_ciphertext *in,
                         const boot_keys *keys);
/*
 * EvalMod on real slots x = t / (K + 1) at the CoeffsToSlots output level
 * and scale: out ~ t - round(t) (sin(2 pi t) / (2 pi), arcsine-corrected
 * when configured) at exactly out_scale.
 */
int boot_eval_mod(const boot_context *bc, ckks_ciphertext *out, const ckks_ciphertext *in,
                  double out_scale, const boot_keys *keys);
/*
 * SlotsToCoeffs: the special FFT on bit-reversed input, s2c_levels levels,
 * scale kept. In a real configuration after CoeffsToSlots, the input holds
 * real coefficients c_0..c_{n-1} only and the output is the real slot
 * vector they define.
 */
int boot_slots_to_coeffs(const boot_context *bc, ckks_ciphertext *out, const ckks_ciphertext *in,
                         const boot_keys *keys);

#ifdef __cplusplus
}
#endif
#endif
