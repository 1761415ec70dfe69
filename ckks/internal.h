/*
 * internal.h - structures and functions private to ckks/ (and its tests).
 */
#ifndef HETRAIN_CKKS_INTERNAL_H
#define HETRAIN_CKKS_INTERNAL_H

#include "ckks.h"
#include "modarith.h"

#include <stdatomic.h>
#include <stdbool.h>

/* ---- NTT (ntt.c, ntt_avx512.c) ------------------------------------------
 * Negacyclic NTT over Z_q[X]/(X^N + 1) with psi a primitive 2N-th root.
 * After ckks_ntt_forward, a[i] = sum_j a_j psi^((2 brv(i) + 1) j) mod q,
 * brv the logn-bit reversal. Inputs and outputs are in [0, q). */
typedef struct {
    ckks_mod m;
    int logn;
    size_t n;
    uint64_t psi;          /* the minimal primitive 2N-th root */
    uint64_t *fwd;         /* psi^brv(i), i < n */
    uint64_t *fwd_shoup;
    uint64_t *inv;         /* tables for the inverse (Gentleman-Sande) */
    uint64_t *inv_shoup;
    uint64_t ninv, ninv_shoup; /* N^-1 mod q (folded where useful) */
} ckks_ntt_table;

int ckks_ntt_table_init(ckks_ntt_table *t, uint64_t q, int logn);
void ckks_ntt_table_clear(ckks_ntt_table *t);
/* Dispatching entry points: the AVX-512 path when the CPU has it. */
void ckks_ntt_forward(const ckks_ntt_table *t, uint64_t *a);
void ckks_ntt_inverse(const ckks_ntt_table *t, uint64_t *a);
/* The transform of a polynomial in X^(N / len) (len a power of two <= N)
 * from its len coefficients a_0, a_(N/len), ..: the len distinct values
 * of its full transform, which holds each N / len times in a row. */
void ckks_ntt_forward_len(const ckks_ntt_table *t, uint64_t *a, size_t len);
/* Both paths, exposed so tests can compare them. The avx512 ones return
 * false (doing nothing) when the CPU or the build lacks AVX-512. */
void ckks_ntt_forward_scalar(const ckks_ntt_table *t, uint64_t *a, size_t len);
void ckks_ntt_inverse_scalar(const ckks_ntt_table *t, uint64_t *a);
bool ckks_ntt_forward_avx512(const ckks_ntt_table *t, uint64_t *a, size_t len);
bool ckks_ntt_inverse_avx512(const ckks_ntt_table *t, uint64_t *a);
bool ckks_cpu_has_avx512(void);

/* ---- primes (prime.c) ---------------------------------------------------- */
bool ckks_is_prime(uint64_t n);
/*
 * Fill out[0..count-1] with distinct primes q = 1 mod 2^(logn+1), out[i]
 * as close as possible to 2^bits[i] (so it may have bits[i] + 1 bits),
 * below 2^61: for equal sizes the choice alternates above and below
 * 2^bits (so products stay close to powers of two), except at 61 bits
 * where all lie below. Primes in exclude[0..nexclude-1] are skipped.
 * Returns 0 or CKKS_EPRIME.
 */
int ckks_primes_generate(int logn, int count, const int *bits, uint64_t *out,
                         const uint64_t *exclude, int nexclude);
/* The smallest primitive 2^(logn+1)-th root of unity mod q. */
uint64_t ckks_primitive_root(uint64_t q, int logn);

/* ---- randomness (chacha20.c, sample.c) ---------------------------------- */

/* ChaCha20's double round (RFC 8439, 2.3): four column quarter rounds,
 * then four diagonal ones, as QR(x, a, b, c, d) on the state x; one schedule
 * for the scalar and the 16-lane block functions. */
