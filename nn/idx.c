/* idx.c - IDX files (MNIST, Fashion-MNIST), gzipped or not. */
#include "nn/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define IDX_MAX_DIM (1u << 30)

/* Read exactly n bytes; -1 on a zlib error, else the count read. */
static long read_full(gzFile g, unsigned char *buf, size_t n)
{
    size_t done = 0;
    while (done < n) {
        unsigned chunk = n - done > (1u << 30) ? 1u << 30 : (unsigned)(n - done);
        int r = gzread(g, buf + done, chunk);
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        done += (size_t)r;
    }
    return (long)done;
}

/*
 * Open path and read an IDX file of unsigned bytes with ndim dimensions:
 * dims[] and the payload (*data, malloc'ed).
 */
static int idx_read(const char *path, int ndim, uint32_t *dims, unsigned char **data,
                    nn_error *err)
{
    *data = NULL;
    errno = 0;
    gzFile g = gzopen(path, "rb");
    if (!g)
        return nn_fail(err, CKKS_EIO, "%s: %s", path, errno ? strerror(errno) : "cannot open");
    unsigned char hdr[4 + 4 * 3];
    size_t hlen = 4 + 4 * (size_t)ndim;
    int rc = 0;
    long got = read_full(g, hdr, hlen);
    if (got < 0) {
        int zerr;
        rc = nn_fail(err, CKKS_EFORMAT, "%s: %s", path, gzerror(g, &zerr));
    } else if ((size_t)got < 4) {
        rc = nn_fail(err, CKKS_EFORMAT, "%s: truncated IDX header", path);
    } else if (hdr[0] || hdr[1] || hdr[2] != 0x08 || hdr[3] != ndim) {
        rc = nn_fail(err, CKKS_EFORMAT,
                     "%s: wrong IDX magic 0x%02x%02x%02x%02x (expected 0x000008%02x: "
                     "unsigned bytes, %d dimension%s)",
                     path, hdr[0], hdr[1], hdr[2], hdr[3], ndim, ndim, ndim > 1 ? "s" : "");
    } else if ((size_t)got < hlen) {
        rc = nn_fail(err, CKKS_EFORMAT, "%s: truncated IDX header", path);
    }
    size_t total = 1;
    for (int i = 0; i < ndim && !rc; i++) {
        const unsigned char *p = hdr + 4 + 4 * i;
        dims[i] = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
        if (dims[i] == 0 || dims[i] > IDX_MAX_DIM || total > SIZE_MAX / 2 / dims[i])
            rc = nn_fail(err, CKKS_EFORMAT, "%s: dimension %d of size %u is out of range", path,
                         i, dims[i]);
        total *= dims[i];
    }
    if (!rc && !(*data = malloc(total + 1)))
        rc = nn_fail(err, CKKS_ENOMEM, "%s: out of memory", path);
    if (!rc) {
        got = read_full(g, *data, total + 1);
        int zerr;
        if (got < 0)
            rc = nn_fail(err, CKKS_EFORMAT, "%s: %s", path, gzerror(g, &zerr));
        else if ((size_t)got != total)
            rc = nn_fail(err, CKKS_EFORMAT, "%s: size mismatch: the header announces %zu data "
                         "bytes, the file holds %s", path, total,
                         (size_t)got < total ? "fewer" : "more");
    }
    gzclose(g);
    if (rc) {
        free(*data);
        *data = NULL;
    }
    return rc;
}

int nn_idx_load(const char *images, const char *labels, nn_data **out, nn_error *err)
{
    *out = NULL;
    uint32_t di[3], dl[1];
    unsigned char *pix, *lab;
    int rc = idx_read(images, 3, di, &pix, err);
    if (rc)
        return rc;
    if ((rc = idx_read(labels, 1, dl, &lab, err))) {
        free(pix);
        return rc;
    }
    nn_data *data = NULL;
    if (di[0] != dl[0]) {
        rc = nn_fail(err, CKKS_EFORMAT, "%s: %u labels for %u images in %s", labels, dl[0],
                     di[0], images);
    } else if (!(data = nn_data_new(di[0], (size_t)di[1] * di[2], 10))) {
        rc = nn_fail(err, CKKS_ENOMEM, "%s: out of memory", images);
    } else {
        data->img_h = (int)di[1];
        data->img_w = (int)di[2];
        for (size_t i = 0; i < data->n * data->d; i++)
            data->x[i] = pix[i] / 255.0;
        for (size_t i = 0; i < data->n && !rc; i++) {
            if (lab[i] >= 10)
                rc = nn_fail(err, CKKS_EFORMAT, "%s: label %u of item %zu out of range 0..9",
                             labels, lab[i], i);
            data->y[i] = lab[i];
        }
    }
    free(pix);
    free(lab);
    if (rc)
        nn_data_free(data);
    else
        *out = data;
    return rc;
}

/* dir/name.gz, or dir/name when only the uncompressed file exists. */
static void locate(char *buf, size_t len, const char *dir, const char *name)
{
    snprintf(buf, len, "%s/%s", dir, name);
    if (access(buf, R_OK))
        snprintf(buf, len, "%s/%.*s", dir, (int)(strlen(name) - 3), name);
    if (access(buf, R_OK))
        snprintf(buf, len, "%s/%s", dir, name);
}

int nn_fashion_load(const char *dir, nn_data **train, nn_data **test, nn_error *err)
{
    static const char *const names[4] = {
        "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"};
    char path[4][4096];
    *train = *test = NULL;
    if (!dir)
        dir = NN_FASHION_DIR;
    for (int i = 0; i < 4; i++) {
        locate(path[i], sizeof path[i], dir, names[i]);
        if (access(path[i], R_OK))
            return nn_fail(err, CKKS_EIO,
                           "Fashion-MNIST not found: %s is missing; install Debian's "
                           "dataset-fashion-mnist package (apt install dataset-fashion-mnist) "
                           "or give the directory holding the IDX files", path[i]);
    }
    int rc = nn_idx_load(path[0], path[1], train, err);
    if (!rc && (rc = nn_idx_load(path[2], path[3], test, err))) {
        nn_data_free(*train);
        *train = NULL;
    }
    return rc;
}
