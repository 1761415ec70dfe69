/* lintrans.c - plaintext matrix times encrypted vector from the matrix's
 * diagonals: baby-step giant-step with single or double hoisting and the
 * giant steps by Horner's rule, the diagonals encoded eagerly or (from
 * their integer coefficients) inside apply. */
#include "packing/packing.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* One diagonal d = giant * n1 + baby, pre-rotated by -giant * n1: encoded
 * (eager) or, lazily, as the 2n integer coefficients of its encoding (its n
 * values when those do not fit int64); col is the rank of its baby step
 * among the distinct ones. */
typedef struct {
    int giant, baby, col;
    ckks_plaintext *pt;
    int64_t *coef;
    double complex *v;
} term;

struct pack_lintrans {
    int log_slots, level, n1, nb, ng, ncols, key_switches;
    double scale;
    pack_lt_hoisting hoisting;
    pack_lt_storage storage;
    size_t nterms, nbatches, max_call, max_giants, bytes, nsteps;
    term *terms;       /* sorted by giant step, then baby step */
    int *cols;         /* the ncols distinct baby steps (0 included), ascending */
    size_t *batch_end; /* the term ending each batch of giant steps */
    int *steps;        /* pack_bsgs_steps of the plan */
};

/*
 * How apply is cut: batches of giant steps (single hoisting: one each;
 * double hoisting: as many as the batch budget admits), each split into
 * calls by chunks of PACK_LINTRANS_BATCH consecutive baby steps (one
 * ckks_rotate_mul_sums, or up to that many lazy encodings). Counts:
 * distinct nonzero baby and giant steps, baby key switches over all
 * batches, inner sums (ModDowns) over all calls, the most terms of a call
 * and giant steps of a batch.
 */
typedef struct {
    int nb, ng, ncols;
    size_t babies, sums, batches, max_call, max_giants;
} plan_shape;

/* Bytes a batch of double hoisting holds per inner sum (its output over Q
 * and P, and ckks_rotate_mul_sums' room for its P limbs), per partial sum
 * (when a giant step's baby steps take several calls) and per lazy
 * plaintext, and the most it may hold. */
typedef struct {
    size_t sum, part, pt, budget;
} batch_sizes;

/* Scratch of shape_of: n ints each. */
typedef struct {
    int *col, *seen, *chunk, *count;
} shape_scratch;

/* Account terms [i0, i1) of the sorted indices d as one batch. */
static void add_batch(const int *d, size_t i0, size_t i1, int n1, const shape_scratch *w,
                      plan_shape *s, size_t *ends)
{
    int id = (int)++s->batches; /* stamps seen and chunk */
    if (ends) ends[id - 1] = i1;
    size_t giants = 0;
    for (size_t k = i0; k < i1; k++) {
        int b = d[k] % n1, c = (w->col[b] - 1) / PACK_LINTRANS_BATCH;
        int new_giant = k == i0 || d[k - 1] / n1 != d[k] / n1;
        giants += (size_t)new_giant;
        if (b && w->seen[b] != id) w->seen[b] = id, s->babies++;
        if (w->chunk[c] != id) w->chunk[c] = id, w->count[c] = 0;
        if ((size_t)++w->count[c] > s->max_call) s->max_call = (size_t)w->count[c];
        if (new_giant || (w->col[d[k - 1] % n1] - 1) / PACK_LINTRANS_BATCH != c) s->sums++;
    }
    if (giants > s->max_giants) s->max_giants = giants;
}

/* The shape of the plan (n1, double or single) for the ascending indices d;
 * writes the batch ends when ends != NULL. */
