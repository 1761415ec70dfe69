/* train.c - the epoch loop of the plaintext reference trainer. */
#include "nn/internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int nn_train(nn_model *m, const nn_data *train, const nn_data *test,
             const nn_train_config *cfg, nn_epoch_stats *history, nn_epoch_fn on_epoch,
             void *ctx)
{
    size_t n = train->n, in = m->spec.in, o = m->spec.out, bs = cfg->batch;
    if (train->d != in || (size_t)train->nclass > o || !bs || !n || cfg->epochs < 0 ||
        (test && (test->d != in || (size_t)test->nclass > o)))
        return CKKS_EINVAL;
    size_t nb = nn_nbatches(n, bs);
    nn_sgd sgd = cfg->sgd;
    sgd.total_steps = (long)nb * cfg->epochs;
    size_t *perm = malloc(n * sizeof *perm);
    double *x = malloc(bs * in * sizeof *x), *y = malloc(bs * o * sizeof *y);
    int *lab = malloc(bs * sizeof *lab);
    int rc = perm && x && y && lab ? 0 : CKKS_ENOMEM;
    long step = 0;
    for (int e = 0; e < cfg->epochs && !rc; e++) {
        nn_epoch_stats s = {.epoch = e + 1};
        double t0 = now(), loss = 0.0;
        size_t right = 0;
        nn_shuffle(n, cfg->seed, (uint64_t)e, perm);
        for (size_t j = 0; j < nb && !rc; j++, step++) {
            size_t b = n - j * bs < bs ? n - j * bs : bs;
            for (size_t i = 0; i < b; i++) {
                size_t r = perm[j * bs + i];
                memcpy(x + i * in, train->x + r * in, in * sizeof *x);
                lab[i] = train->y[r];
            }
            nn_onehot(lab, b, (int)o, y);
            double l;
            size_t c;
            s.lr = nn_sgd_lr(&sgd, step);
            rc = nn_step(m, x, y, b, &sgd, s.lr, &cfg->sim, (uint64_t)step, &l, &c);
            loss += l;
            right += c;
        }
        s.seconds = now() - t0;
        s.train_loss = loss / (double)n;
        s.train_accuracy = (double)right / (double)n;
        if (!rc && test) {
            nn_eval ev;
            if (!(rc = nn_evaluate(m, test, &ev))) {
                s.test_loss = ev.loss;
                s.test_accuracy = ev.accuracy;
                nn_eval_clear(&ev);
            }
        }
        if (rc)
            break;
        if (history)
            history[e] = s;
        if (on_epoch)
            on_epoch(&s, ctx);
    }
    free(perm);
    free(x);
    free(y);
    free(lab);
    return rc;
}
