/* random.h - deterministic test inputs shared by every suite. */
#ifndef HETRAIN_TESTS_RANDOM_H
#define HETRAIN_TESTS_RANDOM_H

#include <stddef.h>
#include <stdint.h>

/* The next 64 bits of a splitmix64 stream. */
static inline uint64_t test_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* The next value uniform in [-1, 1) of that stream. */
static inline double test_uniform(uint64_t *state)
{
    return (double)(test_next(state) >> 11) * 0x1p-52 - 1.0;
}

/* n values uniform in [-1, 1) from seed. */
static inline void random_vector(double *v, size_t n, uint64_t seed)
{
    for (size_t i = 0; i < n; i++) v[i] = test_uniform(&seed);
}

#endif
