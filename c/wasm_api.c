// wasm_api.c — the functions web/normscope.js calls. Every call returns a
// status or a pointer into the instance's memory; a failure leaves its
// message in ns_error() and never traps. Strings cross as UTF-8 + length.
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "rope_analysis.h"
#include "simd.h"
#include "wasm_api.h"
#include "memory.h"

int done(Api* api, Status s) {
    api->status = s;
    return s.ok;
}

EXPORT void* ns_malloc(size_t n) { return mem_alloc(n ? n : 1); }
EXPORT void ns_free(void* p) { free(p); }
EXPORT int ns_simd(void) { return strcmp(SIMD_NAME, "scalar") != 0; }
// The memory cap and budget (memory.h), and the bytes the allocator has
// handed out and not had back: the soak tests watch it for leaks.
EXPORT double ns_memory_cap(void) { return (double)MEMORY_CAP_MIB * (1 << 20); }
EXPORT double ns_memory_budget(void) { return (double)MEMORY_BUDGET_BYTES; }
EXPORT double ns_heap_in_use(void) { return (double)mallinfo().uordblks; }

EXPORT Api* ns_create(void) {
    Api* api = mem_calloc(1, sizeof *api);
    if (!api) return NULL;
    model_init(&api->model);
    config_defaults(&api->pending);
    trainer_init(&api->trainer);
    train_defaults(&api->train_pending);
    api->status = status_ok();
    return api;
}

EXPORT void ns_destroy(Api* api) {
    if (!api) return;
    model_release(&api->model);
    trainer_release(&api->trainer);
    free(api->text.data), free(api->saved), free(api->train_log), free(api->continuation), free(api->norm_probe), free(api->rope), free(api);
}

EXPORT const char* ns_error(Api* api) { return api->status.message; }

// Starts a config: from the defaults (0) or from the model's current config (1).
EXPORT void ns_config_begin(Api* api, int from_current) {
    if (from_current && api->model.has_weights) api->pending = api->model.config;
    else config_defaults(&api->pending);
}

EXPORT int ns_config_set(Api* api, const char* name, const char* value) {
    return done(api, config_set(&api->pending, name, value));
}

// Adopts the pending config (rebuilding weights only when needed) and runs;
// grad = 1 adds the backward pass (loss, gradients, gradient probes).
EXPORT int ns_run(Api* api, const uint8_t* text, int length, int grad) {
    Config next = api->pending;
    Status s = config_validate(&next);
    // before anything changes: a refused run keeps the model
    if (s.ok) s = grad ? model_check_grad_run(&next, length) : model_check_run(&next, length);
    if (s.ok) s = model_configure(&api->model, &next);
    if (s.ok) s = grad ? model_gradients(&api->model, text, length) : model_forward(&api->model, text, length);
    return done(api, s);
}

EXPORT float* ns_probes(Api* api) { return api->model.probe_block; }
EXPORT int ns_text_length(Api* api) { return (int)api->text.len; }

const char* hand_out(Api* api, int ok) {
    if (!ok || api->text.failed) {
        if (api->status.ok) api->status = status_error("out of memory writing JSON");
        return NULL;
    }
    return api->text.data;
}

void text_reset(Api* api) {
    free(api->text.data);
    memset(&api->text, 0, sizeof api->text);
}

EXPORT const char* ns_layout(Api* api) {
    text_reset(api);
    size_t need = probes_layout_json(NULL, 0, &api->model.layout) + 1;
    api->text.data = mem_alloc(need);
    if (!api->text.data) return hand_out(api, done(api, status_error("out of memory")));
    api->text.len = probes_layout_json(api->text.data, need, &api->model.layout);
    api->text.cap = need;
    return hand_out(api, done(api, status_ok()));
}

EXPORT const char* ns_report(Api* api, int full) {
    text_reset(api);
    return hand_out(api, done(api, report_json(&api->model, full, &api->text)));
}

// The logit lens of the last run, into its probe arrays (computed on demand: it costs a head per layer).
EXPORT int ns_lens(Api* api) { return done(api, model_lens(&api->model)); }
EXPORT int ns_outliers(Api* api) { return done(api, model_outliers(&api->model)); }

