/* svg.c - training curves as a self-contained SVG file. */
#include "nn/internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define PANEL_W 400
#define PANEL_H 300
#define MARGIN 50

/* One series: the value of field (an offset into nn_epoch_stats) per epoch. */
typedef struct {
    size_t field;
    const char *name, *color;
} series;

static double value(const nn_epoch_stats *s, size_t field)
{
    double v;
    memcpy(&v, (const char *)s + field, sizeof v);
    return v;
}

static void panel(FILE *f, int x0, const char *label, const nn_epoch_stats *h, int n,
                  const series *sr, int ns)
{
    double lo = INFINITY, hi = -INFINITY;
    for (int k = 0; k < ns; k++)
        for (int i = 0; i < n; i++) {
            double v = value(&h[i], sr[k].field);
            lo = fmin(lo, v);
            hi = fmax(hi, v);
        }
    if (!(hi > lo))
        hi = lo + 1.0;
    double pw = PANEL_W - 1.5 * MARGIN, ph = PANEL_H - 2 * MARGIN;
    double px = x0 + MARGIN, py = MARGIN;
    fprintf(f, "<rect x='%g' y='%g' width='%g' height='%g' fill='none' stroke='#888'/>\n", px,
            py, pw, ph);
    fprintf(f, "<text x='%g' y='%g' text-anchor='middle'>%s</text>\n", px + pw / 2, py - 10,
            label);
    for (int t = 0; t <= 4; t++) {
        double v = lo + (hi - lo) * t / 4, y = py + ph - ph * t / 4;
        fprintf(f, "<text x='%g' y='%g' text-anchor='end' font-size='10'>%.3g</text>\n", px - 4,
                y + 3, v);
    }
    fprintf(f, "<text x='%g' y='%g' text-anchor='middle' font-size='10'>epoch (1..%d)</text>\n",
            px + pw / 2, py + ph + 16, n);
    for (int k = 0; k < ns; k++) {
        fprintf(f, "<polyline fill='none' stroke='%s' stroke-width='1.5' points='", sr[k].color);
        for (int i = 0; i < n; i++) {
            double x = px + (n > 1 ? pw * i / (n - 1) : pw / 2);
            double y = py + ph - ph * (value(&h[i], sr[k].field) - lo) / (hi - lo);
            fprintf(f, "%.1f,%.1f ", x, y);
        }
        fprintf(f, "'/>\n<text x='%g' y='%g' fill='%s' font-size='11'>%s</text>\n", px + 8,
                py + ph + 32 + 12 * k, sr[k].color, sr[k].name);
    }
}

int nn_svg_curves(const char *path, const nn_epoch_stats *h, int n, const char *title,
                  nn_error *err)
{
    static const series loss[] = {
        {offsetof(nn_epoch_stats, train_loss), "train loss", "#1f77b4"},
        {offsetof(nn_epoch_stats, test_loss), "test loss", "#d62728"}};
    static const series acc[] = {
        {offsetof(nn_epoch_stats, train_accuracy), "train accuracy", "#1f77b4"},
        {offsetof(nn_epoch_stats, test_accuracy), "test accuracy", "#d62728"}};
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return nn_fail(err, CKKS_EINVAL, "%s: path too long", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return nn_fail(err, CKKS_EIO, "%s: %s", tmp, strerror(errno));
    fprintf(f, "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' "
            "font-family='sans-serif' font-size='13'>\n<rect width='100%%' height='100%%' "
            "fill='white'/>\n<text x='%d' y='18' text-anchor='middle'>",
            2 * PANEL_W, PANEL_H + 20, PANEL_W);
    for (const char *c = title ? title : ""; *c; c++)
        fputs(*c == '<' ? "&lt;" : *c == '>' ? "&gt;" : *c == '&' ? "&amp;" : (char[2]){*c, 0}, f);
    fputs("</text>\n", f);
    panel(f, 0, "loss", h, n, loss, 2);
    panel(f, PANEL_W, "accuracy", h, n, acc, 2);
    fputs("</svg>\n", f);
    int bad = ferror(f);
    if (fclose(f) || bad) {
        remove(tmp);
        return nn_fail(err, CKKS_EIO, "%s: write failed", tmp);
    }
    if (rename(tmp, path)) {
        int e = errno;
        remove(tmp);
        return nn_fail(err, CKKS_EIO, "%s: %s", path, strerror(e));
    }
    return 0;
}
