/* matrix.c - dense products for training; deterministic for any thread count. */
#include "nn/nn.h"

/*
 * Below this many multiply-adds (about a millisecond of work) a product
 * runs on one thread: a fork/join costs microseconds on an idle machine but
 * milliseconds when another process holds a core, and a training step at
 * batch 48 is a dozen small products. Larger batches and evaluation
 * chunks still use every thread.
 */
#define PAR_WORK (1u << 21)

/* Eight doubles; unaligned loads and stores are fine. */
typedef double v8d __attribute__((vector_size(64), aligned(8)));

/*
 * Rows r < R (R <= 4, a constant after inlining) of a product, each
 * c[r][j] = sum_p a[r * ars + p * as] * b[p * ldb + j], p ascending. The
 * sum order of every element is fixed, whatever the vector width or the
 * row blocking, so every clone and thread count gives identical bits
 * (ISO C mode: no FMA contraction). Register blocks of 4 rows x 16 columns
 * load each row of b once per 4 output rows.
 */
static inline __attribute__((always_inline)) void
rows(int R, size_t n, size_t k, const double *a, size_t ars, size_t as, const double *b,
     size_t ldb, double *c, size_t ldc)
{
    size_t j = 0;
    for (; j + 16 <= n; j += 16) {
        v8d acc[4][2] = {{{0}}};
        for (size_t p = 0; p < k; p++) {
            v8d b0 = *(const v8d *)(b + p * ldb + j), b1 = *(const v8d *)(b + p * ldb + j + 8);
            for (int r = 0; r < R; r++) {
                double x = a[r * ars + p * as];
                acc[r][0] += x * b0;
                acc[r][1] += x * b1;
            }
        }
        for (int r = 0; r < R; r++) {
            *(v8d *)(c + r * ldc + j) = acc[r][0];
            *(v8d *)(c + r * ldc + j + 8) = acc[r][1];
        }
    }
    for (; j + 8 <= n; j += 8) {
        v8d acc[4] = {{0}};
        for (size_t p = 0; p < k; p++) {
            v8d b0 = *(const v8d *)(b + p * ldb + j);
            for (int r = 0; r < R; r++)
                acc[r] += a[r * ars + p * as] * b0;
        }
        for (int r = 0; r < R; r++)
            *(v8d *)(c + r * ldc + j) = acc[r];
    }
    for (; j < n; j++)
        for (int r = 0; r < R; r++) {
            double s = 0.0;
            for (size_t p = 0; p < k; p++)
                s += a[r * ars + p * as] * b[p * ldb + j];
            c[r * ldc + j] = s;
        }
}

/* Output rows 4g .. 4g + 3 (fewer at the end) of an m-row product. */
__attribute__((target_clones("avx512f", "avx2", "default")))
static void row_group(size_t g, size_t m, size_t n, size_t k, const double *a, size_t ars,
                      size_t as, const double *b, size_t ldb, double *c, size_t ldc)
{
    size_t i = 4 * g;
    a += i * ars;
    c += i * ldc;
    if (i + 4 <= m) {
        rows(4, n, k, a, ars, as, b, ldb, c, ldc);
    } else {
        for (; i < m; i++, a += ars, c += ldc)
            rows(1, n, k, a, ars, as, b, ldb, c, ldc);
    }
}

/* C = op(A) B, row i of op(A) being a + i * ars with elements p * as apart. */
static void product(size_t m, size_t n, size_t k, const double *a, size_t ars, size_t as,
                    const double *b, size_t ldb, double *c, size_t ldc)
{
    size_t groups = (m + 3) / 4;
#pragma omp parallel for schedule(static) if (m * n * k >= PAR_WORK)
    for (size_t g = 0; g < groups; g++)
        row_group(g, m, n, k, a, ars, as, b, ldb, c, ldc);
}

void nn_gemm_nn(size_t m, size_t n, size_t k, const double *a, size_t lda,
                const double *b, size_t ldb, double *c, size_t ldc)
{
    product(m, n, k, a, lda, 1, b, ldb, c, ldc);
}

void nn_gemm_tn(size_t m, size_t n, size_t k, const double *a, size_t lda,
                const double *b, size_t ldb, double *c, size_t ldc)
{
    product(m, n, k, a, 1, lda, b, ldb, c, ldc);
}

void nn_gemm_nt(size_t m, size_t n, size_t k, const double *a, size_t lda,
                const double *b, size_t ldb, double *c, size_t ldc)
{
#pragma omp parallel for schedule(static) if (m * n * k >= PAR_WORK)
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            const double *ai = a + i * lda, *bj = b + j * ldb;
            double s = 0.0;
            for (size_t p = 0; p < k; p++)
                s += ai[p] * bj[p];
            c[i * ldc + j] = s;
        }
}
