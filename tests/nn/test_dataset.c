/* Preprocessing: resizing, split, standardization, one-hot, shuffling, batches. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "nn/nn.h"

/* n samples of d features, labels cycling through a skewed class mix. */
static nn_data *toy(size_t n, size_t d, int nclass)
{
    nn_data *x = nn_data_new(n, d, nclass);
    nn_rng r;
    nn_rng_seed(&r, 99, 0);
    for (size_t i = 0; i < n * d; i++)
        x->x[i] = 10.0 * nn_rng_uniform(&r) + (double)(i % d);
    for (size_t i = 0; i < n; i++)
        x->y[i] = (int)(i % 7 < 4 ? 0 : i % (size_t)nclass);
    return x;
}

Test(dataset, resize_area_average)
{
    nn_data *src = nn_data_new(2, 28 * 28, 10), *a, *b;
    src->img_h = src->img_w = 28;
    for (size_t i = 0; i < 28 * 28; i++) {
        src->x[i] = (double)(i % 28) + 100.0 * (double)(i / 28); /* a linear ramp */
        src->x[784 + i] = 0.5;
    }
    cr_assert_eq(nn_resize(src, 14, 14, &a), 0);
    cr_assert_eq(a->d, 196);
    cr_assert_eq(a->img_h, 14);
    for (int r = 0; r < 14; r++)
        for (int c = 0; c < 14; c++) {
            const double *p = src->x + 56 * r + 2 * c;
            double want = (p[0] + p[1] + p[28] + p[29]) / 4;
            cr_assert_float_eq(a->x[14 * r + c], want, 1e-12);
            cr_assert_float_eq(a->x[196 + 14 * r + c], 0.5, 1e-15);
        }
    /* 28 -> 8: cells of 3.5 x 3.5 pixels, partly covered pixels weighted by area. */
    cr_assert_eq(nn_resize(src, 8, 8, &b), 0);
    const double first = (0 + 1 + 2 + 0.5 * 3) / 3.5, second = (0.5 * 3 + 4 + 5 + 6) / 3.5;
    cr_assert_float_eq(b->x[0], first + 100 * first, 1e-12);
    cr_assert_float_eq(b->x[1], second + 100 * first, 1e-12);
    cr_assert_float_eq(b->x[8], first + 100 * second, 1e-12);
    double in_mean = 0, out_mean = 0;
    for (size_t i = 0; i < 784; i++)
        in_mean += src->x[i] / 784;
    for (size_t i = 0; i < 64; i++) {
        out_mean += b->x[i] / 64;
        cr_assert_float_eq(b->x[64 + i], 0.5, 1e-15);
    }
    cr_assert_float_eq(out_mean, in_mean, 1e-12, "area averaging keeps the mean");
    nn_data *c;
    cr_assert_eq(nn_resize(a, 28, 28, &c), CKKS_EINVAL);
    nn_data_free(src);
    nn_data_free(a);
    nn_data_free(b);
}

Test(dataset, stratified_split)
{
    nn_data *d = toy(1000, 3, 5), *tr, *te, *tr2, *te2;
    cr_assert_eq(nn_split_stratified(d, 0.2, 5, &tr, &te), 0);
    cr_assert_eq(nn_split_stratified(d, 0.2, 5, &tr2, &te2), 0);
    cr_assert_eq(tr->n + te->n, 1000);
    size_t all[5] = {0}, in_test[5] = {0};
    for (size_t i = 0; i < d->n; i++)
        all[d->y[i]]++;
    for (size_t i = 0; i < te->n; i++)
        in_test[te->y[i]]++;
    cr_assert_eq(te->n, 200);
    for (int k = 0; k < 5; k++)
        cr_assert_leq(fabs((double)in_test[k] - 0.2 * (double)all[k]), 1.0, "class %d", k);
    /* Same seed, same split; every row lands exactly once. */
    cr_assert_eq(te->n, te2->n);
    cr_assert_arr_eq(te->x, te2->x, te->n * 3 * sizeof(double));
    cr_assert_arr_eq(tr->x, tr2->x, tr->n * 3 * sizeof(double));
    double sum = 0, part = 0;
    for (size_t i = 0; i < d->n * 3; i++)
        sum += d->x[i];
    for (size_t i = 0; i < tr->n * 3; i++)
        part += tr->x[i];
    for (size_t i = 0; i < te->n * 3; i++)
        part += te->x[i];
    cr_assert_float_eq(part, sum, 1e-9 * sum);
    nn_data *tr3, *te3;
    cr_assert_eq(nn_split_stratified(d, 0.2, 6, &tr3, &te3), 0);
    cr_assert(memcmp(te->x, te3->x, te->n * 3 * sizeof(double)), "another seed, another split");
    nn_data *v[] = {d, tr, te, tr2, te2, tr3, te3};
    cr_assert_eq(nn_split_stratified(d, 1.0, 5, &tr3, &te3), CKKS_EINVAL);
    cr_assert_null(tr3);
    for (size_t i = 0; i < 7; i++)
        nn_data_free(v[i]);
}

