/* optim.c - SGD with Nesterov momentum and weight decay; one training step. */
#include "nn/internal.h"

#include <math.h>
#include <stdlib.h>

/* Simulated bootstrapping of weights and momenta: codes after les.c's. */
enum { OP_BOOT_W = 8, OP_BOOT_VW, OP_BOOT_C, OP_BOOT_VC };

double nn_sgd_lr(const nn_sgd *opt, long t)
{
    if (opt->schedule == NN_LR_COSINE && opt->total_steps > 0)
        return 0.5 * opt->lr * (1.0 + cos(M_PI * (double)t / (double)opt->total_steps));
    return opt->lr;
}

void nn_sgd_update(nn_layer *l, const nn_sgd *opt, double lr, size_t b)
{
    double inv_b = 1.0 / (double)b, mu = opt->momentum, wd = opt->weight_decay;
    size_t n = l->rows * l->cols;
    for (size_t i = 0; i < n; i++) {
        double g = l->g[i] * inv_b + wd * l->w[i];
        l->v[i] = mu * l->v[i] + g;
        l->w[i] -= lr * (g + mu * l->v[i]);
    }
}

int nn_backward(nn_model *m, const double *x, const double *y, size_t b, const nn_sim *sim,
                uint64_t step, double *loss, size_t *correct)
{
    if (!b || !x || !y || (sim && sim->bits > 0 && m->spec.arch != NN_ARCH_LES))
        return CKKS_EINVAL;
    int rc = nn_work_reserve(m, b);
    if (rc)
        return rc;
    nn_work_input(m, x, b);
    double tmp[NN_MAX_BLOCKS];
    if (m->spec.arch == NN_ARCH_LES)
        nn_les_pass(m, b, y, 1, sim, step, loss ? loss : tmp);
    else
        nn_bp_pass(m, b, y, 1, loss ? loss : tmp);
    if (correct) {
        size_t o = m->spec.out, c = 0;
        for (size_t i = 0; i < b; i++)
            c += nn_argmax(m->work->p + i * o, o) == nn_argmax(y + i * o, o);
        *correct = c;
    }
    return 0;
}

static void boot(const nn_sim *sim, nn_layer *l, uint64_t step, int h, int code)
{
    nn_sim boot = *sim;
    boot.bits = sim->boot_bits > 0 ? sim->boot_bits : sim->bits;
    uint64_t op = (uint64_t)h << 4;
    nn_sim_perturb(&boot, l->w, l->rows, l->cols, l->cols, step, op | (uint64_t)code);
    nn_sim_perturb(&boot, l->v, l->rows, l->cols, l->cols, step, op | (uint64_t)(code + 1));
}

int nn_step(nn_model *m, const double *x, const double *y, size_t b, const nn_sgd *opt,
            double lr, const nn_sim *sim, uint64_t step, double *loss, size_t *correct)
{
    double l[NN_MAX_BLOCKS];
    int rc = nn_backward(m, x, y, b, sim, step, l, correct);
    if (rc)
        return rc;
    for (int h = 0; h < m->nw; h++) {
        nn_sgd_update(&m->w[h], opt, lr, b);
        if (m->c)
            nn_sgd_update(&m->c[h], opt, lr, b);
        if (sim && sim->bits > 0) {
            boot(sim, &m->w[h], step, h, OP_BOOT_W);
            boot(sim, &m->c[h], step, h, OP_BOOT_C);
        }
    }
    if (loss)
        *loss = l[m->spec.arch == NN_ARCH_LES ? m->spec.nhidden - 1 : 0];
    return 0;
}
