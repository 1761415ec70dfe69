/* csv.c - numeric CSV tables with a label column. */
#include "nn/internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Split line in place at commas, trimming blanks; returns the field count. */
static size_t split(char *line, char ***fields, size_t *cap)
{
    size_t n = 0;
    for (char *p = line;;) {
        if (n == *cap) {
            size_t c = *cap ? 2 * *cap : 64;
            char **f = realloc(*fields, c * sizeof *f);
            if (!f)
                return SIZE_MAX;
            *fields = f;
            *cap = c;
        }
        while (*p == ' ' || *p == '\t')
            p++;
        (*fields)[n++] = p;
        char *q = strchr(p, ',');
        char *end = q ? q : p + strlen(p);
        while (end > p && isspace((unsigned char)end[-1]))
            end--;
        *end = '\0';
        if (!q)
            return n;
        p = q + 1;
    }
}

/* A finite number filling the whole field. */
static int parse_number(const char *s, double *x)
{
    char *end;
    errno = 0;
    *x = strtod(s, &end);
    return *s && !*end && errno != ERANGE && isfinite(*x);
}

static int is_blank(const char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    return !*s;
}

/* Growing storage for the table. */
typedef struct {
    double *x;
    int *y;
    size_t n, cap, d;
} table;

static int table_push(table *t)
{
    if (t->n < t->cap)
        return 0;
    size_t c = t->cap ? 2 * t->cap : 256;
    double *x = realloc(t->x, c * t->d * sizeof *x);
    if (!x)
        return CKKS_ENOMEM;
    t->x = x;
    int *y = realloc(t->y, c * sizeof *y);
    if (!y)
        return CKKS_ENOMEM;
    t->y = y;
    t->cap = c;
    return 0;
}

/* The header "rows,features,class0,class1,...": *rows, *features, *nclass. */
static int sklearn_header(char **f, size_t nf, long *rows, long *features, int *nclass)
{
    double a, b, t;
    if (nf < 4 || !parse_number(f[0], &a) || !parse_number(f[1], &b) || a < 0 || b < 1 ||
        a != floor(a) || b != floor(b))
        return 0;
    for (size_t i = 2; i < nf; i++)
        if (parse_number(f[i], &t) || !*f[i])
            return 0;
    *rows = (long)a;
    *features = (long)b;
    *nclass = (int)(nf - 2);
    return 1;
}

