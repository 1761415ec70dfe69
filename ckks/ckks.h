/*
 * ckks.h - RNS-CKKS: parameters, keys, encoding, encryption and evaluation.
 *
 * Conventions (see DESIGN.md):
 *  - Objects come in x_new / x_free pairs; x_free(NULL) is a no-op.
 *  - Functions that can fail return 0 or a negative CKKS_E* code;
 *    ckks_strerror() explains it.
 *  - A context is immutable once created and may be shared by threads.
 *  - Ciphertexts and plaintexts live in the NTT domain and only ever touch
 *    the limbs of their current level. Level l means primes q_0..q_l.
 *  - Operands of different contexts, levels, scales or slot counts are
 *    rejected with an error, never silently reconciled.
 */
#ifndef HETRAIN_CKKS_H
#define HETRAIN_CKKS_H

#include <complex.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- errors ---------------------------------------------------------- */

enum {
    CKKS_OK = 0,
    CKKS_EINVAL = -1,     /* invalid argument */
    CKKS_ENOMEM = -2,     /* out of memory */
    CKKS_ESECURITY = -3,  /* parameter set above the HE Standard 128-bit bound */
    CKKS_EINSECURE = -4,  /* insecure test set used without CKKS_ALLOW_INSECURE */
    CKKS_EPRIME = -5,     /* not enough NTT-friendly primes of the requested size */
    CKKS_ECONTEXT = -6,   /* operands from different contexts / parameter sets */
    CKKS_ELEVEL = -7,     /* level mismatch or no level left */
    CKKS_ESCALE = -8,     /* scale mismatch */
    CKKS_ESLOTS = -9,     /* slot count mismatch or out of range */
    CKKS_EKEY = -10,      /* required key missing or of the wrong kind */
    CKKS_EOVERFLOW = -11, /* value does not fit the modulus at this scale */
    CKKS_EIO = -12,       /* read or write failed (see errno) */
    CKKS_EFORMAT = -13,   /* truncated, corrupted or unknown serialized data */
    CKKS_EVERSION = -14,  /* unsupported serialization format version */
    CKKS_EPARAMS = -15,   /* serialized object belongs to another parameter set */
    CKKS_ESIZE = -16,     /* ciphertext has the wrong number of components */
    CKKS_ERANDOM = -17,   /* the operating system's random source failed */
};

/* A static string describing status code err. */
const char *ckks_strerror(int err);

/* ---- parameters -------------------------------------------------------- */

#define CKKS_MAX_PRIMES 64

/*
 * A parameter literal: what a user writes down. Primes are generated from
 * the bit sizes when a context is created, and the literal is validated
 * there, once.
 */
typedef struct {
    const char *name;           /* informative; named sets set it */
    int logn;                   /* ring degree N = 2^logn, 11..17 */
    int nq;                     /* primes in Q (levels = nq - 1) */
    int qbits[CKKS_MAX_PRIMES]; /* bit size of q_0 .. q_{nq-1}, <= 61 */
    int np;                     /* special primes in P */
    int pbits[CKKS_MAX_PRIMES];
    int log_scale;              /* default scale 2^log_scale */
    int dnum;                   /* key-switching digits, 1 <= dnum <= nq */
    int hamming_weight;         /* secret weight; 0 = dense uniform ternary */
    int insecure;               /* set for test-only parameter sets */
} ckks_params;

/* Flags for ckks_context_new. */
#define CKKS_ALLOW_INSECURE 1u

/*
 * Look up a named set: "N15", "N16" (128-bit, the latter with a chain
 * long enough for bootstrapping), "N16-BENCH" (the benchmark set of
 * issue 2), and insecure test sets "TEST-N11".."TEST-N14".
 * Returns CKKS_EINVAL for an unknown name.
 */
int ckks_params_named(const char *name, ckks_params *out);

/* Names of all named sets, NULL-terminated. */
const char *const *ckks_params_names(void);

/*
 * The HE Standard bound on log2(QP) for 128-bit classical security and a
 * uniform ternary secret at ring degree 2^logn; 0 when logn is outside
 * 12..17. A sparse secret (hamming_weight > 0) gets a smaller bound.
 */
int ckks_security_max_logqp(int logn, int hamming_weight);

/* ---- context ----------------------------------------------------------- */

