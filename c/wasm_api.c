// wasm_api.c — the functions web/normscope.js calls. Every call returns a
// status or a pointer into the instance's memory; a failure leaves its
// message in ns_error() and never traps. Strings cross as UTF-8 + length.
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "model.h"
#include "report.h"
#include "simd.h"

#define EXPORT __attribute__((used, visibility("default")))

typedef struct {
    Model model;
    Config pending;  // built field by field by ns_config_set, adopted by ns_run
    Text text;       // the last JSON handed out
    float* norm_probe;  // 3·d_model + 2 floats, see model_norm_probe
    int norm_probe_capacity;
    uint8_t* saved;  // the last checkpoint handed out
    size_t saved_len;
    Status status;
} Api;

static int done(Api* api, Status s) {
    api->status = s;
    return s.ok;
}

EXPORT void* ns_malloc(size_t n) { return malloc(n ? n : 1); }
EXPORT void ns_free(void* p) { free(p); }
EXPORT int ns_simd(void) { return strcmp(SIMD_NAME, "scalar") != 0; }

EXPORT Api* ns_create(void) {
    Api* api = calloc(1, sizeof *api);
    if (!api) return NULL;
    model_init(&api->model);
    config_defaults(&api->pending);
    api->status = status_ok();
    return api;
}

EXPORT void ns_destroy(Api* api) {
    if (!api) return;
    model_release(&api->model);
    free(api->text.data), free(api->saved), free(api->norm_probe), free(api);
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

// Adopts the pending config (rebuilding weights only when needed) and runs.
EXPORT int ns_run(Api* api, const uint8_t* text, int length) {
    Status s = model_configure(&api->model, &api->pending);
    if (s.ok) s = model_forward(&api->model, text, length);
    return done(api, s);
}

EXPORT float* ns_probes(Api* api) { return api->model.probe_block; }
EXPORT int ns_text_length(Api* api) { return (int)api->text.len; }

static const char* hand_out(Api* api, int ok) {
    if (!ok || api->text.failed) {
        if (api->status.ok) api->status = status_error("out of memory writing JSON");
        return NULL;
    }
    return api->text.data;
}

static void text_reset(Api* api) {
    free(api->text.data);
    memset(&api->text, 0, sizeof api->text);
}

EXPORT const char* ns_layout(Api* api) {
    text_reset(api);
    size_t need = probes_layout_json(NULL, 0, &api->model.layout) + 1;
    api->text.data = malloc(need);
    if (!api->text.data) return hand_out(api, done(api, status_error("out of memory")));
    api->text.len = probes_layout_json(api->text.data, need, &api->model.layout);
    api->text.cap = need;
    return hand_out(api, done(api, status_ok()));
}

EXPORT const char* ns_report(Api* api, int full) {
    text_reset(api);
    return hand_out(api, done(api, report_json(&api->model, full, &api->text)));
}

EXPORT const char* ns_config_json(Api* api) {
    text_reset(api);
    Config c = api->model.has_weights ? api->model.config : api->pending;
    report_config_json(&c, &api->text);
    return hand_out(api, done(api, status_ok()));
}

EXPORT const char* ns_fields(Api* api) {
    text_reset(api);
    report_fields_json(&api->text);
    return hand_out(api, done(api, status_ok()));
}

EXPORT int ns_weights_from_file(Api* api) { return api->model.weights_from_file; }

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

EXPORT int ns_load(Api* api, const uint8_t* bytes, size_t n) {
    return done(api, checkpoint_load(&api->model, bytes, n));
}

// One norm re-run on token's input·scale + shift; layer = n_layers is the final norm.
EXPORT const float* ns_norm_probe(Api* api, int layer, int which, int token, float shift, float scale) {
    int need = 3 * api->model.config.d_model + 2;
    if (need > api->norm_probe_capacity) {
        float* grown = realloc(api->norm_probe, (size_t)need * sizeof(float));
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
