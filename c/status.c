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
    // Messages quote what they were given (a field value, a tensor name from a
    // file); a control byte there would break the CLI's one line on stderr.
    for (char* p = s.message; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = '?';
    return s;
}
