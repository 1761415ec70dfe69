/* lintrans.c - plaintext matrix times encrypted vector from the matrix's
 * diagonals: baby-step giant-step with single or double hoisting, the
 * diagonals encoded eagerly or inside apply. */
#include "packing/packing.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* One diagonal d = giant * n1 + baby, pre-rotated by -giant * n1: encoded
 * (eager) or as its n values (lazy). */
typedef struct {
    int giant, baby;
    ckks_plaintext *pt;
    double complex *v;
} term;

struct pack_lintrans {
    int log_slots, level, n1, nb, ng, key_switches;
    double scale;
    pack_lt_hoisting hoisting;
    pack_lt_storage storage;
    size_t nterms, max_batch, bytes;
    term *terms; /* sorted by giant step, then baby step */
    int *babies; /* the nb nonzero baby steps, ascending */
};

/* What a plan for one n1 does: distinct nonzero baby and giant steps,
 * diagonals with a nonzero baby step, inner sums of at most
 * PACK_LINTRANS_BATCH terms (calls to ckks_rotate_mul_sum), largest one. */
typedef struct {
    int nb, ng;
    size_t nonzero, batches, max_batch;
} plan_shape;

/* cnt: n ints of scratch. */
static void shape_of(const int *d, size_t nd, int n, int n1, int *cnt, plan_shape *s)
{
    memset(s, 0, sizeof *s);
    memset(cnt, 0, (size_t)n * sizeof *cnt);
    for (size_t i = 0; i < nd; i++) {
        int b = d[i] % n1;
        if (b && !cnt[b]++) s->nb++;
        s->nonzero += b != 0;
    }
    memset(cnt, 0, (size_t)n * sizeof *cnt);
    for (size_t i = 0; i < nd; i++) {
        int g = d[i] / n1;
        if (g && !cnt[g]) s->ng++;
        cnt[g]++;
    }
    for (int g = 0; g < n / n1 + (n % n1 != 0); g++) {
        size_t c = (size_t)cnt[g];
        s->batches += (c + PACK_LINTRANS_BATCH - 1) / PACK_LINTRANS_BATCH;
        if (c > s->max_batch) s->max_batch = c < PACK_LINTRANS_BATCH ? c : PACK_LINTRANS_BATCH;
    }
}

/*
 * Estimated cost of each piece of apply, in passes over one limb of N
 * coefficients: l limbs of Q at the level, k of P, dg digits, e = l + k
 * limbs of the extended basis; an NTT counts 2 passes and a digit's
 * key-switch inner product 0.2 (lazily reduced). These ratios match
 * timings at N = 2^16, l = 11, k = 3, dg = 3 within about 15%.
 */
typedef struct {
    double mul_plain; /* ct (.) pt + add */
    double term;      /* double hoisting: a rotated term in Q u P */
    double term0;     /* double hoisting: a term of baby step 0 */
    double mod_down;  /* one inner sum's ModDown */
    double extend;    /* lazy double hoisting: a plaintext's extension */
    double baby;      /* single hoisting: a hoisted rotation */
    double giant;     /* a full rotation */
} unit_costs;

static unit_costs costs_at(const ckks_context *ctx, int level)
{
    const ckks_params *p = ckks_context_params(ctx);
    double l = level + 1, k = p->np, alpha = (p->nq + p->dnum - 1) / p->dnum;
    double dg = ceil(l / alpha), e = l + k;
    unit_costs u = {.mul_plain = 2 * l, .term = 2 * e + 0.4 * dg * e, .term0 = 2 * l,
                    .mod_down = 4 * e, .extend = 2 * e};
    u.baby = 0.4 * dg * e + u.mod_down + 2 * l;
    u.giant = 2 * dg * e + u.baby;
    return u;
}

static double plan_cost(const unit_costs *u, const plan_shape *s, size_t nd, pack_lt_hoisting h,
                        int lazy)
{
    double c = s->ng * u->giant;
    if (h == PACK_LT_SINGLE) return c + s->nb * u->baby + (double)nd * u->mul_plain;
    return c + (double)s->nonzero * u->term + (double)(nd - s->nonzero) * u->term0 +
           (double)s->batches * u->mod_down + (lazy ? (double)nd * u->extend : 0);
}

