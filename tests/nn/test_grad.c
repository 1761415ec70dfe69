/* Gradients of every layer against finite differences of the layer's own loss. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn.h"

enum { B = 5, IN = 4, OUT = 3 };

/* Random inputs and one-hot labels. */
static void batch(double *x, double *y, uint64_t seed)
{
    nn_rng r;
    int lab[B];
    nn_rng_seed(&r, seed, 0);
    for (int i = 0; i < B * IN; i++)
        x[i] = 2.0 * nn_rng_uniform(&r) - 1.0;
    for (int i = 0; i < B; i++)
        lab[i] = (int)nn_rng_below(&r, OUT);
    nn_onehot(lab, B, OUT, y);
}

/* The loss of layer l's owner: LES block h, or the network output for BP. */
static double loss_of(nn_model *m, const double *x, const double *y, int h)
{
    double loss[NN_MAX_BLOCKS];
    cr_assert_eq(nn_backward(m, x, y, B, NULL, 0, loss, NULL), 0);
    return loss[m->spec.arch == NN_ARCH_LES ? h : 0];
}

/*
 * Worst disagreement, in bits relative to the largest gradient entry,
 * between l->g and the five-point difference quotient (exact for the
 * quartic losses of z^2 + z blocks, up to rounding).
 */
static double check_layer(nn_model *m, nn_layer *l, const double *x, const double *y, int h,
                          double eps)
{
    size_t n = l->rows * l->cols;
    double *g = malloc(n * sizeof *g), gmax = 0.0, err = 0.0;
    loss_of(m, x, y, h);
    memcpy(g, l->g, n * sizeof *g);
    for (size_t i = 0; i < n; i++) {
        double w0 = l->w[i], f[4];
        const double d[4] = {2 * eps, eps, -eps, -2 * eps};
        for (int k = 0; k < 4; k++) {
            l->w[i] = w0 + d[k];
            f[k] = loss_of(m, x, y, h);
        }
        l->w[i] = w0;
        double fd = (-f[0] + 8 * f[1] - 8 * f[2] + f[3]) / (12 * eps);
        err = fmax(err, fabs(fd - g[i]));
        gmax = fmax(gmax, fabs(g[i]));
    }
    free(g);
    cr_assert_gt(gmax, 0.0, "a zero gradient checks nothing");
    return err > 0 ? -log2(err / gmax) : 60.0;
}

static void check_model(const nn_spec *spec, double eps, double min_bits)
{
    nn_model *m;
    double x[B * IN], y[B * OUT];
    batch(x, y, 7);
    cr_assert_eq(nn_model_new(spec, 3, &m), 0);
    for (int h = 0; h < m->nw; h++) {
        double bits = check_layer(m, &m->w[h], x, y, h, eps);
        cr_expect_geq(bits, min_bits, "layer W%d: %.1f bits", h, bits);
        if (m->c) {
            bits = check_layer(m, &m->c[h], x, y, h, eps);
            cr_expect_geq(bits, min_bits, "classifier C%d: %.1f bits", h, bits);
        }
    }
    nn_model_free(m);
}

Test(grad, les_three_blocks_bias)
{
    nn_spec s = {.arch = NN_ARCH_LES, .in = IN, .out = OUT, .nhidden = 3, .hidden = {6, 5, 4},
                 .bias = 1, .act = nn_poly_default()};
    check_model(&s, 1e-3, 36);
}

Test(grad, les_no_bias_cubic)
{
    nn_spec s = {.arch = NN_ARCH_LES, .in = IN, .out = OUT, .nhidden = 2, .hidden = {5, 3},
                 .bias = 0, .act = {.degree = 3, .c = {0.1, 0.5, 0.25, -0.125}}};
    /* Degree 6 in one weight: the stencil is no longer exact, keep eps small. */
    check_model(&s, 1e-4, 30);
}

Test(grad, bp_relu)
{
    nn_spec s = {.arch = NN_ARCH_BP, .in = IN, .out = OUT, .nhidden = 2, .hidden = {7, 5},
                 .bias = 1};
    check_model(&s, 1e-5, 26);
}

Test(grad, logreg)
{
    nn_spec s = {.arch = NN_ARCH_LOGREG, .in = IN, .out = OUT, .bias = 1};
    check_model(&s, 1e-4, 30);
}
