// model.c — the weights: their checkpoint table, allocation, init and packing.
#include "model.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "rng.h"
#include "memory.h"

void model_init(Model* m) {
    memset(m, 0, sizeof *m);
    config_defaults(&m->config);
}

static void free_weights(Model* m) {
    free(m->weight_block), free(m->grad_block), free(m->tensors), free(m->w.layers);
    m->weight_block = m->grad_block = NULL;
    m->has_grad = 0;
    m->tensors = NULL;
    m->w.layers = NULL;
    m->has_weights = 0;
    m->weights_from_file = 0;
}

void model_release(Model* m) {
    free_weights(m);
    free(m->act_block), free(m->probe_block);
    memset(m, 0, sizeof *m);
}

// ---------------------------------------------------------------- the table

typedef struct {
    TensorInfo* items;
    int n;
} Table;

static void add(Table* t, TensorRole role, float** slot, int packed, int ndim, int rows, int cols,
                const char* name, int layer, int kind) {
    TensorInfo* info = &t->items[t->n++];
    if (layer < 0) snprintf(info->name, sizeof info->name, "%s", name);
    else snprintf(info->name, sizeof info->name, "layers.%d.%s", layer, name);
    info->role = role, info->slot = slot, info->packed = packed;
    info->ndim = ndim, info->rows = ndim == 1 ? 1 : rows, info->cols = cols;
    info->layer = layer, info->kind = kind;
}

Status tensor_table(TensorInfo** out, int* n, const Config* c, Weights* w) {
    int L = c->n_layers, d = c->d_model, ff = c->d_ff;
    int has_norm = c->norm != NORM_NONE, has_bias = c->norm == NORM_LAYERNORM;
    Table t = {mem_calloc((size_t)(5 + N_LAYER_TENSORS * L), sizeof(TensorInfo)), 0};
    if (!t.items) return status_error("out of memory for the tensor table (n_layers=%d)", L);
    add(&t, TENSOR_MATRIX, &w->tok_embeddings, 0, 2, VOCAB, d, "tok_embeddings.weight", -1, 0);
    if (c->pos == POS_LEARNED)
        add(&t, TENSOR_MATRIX, &w->pos_embeddings, 0, 2, c->max_tokens, d, "pos_embeddings.weight", -1, 0);
    for (int l = 0; l < L; l++) {
        LayerWeights* lw = &w->layers[l];
#define LAYER(kind, role, field, packed, ndim, rows, cols) \
    add(&t, role, &lw->field, packed, ndim, rows, cols, LAYER_TENSOR_FILE_NAMES[kind], l, kind)
        if (has_norm) LAYER(LT_attention_norm, TENSOR_GAMMA, attention_norm, 0, 1, 0, d);
        if (has_bias) LAYER(LT_attention_norm_bias, TENSOR_BETA, attention_norm_bias, 0, 1, 0, d);
        LAYER(LT_wq, TENSOR_MATRIX, wq, 1, 2, d, d);
        LAYER(LT_wk, TENSOR_MATRIX, wk, 1, 2, d, d);
        LAYER(LT_wv, TENSOR_MATRIX, wv, 1, 2, d, d);
        LAYER(LT_wo, TENSOR_MATRIX, wo, 1, 2, d, d);
        if (has_norm) LAYER(LT_ffn_norm, TENSOR_GAMMA, ffn_norm, 0, 1, 0, d);
        if (has_bias) LAYER(LT_ffn_norm_bias, TENSOR_BETA, ffn_norm_bias, 0, 1, 0, d);
        LAYER(LT_w1, TENSOR_MATRIX, w1, 1, 2, ff, d);
        LAYER(LT_w2, TENSOR_MATRIX, w2, 1, 2, d, ff);
        if (c->activation == ACT_SWIGLU) LAYER(LT_w3, TENSOR_MATRIX, w3, 1, 2, ff, d);
#undef LAYER
    }
    if (has_norm && c->placement == PLACE_PRE) {
        add(&t, TENSOR_GAMMA, &w->norm, 0, 1, 0, d, "norm.weight", -1, 0);
        if (has_bias) add(&t, TENSOR_BETA, &w->norm_bias, 0, 1, 0, d, "norm.bias", -1, 0);
    }
    add(&t, TENSOR_MATRIX, &w->output, 1, 2, VOCAB, d, "output.weight", -1, 0);
    *out = t.items;
    *n = t.n;
    return status_ok();
}

size_t tensor_floats(const TensorInfo* info) {
    size_t n = info->packed ? packed_size(info->rows, info->cols) : (size_t)info->rows * info->cols;
    return (n + 3) & ~(size_t)3;  // every tensor 16-byte aligned
}

static uint64_t stored(uint64_t floats) { return (floats + 3) & ~(uint64_t)3; }  // as tensor_floats
static uint64_t packed(uint64_t rows, uint64_t cols) { return stored((rows + PANEL - 1) / PANEL * PANEL * cols); }

