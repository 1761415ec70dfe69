/* IDX loader on gzipped fixtures written here, and on Fashion-MNIST when installed. */
#include <criterion/criterion.h>
#include <zlib.h>

#include "fixture.h"
#include "nn/nn.h"

enum { N = 3, H = 4, W = 5 };

/* An IDX header (magic for ndim dimensions of unsigned bytes, dims) then len payload bytes. */
static void write_idx(const char *path, int gz, int ndim, const uint32_t *dims,
                      const unsigned char *payload, size_t len)
{
    unsigned char hdr[16] = {0, 0, 8, (unsigned char)ndim};
    for (int i = 0; i < ndim; i++)
        for (int b = 0; b < 4; b++)
            hdr[4 + 4 * i + b] = (unsigned char)(dims[i] >> (24 - 8 * b));
    if (gz) {
        gzFile g = gzopen(path, "wb");
        cr_assert_not_null(g);
        cr_assert_eq(gzwrite(g, hdr, 4 + 4 * (unsigned)ndim), 4 + 4 * ndim);
        if (len)
            cr_assert_eq(gzwrite(g, payload, (unsigned)len), (int)len);
        cr_assert_eq(gzclose(g), Z_OK);
    } else {
        FILE *f = fopen(path, "wb");
        cr_assert_not_null(f);
        fwrite(hdr, 1, 4 + 4 * (size_t)ndim, f);
        fwrite(payload, 1, len, f);
        cr_assert_eq(fclose(f), 0);
    }
}

typedef struct {
    char dir[64], img[128], lab[128];
    unsigned char pix[N * H * W + 8], y[N + 8];
} fixture;

/* Good image and label files (gzipped when gz) with n_img images and n_lab labels. */
static void make(fixture *f, int gz, uint32_t n_img, uint32_t n_lab)
{
    tmp_dir(f->dir, sizeof f->dir);
    snprintf(f->img, sizeof f->img, "%s/img.gz", f->dir);
    snprintf(f->lab, sizeof f->lab, "%s/lab.gz", f->dir);
    for (size_t i = 0; i < sizeof f->pix; i++)
        f->pix[i] = (unsigned char)(i * 37 + 11);
    for (size_t i = 0; i < sizeof f->y; i++)
        f->y[i] = (unsigned char)(i % 10);
    uint32_t di[3] = {n_img, H, W}, dl[1] = {n_lab};
    write_idx(f->img, gz, 3, di, f->pix, (size_t)n_img * H * W);
    write_idx(f->lab, gz, 1, dl, f->y, n_lab);
}

Test(idx, good_gz_and_plain)
{
    for (int gz = 0; gz < 2; gz++) {
        fixture f;
        nn_data *d;
        nn_error err;
        make(&f, gz, N, N);
        cr_assert_eq(nn_idx_load(f.img, f.lab, &d, &err), 0, "%s", err.msg);
        cr_assert_eq(d->n, N);
        cr_assert_eq(d->d, H * W);
        cr_assert_eq(d->img_h, H);
        cr_assert_eq(d->img_w, W);
        cr_assert_eq(d->nclass, 10);
        for (size_t i = 0; i < N * H * W; i++)
            cr_assert_eq(d->x[i], f.pix[i] / 255.0);
        for (size_t i = 0; i < N; i++)
            cr_assert_eq(d->y[i], f.y[i]);
        nn_data_free(d);
        tmp_cleanup(f.dir);
    }
}

/* nn_idx_load of (img, lab) fails with CKKS_EFORMAT, naming bad, saying want. */
static void expect_bad(const char *img, const char *lab, const char *bad, const char *want)
{
    nn_data *d = (nn_data *)1;
    nn_error err = {{0}};
    cr_assert_eq(nn_idx_load(img, lab, &d, &err), CKKS_EFORMAT, "accepted (%s)", want);
    cr_assert_null(d);
    cr_assert_not_null(strstr(err.msg, bad), "'%s' does not name %s", err.msg, bad);
    cr_assert_not_null(strstr(err.msg, want), "'%s' lacks '%s'", err.msg, want);
}

