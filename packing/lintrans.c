/* lintrans.c - plaintext matrix times encrypted vector from the matrix's
 * diagonals: baby-step giant-step with hoisted baby steps. */
#include "packing/packing.h"

#include <stdlib.h>
#include <string.h>

/* One diagonal d = giant * n1 + baby, pre-rotated by -giant * n1. */
typedef struct {
    int giant, baby;
    ckks_plaintext *pt;
} term;

struct pack_lintrans {
    int log_slots, n1, nb, ng;
    size_t nterms;
    term *terms; /* sorted by giant step, then baby step */
    int *babies; /* the nb nonzero baby steps, ascending */
};

/* Distinct nonzero baby and giant steps of the diagonals for this n1. */
static void count_steps(const int *d, size_t nd, int n, int n1, char *seen, int *nb, int *ng)
{
    memset(seen, 0, (size_t)n);
    *nb = *ng = 0;
    for (size_t i = 0; i < nd; i++) {
        int b = d[i] % n1;
        if (b && !seen[b]) (*nb)++, seen[b] = 1;
    }
    memset(seen, 0, (size_t)n);
    for (size_t i = 0; i < nd; i++) {
        int g = d[i] / n1;
        if (g && !seen[g]) (*ng)++, seen[g] = 1;
    }
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
    for (size_t i = 0; lt->terms && i < lt->nterms; i++) ckks_plaintext_free(lt->terms[i].pt);
    free(lt->terms);
    free(lt->babies);
    free(lt);
}

int pack_lintrans_new(const ckks_context *ctx, pack_lintrans **out, int log_slots,
                      const int *index, const double complex *const *diag, size_t ndiag,
                      int level, double scale, int baby)
{
    if (!ctx || !out || !index || !diag || !ndiag) return CKKS_EINVAL;
    if (log_slots < 0 || log_slots > ckks_context_max_log_slots(ctx)) return CKKS_ESLOTS;
    int n = 1 << log_slots;
    if (baby < 0 || baby > n || ndiag > (size_t)n) return CKKS_EINVAL;
    pack_lintrans *lt = calloc(1, sizeof *lt);
    int *d = malloc(ndiag * sizeof *d);
    char *seen = malloc((size_t)n);
    double complex *v = malloc((size_t)n * sizeof *v);
    int err = lt && d && seen && v ? 0 : CKKS_ENOMEM;
    for (size_t i = 0; !err && i < ndiag; i++) {
        d[i] = ((index[i] % n) + n) % n;
        if (!diag[i]) err = CKKS_EINVAL;
    }
    /* duplicates would be silently summed twice */
    if (!err) memset(seen, 0, (size_t)n);
    for (size_t i = 0; !err && i < ndiag; i++)
        if (seen[d[i]]++) err = CKKS_EINVAL;
    if (!err) {
        lt->log_slots = log_slots;
        lt->n1 = baby;
        if (!baby) {
            int best = -1;
            for (int n1 = 1; n1 <= n; n1 <<= 1) {
                int nb, ng;
                count_steps(d, ndiag, n, n1, seen, &nb, &ng);
                /* ties go to more (hoisted) baby steps */
                if (best < 0 || nb + ng <= best) best = nb + ng, lt->n1 = n1;
            }
        }
        count_steps(d, ndiag, n, lt->n1, seen, &lt->nb, &lt->ng);
        lt->terms = calloc(ndiag, sizeof *lt->terms);
        lt->babies = malloc(((size_t)lt->nb + 1) * sizeof *lt->babies);
        if (!lt->terms || !lt->babies) err = CKKS_ENOMEM;
    }
    for (size_t i = 0; !err && i < ndiag; i++) {
        term *t = &lt->terms[i];
        t->giant = d[i] / lt->n1;
        t->baby = d[i] % lt->n1;
        int shift = t->giant * lt->n1;
        for (int j = 0; j < n; j++) v[j] = diag[i][((j - shift) % n + n) % n];
        if (!(t->pt = ckks_plaintext_new(ctx))) err = CKKS_ENOMEM;
        if (!err) err = ckks_encode(ctx, t->pt, v, (size_t)n, log_slots, level, scale);
        lt->nterms = i + 1;
    }
    if (!err) {
        qsort(lt->terms, ndiag, sizeof *lt->terms, cmp_term);
        memset(seen, 0, (size_t)n);
        for (size_t i = 0; i < ndiag; i++) seen[lt->terms[i].baby] = 1;
        int k = 0;
        for (int b = 1; b < lt->n1; b++)
            if (seen[b]) lt->babies[k++] = b;
    }
    free(d);
    free(seen);
    free(v);
    if (err) {
        pack_lintrans_free(lt);
        return err;
    }
    *out = lt;
    return 0;
}

