// backward.c — the loss and the gradient of every weight, from the output back
// to the embedding. Each *_backward undoes the *_forward of the same name in
// forward.c, reading what that forward kept (the probes and the layer caches).
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "model.h"
#include "memory.h"

static float* probe(Model* m, ProbeId id, int i0, int i1) { return probe_at(m->probe_block, &m->layout, id, i0, i1); }

// The gradient's rms at one site of layer l, overall and per token.
static void record(Model* m, int l, Site site, const float* grad, int width) {
    int T = m->T;
    float* token_rms = probe(m, PROBE_grad_site_token_rms, l, site);
    double total = 0;
    for (int t = 0; t < T; t++) {
        double sq = 0;
        for (int i = 0; i < width; i++) sq += (double)grad[(size_t)t * width + i] * grad[(size_t)t * width + i];
        token_rms[t] = (float)sqrt(sq / width);
        total += sq;
    }
    probe(m, PROBE_grad_site_rms, l, 0)[site] = (float)sqrt(total / ((double)T * width));
}

// y = x·wᵀ: grad_w = dyᵀ·x, and dx = dy·w unless dx is NULL.
static void linear_backward(Model* m, float* dx, const float* dy, const float* x, const float* w, int T, int rows,
                            int cols) {
    matmul_weight_grad(grad_of(m, w), dy, x, T, rows, cols, m->g.matmul);
    if (!dx) return;
    pack_transposed(m->g.weights_t, w, rows, cols);
    matmul(dx, dy, m->g.weights_t, T, cols, rows);
}

// One norm, from what its forward kept: the normalized vectors and divisors.
static void norm_backward_of(Model* m, float* dx, const float* dy, const float* normalized, const float* divisor,
                             const float* gamma, const float* beta) {
    const Config* c = &m->config;
    int T = m->T, d = c->d_model;
    if (c->norm == NORM_NONE) {
        memcpy(dx, dy, (size_t)T * d * sizeof(float));
        return;
    }
    norm_backward(dx, grad_of(m, gamma), beta ? grad_of(m, beta) : NULL, dy, normalized, divisor, gamma, T, d,
                  c->norm == NORM_LAYERNORM);
}

static void block_norm_backward(Model* m, int l, int k, float* dx, const float* dy) {
    const LayerWeights* w = &m->w.layers[l];
    norm_backward_of(m, dx, dy, probe(m, PROBE_norm_normalized, l, k), probe(m, PROBE_norm_divisor, l, k),
                     k ? w->ffn_norm : w->attention_norm, k ? w->ffn_norm_bias : w->attention_norm_bias);
}

// dx from d_out through causal attention whose input was x. Per head and query t:
// dP = dhead·v, dv += P·dhead, dscore = P ⊙ (dP − Σ P·dP), dq += dscore·k, dk += dscore·q.
static void attention_backward(Model* m, int l, float* dx, const float* d_out, const float* x) {
    const Config* c = &m->config;
    const LayerWeights* p = &m->w.layers[l];
    const LayerCache* cache = &m->act.layer[l];
    GradBuffers* g = &m->g;
    int T = m->T, d = c->d_model, H = c->n_heads, hd = config_head_dim(c), pairs = hd / 2, n = T * d;
    int rope = c->pos == POS_ROPE;
    linear_backward(m, g->d_heads, d_out, cache->heads, p->wo, T, d, d);
    const float* q = probe(m, rope ? PROBE_attn_q_rot : PROBE_attn_q, l, 0);
    const float* k = probe(m, rope ? PROBE_attn_k_rot : PROBE_attn_k, l, 0);
    memset(g->d_q, 0, (size_t)n * sizeof(float));
    memset(g->d_k, 0, (size_t)n * sizeof(float));
    memset(g->d_v, 0, (size_t)n * sizeof(float));
    float scale = 1.0f / sqrtf((float)hd);
    for (int h = 0; h < H; h++) {
        const float* probs = probe(m, PROBE_attn_probs, l, h);
        size_t head = (size_t)h * hd;
        for (int t = 0; t < T; t++) {
            const float* P = probs + (size_t)t * T;
            const float* d_head = g->d_heads + (size_t)t * d + head;
            float* dP = g->d_scores;
            double weighted = 0;
            for (int s = 0; s <= t; s++) {
                dP[s] = dot(d_head, cache->v + (size_t)s * d + head, hd);
                weighted += (double)P[s] * dP[s];
                axpy(g->d_v + (size_t)s * d + head, P[s], d_head, hd);
            }
            for (int s = 0; s <= t; s++) {
                float d_score = P[s] * (dP[s] - (float)weighted) * scale;
                axpy(g->d_q + (size_t)t * d + head, d_score, k + (size_t)s * d + head, hd);
                axpy(g->d_k + (size_t)s * d + head, d_score, q + (size_t)t * d + head, hd);
            }
        }
    }
    if (rope) {
        int half = c->rope_pairing == ROPE_HALF;
        for (int t = 0; t < T; t++)
            for (int h = 0; h < H; h++) {
                size_t at = (size_t)t * d + (size_t)h * hd;
                const float *cos_t = m->act.rope_cos + (size_t)t * pairs, *sin_t = m->act.rope_sin + (size_t)t * pairs;
                rope_backward(g->d_q + at, g->d_q + at, cos_t, sin_t, hd, half);
                rope_backward(g->d_k + at, g->d_k + at, cos_t, sin_t, hd, half);
            }
    }
    linear_backward(m, dx, g->d_q, x, p->wq, T, d, d);
    linear_backward(m, g->d_tmp, g->d_k, x, p->wk, T, d, d);
    vec_add_to(dx, dx, g->d_tmp, n);
    linear_backward(m, g->d_tmp, g->d_v, x, p->wv, T, d, d);
    vec_add_to(dx, dx, g->d_tmp, n);
}