static void shape_of(const int *d, size_t nd, int n, int n1, int dbl, const batch_sizes *z,
                     const shape_scratch *w, plan_shape *s, size_t *ends)
{
    memset(s, 0, sizeof *s);
    memset(w->col, 0, (size_t)n * sizeof *w->col);
    memset(w->seen, 0, (size_t)n * sizeof *w->seen);
    memset(w->chunk, 0, (size_t)n * sizeof *w->chunk);
    for (size_t i = 0; i < nd; i++) w->col[d[i] % n1] = 1;
    for (int b = 0; b < n1; b++)
        if (w->col[b]) w->col[b] = ++s->ncols; /* rank + 1 */
    s->nb = s->ncols - (w->col[0] != 0);
    size_t start = 0, bytes = 0;
    for (size_t i = 0; i < nd;) {
        int g = d[i] / n1;
        size_t j = i;
        while (j < nd && d[j] / n1 == g) j++;
        s->ng += g != 0;
        size_t live = j - i < PACK_LINTRANS_BATCH ? j - i : PACK_LINTRANS_BATCH;
        size_t gb = z->sum + (s->ncols > PACK_LINTRANS_BATCH ? z->part : 0) + live * z->pt;
        if (i > start && (!dbl || bytes + gb > z->budget)) {
            add_batch(d, start, i, n1, w, s, ends);
            start = i;
            bytes = 0;
        }
        bytes += gb;
        i = j;
    }
    add_batch(d, start, nd, n1, w, s, ends);
}

/*
 * Estimated cost of each piece of apply, in passes over one limb of N
 * coefficients: l limbs of Q at the level, k of P, dg digits, e = l + k
 * limbs of the extended basis. Fitted to timings at N = 2^16, l = 11,
 * k = 3, dg = 3 (one pass about 0.25 ms there), within about 10%: an NTT
 * counts 2 passes (so ckks_encode_extended costs 2 k more than an encode),
 * a digit's key-switch inner product 1.25 per limb (its
 * rotation and the ciphertext's own part included), a ModDown 5 e. A term
 * of ckks_rotate_mul_sums accumulates in e limbs; it slows as more baby
 * terms compete for the cache.
 */
typedef struct {
    double mul_plain; /* single: ct (.) pt + add */
    double baby;      /* single: a hoisted rotation */
    double inner;     /* double: a baby step's key-switch inner product */
    double sum;       /* double: an inner sum's ModDown and copy out */
    double extend;    /* lazy double: encoding a plaintext's P limbs too */
    double giant;     /* a full rotation */
    double e;         /* double: a term costs e (0.7 + baby steps per call / 128) */
} unit_costs;

static unit_costs costs_at(const ckks_context *ctx, int level)
{
    const ckks_params *p = ckks_context_params(ctx);
    double l = level + 1, k = p->np, alpha = (p->nq + p->dnum - 1) / p->dnum;
    double dg = ceil(l / alpha), e = l + k;
    unit_costs u = {.mul_plain = 2 * l, .inner = 1.25 * dg * e, .sum = 5 * e + 3 * l,
                    .extend = 2 * k, .e = e};
    u.baby = u.inner + 5 * e;
    u.giant = 2 * dg * e + l + u.baby;
    return u;
}

static double plan_cost(const unit_costs *u, const plan_shape *s, size_t nd, int dbl, int lazy)
{
    double c = s->ng * u->giant;
    if (!dbl) return c + s->nb * u->baby + (double)nd * u->mul_plain;
    int per_call = s->ncols < PACK_LINTRANS_BATCH ? s->ncols : PACK_LINTRANS_BATCH;
    double term = u->e * (0.7 + per_call / 128.0);
    return c + (double)s->babies * u->inner + (double)nd * term + (double)s->sums * u->sum +
           (lazy ? (double)nd * u->extend : 0);
}

static int cmp_int(const void *x, const void *y)
{
    int a = *(const int *)x, b = *(const int *)y;
    return (a > b) - (a < b);
}

void pack_lintrans_free(pack_lintrans *lt)
{
    if (!lt) return;
    for (size_t i = 0; lt->terms && i < lt->nterms; i++) {
        ckks_plaintext_free(lt->terms[i].pt);
        free(lt->terms[i].coef);
        free(lt->terms[i].v);
    }
    free(lt->terms);
    free(lt->cols);
    free(lt->batch_end);
    free(lt->steps);
    free(lt);
}

/* pt <- a term given by its coefficients or (coef NULL) its values v at
 * `level`, extended to P for double hoisting. */
static int encode_term(const ckks_context *ctx, const pack_lintrans *lt, const int64_t *coef,
                       const double complex *v, int level, ckks_plaintext *pt)
{
    size_t n = (size_t)1 << lt->log_slots;
    int dbl = lt->hoisting == PACK_LT_DOUBLE;
    if (coef)
        return ckks_plaintext_from_coeffs(ctx, pt, coef, lt->log_slots, level, lt->scale, dbl);
    return dbl ? ckks_encode_extended(ctx, pt, v, n, lt->log_slots, level, lt->scale)
               : ckks_encode(ctx, pt, v, n, lt->log_slots, level, lt->scale);
}

