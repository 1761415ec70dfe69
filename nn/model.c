/* model.c - model shapes, parameters and the workspace. */
#include "nn/internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const arch_names[] = {"les", "bp", "logreg"};

const char *nn_arch_name(nn_arch arch)
{
    return (unsigned)arch < 3 ? arch_names[arch] : "?";
}

int nn_arch_parse(const char *s, nn_arch *arch)
{
    for (int i = 0; i < 3; i++)
        if (!strcmp(s, arch_names[i])) {
            *arch = (nn_arch)i;
            return 0;
        }
    return CKKS_EINVAL;
}

nn_poly nn_poly_default(void)
{
    nn_poly p = {.degree = 2, .c = {0.0, 1.0, 1.0}};
    return p;
}

int nn_poly_parse(const char *s, nn_poly *p)
{
    nn_poly q = {.degree = -1};
    for (const char *t = s;;) {
        char *end;
        errno = 0;
        double c = strtod(t, &end);
        if (end == t || errno || !isfinite(c) || q.degree == NN_MAX_DEGREE)
            return CKKS_EINVAL;
        q.c[++q.degree] = c;
        if (!*end)
            break;
        if (*end != ',')
            return CKKS_EINVAL;
        t = end + 1;
    }
    while (q.degree > 0 && q.c[q.degree] == 0.0)
        q.degree--;
    *p = q;
    return 0;
}

int nn_spec_parse(const char *model, nn_arch arch, size_t in, size_t out, nn_spec *spec,
                  nn_error *err)
{
    size_t w[NN_MAX_BLOCKS + 2];
    int n = 0;
    for (const char *t = model; *t;) {
        char *end;
        errno = 0;
        unsigned long v = strtoul(t, &end, 10);
        if (end == t || *t == '-' || *t == '+' || errno || v == 0 || v > 1u << 20 ||
            (*end && *end != '-') || n == NN_MAX_BLOCKS + 2)
            return nn_fail(err, CKKS_EINVAL, "model '%s': expected widths like 30-32-2 "
                           "(at most %d hidden)", model, NN_MAX_BLOCKS);
        w[n++] = v;
        t = *end ? end + 1 : end;
        if (*end && !*t)
            return nn_fail(err, CKKS_EINVAL, "model '%s': trailing '-'", model);
    }
    /* The full form when the ends match the data, else hidden widths only. */
    int first = 0, last = n;
    if (n >= 2 && w[0] == in && w[n - 1] == out)
        first = 1, last = n - 1;
    memset(spec, 0, sizeof *spec);
    spec->arch = arch;
    spec->in = in;
    spec->out = out;
    spec->bias = 1;
    spec->act = nn_poly_default();
    spec->nhidden = last - first;
    if (spec->nhidden > NN_MAX_BLOCKS)
        return nn_fail(err, CKKS_EINVAL, "model '%s': more than %d hidden layers", model,
                       NN_MAX_BLOCKS);
    for (int i = first; i < last; i++)
        spec->hidden[i - first] = w[i];
    if (arch == NN_ARCH_LES && spec->nhidden == 0)
        return nn_fail(err, CKKS_EINVAL, "model '%s': a local-loss model needs one block at "
                       "least (data: %zu features, %zu classes)", model, in, out);
    if (arch == NN_ARCH_LOGREG && spec->nhidden)
        return nn_fail(err, CKKS_EINVAL, "model '%s': logistic regression has no hidden layer "
                       "(use %zu-%zu or nothing)", model, in, out);
    return 0;
}

void nn_spec_format(const nn_spec *spec, char *buf, size_t len)
{
    int k = snprintf(buf, len, "%zu", spec->in);
    for (int i = 0; i < spec->nhidden && k >= 0 && (size_t)k < len; i++)
        k += snprintf(buf + k, len - (size_t)k, "-%zu", spec->hidden[i]);
    if (k >= 0 && (size_t)k < len)
        snprintf(buf + k, len - (size_t)k, "-%zu", spec->out);
}

static int layer_init(nn_layer *l, size_t rows, size_t cols, uint64_t seed, uint64_t stream)
{
    l->rows = rows;
    l->cols = cols;
    l->w = malloc(rows * cols * sizeof *l->w);
    l->v = calloc(rows * cols, sizeof *l->v);
    l->g = calloc(rows * cols, sizeof *l->g);
    if (!l->w || !l->v || !l->g)
        return CKKS_ENOMEM;
    nn_rng r;
    nn_rng_seed(&r, seed, 0x1a7e50000ull + stream);
    double bound = 1.0 / sqrt((double)rows);
    for (size_t i = 0; i < rows * cols; i++)
        l->w[i] = bound * (2.0 * nn_rng_uniform(&r) - 1.0);
    return 0;
}

static void layer_clear(nn_layer *l)
{
    free(l->w);
    free(l->v);
    free(l->g);
}