typedef struct ckks_context ckks_context;

/*
 * Validate p, generate its primes and precompute every table. An insecure
 * set is refused (CKKS_EINSECURE) unless flags has CKKS_ALLOW_INSECURE; a
 * set over the security bound is refused with CKKS_ESECURITY.
 */
int ckks_context_new(ckks_context **out, const ckks_params *p, unsigned flags);
void ckks_context_free(ckks_context *ctx);

int ckks_context_logn(const ckks_context *ctx);
int ckks_context_max_level(const ckks_context *ctx);      /* nq - 1 */
int ckks_context_max_log_slots(const ckks_context *ctx);  /* logn - 1 */
double ckks_context_default_scale(const ckks_context *ctx);
const ckks_params *ckks_context_params(const ckks_context *ctx);
/* Prime i of Q (i < nq) or, for nq <= i < nq + np, of P. */
uint64_t ckks_context_prime(const ckks_context *ctx, int i);
/* log2(QP) of the generated primes (exact, not the requested sizes). */
double ckks_context_logqp(const ckks_context *ctx);
/* 64-bit hash identifying the parameter set (primes, N, dnum, h). */
uint64_t ckks_context_hash(const ckks_context *ctx);
/* "128-bit (HE Standard, ternary)" or "INSECURE (test parameters)". */
const char *ckks_context_security(const ckks_context *ctx);

/*
 * Operation counts since the context was created or last reset, over all
 * threads (atomic counters: the one mutable part of a context). Costs in
 * packing/ and bootstrap/ are stated and tested with them.
 */
typedef struct {
    uint64_t key_switches; /* key-switching inner products + ModDown */
    uint64_t decompositions; /* digit decompositions + ModUp (hoisting shares one) */
    uint64_t ct_mults;     /* ciphertext x ciphertext tensor products */
    uint64_t pt_mults;     /* ciphertext x plaintext products */
    uint64_t rescales;
} ckks_op_counts;

void ckks_op_counts_get(const ckks_context *ctx, ckks_op_counts *out);
void ckks_op_counts_reset(const ckks_context *ctx);

/* ---- plaintexts and ciphertexts ---------------------------------------- */

typedef struct ckks_plaintext ckks_plaintext;
typedef struct ckks_ciphertext ckks_ciphertext;

ckks_plaintext *ckks_plaintext_new(const ckks_context *ctx);
void ckks_plaintext_free(ckks_plaintext *pt);
int ckks_plaintext_level(const ckks_plaintext *pt);
double ckks_plaintext_scale(const ckks_plaintext *pt);
int ckks_plaintext_log_slots(const ckks_plaintext *pt);

ckks_ciphertext *ckks_ciphertext_new(const ckks_context *ctx);
void ckks_ciphertext_free(ckks_ciphertext *ct);
int ckks_ciphertext_copy(ckks_ciphertext *dst, const ckks_ciphertext *src);
int ckks_ciphertext_level(const ckks_ciphertext *ct);
double ckks_ciphertext_scale(const ckks_ciphertext *ct);
int ckks_ciphertext_log_slots(const ckks_ciphertext *ct);
int ckks_ciphertext_size(const ckks_ciphertext *ct); /* 2, or 3 before relin */
/*
 * Overwrite the recorded scale. This reinterprets the message (it is
 * multiplied by old/new); for callers that track scale factors themselves.
 */
int ckks_ciphertext_set_scale(ckks_ciphertext *ct, double scale);
/*
 * Overwrite the recorded slot count (0..logn-1) without touching the
 * polynomial: a vector of 2^k slots is also one of 2^j > 2^k slots (it
 * repeats), which lets rotations act modulo the larger count.
 */
int ckks_ciphertext_set_log_slots(ckks_ciphertext *ct, int log_slots);

/* ---- encoding ----------------------------------------------------------- */

/*
 * Encode n <= 2^log_slots complex values (the rest are zero) into pt at
 * the given level and scale. log_slots ranges over 0..logn-1; fewer than
 * N/2 slots use the sparse embedding (the vector repeats N/(2*slots)
 * times). Values whose scaled size would reach the modulus give
 * CKKS_EOVERFLOW. Slots that repeat with a period p (sparse slots
 * included) make a polynomial in X^(N/2p), which pt stores in 2p words
 * per limb instead of N when 2p <= N/8 (ckks_encode_limb_words).
 */
