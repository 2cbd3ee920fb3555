// tasks.h — what a model trains on: windows of the learner's text, or
// synthetic tasks generated from a seed whose answers need attention.
#ifndef NORMSCOPE_TASKS_H
#define NORMSCOPE_TASKS_H

#include <stdint.h>

#include "rng.h"
#include "status.h"

typedef enum { TASK_TEXT, TASK_COPY, TASK_REVERSE, TASK_SORT, TASK_COUNT, TASK_INDUCTION } TaskKind;
#define TASK_CHOICES "text copy reverse sort count induction"

// One training sequence: bytes[0 … len), and mask[t] = 1 where predicting
// byte t+1 counts toward the loss (the answer of a task; all of a text window).
#define EXAMPLE_MAX 1024
typedef struct {
    uint8_t bytes[EXAMPLE_MAX];
    float mask[EXAMPLE_MAX];
    int len;
} Example;

// The shortest seq_len a task can use (a problem of size 2 and its answer).
int task_min_len(TaskKind kind);
// Draws one example of at most seq_len bytes. TASK_TEXT takes a random window
// of `text` (the whole text when it is shorter than seq_len; it needs ≥ 2 bytes).
Status task_example(Example* out, TaskKind kind, Rng* rng, int seq_len, const uint8_t* text, int text_len);

#endif
