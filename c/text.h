// text.h — a growable string for the JSON writers (no stdio, so the WASM
// build imports nothing but memory growth).
#ifndef NORMSCOPE_TEXT_H
#define NORMSCOPE_TEXT_H

#include <stddef.h>

typedef struct {
    char* data;
    size_t len, cap;
    int failed;  // out of memory: later appends are ignored
} Text;

void text_append(Text* t, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
void text_number(Text* t, double v);  // 9 significant digits; NaN/Inf as null
void text_numbers(Text* t, const float* v, size_t n);  // [a,b,…]

#endif