int ckks_encode(const ckks_context *ctx, ckks_plaintext *pt,
                const double complex *z, size_t n, int log_slots,
                int level, double scale);
/* Same, for real input. */
int ckks_encode_real(const ckks_context *ctx, ckks_plaintext *pt,
                     const double *x, size_t n, int log_slots,
                     int level, double scale);
/* The most words per limb ckks_encode stores for these values: 2p for
 * slots of period p when 2p <= N/8, else N (fewer when the encoding's
 * coefficients round to zero off a coarser stride). */
size_t ckks_encode_limb_words(const ckks_context *ctx, const double complex *z, size_t n,
                              int log_slots);
/* Decode the first n <= 2^log_slots slots of pt. Exact CRT composition. */
int ckks_decode(const ckks_context *ctx, const ckks_plaintext *pt,
                double complex *z, size_t n);
int ckks_decode_real(const ckks_context *ctx, const ckks_plaintext *pt,
                     double *x, size_t n);

/* ---- keys ---------------------------------------------------------------- */

typedef struct ckks_secret_key ckks_secret_key;
typedef struct ckks_public_key ckks_public_key;
typedef struct ckks_switch_key ckks_switch_key;   /* relinearization key */
typedef struct ckks_galois_keys ckks_galois_keys; /* rotations, conjugation */

#define CKKS_SEED_BYTES 32

/*
 * Secret key: dense ternary, or of the set's Hamming weight. seed == NULL
 * draws the seed from getrandom(); a given seed makes every key derived
 * from this secret reproducible (tests, benchmarks).
 */
int ckks_secret_key_new(const ckks_context *ctx, ckks_secret_key **out,
                        const uint8_t seed[CKKS_SEED_BYTES]);
void ckks_secret_key_free(ckks_secret_key *sk);

int ckks_public_key_new(const ckks_context *ctx, ckks_public_key **out,
                        const ckks_secret_key *sk);
void ckks_public_key_free(ckks_public_key *pk);

int ckks_relin_key_new(const ckks_context *ctx, ckks_switch_key **out,
                       const ckks_secret_key *sk);
/*
 * A secret key of the given Hamming weight (0: dense ternary), whatever
 * the parameter set says: the ephemeral sparse secret of sparse-secret
 * encapsulation in bootstrapping. Security is that of the set's own key.
 */
int ckks_secret_key_new_sparse(const ckks_context *ctx, ckks_secret_key **out,
                               int hamming_weight, const uint8_t seed[CKKS_SEED_BYTES]);
/* A key that switches ciphertexts under `from` to ciphertexts under `to`. */
int ckks_switching_key_new(const ckks_context *ctx, ckks_switch_key **out,
                           const ckks_secret_key *from, const ckks_secret_key *to);
/*
 * The same, serving only ciphertexts at levels <= level: it holds the
 * limbs q_0..q_level and P alone, so it is smaller, and its modulus
 * q_0..q_level P is what the security of `to` must cover (a sparse
 * ephemeral secret is only safe under a short modulus).
 */
int ckks_switching_key_new_level(const ckks_context *ctx, ckks_switch_key **out,
                                 const ckks_secret_key *from, const ckks_secret_key *to,
                                 int level);
void ckks_switch_key_free(ckks_switch_key *k);
/* Size of a switching key in memory, bytes (0 for NULL). */
size_t ckks_switch_key_bytes(const ckks_switch_key *k);

/*
 * Galois keys for slot rotations by steps[0..nsteps-1] (taken modulo
 * N/2; negative means right) and, when conjugate != 0, for conjugation.
 */
int ckks_galois_keys_new(const ckks_context *ctx, ckks_galois_keys **out,
                         const ckks_secret_key *sk, const int *steps,
                         size_t nsteps, int conjugate);
/* Galois keys serving only ciphertexts at levels <= level (smaller). */
int ckks_galois_keys_new_level(const ckks_context *ctx, ckks_galois_keys **out,
                               const ckks_secret_key *sk, const int *steps, size_t nsteps,
                               int conjugate, int level);
