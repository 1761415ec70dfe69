/* error.c - messages for the packing status codes. */
#include "packing/packing.h"

const char *pack_strerror(int err)
{
    if (err == PACK_ELAYOUT) return "operand layouts do not fit the operation";
    return ckks_strerror(err);
}
