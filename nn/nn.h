/*
 * nn.h - datasets, local-loss networks and the plaintext reference trainer.
 *
 * Conventions (see DESIGN.md):
 *  - Matrices are dense, row-major, double precision.
 *  - Functions that can fail return 0 or a negative CKKS_E* code from
 *    ckks/ckks.h. Loaders also fill an nn_error (may be NULL) with a message
 *    naming the file and, for text files, the line.
 *  - Every random choice (split, initialization, shuffling, simulated noise)
 *    derives from an explicit seed; results do not depend on the number of
 *    OpenMP threads.
 *
 * Training algorithm (DESIGN.md, "The training algorithm"). A local-error-
 * signal (LES) model is a stack of blocks. For a mini-batch A (b x k_{h-1})
 * and one-hot labels Y (b x o), block h computes
 *
 *     Z  = A W        A' = f(Z)        P = A' C        G = P - Y
 *     dC = A'^T G     dA = G C^T       dZ = dA (.) f'(Z)   dW = A^T dZ
 *
 * and block h+1 takes A' as input; no gradient crosses blocks. With biases
 * on (nn_spec.bias), A and A' carry an appended constant column 1, so W has
 * k_{h-1} + 1 rows and C has k_h + 1 rows; dA then drops that column.
 *
 * Loss scaling: each block's loss is L_h = 1/2 sum_{batch} ||P - Y||^2, a
 * sum over the batch, and the gradients above are exactly its gradients
 * (no 1/b inside). The optimizer divides them by the batch size b, so SGD
 * minimizes the mean loss. The back-propagation baselines use the summed
 * softmax cross-entropy in the same way.
 *
 * Optimizer: SGD with Nesterov momentum mu and weight decay wd, in the
 * common (PyTorch) form, for every weight matrix w with momentum v:
 *
 *     g = grad / b + wd * w        v = mu * v + g        w = w - lr * (g + mu * v)
 */
#ifndef HETRAIN_NN_H
#define HETRAIN_NN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ckks/ckks.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- errors ---------------------------------------------------------- */

#define NN_ERRLEN 512

/* A human-readable explanation of the last failure ("file:line: ..."). */
typedef struct {
    char msg[NN_ERRLEN];
} nn_error;

/* ---- datasets ---------------------------------------------------------- */

#define NN_MAX_CLASSES 256

/*
 * n samples of d features (x, row-major n x d) with labels y in
 * 0..nclass-1. Images also record their shape (img_h x img_w = d);
 * tabular data has img_h = img_w = 0.
 */
typedef struct {
    size_t n, d;
    int nclass;
    int img_h, img_w;
    double *x;
    int *y;
} nn_data;

/* Zero-filled data set; NULL when out of memory or nclass is out of range. */
nn_data *nn_data_new(size_t n, size_t d, int nclass);
void nn_data_free(nn_data *data);
/* The rows idx[0..n-1] of src, in that order (NULL when out of memory). */
nn_data *nn_data_subset(const nn_data *src, const size_t *idx, size_t n);

/* How to read a CSV file; NULL options mean {-1, 0}. */
typedef struct {
    int label_col; /* 0-based label column; negative counts from the end, -1 = last */
    int nclass;    /* 0: from the header, else the largest label + 1 */
} nn_csv_options;

/*
 * Load a numeric CSV table. Fields are separated by commas, optionally
 * surrounded by blanks; CRLF line ends and blank lines are accepted. The
 * first line is a header when it holds a non-numeric field; a header of the
 * form "rows,features,name0,name1,..." (as in data/breast_cancer.csv) is
 * checked against the table and gives the class count. Labels must be
 * integers in 0..nclass-1 (nclass <= NN_MAX_CLASSES). opt == NULL: label in
 * the last column. Ragged rows, non-numeric fields, out-of-range labels and
 * empty files are CKKS_EFORMAT with "path:line: ..." in err; a missing file
 * is CKKS_EIO.
 */
int nn_csv_load(const char *path, const nn_csv_options *opt, nn_data **out,
                nn_error *err);

/*
 * Load an IDX image file (magic 0x00000803, unsigned bytes, n x h x w) and
 * its IDX label file (0x00000801), gzipped or not. Pixels become
 * value / 255. A wrong magic, truncated or oversized data, differing counts
 * or labels >= 10 give CKKS_EFORMAT; a missing file CKKS_EIO.
 */