/*
 * One-digit keys for rotating a ciphertext fresh from ModRaise
 * (ckks_mod_raise_decomposed) with ckks_rotate_mul_sums: its c1 is below
 * q_0 / 2, so it is its own single digit and each key holds one digit
 * instead of ceil((level + 1) / alpha). The key for step k switches
 * sigma_k(from) to `to` (from may be a sparse secret: the rotated terms then
 * come out under `to`); when from and to differ, list step 0 to get the
 * key for the unrotated term. Serving levels <= level; above one digit's
 * primes they fit no other decomposition (CKKS_EKEY).
 */
int ckks_raised_keys_new(const ckks_context *ctx, ckks_galois_keys **out,
                         const ckks_secret_key *from, const ckks_secret_key *to, const int *steps,
                         size_t nsteps, int level);
void ckks_galois_keys_free(ckks_galois_keys *gk);
/*
 * Compact keys: free the uniform halves a_j of the keys, keeping only their
 * seed; each key switch then regenerates the limbs it uses (ChaCha20,
 * vectorized where the CPU allows). Half the memory, for key switches
 * slower by the regeneration (measured in bench/RESULTS.md). Results are
 * bit-identical and files the same (they store the seed either way).
 * NULL is a no-op; a loaded key comes back whole.
 */
void ckks_switch_key_compact(ckks_switch_key *k);
void ckks_galois_keys_compact(ckks_galois_keys *gk);
/* Number of keys and their total size in bytes in memory. */
size_t ckks_galois_keys_count(const ckks_galois_keys *gk);
size_t ckks_galois_keys_bytes(const ckks_galois_keys *gk);
/* 1 when gk holds the key for a rotation by step (0: the switch between
 * secrets of a raised key set). */
int ckks_galois_keys_has(const ckks_context *ctx, const ckks_galois_keys *gk, int step);
/* Galois element X -> X^g of a rotation by step (5^step mod 2N). */
uint64_t ckks_galois_element(const ckks_context *ctx, int step);

/* ---- encryption ------------------------------------------------------------ */

/*
 * Encrypt pt under the public key. seed == NULL draws randomness from
 * getrandom(); a given seed makes the ciphertext reproducible.
 */
int ckks_encrypt_pk(const ckks_context *ctx, ckks_ciphertext *ct,
                    const ckks_plaintext *pt, const ckks_public_key *pk,
                    const uint8_t seed[CKKS_SEED_BYTES]);
/*
 * Encrypt pt under the secret key. The uniform part is derived from a
 * seed stored in ct, so it serializes at half size until it is changed.
 */
int ckks_encrypt_sk(const ckks_context *ctx, ckks_ciphertext *ct,
                    const ckks_plaintext *pt, const ckks_secret_key *sk,
                    const uint8_t seed[CKKS_SEED_BYTES]);
/* Decrypt ct (of size 2 or 3) into pt. */
int ckks_decrypt(const ckks_context *ctx, ckks_plaintext *pt,
                 const ckks_ciphertext *ct, const ckks_secret_key *sk);

/* ---- evaluation -------------------------------------------------------------
 * out may alias any input. Binary operations need equal levels, scales
 * (to a relative 2^-40) and slot counts; use ckks_drop_level to align
 * levels. */

int ckks_add(const ckks_context *ctx, ckks_ciphertext *out,
             const ckks_ciphertext *a, const ckks_ciphertext *b);
int ckks_sub(const ckks_context *ctx, ckks_ciphertext *out,
             const ckks_ciphertext *a, const ckks_ciphertext *b);
int ckks_neg(const ckks_context *ctx, ckks_ciphertext *out,
             const ckks_ciphertext *a);
int ckks_add_plain(const ckks_context *ctx, ckks_ciphertext *out,
                   const ckks_ciphertext *a, const ckks_plaintext *p);
int ckks_sub_plain(const ckks_context *ctx, ckks_ciphertext *out,
                   const ckks_ciphertext *a, const ckks_plaintext *p);
/* Add the constant c to every slot (encoded at a's scale). */
int ckks_add_const(const ckks_context *ctx, ckks_ciphertext *out,
                   const ckks_ciphertext *a, double complex c);

/* Tensor product: a size-3 ciphertext at scale sa*sb; relinearize next. */
int ckks_mul(const ckks_context *ctx, ckks_ciphertext *out,
             const ckks_ciphertext *a, const ckks_ciphertext *b);
