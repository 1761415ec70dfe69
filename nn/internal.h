/* internal.h - private to nn/: workspace and per-architecture passes. */
#ifndef HETRAIN_NN_INTERNAL_H
#define HETRAIN_NN_INTERNAL_H

#include "nn/nn.h"

/* Fill err->msg (if err) from a printf format and return code. */
int nn_fail(nn_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Scratch for batches of up to cap rows. Activation buffers carry the bias
 * column when the model has biases (row stride width + bias).
 */
struct nn_work {
    size_t cap;
    double *x;                     /* input, cap x (in + bias) */
    double *z[NN_MAX_BLOCKS];      /* pre-activations of block / hidden layer h */
    double *a[NN_MAX_BLOCKS];      /* f(z) or ReLU(z), with bias column */
    double *p, *g;                 /* output scores and their error, cap x out */
    double *da, *dz;               /* cap x widest layer */
};

/* Make m->work hold at least rows rows. */
int nn_work_reserve(nn_model *m, size_t rows);
/* Copy x (rows x in) into the workspace input, appending the bias column. */
void nn_work_input(nn_model *m, const double *x, size_t rows);

/*
 * Passes over the rows already in the workspace input. train: compute the
 * gradients into the layers' g (else only the output scores p). loss as in
 * nn_backward; y may be NULL when not training (no loss then).
 */
void nn_les_pass(nn_model *m, size_t b, const double *y, int train, const nn_sim *sim,
                 uint64_t step, double *loss);
void nn_bp_pass(nn_model *m, size_t b, const double *y, int train, double *loss);

/* Index of the largest of x[0..n-1] (the first on ties). */
int nn_argmax(const double *x, size_t n);

#endif
