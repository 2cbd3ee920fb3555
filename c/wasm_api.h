// wasm_api.h — the state behind every ns_* export (wasm_api.c, train_api.c):
// one model, its trainer, and the buffers handed out to JavaScript.
#ifndef NORMSCOPE_WASM_API_H
#define NORMSCOPE_WASM_API_H

#include "model.h"
#include "report.h"
#include "train.h"

#define EXPORT __attribute__((used, visibility("default")))

typedef struct {
    Model model;
    Config pending;  // built field by field by ns_config_set, adopted by ns_run
    Text text;       // the last JSON handed out
    float* norm_probe;  // 3·d_model + 2 floats, see model_norm_probe
    int norm_probe_capacity;
    float* rope;  // see ns_rope_analysis
    size_t rope_capacity;  // floats
    uint8_t* saved;  // the last checkpoint handed out
    size_t saved_len;
    Trainer trainer;
    TrainConfig train_pending;  // built by ns_train_set, adopted by ns_train_start
    float* train_log;  // per step of the last ns_train_steps: loss, lr, grad norm
    int train_log_capacity;  // steps
    uint8_t* continuation;  // the last ns_continue: prompt, then the model's bytes
    int continuation_length, continuation_prompt, continuation_expected;
    Status status;
} Api;

// Records a call's status; returns whether it succeeded.
int done(Api* api, Status s);
// The JSON in api->text, or NULL (and a message) when writing it failed.
const char* hand_out(Api* api, int ok);
void text_reset(Api* api);

#endif