int ckks_relinearize(const ckks_context *ctx, ckks_ciphertext *out,
                     const ckks_ciphertext *a, const ckks_switch_key *rlk);
/*
 * ckks_relinearize then ckks_rescale, with one ModDown dividing by P q_l:
 * about 2 l NTTs fewer at level l, and one rounding instead of two. A
 * ciphertext of size 2 is only rescaled.
 */
int ckks_relinearize_rescale(const ckks_context *ctx, ckks_ciphertext *out,
                             const ckks_ciphertext *a, const ckks_switch_key *rlk);
/* ckks_mul then ckks_relinearize, without the size-3 intermediate copy. */
int ckks_mul_relin(const ckks_context *ctx, ckks_ciphertext *out,
                   const ckks_ciphertext *a, const ckks_ciphertext *b,
                   const ckks_switch_key *rlk);
/* Multiply by a plaintext: scale becomes scale(a) * scale(p). */
int ckks_mul_plain(const ckks_context *ctx, ckks_ciphertext *out,
                   const ckks_ciphertext *a, const ckks_plaintext *p);
/* Multiply by an integer: the scale is unchanged. */
int ckks_mul_int(const ckks_context *ctx, ckks_ciphertext *out,
                 const ckks_ciphertext *a, int64_t k);
/*
 * Multiply every slot by c, encoded as round(c * scale): the result's
 * scale is scale(a) * scale. scale == 0 picks the prime q_level, so that
 * the following rescale gives back exactly scale(a).
 */
int ckks_mul_const(const ckks_context *ctx, ckks_ciphertext *out,
                   const ckks_ciphertext *a, double complex c, double scale);
/* Divide by the last prime q_l: level - 1, scale / q_l (exactly). */
int ckks_rescale(const ckks_context *ctx, ckks_ciphertext *out,
                 const ckks_ciphertext *a);
/* Re-encrypt a under the target secret of k (from ckks_switching_key_new). */
int ckks_key_switch(const ckks_context *ctx, ckks_ciphertext *out,
                    const ckks_ciphertext *a, const ckks_switch_key *k);
/*
 * ModRaise (bootstrapping): a at level 0 becomes a ciphertext at the top
 * level whose message is m + q_0 I for a small integer polynomial I
 * (|I| <= about (h + 1) / 2 for a secret of weight h).
 */
int ckks_mod_raise(const ckks_context *ctx, ckks_ciphertext *out, const ckks_ciphertext *a);
/* Drop the top `levels` primes without changing the message or scale. */
int ckks_drop_level(const ckks_context *ctx, ckks_ciphertext *ct, int levels);
/* Drop levels until ct is at `level`. */
int ckks_set_level(const ckks_context *ctx, ckks_ciphertext *ct, int level);

/*
 * Rotate slots left by step (negative: right). Uses the key for that step
 * if present, otherwise a shortest composition of present keys; fails
 * with CKKS_EKEY if none exists.
 */
int ckks_rotate(const ckks_context *ctx, ckks_ciphertext *out,
                const ckks_ciphertext *a, int step,
                const ckks_galois_keys *gk);
int ckks_conjugate(const ckks_context *ctx, ckks_ciphertext *out,
                   const ckks_ciphertext *a, const ckks_galois_keys *gk);
/*
 * Hoisted rotations: decompose a once and apply every rotation in steps;
 * out[i] receives the rotation by steps[i] (0 allowed: a copy). Each step
 * needs its own key. The result equals separate ckks_rotate calls.
 */
int ckks_rotate_hoisted(const ckks_context *ctx, ckks_ciphertext *const *out,
                        const ckks_ciphertext *a, const int *steps,
                        size_t nsteps, const ckks_galois_keys *gk);

/*
 * Double hoisting, for linear transforms: out = sum_i p[i] (.) rot(a, steps[i])
 * with the decomposition d of a (made once, shared by any number of
 * calls), every rotated term kept in the extended basis Q u P and
 * multiplied there, and a single ModDown for the whole sum. Steps may
 * repeat or be 0; every nonzero step needs its own key (step 0 uses gk's
 * key for the identity when gk has one, see ckks_raised_keys_new). The
 * p[i] must be extended (ckks_plaintext_extend), at a's level or above,
 * with one common scale and a's slot count; the result has scale
 * scale(a) * scale(p).
 */
