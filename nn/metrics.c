/* metrics.c - prediction, accuracy, loss, confusion matrix and their JSON. */
#include "nn/internal.h"

#include <stdlib.h>
#include <string.h>

/* Rows per forward pass when predicting. */
#define CHUNK 256

/* Forward rows x[0..n) in chunks; y (may be NULL) gives the summed loss. */
static int forward(nn_model *m, const double *x, const double *y, size_t n, double *scores,
                   int *labels, double *loss)
{
    size_t in = m->spec.in, o = m->spec.out;
    int rc = nn_work_reserve(m, n < CHUNK ? (n ? n : 1) : CHUNK);
    if (rc)
        return rc;
    double total = 0.0;
    for (size_t r = 0; r < n; r += CHUNK) {
        size_t b = n - r < CHUNK ? n - r : CHUNK;
        const double *yc = y ? y + r * o : NULL;
        double l[NN_MAX_BLOCKS] = {0};
        nn_work_input(m, x + r * in, b);
        if (m->spec.arch == NN_ARCH_LES)
            nn_les_pass(m, b, yc, 0, NULL, 0, l);
        else
            nn_bp_pass(m, b, yc, 0, l);
        total += l[m->spec.arch == NN_ARCH_LES ? m->spec.nhidden - 1 : 0];
        if (scores)
            memcpy(scores + r * o, m->work->p, b * o * sizeof *scores);
        if (labels)
            for (size_t i = 0; i < b; i++)
                labels[r + i] = nn_argmax(m->work->p + i * o, o);
    }
    if (loss)
        *loss = total;
    return 0;
}

int nn_predict(nn_model *m, const double *x, size_t n, double *scores, int *labels)
{
    return forward(m, x, NULL, n, scores, labels, NULL);
}

int nn_evaluate(nn_model *m, const nn_data *data, nn_eval *out)
{
    memset(out, 0, sizeof *out);
    size_t o = m->spec.out, k = (size_t)data->nclass;
    if (data->d != m->spec.in || k > o)
        return CKKS_EINVAL;
    double *y = malloc((data->n * o + 1) * sizeof *y);
    int *pred = malloc((data->n + 1) * sizeof *pred);
    out->confusion = calloc(o * o, sizeof *out->confusion);
    int rc = !y || !pred || !out->confusion ? CKKS_ENOMEM : 0;
    double loss = 0.0;
    if (!rc) {
        nn_onehot(data->y, data->n, (int)o, y);
        rc = forward(m, data->x, y, data->n, NULL, pred, &loss);
    }
    if (!rc) {
        size_t right = 0;
        for (size_t i = 0; i < data->n; i++) {
            out->confusion[(size_t)data->y[i] * o + (size_t)pred[i]]++;
            right += pred[i] == data->y[i];
        }
        out->nclass = (int)o;
        out->n = data->n;
        out->accuracy = data->n ? (double)right / (double)data->n : 0.0;
        out->loss = data->n ? loss / (double)data->n : 0.0;
    } else {
        nn_eval_clear(out);
    }
    free(y);
    free(pred);
    return rc;
}

void nn_eval_clear(nn_eval *e)
{
    free(e->confusion);
    e->confusion = NULL;
}

void nn_epoch_json(FILE *f, const nn_epoch_stats *s)
{
    fprintf(f, "{\"epoch\":%d,\"lr\":%.6g,\"train_loss\":%.6g,\"train_accuracy\":%.6f,"
            "\"test_loss\":%.6g,\"test_accuracy\":%.6f,\"seconds\":%.4f}\n",
            s->epoch, s->lr, s->train_loss, s->train_accuracy, s->test_loss,
            s->test_accuracy, s->seconds);
}

void nn_eval_json(FILE *f, const nn_eval *e)
{
    fprintf(f, "{\"n\":%zu,\"accuracy\":%.6f,\"loss\":%.6g,\"confusion\":[", e->n, e->accuracy,
            e->loss);
    size_t k = (size_t)e->nclass;
    for (size_t i = 0; i < k; i++) {
        fprintf(f, "%s[", i ? "," : "");
        for (size_t j = 0; j < k; j++)
            fprintf(f, "%s%zu", j ? "," : "", e->confusion[i * k + j]);
        fputc(']', f);
    }
    fputs("]}\n", f);
}
