// train.h — training: AdamW over the backward pass, on a task (tasks.h), with
// the knobs a learner turns (DESIGN.md, "Training").
#ifndef NORMSCOPE_TRAIN_H
#define NORMSCOPE_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "tasks.h"

typedef struct {
    int task;             // TaskKind
    double lr;            // peak learning rate
    int warmup;           // steps of linear warmup (0: the full rate from step 1)
    double weight_decay;  // decoupled (AdamW), on the matrices only
    int batch_size;       // sequences per step
    double grad_clip;     // the gradients' global L2 norm is clipped to it; 0: off
    int seq_len;          // longest training sequence, bytes
} TrainConfig;

extern const FieldSpec TRAIN_FIELDS[];
extern const int N_TRAIN_FIELDS;
const FieldSpec* train_field(const char* name);
void train_defaults(TrainConfig* t);

#define ADAM_BETA1 0.9f
#define ADAM_BETA2 0.999f
#define ADAM_EPS 1e-8f

typedef struct {
    TrainConfig config;
    float* m;          // first moment, second moment and the batch's summed
    float* v;          // gradient: each weight_floats long, at the weights' offsets
    float* grad_sum;
    size_t floats;
    int64_t step;      // optimizer steps taken
    float beta1_power, beta2_power;  // β^step, kept as running products (no pow)
    Rng data;          // the stream of examples
    uint8_t* text;     // the text task's text (a copy)
    int text_len;
    Example example;
    // the last step
    double loss;       // mean of the batch's losses
    double grad_norm;  // global L2 norm before clipping
    double lr_now;
} Trainer;

void trainer_init(Trainer* t);
void trainer_release(Trainer* t);
// Whether training this config fits the memory budget: the weights, a
// gradient run of seq_len, AdamW's moments, the gradient sum and a snapshot.
Status train_check_memory(const Config* c, const TrainConfig* config);
// Starts over: zero moments, step 0, the data stream seeded from the model's
// seed. Refuses (and changes nothing) when the config does not fit the model.
Status trainer_start(Trainer* t, const Model* m, const TrainConfig* config, const uint8_t* text, int text_len);
// One optimizer step over batch_size examples.
Status trainer_step(Trainer* t, Model* m);
// The learning rate of step s (1-based): linear warmup, then constant.
double train_lr_at(const TrainConfig* c, int64_t step);

// A sample that shows what was learned: the k-th fresh problem of the task
// (from its own stream of `seed`), or the text's start. out (seq_len bytes)
// gets the whole example, *full_len its length; returns the prompt's length:
// the problem up to its answer, or the text's first 8 bytes, in *prompt_len.
Status train_sample(uint8_t* out, const Trainer* t, uint64_t seed, int k, int* prompt_len, int* full_len);

// Greedy continuation: up to n bytes after prompt (stops at max_tokens),
// *written of them to out.
Status model_continue(Model* m, const uint8_t* prompt, int prompt_len, int n, uint8_t* out, int* written);

#endif