typedef struct ckks_decomposition ckks_decomposition;
int ckks_decomposition_new(const ckks_context *ctx, ckks_decomposition **out,
                           const ckks_ciphertext *a);
/* Before the context: its memory goes back to the context's scratch. */
void ckks_decomposition_free(ckks_decomposition *d);
/*
 * ckks_mod_raise of a into out, and the decomposition of out for
 * ckks_rotate_mul_sums with keys from ckks_raised_keys_new: one digit,
 * exact, so no ModUp and keys dnum times smaller than a general rotation's.
 * out must not be modified while d is in use.
 */
int ckks_mod_raise_decomposed(const ckks_context *ctx, ckks_ciphertext *out,
                              ckks_decomposition **d, const ckks_ciphertext *a);
int ckks_rotate_mul_sum(const ckks_context *ctx, ckks_ciphertext *out, const ckks_ciphertext *a,
                        const ckks_decomposition *d, const int *steps,
                        const ckks_plaintext *const *p, size_t n, const ckks_galois_keys *gk);
/*
 * Many such sums over the same rotations, the baby steps of a
 * baby-step giant-step transform: out[g] = sum_b p[g * nb + b] (.)
 * rot(a, steps[b]) for g < ng. Each rotation's key switch is computed once
 * for all outputs (nb <= 64), each output takes one ModDown; a NULL
 * plaintext is a zero term. Outputs may alias a.
 */
int ckks_rotate_mul_sums(const ckks_context *ctx, ckks_ciphertext *const *out, size_t ng,
                         const ckks_ciphertext *a, const ckks_decomposition *d, const int *steps,
                         size_t nb, const ckks_plaintext *const *p, const ckks_galois_keys *gk);
/*
 * Ciphertexts over Q_l u P with their ModDown pending, as key switching
 * leaves them: ckks_rotate_mul_sums_ext keeps its sums so, and a later
 * rotation adds one with a single ModDown for both (ckks_rotate_add_ext,
 * the giant steps of a baby-step giant-step transform by Horner's rule:
 * about 2 l NTTs and a base conversion saved at level l). Only the
 * functions below take them; one never written, or whose last writer
 * failed, is refused (CKKS_EINVAL).
 */
typedef struct ckks_ext_ciphertext ckks_ext_ciphertext;
ckks_ext_ciphertext *ckks_ext_ciphertext_new(const ckks_context *ctx);
void ckks_ext_ciphertext_free(ckks_ext_ciphertext *x);
/* ckks_rotate_mul_sums with the outputs over Q_l u P. */
int ckks_rotate_mul_sums_ext(const ckks_context *ctx, ckks_ext_ciphertext *const *out, size_t ng,
                             const ckks_ciphertext *a, const ckks_decomposition *d,
                             const int *steps, size_t nb, const ckks_plaintext *const *p,
                             const ckks_galois_keys *gk);
/* out = a + b (one level, scale and slot count; out may alias either). */
int ckks_ext_add(const ckks_context *ctx, ckks_ext_ciphertext *out, const ckks_ext_ciphertext *a,
                 const ckks_ext_ciphertext *b);
/* out = the ModDown of a: an ordinary ciphertext at a's level. */
int ckks_mod_down(const ckks_context *ctx, ckks_ciphertext *out, const ckks_ext_ciphertext *a);
/*
 * out = ckks_rotate(x, step) + ckks_mod_down(a) with one ModDown; x and
 * a at one level, scale and slot count. Without a key for the step
 * itself (a composed rotation), both are done in turn.
 */
int ckks_rotate_add_ext(const ckks_context *ctx, ckks_ciphertext *out, const ckks_ciphertext *x,
                        int step, const ckks_ext_ciphertext *a, const ckks_galois_keys *gk);
/* Add pt's residues modulo the special primes P (exact; not serialized;
 * any later encode or decrypt into pt drops them). */
int ckks_plaintext_extend(const ckks_context *ctx, ckks_plaintext *pt);
/* ckks_encode and ckks_plaintext_extend in one pass, for the price of np
 * more limbs (the extension alone transforms every limb back first). */
int ckks_encode_extended(const ckks_context *ctx, ckks_plaintext *pt,
                         const double complex *z, size_t n, int log_slots,
                         int level, double scale);