int nn_idx_load(const char *images, const char *labels, nn_data **out,
                nn_error *err);

/* Where Debian's dataset-fashion-mnist package installs Fashion-MNIST. */
#define NN_FASHION_DIR "/usr/share/datasets/fashion-mnist"

/*
 * The Fashion-MNIST training (60000) and test (10000) sets from dir
 * (NULL: NN_FASHION_DIR). When the files are absent, CKKS_EIO with a
 * message naming the package to install.
 */
int nn_fashion_load(const char *dir, nn_data **train, nn_data **test,
                    nn_error *err);

/* ---- preprocessing --------------------------------------------------- */

/*
 * Downscale images to h x w by area averaging (each output pixel is the
 * mean of the input area it covers, fractional overlaps weighted), e.g.
 * 28x28 -> 14x14 or 8x8. CKKS_EINVAL when src holds no images or the
 * target is larger.
 */
int nn_resize(const nn_data *src, int h, int w, nn_data **out);

/*
 * Stratified split: ceil(test_frac * n) test samples, shared among the
 * classes in proportion to their sizes (largest remainders get the rest),
 * chosen within each class by a seeded shuffle; the others form the
 * training set. Both keep the original row order. 0 < test_frac < 1.
 * Breast cancer at 0.2: 455 training and 114 test samples.
 */
int nn_split_stratified(const nn_data *data, double test_frac, uint64_t seed,
                        nn_data **train, nn_data **test);

/*
 * Per-feature mean and scale (standard deviation, 1 for constant features)
 * and an optional clipping bound: polynomial activations amplify outliers,
 * and CKKS needs inputs in a known range.
 */
typedef struct {
    size_t d;
    double *mean, *scale;
    double clip; /* > 0: standardized values are clipped to [-clip, clip] */
} nn_standardizer;

/* Fit on data (the training split only); mean/scale are allocated, clip = 0. */
int nn_standardizer_fit(nn_standardizer *s, const nn_data *data);
/* x = (x - mean) / scale, then clipped; CKKS_EINVAL on a feature-count mismatch. */
int nn_standardizer_apply(const nn_standardizer *s, nn_data *data);
void nn_standardizer_clear(nn_standardizer *s);

/* out (n x nclass) = one-hot rows of labels y. */
void nn_onehot(const int *y, size_t n, int nclass, double *out);

/*
 * perm = a permutation of 0..n-1 that depends on (seed, epoch) only.
 * Mini-batch j of that epoch is perm[j*B .. min(n, (j+1)*B) - 1]; the last
 * batch may be smaller, no sample is dropped.
 */
void nn_shuffle(size_t n, uint64_t seed, uint64_t epoch, size_t *perm);
/* Number of mini-batches of size batch covering n samples. */
size_t nn_nbatches(size_t n, size_t batch);

/* ---- random numbers -------------------------------------------------- */

/* xoshiro256** seeded through splitmix64; public randomness only. */
typedef struct {
    uint64_t s[4];
} nn_rng;

/* Seed the generator; distinct streams give independent sequences. */
void nn_rng_seed(nn_rng *r, uint64_t seed, uint64_t stream);
uint64_t nn_rng_next(nn_rng *r);
/* Uniform in [0, 1) with 53 random bits. */
double nn_rng_uniform(nn_rng *r);
/* Uniform in 0..n-1, unbiased; n > 0. */
uint64_t nn_rng_below(nn_rng *r, uint64_t n);
/* A pure function of its inputs (a counter-based generator): 64 random bits. */
uint64_t nn_hash(uint64_t a, uint64_t b, uint64_t c);

/* ---- dense kernels ----------------------------------------------------- */

/*
 * Row-major products with leading dimensions (row strides), OpenMP over
 * output rows when large enough. Each output element is summed in a fixed
 * order, so the result is the same for any number of threads.
 *   nn_gemm_nn: C (m x n) = A (m x k) B (k x n)
 *   nn_gemm_tn: C (m x n) = A^T B, A stored k x m, B k x n
 *   nn_gemm_nt: C (m x n) = A B^T, A m x k, B stored n x k
 */