// The same tensors as tensor_table, counted without allocating; 64-bit even
// in wasm32, so the budget check sees the true size. Tests hold it equal to
// what model_allocate_weights allocates.
uint64_t model_weight_bytes(const Config* c) {
    uint64_t d = (uint64_t)c->d_model, ff = (uint64_t)c->d_ff;
    uint64_t norms = c->norm == NORM_NONE ? 0 : c->norm == NORM_LAYERNORM ? 2 : 1;  // γ, and β for LayerNorm
    uint64_t layer = 2 * norms * stored(d) + 4 * packed(d, d) + packed(ff, d) + packed(d, ff) +
                     (c->activation == ACT_SWIGLU ? packed(ff, d) : 0);
    uint64_t total = stored(VOCAB * d) + (c->pos == POS_LEARNED ? stored((uint64_t)c->max_tokens * d) : 0) +
                     (uint64_t)c->n_layers * layer + (c->placement == PLACE_PRE ? norms * stored(d) : 0) +
                     packed(VOCAB, d);
    return total * sizeof(float);
}

// All-or-nothing: the new weights are allocated whole before the old ones go,
// so a failure (out of memory) leaves the model as it was.
Status model_allocate_weights(Model* m, const Config* c) {
    uint64_t bytes = model_weight_bytes(c);
    if (bytes > MEMORY_BUDGET_BYTES)
        return status_error("the weights of this model need %llu MiB, over the %llu MiB limit: lower n_layers (%d), "
                            "d_model (%d) or d_ff (%d)", (unsigned long long)(bytes >> 20),
                            (unsigned long long)(MEMORY_BUDGET_BYTES >> 20), c->n_layers, c->d_model, c->d_ff);
    Weights w = {0};
    TensorInfo* tensors = NULL;
    int n = 0;
    float* block = NULL;
    size_t floats = 0;
    w.layers = mem_calloc((size_t)c->n_layers, sizeof(LayerWeights));
    Status s = w.layers ? tensor_table(&tensors, &n, c, &w) : status_error("out of memory");
    if (s.ok) {
        for (int i = 0; i < n; i++) floats += tensor_floats(&tensors[i]);
        block = mem_alloc(floats * sizeof(float));
    }
    if (!s.ok || !block) {
        free(block), free(tensors), free(w.layers);
        return status_error("out of memory allocating the weights (%llu MiB for n_layers=%d, d_model=%d, d_ff=%d); "
                            "the model is kept", (unsigned long long)(bytes >> 20), c->n_layers, c->d_model, c->d_ff);
    }
    free_weights(m);
    m->w = w;
    // The table's slots that point into the local `w` move to m->w; those into
    // the layers array (on the heap, now m->w.layers) stay valid.
    for (int i = 0; i < n; i++) {
        uintptr_t slot = (uintptr_t)tensors[i].slot, local = (uintptr_t)&w;
        if (slot - local < sizeof w) tensors[i].slot = (float**)((char*)&m->w + (slot - local));
    }
    m->tensors = tensors, m->n_tensors = n;
    m->weight_block = block, m->weight_floats = floats;
    float* next = block;
    for (int i = 0; i < n; i++) {
        *m->tensors[i].slot = next;
        next += tensor_floats(&m->tensors[i]);
    }
    m->weights_config = *c;
    m->has_weights = 1;
    return status_ok();
}

void model_init_weights(Model* m) {
    const Config* c = &m->weights_config;
    for (int i = 0; i < m->n_tensors; i++) {
        const TensorInfo* info = &m->tensors[i];
        float* data = *info->slot;
        size_t n = (size_t)info->rows * info->cols;
        if (info->role != TENSOR_MATRIX) {
            for (size_t k = 0; k < n; k++) data[k] = info->role == TENSOR_GAMMA ? 1.0f : 0.0f;
            continue;
        }
        // Xavier/Glorot normal: var = 2 / (fan_in + fan_out), fan_in = in = cols
        double std = c->init == INIT_XAVIER ? sqrt(2.0 / (info->rows + info->cols)) : c->init_std;
        Rng rng = rng_for_tensor(c->seed, info->name);
        if (info->packed) memset(data, 0, packed_size(info->rows, info->cols) * sizeof(float));  // padding rows
        // drawn in row-major order, whatever the storage, so a seed means the same matrix
        for (int r = 0; r < info->rows; r++)
            for (int k = 0; k < info->cols; k++) {
                float v = (float)(std * rng_normal(&rng));
                data[info->packed ? packed_index(r, k, info->cols) : (size_t)r * info->cols + k] = v;
            }
    }
    m->weights_from_file = 0;
}

Status model_configure(Model* m, const Config* c) {
    Config next = *c;
    Status s = config_validate(&next);
    if (!s.ok) return s;
    m->rebuilt = !m->has_weights || !config_same_weights(&next, &m->weights_config);
    if (m->rebuilt) {
        s = model_allocate_weights(m, &next);
        if (!s.ok) return s;
        model_init_weights(m);
    }
    m->config = next;
    m->T = 0;  // the probe buffer no longer matches the config until the next forward
    m->has_grad = 0;
    return status_ok();
}
