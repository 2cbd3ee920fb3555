// checkpoint.c — safetensors: u64 header length, JSON header, raw tensors.
#include "checkpoint.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_parse.h"
#include "kernels.h"
#include "text.h"
#include "train.h"
#include "memory.h"

#define MAX_HEADER_BYTES ((uint64_t)16 << 20)
#define MAX_TRAIN_STEP 1000000000000LL  // far past any run; keeps step + 1 from overflowing

// ---------------------------------------------------------------- save

// Tensors come from blocks laid out like the weights (the weights, the
// gradients, the optimizer's moments: same offsets), each block under a name
// prefix; `metadata` is appended to the config in __metadata__.
typedef struct {
    const float* block;
    const char* prefix;
} Source;

static Status save_sources(const Model* m, const Source* sources, int n_sources, const char* metadata, uint8_t** out,
                           size_t* n) {
    const Config* c = &m->config;
    Text header = {0};
    text_append(&header, "{\"__metadata__\":{\"format\":\"normscope\"%s", metadata);
    for (int i = 0; i < N_CONFIG_FIELDS; i++) {
        char value[64];
        if (CONFIG_FIELDS[i].intervention) continue;  // what a learner does to the model is not part of it
        config_get(c, &CONFIG_FIELDS[i], value, sizeof value);
        text_append(&header, ",\"%s\":\"%s\"", CONFIG_FIELDS[i].name, value);
    }
    text_append(&header, "}");
    size_t offset = 0;
    for (int b = 0; b < n_sources; b++)
        for (int i = 0; i < m->n_tensors; i++) {
            const TensorInfo* info = &m->tensors[i];
            size_t bytes = (size_t)info->rows * info->cols * sizeof(float);
            text_append(&header, ",\"%s%s\":{\"dtype\":\"F32\",\"shape\":", sources[b].prefix, info->name);
            if (info->ndim == 1) text_append(&header, "[%d]", info->cols);
            else text_append(&header, "[%d,%d]", info->rows, info->cols);
            text_append(&header, ",\"data_offsets\":[%zu,%zu]}", offset, offset + bytes);
            offset += bytes;
        }
    text_append(&header, "}");
    while (!header.failed && header.len % 8) text_append(&header, " ");  // data starts 8-aligned
    if (header.failed) { free(header.data); return status_error("out of memory writing the checkpoint header"); }
    size_t total = 8 + header.len + offset;
    uint8_t* file = mem_alloc(total);
    if (!file) { free(header.data); return status_error("out of memory for a %zu-byte checkpoint", total); }
    uint64_t len = header.len;
    for (int i = 0; i < 8; i++) file[i] = (uint8_t)(len >> (8 * i));  // little-endian
    memcpy(file + 8, header.data, header.len);
    free(header.data);
    uint8_t* data = file + 8 + len;
    for (int b = 0; b < n_sources; b++)
        for (int i = 0; i < m->n_tensors; i++) {  // both targets are little-endian
            const TensorInfo* info = &m->tensors[i];
            const float* src = sources[b].block + (*info->slot - m->weight_block);
            size_t bytes = (size_t)info->rows * info->cols * sizeof(float);
            if (!info->packed) memcpy(data, src, bytes);
            else
                for (int r = 0; r < info->rows; r++)  // back to PyTorch's row-major [out, in]
                    for (int k = 0; k < info->cols; k++)
                        memcpy(data + ((size_t)r * info->cols + k) * sizeof(float), src + packed_index(r, k, info->cols),
                               sizeof(float));
            data += bytes;
        }
    *out = file;
    *n = total;
    return status_ok();
}

Status checkpoint_save(const Model* m, uint8_t** out, size_t* n) {
    if (!m->has_weights) return status_error("no model to save");
    Source weights = {m->weight_block, ""};
    return save_sources(m, &weights, 1, "", out, n);
}

Status checkpoint_save_grads(const Model* m, uint8_t** out, size_t* n) {
    if (!m->has_grad) return status_error("no gradients to save: run with gradients first");
    char metadata[96];
    snprintf(metadata, sizeof metadata, ",\"content\":\"gradients\",\"loss\":\"%.9g\"", m->loss);
    Source grads = {m->grad_block, ""};
    return save_sources(m, &grads, 1, metadata, out, n);
}