void nn_gemm_nn(size_t m, size_t n, size_t k, const double *a, size_t lda,
                const double *b, size_t ldb, double *c, size_t ldc);
void nn_gemm_tn(size_t m, size_t n, size_t k, const double *a, size_t lda,
                const double *b, size_t ldb, double *c, size_t ldc);
void nn_gemm_nt(size_t m, size_t n, size_t k, const double *a, size_t lda,
                const double *b, size_t ldb, double *c, size_t ldc);

/* ---- models ------------------------------------------------------------ */

typedef enum {
    NN_ARCH_LES,    /* local-loss blocks (the algorithm above) */
    NN_ARCH_BP,     /* back-propagation MLP, ReLU, softmax cross-entropy */
    NN_ARCH_LOGREG, /* multinomial logistic regression */
} nn_arch;

#define NN_MAX_BLOCKS 16
#define NN_MAX_DEGREE 15

/* f(z) = sum_i c[i] z^i. */
typedef struct {
    int degree;
    double c[NN_MAX_DEGREE + 1];
} nn_poly;

/* The default activation f(z) = z^2 + z. */
nn_poly nn_poly_default(void);
/* Parse "c0,c1,...,cd" (coefficients by increasing degree). */
int nn_poly_parse(const char *s, nn_poly *p);

/* A model's shape and options. */
typedef struct {
    nn_arch arch;
    size_t in, out;                 /* features, classes */
    int nhidden;                    /* LES blocks or BP hidden layers */
    size_t hidden[NN_MAX_BLOCKS];   /* their widths */
    int bias;                       /* append a constant 1 feature per layer */
    nn_poly act;                    /* LES activation */
} nn_spec;

/*
 * Fill spec from a model string for data with in features and out classes:
 * either the full shape "in-h1-...-out" (first and last matching the data)
 * or the hidden widths alone "h1-...". LES needs one block at least;
 * logistic regression takes "" or "in-out". Bias on, default activation.
 */
int nn_spec_parse(const char *model, nn_arch arch, size_t in, size_t out,
                  nn_spec *spec, nn_error *err);
/* "in-h1-...-out" into buf. */
void nn_spec_format(const nn_spec *spec, char *buf, size_t len);
/* "les", "bp", "logreg". */
const char *nn_arch_name(nn_arch arch);
int nn_arch_parse(const char *s, nn_arch *arch);

/* A weight matrix (rows x cols), its momentum and its last gradient. */
typedef struct {
    size_t rows, cols;
    double *w, *v, *g;
} nn_layer;

typedef struct nn_work nn_work;

/*
 * LES: w[h] is block h's forward layer, c[h] its classifier (nhidden of
 * each). BP and logistic regression: w[0..nhidden] and c == NULL.
 * A model owns a scratch workspace, so one model is used by one thread at
 * a time (the kernels themselves use OpenMP).
 */
typedef struct {
    nn_spec spec;
    int nw;
    nn_layer *w, *c;
    nn_work *work;
} nn_model;

/*
 * New model with weights drawn uniformly from +-1/sqrt(fan_in) (fan_in
 * counting the bias row) from seed; momenta zero.
 */
int nn_model_new(const nn_spec *spec, uint64_t seed, nn_model **out);
void nn_model_free(nn_model *m);
/* Number of trainable parameters. */
size_t nn_model_params(const nn_model *m);

/* ---- precision simulation --------------------------------------------- */

/*
 * Simulate CKKS precision: with bits > 0, the output X of every operation
 * the encrypted trainer performs in CKKS (the encrypted input batch, the
 * products Z = A W and P = A' C, the activation f(Z) and its derivative
 * f'(Z), dA, dZ and the gradients dW, dC) gets x += u * 2^-bits * max|X|
 * with u uniform in [-1, 1], a pure function of (seed, step, operation,
 * index); max|X| is over the whole matrix, as CKKS error is absolute at a
 * ciphertext's scale. Additions (G = P - Y) add no error. After each
 * update, weights and momenta get the same with boot_bits (one
 * bootstrapping; 0 means bits). bits = 0: exact double precision. Only
 * LES models can be simulated.
 */
typedef struct {
    int bits;
    int boot_bits;
    uint64_t seed;
} nn_sim;