Test(dataset, breast_cancer_80_20)
{
    nn_data *d, *tr, *te;
    nn_error err;
    cr_assert_eq(nn_csv_load("data/breast_cancer.csv", NULL, &d, &err), 0, "%s", err.msg);
    cr_assert_eq(nn_split_stratified(d, 0.2, 1, &tr, &te), 0);
    cr_assert_eq(tr->n, 455, "the published 455/114 split");
    cr_assert_eq(te->n, 114);
    nn_data_free(d);
    nn_data_free(tr);
    nn_data_free(te);
}

Test(dataset, standardize_on_train_only)
{
    nn_data *tr = toy(200, 4, 3), *te = toy(50, 4, 3);
    for (size_t i = 0; i < 50 * 4; i++)
        te->x[i] += 1000.0;
    for (size_t i = 0; i < 200; i++)
        tr->x[i * 4 + 3] = 7.0; /* a constant feature */
    nn_standardizer s;
    cr_assert_eq(nn_standardizer_fit(&s, tr), 0);
    double mean2 = s.mean[2], scale2 = s.scale[2], test0 = te->x[2];
    cr_assert_eq(nn_standardizer_apply(&s, tr), 0);
    cr_assert_eq(nn_standardizer_apply(&s, te), 0);
    for (size_t j = 0; j < 3; j++) {
        double m = 0, v = 0;
        for (size_t i = 0; i < 200; i++)
            m += tr->x[i * 4 + j] / 200;
        for (size_t i = 0; i < 200; i++)
            v += (tr->x[i * 4 + j] - m) * (tr->x[i * 4 + j] - m) / 200;
        cr_assert_float_eq(m, 0.0, 1e-12);
        cr_assert_float_eq(v, 1.0, 1e-12);
    }
    for (size_t i = 0; i < 200; i++)
        cr_assert_eq(tr->x[i * 4 + 3], 0.0);
    cr_assert_float_eq(te->x[2], (test0 - mean2) / scale2, 1e-12, "test uses train statistics");
    nn_data *wrong = toy(3, 5, 2);
    cr_assert_eq(nn_standardizer_apply(&s, wrong), CKKS_EINVAL);
    nn_standardizer_clear(&s);
    nn_data_free(tr);
    nn_data_free(te);
    nn_data_free(wrong);
}

Test(dataset, onehot_shuffle_batches)
{
    int y[4] = {2, 0, 1, 2};
    double oh[12];
    nn_onehot(y, 4, 3, oh);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 3; j++)
            cr_assert_eq(oh[3 * i + j], j == y[i] ? 1.0 : 0.0);

    enum { N = 101 };
    size_t p[N], q[N], r[N];
    nn_shuffle(N, 42, 0, p);
    nn_shuffle(N, 42, 0, q);
    nn_shuffle(N, 42, 1, r);
    cr_assert_arr_eq(p, q, sizeof p, "same seed and epoch, same order");
    cr_assert(memcmp(p, r, sizeof p), "each epoch has its own order");
    int seen[N] = {0};
    for (int i = 0; i < N; i++)
        seen[p[i]]++;
    for (int i = 0; i < N; i++)
        cr_assert_eq(seen[i], 1, "a permutation");
    cr_assert_eq(nn_nbatches(N, 16), 7);
    cr_assert_eq(nn_nbatches(96, 16), 6);
    cr_assert_eq(nn_nbatches(N, 1), N);
}
