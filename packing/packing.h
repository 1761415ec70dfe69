/*
 * packing.h - how vectors and matrices sit in CKKS slots, slot primitives,
 * linear transforms of plaintext matrices and encrypted x encrypted matrix
 * products. Built on the public API of ckks/ckks.h only.
 *
 * Errors: functions return 0 or a negative code: the CKKS_E* codes of
 * ckks.h for generic failures (CKKS_EINVAL, CKKS_ENOMEM, CKKS_ELEVEL,
 * CKKS_EKEY...) and PACK_ELAYOUT when operands do not have the layout an
 * operation expects. pack_strerror() explains both.
 *
 * Costs are stated in the units of ckks_op_counts: key switches (one per
 * rotation or relinearization), ciphertext multiplications (tensor
 * products), plaintext multiplications, rescales; depth in levels.
 */
#ifndef HETRAIN_PACKING_H
#define HETRAIN_PACKING_H

#include "ckks/ckks.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
    PACK_ELAYOUT = -32, /* operand layouts do not fit the operation */
};

/* A static string describing status code err (PACK_E* or CKKS_E*). */
const char *pack_strerror(int err);

/* ---- layouts --------------------------------------------------------------
 *
 * Every ciphertext of a layout holds one tile: a 3-D box of
 * 2^log_dims[0] x 2^log_dims[1] x 2^log_dims[2] slots (outer, middle,
 * inner axis), slot (x0 * d1 + x1) * d2 + x2, encoded with log_slots =
 * log_dims[0] + log_dims[1] + log_dims[2], so rotations are cyclic modulo
 * the tile. A matrix puts its rows on one axis and its columns on another;
 * the third, "free" axis either replicates it or holds it at position 0.
 * Rows and columns are zero-padded to whole tiles; a matrix larger than a
 * tile along an axis is tiled over several ciphertexts, tile (tr, tc) at
 * index tr * col_tiles + tc.
 *
 * Examples: a row-major b x k matrix in one ciphertext is rows on MIDDLE,
 * columns on INNER with log_dims {0, log b, log k}; column-major swaps the
 * two axes; a matrix replicated along a dimension is fill REPLICATED.
 */

typedef enum { PACK_OUTER = 0, PACK_MIDDLE = 1, PACK_INNER = 2 } pack_axis;

typedef struct {
    int log_dims[3]; /* outer, middle, inner; sum <= logN - 1 */
} pack_grid;

typedef enum {
    PACK_REPLICATED, /* the same entry at every position of the free axis */
    PACK_SLICE,      /* entries at free position 0, exact zeros elsewhere */
    PACK_PARTIAL,    /* entries at free position 0, garbage elsewhere */
} pack_fill;

typedef struct {
    pack_grid grid;
    int rows, cols;
    pack_axis row_axis, col_axis; /* distinct */
    pack_fill fill;               /* state of the free axis */
} pack_layout;

/* Fill g; CKKS_EINVAL unless every log dim is in 0..16 and their sum <= 16. */
int pack_grid_init(pack_grid *g, int log_outer, int log_middle, int log_inner);
/* Slot count of one tile, and the slot distance between neighbours on axis. */
size_t pack_grid_slots(const pack_grid *g);
size_t pack_grid_stride(const pack_grid *g, pack_axis axis);

/* Fill l after checking its fields (CKKS_EINVAL when inconsistent). */
int pack_layout_init(pack_layout *l, const pack_grid *g, int rows, int cols, pack_axis row_axis,
                     pack_axis col_axis, pack_fill fill);
pack_axis pack_layout_free_axis(const pack_layout *l);
int pack_layout_row_tiles(const pack_layout *l);
int pack_layout_col_tiles(const pack_layout *l);
/* Number of ciphertexts (row tiles x column tiles). */
size_t pack_layout_count(const pack_layout *l);
/* log_slots of every ciphertext of the layout. */
int pack_layout_log_slots(const pack_layout *l);
/* Nonzero when a and b are the same layout. */
int pack_layout_equal(const pack_layout *a, const pack_layout *b);
/*
 * Slot values of tile `tile` for the row-major rows x cols matrix m (NULL:
 * all ones, which gives masks): pack_grid_slots() doubles written to out,
 * padding and, unless the fill is REPLICATED, the free axis set to zero.
 */
int pack_layout_tile_values(const pack_layout *l, size_t tile, const double *m, double *out);

/* A matrix in a layout: pack_layout_count(&layout) ciphertexts. */
typedef struct {
    pack_layout layout;
    size_t count;
    ckks_ciphertext **ct;
} pack_matrix;

