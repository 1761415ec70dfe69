/* dataset.c - preprocessing: resizing, stratified split, standardization, shuffling. */
#include "nn/nn.h"

#include <math.h>
#include <stdlib.h>

/* Overlap of [a0, a1) with the unit cell [i, i + 1). */
static double overlap(double a0, double a1, size_t i)
{
    double lo = a0 > (double)i ? a0 : (double)i;
    double hi = a1 < (double)(i + 1) ? a1 : (double)(i + 1);
    return hi > lo ? hi - lo : 0.0;
}

int nn_resize(const nn_data *src, int h, int w, nn_data **out)
{
    *out = NULL;
    if (src->img_h <= 0 || src->img_w <= 0 || h <= 0 || w <= 0 || h > src->img_h || w > src->img_w)
        return CKKS_EINVAL;
    size_t sh = (size_t)src->img_h, sw = (size_t)src->img_w;
    nn_data *dst = nn_data_new(src->n, (size_t)h * (size_t)w, src->nclass);
    if (!dst)
        return CKKS_ENOMEM;
    dst->img_h = h;
    dst->img_w = w;
    double fy = (double)sh / h, fx = (double)sw / w;
    for (size_t s = 0; s < src->n; s++) {
        const double *img = src->x + s * src->d;
        double *o = dst->x + s * dst->d;
        for (int r = 0; r < h; r++) {
            double y0 = r * fy, y1 = (r + 1) * fy;
            for (int c = 0; c < w; c++) {
                double x0 = c * fx, x1 = (c + 1) * fx, sum = 0.0;
                for (size_t i = (size_t)y0; i < sh && (double)i < y1; i++) {
                    double wy = overlap(y0, y1, i);
                    for (size_t j = (size_t)x0; j < sw && (double)j < x1; j++)
                        sum += wy * overlap(x0, x1, j) * img[i * sw + j];
                }
                o[(size_t)r * (size_t)w + (size_t)c] = sum / (fy * fx);
            }
        }
        dst->y[s] = src->y[s];
    }
    *out = dst;
    return 0;
}

/* Fisher-Yates over a[0..n-1] from r. */
static void shuffle(size_t *a, size_t n, nn_rng *r)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)nn_rng_below(r, i), t = a[i - 1];
        a[i - 1] = a[j];
        a[j] = t;
    }
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

int nn_split_stratified(const nn_data *data, double test_frac, uint64_t seed,
                        nn_data **train, nn_data **test)
{
    *train = *test = NULL;
    if (!(test_frac > 0.0 && test_frac < 1.0))
        return CKKS_EINVAL;
    size_t n = data->n, nc = (size_t)data->nclass;
    size_t *idx = malloc((n + 1) * sizeof *idx), *pick = malloc((2 * n + 1) * sizeof *pick);
    size_t *count = calloc(nc, sizeof *count), *share = calloc(nc, sizeof *share);
    double *rest = calloc(nc, sizeof *rest);
    if (!idx || !pick || !count || !share || !rest) {
        free(idx);
        free(pick);
        free(count);
        free(share);
        free(rest);
        return CKKS_ENOMEM;
    }
    /* Class sizes, and each class's share of the ceil(test_frac * n) test rows. */
    for (size_t i = 0; i < n; i++)
        count[data->y[i]]++;
    size_t want = (size_t)ceil(test_frac * (double)n), given = 0;
    for (size_t k = 0; k < nc; k++) {
        double exact = (double)want * (double)count[k] / (double)n;
        share[k] = (size_t)exact;
        rest[k] = exact - (double)share[k];
        given += share[k];
    }
    /* Largest remainders first (lowest class on ties), as stratified splits usually do. */
    for (; given < want; given++) {
        size_t best = nc;
        for (size_t k = 0; k < nc; k++)
            if (share[k] < count[k] && (best == nc || rest[k] > rest[best]))
                best = k;
        if (best == nc)
            break;
        share[best]++;
        rest[best] = -1.0;
    }
    /* Test rows go to the front of pick, training rows to the back. */
    size_t ntest = 0, ntrain = 0, *tr = pick + n;
    nn_rng r;
    nn_rng_seed(&r, seed, 0x5b117);
    for (size_t k = 0; k < nc; k++) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if ((size_t)data->y[i] == k)
                idx[m++] = i;
        shuffle(idx, m, &r);
        for (size_t i = 0; i < m; i++) {
            if (i < share[k])
                pick[ntest++] = idx[i];
            else
                tr[ntrain++] = idx[i];
        }
    }
    free(count);
    free(share);
    free(rest);
    qsort(pick, ntest, sizeof *pick, cmp_size);
    qsort(tr, ntrain, sizeof *tr, cmp_size);
    *test = nn_data_subset(data, pick, ntest);
    *train = nn_data_subset(data, tr, ntrain);
    free(idx);
    free(pick);
    if (!*test || !*train) {
        nn_data_free(*test);
        nn_data_free(*train);
        *train = *test = NULL;
        return CKKS_ENOMEM;
    }
    return 0;
}

int nn_standardizer_fit(nn_standardizer *s, const nn_data *data)
{
    size_t d = data->d, n = data->n;
    s->d = d;
    s->clip = 0.0;
    s->mean = calloc(d + 1, sizeof *s->mean);
    s->scale = calloc(d + 1, sizeof *s->scale);
    if (!s->mean || !s->scale) {
        nn_standardizer_clear(s);
        return CKKS_ENOMEM;
    }
    if (n == 0) {
        for (size_t j = 0; j < d; j++)
            s->scale[j] = 1.0;
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            s->mean[j] += data->x[i * d + j];
    for (size_t j = 0; j < d; j++)
        s->mean[j] /= (double)n;
    /* Two passes: the variance is summed around the exact mean. */
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++) {
            double t = data->x[i * d + j] - s->mean[j];
            s->scale[j] += t * t;
        }
    for (size_t j = 0; j < d; j++) {
        double sd = sqrt(s->scale[j] / (double)n);
        s->scale[j] = sd > 1e-12 * (fabs(s->mean[j]) + 1.0) ? sd : 1.0;
    }
    return 0;
}

int nn_standardizer_apply(const nn_standardizer *s, nn_data *data)
{
    if (s->d != data->d)
        return CKKS_EINVAL;
    for (size_t i = 0; i < data->n; i++)
        for (size_t j = 0; j < s->d; j++) {
            double *x = &data->x[i * s->d + j];
            *x = (*x - s->mean[j]) / s->scale[j];
            if (s->clip > 0)
                *x = fmin(s->clip, fmax(-s->clip, *x));
        }
    return 0;
}

void nn_standardizer_clear(nn_standardizer *s)
{
    free(s->mean);
    free(s->scale);
    s->mean = s->scale = NULL;
    s->d = 0;
}

void nn_shuffle(size_t n, uint64_t seed, uint64_t epoch, size_t *perm)
{
    nn_rng r;
    nn_rng_seed(&r, seed, 0xe90c0000ull + epoch);
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    shuffle(perm, n, &r);
}

size_t nn_nbatches(size_t n, size_t batch)
{
    return batch ? (n + batch - 1) / batch : 0;
}