// dx from d_out through the FFN whose input was x.
static void ffn_backward(Model* m, int l, float* dx, const float* d_out, const float* x) {
    const Config* c = &m->config;
    const LayerWeights* p = &m->w.layers[l];
    const LayerCache* cache = &m->act.layer[l];
    GradBuffers* g = &m->g;
    int T = m->T, d = c->d_model, ff = c->d_ff, n = T * ff;
    linear_backward(m, g->d_hidden, d_out, cache->hidden, p->w2, T, d, ff);
    record(m, l, SITE_ffn_hidden, g->d_hidden, ff);
    if (c->activation == ACT_GELU) gelu_backward(g->d_pre_a, g->d_hidden, cache->pre_a, n);
    else if (c->activation == ACT_RELU) relu_backward(g->d_pre_a, g->d_hidden, cache->pre_a, n);
    else swiglu_backward(g->d_pre_a, g->d_pre_b, g->d_hidden, cache->pre_a, cache->pre_b, n);
    linear_backward(m, dx, g->d_pre_a, x, p->w1, T, ff, d);
    if (c->activation == ACT_SWIGLU) {
        linear_backward(m, g->d_tmp, g->d_pre_b, x, p->w3, T, ff, d);
        vec_add_to(dx, dx, g->d_tmp, T * d);
    }
}

// dx from d_out through block l, recording the gradient at every site.
static void block_backward(Model* m, int l, float* dx, const float* d_out) {
    const Config* c = &m->config;
    GradBuffers* g = &m->g;
    int T = m->T, d = c->d_model, n = T * d;
    const float* norm_out[2] = {probe(m, PROBE_norm_output, l, 0), probe(m, PROBE_norm_output, l, 1)};
    record(m, l, SITE_resid_out, d_out, d);
    if (c->placement == PLACE_PRE) {
        // mid = R·x + attn(norm1(x)); out = R·mid + ffn(norm2(mid))
        record(m, l, SITE_ffn_out, d_out, d);
        ffn_backward(m, l, g->d_sub, d_out, norm_out[1]);
        record(m, l, SITE_ffn_norm, g->d_sub, d);
        block_norm_backward(m, l, 1, g->d_mid, g->d_sub);
        if (c->residual) vec_add_to(g->d_mid, g->d_mid, d_out, n);
        record(m, l, SITE_resid_mid, g->d_mid, d);
        record(m, l, SITE_attn_out, g->d_mid, d);
        attention_backward(m, l, g->d_sub, g->d_mid, norm_out[0]);
        record(m, l, SITE_attn_norm, g->d_sub, d);
        block_norm_backward(m, l, 0, dx, g->d_sub);
        if (c->residual) vec_add_to(dx, dx, g->d_mid, n);
    } else {
        // mid = norm1(R·x + attn(x)); out = norm2(R·mid + ffn(mid))
        record(m, l, SITE_ffn_norm, d_out, d);
        block_norm_backward(m, l, 1, g->d_sub, d_out);
        record(m, l, SITE_ffn_out, g->d_sub, d);
        ffn_backward(m, l, g->d_mid, g->d_sub, norm_out[0]);
        if (c->residual) vec_add_to(g->d_mid, g->d_mid, g->d_sub, n);
        record(m, l, SITE_resid_mid, g->d_mid, d);
        record(m, l, SITE_attn_norm, g->d_mid, d);
        block_norm_backward(m, l, 0, g->d_sub, g->d_mid);
        record(m, l, SITE_attn_out, g->d_sub, d);
        attention_backward(m, l, dx, g->d_sub, m->act.layer[l].resid_in);
        if (c->residual) vec_add_to(dx, dx, g->d_sub, n);
    }
    record(m, l, SITE_resid_in, dx, d);
}