#define CKKS_CHACHA20_DOUBLE_ROUND(QR, x)                                         \
    do {                                                                          \
        QR(x, 0, 4, 8, 12);                                                       \
        QR(x, 1, 5, 9, 13);                                                       \
        QR(x, 2, 6, 10, 14);                                                      \
        QR(x, 3, 7, 11, 15);                                                      \
        QR(x, 0, 5, 10, 15);                                                      \
        QR(x, 1, 6, 11, 12);                                                      \
        QR(x, 2, 7, 8, 13);                                                       \
        QR(x, 3, 4, 9, 14);                                                       \
    } while (0)
/* ChaCha20 block function per RFC 8439 (section 2.3). */
void ckks_chacha20_block(const uint32_t key[8], uint32_t counter,
                         const uint32_t nonce[3], uint8_t out[64]);

/* A ChaCha20 keystream: key = seed, nonce = 96-bit stream identifier. */
typedef struct {
    uint32_t key[8];
    uint32_t nonce[3];
    uint32_t counter;
    uint8_t buf[64];
    unsigned pos; /* bytes of buf already used; 64 = empty */
} ckks_prng;

/* Domain-separated streams: (domain, index) form the 96-bit nonce. */
void ckks_prng_init(ckks_prng *p, const uint8_t seed[CKKS_SEED_BYTES],
                    uint32_t domain, uint64_t index);
void ckks_prng_bytes(ckks_prng *p, void *out, size_t len);
uint64_t ckks_prng_u64(ckks_prng *p);
/* 32 bytes from getrandom(); CKKS_ERANDOM on failure. */
int ckks_random_seed(uint8_t seed[CKKS_SEED_BYTES]);

/* Uniform mod q (rejection sampling), n values; the AVX-512 path where
 * it can run. */
void ckks_sample_uniform(ckks_prng *p, uint64_t q, size_t n, uint64_t *out);
/* Both paths, for tests: they keep the same words and leave p in the same
 * state. The avx512 one runs only from a block boundary (the state after
 * ckks_prng_init, or after whole blocks were read) and returns false
 * (doing nothing) otherwise or without AVX-512. */
void ckks_sample_uniform_scalar(ckks_prng *p, uint64_t q, size_t n, uint64_t *out);
bool ckks_sample_uniform_avx512(ckks_prng *p, uint64_t q, size_t n, uint64_t *out);
/* Blocks counter .. counter + 15 (the counter wrapping mod 2^32) into
 * out[64 j ..], as ckks_chacha20_block makes them; false without AVX-512. */
bool ckks_chacha20_blocks16_avx512(const uint32_t key[8], uint32_t counter,
                                   const uint32_t nonce[3], uint8_t out[16 * 64]);
/* All bits up to the highest set bit of x (0 for x = 0): the mask that
 * rejection sampling in [0, x] applies to each word. */
static inline uint64_t ckks_bit_mask(uint64_t x)
{
    return x ? UINT64_MAX >> __builtin_clzll(x) : 0;
}
/* Dense ternary: each of -1, 0, 1 with probability 1/3. */
void ckks_sample_ternary(ckks_prng *p, size_t n, int8_t *out);
/* Ternary with exactly h nonzero entries, each +-1 with probability 1/2. */
void ckks_sample_ternary_hw(ckks_prng *p, size_t n, int h, int8_t *out);
/* Discrete Gaussian of parameter sigma, rejected beyond |x| > 6 sigma. */
void ckks_sample_gaussian(ckks_prng *p, size_t n, double sigma, int64_t *out);

/* Stream domains, so that no two uses of one seed share a keystream. */
enum {
    CKKS_DOMAIN_SECRET = 1,
    CKKS_DOMAIN_PK_A,
    CKKS_DOMAIN_PK_E,
    CKKS_DOMAIN_SWK_A,   /* index: (galois element << 8) | digit */
    CKKS_DOMAIN_SWK_E,
    CKKS_DOMAIN_ENC_A,   /* index: limb */
    CKKS_DOMAIN_ENC_U,
    CKKS_DOMAIN_ENC_E,
    CKKS_DOMAIN_KEYSEED, /* seeds of derived keys, from the secret seed */
    CKKS_DOMAIN_PAIR,    /* keys between secrets: index (weight << 1) | role */
};