static int cmp_term(const void *x, const void *y)
{
    const term *a = x, *b = y;
    if (a->giant != b->giant) return a->giant < b->giant ? -1 : 1;
    return (a->baby > b->baby) - (a->baby < b->baby);
}

void pack_lintrans_free(pack_lintrans *lt)
{
    if (!lt) return;
    for (size_t i = 0; lt->terms && i < lt->nterms; i++) {
        ckks_plaintext_free(lt->terms[i].pt);
        free(lt->terms[i].v);
    }
    free(lt->terms);
    free(lt->babies);
    free(lt);
}

/* pt <- the term's values at `level`, extended to P for double hoisting. */
static int encode_term(const ckks_context *ctx, const pack_lintrans *lt, const double complex *v,
                       int level, ckks_plaintext *pt)
{
    int err = ckks_encode(ctx, pt, v, (size_t)1 << lt->log_slots, lt->log_slots, level, lt->scale);
    return !err && lt->hoisting == PACK_LT_DOUBLE ? ckks_plaintext_extend(ctx, pt) : err;
}

/* Choose n1, the hoisting and the storage for the normalized indices d. */
static void choose_plan(const ckks_context *ctx, pack_lintrans *lt, const int *d, size_t nd,
                        int *cnt, const pack_lintrans_opts *o)
{
    int n = 1 << lt->log_slots;
    size_t eager = nd * ((size_t)lt->level + 1) * ((size_t)8 << ckks_context_logn(ctx));
    lt->storage = o->storage ? o->storage
                             : eager > PACK_LINTRANS_EAGER_BYTES ? PACK_LT_LAZY : PACK_LT_EAGER;
    unit_costs u = costs_at(ctx, lt->level);
    double best = -1;
    int lo = o->baby ? o->baby : 1, hi = o->baby ? o->baby : n;
    for (int n1 = lo; n1 <= hi; n1 <<= 1) {
        plan_shape s;
        shape_of(d, nd, n, n1, cnt, &s);
        for (int h = PACK_LT_SINGLE; h <= PACK_LT_DOUBLE; h++) {
            if (o->hoisting && (int)o->hoisting != h) continue;
            double c = plan_cost(&u, &s, nd, (pack_lt_hoisting)h, lt->storage == PACK_LT_LAZY);
            if (best >= 0 && c >= best) continue;
            best = c;
            lt->n1 = n1;
            lt->hoisting = (pack_lt_hoisting)h;
            lt->nb = s.nb;
            lt->ng = s.ng;
            lt->max_batch = s.max_batch;
            lt->key_switches = s.ng + (h == PACK_LT_SINGLE ? s.nb : (int)s.nonzero);
        }
    }
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
    int *d = malloc(ndiag * sizeof *d);
    int *cnt = malloc((size_t)n * sizeof *cnt);
    double complex *v = malloc((size_t)n * sizeof *v);
    int err = lt && d && cnt && v ? 0 : CKKS_ENOMEM;
    for (size_t i = 0; !err && i < ndiag; i++) {
        d[i] = ((index[i] % n) + n) % n;
        if (!diag[i]) err = CKKS_EINVAL;
    }
    /* duplicates would be silently summed twice */
    if (!err) memset(cnt, 0, (size_t)n * sizeof *cnt);
    for (size_t i = 0; !err && i < ndiag; i++)
        if (cnt[d[i]]++) err = CKKS_EINVAL;
    if (!err) {
        lt->log_slots = log_slots;
        lt->level = level;
        lt->scale = scale;
        choose_plan(ctx, lt, d, ndiag, cnt, o);
        lt->terms = calloc(ndiag, sizeof *lt->terms);
        lt->babies = malloc(((size_t)lt->nb + 1) * sizeof *lt->babies);
        if (!lt->terms || !lt->babies) err = CKKS_ENOMEM;
    }
    size_t limbs = (size_t)level + 1;
    if (lt && lt->hoisting == PACK_LT_DOUBLE) limbs += (size_t)ckks_context_params(ctx)->np;
    for (size_t i = 0; !err && i < ndiag; i++) {
        term *t = &lt->terms[i];
        lt->nterms = i + 1;
        t->giant = d[i] / lt->n1;
        t->baby = d[i] % lt->n1;
        int shift = t->giant * lt->n1;
        double complex *w = lt->storage == PACK_LT_LAZY ? (t->v = malloc((size_t)n * sizeof *v)) : v;
        if (!w) {
            err = CKKS_ENOMEM;
            break;
        }
        for (int j = 0; j < n; j++) w[j] = diag[i][((j - shift) % n + n) % n];
        if (lt->storage == PACK_LT_LAZY) {
            lt->bytes += (size_t)n * sizeof *v;
            continue;
        }
        if (!(t->pt = ckks_plaintext_new(ctx))) err = CKKS_ENOMEM;
        if (!err) err = encode_term(ctx, lt, v, level, t->pt);
        lt->bytes += limbs * ((size_t)8 << ckks_context_logn(ctx));
    }
    if (!err) {
        qsort(lt->terms, ndiag, sizeof *lt->terms, cmp_term);
        memset(cnt, 0, (size_t)n * sizeof *cnt);
        for (size_t i = 0; i < ndiag; i++) cnt[lt->terms[i].baby] = 1;
        int k = 0;
        for (int b = 1; b < lt->n1; b++)
            if (cnt[b]) lt->babies[k++] = b;
    }
    free(d);
    free(cnt);
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

size_t pack_lintrans_steps(const pack_lintrans *lt, int *steps)
{
    if (!lt) return 0;
    size_t k = 0;
    for (int i = 0; i < lt->nb; i++, k++)
        if (steps) steps[k] = lt->babies[i];
    /* giant steps are multiples of n1, all above the baby steps */
    for (size_t i = 0; i < lt->nterms; i++) {
        int g = lt->terms[i].giant;
        if (!g || (i && lt->terms[i - 1].giant == g)) continue;
        if (steps) steps[k] = g * lt->n1;
        k++;
    }
    return k;
}

/* What apply shares between inner sums. */
typedef struct {
    const ckks_ciphertext *in;
    const ckks_ciphertext **rotated; /* single: rot(in, b) for b < n1 */
    ckks_ciphertext **owned;         /* single: the nb baby rotations */
    ckks_decomposition *dec;         /* double: in's decomposition */
    ckks_plaintext **scratch;        /* lazy: max_batch plaintexts */
    const ckks_plaintext **pt;       /* the batch's plaintexts */
    int *steps;                      /* the batch's baby steps */
    ckks_ciphertext *part;
} workspace;

static void workspace_free(const pack_lintrans *lt, workspace *w)
{
    for (int i = 0; w->owned && i < lt->nb; i++) ckks_ciphertext_free(w->owned[i]);
    for (size_t i = 0; w->scratch && i < lt->max_batch; i++) ckks_plaintext_free(w->scratch[i]);
    free(w->owned);
    free(w->scratch);
    free(w->rotated);
    ckks_decomposition_free(w->dec);
    free(w->pt);
    free(w->steps);
    ckks_ciphertext_free(w->part);
}

/* Decompose or hoist-rotate in, and allocate everything else. */
static int workspace_init(const ckks_context *ctx, const pack_lintrans *lt, workspace *w,
                          const ckks_ciphertext *in, const ckks_galois_keys *gk)
{
    memset(w, 0, sizeof *w);
    w->in = in;
    w->pt = malloc(lt->max_batch * sizeof *w->pt);
    w->steps = malloc(lt->max_batch * sizeof *w->steps);
    w->part = ckks_ciphertext_new(ctx);
    if (!w->pt || !w->steps || !w->part) return CKKS_ENOMEM;
    if (lt->storage == PACK_LT_LAZY) {
        if (!(w->scratch = calloc(lt->max_batch, sizeof *w->scratch))) return CKKS_ENOMEM;
        for (size_t i = 0; i < lt->max_batch; i++)
            if (!(w->scratch[i] = ckks_plaintext_new(ctx))) return CKKS_ENOMEM;
    }
    if (lt->hoisting == PACK_LT_DOUBLE) return ckks_decomposition_new(ctx, &w->dec, in);
    w->rotated = calloc((size_t)lt->n1, sizeof *w->rotated);
    w->owned = calloc((size_t)lt->nb + 1, sizeof *w->owned);
    if (!w->rotated || !w->owned) return CKKS_ENOMEM;
    for (int i = 0; i < lt->nb; i++)
        if (!(w->owned[i] = ckks_ciphertext_new(ctx))) return CKKS_ENOMEM;
    int err = ckks_rotate_hoisted(ctx, w->owned, in, lt->babies, (size_t)lt->nb, gk);
    w->rotated[0] = in;
    for (int i = 0; i < lt->nb; i++) w->rotated[lt->babies[i]] = w->owned[i];
    return err;
}

/* acc (+)= sum over terms [i, j) of one giant step of pt (.) rot(in, baby). */
static int inner_batch(const ckks_context *ctx, const pack_lintrans *lt, workspace *w, size_t i,
                       size_t j, ckks_ciphertext *acc, int first, const ckks_galois_keys *gk)
{
    int err = 0, level = ckks_ciphertext_level(w->in);
    for (size_t k = i; !err && k < j; k++) {
        const term *t = &lt->terms[k];
        w->steps[k - i] = t->baby;
        w->pt[k - i] = t->pt;
        if (lt->storage == PACK_LT_LAZY) {
            err = encode_term(ctx, lt, t->v, level, w->scratch[k - i]);
            w->pt[k - i] = w->scratch[k - i];
        }
    }
    if (!err && lt->hoisting == PACK_LT_DOUBLE) {
        err = ckks_rotate_mul_sum(ctx, first ? acc : w->part, w->in, w->dec, w->steps, w->pt, j - i, gk);
        return !err && !first ? ckks_add(ctx, acc, acc, w->part) : err;
    }
    for (size_t k = i; !err && k < j; k++, first = 0) {
        err = ckks_mul_plain(ctx, first ? acc : w->part, w->rotated[w->steps[k - i]], w->pt[k - i]);
        if (!err && !first) err = ckks_add(ctx, acc, acc, w->part);
    }
    return err;
}

int pack_lintrans_apply(const ckks_context *ctx, ckks_ciphertext *out, const ckks_ciphertext *in,
                        const pack_lintrans *lt, const ckks_galois_keys *gk)
{
    if (!ctx || !out || !in || !lt || out == in) return CKKS_EINVAL;
    if (ckks_ciphertext_log_slots(in) != lt->log_slots) return CKKS_ESLOTS;
    if (ckks_ciphertext_level(in) > lt->level) return CKKS_ELEVEL;
    workspace w;
    ckks_ciphertext *inner = ckks_ciphertext_new(ctx);
    int err = workspace_init(ctx, lt, &w, in, gk);
    if (!err && !inner) err = CKKS_ENOMEM;
    for (size_t i = 0; !err && i < lt->nterms;) {
        int g = lt->terms[i].giant;
        size_t end = i;
        while (end < lt->nterms && lt->terms[end].giant == g) end++;
        for (size_t k = i; !err && k < end; k += PACK_LINTRANS_BATCH) {
            size_t stop = end - k < PACK_LINTRANS_BATCH ? end : k + PACK_LINTRANS_BATCH;
            err = inner_batch(ctx, lt, &w, k, stop, inner, k == i, gk);
        }
        if (!err && g) err = ckks_rotate(ctx, inner, inner, g * lt->n1, gk);
        if (!err) err = i ? ckks_add(ctx, out, out, inner) : ckks_ciphertext_copy(out, inner);
        i = end;
    }
    workspace_free(lt, &w);
    ckks_ciphertext_free(inner);
    return err;
}