int pack_lintrans_from_matrix(const ckks_context *ctx, pack_lintrans **out, int log_slots,
                              const double complex *m, int rows, int cols, int level,
                              double scale, int baby)
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
        err = pack_lintrans_new(ctx, out, log_slots, index, (const double complex *const *)diag, nd,
                                level, scale, baby);
    for (size_t i = 0; diag && i < nd; i++) free(diag[i]);
    free(diag);
    free(index);
    return err;
}

int pack_lintrans_baby(const pack_lintrans *lt) { return lt ? lt->n1 : 0; }
int pack_lintrans_key_switches(const pack_lintrans *lt) { return lt ? lt->nb + lt->ng : 0; }
int pack_lintrans_log_slots(const pack_lintrans *lt) { return lt ? lt->log_slots : 0; }

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

int pack_lintrans_apply(const ckks_context *ctx, ckks_ciphertext *out, const ckks_ciphertext *in,
                        const pack_lintrans *lt, const ckks_galois_keys *gk)
{
    if (!ctx || !out || !in || !lt || out == in) return CKKS_EINVAL;
    if (ckks_ciphertext_log_slots(in) != lt->log_slots) return CKKS_ESLOTS;
    /* rotated[b]: the input rotated by baby step b (b = 0: the input) */
    const ckks_ciphertext **rotated = calloc((size_t)lt->n1, sizeof *rotated);
    ckks_ciphertext **owned = calloc((size_t)lt->nb + 1, sizeof *owned);
    ckks_ciphertext *inner = ckks_ciphertext_new(ctx), *tmp = ckks_ciphertext_new(ctx);
    int err = rotated && owned && inner && tmp ? 0 : CKKS_ENOMEM;
    for (int i = 0; !err && i < lt->nb; i++)
        if (!(owned[i] = ckks_ciphertext_new(ctx))) err = CKKS_ENOMEM;
    if (!err) err = ckks_rotate_hoisted(ctx, owned, in, lt->babies, (size_t)lt->nb, gk);
    if (!err) {
        rotated[0] = in;
        for (int i = 0; i < lt->nb; i++) rotated[lt->babies[i]] = owned[i];
    }
    int have_out = 0;
    for (size_t i = 0; !err && i < lt->nterms;) {
        int g = lt->terms[i].giant;
        /* inner = sum_b pt_{g,b} (.) rot(in, b) */
        for (size_t j = i; !err && j < lt->nterms && lt->terms[j].giant == g; j++) {
            err = ckks_mul_plain(ctx, j == i ? inner : tmp, rotated[lt->terms[j].baby],
                                 lt->terms[j].pt);
            if (!err && j > i) err = ckks_add(ctx, inner, inner, tmp);
        }
        while (i < lt->nterms && lt->terms[i].giant == g) i++;
        if (!err && g) err = ckks_rotate(ctx, inner, inner, g * lt->n1, gk);
        if (!err) err = have_out ? ckks_add(ctx, out, out, inner) : ckks_ciphertext_copy(out, inner);
        have_out = 1;
    }
    for (int i = 0; owned && i < lt->nb; i++) ckks_ciphertext_free(owned[i]);
    free(owned);
    free(rotated);
    ckks_ciphertext_free(inner);
    ckks_ciphertext_free(tmp);
    return err;
}