/* ---- context -------------------------------------------------------------- */

struct ckks_encoder_tables; /* encoder.c */

typedef struct {
    _Atomic uint64_t key_switches, decompositions, ct_mults, pt_mults, rescales;
} ckks_counters;

/* Count one operation: ckks_count(ctx, rescales). */
#define ckks_count(ctx, field) atomic_fetch_add_explicit(&(ctx)->counters->field, 1, memory_order_relaxed)

struct ckks_context {
    ckks_params params;
    int logn;
    size_t n;
    int nq, np;                  /* primes in Q and in P */
    int alpha;                   /* primes per key-switching digit */
    int dnum;
    uint64_t hash;
    double logqp;
    ckks_mod *mod;               /* nq + np moduli: Q first, then P */
    ckks_ntt_table *ntt;         /* one per modulus */
    /* rescale: inv_q[l][i] = q_l^-1 mod q_i for i < l (and Shoup forms) */
    uint64_t **rescale_inv, **rescale_inv_shoup;
    /* ModDown: P^-1 mod q_i and P mod q_i */
    uint64_t *p_inv_mod_q, *p_inv_mod_q_shoup;
    struct ckks_encoder_tables *enc;
    ckks_counters *counters;     /* mutable state: atomic counters, and */
    struct ckks_scratch_cache *scratch; /* freed scratch blocks, locked */
    /* galois element -> NTT-domain permutation is computed on demand */
};

/* Limbs (primes) of the basis Q_l followed by P, by index in ctx->mod. */
static inline int ckks_pidx(const ckks_context *ctx, int j) { return ctx->nq + j; }

/* Encoder tables, built and freed with the context. */
int ckks_encoder_tables_new(ckks_context *ctx);
void ckks_encoder_tables_free(struct ckks_encoder_tables *t);

/* The digits of one polynomial, raised to Q_l u P: the part of a key
 * switch that does not depend on the key, shared by hoisted rotations. */
typedef struct {
    int level;
    int ndigits;
    int ext;      /* level + 1 + np limbs per digit */
    bool raised;  /* one exact digit: c1 of a ciphertext fresh from ModRaise */
    uint64_t *d;  /* ndigits * ext * N words, NTT domain */
} ckks_ks_decomp;

/* ---- data objects ---------------------------------------------------------- */

/*
 * A plaintext whose polynomial lies in Z[X^s], s = 2^shift (sparse slots,
 * or slot values of period N / (2 s)), has a transform that repeats each
 * of N / s values s times in a row: its limbs keep those N / s values
 * (value i of the full limb is limb[i >> shift]). shift is 0 or at least
 * CKKS_PT_MIN_SHIFT, so that a vector of 8 lanes reads one value.
 */
#define CKKS_PT_MIN_SHIFT 3

struct ckks_plaintext {
    const ckks_context *ctx;
    int level;
    int log_slots;
    double scale;
    int shift;
    size_t cap, pcap; /* words allocated in c, cp */
    uint64_t *c;      /* level + 1 limbs of N >> shift words, NTT domain */
    bool extended;    /* cp holds the residues mod P (ckks_plaintext_extend) */
    uint64_t *cp;     /* np limbs of N >> shift words, NTT domain */
};

/* Words per limb of pt. */
static inline size_t ckks_plaintext_limb_words(const ckks_plaintext *pt)
{
    return pt->ctx->n >> pt->shift;
}

/* A ciphertext over Q_level u P, its ModDown pending: per component the
 * level + 1 Q limbs, then the np P limbs. */
struct ckks_ext_ciphertext {
    const ckks_context *ctx;
    int level;
    int log_slots;
    double scale;
    size_t cap; /* words allocated per component */
    uint64_t *c[2];
};

/* A decomposition kept for many rotations of one ciphertext. */
struct ckks_decomposition {
    const ckks_context *ctx;
    uint64_t hash;
    ckks_ks_decomp d;
};

