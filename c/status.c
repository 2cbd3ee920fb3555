// status.c — building Status values.
#include "status.h"

#include <stdarg.h>
#include <stdio.h>

Status status_ok(void) {
    Status s = {1, {0}};
    return s;
}

Status status_error(const char* fmt, ...) {
    Status s = {0, {0}};
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s.message, sizeof s.message, fmt, ap);
    va_end(ap);
    return s;
}
