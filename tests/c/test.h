// test.h — a minimal harness: every failed check prints what differed and
// where, and main exits non-zero if any check failed.
#ifndef NORMSCOPE_TEST_H
#define NORMSCOPE_TEST_H

#include <math.h>
#include <stdio.h>

extern int test_failures, test_checks;

// |got − want| ≤ ATOL + RTOL·|want|; NaN must meet NaN, ±Inf must meet itself.
static inline int close_enough(double got, double want, double atol, double rtol) {
    if (isnan(want) || isnan(got)) return isnan(want) && isnan(got);
    if (isinf(want) || isinf(got)) return got == want;
    return fabs(got - want) <= atol + rtol * fabs(want);
}

#define CHECK(cond, ...)                                             \
    do {                                                             \
        test_checks++;                                               \
        if (!(cond)) {                                               \
            test_failures++;                                         \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);              \
            printf(__VA_ARGS__);                                     \
            printf("\n");                                            \
        }                                                            \
    } while (0)

#define CHECK_CLOSE(got, want, atol, rtol, ...)                                               \
    do {                                                                                      \
        double got_ = (got), want_ = (want);                                                  \
        test_checks++;                                                                        \
        if (!close_enough(got_, want_, atol, rtol)) {                                         \
            test_failures++;                                                                  \
            printf("FAIL %s:%d: got %.9g, want %.9g: ", __FILE__, __LINE__, got_, want_);     \
            printf(__VA_ARGS__);                                                              \
            printf("\n");                                                                     \
        }                                                                                     \
    } while (0)

void test_kernels(void);
void test_checkpoint(void);
void test_rope_analysis(void);
void test_backward(void);
void test_train(void);
void test_memory(void);
void test_deeper(void);

#endif