/* Perturb the rows x cols matrix x (row stride ld) as described above. */
void nn_sim_perturb(const nn_sim *sim, double *x, size_t rows, size_t cols,
                    size_t ld, uint64_t step, uint64_t op);

/* ---- training -------------------------------------------------------- */

typedef enum { NN_LR_CONSTANT, NN_LR_COSINE } nn_schedule;

typedef struct {
    double lr;           /* base learning rate */
    double momentum;     /* Nesterov mu, 0.9 */
    double weight_decay;
    nn_schedule schedule;
    long total_steps;    /* cosine: lr * (1 + cos(pi t / total)) / 2 */
} nn_sgd;

/* The learning rate at step t (counted from 0). */
double nn_sgd_lr(const nn_sgd *opt, long t);
/* One update of l from l->g, a gradient summed over a batch of b samples. */
void nn_sgd_update(nn_layer *l, const nn_sgd *opt, double lr, size_t b);

/*
 * Gradients of every layer for the batch x (b x in, without the bias
 * column) and one-hot y (b x out), into each layer's g. loss[h] receives
 * block h's summed loss for LES (nhidden values), or loss[0] the summed
 * cross-entropy for BP / logistic regression; correct (may be NULL) the
 * number of rows whose output argmax is the label. sim may be NULL.
 */
int nn_backward(nn_model *m, const double *x, const double *y, size_t b,
                const nn_sim *sim, uint64_t step, double *loss, size_t *correct);

/*
 * One training step: nn_backward, then nn_sgd_update of every layer with
 * learning rate lr, then (sim) the bootstrapping noise on weights and
 * momenta. *loss (may be NULL) gets the output loss summed over the batch.
 * This is the step the encrypted trainer reproduces.
 */
int nn_step(nn_model *m, const double *x, const double *y, size_t b,
            const nn_sgd *opt, double lr, const nn_sim *sim, uint64_t step,
            double *loss, size_t *correct);

/*
 * Output scores (n x out: the last classifier's P for LES, the logits for
 * BP) of the rows x (n x in); scores may be NULL; labels (may be NULL)
 * receive the argmax.
 */
int nn_predict(nn_model *m, const double *x, size_t n, double *scores,
               int *labels);

/* ---- evaluation -------------------------------------------------------- */

/* Accuracy, mean output loss and confusion matrix (row: true, col: predicted). */
typedef struct {
    int nclass;
    size_t n;
    double accuracy, loss;
    size_t *confusion; /* nclass x nclass */
} nn_eval;

int nn_evaluate(nn_model *m, const nn_data *data, nn_eval *out);
void nn_eval_clear(nn_eval *e);

/* One epoch's record. */
typedef struct {
    int epoch;         /* 1-based */
    double lr;         /* learning rate at the epoch's last step */
    double train_loss, train_accuracy; /* running, over the epoch's batches */
    double test_loss, test_accuracy;
    double seconds;    /* training time of this epoch (no evaluation) */
} nn_epoch_stats;

typedef struct {
    int epochs;
    size_t batch;
    nn_sgd sgd;        /* total_steps is filled in by nn_train */
    nn_sim sim;
    uint64_t seed;     /* shuffling */
} nn_train_config;

typedef void (*nn_epoch_fn)(const nn_epoch_stats *s, void *ctx);

/*
 * Train m on train for cfg->epochs epochs, evaluating on test (may be NULL)
 * after each; history (may be NULL) receives cfg->epochs records and
 * on_epoch (may be NULL) is called after each epoch.
 */
int nn_train(nn_model *m, const nn_data *train, const nn_data *test,
             const nn_train_config *cfg, nn_epoch_stats *history,
             nn_epoch_fn on_epoch, void *ctx);

/* Write s as one JSON line {"epoch":..,...} to f. */
void nn_epoch_json(FILE *f, const nn_epoch_stats *s);
/* Write e's confusion matrix as one JSON line {"confusion":[[..],..]}. */
void nn_eval_json(FILE *f, const nn_eval *e);

/*
 * An SVG plot of loss (left) and accuracy (right) per epoch, train and
 * test. Written to a temporary file, then renamed.
 */
int nn_svg_curves(const char *path, const nn_epoch_stats *h, int n,
                  const char *title, nn_error *err);

#ifdef __cplusplus
}
#endif

#endif
