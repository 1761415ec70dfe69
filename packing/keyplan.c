/* keyplan.c - the exact set of rotation steps a computation needs, derived
 * from its layouts, products and transforms, and what the keys cost. */
#include "packing/packing.h"

#include <stdlib.h>
#include <string.h>

void pack_keyplan_init(pack_keyplan *kp)
{
    if (kp) memset(kp, 0, sizeof *kp);
}

void pack_keyplan_clear(pack_keyplan *kp)
{
    if (!kp) return;
    free(kp->steps);
    memset(kp, 0, sizeof *kp);
}

/* Insert one step, keeping steps sorted and distinct. 0 needs no key. */
static int insert(pack_keyplan *kp, int s)
{
    if (s == 0) return 0;
    size_t lo = 0, hi = kp->count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (kp->steps[mid] < s) lo = mid + 1;
        else hi = mid;
    }
    if (lo < kp->count && kp->steps[lo] == s) return 0;
    if (kp->count == kp->cap) {
        size_t cap = kp->cap ? 2 * kp->cap : 16;
        int *p = realloc(kp->steps, cap * sizeof *p);
        if (!p) return CKKS_ENOMEM;
        kp->steps = p;
        kp->cap = cap;
    }
    memmove(kp->steps + lo + 1, kp->steps + lo, (kp->count - lo) * sizeof *kp->steps);
    kp->steps[lo] = s;
    kp->count++;
    return 0;
}

int pack_keyplan_add(pack_keyplan *kp, const int *steps, size_t n)
{
    if (!kp || (n && !steps)) return CKKS_EINVAL;
    int err = 0;
    for (size_t i = 0; i < n && !err; i++) err = insert(kp, steps[i]);
    return err;
}

/* Steps of a doubling rotate-and-sum along axis of grid g. */
static int add_axis(pack_keyplan *kp, const pack_grid *g, pack_axis axis, int dir)
{
    int steps[16];
    int n = pack_sum_steps(pack_grid_stride(g, axis), (size_t)1 << g->log_dims[axis], dir,
                           g->log_dims[0] + g->log_dims[1] + g->log_dims[2], steps);
    return pack_keyplan_add(kp, steps, (size_t)n);
}

int pack_keyplan_add_matmul(pack_keyplan *kp, const pack_layout *a, const pack_layout *b,
                            pack_op op)
{
    pack_layout out;
    int err = pack_matmul_layout(&out, a, b, op);
    if (err) return err;
    return kp ? add_axis(kp, &out.grid, pack_layout_free_axis(&out), 1) : CKKS_EINVAL;
}

int pack_keyplan_add_replicate(pack_keyplan *kp, const pack_layout *l)
{
    if (!kp || !l) return CKKS_EINVAL;
    return l->fill == PACK_REPLICATED ? 0 : add_axis(kp, &l->grid, pack_layout_free_axis(l), -1);
}

int pack_keyplan_add_lintrans(pack_keyplan *kp, const pack_lintrans *lt)
{
    if (!kp || !lt) return CKKS_EINVAL;
    size_t n = pack_lintrans_steps(lt, NULL);
    int *steps = malloc((n ? n : 1) * sizeof *steps);
    if (!steps) return CKKS_ENOMEM;
    pack_lintrans_steps(lt, steps);
    int err = pack_keyplan_add(kp, steps, n);
    free(steps);
    return err;
}

size_t pack_keyplan_bytes(const ckks_params *p, size_t nkeys)
{
    if (!p || p->dnum < 1 || p->nq < 1) return 0;
    size_t alpha = ((size_t)p->nq + (size_t)p->dnum - 1) / (size_t)p->dnum;
    size_t digits = ((size_t)p->nq + alpha - 1) / alpha;
    size_t words = ((size_t)p->nq + (size_t)p->np) << p->logn;
    return nkeys * digits * 2 * words * sizeof(uint64_t);
}