int pack_matrix_new(const ckks_context *ctx, pack_matrix **out, const pack_layout *l);
void pack_matrix_free(pack_matrix *m);
/* *out (allocated here) <- a copy of in. */
int pack_matrix_copy(const ckks_context *ctx, pack_matrix **out, const pack_matrix *in);
/* Drop every ciphertext of m to `level` (ckks_set_level). */
int pack_matrix_set_level(const ckks_context *ctx, pack_matrix *m, int level);
/*
 * Encrypt the row-major matrix m (layout rows x cols) into out under the
 * secret key: the data owner's encryption, seeded (half-size ciphertexts)
 * and with less noise than public-key encryption (about 30 rather than 23
 * bits at scale 2^40, N = 2^13).
 */
int pack_encrypt(const ckks_context *ctx, pack_matrix *out, const double *m, int level,
                 double scale, const ckks_secret_key *sk);
/* Decrypt into the row-major matrix m (rows x cols), from free position 0. */
int pack_decrypt(const ckks_context *ctx, const pack_matrix *in, const ckks_secret_key *sk,
                 double *m);

/* ---- slot primitives --------------------------------------------------------
 * count is a power of two; each costs log2(count) key switches (rotations
 * by stride * 2^i), no multiplication and no level. Keys: the steps that
 * pack_sum_steps() lists. */

/*
 * ct <- sum_{u < count} rot(ct, u * stride): position 0 of each group of
 * count slots at distance stride receives the group's sum. When count *
 * stride is the slot count (cyclic), every position receives it.
 */
int pack_sum_slots(const ckks_context *ctx, ckks_ciphertext *ct, size_t stride, size_t count,
                   const ckks_galois_keys *gk);
/*
 * ct <- sum_{u < count} rot(ct, -u * stride): copies a value held at
 * position 0 of each group to its count positions; the other positions
 * must hold zeros (or the group must be cyclic).
 */
int pack_replicate_slots(const ckks_context *ctx, ckks_ciphertext *ct, size_t stride,
                         size_t count, const ckks_galois_keys *gk);
/*
 * Rotation steps (normalized to 0..slots-1) used by pack_sum_slots (dir
 * +1) or pack_replicate_slots (dir -1) at this stride, count and log_slots;
 * returns how many were written to steps (at most 16).
 */
int pack_sum_steps(size_t stride, size_t count, int dir, int log_slots, int *steps);

/*
 * Clean m's free axis (PARTIAL or REPLICATED -> SLICE) and zero its padding
 * by a 0/1 plaintext mask encoded at scale q_level: one plaintext
 * multiplication and one rescale per ciphertext, depth 1, scale unchanged.
 */
int pack_mask(const ckks_context *ctx, pack_matrix *m);
/*
 * Make m REPLICATED along its free axis of size d: masks first when m is
 * PARTIAL (depth 1), then log2(d) key switches per ciphertext.
 */
int pack_replicate(const ckks_context *ctx, pack_matrix *m, const ckks_galois_keys *gk);

