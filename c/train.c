// train.c — AdamW (PyTorch's torch.optim.AdamW) over the backward pass: a
// batch's gradients summed at the weights' offsets, clipped by their global
// norm, then one elementwise update of the whole weight block.
#include "train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "memory.h"

#define F(name, kind, lo, hi, choices, fallback, help) \
    {#name, kind, offsetof(TrainConfig, name), lo, hi, choices, fallback, 0, help, 0}

// A real field with min < 0 may also be 0 (config.h).
const FieldSpec TRAIN_FIELDS[] = {
    F(task, FIELD_CHOICE, 0, 0, TASK_CHOICES, "copy", "what to learn: the text, or a synthetic task"),
    F(lr, FIELD_REAL, 0, 1, NULL, "0.003", "peak learning rate (AdamW)"),
    F(warmup, FIELD_INT, 0, 100000, NULL, "100", "steps of linear learning-rate warmup"),
    F(weight_decay, FIELD_REAL, -1, 10, NULL, "0.01", "decoupled weight decay on the matrices (0: off)"),
    F(batch_size, FIELD_INT, 1, 256, NULL, "8", "sequences per step"),
    F(grad_clip, FIELD_REAL, -1, 1e6, NULL, "1", "clip the gradients' global L2 norm to this (0: off)"),
    F(seq_len, FIELD_INT, 4, 1024, NULL, "32", "longest training sequence in bytes (at most max_tokens)"),
};
const int N_TRAIN_FIELDS = (int)(sizeof TRAIN_FIELDS / sizeof TRAIN_FIELDS[0]);

const FieldSpec* train_field(const char* name) { return field_find(TRAIN_FIELDS, N_TRAIN_FIELDS, name); }

void train_defaults(TrainConfig* t) { field_defaults(t, sizeof *t, TRAIN_FIELDS, N_TRAIN_FIELDS); }

void trainer_init(Trainer* t) {
    memset(t, 0, sizeof *t);
    train_defaults(&t->config);
}

void trainer_release(Trainer* t) {
    free(t->m), free(t->v), free(t->grad_sum), free(t->text);
    memset(t, 0, sizeof *t);
}

double train_lr_at(const TrainConfig* c, int64_t step) {
    if (c->warmup > 0 && step < c->warmup) return c->lr * (double)step / c->warmup;
    return c->lr;
}

Status train_check_memory(const Config* c, const TrainConfig* config) {
    int seq = config->seq_len < 2 ? 2 : config->seq_len;
    Status s = model_check_grad_run(c, seq);
    if (!s.ok) return s;
    // the weights and a gradient run (its buffers and a gradient per weight),
    // AdamW's two moments, the batch's gradient sum, and the snapshot of the
    // weights the page takes while training: 6 × the weights in all
    uint64_t need = 5 * model_weight_bytes(c) + model_run_bytes(c, seq, 1);
    if (need <= MEMORY_BUDGET_BYTES) return status_ok();
    return status_error("training this model needs %llu MiB (weights, gradients, AdamW's two moments, the batch's "
                        "gradient sum, a snapshot and a run of seq_len %d), over the %llu MiB limit: lower n_layers "
                        "(%d), d_model (%d), d_ff (%d) or seq_len", (unsigned long long)(need >> 20), config->seq_len,
                        (unsigned long long)(MEMORY_BUDGET_BYTES >> 20), c->n_layers, c->d_model, c->d_ff);
}

Status trainer_start(Trainer* t, const Model* m, const TrainConfig* config, const uint8_t* text, int text_len) {
    if (!m->has_weights) return status_error("no model to train: configure one first");
    if (config->seq_len > m->config.max_tokens)
        return status_error("seq_len (%d) must be at most max_tokens (%d)", config->seq_len, m->config.max_tokens);
    if (config->seq_len < task_min_len((TaskKind)config->task))
        return status_error("seq_len must be at least %d for this task (got %d)", task_min_len((TaskKind)config->task),
                            config->seq_len);
    if (config->task == TASK_TEXT && text_len < 2)
        return status_error("the text task needs a text of at least 2 bytes (it is %d)", text_len);
    Status s = train_check_memory(&m->config, config);
    if (!s.ok) return s;
    size_t floats = m->weight_floats;
    uint8_t* copy = mem_alloc(text_len > 0 ? (size_t)text_len : 1);
    if (!copy) return status_error("out of memory for the training text");
    if (t->m && t->floats == floats) {  // a restart of the same shape: the same buffers, zeroed
        free(t->text);
        float *mo = t->m, *ve = t->v, *sum = t->grad_sum;
        memset(t, 0, sizeof *t);
        t->m = mo, t->v = ve, t->grad_sum = sum;
        memset(mo, 0, floats * sizeof(float)), memset(ve, 0, floats * sizeof(float));
    } else {  // the old state goes first: the new one may need its room
        trainer_release(t);
        t->m = mem_calloc(floats, sizeof(float)), t->v = mem_calloc(floats, sizeof(float));
        t->grad_sum = mem_alloc(floats * sizeof(float));
        if (!t->m || !t->v || !t->grad_sum) {
            free(copy);
            trainer_release(t);
            return status_error("out of memory for the optimizer state (%zu MiB)", (3 * floats * sizeof(float)) >> 20);
        }
    }
    t->config = *config;
    t->floats = floats;
    if (text_len > 0) memcpy(copy, text, (size_t)text_len);
    t->text = copy, t->text_len = text_len;
    t->beta1_power = t->beta2_power = 1.0f;
    t->data = rng_for_tensor(m->weights_config.seed, "training data");
    return status_ok();
}

Status trainer_step(Trainer* t, Model* m) {
    const TrainConfig* c = &t->config;
    if (!t->m || t->floats != m->weight_floats) return status_error("training has not started for this model");
    memset(t->grad_sum, 0, t->floats * sizeof(float));
    double loss = 0;
    for (int b = 0; b < c->batch_size; b++) {
        Status s = task_example(&t->example, (TaskKind)c->task, &t->data, c->seq_len, t->text, t->text_len);
        m->loss_weights = t->example.mask;
        if (s.ok) s = model_gradients(m, t->example.bytes, t->example.len);
        m->loss_weights = NULL;
        if (!s.ok) return s;
        loss += m->loss;
        axpy(t->grad_sum, 1.0f / c->batch_size, m->grad_block, (int)t->floats);
    }
    double sq = 0;
    for (size_t k = 0; k < t->floats; k++) sq += (double)t->grad_sum[k] * t->grad_sum[k];
    t->loss = loss / c->batch_size;
    t->grad_norm = sqrt(sq);
    float clip = c->grad_clip > 0 && t->grad_norm > c->grad_clip ? (float)(c->grad_clip / t->grad_norm) : 1.0f;
    t->step++;
    t->lr_now = train_lr_at(c, t->step);
    t->beta1_power *= ADAM_BETA1;
    t->beta2_power *= ADAM_BETA2;
    float lr = (float)t->lr_now, bias1 = 1.0f - t->beta1_power, bias2 = 1.0f - t->beta2_power;
    for (int i = 0; i < m->n_tensors; i++) {
        const TensorInfo* info = &m->tensors[i];
        float* w = *info->slot;
        size_t at = (size_t)(w - m->weight_block), n = tensor_floats(info);
        float* mo = t->m + at, *ve = t->v + at;
        const float* g = t->grad_sum + at;
        // torch.optim.AdamW: w ← w·(1 − lr·λ), then w ← w − lr·m̂/(√v̂ + ε); λ on matrices only
        float decay = info->role == TENSOR_MATRIX ? 1.0f - lr * (float)c->weight_decay : 1.0f;
        for (size_t k = 0; k < n; k++) {
            float gk = g[k] * clip;
            mo[k] = ADAM_BETA1 * mo[k] + (1.0f - ADAM_BETA1) * gk;
            ve[k] = ADAM_BETA2 * ve[k] + (1.0f - ADAM_BETA2) * gk * gk;
            w[k] = w[k] * decay - lr * (mo[k] / bias1) / (sqrtf(ve[k] / bias2) + ADAM_EPS);
        }
    }
    m->weights_from_file = 0;  // the weights are now the trained ones, whatever they started as
    m->has_grad = 0;           // the gradients were of the weights before the step
    return status_ok();
}

Status model_continue(Model* m, const uint8_t* prompt, int prompt_len, int n, uint8_t* out, int* written) {
    int limit = m->config.max_tokens;
    *written = 0;
    if (prompt_len < 1 || prompt_len > limit)
        return status_error("the prompt must be 1 to %d bytes (max_tokens); it is %d", limit, prompt_len);
    uint8_t* seq = mem_alloc((size_t)limit);
    if (!seq) return status_error("out of memory for the continuation");
    memcpy(seq, prompt, (size_t)prompt_len);
    int len = prompt_len, probes = m->probes_off;
    Status s = status_ok();
    m->probes_off = 1;  // only the logits are needed
    while (*written < n && len < limit) {
        s = model_forward(m, seq, len);
        if (!s.ok) break;
        const float* logits = probe_at(m->probe_block, &m->layout, PROBE_logits, len - 1, 0);
        int best = 0;
        for (int v = 1; v < VOCAB; v++) best = logits[v] > logits[best] ? v : best;
        seq[len++] = (uint8_t)best;
        out[(*written)++] = (uint8_t)best;
    }
    m->probes_off = probes;
    free(seq);
    return s;
}

Status train_sample(uint8_t* out, const Trainer* t, uint64_t seed, int k, int* prompt_len, int* full_len) {
    const TrainConfig* c = &t->config;
    *prompt_len = *full_len = 0;
    if (c->task == TASK_TEXT) {
        int full = t->text_len < c->seq_len ? t->text_len : c->seq_len;
        memcpy(out, t->text, (size_t)full);
        *full_len = full;
        *prompt_len = full < 8 ? full : 8;
        return status_ok();
    }
    // its own stream, apart from the training data's: the k-th problem of seed
    Rng rng = rng_for_tensor(seed ^ (uint64_t)k * 0x9E3779B97F4A7C15ull, "sample");
    Example* e = mem_alloc(sizeof *e);
    if (!e) return status_error("out of memory for a sample");
    Status s = task_example(e, (TaskKind)c->task, &rng, c->seq_len, t->text, t->text_len);
    if (s.ok) {
        int len = 0;
        while (len < e->len && e->mask[len] == 0.0f) len++;  // up to the first scored prediction
        memcpy(out, e->bytes, (size_t)e->len);
        *full_len = e->len;
        *prompt_len = len + 1;
    }
    free(e);
    return s;
}
