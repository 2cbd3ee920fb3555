// test_main.c — runs the native suites; exit status 1 on any failure.
#include "test.h"

int test_failures = 0, test_checks = 0;

int main(void) {
    test_kernels();
    test_checkpoint();
    test_rope_analysis();
    test_backward();
    test_train();
    test_memory();
    test_deeper();
    printf("%d checks, %d failed\n", test_checks, test_failures);
    return test_failures ? 1 : 0;
}
