/*
 * internal.h - structures and functions private to bootstrap/ (and its tests).
 */
#ifndef HETRAIN_BOOTSTRAP_INTERNAL_H
#define HETRAIN_BOOTSTRAP_INTERNAL_H

#include "bootstrap/bootstrap.h"
#include "packing/packing.h"

#include <stdbool.h>

/* ---- sparse diagonal matrices (matrix.c) --------------------------------
 * An n x n complex matrix by its nonzero diagonals: y[i] = sum_k
 * diag[k][i] x[(i + idx[k]) mod n], idx sorted, 0 <= idx[k] < n. */
typedef struct {
    int n;
    int ndiag;
    int *idx;
    double complex **diag;
} boot_matrix;

boot_matrix *boot_matrix_new(int n);
/* log2(n): the slot count a factor's transform runs on. */
static inline int boot_matrix_log_n(const boot_matrix *m) { return __builtin_ctz((unsigned)m->n); }
void boot_matrix_free(boot_matrix *m);
/* The diagonal of index d (mod n), added as zeros if absent; NULL on ENOMEM. */
double complex *boot_matrix_diag(boot_matrix *m, int d);
/* a * b (b applied first). */
boot_matrix *boot_matrix_mul(const boot_matrix *a, const boot_matrix *b);
/* y = m x (plaintext, for tests and planning). */
void boot_matrix_apply(const boot_matrix *m, const double complex *x, double complex *y);
/* Multiply every entry by c. */
void boot_matrix_scale(boot_matrix *m, double complex c);
/* The 2n x 2n matrix that maps n-periodic vectors x (x repeated) to
 * (a m x, b m x); NULL on ENOMEM. */
boot_matrix *boot_matrix_stack(const boot_matrix *m, double complex a, double complex b);

/* ---- the special FFT factored into levels (dft.c) ------------------------
 * With n slots, decoding is z = F (bitrev u), u_k = c_k + i c_{n+k} the
 * plaintext coefficients: F is the product of log2(n) butterfly stages.
 * boot_dft_factors returns `levels` matrices, each the product of a run of
 * consecutive stages, in the order they are applied:
 *   inverse == 0: SlotsToCoeffs, prod = F;
 *   inverse != 0: CoeffsToSlots, prod = F^-1 (so its output is bitrev u). */
int boot_dft_factors(int log_slots, int levels, bool inverse, boot_matrix **out);

/* ---- EvalMod (evalmod.c) -------------------------------------------------- */
typedef struct {
    double kt;        /* inputs are x = t / kt, |t| < kt */
    int double_angle; /* r */
    int cos_degree;
    double *cos_coeffs; /* Chebyshev series of cos(2 pi (kt x - 1/4) / 2^r) */
    int arcsine_degree;
    double *asin_coeffs; /* power series of arcsin(y) / (2 pi), odd */
    int depth;
} boot_evalmod;

int boot_evalmod_init(boot_evalmod *em, double kt, int double_angle, int arcsine_degree,
                      double log_precision);
void boot_evalmod_clear(boot_evalmod *em);

/* ---- the context ------------------------------------------------------------ */

/*
 * One side (CoeffsToSlots or SlotsToCoeffs): its factors in the order they
 * are applied, factor g used at level first_level - g on m[g]->n slots
 * (2n for the last CoeffsToSlots factor when merged), with the baby step
 * that needs the fewest key switches and, within the memory budget, its
 * diagonals encoded once (lt), otherwise at each use.
 */
typedef struct {
    int levels, first_level;
    bool raised;        /* factor 0 runs on the raised ciphertext (see boot_context) */
    boot_matrix **m;
    int *baby;          /* n1 of each factor */
    pack_lintrans **lt; /* eager within the budget, else lazy */
    int **steps;        /* rotation steps of each factor, sorted */
    int *nsteps;
} boot_side;

struct boot_context {
    const ckks_context *ctx;
    boot_config cfg;
    int n;              /* slots */
    int gap;            /* N / (2 n): trace length for sparse slots */
    int k;              /* |I| <= k except with probability 2^-log_failure */
    int top;            /* level after ModRaise */
    int c2s_out, evalmod_out; /* levels after those stages */
    int in_level, out_level;
    int misc_level;     /* of the conjugation and trace keys: highest use */
    int trace_radix;    /* rotations hoisted together in a stage of the trace */
    bool merged;        /* one EvalMod for complex sparse slots (boot_config.merge) */
    ckks_plaintext *one[2]; /* 1, extended, at the top: n slots, N / 2 slots */
    ckks_plaintext *mask;   /* merged: (1, i) in 2n slots at evalmod_out, scale its prime */
    double c2s_gain;    /* CoeffsToSlots computes c2s_gain * F^-1 */
    double msg_gain;    /* the message's factor in the raised plaintext */
    double eval_scale;  /* scale of the EvalMod input (a prime of the chain) */
    boot_side c2s, s2c;
    boot_evalmod em;
    /*
     * Right after ModRaise, c1 is below q0 / 2: rotations of that
     * ciphertext take one-digit keys (ckks_raised_keys_new), which also
     * switch from the ephemeral secret back to the main one. Unless a real
     * part must be taken first, CoeffsToSlots' factor 0 is applied there,
     * its diagonals as such (no baby/giant split), and the sparse-slot
     * trace, which commutes with the n-periodic transforms, runs after it
     * (one level down); otherwise only step 0 (the switch back) is applied
     * there, then trace and real part.
     */
    int *raise_steps, nraise; /* 0 first, then factor 0's nonzero diagonals */
    int *steps, nsteps;   /* rotation steps of both transforms, sorted */
    uint64_t fingerprint; /* see collect_steps */
};

struct boot_keys {
    uint64_t hash;        /* of the ckks parameter set */
    uint64_t fingerprint; /* of the configuration the keys serve */
    int c2s_levels, s2c_levels;
    ckks_switch_key *rlk;
    ckks_galois_keys **c2s_gk, **s2c_gk; /* one set per factor, at its level */
    ckks_galois_keys *misc;  /* conjugation and, for sparse slots, the trace */
    ckks_galois_keys *raise; /* one-digit, top level: raise_steps */
    ckks_switch_key *to_sparse; /* encapsulation only, level 0 */
};

/* 0 when keys serve bc, else CKKS_ECONTEXT (parameter set) or CKKS_EKEY. */
int boot_keys_check(const boot_context *bc, const boot_keys *keys);

/* Encode factor g of side s for use at `level`, scale q_level (so that
 * the rescale after it gives back the input's scale); `lazy`: diagonals
 * kept compact and encoded at each use. */
int boot_transform(const boot_context *bc, const boot_side *s, int g, int level, bool lazy,
                   pack_lintrans **out);

/*
 * The trace for sparse slots sums the automorphisms 5^(n j), j < N / 2n,
 * rotations by n j of the ciphertext read with N / 2 slots, in stages:
 * stage s (of stride S, the product of the radices before it) sums the
 * rotations by n S j, j < trace_radix, all from one decomposition and
 * with one ModDown. Time first takes up to BOOT_TRACE_RADIX at once (2^12
 * slots at N = 2^16: one stage, 7 keys), memory first 2 (3 stages, 3
 * keys). Writes every stage's nonzero steps in order (at most
 * BOOT_TRACE_STEPS); returns their count.
 */
#define BOOT_TRACE_RADIX 8
#define BOOT_TRACE_STEPS 64
int boot_trace_steps(const boot_context *bc, int *steps);

#endif