/* Keep a lazy term's values v as the coefficients of their encoding, or as
 * they are when those would not fit (a huge scale). */
static int store_lazy(const ckks_context *ctx, pack_lintrans *lt, term *t,
                      const double complex *v)
{
    size_t n = (size_t)1 << lt->log_slots;
    if (!(t->coef = malloc(2 * n * sizeof *t->coef))) return CKKS_ENOMEM;
    int err = ckks_encode_to_coeffs(ctx, t->coef, v, n, lt->log_slots, lt->scale);
    if (err != CKKS_EOVERFLOW) {
        lt->bytes += 2 * n * sizeof *t->coef;
        return err;
    }
    free(t->coef);
    t->coef = NULL;
    if (!(t->v = malloc(n * sizeof *t->v))) return CKKS_ENOMEM;
    memcpy(t->v, v, n * sizeof *v);
    lt->bytes += n * sizeof *v;
    return 0;
}

/* Choose n1, the hoisting and the storage for the ascending indices d, then
 * cut the plan into batches (lt->batch_end) and record its baby and
 * rotation steps. */
static int choose_plan(const ckks_context *ctx, pack_lintrans *lt, const int *d, size_t nd,
                       const double complex *const *diag, const shape_scratch *w,
                       const pack_lintrans_opts *o)
{
    const ckks_params *p = ckks_context_params(ctx);
    int n = 1 << lt->log_slots;
    size_t limb = (size_t)8 << ckks_context_logn(ctx), q = (size_t)lt->level + 1;
    /* a plaintext's limbs are shorter when its slots repeat */
    size_t all = 0, pt_limb = 0;
    for (size_t i = 0; i < nd; i++) {
        size_t b = 8 * ckks_encode_limb_words(ctx, diag[i], (size_t)n, lt->log_slots);
        all += b;
        pt_limb = b > pt_limb ? b : pt_limb;
    }
    size_t eager = all * (q + (size_t)p->np);
    lt->storage = o->storage ? o->storage
                             : eager > PACK_LINTRANS_EAGER_BYTES ? PACK_LT_LAZY : PACK_LT_EAGER;
    int lazy = lt->storage == PACK_LT_LAZY;
    batch_sizes z = {.sum = (2 * q + 4 * (size_t)p->np) * limb,
                     .part = 2 * (q + (size_t)p->np) * limb,
                     .pt = lazy ? (q + (size_t)p->np) * pt_limb : 0,
                     .budget = o->batch_bytes ? o->batch_bytes : PACK_LINTRANS_BATCH_BYTES};
    unit_costs u = costs_at(ctx, lt->level);
    double best = -1;
    int lo = o->baby ? o->baby : 1, hi = o->baby ? o->baby : n;
    for (int n1 = lo; n1 <= hi; n1 <<= 1) {
        for (int h = PACK_LT_SINGLE; h <= PACK_LT_DOUBLE; h++) {
            if (o->hoisting && (int)o->hoisting != h) continue;
            plan_shape s;
            shape_of(d, nd, n, n1, h == PACK_LT_DOUBLE, &z, w, &s, NULL);
            double c = plan_cost(&u, &s, nd, h == PACK_LT_DOUBLE, lazy);
            if (best >= 0 && c >= best) continue;
            best = c;
            lt->n1 = n1;
            lt->hoisting = (pack_lt_hoisting)h;
        }
    }
    int dbl = lt->hoisting == PACK_LT_DOUBLE;
    /* at most nd batches and distinct baby steps */
    lt->batch_end = malloc(nd * sizeof *lt->batch_end);
    lt->cols = malloc(nd * sizeof *lt->cols);
    if (!lt->batch_end || !lt->cols) return CKKS_ENOMEM;
    plan_shape s;
    shape_of(d, nd, n, lt->n1, dbl, &z, w, &s, lt->batch_end);
    for (int b = 0; b < lt->n1; b++)
        if (w->col[b]) lt->cols[w->col[b] - 1] = b;
    lt->nb = s.nb;
    lt->ng = s.ng;
    lt->ncols = s.ncols;
    lt->nbatches = s.batches;
    lt->max_call = s.max_call;
    lt->max_giants = s.max_giants;
    lt->key_switches = s.ng + (dbl ? (int)s.babies : s.nb);
    int count = pack_bsgs_steps(lt->log_slots, d, nd, lt->n1, NULL, NULL, NULL);
    if (count < 0) return count;
    lt->nsteps = (size_t)count;
    if (!(lt->steps = malloc((lt->nsteps ? lt->nsteps : 1) * sizeof *lt->steps)))
        return CKKS_ENOMEM;
    count = pack_bsgs_steps(lt->log_slots, d, nd, lt->n1, NULL, NULL, lt->steps);
    return count < 0 ? count : 0;
}