Status checkpoint_save_training(const Model* m, const Trainer* t, uint8_t** out, size_t* n) {
    if (!m->has_weights) return status_error("no model to save");
    if (!t->m || t->floats != m->weight_floats) return status_error("no training state for this model");
    Text metadata = {0};
    for (int i = 0; i < N_TRAIN_FIELDS; i++) {
        char value[64];
        field_get(&t->config, &TRAIN_FIELDS[i], value, sizeof value);
        text_append(&metadata, ",\"train.%s\":\"%s\"", TRAIN_FIELDS[i].name, value);
    }
    // %.9g round-trips a float exactly, so a resumed run continues bit for bit
    text_append(&metadata, ",\"train.step\":\"%lld\",\"train.beta1_power\":\"%.9g\",\"train.beta2_power\":\"%.9g\""
                ",\"train.data_state\":\"%llu\"", (long long)t->step, t->beta1_power, t->beta2_power,
                (unsigned long long)t->data.state);
    if (metadata.failed) { free(metadata.data); return status_error("out of memory writing the checkpoint header"); }
    Source sources[3] = {{m->weight_block, ""}, {t->m, OPTIMIZER_M}, {t->v, OPTIMIZER_V}};
    Status s = save_sources(m, sources, 3, metadata.data, out, n);
    free(metadata.data);
    return s;
}

// ---------------------------------------------------------------- load

typedef struct {
    uint64_t begin, end;
    const char* name;
} Span;

static int by_begin(const void* a, const void* b) {
    const Span *x = a, *y = b;
    return x->begin < y->begin ? -1 : x->begin > y->begin;
}

static Status config_from_metadata(Config* c, const JsonNode* meta) {
    config_defaults(c);
    if (!meta) return status_ok();  // no metadata: defaults, then the shapes must agree
    if (meta->type != JSON_OBJECT) return status_error("checkpoint __metadata__ must be an object of strings");
    const JsonNode* content = json_get(meta, "content");
    if (content && content->type == JSON_STRING && strcmp(content->string, "gradients") == 0)
        return status_error("this file holds gradients (--save-grad), not weights");
    for (const JsonNode* item = meta->child; item; item = item->next) {
        const FieldSpec* f = config_field(item->key);
        // other tools' metadata (e.g. "format") is fine; interventions are not the model's
        if (!f || f->intervention) continue;
        if (item->type != JSON_STRING)
            return status_error("checkpoint metadata \"%s\" must be a string", item->key);
        Status s = config_set(c, item->key, item->string);
        if (!s.ok) return status_error("checkpoint metadata: %s", s.message);
    }
    Status s = config_validate(c);
    if (!s.ok) return status_error("checkpoint metadata: %s", s.message);
    return status_ok();
}

// Checks one header entry against the table's expectation.
static Status check_entry(const JsonNode* entry, const TensorInfo* info, uint64_t data_bytes, Span* span) {
    if (entry->type != JSON_OBJECT) return status_error("tensor %s: header entry must be an object", info->name);
    const JsonNode* dtype = json_get(entry, "dtype");
    const JsonNode* shape = json_get(entry, "shape");
    const JsonNode* offsets = json_get(entry, "data_offsets");
    if (!dtype || dtype->type != JSON_STRING) return status_error("tensor %s: missing dtype", info->name);
    if (strcmp(dtype->string, "F32") != 0)
        return status_error("tensor %s: dtype %.16s is not supported; only F32", info->name, dtype->string);
    if (!shape || shape->type != JSON_ARRAY) return status_error("tensor %s: missing shape", info->name);
    int dims[2] = {info->rows, info->cols};
    const int* want = info->ndim == 1 ? &info->cols : dims;
    int ok = json_length(shape) == info->ndim, k = 0;
    for (const JsonNode* v = shape->child; ok && v; v = v->next, k++)
        ok = v->type == JSON_NUMBER && v->number == want[k];
    if (!ok) {
        if (info->ndim == 1) return status_error("tensor %s: shape disagrees with the config; expected [%d]", info->name, info->cols);
        return status_error("tensor %s: shape disagrees with the config; expected [%d, %d]", info->name, info->rows, info->cols);
    }
    if (!offsets || offsets->type != JSON_ARRAY || json_length(offsets) != 2 ||
        offsets->child->type != JSON_NUMBER || offsets->child->next->type != JSON_NUMBER)
        return status_error("tensor %s: data_offsets must be [begin, end]", info->name);
    double begin = offsets->child->number, end = offsets->child->next->number;
    if (begin < 0 || end < begin || end > (double)data_bytes || begin != (double)(uint64_t)begin ||
        end != (double)(uint64_t)end)
        return status_error("tensor %s: data_offsets [%.0f, %.0f] lie outside the %llu data bytes", info->name, begin,
                            end, (unsigned long long)data_bytes);
    if (end - begin != (double)info->rows * info->cols * sizeof(float))
        return status_error("tensor %s: data_offsets span %.0f bytes; its shape needs %zu", info->name, end - begin,
                            (size_t)info->rows * info->cols * sizeof(float));
    span->begin = (uint64_t)begin, span->end = (uint64_t)end, span->name = info->name;
    return status_ok();
}