Test(idx, malformed)
{
    fixture f;
    char path[128];
    make(&f, 1, N, N);
    uint32_t di[3] = {N, H, W}, dl[1] = {N};

    /* The label file where the images belong, and a 2-dimensional image file. */
    expect_bad(f.lab, f.lab, f.lab, "wrong IDX magic 0x00000801");
    snprintf(path, sizeof path, "%s/two.gz", f.dir);
    write_idx(path, 1, 2, di, f.pix, N * H);
    expect_bad(path, f.lab, path, "wrong IDX magic 0x00000802");
    /* Truncated and oversized payloads. */
    snprintf(path, sizeof path, "%s/short.gz", f.dir);
    write_idx(path, 1, 3, di, f.pix, N * H * W - 1);
    expect_bad(path, f.lab, path, "size mismatch");
    snprintf(path, sizeof path, "%s/long.gz", f.dir);
    write_idx(path, 1, 3, di, f.pix, N * H * W + 1);
    expect_bad(path, f.lab, path, "holds more");
    /* A header cut short, and a file that is not gzip but garbage after the magic. */
    snprintf(path, sizeof path, "%s/hdr.gz", f.dir);
    write_idx(path, 1, 0, di, NULL, 0);
    expect_bad(path, f.lab, path, "wrong IDX magic");
    tmp_file(path, sizeof path, f.dir, "empty", "", 0);
    expect_bad(path, f.lab, path, "truncated IDX header");
    /* Counts that differ, and a label out of range. */
    snprintf(path, sizeof path, "%s/lab2.gz", f.dir);
    dl[0] = N - 1;
    write_idx(path, 1, 1, dl, f.y, N - 1);
    expect_bad(f.img, path, path, "2 labels for 3 images");
    unsigned char y[N] = {1, 10, 2};
    dl[0] = N;
    snprintf(path, sizeof path, "%s/lab3.gz", f.dir);
    write_idx(path, 1, 1, dl, y, N);
    expect_bad(f.img, path, path, "label 10 of item 1 out of range");
    /* A corrupted gzip stream. */
    snprintf(path, sizeof path, "%s/corrupt.gz", f.dir);
    FILE *in = fopen(f.img, "rb"), *out = fopen(path, "wb");
    unsigned char buf[4096];
    size_t n = fread(buf, 1, sizeof buf, in);
    for (size_t i = 12; i < n - 8; i++)
        buf[i] ^= 0x5a;
    fwrite(buf, 1, n, out);
    fclose(in);
    fclose(out);
    nn_data *d;
    nn_error err;
    cr_assert_neq(nn_idx_load(path, f.lab, &d, &err), 0);
    cr_assert_not_null(strstr(err.msg, path));
    tmp_cleanup(f.dir);
}

Test(idx, fashion_missing_names_the_package)
{
    nn_data *tr = (nn_data *)1, *te = (nn_data *)1;
    nn_error err;
    cr_assert_eq(nn_fashion_load("/nonexistent", &tr, &te, &err), CKKS_EIO);
    cr_assert_null(tr);
    cr_assert_null(te);
    cr_assert_not_null(strstr(err.msg, "dataset-fashion-mnist"), "%s", err.msg);
    cr_assert_not_null(strstr(err.msg, "/nonexistent/train-images-idx3-ubyte"), "%s", err.msg);
}

Test(idx, fashion_installed)
{
    char probe[256];
    snprintf(probe, sizeof probe, "%s/t10k-labels-idx1-ubyte.gz", NN_FASHION_DIR);
    if (access(probe, R_OK))
        cr_skip_test("Fashion-MNIST not installed (Debian package dataset-fashion-mnist)");
    nn_data *tr, *te;
    nn_error err;
    cr_assert_eq(nn_fashion_load(NULL, &tr, &te, &err), 0, "%s", err.msg);
    cr_assert_eq(tr->n, 60000);
    cr_assert_eq(te->n, 10000);
    cr_assert_eq(tr->d, 784);
    size_t count[10] = {0};
    for (size_t i = 0; i < te->n; i++)
        count[te->y[i]]++;
    for (int k = 0; k < 10; k++)
        cr_assert_eq(count[k], 1000);
    nn_data_free(tr);
    nn_data_free(te);
}