int pack_lintrans_new_opts(const ckks_context *ctx, pack_lintrans **out, int log_slots,
                           const int *index, const double complex *const *diag, size_t ndiag,
                           int level, double scale, const pack_lintrans_opts *opts)
{
    static const pack_lintrans_opts automatic = {0};
    const pack_lintrans_opts *o = opts ? opts : &automatic;
    if (!ctx || !out || !index || !diag || !ndiag) return CKKS_EINVAL;
    if (log_slots < 0 || log_slots > ckks_context_max_log_slots(ctx)) return CKKS_ESLOTS;
    if (level < 0 || level > ckks_context_max_level(ctx)) return CKKS_ELEVEL;
    int n = 1 << log_slots;
    if (o->baby < 0 || o->baby > n || ndiag > (size_t)n) return CKKS_EINVAL;
    if ((unsigned)o->hoisting > PACK_LT_DOUBLE || (unsigned)o->storage > PACK_LT_LAZY)
        return CKKS_EINVAL;
    pack_lintrans *lt = calloc(1, sizeof *lt);
    int *d = malloc(ndiag * sizeof *d), *src = calloc((size_t)n, sizeof *src);
    int *scratch = malloc(4 * (size_t)n * sizeof *scratch);
    double complex *v = malloc((size_t)n * sizeof *v);
    int err = lt && d && src && scratch && v ? 0 : CKKS_ENOMEM;
    /* src[d] = 1 + the diagonal's input position; duplicates would be
     * silently summed twice */
    for (size_t i = 0; !err && i < ndiag; i++) {
        d[i] = ((index[i] % n) + n) % n;
        if (!diag[i] || src[d[i]]) err = CKKS_EINVAL;
        else src[d[i]] = (int)i + 1;
    }
    shape_scratch w = {scratch, scratch + n, scratch + 2 * n, scratch + 3 * n};
    if (!err) {
        qsort(d, ndiag, sizeof *d, cmp_int);
        lt->log_slots = log_slots;
        lt->level = level;
        lt->scale = scale;
        err = choose_plan(ctx, lt, d, ndiag, diag, &w, o);
        if (!err && !(lt->terms = calloc(ndiag, sizeof *lt->terms))) err = CKKS_ENOMEM;
    }
    size_t limbs = (size_t)level + 1;
    if (lt && lt->hoisting == PACK_LT_DOUBLE) limbs += (size_t)ckks_context_params(ctx)->np;
    for (size_t i = 0; !err && i < ndiag; i++) {
        term *t = &lt->terms[i];
        const double complex *dv = diag[src[d[i]] - 1];
        lt->nterms = i + 1;
        t->giant = d[i] / lt->n1;
        t->baby = d[i] % lt->n1;
        t->col = w.col[t->baby] - 1; /* ranks of the chosen plan's baby steps */
        int shift = t->giant * lt->n1;
        for (int j = 0; j < n; j++) v[j] = dv[((j - shift) % n + n) % n];
        if (lt->storage == PACK_LT_LAZY) {
            err = store_lazy(ctx, lt, t, v);
            continue;
        }
        if (!(t->pt = ckks_plaintext_new(ctx))) err = CKKS_ENOMEM;
        if (!err) err = encode_term(ctx, lt, NULL, v, level, t->pt);
        lt->bytes += limbs * 8 * ckks_encode_limb_words(ctx, v, (size_t)n, log_slots);
    }
    free(d);
    free(src);
    free(scratch);
    free(v);
    if (err) {
        pack_lintrans_free(lt);
        return err;
    }
    *out = lt;
    return 0;
}