/* ---- linear transforms -------------------------------------------------------
 *
 * y = M x on the 2^log_slots slots of a ciphertext, M given by its nonzero
 * (generalized) diagonals: diag_d[j] = M[j][(j + d) mod n], so that
 * y = sum_d diag_d (.) rot(x, d). Baby-step giant-step: d = g * n1 + b,
 * y = sum_g rot(A_g, g n1) with the inner sums
 * A_g = sum_b rot(diag_d, -g n1) (.) rot(x, b), x decomposed once for all
 * baby steps. The giant rotations follow Horner's rule: with the giant
 * steps present g_0 < g_1 < ... < g_{m-1}, X = A_{g_{m-1}}, then
 * X = A_{g_i} + rot(X, (g_{i+1} - g_i) n1) for i = m-2 .. 0, and
 * y = rot(X, g_0 n1): as many rotations as nonzero giant steps, but keys
 * only for their distinct differences (a band of diagonals -w..w: at most
 * two, n1 and the wrap-around gap). The inner sums are formed one of two
 * ways:
 *   single hoisting: the nb baby rotations are computed once (hoisted: a
 *     key switch and a ModDown each) and every diagonal costs a plaintext
 *     product in Q;
 *   double hoisting: one ckks_rotate_mul_sums forms all inner sums: each
 *     baby rotation's key switch once, left in Q u P (no ModDown), every
 *     diagonal a plaintext product there (its plaintext extended to P),
 *     one ModDown per inner sum. Baby steps go PACK_LINTRANS_BATCH to a
 *     call; giant steps are cut into batches whose memory stays within
 *     PACK_LINTRANS_BATCH_BYTES, each batch repeating the key switches of
 *     the baby steps it uses.
 * Double hoisting trades nb ModDowns for ng, but its plaintext products
 * run on l + k limbs instead of l (l limbs of Q at the level, k special
 * primes): it wins with eager diagonals unless k is large next to l (low
 * levels). Lazily, every apply also encodes each diagonal's P limbs (k
 * more NTTs) and large transforms repeat baby steps per batch, so large
 * dense matrices may go back to single hoisting
 * (the dense 2^10 x 2^10 one below measures within 10 % either way). The plan (n1 and the
 * hoisting) minimizes an operation-count estimate of the time; n1 = n is
 * the diagonal method.
 *
 * Cost of pack_lintrans_apply, with nb (ng) the distinct nonzero baby
 * (giant) steps:
 *   key switches = nb + ng (single hoisting, or double in one batch),
 *   sum over the batches of the nonzero baby steps each uses, + ng (double),
 *   1 + ng decompositions, one plaintext multiplication per diagonal, no
 *   rescale: the result has scale scale(x) * scale and x's level (depth 1
 *   once the caller rescales).
 * Rotation keys: those of pack_bsgs_steps in both cases, the nb baby steps
 * and at most ng Horner steps (a dense matrix: nb + 1).
 * A dense n x n matrix with n1 = sqrt(n) costs 2 sqrt(n) - 2 key switches
 * (n an even power of two): 62 at n = 2^10, the plan chosen for it at
 * N = 2^16 with 11 + 3 primes, dnum 3 (double hoisting when eager, single
 * when lazy); more digits make giant steps dearer and may move n1 to
 * 2 sqrt(n) (78).
 *
 * Storage: the diagonals are encoded once at creation (eager) or, lazily,
 * kept as the integer coefficients of their encoding (ckks_encode_to_coeffs:
 * as many bytes as their n complex values, which are kept instead when a
 * huge scale overflows int64) and encoded inside apply at the input's
 * level, a call's worth at a time (single hoisting: at most
 * PACK_LINTRANS_BATCH of one giant step; double: a batch's terms of up to
 * PACK_LINTRANS_BATCH baby steps): less memory, one reduction and NTT per
 * limb (with double hoisting, the P limbs too) per diagonal and apply.
 */
typedef struct pack_lintrans pack_lintrans;

/* PACK_LT_STORE_AUTO storage is lazy when the eager plaintexts would exceed
 * this many bytes, estimated as ndiag * (level + 1 + k) * N * 8 with k
 * special primes, as if extended (a dense 2^10 x 2^10 transform at
 * N = 2^16, level 10, k = 3 needs 7.5 GB). */
#define PACK_LINTRANS_EAGER_BYTES ((size_t)1 << 30)
/* The most baby steps of one ckks_rotate_mul_sums call (its limit), and
 * with single hoisting the most lazy plaintexts of an inner sum alive at a
 * time. */
#define PACK_LINTRANS_BATCH 64
/* Double hoisting: the most bytes one batch of giant steps holds, estimated
 * as (4 (l + 1) + 2 k) N * 8 per inner sum plus, lazily, (l + 1 + k) N * 8
 * per plaintext alive at once (k special primes). */
#define PACK_LINTRANS_BATCH_BYTES ((size_t)1 << 30)

typedef enum { PACK_LT_AUTO = 0, PACK_LT_SINGLE, PACK_LT_DOUBLE } pack_lt_hoisting;
typedef enum { PACK_LT_STORE_AUTO = 0, PACK_LT_EAGER, PACK_LT_LAZY } pack_lt_storage;

typedef struct {
    int baby;                  /* n1 (1..n), 0: chosen with the hoisting */
    pack_lt_hoisting hoisting; /* AUTO: chosen by the cost estimate */
    pack_lt_storage storage;   /* STORE_AUTO: see PACK_LINTRANS_EAGER_BYTES */
    size_t batch_bytes;        /* 0: PACK_LINTRANS_BATCH_BYTES */
} pack_lintrans_opts;

/*
 * Precompute the transform with ndiag diagonals: index[i] (taken mod n,
 * negative allowed, no duplicates) and diag[i] (n complex values each),
 * encoded at `level` and `scale` (any scale the modulus admits). baby = 0
 * chooses n1 as above; otherwise n1 = baby (1..n). Hoisting and storage
 * are automatic.
 */
int pack_lintrans_new(const ckks_context *ctx, pack_lintrans **out, int log_slots,
                      const int *index, const double complex *const *diag, size_t ndiag,
                      int level, double scale, int baby);