EXPORT const char* ns_checks(Api* api) {
    text_reset(api);
    if (!api->model.T) return hand_out(api, done(api, status_error("no run yet")));
    report_checks_json(&api->model, &api->text);
    return hand_out(api, done(api, api->text.failed ? status_error("out of memory") : status_ok()));
}

EXPORT const char* ns_config_json(Api* api) {
    text_reset(api);
    Config c = api->model.has_weights ? api->model.config : api->pending;
    config_validate(&c);  // resolves d_ff = auto
    report_config_json(&c, &api->text);
    return hand_out(api, done(api, status_ok()));
}

EXPORT const char* ns_fields(Api* api) {
    text_reset(api);
    report_fields_json(&api->text, CONFIG_FIELDS, N_CONFIG_FIELDS);
    return hand_out(api, done(api, status_ok()));
}

EXPORT int ns_weights_from_file(Api* api) { return api->model.weights_from_file; }
EXPORT int ns_rebuilt(Api* api) { return api->model.rebuilt; }
// Benchmarks only: 0 skips the site statistics, histograms and norm-input records.
EXPORT void ns_set_probes(Api* api, int on) { api->model.probes_off = !on; }

// Builds the pending config's weights (if needed) and serializes them.
EXPORT const uint8_t* ns_save(Api* api) {
    free(api->saved);
    api->saved = NULL;
    api->saved_len = 0;
    Status s = model_configure(&api->model, &api->pending);
    if (s.ok) s = checkpoint_save(&api->model, &api->saved, &api->saved_len);
    done(api, s);
    return api->saved;
}

EXPORT int ns_saved_length(Api* api) { return (int)api->saved_len; }

// The last run's gradients as safetensors (ns_saved_length bytes).
EXPORT const uint8_t* ns_save_grad(Api* api) {
    free(api->saved);
    api->saved = NULL;
    api->saved_len = 0;
    done(api, checkpoint_save_grads(&api->model, &api->saved, &api->saved_len));
    return api->saved;
}

// {tensor name: L2 norm of its gradient} of the last gradient run.
EXPORT const char* ns_grad_norms(Api* api) {
    text_reset(api);
    return hand_out(api, done(api, report_grad_norms_json(&api->model, &api->text)));
}

EXPORT int ns_load(Api* api, const uint8_t* bytes, size_t n) {
    return done(api, checkpoint_load(&api->model, bytes, n));
}

// One norm re-run on token's input·scale + shift; layer = n_layers is the final norm.
EXPORT const float* ns_norm_probe(Api* api, int layer, int which, int token, float shift, float scale) {
    int need = 3 * api->model.config.d_model + 2;
    if (need > api->norm_probe_capacity) {
        float* grown = mem_realloc(api->norm_probe, (size_t)need * sizeof(float));
        if (!grown) {
            done(api, status_error("out of memory"));
            return NULL;
        }
        api->norm_probe = grown;
        api->norm_probe_capacity = need;
    }
    return done(api, model_norm_probe(&api->model, layer, which, token, shift, scale, api->norm_probe))
               ? api->norm_probe : NULL;
}

// ---------------------------------------------------------------- RoPE panel

#define ROPE_MAX_OFFSETS 4096
#define ROPE_MAX_MATRIX 64

// What RoPE does to one content vector: the selected token's q (before
// rotation) in one layer and head, placed at every position. Returns float32s,
// valid until the next call, laid out as
//   header      [4]          n_offsets, M = min(n_offsets, 64), n_decay, pairs
//   scores      [n_offsets]  (R_0 q)·(R_Δ q) for Δ = 0 … n_offsets−1
//   matrix      [M, M]       (R_m q)·(R_n q) for positions m, n < M
//   distance    [n_decay]    rope_decay_distances: 0 … 255, then log-spaced to 4096
//   decay       [n_decay]    RoFormer Eq. 37 bound at each distance
//   frequency   [pairs]      θ_i
//   angle       [pairs]      token·θ_i, the rotation this token's pairs got
//   pair_dims   [pairs, 2]   the two components of pair i (depends on rope_pairing)
//   q_pair      [pairs, 2]   pair i of q before rotation
//   q_rot_pair  [pairs, 2]   pair i of q after rotation (the forward pass's own)
static const float* rope_failed(Api* api, Status s) {
    done(api, s);
    return NULL;
}