struct ckks_ciphertext {
    const ckks_context *ctx;
    int level;
    int log_slots;
    int size;      /* 2 or 3 */
    double scale;
    size_t cap;    /* limbs allocated per component */
    uint64_t *c[3];
    /* Fresh secret-key ciphertext: c[1] = uniform from (seed, ENC_A). */
    bool seeded;
    uint8_t seed[CKKS_SEED_BYTES];
};

struct ckks_secret_key {
    uint64_t hash;
    int hamming_weight;              /* 0: dense ternary */
    uint8_t seed[CKKS_SEED_BYTES];   /* everything derives from it */
    size_t n;
    int8_t *s;                       /* n coefficients */
    uint64_t *s_ntt;                 /* (nq + np) * n, NTT domain */
};

struct ckks_public_key {
    uint64_t hash;
    uint8_t seed[CKKS_SEED_BYTES];   /* of a */
    uint64_t *b, *a;                 /* nq * n each, NTT domain */
};

/*
 * Hybrid key-switching key from s' to t: for digit j < dnum,
 * b_j = -a_j t + e_j + P g_j s' over Q u P, with g_j = 1 mod the primes of
 * digit j and 0 mod the others, a_j uniform from seed. Relinearization:
 * s' = s^2, t = s. Galois element g: s' = s, t = sigma_g^-1(s), so that a
 * rotation key-switches unpermuted digits and permutes only the result.
 */
/* The galois field of a key between two secrets (the identity element). */
#define CKKS_SWITCH_GALOIS 1

struct ckks_switch_key {
    uint64_t hash;
    uint64_t galois;                 /* 0: relinearization, 1: between secrets */
    int level;                       /* highest ciphertext level it serves */
    int dnum;                        /* digits: ceil((level + 1) / alpha) */
    size_t words;                    /* (level + 1 + np) * N, per array: limbs
                                      * q_0..q_level, then P */
    uint8_t seed[CKKS_SEED_BYTES];   /* of the a_j */
    uint64_t **b, **a;               /* dnum arrays of `words`; a == NULL:
                                      * compact, the a_j regenerated at use */
};

struct ckks_galois_keys {
    uint64_t hash;
    size_t count;
    ckks_switch_key **keys;          /* sorted by galois element */
};

/* Room for level + 1 limbs (and the np P limbs with `extend`) of N >>
 * shift words, and that shift; the caller overwrites them. */
int ckks_plaintext_reserve(ckks_plaintext *pt, int level, int shift, bool extend);
/* Limb i of pt (Q limbs 0..level, then P limbs), N words, into out. */
void ckks_plaintext_expand_limb(const ckks_plaintext *pt, int i, uint64_t *out);
int ckks_ciphertext_reserve(ckks_ciphertext *ct, int level, int size);
/* Allocate an empty switching key for element g serving levels <= level,
 * with `digits` digits: ckks_key_digits(ctx, level), or 1 for a one-digit
 * key (see ckks_key_one_digit). */
int ckks_switch_key_alloc(const ckks_context *ctx, uint64_t galois, int level, int digits,
                          ckks_switch_key **out);
/* The a halves of k's digits 0..nd-1 on prime mi, in ka: pointers into
 * the key or, when it is compact, regenerated into buf (nd * N words). */
void ckks_switch_key_a_limb(const ckks_context *ctx, const ckks_switch_key *k, int mi, int nd,
                            uint64_t *buf, const uint64_t **ka);
/* Digits of an ordinary key (and of a decomposition) at `level`. */
static inline int ckks_key_digits(const ckks_context *ctx, int level)
{
    return (level + ctx->alpha) / ctx->alpha;
}
/* A one-digit key above one digit's primes: gadget P on every prime, for
 * decompositions of raised ciphertexts only. At levels within one digit an
 * ordinary key is the same thing. */