/* Same with explicit options (opts NULL: all automatic). */
int pack_lintrans_new_opts(const ckks_context *ctx, pack_lintrans **out, int log_slots,
                           const int *index, const double complex *const *diag, size_t ndiag,
                           int level, double scale, const pack_lintrans_opts *opts);
/*
 * Same for a dense rows x cols matrix m (row-major, rows, cols <= n; zero
 * padded to n x n); only its nonzero diagonals are kept.
 */
int pack_lintrans_from_matrix(const ckks_context *ctx, pack_lintrans **out, int log_slots,
                              const double complex *m, int rows, int cols, int level,
                              double scale, int baby);
int pack_lintrans_from_matrix_opts(const ckks_context *ctx, pack_lintrans **out, int log_slots,
                                   const double complex *m, int rows, int cols, int level,
                                   double scale, const pack_lintrans_opts *opts);
void pack_lintrans_free(pack_lintrans *lt);
/* out <- M in; in must have the transform's log_slots and level <= its level. */
int pack_lintrans_apply(const ckks_context *ctx, ckks_ciphertext *out, const ckks_ciphertext *in,
                        const pack_lintrans *lt, const ckks_galois_keys *gk);
/*
 * The same with d, a decomposition of in made by the caller (e.g. by
 * ckks_mod_raise_decomposed, whose one-digit keys in gk then serve the baby
 * steps; giant steps, if any, are rotations with gk's keys). The plan must
 * use double hoisting (CKKS_EINVAL otherwise).
 */
int pack_lintrans_apply_decomposed(const ckks_context *ctx, ckks_ciphertext *out,
                                   const ckks_ciphertext *in, const ckks_decomposition *d,
                                   const pack_lintrans *lt, const ckks_galois_keys *gk);
/* Baby-step size n1, and the key switches of one apply (formula above). */
int pack_lintrans_baby(const pack_lintrans *lt);
int pack_lintrans_key_switches(const pack_lintrans *lt);
int pack_lintrans_log_slots(const pack_lintrans *lt);
/* The plan's hoisting (PACK_LT_SINGLE or PACK_LT_DOUBLE) and storage
 * (PACK_LT_EAGER or PACK_LT_LAZY). */
pack_lt_hoisting pack_lintrans_hoisting(const pack_lintrans *lt);
pack_lt_storage pack_lintrans_storage(const pack_lintrans *lt);
/* Bytes the transform holds: its plaintexts (eager) or diagonals (lazy). */
size_t pack_lintrans_bytes(const pack_lintrans *lt);
/* Batches of giant steps apply runs: 1 with double hoisting unless
 * PACK_LINTRANS_BATCH_BYTES cuts it, one per giant step with single. */
size_t pack_lintrans_batches(const pack_lintrans *lt);
/* Rotation steps apply uses: pack_bsgs_steps of its diagonals and n1;
 * returns the count, written to steps when steps != NULL. */
size_t pack_lintrans_steps(const pack_lintrans *lt, int *steps);
/*
 * The baby-step giant-step split with baby step n1 (1..n) of the ndiag
 * diagonals index[] (taken mod n = 2^log_slots, duplicates counted once),
 * encoding nothing: its distinct nonzero baby steps (*nb) and giant steps
 * (*ng), whose sum is the key switches of one apply (single hoisting, or
 * double in one batch), and the rotation steps its keys need, written to
 * steps when steps != NULL: the baby steps, then the Horner steps (the
 * distinct differences of consecutive giant steps among 0 and those
 * present, times n1), sorted and normalized to 0..n-1. Returns their count
 * (at most nb + ng) or a negative CKKS_E* code; nb and ng may be NULL.
 */
int pack_bsgs_steps(int log_slots, const int *index, size_t ndiag, int n1, int *nb, int *ng,
                    int *steps);

