/* les.c - local-error-signal blocks: forward and local gradients. */
#include "nn/internal.h"

/*
 * Simulated-precision operation codes, combined with the block index;
 * optim.c uses 8..11 for bootstrapping, OP_INPUT is the encrypted batch.
 */
enum { OP_Z, OP_ACT, OP_P, OP_DC, OP_DA, OP_DACT, OP_DZ, OP_DW, OP_INPUT = 12 };

static void perturb(const nn_sim *sim, double *x, size_t rows, size_t cols, size_t ld,
                    uint64_t step, int h, int code)
{
    if (sim && sim->bits > 0)
        nn_sim_perturb(sim, x, rows, cols, ld, step, (uint64_t)h << 4 | (uint64_t)code);
}

/* out = f(z) (or f'(z) when deriv) by Horner's rule, elementwise. */
static void poly_apply(const nn_poly *f, int deriv, const double *z, size_t rows, size_t cols,
                       double *out, size_t ldo)
{
    int top = deriv ? f->degree - 1 : f->degree;
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++) {
            double x = z[i * cols + j], s = 0.0;
            for (int e = top; e >= 0; e--)
                s = s * x + (deriv ? (e + 1) * f->c[e + 1] : f->c[e]);
            out[i * ldo + j] = s;
        }
}

/* G = P - Y; returns 1/2 ||G||^2. */
static double residual(const double *p, const double *y, size_t n, double *g)
{
    double loss = 0.0;
    for (size_t i = 0; i < n; i++) {
        g[i] = p[i] - y[i];
        loss += g[i] * g[i];
    }
    return 0.5 * loss;
}

void nn_les_pass(nn_model *m, size_t b, const double *y, int train, const nn_sim *sim,
                 uint64_t step, double *block_loss)
{
    const nn_spec *s = &m->spec;
    nn_work *w = m->work;
    size_t bias = (size_t)s->bias, o = s->out, in_ld = s->in + bias;
    const double *in = w->x;
    perturb(sim, w->x, b, s->in, in_ld, step, 0, OP_INPUT);
    for (int h = 0; h < s->nhidden; h++) {
        nn_layer *W = &m->w[h], *C = &m->c[h];
        size_t k = s->hidden[h], ld = k + bias;
        double *z = w->z[h], *a = w->a[h];
        int last = h == s->nhidden - 1;

        nn_gemm_nn(b, k, W->rows, in, in_ld, W->w, k, z, k);
        perturb(sim, z, b, k, k, step, h, OP_Z);
        poly_apply(&s->act, 0, z, b, k, a, ld);
        perturb(sim, a, b, k, ld, step, h, OP_ACT);
        if (bias)
            for (size_t i = 0; i < b; i++)
                a[i * ld + k] = 1.0;
        if (train || last) {
            nn_gemm_nn(b, o, C->rows, a, ld, C->w, o, w->p, o);
            perturb(sim, w->p, b, o, o, step, h, OP_P);
        }
        if (y && (train || last)) {
            double l = residual(w->p, y, b * o, w->g);
            if (block_loss)
                block_loss[h] = l;
        }
        if (train) {
            nn_gemm_tn(C->rows, o, b, a, ld, w->g, o, C->g, o);
            perturb(sim, C->g, C->rows, o, o, step, h, OP_DC);
            nn_gemm_nt(b, k, o, w->g, o, C->w, o, w->da, k);
            perturb(sim, w->da, b, k, k, step, h, OP_DA);
            poly_apply(&s->act, 1, z, b, k, w->dz, k);
            perturb(sim, w->dz, b, k, k, step, h, OP_DACT);
            for (size_t i = 0; i < b * k; i++)
                w->dz[i] *= w->da[i];
            perturb(sim, w->dz, b, k, k, step, h, OP_DZ);
            nn_gemm_tn(W->rows, k, b, in, in_ld, w->dz, k, W->g, k);
            perturb(sim, W->g, W->rows, k, k, step, h, OP_DW);
        }
        in = a;
        in_ld = ld;
    }
}
