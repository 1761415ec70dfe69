/* data.c - the nn_data container. */
#include "nn/nn.h"

#include <stdlib.h>
#include <string.h>

nn_data *nn_data_new(size_t n, size_t d, int nclass)
{
    if (nclass < 1 || nclass > NN_MAX_CLASSES || (d && n > SIZE_MAX / sizeof(double) / d))
        return NULL;
    nn_data *data = calloc(1, sizeof *data);
    if (!data)
        return NULL;
    data->n = n;
    data->d = d;
    data->nclass = nclass;
    data->x = calloc(n * d + 1, sizeof *data->x);
    data->y = calloc(n + 1, sizeof *data->y);
    if (!data->x || !data->y) {
        nn_data_free(data);
        return NULL;
    }
    return data;
}

void nn_data_free(nn_data *data)
{
    if (!data)
        return;
    free(data->x);
    free(data->y);
    free(data);
}

nn_data *nn_data_subset(const nn_data *src, const size_t *idx, size_t n)
{
    nn_data *out = nn_data_new(n, src->d, src->nclass);
    if (!out)
        return NULL;
    out->img_h = src->img_h;
    out->img_w = src->img_w;
    for (size_t i = 0; i < n; i++) {
        memcpy(out->x + i * src->d, src->x + idx[i] * src->d, src->d * sizeof *out->x);
        out->y[i] = src->y[idx[i]];
    }
    return out;
}

void nn_onehot(const int *y, size_t n, int nclass, double *out)
{
    memset(out, 0, n * (size_t)nclass * sizeof *out);
    for (size_t i = 0; i < n; i++)
        out[i * (size_t)nclass + (size_t)y[i]] = 1.0;
}
