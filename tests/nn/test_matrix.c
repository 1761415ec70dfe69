/* Dense kernels against a naive product; identical bits for 1 and 2 threads. */
#include <criterion/criterion.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn.h"

static double *random_matrix(size_t n, uint64_t seed)
{
    double *a = malloc(n * sizeof *a);
    nn_rng r;
    nn_rng_seed(&r, seed, 1);
    for (size_t i = 0; i < n; i++)
        a[i] = 2.0 * nn_rng_uniform(&r) - 1.0;
    return a;
}

/* Relative error, in bits, of c (m x n, stride ldc) against a naive product. */
static double check(int kind, size_t m, size_t n, size_t k, const double *a, size_t lda,
                    const double *b, size_t ldb, const double *c, size_t ldc)
{
    double worst = 0.0;
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            double s = 0.0, mag = 0.0;
            for (size_t p = 0; p < k; p++) {
                double x = kind == 1 ? a[p * lda + i] : a[i * lda + p];
                double y = kind == 2 ? b[j * ldb + p] : b[p * ldb + j];
                s += x * y;
                mag += fabs(x * y);
            }
            worst = fmax(worst, fabs(c[i * ldc + j] - s) / mag);
        }
    return worst > 0 ? -log2(worst) : 64.0;
}

static void run(int kind, size_t m, size_t n, size_t k, const double *a, size_t lda,
                const double *b, size_t ldb, double *c, size_t ldc)
{
    if (kind == 0)
        nn_gemm_nn(m, n, k, a, lda, b, ldb, c, ldc);
    else if (kind == 1)
        nn_gemm_tn(m, n, k, a, lda, b, ldb, c, ldc);
    else
        nn_gemm_nt(m, n, k, a, lda, b, ldb, c, ldc);
}

Test(matrix, products_with_strides)
{
    /* The last two are large enough to run on several threads. */
    const size_t shapes[][3] = {{1, 1, 1}, {3, 5, 7}, {48, 128, 197}, {129, 10, 48}, {37, 64, 9},
                                {257, 128, 197}, {197, 130, 255}};
    for (int kind = 0; kind < 3; kind++)
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
            size_t m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
            /* Strides one wider than needed, as with the bias column. */
            size_t lda = (kind == 1 ? m : k) + 1, ldb = (kind == 2 ? k : n) + 1, ldc = n + 2;
            size_t arows = kind == 1 ? k : m, brows = kind == 2 ? n : k;
            double *a = random_matrix(arows * lda, 1), *b = random_matrix(brows * ldb, 2);
            double *c1 = calloc(m * ldc, sizeof *c1), *c2 = calloc(m * ldc, sizeof *c2);
            omp_set_num_threads(1);
            run(kind, m, n, k, a, lda, b, ldb, c1, ldc);
            omp_set_num_threads(2);
            run(kind, m, n, k, a, lda, b, ldb, c2, ldc);
            double bits = check(kind, m, n, k, a, lda, b, ldb, c1, ldc);
            cr_assert_geq(bits, 45, "kind %d shape %zux%zux%zu: %.1f bits", kind, m, n, k, bits);
            cr_assert_arr_eq(c1, c2, m * ldc * sizeof *c1, "thread count changed the result");
            free(a);
            free(b);
            free(c1);
            free(c2);
        }
}