int pack_lintrans_new(const ckks_context *ctx, pack_lintrans **out, int log_slots,
                      const int *index, const double complex *const *diag, size_t ndiag,
                      int level, double scale, int baby)
{
    pack_lintrans_opts o = {.baby = baby};
    return pack_lintrans_new_opts(ctx, out, log_slots, index, diag, ndiag, level, scale, &o);
}

int pack_lintrans_from_matrix_opts(const ckks_context *ctx, pack_lintrans **out, int log_slots,
                                   const double complex *m, int rows, int cols, int level,
                                   double scale, const pack_lintrans_opts *opts)
{
    if (!ctx || !out || !m || log_slots < 0 || log_slots > ckks_context_max_log_slots(ctx))
        return CKKS_EINVAL;
    int n = 1 << log_slots;
    if (rows < 1 || cols < 1 || rows > n || cols > n) return CKKS_EINVAL;
    int *index = malloc((size_t)n * sizeof *index);
    double complex **diag = calloc((size_t)n, sizeof *diag);
    int err = index && diag ? 0 : CKKS_ENOMEM;
    size_t nd = 0;
    for (int dd = 0; !err && dd < n; dd++) {
        double complex *v = calloc((size_t)n, sizeof *v);
        if (!v) {
            err = CKKS_ENOMEM;
            break;
        }
        int nonzero = 0;
        for (int j = 0; j < rows; j++) {
            int c = (j + dd) % n;
            if (c < cols && (v[j] = m[(size_t)j * (size_t)cols + (size_t)c]) != 0) nonzero = 1;
        }
        if (!nonzero) {
            free(v);
            continue;
        }
        index[nd] = dd;
        diag[nd++] = v;
    }
    if (!err && !nd) err = CKKS_EINVAL; /* the zero matrix has no plan */
    if (!err)
        err = pack_lintrans_new_opts(ctx, out, log_slots, index,
                                     (const double complex *const *)diag, nd, level, scale, opts);
    for (size_t i = 0; diag && i < nd; i++) free(diag[i]);
    free(diag);
    free(index);
    return err;
}

int pack_lintrans_from_matrix(const ckks_context *ctx, pack_lintrans **out, int log_slots,
                              const double complex *m, int rows, int cols, int level,
                              double scale, int baby)
{
    pack_lintrans_opts o = {.baby = baby};
    return pack_lintrans_from_matrix_opts(ctx, out, log_slots, m, rows, cols, level, scale, &o);
}

int pack_lintrans_baby(const pack_lintrans *lt) { return lt ? lt->n1 : 0; }
int pack_lintrans_key_switches(const pack_lintrans *lt) { return lt ? lt->key_switches : 0; }
int pack_lintrans_log_slots(const pack_lintrans *lt) { return lt ? lt->log_slots : 0; }
pack_lt_hoisting pack_lintrans_hoisting(const pack_lintrans *lt)
{
    return lt ? lt->hoisting : PACK_LT_AUTO;
}
pack_lt_storage pack_lintrans_storage(const pack_lintrans *lt)
{
    return lt ? lt->storage : PACK_LT_STORE_AUTO;
}
size_t pack_lintrans_bytes(const pack_lintrans *lt) { return lt ? lt->bytes : 0; }
size_t pack_lintrans_batches(const pack_lintrans *lt) { return lt ? lt->nbatches : 0; }

int pack_bsgs_steps(int log_slots, const int *index, size_t ndiag, int n1, int *nb, int *ng,
                    int *steps)
{
    if (log_slots < 0 || log_slots > 16 || (ndiag && !index)) return CKKS_EINVAL;
    int n = 1 << log_slots;
    if (n1 < 1 || n1 > n) return CKKS_EINVAL;
    /* mark[s] & 1: s is a step (baby steps below n1, Horner steps
     * multiples of n1); mark[g] & 2: giant step g is present */
    unsigned char *mark = calloc((size_t)n, 1);
    if (!mark) return CKKS_ENOMEM;
    for (size_t i = 0; i < ndiag; i++) {
        int d = (index[i] % n + n) % n;
        mark[d % n1] |= 1;
        mark[d / n1] |= 2;
    }
    int babies = 0, giants = 0, count = 0;
    for (int b = 1; b < n1; b++) babies += mark[b] & 1;
    for (int g = 1, prev = 0; g * n1 < n; g++)
        if (mark[g] & 2) {
            mark[(g - prev) * n1] |= 1;
            prev = g;
            giants++;
        }
    for (int s = 1; s < n; s++)
        if (mark[s] & 1) {
            if (steps) steps[count] = s;
            count++;
        }
    free(mark);
    if (nb) *nb = babies;
    if (ng) *ng = giants;
    return count;
}

