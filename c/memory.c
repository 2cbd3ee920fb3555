// memory.c — the allocator, with a switch that makes one allocation fail so
// tests can walk every out-of-memory path (tests/c/test_memory.c).
#include "memory.h"

#include <stdlib.h>

static long fail_countdown;  // 0: off; 1: the next allocation fails
static int fail_happened;

static int should_fail(void) {
    if (fail_countdown == 0) return 0;
    if (--fail_countdown > 0) return 0;
    fail_happened = 1;
    return 1;
}

void mem_fail_at(long k) {
    fail_countdown = k > 0 ? k : 0;
    fail_happened = 0;
}

int mem_failed(void) { return fail_happened; }

void* mem_alloc(size_t n) { return should_fail() ? NULL : malloc(n); }
void* mem_calloc(size_t count, size_t size) { return should_fail() ? NULL : calloc(count, size); }
void* mem_realloc(void* p, size_t n) { return should_fail() ? NULL : realloc(p, n); }