EXPORT const float* ns_rope_analysis(Api* api, int layer, int head, int token, int n_offsets) {
    Model* m = &api->model;
    const Config* c = &m->config;
    if (!m->T || !m->has_weights) return rope_failed(api, status_error("no run yet"));
    if (c->pos != POS_ROPE)
        return rope_failed(api, status_error("the RoPE analysis needs pos=rope (this model uses pos=%s)",
                                             c->pos == POS_SINUSOIDAL ? "sinusoidal"
                                             : c->pos == POS_LEARNED  ? "learned"
                                                                      : "none"));
    if (layer < 0 || layer >= c->n_layers) return rope_failed(api, status_error("layer must be 0 to %d", c->n_layers - 1));
    if (head < 0 || head >= c->n_heads) return rope_failed(api, status_error("head must be 0 to %d", c->n_heads - 1));
    if (token < 0 || token >= m->T) return rope_failed(api, status_error("token must be 0 to %d", m->T - 1));
    if (n_offsets < 1 || n_offsets > ROPE_MAX_OFFSETS)
        return rope_failed(api, status_error("n_offsets must be 1 to %d (got %d)", ROPE_MAX_OFFSETS, n_offsets));

    int hd = config_head_dim(c), pairs = hd / 2, half = c->rope_pairing == ROPE_HALF;
    int size = n_offsets < ROPE_MAX_MATRIX ? n_offsets : ROPE_MAX_MATRIX;
    int distances[ROPE_DECAY_MAX_POINTS];
    int n_decay = rope_decay_distances(distances, ROPE_DECAY_MAX_POINTS);
    size_t need = 4 + (size_t)n_offsets + (size_t)size * size + 2 * (size_t)n_decay + 2 * (size_t)pairs + 6 * (size_t)pairs;
    if (need > api->rope_capacity) {
        float* grown = mem_realloc(api->rope, need * sizeof(float));
        if (!grown) return rope_failed(api, status_error("out of memory"));
        api->rope = grown;
        api->rope_capacity = need;
    }
    // double scratch: scores, matrix, rotated copies of q, decay
    size_t scratch_len = (size_t)n_offsets + (size_t)size * size + (size_t)size * hd + (size_t)n_decay;
    double* scratch = mem_alloc(scratch_len * sizeof(double));
    if (!scratch) return rope_failed(api, status_error("out of memory"));
    double *scores = scratch, *matrix = scores + n_offsets, *rotated = matrix + (size_t)size * size,
           *decay = rotated + (size_t)size * hd;

    const float* q = probe_at(m->probe_block, &m->layout, PROBE_attn_q, layer, token) + (size_t)head * hd;
    const float* q_rot = probe_at(m->probe_block, &m->layout, PROBE_attn_q_rot, layer, token) + (size_t)head * hd;
    rope_relative_scores(scores, q, hd, c->rope_theta, half, n_offsets);
    rope_self_score_matrix(matrix, rotated, q, hd, c->rope_theta, half, size);
    rope_decay_bound(decay, hd, c->rope_theta, distances, n_decay);

    float* out = api->rope;
    *out++ = (float)n_offsets, *out++ = (float)size, *out++ = (float)n_decay, *out++ = (float)pairs;
    for (int i = 0; i < n_offsets; i++) *out++ = (float)scores[i];
    for (size_t i = 0; i < (size_t)size * size; i++) *out++ = (float)matrix[i];
    for (int i = 0; i < n_decay; i++) *out++ = (float)distances[i];
    for (int i = 0; i < n_decay; i++) *out++ = (float)decay[i];
    for (int i = 0; i < pairs; i++) *out++ = (float)rope_frequency(i, hd, c->rope_theta);
    for (int i = 0; i < pairs; i++) *out++ = (float)(token * rope_frequency(i, hd, c->rope_theta));
    float* dims = out;
    float* before = dims + 2 * (size_t)pairs;
    float* after = before + 2 * (size_t)pairs;
    for (int i = 0; i < pairs; i++) {
        int ia, ib;
        rope_pair_dims(&ia, &ib, i, hd, half);
        dims[2 * i] = (float)ia, dims[2 * i + 1] = (float)ib;
        before[2 * i] = q[ia], before[2 * i + 1] = q[ib];
        after[2 * i] = q_rot[ia], after[2 * i + 1] = q_rot[ib];
    }
    free(scratch);
    done(api, status_ok());
    return api->rope;
}