int nn_model_new(const nn_spec *spec, uint64_t seed, nn_model **out)
{
    *out = NULL;
    if (spec->in == 0 || spec->out < 1 || spec->nhidden < 0 || spec->nhidden > NN_MAX_BLOCKS ||
        (spec->arch == NN_ARCH_LES && spec->nhidden == 0) ||
        (spec->arch == NN_ARCH_LOGREG && spec->nhidden) || (unsigned)spec->arch > 2 ||
        spec->act.degree < 0 || spec->act.degree > NN_MAX_DEGREE)
        return CKKS_EINVAL;
    for (int i = 0; i < spec->nhidden; i++)
        if (!spec->hidden[i])
            return CKKS_EINVAL;
    nn_model *m = calloc(1, sizeof *m);
    if (!m)
        return CKKS_ENOMEM;
    m->spec = *spec;
    m->spec.bias = spec->bias != 0;
    int les = spec->arch == NN_ARCH_LES, bias = m->spec.bias, rc = 0;
    m->nw = les ? spec->nhidden : spec->nhidden + 1;
    m->w = calloc((size_t)m->nw, sizeof *m->w);
    m->c = les ? calloc((size_t)m->nw, sizeof *m->c) : NULL;
    if (!m->w || (les && !m->c))
        rc = CKKS_ENOMEM;
    size_t prev = spec->in;
    for (int h = 0; h < m->nw && !rc; h++) {
        size_t width = h < spec->nhidden ? spec->hidden[h] : spec->out;
        rc = layer_init(&m->w[h], prev + (size_t)bias, width, seed, 2 * (uint64_t)h);
        if (!rc && les)
            rc = layer_init(&m->c[h], width + (size_t)bias, spec->out, seed, 2 * (uint64_t)h + 1);
        prev = width;
    }
    if (rc) {
        nn_model_free(m);
        return rc;
    }
    *out = m;
    return 0;
}

static void work_free(nn_work *w)
{
    if (!w)
        return;
    free(w->x);
    for (int h = 0; h < NN_MAX_BLOCKS; h++) {
        free(w->z[h]);
        free(w->a[h]);
    }
    free(w->p);
    free(w->g);
    free(w->da);
    free(w->dz);
    free(w);
}

void nn_model_free(nn_model *m)
{
    if (!m)
        return;
    for (int h = 0; h < m->nw; h++) {
        if (m->w)
            layer_clear(&m->w[h]);
        if (m->c)
            layer_clear(&m->c[h]);
    }
    free(m->w);
    free(m->c);
    work_free(m->work);
    free(m);
}

size_t nn_model_params(const nn_model *m)
{
    size_t n = 0;
    for (int h = 0; h < m->nw; h++)
        n += m->w[h].rows * m->w[h].cols + (m->c ? m->c[h].rows * m->c[h].cols : 0);
    return n;
}

int nn_work_reserve(nn_model *m, size_t rows)
{
    if (m->work && m->work->cap >= rows)
        return 0;
    work_free(m->work);
    nn_work *w = m->work = calloc(1, sizeof *w);
    if (!w)
        return CKKS_ENOMEM;
    const nn_spec *s = &m->spec;
    size_t bias = (size_t)s->bias, widest = s->in;
    int ok = (w->x = malloc(rows * (s->in + bias) * sizeof(double))) != NULL;
    for (int h = 0; h < s->nhidden; h++) {
        size_t k = s->hidden[h];
        widest = k > widest ? k : widest;
        ok &= (w->z[h] = malloc(rows * k * sizeof(double))) != NULL;
        ok &= (w->a[h] = malloc(rows * (k + bias) * sizeof(double))) != NULL;
    }
    ok &= (w->p = malloc(rows * s->out * sizeof(double))) != NULL;
    ok &= (w->g = malloc(rows * s->out * sizeof(double))) != NULL;
    ok &= (w->da = malloc(rows * widest * sizeof(double))) != NULL;
    ok &= (w->dz = malloc(rows * widest * sizeof(double))) != NULL;
    if (!ok) {
        work_free(w);
        m->work = NULL;
        return CKKS_ENOMEM;
    }
    w->cap = rows;
    return 0;
}

void nn_work_input(nn_model *m, const double *x, size_t rows)
{
    size_t in = m->spec.in, ld = in + (size_t)m->spec.bias;
    for (size_t i = 0; i < rows; i++) {
        memcpy(m->work->x + i * ld, x + i * in, in * sizeof *x);
        if (m->spec.bias)
            m->work->x[i * ld + in] = 1.0;
    }
}

int nn_argmax(const double *x, size_t n)
{
    size_t best = 0;
    for (size_t j = 1; j < n; j++)
        if (x[j] > x[best])
            best = j;
    return (int)best;
}
