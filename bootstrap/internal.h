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
void boot_matrix_free(boot_matrix *m);
/* The diagonal of index d (mod n), added as zeros if absent; NULL on ENOMEM. */
double complex *boot_matrix_diag(boot_matrix *m, int d);
/* a * b (b applied first). */
boot_matrix *boot_matrix_mul(const boot_matrix *a, const boot_matrix *b);
/* y = m x (plaintext, for tests and planning). */
void boot_matrix_apply(const boot_matrix *m, const double complex *x, double complex *y);
/* Multiply every entry by c. */
void boot_matrix_scale(boot_matrix *m, double complex c);

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
struct boot_context {
    const ckks_context *ctx;
    boot_config cfg;
    int n;              /* slots */
    int gap;            /* N / (2 n): trace length for sparse slots */
    int k;              /* |I| <= k except with probability 2^-log_failure */
    int top;            /* level after ModRaise */
    int c2s_out, evalmod_out, s2c_out; /* levels after each stage */
    int in_level, out_level;
    double c2s_gain;    /* CoeffsToSlots computes c2s_gain * F^-1 */
    double msg_gain;    /* the message's factor in the raised plaintext */
    double eval_scale;  /* scale of the EvalMod input (a prime of the chain) */
    boot_matrix **c2s, **s2c; /* factors in the order they are applied */
    pack_lintrans **c2s_lt, **s2c_lt; /* encoded factors, when precomputed */
    boot_evalmod em;
    int *steps, nsteps;   /* rotation steps of both transforms, sorted */
    uint64_t fingerprint; /* see boot_fingerprint */
};

struct boot_keys {
    uint64_t hash;        /* of the ckks parameter set */
    uint64_t fingerprint; /* of the configuration the keys serve */
    size_t switch_key_bytes; /* of one switching key */
    ckks_switch_key *rlk;
    ckks_galois_keys *gk;      /* rotations of both transforms, conjugation */
    ckks_galois_keys *trace;   /* sparse slots only */
    ckks_switch_key *to_sparse, *to_dense; /* encapsulation only */
};

/* 0 when keys serve bc, else CKKS_ECONTEXT (parameter set) or CKKS_EKEY. */
int boot_keys_check(const boot_context *bc, const boot_keys *keys);

/* Encode the factor m for use at `level`, scale q_level (so that the
 * rescale after it gives back the input's scale). */
int boot_transform(const boot_context *bc, const boot_matrix *m, int level, pack_lintrans **out);

/*
 * Trace keys for sparse slots. ckks_rotate reduces steps modulo the slot
 * count n, so the automorphism 5^(n 2^i) that the trace needs is reached
 * as two rotations: by s_i = i + 1 with a key set that holds, among the
 * steps congruent to s_i mod n, only the full step a_i = n (2^i - 1) + s_i
 * (ckks_rotate falls back to that key), then by b_i = n - s_i.
 * Writes a_i, b_i at steps[2i], steps[2i + 1]; returns the trace length
 * log2(N / 2n). All residues s_i, n - s_i are distinct when 2 log2(N / 2n) < n.
 */
int boot_trace_steps(const boot_context *bc, int *steps);

#endif
