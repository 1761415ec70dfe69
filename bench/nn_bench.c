/*
 * nn_bench - plaintext training speed: seconds per epoch of the reference
 * trainer (one JSON object per line). Fashion-MNIST lines need Debian's
 * dataset-fashion-mnist package; without it they are skipped with a note.
 */
#include "nn/nn.h"

#include <omp.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    nn_arch arch;
    const char *model;
    size_t batch;
} config;

/* Standardize as hetrain train does (clipped to +-3). */
static int standardize(nn_data *d)
{
    nn_standardizer s;
    int rc = nn_standardizer_fit(&s, d);
    s.clip = 3;
    if (!rc)
        rc = nn_standardizer_apply(&s, d);
    nn_standardizer_clear(&s);
    return rc;
}

/* Train epochs epochs and print the fastest one. */
static int bench(const char *dataset, const nn_data *train, const config *c, int epochs)
{
    nn_spec spec;
    nn_error err;
    nn_model *m;
    if (nn_spec_parse(c->model, c->arch, train->d, (size_t)train->nclass, &spec, &err) ||
        nn_model_new(&spec, 1, &m)) {
        fprintf(stderr, "nn_bench: %s\n", err.msg);
        return 1;
    }
    nn_epoch_stats h[8];
    nn_train_config cfg = {.epochs = epochs, .batch = c->batch, .seed = 1,
                           .sgd = {.lr = 0.01, .momentum = 0.9, .weight_decay = 1e-4}};
    if (nn_train(m, train, NULL, &cfg, h, NULL, NULL)) {
        nn_model_free(m);
        return 1;
    }
    double best = h[0].seconds;
    for (int e = 1; e < epochs; e++)
        best = h[e].seconds < best ? h[e].seconds : best;
    char shape[256];
    nn_spec_format(&spec, shape, sizeof shape);
    printf("{\"bench\":\"nn_epoch\",\"dataset\":\"%s\",\"arch\":\"%s\",\"model\":\"%s\","
           "\"params\":%zu,\"samples\":%zu,\"batch\":%zu,\"threads\":%d,"
           "\"epoch_seconds\":%.6f,\"samples_per_second\":%.0f}\n", dataset,
           nn_arch_name(c->arch), shape, nn_model_params(m), train->n, c->batch,
           omp_get_max_threads(), best, (double)train->n / best);
    fflush(stdout);
    nn_model_free(m);
    return 0;
}

int main(void)
{
    static const config tab[] = {{NN_ARCH_LES, "32", 16}};
    static const config img[] = {{NN_ARCH_LES, "128-64-32", 48}, {NN_ARCH_LES, "64-32", 48},
                                 {NN_ARCH_LES, "32", 48}, {NN_ARCH_BP, "32", 48}};
    nn_data *bc = NULL, *tr, *te, *small = NULL;
    nn_error err;
    int rc = 0;
    if (nn_csv_load("data/breast_cancer.csv", NULL, &bc, &err) == 0 && !standardize(bc))
        rc |= bench("breast_cancer", bc, &tab[0], 3);
    else
        printf("{\"bench\":\"nn_epoch\",\"dataset\":\"breast_cancer\",\"skipped\":"
               "\"run from the source root\"}\n");
    nn_data_free(bc);
    if (nn_fashion_load(NULL, &tr, &te, &err)) {
        printf("{\"bench\":\"nn_epoch\",\"dataset\":\"fashion-mnist\",\"skipped\":"
               "\"install Debian package dataset-fashion-mnist\"}\n");
        return rc;
    }
    if (nn_resize(tr, 14, 14, &small) == 0 && !standardize(small))
        for (size_t i = 0; i < sizeof img / sizeof img[0]; i++)
            rc |= bench("fashion-mnist-14x14", small, &img[i], 2);
    nn_data_free(small);
    nn_data_free(tr);
    nn_data_free(te);
    return rc;
}
