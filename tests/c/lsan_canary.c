// lsan_canary.c — a leak LeakSanitizer must report. build.sh runs it first:
// if it exits 0, leak checking is not live on this machine (some tracers and
// containers turn it off) and a clean sanitized run would prove nothing.
#include <stdlib.h>

void* volatile kept;

int main(void) {
    kept = malloc(64);
    kept = NULL;  // the only pointer is gone: a definite leak
    return 0;
}
