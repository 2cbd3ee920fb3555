// memory.h — one cap on what normscope holds, and the allocator every
// buffer comes from (DESIGN.md, "Memory").
#ifndef NORMSCOPE_MEMORY_H
#define NORMSCOPE_MEMORY_H

#include <stddef.h>
#include <stdint.h>

// The WASM instance's maximum memory (build.sh: -sMAXIMUM_MEMORY). Requests
// are checked before anything is allocated against the budget: what is left
// after the stack, the text and files in transit, and the allocator's slack.
#define MEMORY_CAP_MIB 512
#define MEMORY_BUDGET_BYTES ((uint64_t)448 << 20)

// malloc, calloc, realloc: NULL on failure, never an abort or a trap.
void* mem_alloc(size_t n);
void* mem_calloc(size_t count, size_t size);
void* mem_realloc(void* p, size_t n);

// Tests: the k-th allocation from now fails (k ≥ 1; 0: none does), so every
// allocation's failure path can be run. mem_failed() tells whether it has.
void mem_fail_at(long k);
int mem_failed(void);

#endif