size_t pack_lintrans_steps(const pack_lintrans *lt, int *steps)
{
    if (!lt) return 0;
    if (steps) memcpy(steps, lt->steps, lt->nsteps * sizeof *steps);
    return lt->nsteps;
}

/* What apply shares between batches. */
typedef struct {
    const ckks_ciphertext *in;
    const ckks_galois_keys *gk;
    int level;
    const ckks_decomposition *dec;   /* double: in's decomposition */
    ckks_decomposition *own_dec;     /* dec when made here */
    const ckks_ciphertext **rotated; /* single: rot(in, cols[c]) */
    ckks_ciphertext **owned;         /* single: the nb baby rotations */
    ckks_plaintext **scratch;        /* lazy: max_call plaintexts */
    const ckks_plaintext **pt;       /* double: a call's max_giants x PACK_LINTRANS_BATCH */
    ckks_ciphertext **acc, **part;   /* single: max_giants inner sums, and partial ones */
    ckks_ext_ciphertext **xacc, **xpart; /* double: the same over Q u P (ModDown pending) */
    ckks_ext_ciphertext **outs;      /* double: a call's outputs */
    size_t *giant;                   /* double: their giant steps in the batch */
    char *have;                      /* acc[g] holds a partial sum */
} workspace;

static void workspace_free(const pack_lintrans *lt, workspace *w)
{
    for (int i = 0; w->owned && i < lt->nb; i++) ckks_ciphertext_free(w->owned[i]);
    for (size_t i = 0; w->scratch && i < lt->max_call; i++) ckks_plaintext_free(w->scratch[i]);
    for (size_t i = 0; w->acc && i < lt->max_giants; i++) ckks_ciphertext_free(w->acc[i]);
    for (size_t i = 0; w->part && i < lt->max_giants; i++) ckks_ciphertext_free(w->part[i]);
    for (size_t i = 0; w->xacc && i < lt->max_giants; i++) ckks_ext_ciphertext_free(w->xacc[i]);
    for (size_t i = 0; w->xpart && i < lt->max_giants; i++) ckks_ext_ciphertext_free(w->xpart[i]);
    free(w->owned);
    free(w->scratch);
    free(w->rotated);
    ckks_decomposition_free(w->own_dec);
    free(w->pt);
    free(w->acc);
    free(w->part);
    free(w->xacc);
    free(w->xpart);
    free(w->outs);
    free(w->giant);
    free(w->have);
}

/* Decompose (unless d is given) or hoist-rotate in, and allocate
 * everything else. */
