/* simulate.c - CKKS precision simulation: scale-relative noise on operation outputs. */
#include "nn/internal.h"

#include <math.h>

void nn_sim_perturb(const nn_sim *sim, double *x, size_t rows, size_t cols, size_t ld,
                    uint64_t step, uint64_t op)
{
    if (!sim || sim->bits <= 0)
        return;
    /* CKKS error is absolute at the ciphertext's scale: size it by the largest value. */
    double mx = 0.0;
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++)
            mx = fmax(mx, fabs(x[i * ld + j]));
    double amp = ldexp(mx, -sim->bits);
    uint64_t key = nn_hash(sim->seed, step, op);
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++) {
            uint64_t r = nn_hash(key, i, j);
            double u = (double)(r >> 11) * 0x1p-52 - 1.0; /* uniform in [-1, 1) */
            x[i * ld + j] += amp * u;
        }
}
