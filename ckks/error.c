/* error.c - status codes to text. */
#include "ckks/ckks.h"

const char *ckks_strerror(int err)
{
    switch (err) {
    case CKKS_OK: return "success";
    case CKKS_EINVAL: return "invalid argument";
    case CKKS_ENOMEM: return "out of memory";
    case CKKS_ESECURITY: return "parameter set exceeds the HE Standard bound for 128-bit security";
    case CKKS_EINSECURE: return "insecure test parameters used without CKKS_ALLOW_INSECURE";
    case CKKS_EPRIME: return "not enough NTT-friendly primes of the requested sizes";
    case CKKS_ECONTEXT: return "operands belong to different contexts or parameter sets";
    case CKKS_ELEVEL: return "level mismatch, or no level left";
    case CKKS_ESCALE: return "scale mismatch";
    case CKKS_ESLOTS: return "slot count mismatch or out of range";
    case CKKS_EKEY: return "required key missing or of the wrong kind";
    case CKKS_EOVERFLOW: return "value too large for the modulus at this scale";
    case CKKS_EIO: return "input/output error";
    case CKKS_EFORMAT: return "truncated, corrupted or unrecognized data";
    case CKKS_EVERSION: return "unsupported format version";
    case CKKS_EPARAMS: return "object belongs to another parameter set";
    case CKKS_ESIZE: return "ciphertext has the wrong number of components";
    case CKKS_ERANDOM: return "the operating system's random source failed";
    default: return "unknown error";
    }
}