/*
 * Plaintexts stored compactly and encoded at each use. The integer
 * coefficients of z's encoding at this scale, before any reduction: coef
 * gets 2^(log_slots + 1) values, coefficient k of X^(k N / 2^(log_slots + 1)),
 * whatever the level. CKKS_EOVERFLOW when one reaches 2^62 in magnitude
 * (or a value is not finite): encode such values directly.
 */
int ckks_encode_to_coeffs(const ckks_context *ctx, int64_t *coef, const double complex *z,
                          size_t n, int log_slots, double scale);
/*
 * pt <- those coefficients at a level, recorded with scale and log_slots
 * and, when extend != 0, extended to P: the very plaintext ckks_encode
 * (ckks_encode_extended) makes of the same values, for the price of the
 * NTTs. CKKS_EOVERFLOW as there.
 */
int ckks_plaintext_from_coeffs(const ckks_context *ctx, ckks_plaintext *pt, const int64_t *coef,
                               int log_slots, int level, double scale, int extend);

/* ---- polynomial evaluation ------------------------------------------------ */

/*
 * Evaluate p(x) = sum_i coeffs[i] T_i(y), y = (2x - a - b) / (b - a), the
 * Chebyshev series of degree `degree` on [a, b], slot-wise, with the
 * baby-step giant-step Paterson-Stockmeyer scheme in depth
 * ceil(log2(degree + 1)) (plus one level for the change of variable when
 * [a, b] != [-1, 1]). The result has exactly scale target_scale
 * (0: the input's scale).
 */
int ckks_eval_chebyshev(const ckks_context *ctx, ckks_ciphertext *out,
                        const ckks_ciphertext *x, const double *coeffs,
                        int degree, double a, double b, double target_scale,
                        const ckks_switch_key *rlk);
/* Same for p(x) = sum_i coeffs[i] x^i in the power basis. */
int ckks_eval_power(const ckks_context *ctx, ckks_ciphertext *out,
                    const ckks_ciphertext *x, const double *coeffs, int degree,
                    double target_scale, const ckks_switch_key *rlk);
/* Levels consumed by ckks_eval_chebyshev for this degree and interval. */
int ckks_chebyshev_depth(int degree, double a, double b);
/* Chebyshev interpolant of f on [a, b] at degree+1 Chebyshev nodes. */
void ckks_chebyshev_interpolate(double (*f)(double, void *), void *arg,
                                double a, double b, int degree,
                                double *coeffs);

/* ---- serialization ---------------------------------------------------------
 * Every object is written with a magic, a format version, the parameter
 * hash, its length and a checksum. Files are written atomically
 * (temporary file, then rename). Loading checks everything and returns
 * CKKS_EFORMAT / CKKS_EVERSION / CKKS_EPARAMS rather than crashing. */

int ckks_params_save(const ckks_params *p, const char *path);
int ckks_params_load(ckks_params *p, const char *path);
int ckks_secret_key_save(const ckks_context *ctx, const ckks_secret_key *sk, const char *path);
int ckks_secret_key_load(const ckks_context *ctx, ckks_secret_key **sk, const char *path);
int ckks_public_key_save(const ckks_context *ctx, const ckks_public_key *pk, const char *path);
int ckks_public_key_load(const ckks_context *ctx, ckks_public_key **pk, const char *path);
int ckks_switch_key_save(const ckks_context *ctx, const ckks_switch_key *k, const char *path);
int ckks_switch_key_load(const ckks_context *ctx, ckks_switch_key **k, const char *path);
int ckks_galois_keys_save(const ckks_context *ctx, const ckks_galois_keys *gk, const char *path);
int ckks_galois_keys_load(const ckks_context *ctx, ckks_galois_keys **gk, const char *path);
int ckks_plaintext_save(const ckks_context *ctx, const ckks_plaintext *pt, const char *path);
int ckks_plaintext_load(const ckks_context *ctx, ckks_plaintext *pt, const char *path);
int ckks_ciphertext_save(const ckks_context *ctx, const ckks_ciphertext *ct, const char *path);
int ckks_ciphertext_load(const ckks_context *ctx, ckks_ciphertext *ct, const char *path);

#ifdef __cplusplus
}
#endif
#endif