// The training state a checkpoint's "train.*" metadata describes.
typedef struct {
    int present;
    TrainConfig config;
    long long step;
    float beta1_power, beta2_power;
    unsigned long long data_state;
} SavedTraining;

static Status training_from_metadata(SavedTraining* out, const JsonNode* meta) {
    memset(out, 0, sizeof *out);
    if (!meta || meta->type != JSON_OBJECT || !json_get(meta, "train.step")) return status_ok();
    out->present = 1;
    train_defaults(&out->config);
    for (const JsonNode* item = meta->child; item; item = item->next) {
        if (strncmp(item->key, "train.", 6) != 0) continue;
        const char* key = item->key + 6;
        if (item->type != JSON_STRING) return status_error("checkpoint metadata \"%.40s\" must be a string", item->key);
        const char* v = item->string;
        char* end = NULL;
        int ok = 1;
        errno = 0;
        if (!strcmp(key, "step")) out->step = strtoll(v, &end, 10), ok = !errno && out->step >= 0 && out->step <= MAX_TRAIN_STEP;
        else if (!strcmp(key, "beta1_power")) out->beta1_power = strtof(v, &end), ok = out->beta1_power >= 0 && out->beta1_power <= 1;
        else if (!strcmp(key, "beta2_power")) out->beta2_power = strtof(v, &end), ok = out->beta2_power >= 0 && out->beta2_power <= 1;
        else if (!strcmp(key, "data_state")) out->data_state = strtoull(v, &end, 10);
        else {
            const FieldSpec* f = train_field(key);
            if (!f) return status_error("checkpoint metadata: unknown training field \"%.40s\"", item->key);
            Status s = field_set(&out->config, f, v);
            if (!s.ok) return status_error("checkpoint metadata: %s", s.message);
            continue;
        }
        if (!ok || end == v || *end != 0)
            return status_error("checkpoint metadata \"%.40s\" is not a valid value (got \"%.40s\")", item->key, v);
    }
    return status_ok();
}

static const uint8_t* data_start(const uint8_t* bytes, uint64_t header_len) { return bytes + 8 + header_len; }

// One tensor from PyTorch's row-major bytes to its home in a weights-shaped block.
static void read_tensor(float* dst, const uint8_t* src, const TensorInfo* info) {
    if (!info->packed) {
        memcpy(dst, src, (size_t)info->rows * info->cols * sizeof(float));
        return;
    }
    memset(dst, 0, packed_size(info->rows, info->cols) * sizeof(float));
    for (int r = 0; r < info->rows; r++)  // any alignment: read with memcpy
        for (int k = 0; k < info->cols; k++)
            memcpy(dst + packed_index(r, k, info->cols), src + ((size_t)r * info->cols + k) * sizeof(float), sizeof(float));
}

Status checkpoint_load(Model* m, const uint8_t* bytes, size_t n) {
    return checkpoint_load_training(m, NULL, bytes, n, NULL, 0);
}