/* ---- encrypted x encrypted matrix products -------------------------------------
 *
 * Convention for training: batch b on the OUTER axis, input width k on
 * MIDDLE, output width h on INNER, in one grid of tile dims (Bt, Mt, It).
 *   PACK_AB  : A (b x k) . B (k x h) -> b x h   (forward, contracts MIDDLE)
 *   PACK_ATB : A (b x k)^T . B (b x h) -> k x h (weight gradient, OUTER)
 *   PACK_ABT : A (b x h) . B (k x h)^T -> b x k (error to the previous
 *              layer, INNER)
 * More generally any assignment of the three dimensions to distinct axes
 * works: both operands REPLICATED along their free axis, the contracted
 * dimension on the same axis c in both, the same grid.
 *
 * Algorithm: each output tile is sum over the contracted tiles of
 * A_tile (.) B_tile (tensor products accumulated before one
 * relinearization), pack_sum_slots along c, then one rescale (after the
 * sum, so that its rounding error is added once).
 * Output: rows on A's other axis, columns on B's other axis, free axis c;
 * fill REPLICATED when c is cyclic (every axis outside c has size 1, e.g.
 * c = OUTER) and PARTIAL otherwise (pack_replicate makes it an operand
 * again at one more level). Depth 1; the output scale is
 * scale(A) scale(B) / q_level.
 *
 * Cost with tile sizes d_p, d_c, d_r of the output-row, contracted and
 * output-column axes, and T_x = ceil(x / d_x) tiles along each dimension:
 *   key switches    = T_p T_r (1 + log2 d_c)
 *   ct mults        = T_p T_c T_r,   rescales = T_p T_r.
 * With the convention above and (B', K', H') the dimensions rounded up to
 * powers of two:
 *   AB : ceil(b/Bt) ceil(h/It) (1 + log2 Mt)
 *   ATB: ceil(k/Mt) ceil(h/It) (1 + log2 Bt)
 *   ABT: ceil(b/Bt) ceil(k/Mt) (1 + log2 It)
 * and pack_grid_plan's grid, which tiles the contracted axis only, gives
 * (S = N/2, p and r the output dimensions, q the contracted one):
 *   key switches = 1 + log2 min(q', S / (p' r'))   when p' r' <= S,
 * e.g. 5 for AB at b = 48, k = 196, h = 32, N = 2^16 (Mt = 16), 3 for ATB
 * (Bt = 4) and 2 for ABT (It = 2).
 */
typedef enum { PACK_AB, PACK_ATB, PACK_ABT } pack_op;

/* Operation counts one product costs (key_switches, decompositions, ct_mults,
 * rescales); the same formula as above. */
int pack_matmul_cost(const pack_layout *a, const pack_layout *b, pack_op op,
                     ckks_op_counts *cost);
/* The layout of the product, or PACK_ELAYOUT when a and b do not fit op. */
int pack_matmul_layout(pack_layout *out, const pack_layout *a, const pack_layout *b, pack_op op);
/* *out (allocated here) <- op(A, B). */
int pack_matmul(const ckks_context *ctx, pack_matrix **out, const pack_matrix *a,
                const pack_matrix *b, pack_op op, const ckks_switch_key *rlk,
                const ckks_galois_keys *gk);

/*
 * Operand layouts of op for dimensions b, k, h in grid g under the
 * convention above (both REPLICATED).
 */
int pack_matmul_operands(pack_layout *a, pack_layout *b, const pack_grid *g, pack_op op, int bdim,
                         int kdim, int hdim);
/*
 * A grid for op on b, k, h within 2^max_log_slots slots: the fewest key
 * switches, then the fewest ciphertext multiplications. Tiles fill all
 * 2^max_log_slots slots unless the whole product fits in fewer.
 */
int pack_grid_plan(pack_grid *g, pack_op op, int bdim, int kdim, int hdim, int max_log_slots);

/* ---- rotation-key planning -------------------------------------------------
 * A set of rotation steps, sorted and without duplicates, each normalized
 * to 0..2^log_slots-1 of the ciphertexts that use it (the step that
 * ckks_rotate looks up). */
typedef struct {
    int *steps;
    size_t count, cap;
} pack_keyplan;

void pack_keyplan_init(pack_keyplan *kp);
void pack_keyplan_clear(pack_keyplan *kp);
/* Add steps as ckks_rotate will look them up (already normalized). */
int pack_keyplan_add(pack_keyplan *kp, const int *steps, size_t n);
/* Steps of a product (the sum along the contracted axis). */
int pack_keyplan_add_matmul(pack_keyplan *kp, const pack_layout *a, const pack_layout *b,
                            pack_op op);
/* Steps of pack_replicate on a matrix of layout l. */
int pack_keyplan_add_replicate(pack_keyplan *kp, const pack_layout *l);
int pack_keyplan_add_lintrans(pack_keyplan *kp, const pack_lintrans *lt);
/*
 * Memory of nkeys rotation keys under p: per key, digits * 2 * (nq + np) *
 * N words of 8 bytes, digits = ceil(nq / ceil(nq / dnum)).
 */
size_t pack_keyplan_bytes(const ckks_params *p, size_t nkeys);

#ifdef __cplusplus
}
#endif
#endif
