// text.c — appending formatted text and JSON numbers.
#include "text.h"
#include "memory.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

void text_append(Text* t, const char* fmt, ...) {
    if (t->failed) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int need = vsnprintf(t->data ? t->data + t->len : NULL, t->data ? t->cap - t->len : 0, fmt, ap);
        va_end(ap);
        if (need < 0) { t->failed = 1; return; }
        if (t->data && t->len + (size_t)need < t->cap) { t->len += (size_t)need; return; }
        if ((size_t)need > SIZE_MAX / 4 - t->cap) { t->failed = 1; return; }  // wasm32: no wrap-around
        size_t cap = (t->cap + (size_t)need + 1) * 2;
        char* grown = mem_realloc(t->data, cap);
        if (!grown) { t->failed = 1; return; }
        t->data = grown, t->cap = cap;
    }
}

void text_number(Text* t, double v) {
    if (!isfinite(v)) text_append(t, "null");  // strict JSON; counted in nan/inf
    else if (v == floor(v) && fabs(v) < 1e15) text_append(t, "%.0f", v);
    else text_append(t, "%.9g", v);
}

void text_numbers(Text* t, const float* v, size_t n) {
    text_append(t, "[");
    for (size_t i = 0; i < n; i++) {
        if (i) text_append(t, ",");
        text_number(t, v[i]);
    }
    text_append(t, "]");
}
