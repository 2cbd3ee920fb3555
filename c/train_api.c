// train_api.c — training through the module (web/src/engine.js, Trainer):
// fields, start, steps, save and resume, and the model continuing a prompt.
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "wasm_api.h"
#include "memory.h"

EXPORT void ns_train_begin(Api* api) { train_defaults(&api->train_pending); }

EXPORT int ns_train_set(Api* api, const char* name, const char* value) {
    const FieldSpec* f = train_field(name);
    if (!f) return done(api, status_error("unknown training field \"%.60s\"", name));
    return done(api, field_set(&api->train_pending, f, value));
}

EXPORT const char* ns_train_fields(Api* api) {
    text_reset(api);
    report_fields_json(&api->text, TRAIN_FIELDS, N_TRAIN_FIELDS);
    return hand_out(api, done(api, status_ok()));
}

// The running trainer's fields, as JSON (choices as names).
EXPORT const char* ns_train_config_json(Api* api) {
    text_reset(api);
    text_append(&api->text, "{");
    for (int i = 0; i < N_TRAIN_FIELDS; i++) {
        char value[64];
        field_get(&api->trainer.config, &TRAIN_FIELDS[i], value, sizeof value);
        int quoted = TRAIN_FIELDS[i].kind == FIELD_CHOICE;
        text_append(&api->text, "%s\"%s\":%s%s%s", i ? "," : "", TRAIN_FIELDS[i].name, quoted ? "\"" : "", value,
                    quoted ? "\"" : "");
    }
    text_append(&api->text, "}");
    return hand_out(api, done(api, status_ok()));
}

// Starts training the model (built by the last ns_run) with the pending fields.
EXPORT int ns_train_start(Api* api, const uint8_t* text, int length) {
    return done(api, trainer_start(&api->trainer, &api->model, &api->train_pending, text, length));
}

// n optimizer steps; returns [n × 3] floats (loss, learning rate, gradient
// norm per step), or NULL on failure (the steps before it stay taken).
EXPORT const float* ns_train_steps(Api* api, int n) {
    if (n < 1 || n > 100000) {
        done(api, status_error("steps must be 1 to 100000 (got %d)", n));
        return NULL;
    }
    if (n > api->train_log_capacity) {
        float* grown = mem_realloc(api->train_log, (size_t)n * 3 * sizeof(float));
        if (!grown) {
            done(api, status_error("out of memory"));
            return NULL;
        }
        api->train_log = grown;
        api->train_log_capacity = n;
    }
    for (int k = 0; k < n; k++) {
        Status s = trainer_step(&api->trainer, &api->model);
        if (!done(api, s)) return NULL;
        float* line = api->train_log + 3 * (size_t)k;
        line[0] = (float)api->trainer.loss, line[1] = (float)api->trainer.lr_now, line[2] = (float)api->trainer.grad_norm;
    }
    api->model.T = 0;  // the probes describe the weights before these steps
    return api->train_log;
}

EXPORT double ns_train_step_count(Api* api) { return (double)api->trainer.step; }

// Weights and training state as safetensors (ns_saved_length bytes).
EXPORT const uint8_t* ns_train_save(Api* api) {
    free(api->saved);
    api->saved = NULL;
    api->saved_len = 0;
    done(api, checkpoint_save_training(&api->model, &api->trainer, &api->saved, &api->saved_len));
    return api->saved;
}

// Loads a training checkpoint and continues from it (text: the text task's).
EXPORT int ns_train_resume(Api* api, const uint8_t* bytes, size_t n, const uint8_t* text, int length) {
    return done(api, checkpoint_load_training(&api->model, &api->trainer, bytes, n, text, length));
}

// The model's greedy continuation of the k-th sample of the task (train_sample),
// n bytes (n ≤ 0: as many as the expected answer has). Returns prompt,
// continuation, then the expected answer: ns_continuation_prompt,
// ns_continuation_length (prompt + continuation) and ns_continuation_expected bytes.
EXPORT const uint8_t* ns_continue(Api* api, int k, int n) {
    Model* m = &api->model;
    if (!api->trainer.m) {
        done(api, status_error("no training to sample from"));
        return NULL;
    }
    int seq = api->trainer.config.seq_len, full = 0;
    uint8_t* sample = mem_alloc((size_t)seq);
    free(api->continuation);
    api->continuation = mem_alloc(2 * (size_t)seq + 1024 + 1);
    if (!api->continuation || !sample) {
        free(sample);
        done(api, status_error("out of memory"));
        return NULL;
    }
    int len = 0, got = 0;
    Status s = train_sample(sample, &api->trainer, m->weights_config.seed, k, &len, &full);
    if (n <= 0) n = full - len;
    if (n > 1024) n = 1024;
    if (s.ok) memcpy(api->continuation, sample, (size_t)len);
    if (s.ok && len) s = model_continue(m, sample, len, n, api->continuation + len, &got);
    if (!s.ok) {
        free(sample);
        m->T = 0;
        done(api, s);
        return NULL;
    }
    memcpy(api->continuation + len + got, sample + len, (size_t)(full - len));  // the expected answer
    free(sample);
    api->continuation_prompt = len;
    api->continuation_length = len + got;
    api->continuation_expected = full - len;
    m->T = 0;  // the probe buffer held the continuation's runs
    done(api, status_ok());
    return api->continuation;
}

EXPORT int ns_continuation_length(Api* api) { return api->continuation_length; }
EXPORT int ns_continuation_prompt(Api* api) { return api->continuation_prompt; }
EXPORT int ns_continuation_expected(Api* api) { return api->continuation_expected; }
