/*
 * chacha20.c - the ChaCha20 block function (RFC 8439), the keystream PRNG
 * built on it, and seeds from the operating system.
 */
#include "internal.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

static inline uint32_t rotl32(uint32_t x, int r)
{
    return (x << r) | (x >> (32 - r));
}

static inline uint32_t load32_le(const uint8_t *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
           (uint32_t)b[3] << 24;
}

static inline void store32_le(uint8_t *b, uint32_t x)
{
    b[0] = (uint8_t)x;
    b[1] = (uint8_t)(x >> 8);
    b[2] = (uint8_t)(x >> 16);
    b[3] = (uint8_t)(x >> 24);
}

static inline void quarter_round(uint32_t x[16], int a, int b, int c, int d)
{
    x[a] += x[b]; x[d] = rotl32(x[d] ^ x[a], 16);
    x[c] += x[d]; x[b] = rotl32(x[b] ^ x[c], 12);
    x[a] += x[b]; x[d] = rotl32(x[d] ^ x[a], 8);
    x[c] += x[d]; x[b] = rotl32(x[b] ^ x[c], 7);
}

void ckks_chacha20_block(const uint32_t key[8], uint32_t counter,
                         const uint32_t nonce[3], uint8_t out[64])
{
    /* "expand 32-byte k" */
    uint32_t in[16] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};
    memcpy(in + 4, key, 8 * sizeof(uint32_t));
    in[12] = counter;
    memcpy(in + 13, nonce, 3 * sizeof(uint32_t));

    uint32_t x[16];
    memcpy(x, in, sizeof(x));
    for (int i = 0; i < 10; i++)
        CKKS_CHACHA20_DOUBLE_ROUND(quarter_round, x);
    for (int i = 0; i < 16; i++)
        store32_le(out + 4 * i, x[i] + in[i]);
}

void ckks_prng_init(ckks_prng *p, const uint8_t seed[CKKS_SEED_BYTES],
                    uint32_t domain, uint64_t index)
{
    for (int i = 0; i < 8; i++)
        p->key[i] = load32_le(seed + 4 * i);
    p->nonce[0] = domain;
    p->nonce[1] = (uint32_t)index;
    p->nonce[2] = (uint32_t)(index >> 32);
    p->counter = 0;
    p->pos = sizeof(p->buf);
}

/*
 * The next keystream block. The 32-bit counter wraps (unsigned, so
 * defined) after 2^32 blocks = 256 GiB, when the stream would repeat; no
 * use draws anywhere near that from one (seed, domain, index) stream.
 */
static void next_block(ckks_prng *p, uint8_t out[64])
{
    ckks_chacha20_block(p->key, p->counter, p->nonce, out);
    p->counter++;
}

void ckks_prng_bytes(ckks_prng *p, void *out, size_t len)
{
    uint8_t *o = out;
    while (len > 0) {
        if (p->pos == sizeof(p->buf)) {
            /* Whole blocks go straight to the output. */
            for (; len >= sizeof(p->buf); len -= sizeof(p->buf), o += sizeof(p->buf))
                next_block(p, o);
            if (len == 0)
                break;
            next_block(p, p->buf);
            p->pos = 0;
        }
        size_t take = sizeof(p->buf) - p->pos;
        if (take > len)
            take = len;
        memcpy(o, p->buf + p->pos, take);
        p->pos += (unsigned)take;
        o += take;
        len -= take;
    }
}

uint64_t ckks_prng_u64(ckks_prng *p)
{
    uint8_t b[8];
    const uint8_t *src = b;
    /* Fast path: the word lies within the buffered block. */
    if (p->pos + sizeof(b) <= sizeof(p->buf)) {
        src = p->buf + p->pos;
        p->pos += sizeof(b);
    } else {
        ckks_prng_bytes(p, b, sizeof(b));
    }
    return (uint64_t)load32_le(src) | (uint64_t)load32_le(src + 4) << 32;
}

int ckks_random_seed(uint8_t seed[CKKS_SEED_BYTES])
{
    size_t got = 0;
    while (got < CKKS_SEED_BYTES) {
        ssize_t r = getrandom(seed + got, CKKS_SEED_BYTES - got, 0);
        if (r > 0)
            got += (size_t)r;
        else if (!(r < 0 && errno == EINTR))
            return CKKS_ERANDOM;
    }
    return 0;
}
