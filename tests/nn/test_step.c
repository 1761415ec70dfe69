/*
 * One and two training steps of a tiny LES network against values computed
 * by hand (exact rational arithmetic, rounded once): the DESIGN.md formulas,
 * the 1/b loss scaling and Nesterov momentum with weight decay.
 */
#include <criterion/criterion.h>
#include <math.h>

#include "nn/nn.h"

/* |got - want| within 2^-50 relative. */
static void near(double got, double want, const char *what, int i)
{
    cr_assert_leq(fabs(got - want), ldexp(fabs(want), -50), "%s[%d] = %.17g, want %.17g", what,
                  i, got, want);
}

Test(step, hand_computed_two_steps)
{
    nn_spec s = {.arch = NN_ARCH_LES, .in = 2, .out = 2, .nhidden = 1, .hidden = {2},
                 .bias = 0, .act = nn_poly_default()};
    nn_model *m;
    cr_assert_eq(nn_model_new(&s, 1, &m), 0);
    const double w0[4] = {0.5, -0.25, 0.125, 0.75}, c0[4] = {1, -0.5, 0.25, 0.5};
    for (int i = 0; i < 4; i++) {
        m->w[0].w[i] = w0[i];
        m->c[0].w[i] = c0[i];
    }
    const double x[4] = {1, 2, -1, 0.5}, y[4] = {1, 0, 0, 1};
    nn_sgd opt = {.lr = 0.125, .momentum = 0.9, .weight_decay = 0.01};
    static const double want_loss[2] = {0.8651599884033203, 0.820222671639693};
    static const double want_dw[2][4] = {
        {1.5775146484375, 2.612060546875, 3.21514892578125, 4.1968994140625},
        {-0.602743900069145, 0.39758193103815836, -1.1884817164066654, 0.08156176717376735}};
    static const double want_w[2][4] = {
        {0.3114826354980469, -0.5595884399414063, -0.2570958099365234, 0.24983694458007813},
        {0.3019507732948015, -0.7374547118928736, -0.2782464804323085, 0.026330714147901505}};
    static const double want_c[2][4] = {
        {0.8395586318969727, -0.6264946613311767, -0.09073886108398438, 0.29284459686279296},
        {0.7383532472333219, -0.6921699307746554, -0.20069573097128507, 0.27395546146777006}};
    for (int t = 0; t < 2; t++) {
        double loss;
        size_t correct;
        cr_assert_eq(nn_step(m, x, y, 2, &opt, opt.lr, NULL, (uint64_t)t, &loss, &correct), 0);
        near(loss, want_loss[t], "loss", t);
        for (int i = 0; i < 4; i++) {
            near(m->w[0].g[i], want_dw[t][i], "dW", i);
            near(m->w[0].w[i], want_w[t][i], "W", i);
            near(m->c[0].w[i], want_c[t][i], "C", i);
        }
    }
    nn_model_free(m);
}

Test(step, schedule_and_update_rule)
{
    nn_sgd cos = {.lr = 0.2, .schedule = NN_LR_COSINE, .total_steps = 100};
    cr_assert_float_eq(nn_sgd_lr(&cos, 0), 0.2, 1e-15);
    cr_assert_float_eq(nn_sgd_lr(&cos, 50), 0.1, 1e-15);
    cr_assert_float_eq(nn_sgd_lr(&cos, 100), 0.0, 1e-15);
    nn_sgd cst = {.lr = 0.2};
    cr_assert_eq(nn_sgd_lr(&cst, 77), 0.2);

    /* g = 4/2 + 0.5 * 1 = 2.5; v = 0.9 * 1 + 2.5 = 3.4; w = 1 - 0.1 (2.5 + 3.06) */
    double w = 1, v = 1, g = 4;
    nn_layer l = {.rows = 1, .cols = 1, .w = &w, .v = &v, .g = &g};
    nn_sgd opt = {.momentum = 0.9, .weight_decay = 0.5};
    nn_sgd_update(&l, &opt, 0.1, 2);
    cr_assert_float_eq(v, 3.4, 1e-15);
    cr_assert_float_eq(w, 1 - 0.1 * (2.5 + 0.9 * 3.4), 1e-15);
}