int nn_csv_load(const char *path, const nn_csv_options *opt, nn_data **out, nn_error *err)
{
    *out = NULL;
    int want_col = opt ? opt->label_col : -1, nclass = opt ? opt->nclass : 0;
    if (nclass < 0 || nclass > NN_MAX_CLASSES)
        return nn_fail(err, CKKS_EINVAL, "%s: class count %d out of range 1..%d", path,
                       nclass, NN_MAX_CLASSES);
    FILE *f = fopen(path, "r");
    if (!f)
        return nn_fail(err, CKKS_EIO, "%s: %s", path, strerror(errno));

    char *line = NULL, **fields = NULL;
    size_t linecap = 0, fcap = 0, ncols = 0, ncols_line = 0, label = 0, lineno = 0;
    long hdr_rows = -1, hdr_features = -1;
    int hdr_nclass = 0, maxlabel = -1, rc = 0, seen_first = 0, seen_data = 0;
    table t = {0};
    ssize_t len;
    while ((len = getline(&line, &linecap, f)) >= 0) {
        lineno++;
        if ((size_t)len != strlen(line)) {
            rc = nn_fail(err, CKKS_EFORMAT, "%s:%zu: NUL byte in a text line", path, lineno);
            break;
        }
        if (is_blank(line))
            continue;
        line[strcspn(line, "\r\n")] = '\0';
        size_t nf = split(line, &fields, &fcap);
        if (nf == SIZE_MAX) {
            rc = nn_fail(err, CKKS_ENOMEM, "%s:%zu: out of memory", path, lineno);
            break;
        }
        if (!seen_first) {
            seen_first = 1;
            double x;
            int header = 0;
            for (size_t i = 0; i < nf && !header; i++)
                header = !parse_number(fields[i], &x);
            if (header) {
                /* Column names: the data must have as many columns. */
                if (!sklearn_header(fields, nf, &hdr_rows, &hdr_features, &hdr_nclass)) {
                    ncols = nf;
                    ncols_line = lineno;
                }
                continue;
            }
        }
        if (!ncols) {
            ncols = nf;
            ncols_line = lineno;
        }
        if (!seen_data) {
            seen_data = 1;
            if (ncols < 2) {
                rc = nn_fail(err, CKKS_EFORMAT, "%s:%zu: %zu column(s); need features and a "
                             "label", path, lineno, ncols);
                break;
            }
            long c = want_col < 0 ? (long)ncols + want_col : want_col;
            if (c < 0 || c >= (long)ncols) {
                rc = nn_fail(err, CKKS_EINVAL, "%s:%zu: label column %d does not exist (%zu "
                             "columns)", path, lineno, want_col, ncols);
                break;
            }
            label = (size_t)c;
            t.d = ncols - 1;
            if (hdr_features >= 0 && (size_t)hdr_features != t.d) {
                rc = nn_fail(err, CKKS_EFORMAT, "%s:1: header announces %ld features, line %zu "
                             "has %zu", path, hdr_features, lineno, t.d);
                break;
            }
            if (!nclass)
                nclass = hdr_nclass;
        }
        if (nf != ncols) {
            rc = nn_fail(err, CKKS_EFORMAT, "%s:%zu: %zu fields, expected %zu (as on line %zu)",
                         path, lineno, nf, ncols, ncols_line);
            break;
        }
        if ((rc = table_push(&t))) {
            nn_fail(err, rc, "%s:%zu: out of memory", path, lineno);
            break;
        }
        double *row = t.x + t.n * t.d, v;
        for (size_t i = 0, j = 0; i < nf && !rc; i++) {
            if (!parse_number(fields[i], &v)) {
                rc = nn_fail(err, CKKS_EFORMAT, "%s:%zu: field %zu '%.40s' is not a finite "
                             "number", path, lineno, i + 1, fields[i]);
            } else if (i != label) {
                row[j++] = v;
            } else {
                int limit = nclass ? nclass : NN_MAX_CLASSES;
                if (v != floor(v)) {
                    rc = nn_fail(err, CKKS_EFORMAT, "%s:%zu: label '%.40s' (column %zu) is not "
                                 "an integer", path, lineno, fields[i], i + 1);
                } else if (v < 0 || v >= limit) {
                    rc = nn_fail(err, CKKS_EFORMAT, "%s:%zu: label %.0f (column %zu) out of "
                                 "range 0..%d", path, lineno, v, i + 1, limit - 1);
                } else {
                    t.y[t.n] = (int)v;
                    if ((int)v > maxlabel)
                        maxlabel = (int)v;
                }
            }
        }
        if (rc)
            break;
        t.n++;
    }
    if (!rc && ferror(f))
        rc = nn_fail(err, CKKS_EIO, "%s: read error", path);
    if (!rc && t.n == 0)
        rc = nn_fail(err, CKKS_EFORMAT, "%s: empty: no data rows", path);
    if (!rc && hdr_rows >= 0 && (size_t)hdr_rows != t.n)
        rc = nn_fail(err, CKKS_EFORMAT, "%s:1: header announces %ld rows, the file has %zu",
                     path, hdr_rows, t.n);
    if (!rc) {
        nn_data *data = nn_data_new(t.n, t.d, nclass ? nclass : maxlabel + 1);
        if (!data) {
            rc = nn_fail(err, CKKS_ENOMEM, "%s: out of memory", path);
        } else {
            memcpy(data->x, t.x, t.n * t.d * sizeof *t.x);
            memcpy(data->y, t.y, t.n * sizeof *t.y);
            *out = data;
        }
    }
    free(t.x);
    free(t.y);
    free(line);
    free(fields);
    fclose(f);
    return rc;
}
