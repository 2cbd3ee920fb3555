// fuzz_common.h — what every fuzz target holds a Status to: a failure says
// why in one printable line (the CLI prints it to stderr, the page shows it).
#ifndef NORMSCOPE_FUZZ_COMMON_H
#define NORMSCOPE_FUZZ_COMMON_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"

static inline void fuzz_check_status(Status s) {
    if (s.ok) return;
    const char* nul = memchr(s.message, 0, sizeof s.message);
    size_t n = nul ? (size_t)(nul - s.message) : sizeof s.message;
    if (n == 0 || n == sizeof s.message) abort();
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s.message[i];
        if (ch < 0x20 || ch == 0x7f) abort();  // a control byte would break the one line
    }
}

#endif
