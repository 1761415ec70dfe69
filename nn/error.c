/* error.c - filling nn_error messages. */
#include "nn/internal.h"

#include <stdarg.h>

int nn_fail(nn_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}