Status checkpoint_load_training(Model* m, Trainer* t, const uint8_t* bytes, size_t n, const uint8_t* text, int text_len) {
    if (n == 0) return status_error("checkpoint is empty (0 bytes)");
    if (n < 8) return status_error("checkpoint is truncated: %zu bytes, shorter than the 8-byte header length", n);
    uint64_t header_len = 0;
    for (int i = 0; i < 8; i++) header_len |= (uint64_t)bytes[i] << (8 * i);
    if (header_len > MAX_HEADER_BYTES)
        return status_error("checkpoint header length %llu is absurd (limit %llu bytes): not a safetensors file?",
                            (unsigned long long)header_len, (unsigned long long)MAX_HEADER_BYTES);
    if (header_len > n - 8)
        return status_error("checkpoint is truncated: header says %llu bytes, file has %zu after the length",
                            (unsigned long long)header_len, n - 8);
    JsonNode* root = NULL;
    Status s = json_parse(&root, (const char*)bytes + 8, (size_t)header_len);
    if (!s.ok) return status_error("checkpoint %s", s.message);
    if (root->type != JSON_OBJECT) {
        json_free(root);
        return status_error("checkpoint header must be a JSON object");
    }
    Config c;
    SavedTraining training;
    s = config_from_metadata(&c, json_get(root, "__metadata__"));
    if (s.ok) s = training_from_metadata(&training, json_get(root, "__metadata__"));
    // a resume is checked whole before the model changes: the state must be there and fit
    if (s.ok && t && !training.present)
        s = status_error("this file holds weights but no training state (start from its weights instead of resuming)");
    if (s.ok && t && training.config.task == TASK_TEXT && text_len < 2)
        s = status_error("this checkpoint trains on a text: give the text to resume (at least 2 bytes)");
    if (s.ok && t && training.config.seq_len > c.max_tokens)
        s = status_error("checkpoint metadata: train.seq_len (%d) must be at most max_tokens (%d)", training.config.seq_len,
                         c.max_tokens);
    if (s.ok && t && training.config.seq_len < task_min_len((TaskKind)training.config.task))
        s = status_error("checkpoint metadata: train.seq_len must be at least %d for its task (got %d)",
                         task_min_len((TaskKind)training.config.task), training.config.seq_len);
    if (s.ok && t) s = train_check_memory(&c, &training.config);
    // the file is in memory while its weights are built beside it
    if (s.ok && model_weight_bytes(&c) + n > MEMORY_BUDGET_BYTES)
        s = status_error("loading this file needs %llu MiB (the %zu-byte file and its weights), over the %llu MiB limit",
                         (unsigned long long)((model_weight_bytes(&c) + n) >> 20), n,
                         (unsigned long long)(MEMORY_BUDGET_BYTES >> 20));
    // The expected tensors come from the same table the model uses (three
    // times over with a training state: weights, then the two moments).
    Weights scratch = {0};
    TensorInfo* table = NULL;
    Span* spans = NULL;
    int n_tensors = 0, n_weights = 0;
    if (s.ok) {
        scratch.layers = mem_calloc((size_t)c.n_layers, sizeof(LayerWeights));
        s = scratch.layers ? tensor_table(&table, &n_weights, &c, &scratch)
                           : status_error("out of memory reading the checkpoint");
        n_tensors = n_weights;
    }
    if (s.ok && training.present) {
        TensorInfo* all = mem_realloc(table, 3 * (size_t)n_weights * sizeof(TensorInfo));
        if (!all) s = status_error("out of memory reading the checkpoint");
        else {
            table = all;
            for (int copy = 1; copy < 3; copy++)
                for (int i = 0; i < n_weights; i++) {
                    TensorInfo* info = &table[copy * n_weights + i];
                    char name[sizeof info->name];
                    snprintf(name, sizeof name, "%s%.48s", copy == 1 ? OPTIMIZER_M : OPTIMIZER_V, table[i].name);
                    *info = table[i];
                    memcpy(info->name, name, sizeof name);
                }
            n_tensors = 3 * n_weights;
        }
    }
    uint64_t data_bytes = n - 8 - header_len;
    if (s.ok) spans = mem_calloc((size_t)n_tensors + 1, sizeof(Span));
    if (s.ok && !spans) s = status_error("out of memory reading the checkpoint");
    for (int i = 0; s.ok && i < n_tensors; i++) {
        const JsonNode* entry = json_get(root, table[i].name);
        if (!entry) s = status_error("tensor %s is missing (the config in the metadata needs it)", table[i].name);
        else s = check_entry(entry, &table[i], data_bytes, &spans[i]);
    }
    for (const JsonNode* item = root->child; s.ok && item; item = item->next) {
        if (strcmp(item->key, "__metadata__") == 0) continue;
        int known = 0;
        for (int i = 0; i < n_tensors && !known; i++) known = strcmp(table[i].name, item->key) == 0;
        if (!known)
            s = status_error("tensor %.60s is not part of the model the metadata describes (norm=%s, placement=%s, "
                             "activation=%s, pos=%s): metadata and tensors disagree", item->key,
                             c.norm == NORM_LAYERNORM ? "layernorm" : c.norm == NORM_RMSNORM ? "rmsnorm" : "none",
                             c.placement == PLACE_PRE ? "pre" : "post",
                             c.activation == ACT_GELU ? "gelu" : c.activation == ACT_RELU ? "relu" : "swiglu",
                             c.pos == POS_ROPE ? "rope" : c.pos == POS_SINUSOIDAL ? "sinusoidal"
                                                 : c.pos == POS_LEARNED ? "learned" : "none");
    }
    if (s.ok) {
        Span* sorted = mem_alloc((size_t)n_tensors * sizeof(Span));
        if (!sorted) s = status_error("out of memory reading the checkpoint");
        else {
            memcpy(sorted, spans, (size_t)n_tensors * sizeof(Span));
            qsort(sorted, (size_t)n_tensors, sizeof(Span), by_begin);
            // safetensors: the tensors tile the data exactly, no overlap, no hole, nothing after
            if (n_tensors && sorted[0].begin != 0)
                s = status_error("the data before tensor %s (bytes 0 to %llu) belongs to no tensor", sorted[0].name,
                                 (unsigned long long)sorted[0].begin);
            for (int i = 1; s.ok && i < n_tensors; i++) {
                if (sorted[i].begin < sorted[i - 1].end)
                    s = status_error("tensors %s and %s overlap in the file (data_offsets)", sorted[i - 1].name,
                                     sorted[i].name);
                else if (sorted[i].begin > sorted[i - 1].end)
                    s = status_error("a gap of %llu bytes lies between tensors %s and %s (data_offsets)",
                                     (unsigned long long)(sorted[i].begin - sorted[i - 1].end), sorted[i - 1].name,
                                     sorted[i].name);
            }
            if (s.ok && n_tensors && sorted[n_tensors - 1].end != data_bytes)
                s = status_error("checkpoint has %llu bytes after its last tensor: not a safetensors file of this model",
                                 (unsigned long long)(data_bytes - sorted[n_tensors - 1].end));
            free(sorted);
        }
    }
    json_free(root);
    free(table), free(scratch.layers);
    if (s.ok) {
        // Everything checked: only now is the old model replaced.
        s = model_allocate_weights(m, &c);
        if (s.ok) {
            const uint8_t* data = bytes + 8 + header_len;
            for (int i = 0; i < m->n_tensors; i++) read_tensor(*m->tensors[i].slot, data + spans[i].begin, &m->tensors[i]);
            m->config = c;
            m->weights_from_file = 1;
            m->T = 0;
        }
        if (s.ok && t && training.present) {
            // checked above, so only memory can fail here: then the weights are
            // the file's and the trainer is stopped (never old moments on new weights)
            s = trainer_start(t, m, &training.config, text, text_len);
            if (!s.ok) {
                trainer_release(t);
                s = status_error("the file's weights are loaded but training cannot resume: %.180s", s.message);
            }
            for (int i = 0; s.ok && i < m->n_tensors; i++) {
                size_t at = (size_t)(*m->tensors[i].slot - m->weight_block);
                read_tensor(t->m + at, data_start(bytes, header_len) + spans[n_weights + i].begin, &m->tensors[i]);
                read_tensor(t->v + at, data_start(bytes, header_len) + spans[2 * n_weights + i].begin, &m->tensors[i]);
            }
            if (s.ok) {
                t->step = training.step;
                t->beta1_power = training.beta1_power, t->beta2_power = training.beta2_power;
                t->data.state = training.data_state;
            }
        }
    }
    free(spans);
    return s;
}