static int workspace_init(const ckks_context *ctx, const pack_lintrans *lt, workspace *w,
                          const ckks_ciphertext *in, const ckks_decomposition *d,
                          const ckks_galois_keys *gk)
{
    size_t ng = lt->max_giants;
    memset(w, 0, sizeof *w);
    w->in = in;
    w->gk = gk;
    w->level = ckks_ciphertext_level(in);
    int dbl = lt->hoisting == PACK_LT_DOUBLE;
    w->have = malloc(ng);
    if (!w->have) return CKKS_ENOMEM;
    if (dbl) {
        w->xacc = calloc(ng, sizeof *w->xacc);
        w->xpart = calloc(ng, sizeof *w->xpart);
        if (!w->xacc || !w->xpart) return CKKS_ENOMEM;
        for (size_t i = 0; i < ng; i++)
            if (!(w->xacc[i] = ckks_ext_ciphertext_new(ctx)) ||
                !(w->xpart[i] = ckks_ext_ciphertext_new(ctx)))
                return CKKS_ENOMEM;
    } else {
        w->acc = calloc(ng, sizeof *w->acc);
        w->part = calloc(ng, sizeof *w->part);
        if (!w->acc || !w->part) return CKKS_ENOMEM;
        for (size_t i = 0; i < ng; i++)
            if (!(w->acc[i] = ckks_ciphertext_new(ctx)) || !(w->part[i] = ckks_ciphertext_new(ctx)))
                return CKKS_ENOMEM;
    }
    if (lt->storage == PACK_LT_LAZY) {
        if (!(w->scratch = calloc(lt->max_call, sizeof *w->scratch))) return CKKS_ENOMEM;
        for (size_t i = 0; i < lt->max_call; i++)
            if (!(w->scratch[i] = ckks_plaintext_new(ctx))) return CKKS_ENOMEM;
    }
    if (dbl) {
        w->pt = malloc(ng * PACK_LINTRANS_BATCH * sizeof *w->pt);
        w->outs = malloc(ng * sizeof *w->outs);
        w->giant = malloc(ng * sizeof *w->giant);
        if (!w->pt || !w->outs || !w->giant) return CKKS_ENOMEM;
        if ((w->dec = d)) return 0;
        int err = ckks_decomposition_new(ctx, &w->own_dec, in);
        w->dec = w->own_dec;
        return err;
    }
    w->rotated = calloc((size_t)lt->ncols, sizeof *w->rotated);
    w->owned = calloc((size_t)lt->nb + 1, sizeof *w->owned);
    if (!w->rotated || !w->owned) return CKKS_ENOMEM;
    for (int i = 0; i < lt->nb; i++)
        if (!(w->owned[i] = ckks_ciphertext_new(ctx))) return CKKS_ENOMEM;
    int zero = lt->cols[0] == 0;
    int err = ckks_rotate_hoisted(ctx, w->owned, in, lt->cols + zero, (size_t)lt->nb, gk);
    if (zero) w->rotated[0] = in;
    for (int i = 0; i < lt->nb; i++) w->rotated[i + zero] = w->owned[i];
    return err;
}

/*
 * One call: the terms of batch [i0, i1) whose baby step is in chunk c are
 * added to the inner sums acc[] of their giant steps (numbered from 0 in
 * the batch). Lazy plaintexts are encoded here, at the input's level.
 */
static int inner_call(const ckks_context *ctx, const pack_lintrans *lt, workspace *w, size_t i0,
                      size_t i1, int c)
{
    int dbl = lt->hoisting == PACK_LT_DOUBLE, map[PACK_LINTRANS_BATCH], steps[PACK_LINTRANS_BATCH];
    int first = c * PACK_LINTRANS_BATCH, nbc = 0, err = 0;
    memset(map, 0, sizeof map);
    for (size_t k = i0; k < i1; k++)
        if (lt->terms[k].col / PACK_LINTRANS_BATCH == c) map[lt->terms[k].col - first] = 1;
    for (int j = 0; j < PACK_LINTRANS_BATCH; j++)
        if (map[j]) steps[nbc] = lt->cols[first + j], map[j] = nbc++;
    if (!nbc) return 0;
    size_t gi = 0, m = 0, ngc = 0;
    for (size_t k = i0; !err && k < i1; k++) {
        const term *t = &lt->terms[k];
        if (k > i0 && t->giant != t[-1].giant) gi++;
        if (t->col / PACK_LINTRANS_BATCH != c) continue;
        const ckks_plaintext *pt = t->pt;
        if (lt->storage == PACK_LT_LAZY) {
            err = encode_term(ctx, lt, t->coef, t->v, w->level, w->scratch[m]);
            pt = w->scratch[m++];
        }
        if (dbl) {
            /* one output row per giant step, NULL where a baby step is unused */
            if (!ngc || w->giant[ngc - 1] != gi) {
                w->giant[ngc] = gi;
                w->outs[ngc++] = w->have[gi] ? w->xpart[gi] : w->xacc[gi];
                for (int j = 0; j < nbc; j++) w->pt[(ngc - 1) * (size_t)nbc + (size_t)j] = NULL;
            }
            w->pt[(ngc - 1) * (size_t)nbc + (size_t)map[t->col - first]] = pt;
            continue;
        }
        ckks_ciphertext *dst = w->have[gi] ? w->part[gi] : w->acc[gi];
        if (!err) err = ckks_mul_plain(ctx, dst, w->rotated[t->col], pt);
        if (!err && w->have[gi]) err = ckks_add(ctx, w->acc[gi], w->acc[gi], dst);
        w->have[gi] = 1;
    }
    if (!dbl || err) return err;
    err = ckks_rotate_mul_sums_ext(ctx, w->outs, ngc, w->in, w->dec, steps, (size_t)nbc, w->pt,
                                   w->gk);
    for (size_t j = 0; !err && j < ngc; j++) {
        size_t g = w->giant[j];
        if (w->have[g]) err = ckks_ext_add(ctx, w->xacc[g], w->xacc[g], w->xpart[g]);
        w->have[g] = 1;
    }
    return err;
}