// Mean over positions t < T−1 of −log softmax(logits_t)[byte t+1], each
// weighted by loss_weights[t] when given (Σ w·loss / Σ w); d_logits gets its
// gradient w·(softmax − one-hot)/Σ w, and 0 for the last position.
static Status loss_backward(Model* m) {
    int T = m->T, N = T - 1;
    const float* logits = probe(m, PROBE_logits, 0, 0);
    const float* tokens = probe(m, PROBE_tokens, 0, 0);
    const float* weights = m->loss_weights;
    float* token_loss = probe(m, PROBE_token_loss, 0, 0);
    double total = 0, weight_sum = 0;
    for (int t = 0; t < N; t++) weight_sum += weights ? weights[t] : 1.0;
    if (!(weight_sum > 0)) return status_error("the loss weights give no position any weight");
    for (int t = 0; t < N; t++) {
        const float* row = logits + (size_t)t * VOCAB;
        float* d_row = m->g.d_logits + (size_t)t * VOCAB;
        int target = (int)tokens[t + 1];
        double max = row[0], sum = 0;  // log-sum-exp in double: the loss is what the tests compare
        for (int v = 1; v < VOCAB; v++) max = row[v] > max ? row[v] : max;
        for (int v = 0; v < VOCAB; v++) sum += exp(row[v] - max);
        double loss = log(sum) + max - row[target], w = weights ? weights[t] : 1.0;
        token_loss[t] = (float)loss;
        total += w * loss;
        softmax(d_row, row, VOCAB);
        d_row[target] -= 1.0f;
        float scale = (float)(w / weight_sum);
        for (int v = 0; v < VOCAB; v++) d_row[v] *= scale;
    }
    memset(m->g.d_logits + (size_t)N * VOCAB, 0, VOCAB * sizeof(float));
    m->loss = total / weight_sum;
    probe(m, PROBE_loss, 0, 0)[0] = (float)m->loss;
    return status_ok();
}

static void embed_backward(Model* m, const float* dx) {
    const Config* c = &m->config;
    int T = m->T, d = c->d_model;
    const float* tokens = probe(m, PROBE_tokens, 0, 0);
    float* d_tok = grad_of(m, m->w.tok_embeddings);
    for (int t = 0; t < T; t++) axpy(d_tok + (size_t)tokens[t] * d, 1.0f, dx + (size_t)t * d, d);
    if (c->pos == POS_LEARNED) memcpy(grad_of(m, m->w.pos_embeddings), dx, (size_t)T * d * sizeof(float));
}

Status model_backward(Model* m) {
    const Config* c = &m->config;
    if (!m->T || !m->act.per_layer || !m->layout.arrays[PROBE_loss].size)
        return status_error("no forward pass for gradients to go back through");
    if (!m->grad_block) {
        m->grad_block = mem_alloc(m->weight_floats * sizeof(float));
        if (!m->grad_block)
            return status_error("out of memory for the gradients (%zu MiB)", (m->weight_floats * sizeof(float)) >> 20);
    }
    int T = m->T, d = c->d_model;
    GradBuffers* g = &m->g;
    Status s = loss_backward(m);
    if (!s.ok) return s;
    memset(m->grad_block, 0, m->weight_floats * sizeof(float));
    float* d_out = g->d_stream[0], *d_in = g->d_stream[1];
    linear_backward(m, d_out, g->d_logits, m->act.head_input, m->w.output, T, VOCAB, d);
    if (m->layout.arrays[PROBE_final_norm_output].size) {
        norm_backward_of(m, d_in, d_out, probe(m, PROBE_final_norm_normalized, 0, 0),
                         probe(m, PROBE_final_norm_divisor, 0, 0), m->w.norm, m->w.norm_bias);
        float* swap = d_out;
        d_out = d_in, d_in = swap;
    }
    for (int l = c->n_layers - 1; l >= 0; l--) {
        block_backward(m, l, d_in, d_out);
        float* swap = d_out;
        d_out = d_in, d_in = swap;
    }
    embed_backward(m, d_out);
    const ProbeArray* norms = &m->layout.arrays[PROBE_grad_layer_norm];
    memset(probe(m, PROBE_grad_layer_norm, 0, 0), 0, (size_t)norms->size * sizeof(float));  // 0: a tensor this config lacks
    for (int i = 0; i < m->n_tensors; i++)
        if (m->tensors[i].layer >= 0)
            probe(m, PROBE_grad_layer_norm, m->tensors[i].layer, 0)[m->tensors[i].kind] = (float)model_grad_norm(m, &m->tensors[i]);
    m->has_grad = 1;
    return status_ok();
}

double model_grad_norm(const Model* m, const TensorInfo* info) {
    const float* grad = grad_of(m, *info->slot);
    double sq = 0;
    for (size_t k = 0, n = tensor_floats(info); k < n; k++) sq += (double)grad[k] * grad[k];  // padding is 0
    return sqrt(sq);
}

Status model_gradients(Model* m, const uint8_t* tokens, int T) {
    Status s = model_forward_for_grad(m, tokens, T, 1);
    return s.ok ? model_backward(m) : s;
}