static inline bool ckks_key_one_digit(const ckks_context *ctx, const ckks_switch_key *k)
{
    return k->dnum == 1 && ckks_key_digits(ctx, k->level) > 1;
}
/* Index of a one-digit key's a and e streams (digits of ordinary keys use
 * 0..dnum-1): never the streams of digit 0 of the ordinary key for the same
 * element, whose b would then differ from this one by P s on known primes. */
#define CKKS_ONE_DIGIT_INDEX 0xff
/* Regenerate the a_j of k from k->seed (domain SWK_A, index (g << 8) | j,
 * j = CKKS_ONE_DIGIT_INDEX for a one-digit key, over the key's limbs). */
void ckks_switch_key_expand(const ckks_context *ctx, ckks_switch_key *k);
/* The moduli (indices into ctx->mod) of a key's limbs, in order; returns
 * their count. */
int ckks_switch_key_limbs(const ckks_context *ctx, const ckks_switch_key *k, int *limbs);

/* Offset in words, in a key's arrays, of the limb of modulus mi. */
static inline size_t ckks_key_offset(const ckks_context *ctx, const ckks_switch_key *k, int mi)
{
    size_t pos = mi < ctx->nq ? (size_t)mi : (size_t)(k->level + 1 + mi - ctx->nq);
    return pos * ctx->n;
}
/* Key for galois element g, or NULL. */
const ckks_switch_key *ckks_galois_keys_find(const ckks_galois_keys *gk, uint64_t g);

/* ---- RNS polynomials (poly.c, rns.c) ------------------------------------ */

/*
 * Fast basis conversion (coefficient domain): for x given by its residues
 * modulo the primes src[0..nsrc-1] (limb s at x + s N), write
 * out_t = sum_s [x_s (Q_S/q_s)^-1]_{q_s} (Q_S/q_s) mod p_t for each target
 * dst[t] (limb t at out + t N). The result is x + u Q_S for some
 * 0 <= u < nsrc: exact up to a small multiple of Q_S. With `centered`,
 * u is corrected in floating point so that the result is exactly the
 * representative of x in [-Q_S/2, Q_S/2) (ties aside).
 */
int ckks_rns_convert(const ckks_context *ctx, const uint64_t *x, const int *src, int nsrc,
                     const int *dst, int ndst, bool centered, uint64_t *out);

/*
 * The constants of one conversion from src to dst, for use limb by limb:
 * y_s = x_s (Q_S/q_s)^-1 mod q_s (ckks_rns_conv_scale), optionally
 * v = round(sum_s y_s / q_s) (ckks_rns_conv_round), then each target
 * out_t = sum_s y_s (Q_S/q_s) - v Q_S mod p_t (ckks_rns_conv_target, v = 0
 * when NULL). The source limbs y_s lie at y + s N.
 */
typedef struct {
    int nsrc, ndst;
    int src[CKKS_MAX_PRIMES], dst[CKKS_MAX_PRIMES];
    uint64_t inv[CKKS_MAX_PRIMES], inv_shoup[CKKS_MAX_PRIMES]; /* (Q_S/q_s)^-1 mod q_s */
    double inv_q[CKKS_MAX_PRIMES];                               /* 1 / q_s */
    uint64_t *hat; /* row t: Q_S/q_s mod p_t for s < nsrc, then -Q_S mod p_t */
} ckks_rns_conv;

/* 0, CKKS_EINVAL (nsrc outside 1..63) or CKKS_ENOMEM. */
int ckks_rns_conv_init(const ckks_context *ctx, ckks_rns_conv *c, const int *src, int nsrc,
                       const int *dst, int ndst);
void ckks_rns_conv_clear(ckks_rns_conv *c);
/* y = x (Q_S/q_s)^-1 mod q_s over N coefficients; y may alias x. */
void ckks_rns_conv_scale(const ckks_context *ctx, const ckks_rns_conv *c, int s,
                         const uint64_t *x, uint64_t *y);
/* v[k] = round(sum_s y[s stride + k] / q_s) for k < count (floating point,
 * the same operations in the same order on both paths). */
