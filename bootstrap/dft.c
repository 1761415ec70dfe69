/*
 * dft.c - the special FFT of the CKKS encoder as a product of sparse
 * diagonal matrices, grouped into a given number of levels.
 *
 * Decoding n slots evaluates u(X) = sum_k u_k X^k at xi_j =
 * w^(5^j mod 4n), w = exp(2 pi i / 4n) (see ckks/encoder.c). On
 * bit-reversed input this is log2(n) butterfly stages; the stage of
 * length len (h = len / 2, w_j = exp(2 pi i (5^j mod 4 len) / (4 len)))
 * maps, in each block of len entries,
 *     (a_j, a_{j+h}) -> (a_j + w_j a_{j+h}, a_j - w_j a_{j+h}),
 * a matrix with the three diagonals 0, +h and -h. Its inverse is
 *     (b_j, b_{j+h}) -> ((b_j + b_{j+h}) / 2, conj(w_j) (b_j - b_{j+h}) / 2).
 * Multiplying r consecutive stages gives at most 2^(r+1) - 1 diagonals.
 */
#include "bootstrap/internal.h"

#include <math.h>
#include <stdlib.h>

/* The butterfly stage of length len, or its inverse. */
static boot_matrix *stage(int n, int len, bool inverse)
{
    const long double pi = 3.141592653589793238462643383279502884L;
    int h = len / 2;
    boot_matrix *m = boot_matrix_new(n);
    double complex *d0 = m ? boot_matrix_diag(m, 0) : NULL;
    double complex *dp = d0 ? boot_matrix_diag(m, h) : NULL;
    double complex *dm = dp ? boot_matrix_diag(m, -h) : NULL;
    if (!dm) {
        boot_matrix_free(m);
        return NULL;
    }
    /* with h = n / 2 the diagonals +h and -h are the same one */
    uint64_t order = 4 * (uint64_t)len, e = 1;
    for (int j = 0; j < h; j++, e = e * 5 % order) {
        long double a = 2 * pi * (long double)e / (long double)order;
        double complex w = CMPLX((double)cosl(a), (double)sinl(a));
        for (int s = 0; s < n; s += len) {
            if (inverse) {
                d0[s + j] = 0.5;
                dp[s + j] += 0.5;
                dm[s + j + h] += conj(w) / 2;
                d0[s + j + h] = -conj(w) / 2;
            } else {
                d0[s + j] = 1;
                dp[s + j] += w;
                dm[s + j + h] += 1;
                d0[s + j + h] = -w;
            }
        }
    }
    return m;
}

int boot_dft_factors(int log_slots, int levels, bool inverse, boot_matrix **out)
{
    if (log_slots < 1 || levels < 1 || levels > log_slots || !out) return CKKS_EINVAL;
    int n = 1 << log_slots;
    for (int g = 0; g < levels; g++) out[g] = NULL;
    /* stages in the order they are applied: decoding from len = 2 up,
     * encoding from len = n down */
    int stage_no = 0;
    for (int g = 0; g < levels; g++) {
        int count = log_slots / levels + (g < log_slots % levels);
        for (int c = 0; c < count; c++, stage_no++) {
            int len = inverse ? n >> stage_no : 2 << stage_no;
            boot_matrix *s = stage(n, len, inverse), *p = s;
            if (s && out[g]) {
                p = boot_matrix_mul(s, out[g]);
                boot_matrix_free(s);
            }
            if (!p) {
                for (int k = 0; k <= g; k++) {
                    boot_matrix_free(out[k]);
                    out[k] = NULL;
                }
                return CKKS_ENOMEM;
            }
            if (p != s) boot_matrix_free(out[g]);
            out[g] = p;
        }
    }
    return 0;
}
