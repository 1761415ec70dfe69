/* matrix.c - square complex matrices stored by their nonzero diagonals. */
#include "bootstrap/internal.h"

#include <stdlib.h>
#include <string.h>

boot_matrix *boot_matrix_new(int n)
{
    boot_matrix *m = calloc(1, sizeof *m);
    if (m) m->n = n;
    return m;
}

void boot_matrix_free(boot_matrix *m)
{
    if (!m) return;
    for (int k = 0; k < m->ndiag; k++) free(m->diag[k]);
    free(m->diag);
    free(m->idx);
    free(m);
}

double complex *boot_matrix_diag(boot_matrix *m, int d)
{
    d = ((d % m->n) + m->n) % m->n;
    int k = 0;
    while (k < m->ndiag && m->idx[k] < d) k++;
    if (k < m->ndiag && m->idx[k] == d) return m->diag[k];
    /* keep idx sorted: insert at k */
    int *idx = realloc(m->idx, (size_t)(m->ndiag + 1) * sizeof *idx);
    if (idx) m->idx = idx;
    double complex **diag = realloc(m->diag, (size_t)(m->ndiag + 1) * sizeof *diag);
    if (diag) m->diag = diag;
    double complex *v = calloc((size_t)m->n, sizeof *v);
    if (!idx || !diag || !v) {
        free(v);
        return NULL;
    }
    memmove(m->idx + k + 1, m->idx + k, (size_t)(m->ndiag - k) * sizeof *idx);
    memmove(m->diag + k + 1, m->diag + k, (size_t)(m->ndiag - k) * sizeof *diag);
    m->idx[k] = d;
    m->diag[k] = v;
    m->ndiag++;
    return v;
}

/* (a b x)[i] = sum a_d1[i] (b x)[i + d1]
 *           = sum a_d1[i] b_d2[i + d1] x[i + d1 + d2]. */
boot_matrix *boot_matrix_mul(const boot_matrix *a, const boot_matrix *b)
{
    int n = a->n;
    boot_matrix *c = boot_matrix_new(n);
    if (!c) return NULL;
    for (int k1 = 0; k1 < a->ndiag; k1++)
        for (int k2 = 0; k2 < b->ndiag; k2++) {
            int d1 = a->idx[k1];
            double complex *out = boot_matrix_diag(c, d1 + b->idx[k2]);
            if (!out) {
                boot_matrix_free(c);
                return NULL;
            }
            const double complex *x = a->diag[k1], *y = b->diag[k2];
            for (int i = 0; i < n; i++) out[i] += x[i] * y[(i + d1) % n];
        }
    return c;
}

void boot_matrix_apply(const boot_matrix *m, const double complex *x, double complex *y)
{
    int n = m->n;
    for (int i = 0; i < n; i++) {
        double complex s = 0;
        for (int k = 0; k < m->ndiag; k++) s += m->diag[k][i] * x[(i + m->idx[k]) % n];
        y[i] = s;
    }
}

void boot_matrix_scale(boot_matrix *m, double complex c)
{
    for (int k = 0; k < m->ndiag; k++)
        for (int i = 0; i < m->n; i++) m->diag[k][i] *= c;
}

/* Offsets above n / 2 are the negative ones: -d stays -d modulo 2n, so
 * that the baby-step split sees the same offsets in both views. */
boot_matrix *boot_matrix_stack(const boot_matrix *m, double complex a, double complex b)
{
    int n = m->n;
    boot_matrix *w = boot_matrix_new(2 * n);
    if (!w) return NULL;
    for (int k = 0; k < m->ndiag; k++) {
        int d = m->idx[k];
        double complex *v = boot_matrix_diag(w, d <= n / 2 ? d : d + n);
        if (!v) {
            boot_matrix_free(w);
            return NULL;
        }
        for (int i = 0; i < n; i++) v[i] = a * m->diag[k][i], v[n + i] = b * m->diag[k][i];
    }
    return w;
}