void ckks_rns_conv_round(const ckks_rns_conv *c, const uint64_t *y, size_t stride, size_t count,
                         uint64_t *v);
/* Targets ts[0..nt-1] over N coefficients into out[0..nt-1], fully
 * reduced. One pass over y serves them all: convert several at once. */
void ckks_rns_conv_targets(const ckks_context *ctx, const ckks_rns_conv *c, const int *ts, int nt,
                           const uint64_t *y, const uint64_t *v, uint64_t *const *out);
/* Coefficients per block of the AVX-512 conversion (N must be a multiple). */
#define CKKS_RNS_BLOCK 256
/* Both paths of the two above, for tests; the avx512 ones return false
 * (doing nothing) without AVX-512. */
void ckks_rns_conv_round_scalar(const ckks_rns_conv *c, const uint64_t *y, size_t stride,
                                size_t count, uint64_t *v);
bool ckks_rns_conv_round_avx512(const ckks_rns_conv *c, const uint64_t *y, size_t stride,
                                size_t count, uint64_t *v);
void ckks_rns_conv_targets_scalar(const ckks_context *ctx, const ckks_rns_conv *c, const int *ts,
                                  int nt, const uint64_t *y, const uint64_t *v,
                                  uint64_t *const *out);
bool ckks_rns_conv_targets_avx512(const ckks_context *ctx, const ckks_rns_conv *c, const int *ts,
                                  int nt, const uint64_t *y, const uint64_t *v,
                                  uint64_t *const *out);

/* out[k] = ((a[k] + c - b[k]) w + d[k]) mod q for k < n, with
 * ws = ckks_shoup(w, q), b and d NULL for zeros; a[k] + c must not wrap
 * and must be >= b[k], d[k] < q. out may alias a, b or d. */
void ckks_rns_mulsub(uint64_t q, uint64_t w, uint64_t ws, const uint64_t *a, uint64_t c,
                     const uint64_t *b, const uint64_t *d, size_t n, uint64_t *out);
void ckks_rns_mulsub_scalar(uint64_t q, uint64_t w, uint64_t ws, const uint64_t *a, uint64_t c,
                            const uint64_t *b, const uint64_t *d, size_t n, uint64_t *out);
bool ckks_rns_mulsub_avx512(uint64_t q, uint64_t w, uint64_t ws, const uint64_t *a, uint64_t c,
                            const uint64_t *b, const uint64_t *d, size_t n, uint64_t *out);

/* out[k] = (x[perm[k]] + y[perm[k]] + a[k]) mod q for k < n (an automorphism
 * in NTT form, then an addition), y and a NULL for zeros, every input
 * below q. out may alias a, but not x or y. */
void ckks_permute_add(uint64_t q, const uint32_t *perm, const uint64_t *x, const uint64_t *y,
                      const uint64_t *a, size_t n, uint64_t *out);
void ckks_permute_add_scalar(uint64_t q, const uint32_t *perm, const uint64_t *x,
                             const uint64_t *y, const uint64_t *a, size_t n, uint64_t *out);
bool ckks_permute_add_avx512(uint64_t q, const uint32_t *perm, const uint64_t *x,
                             const uint64_t *y, const uint64_t *a, size_t n, uint64_t *out);

/*
 * 64-byte aligned room for `words` words, on huge pages when large, for
 * the duration of one call: give it back with ckks_scratch_free and the
 * same words. Large blocks are kept in the context for the next call (up
 * to CKKS_SCRATCH_KEEP_MB): fresh pages cost their zeroing, about 5 % of
 * a bootstrapping.
 */
#define CKKS_SCRATCH_KEEP_MB 512
uint64_t *ckks_scratch_alloc(const ckks_context *ctx, size_t words);
void ckks_scratch_free(const ckks_context *ctx, uint64_t *p, size_t words);
int ckks_scratch_cache_new(struct ckks_scratch_cache **out);
void ckks_scratch_cache_free(struct ckks_scratch_cache *c);

/* ---- key switching (keyswitch.c) ----------------------------------------- */


