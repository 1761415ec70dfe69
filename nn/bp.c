/* bp.c - back-propagation baselines: ReLU MLP and logistic regression, softmax cross-entropy. */
#include "nn/internal.h"

#include <math.h>

/* Softmax of each row of p into g, minus y; returns the summed cross-entropy. */
static double softmax_xent(const double *p, const double *y, size_t b, size_t o, double *g)
{
    double loss = 0.0;
    for (size_t i = 0; i < b; i++) {
        const double *pi = p + i * o;
        double mx = pi[nn_argmax(pi, o)], sum = 0.0;
        for (size_t j = 0; j < o; j++)
            sum += g[i * o + j] = exp(pi[j] - mx);
        double lse = mx + log(sum);
        for (size_t j = 0; j < o; j++) {
            g[i * o + j] = g[i * o + j] / sum - y[i * o + j];
            loss -= y[i * o + j] * (pi[j] - lse);
        }
    }
    return loss;
}

void nn_bp_pass(nn_model *m, size_t b, const double *y, int train, double *loss)
{
    const nn_spec *s = &m->spec;
    nn_work *w = m->work;
    size_t bias = (size_t)s->bias, o = s->out;
    const double *in = w->x;
    size_t in_ld = s->in + bias;
    for (int h = 0; h < m->nw; h++) {
        nn_layer *W = &m->w[h];
        if (h == m->nw - 1) {
            nn_gemm_nn(b, o, W->rows, in, in_ld, W->w, o, w->p, o);
            break;
        }
        size_t k = s->hidden[h], ld = k + bias;
        double *z = w->z[h], *a = w->a[h];
        nn_gemm_nn(b, k, W->rows, in, in_ld, W->w, k, z, k);
        for (size_t i = 0; i < b; i++) {
            for (size_t j = 0; j < k; j++)
                a[i * ld + j] = z[i * k + j] > 0.0 ? z[i * k + j] : 0.0;
            if (bias)
                a[i * ld + k] = 1.0;
        }
        in = a;
        in_ld = ld;
    }
    if (!y)
        return;
    double l = softmax_xent(w->p, y, b, o, w->g);
    if (loss)
        *loss = l;
    if (!train)
        return;
    /* dout: the error at the current layer's output (b x cols). */
    const double *dout = w->g;
    for (int h = m->nw - 1; h >= 0; h--) {
        nn_layer *W = &m->w[h];
        size_t cols = W->cols;
        const double *hin = h ? w->a[h - 1] : w->x;
        size_t hin_ld = h ? s->hidden[h - 1] + bias : s->in + bias;
        nn_gemm_tn(W->rows, cols, b, hin, hin_ld, dout, cols, W->g, cols);
        if (h == 0)
            break;
        size_t k = s->hidden[h - 1];
        double *da = dout == w->da ? w->dz : w->da;
        nn_gemm_nt(b, k, cols, dout, cols, W->w, cols, da, k);
        const double *z = w->z[h - 1];
        for (size_t i = 0; i < b * k; i++)
            da[i] = z[i] > 0.0 ? da[i] : 0.0;
        dout = da;
    }
}
