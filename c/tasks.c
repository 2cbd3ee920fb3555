// tasks.c — the training data. Each synthetic task writes a problem of n
// random letters, a separator and the answer; only the answer is scored, so
// the loss falls to 0 when the task is solved (the problem itself is random).
//   copy       qmfa|qmfa         reverse   qmfa|afmq
//   sort       qmfa|afmq         count     abbab=2  (the number of a's)
//   induction  qmfaqmfa          (a random string seen twice: the second copy is predictable)
#include "tasks.h"

#include <stdlib.h>
#include <string.h>

static int below(Rng* rng, int n) { return (int)(rng_uniform(rng) * n); }
static uint8_t letter(Rng* rng) { return (uint8_t)('a' + below(rng, 26)); }

int task_min_len(TaskKind kind) {
    switch (kind) {
    case TASK_TEXT: return 2;
    case TASK_COUNT: return 4;      // "ab=1"
    case TASK_INDUCTION: return 4;  // "abab"
    default: return 5;              // "ab|ab"
    }
}

static void mark_answer(Example* e, int answer_start) {
    for (int t = 0; t < e->len; t++) e->mask[t] = t + 1 >= answer_start && t + 1 < e->len ? 1.0f : 0.0f;
}

static int by_byte(const void* a, const void* b) { return *(const uint8_t*)a - *(const uint8_t*)b; }

Status task_example(Example* e, TaskKind kind, Rng* rng, int seq_len, const uint8_t* text, int text_len) {
    if (seq_len > EXAMPLE_MAX) seq_len = EXAMPLE_MAX;
    if (seq_len < task_min_len(kind))
        return status_error("seq_len must be at least %d for this task (got %d)", task_min_len(kind), seq_len);
    memset(e, 0, sizeof *e);
    if (kind == TASK_TEXT) {
        if (text_len < 2) return status_error("the text task needs a text of at least 2 bytes (it is %d)", text_len);
        int len = text_len < seq_len ? text_len : seq_len;
        int start = below(rng, text_len - len + 1);
        memcpy(e->bytes, text + start, (size_t)len);
        e->len = len;
        for (int t = 0; t + 1 < len; t++) e->mask[t] = 1.0f;
        return status_ok();
    }
    // problem size n from 2 to the most the sequence holds (and at most 32 letters)
    int most = kind == TASK_INDUCTION ? seq_len / 2 : kind == TASK_COUNT ? seq_len - 3 : (seq_len - 1) / 2;
    if (most > 32) most = 32;
    int n = 2 + below(rng, most - 1);
    uint8_t* b = e->bytes;
    for (int i = 0; i < n; i++) b[i] = letter(rng);
    switch (kind) {
    case TASK_COPY: case TASK_REVERSE: case TASK_SORT:
        b[n] = '|';
        for (int i = 0; i < n; i++) b[n + 1 + i] = kind == TASK_REVERSE ? b[n - 1 - i] : b[i];
        if (kind == TASK_SORT) qsort(b + n + 1, (size_t)n, 1, by_byte);
        e->len = 2 * n + 1;
        mark_answer(e, n + 1);
        break;
    case TASK_COUNT: {
        int count = 0;
        for (int i = 0; i < n; i++) {
            b[i] = below(rng, 2) ? 'a' : 'b';
            count += b[i] == 'a';
        }
        b[n] = '=';
        int len = n + 1;
        if (count >= 10) b[len++] = (uint8_t)('0' + count / 10);
        b[len++] = (uint8_t)('0' + count % 10);
        e->len = len;
        mark_answer(e, n + 1);
        break;
    }
    case TASK_INDUCTION:
        memcpy(b + n, b, (size_t)n);
        e->len = 2 * n;
        mark_answer(e, n + 1);  // the first letter of the second copy is not predictable
        break;
    default: break;
    }
    return status_ok();
}