/* Decompose c (NTT, limbs 0..level) into ceil((level+1)/alpha) digits and
 * ModUp each to Q_level u P. */
int ckks_ks_decompose(const ckks_context *ctx, const uint64_t *c, int level, ckks_ks_decomp *out);
void ckks_ks_decomp_clear(const ckks_context *ctx, ckks_ks_decomp *d);
/* (out0, out1) over Q_level, NTT: ModDown of sum_j d_j (b_j, a_j). */
int ckks_ks_apply(const ckks_context *ctx, const ckks_ks_decomp *d, const ckks_switch_key *k,
                  uint64_t *out0, uint64_t *out1);
/*
 * Double hoisting: for each output g < ng, (out0[g], out1[g]) over Q_level
 * is the ModDown of sum_b pt_gb (.) sigma_b((P c0, 0) + sum_j d_j (b_bj, a_bj)),
 * computed in Q_level u P. The nb rotated terms are computed once and
 * shared by all outputs; each output has a single ModDown. keys[b] ==
 * NULL is the identity term (P c0, P c1). pt[g * nb + b]: an extended
 * plaintext at level >= d's (its Q limbs 0..level and its P limbs are
 * used), NULL when zero (at most 64 terms per output); perms[b]: the NTT
 * permutation of term b's Galois element (ignored for the identity).
 * keep_p: no ModDown, the np P limbs of each output follow its level + 1
 * Q limbs.
 */
int ckks_ks_rotate_mul_sums(const ckks_context *ctx, const ckks_ks_decomp *d, const uint64_t *c0,
                            const uint64_t *c1, int nb, const ckks_switch_key *const *keys,
                            const uint32_t *const *perms, int ng,
                            const ckks_plaintext *const *pt, bool keep_p, uint64_t *const *out0,
                            uint64_t *const *out1);
/* ModDown of (out0, out1) over Q_level (in place), given their P limbs
 * p0, p1 (np each). */
int ckks_ks_mod_down(const ckks_context *ctx, int level, const uint64_t *p0, const uint64_t *p1,
                     uint64_t *out0, uint64_t *out1);
/*
 * sigma(c0 + KS(c1)) + a, with one ModDown: (out0, out1) over Q_level is
 * sigma(c0) (on out0) plus the ModDown of sigma(KS_QP(c1)) + (add0, add1),
 * the add_k
 * over Q_level u P (level + 1 Q limbs, then np P limbs); k switches c1 to
 * sigma^-1(s), perm is sigma's NTT permutation.
 */
int ckks_ks_rotate_add(const ckks_context *ctx, const uint64_t *c0, const uint64_t *c1, int level,
                       const ckks_switch_key *k, const uint32_t *perm, const uint64_t *add0,
                       const uint64_t *add1, uint64_t *out0, uint64_t *out1);
/*
 * Both steps at once, for a single switch: no decomposition is stored.
 * With add0 (and add1) not NULL, the result is rescaled as well: (KS(c) +
 * P (add0, add1)) / (P q_level) over Q_{level-1}, one ModDown for both
 * divisions (limbs 0..level-1 of out0 and out1 are written).
 */
int ckks_ks_switch(const ckks_context *ctx, const uint64_t *c, int level, const ckks_switch_key *k,
                   const uint64_t *add0, const uint64_t *add1, uint64_t *out0, uint64_t *out1);
/*
 * The inner product of nd digit limbs with a key, on one limb mod m:
 * out0[i] = sum_j d[j][i >> ds_j] b[j][i], out1[i] = sum_j d[j][i >> ds_j]
 * a[j][i], fully reduced, with ds_j = dshift[j] (0 when dshift is NULL;
 * else 0 or at least 3: a compact plaintext's limb). Both paths, for
 * tests; avx512 as above.
 */
void ckks_ks_inner_product(const ckks_mod *m, size_t n, int nd, const uint64_t *const *d,
                           const uint8_t *dshift, const uint64_t *const *b,
                           const uint64_t *const *a, uint64_t *out0, uint64_t *out1);