/*
 * Fold the inner sums of batch [i0, i1) into out by Horner's rule, giant
 * steps descending: out <- A_g + rot(out, (*prev - g) n1), *prev being the
 * giant step out stands at (-1 while out is empty), so that the keys are
 * those of the differences of consecutive giant steps only. With double
 * hoisting A_g is still over Q u P: the rotation's ModDown is its own.
 */
static int fold_batch(const ckks_context *ctx, const pack_lintrans *lt, const workspace *w,
                      size_t i0, size_t i1, ckks_ciphertext *out, int *prev)
{
    size_t gi = 0; /* the batch's last inner sum */
    for (size_t k = i0 + 1; k < i1; k++) gi += lt->terms[k].giant != lt->terms[k - 1].giant;
    int err = 0;
    for (size_t k = i1; !err && k-- > i0;) {
        int g = lt->terms[k].giant;
        if (k > i0 && lt->terms[k - 1].giant == g) continue;
        int step = (*prev - g) * lt->n1;
        if (w->xacc) {
            const ckks_ext_ciphertext *a = w->xacc[gi--];
            err = *prev < 0 ? ckks_mod_down(ctx, out, a)
                            : ckks_rotate_add_ext(ctx, out, out, step, a, w->gk);
        } else {
            const ckks_ciphertext *a = w->acc[gi--];
            if (*prev < 0) {
                err = ckks_ciphertext_copy(out, a);
            } else {
                err = ckks_rotate(ctx, out, out, step, w->gk);
                if (!err) err = ckks_add(ctx, out, out, a);
            }
        }
        *prev = g;
    }
    return err;
}

static int apply(const ckks_context *ctx, ckks_ciphertext *out, const ckks_ciphertext *in,
                 const ckks_decomposition *d, const pack_lintrans *lt, const ckks_galois_keys *gk)
{
    if (!ctx || !out || !in || !lt || out == in) return CKKS_EINVAL;
    if (ckks_ciphertext_log_slots(in) != lt->log_slots) return CKKS_ESLOTS;
    if (ckks_ciphertext_level(in) > lt->level) return CKKS_ELEVEL;
    workspace w;
    int err = workspace_init(ctx, lt, &w, in, d, gk);
    int chunks = (lt->ncols + PACK_LINTRANS_BATCH - 1) / PACK_LINTRANS_BATCH, prev = -1;
    /* batches are independent: the last first, for Horner's rule */
    for (size_t b = lt->nbatches; !err && b-- > 0;) {
        size_t i0 = b ? lt->batch_end[b - 1] : 0, i1 = lt->batch_end[b];
        memset(w.have, 0, lt->max_giants);
        for (int c = 0; !err && c < chunks; c++) err = inner_call(ctx, lt, &w, i0, i1, c);
        if (!err) err = fold_batch(ctx, lt, &w, i0, i1, out, &prev);
    }
    if (!err && prev > 0) err = ckks_rotate(ctx, out, out, prev * lt->n1, gk);
    workspace_free(lt, &w);
    return err;
}

int pack_lintrans_apply(const ckks_context *ctx, ckks_ciphertext *out, const ckks_ciphertext *in,
                        const pack_lintrans *lt, const ckks_galois_keys *gk)
{
    return apply(ctx, out, in, NULL, lt, gk);
}

int pack_lintrans_apply_decomposed(const ckks_context *ctx, ckks_ciphertext *out,
                                   const ckks_ciphertext *in, const ckks_decomposition *d,
                                   const pack_lintrans *lt, const ckks_galois_keys *gk)
{
    if (!d || !lt || lt->hoisting != PACK_LT_DOUBLE) return CKKS_EINVAL;
    return apply(ctx, out, in, d, lt, gk);
}