void ckks_ks_inner_product_scalar(const ckks_mod *m, size_t n, int nd, const uint64_t *const *d,
                                  const uint8_t *dshift, const uint64_t *const *b,
                                  const uint64_t *const *a, uint64_t *out0, uint64_t *out1);
bool ckks_ks_inner_product_avx512(const ckks_mod *m, size_t n, int nd, const uint64_t *const *d,
                                  const uint8_t *dshift, const uint64_t *const *b,
                                  const uint64_t *const *a, uint64_t *out0, uint64_t *out1);

/*
 * One limb of a sum of ciphertext products and scalar multiples (mod q <
 * 2^61, all operands reduced): y0 = k + sum_p u0 v0 + sum_t w x0, y1 =
 * sum_p (u0 v1 + u1 v0) + sum_t w x1, y2 = sum_p u1 v1, each product
 * doubled when twice[p]; added to what y holds when add (y2 only when np >
 * 0). At most CKKS_SUM_MAX products and as many terms; the scalar path's
 * 128-bit sums also need 2 np (4 for a doubled product) + nt + 1 <= 63.
 */
#define CKKS_SUM_MAX 16
typedef struct {
    int np, nt;
    const uint64_t *u0[CKKS_SUM_MAX], *u1[CKKS_SUM_MAX], *v0[CKKS_SUM_MAX], *v1[CKKS_SUM_MAX];
    bool twice[CKKS_SUM_MAX];
    const uint64_t *x0[CKKS_SUM_MAX], *x1[CKKS_SUM_MAX];
    uint64_t w[CKKS_SUM_MAX], k;
    bool add;
    uint64_t *y0, *y1, *y2;
} ckks_sum_limb;

void ckks_sum_limb_eval(const ckks_mod *m, size_t n, const ckks_sum_limb *s);
/* Both paths, for tests; avx512 as above (false for q >= 2^61 too). */
void ckks_sum_limb_eval_scalar(const ckks_mod *m, size_t n, const ckks_sum_limb *s);
bool ckks_sum_limb_eval_avx512(const ckks_mod *m, size_t n, const ckks_sum_limb *s);

/* Regenerate the uniform a of a public or switching key from its seed. */
void ckks_expand_uniform(const ckks_context *ctx, const uint8_t seed[CKKS_SEED_BYTES],
                         uint32_t domain, uint64_t index, const int *limbs,
                         int nlimbs, uint64_t *out);
/* Limb `limb` (an absolute prime index) of that polynomial alone: the same
 * N words ckks_expand_uniform writes for it. Single-threaded, so callers
 * may run it inside their own parallel loops (compact keys, at each use). */
void ckks_expand_uniform_limb(const ckks_context *ctx, const uint8_t seed[CKKS_SEED_BYTES],
                              uint32_t domain, uint64_t index, int limb, uint64_t *out);
/* Small signed coefficients to RNS NTT form on the given limbs. */
void ckks_small_to_ntt(const ckks_context *ctx, const int64_t *v, const int *limbs,
                       int nlimbs, uint64_t *out);

/* out[i] = v[i] mod q (in [0, q)) for n signed values. Both paths, for
 * tests; the avx512 one returns false where it cannot run (as above). */
void ckks_mod_from_i64_array(const ckks_mod *m, const int64_t *v, size_t n, uint64_t *out);
void ckks_mod_from_i64_scalar(const ckks_mod *m, const int64_t *v, size_t n, uint64_t *out);
bool ckks_mod_from_i64_avx512(const ckks_mod *m, const int64_t *v, size_t n, uint64_t *out);

/* round(d) mod q for any finite double d (exact even beyond 2^63). */
uint64_t ckks_mod_from_double(double d, const ckks_mod *m);

/* NTT index permutation of X -> X^g: out[i] = in[perm[i]]. */
void ckks_galois_permutation(const ckks_context *ctx, uint64_t g, uint32_t *perm);

#endif
