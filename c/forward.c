// forward.c — one forward pass, top to bottom in the order of the equations
// (DESIGN.md, "Forward pass, exactly"), writing every probe on the way.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "model.h"
#include "memory.h"

// ---------------------------------------------------------------- buffers

// The backward's two matmul scratch sizes, the largest over the shapes it
// differentiates: output (256, d), attention (d, d), w1/w3 (d_ff, d), w2 (d, d_ff).
static void backward_scratch(const Config* c, int T, size_t* transposed, size_t* weight_grad) {
    int d = c->d_model, ff = c->d_ff;
    int shapes[4][2] = {{VOCAB, d}, {d, d}, {ff, d}, {d, ff}};
    *transposed = *weight_grad = 0;
    for (int i = 0; i < 4; i++) {
        size_t t = packed_size(shapes[i][1], shapes[i][0]), g = matmul_weight_grad_scratch(T, shapes[i][0], shapes[i][1]);
        *transposed = t > *transposed ? t : *transposed;
        *weight_grad = g > *weight_grad ? g : *weight_grad;
    }
}

// Floats for the activations, the layer caches (one, or one per layer for
// gradients) and, for gradients, the backward's buffers; TAKE below places them.
static size_t activation_floats(const Config* c, int T, int for_grad) {
    size_t d = (size_t)c->d_model, ff = (size_t)c->d_ff, hd = (size_t)config_head_dim(c), t = (size_t)T;
    size_t layers = for_grad ? (size_t)c->n_layers : 1, pad = 4;
    size_t n = 5 * (t * d + pad) + 2 * (t * hd / 2 + pad) + (t + pad) + (t * d + pad);
    n += layers * (3 * (t * d + pad) + 3 * (t * ff + pad));
    if (for_grad) {
        size_t transposed, weight_grad;
        backward_scratch(c, T, &transposed, &weight_grad);
        n += 9 * (t * d + pad) + 3 * (t * ff + pad) + (t * VOCAB + pad) + (t + pad) + (transposed + pad) + (weight_grad + pad);
    }
    return n;
}

// Grows a buffer when a run needs more, and gives memory back when it needs
// under a quarter (a long text's buffers do not stay pinned): no allocation
// in a steady state. The new block comes before the old goes, so a failure
// leaves the last run's probes readable.
static int reserve(float** block, size_t* capacity, size_t floats) {
    if (floats <= *capacity && floats >= *capacity / 4) return 1;
    float* grown = mem_alloc(floats * sizeof(float));
    if (!grown) return 0;
    free(*block);
    *block = grown;
    *capacity = floats;
    return 1;
}

static void place_activations(Model* m, const Config* c, int T, int for_grad) {
    Activations* a = &m->act;
    GradBuffers* g = &m->g;
    size_t td = (size_t)T * c->d_model, tf = (size_t)T * c->d_ff, pairs = (size_t)T * config_head_dim(c) / 2;
    float* next = m->act_block;
#define TAKE(field, n) (field = next, next += ((n) + 3) & ~(size_t)3)
    TAKE(a->stream[0], td), TAKE(a->stream[1], td), TAKE(a->stream[2], td);
    TAKE(a->attn_out, td), TAKE(a->ffn_out, td);
    TAKE(a->rope_cos, pairs), TAKE(a->rope_sin, pairs);
    TAKE(a->token_scratch, (size_t)T);
    TAKE(a->key_t, td);
    a->per_layer = for_grad;
    for (int l = 0; l < (for_grad ? c->n_layers : 1); l++) {
        LayerCache* cache = &a->layer[l];
        TAKE(cache->resid_in, td), TAKE(cache->v, td), TAKE(cache->heads, td);
        TAKE(cache->pre_a, tf), TAKE(cache->pre_b, tf), TAKE(cache->hidden, tf);
    }
    if (!for_grad) return;
    size_t transposed, weight_grad;
    backward_scratch(c, T, &transposed, &weight_grad);
    TAKE(g->d_stream[0], td), TAKE(g->d_stream[1], td), TAKE(g->d_mid, td);
    TAKE(g->d_sub, td), TAKE(g->d_tmp, td);
    TAKE(g->d_q, td), TAKE(g->d_k, td), TAKE(g->d_v, td), TAKE(g->d_heads, td);
    TAKE(g->d_hidden, tf), TAKE(g->d_pre_a, tf), TAKE(g->d_pre_b, tf);
    TAKE(g->d_logits, (size_t)T * VOCAB), TAKE(g->d_scores, (size_t)T);
    TAKE(g->weights_t, transposed);
    TAKE(g->matmul, weight_grad);
#undef TAKE
}

static LayerCache* cache_of(Model* m, int l) { return &m->act.layer[m->act.per_layer ? l : 0]; }

// ---------------------------------------------------------------- layers

// The norm a site applies: the config's, or none where remove_norm took it
// out (part: NORM_PART_ATTN, NORM_PART_FFN or NORM_PART_FINAL).
static int norm_kind(const Config* c, int layer, int part) {
    int removed = c->remove_norm[0] >= 0 && c->remove_norm[1] == part &&
                  (part == NORM_PART_FINAL || c->remove_norm[0] == layer);
    return removed ? NORM_NONE : c->norm;
}

// One norm, recording mean, divisor and the normalized vector for the probes.
void norm_forward(const Config* c, int kind, float* out, float* normalized, float* mean, float* divisor,
                         const float* x, const float* gamma, const float* beta, int T) {
    int d = c->d_model;
    if (kind == NORM_LAYERNORM) {
        layernorm(out, normalized, mean, divisor, x, gamma, beta, T, d, (float)c->norm_eps);
        return;
    }
    row_mean(mean, x, T, d);
    if (kind == NORM_RMSNORM) {
        rmsnorm(out, normalized, divisor, x, gamma, T, d, (float)c->norm_eps);
        return;
    }
    for (int t = 0; t < T; t++) divisor[t] = 1.0f;  // none: the identity
    memcpy(normalized, x, (size_t)T * d * sizeof(float));
    memcpy(out, x, (size_t)T * d * sizeof(float));
}

Status model_norm_probe(Model* m, int layer, int which, int token, float shift, float scale, float* out) {
    const Config* c = &m->config;
    int d = c->d_model, final = layer == c->n_layers;
    if (!m->T || !m->has_weights) return status_error("no run yet");
    if (layer < 0 || layer > c->n_layers || (final && !m->layout.arrays[PROBE_final_norm_input].size))
        return status_error("layer must be 0 to %d", c->n_layers - 1);
    if (which < 0 || which > 1) return status_error("norm must be 0 (attn_norm) or 1 (ffn_norm)");
    if (token < 0 || token >= m->T) return status_error("token must be 0 to %d", m->T - 1);
    if (!isfinite(shift) || !isfinite(scale)) return status_error("shift and scale must be finite numbers");
    const float* x = final ? probe_at(m->probe_block, &m->layout, PROBE_final_norm_input, token, 0)
                           : probe_at(m->probe_block, &m->layout, PROBE_norm_input, layer, which) + (size_t)token * d;
    const LayerWeights* w = final ? NULL : &m->w.layers[layer];
    const float* gamma = final ? m->w.norm : which ? w->ffn_norm : w->attention_norm;
    const float* beta = final ? m->w.norm_bias : which ? w->ffn_norm_bias : w->attention_norm_bias;
    // out: input (d), normalized (d), output (d), mean, divisor
    float* input = out, *normalized = out + d, *output = out + 2 * d;
    // the shift is in units of the token's rms, so one slider fits every layer's scale
    double sum_sq = 0;
    for (int i = 0; i < d; i++) sum_sq += (double)x[i] * x[i];
    float offset = (float)(shift * sqrt(sum_sq / d));
    for (int i = 0; i < d; i++) input[i] = x[i] * scale + offset;
    int kind = norm_kind(c, layer, final ? NORM_PART_FINAL : which);
    norm_forward(c, kind, output, normalized, out + 3 * d, out + 3 * d + 1, input, gamma, beta, 1);
    return status_ok();
}

// Causal multi-head attention (torch: F.scaled_dot_product_attention(q, k, v, is_causal=True)).
static void attention_forward(Model* m, int l, float* out, const float* x, int T) {
    const Config* c = &m->config;
    const LayerWeights* p = &m->w.layers[l];
    Activations* a = &m->act;
    LayerCache* cache = cache_of(m, l);
    int d = c->d_model, H = c->n_heads, hd = config_head_dim(c), pairs = hd / 2;
    float* q = probe_at(m->probe_block, &m->layout, PROBE_attn_q, l, 0);
    float* k = probe_at(m->probe_block, &m->layout, PROBE_attn_k, l, 0);
    matmul(q, x, p->wq, T, d, d);
    matmul(k, x, p->wk, T, d, d);
    matmul(cache->v, x, p->wv, T, d, d);
    if (c->pos == POS_ROPE) {
        float* q_rot = probe_at(m->probe_block, &m->layout, PROBE_attn_q_rot, l, 0);
        float* k_rot = probe_at(m->probe_block, &m->layout, PROBE_attn_k_rot, l, 0);
        int half = c->rope_pairing == ROPE_HALF;
        for (int t = 0; t < T; t++)
            for (int h = 0; h < H; h++) {
                size_t at = (size_t)t * d + (size_t)h * hd;
                const float *cos_t = a->rope_cos + (size_t)t * pairs, *sin_t = a->rope_sin + (size_t)t * pairs;
                rope(q_rot + at, q + at, cos_t, sin_t, hd, half);
                rope(k_rot + at, k + at, cos_t, sin_t, hd, half);
            }
        q = q_rot, k = k_rot;
    }
    float scale = 1.0f / sqrtf((float)hd);
    for (int h = 0; h < H; h++) {
        float* probs = probe_at(m->probe_block, &m->layout, PROBE_attn_probs, l, h);  // (T, T)
        // kᵀ of this head, (hd, T): a query's scores are then four positions at a time in registers
        for (int s = 0; s < T; s++)
            for (int i = 0; i < hd; i++) a->key_t[(size_t)i * T + s] = k[(size_t)s * d + (size_t)h * hd + i] * scale;
        for (int t = 0; t < T; t++) {
            float* row = probs + (size_t)t * T;
            const float* q_th = q + (size_t)t * d + (size_t)h * hd;
            attention_scores(row, q_th, a->key_t, hd, T, t + 1);
            softmax(row, row, t + 1);
            for (int s = t + 1; s < T; s++) row[s] = 0.0f;
            weighted_sum(cache->heads + (size_t)t * d + (size_t)h * hd, row, cache->v + (size_t)h * hd, d, t + 1, hd);
        }
    }
    if (c->zero_head[0] == l)  // the intervention: this head's output never reaches Wo
        for (int t = 0; t < T; t++) memset(cache->heads + (size_t)t * d + (size_t)c->zero_head[1] * hd, 0, (size_t)hd * sizeof(float));
    matmul(out, cache->heads, p->wo, T, d, d);
}

// gelu/relu: w2(act(w1 x)); swiglu: w2(silu(w1 x) ⊙ w3 x).
static void ffn_forward(Model* m, int l, float* out, const float* x, int T) {
    const Config* c = &m->config;
    const LayerWeights* p = &m->w.layers[l];
    LayerCache* a = cache_of(m, l);
    int d = c->d_model, ff = c->d_ff, n = T * ff;
    matmul(a->pre_a, x, p->w1, T, ff, d);
    if (c->activation == ACT_GELU) gelu(a->hidden, a->pre_a, n);
    else if (c->activation == ACT_RELU) relu(a->hidden, a->pre_a, n);
    else {
        matmul(a->pre_b, x, p->w3, T, ff, d);
        swiglu_gate(a->hidden, a->pre_a, a->pre_b, n);
    }
    matmul(out, a->hidden, p->w2, T, d, ff);
}

// out = R·x + y: the residual add (R = residual_scale α, 1 for the plain
// model), or just y with residual off.
static void residual_add(const Config* c, float* out, const float* x, const float* y, int n) {
    if (!c->residual) memcpy(out, y, (size_t)n * sizeof(float));
    else if (c->residual_scale == 1.0) vec_add_to(out, x, y, n);
    else {
        float alpha = (float)c->residual_scale;
        for (int i = 0; i < n; i++) out[i] = alpha * x[i] + y[i];
    }
}

// Per token, cos(a, b) = a·b / (‖a‖‖b‖) from three SIMD dot products (float
// accumulation: about 1e-6 relative at d = 1024, far below what a plot shows;
// double where float squares overflow);
// 0 when either is all zeros (NaN stays NaN).
static void token_cosines(float* out, const float* a, const float* b, int T, int d) {
    for (int t = 0; t < T; t++) {
        const float *x = a + (size_t)t * d, *y = b + (size_t)t * d;
        double xy = dot(x, y, d), xx = dot(x, x, d), yy = dot(y, y, d);
        if (!isfinite(xx) || !isfinite(yy) || !isfinite(xy)) {  // float products overflow past |v| ~ 1e19 (inf − inf is NaN): redo in double
            xy = xx = yy = 0;
            for (int i = 0; i < d; i++) xy += (double)x[i] * y[i], xx += (double)x[i] * x[i], yy += (double)y[i] * y[i];
        }
        out[t] = xx == 0 || yy == 0 ? 0.0f : (float)(xy / (sqrt(xx) * sqrt(yy)));
    }
}


// ---------------------------------------------------------------- embedding

static void embed(Model* m, float* x, const uint8_t* tokens, int T) {
    const Config* c = &m->config;
    int d = c->d_model;
    for (int t = 0; t < T; t++) {
        float* row = x + (size_t)t * d;
        memcpy(row, m->w.tok_embeddings + (size_t)tokens[t] * d, (size_t)d * sizeof(float));
        if (c->pos == POS_LEARNED)
            for (int i = 0; i < d; i++) row[i] += m->w.pos_embeddings[(size_t)t * d + i];
        if (c->pos == POS_SINUSOIDAL)  // Vaswani et al. 2017, §3.5
            for (int i = 0; i < d; i++) {
                double angle = t * pow(10000.0, -(double)(i - i % 2) / d);
                row[i] += (float)(i % 2 ? cos(angle) : sin(angle));
            }
    }
    if (c->pos == POS_ROPE) {  // θ_i = rope_theta^(−2i/hd); angle t·θ_i in double
        int hd = config_head_dim(c), pairs = hd / 2;
        float* angles = probe_at(m->probe_block, &m->layout, PROBE_rope_angle, 0, 0);
        for (int t = 0; t < T; t++)
            for (int i = 0; i < pairs; i++) {
                double angle = t * pow(c->rope_theta, -2.0 * i / hd);
                angles[(size_t)t * pairs + i] = (float)angle;
                m->act.rope_cos[(size_t)t * pairs + i] = (float)cos(angle);
                m->act.rope_sin[(size_t)t * pairs + i] = (float)sin(angle);
            }
    }
}

// ---------------------------------------------------------------- forward

uint64_t model_run_bytes(const Config* c, int T, int for_grad) {
    ProbeLayout layout;
    probes_layout(&layout, c, T, for_grad);
    uint64_t bytes = (layout.total + activation_floats(c, T, for_grad)) * sizeof(float);
    return bytes + (for_grad ? model_weight_bytes(c) : 0);  // a gradient per weight
}

static Status check_run(const Config* c, int T, int for_grad) {
    if (T < 1 || T > c->max_tokens)
        return status_error("text must be 1 to %d bytes long (max_tokens); it is %d bytes", c->max_tokens, T);
    for (int i = 0; for_grad && config_intervened(c) && i < N_CONFIG_FIELDS; i++) {  // name the field that is set
        const FieldSpec* f = &CONFIG_FIELDS[i];
        char value[64];
        config_get(c, f, value, sizeof value);
        if (f->intervention && strcmp(value, f->fallback) != 0)
            return status_error("%s is %s: gradients and training run the unmodified model only; set %s back to %s",
                                f->name, value, f->name, f->fallback);
    }
    if (for_grad && T < 2)
        return status_error("gradients need a text of at least 2 bytes (the loss predicts each next byte); it is %d", T);
    uint64_t weights = model_weight_bytes(c), run = model_run_bytes(c, T, for_grad);
    if (weights + run <= MEMORY_BUDGET_BYTES) return status_ok();
    if (for_grad)
        return status_error("gradients for this text and config need %llu MiB (weights, their gradients, and the "
                            "buffers and cache of every layer), over the %llu MiB limit: use a shorter text or fewer "
                            "n_layers (%d), or a smaller d_model (%d) or d_ff (%d)",
                            (unsigned long long)((weights + run) >> 20), (unsigned long long)(MEMORY_BUDGET_BYTES >> 20),
                            c->n_layers, c->d_model, c->d_ff);
    return status_error("this text and config need %llu MiB (weights and probe buffers), over the %llu MiB limit "
                        "(attention probabilities alone take n_layers x n_heads x T^2 floats): use a shorter "
                        "text or fewer n_layers (%d) or n_heads (%d), or a smaller d_model (%d)",
                        (unsigned long long)((weights + run) >> 20), (unsigned long long)(MEMORY_BUDGET_BYTES >> 20),
                        c->n_layers, c->n_heads, c->d_model);
}

Status model_check_run(const Config* c, int T) { return check_run(c, T, 0); }
Status model_check_grad_run(const Config* c, int T) { return check_run(c, T, 1); }

Status model_forward(Model* m, const uint8_t* tokens, int T) { return model_forward_for_grad(m, tokens, T, 0); }

// One pass of the model as m->config says, into the probes laid out already.
static void forward_pass(Model* m, const uint8_t* tokens, int T, int for_grad) {
    const Config* c = &m->config;
    const ProbeLayout layout = m->layout;
    int L = c->n_layers, d = c->d_model, ff = c->d_ff, n = T * d;
    float* probes = m->probe_block;
    for (int t = 0; t < T; t++) probe_at(probes, &layout, PROBE_tokens, 0, 0)[t] = tokens[t];
    float* x = m->act.stream[0];
    embed(m, x, tokens, T);
    if (!m->probes_off) memcpy(probe_at(probes, &layout, PROBE_stream, 0, 0), x, (size_t)n * sizeof(float));

    for (int l = 0; l < L; l++) {
        const LayerWeights* w = &m->w.layers[l];
        LayerCache* cache = cache_of(m, l);
        if (for_grad) memcpy(cache->resid_in, x, (size_t)n * sizeof(float));
        float* site[N_SITES];
        float* norm_in[2], *norm_out[2], *normalized[2], *mean[2], *divisor[2];
        int kind[2];
        for (int k = 0; k < 2; k++) {
            norm_in[k] = probe_at(probes, &layout, PROBE_norm_input, l, k);
            norm_out[k] = probe_at(probes, &layout, PROBE_norm_output, l, k);
            normalized[k] = probe_at(probes, &layout, PROBE_norm_normalized, l, k);
            mean[k] = probe_at(probes, &layout, PROBE_norm_mean, l, k);
            divisor[k] = probe_at(probes, &layout, PROBE_norm_divisor, l, k);
            kind[k] = norm_kind(c, l, k);
        }
        site[SITE_resid_in] = x;
        site[SITE_attn_out] = m->act.attn_out;
        site[SITE_ffn_hidden] = cache->hidden;
        site[SITE_ffn_out] = m->act.ffn_out;
        site[SITE_attn_norm] = norm_out[0];
        site[SITE_ffn_norm] = norm_out[1];
        // the other stream buffer: where this block's output goes when it is not a norm's
        float* spare = x == m->act.stream[0] ? m->act.stream[1] : m->act.stream[0];
        const float* ffn_skip;  // what the FFN's output is added to
        if (c->placement == PLACE_PRE) {
            // x = x + attn(norm1(x)); x = x + ffn(norm2(x))
            if (!m->probes_off) memcpy(norm_in[0], x, (size_t)n * sizeof(float));
            norm_forward(c, kind[0], norm_out[0], normalized[0], mean[0], divisor[0], x, w->attention_norm,
                         w->attention_norm_bias, T);
            attention_forward(m, l, m->act.attn_out, norm_out[0], T);
            site[SITE_resid_mid] = m->act.stream[2];
            residual_add(c, site[SITE_resid_mid], x, m->act.attn_out, n);
            if (!m->probes_off) memcpy(norm_in[1], site[SITE_resid_mid], (size_t)n * sizeof(float));
            norm_forward(c, kind[1], norm_out[1], normalized[1], mean[1], divisor[1], site[SITE_resid_mid], w->ffn_norm,
                         w->ffn_norm_bias, T);
            ffn_forward(m, l, m->act.ffn_out, norm_out[1], T);
            site[SITE_resid_out] = spare;
            residual_add(c, site[SITE_resid_out], site[SITE_resid_mid], m->act.ffn_out, n);
            ffn_skip = site[SITE_resid_mid];
        } else {
            // x = norm1(x + attn(x)); x = norm2(x + ffn(x))
            attention_forward(m, l, m->act.attn_out, x, T);
            residual_add(c, norm_in[0], x, m->act.attn_out, n);
            norm_forward(c, kind[0], norm_out[0], normalized[0], mean[0], divisor[0], norm_in[0], w->attention_norm,
                         w->attention_norm_bias, T);
            site[SITE_resid_mid] = norm_out[0];
            ffn_forward(m, l, m->act.ffn_out, norm_out[0], T);
            residual_add(c, norm_in[1], norm_out[0], m->act.ffn_out, n);
            norm_forward(c, kind[1], norm_out[1], normalized[1], mean[1], divisor[1], norm_in[1], w->ffn_norm,
                         w->ffn_norm_bias, T);
            site[SITE_resid_out] = norm_out[1];
            ffn_skip = norm_out[0];
        }
        if (c->skip_layer[0] == l) {  // the intervention: the block computed, and its output is its input
            memcpy(spare, x, (size_t)n * sizeof(float));
            site[SITE_resid_out] = spare;
        }
        // the per-token rms of a norm's input lands in a scratch row: the divisor already tells it
        const float* input = x;
        x = site[SITE_resid_out];
        if (m->probes_off) continue;
        for (int s = 0; s < N_SITES; s++) {
            // A site holding the same values as one already measured (block l's input is block l−1's
            // output; under post-norm resid_mid is attn_norm and resid_out ffn_norm) copies its numbers.
            int from_layer = l, from = -1;
            for (int r = 0; r < s; r++) from = site[r] == site[s] ? r : from;
            if (from < 0 && s == SITE_resid_in && l > 0) from_layer = l - 1, from = SITE_resid_out;
            if (from >= 0) {
                memcpy(probe_at(probes, &layout, PROBE_site_stats, l, s), probe_at(probes, &layout, PROBE_site_stats, from_layer, from),
                       N_STATS * sizeof(float));
                memcpy(probe_at(probes, &layout, PROBE_site_hist, l, s), probe_at(probes, &layout, PROBE_site_hist, from_layer, from),
                       HIST_BINS * sizeof(float));
                memcpy(probe_at(probes, &layout, PROBE_site_token_rms, l, s),
                       probe_at(probes, &layout, PROBE_site_token_rms, from_layer, from), (size_t)T * sizeof(float));
                continue;
            }
            site_stats(probe_at(probes, &layout, PROBE_site_stats, l, s), probe_at(probes, &layout, PROBE_site_hist, l, s),
                       probe_at(probes, &layout, PROBE_site_token_rms, l, s), site[s], T, s == SITE_ffn_hidden ? ff : d);
        }
        // Pre-norm's norm inputs are the sites resid_in and resid_mid: copy their
        // statistics. Post-norm's (x + sublayer) are no site: compute them.
        for (int k = 0; k < 2; k++) {
            float* stats = probe_at(probes, &layout, PROBE_norm_input_stats, l, k);
            float* hist = probe_at(probes, &layout, PROBE_norm_input_hist, l, k);
            if (c->placement == PLACE_PRE) {
                Site same = k == 0 ? SITE_resid_in : SITE_resid_mid;
                memcpy(stats, probe_at(probes, &layout, PROBE_site_stats, l, same), N_STATS * sizeof(float));
                memcpy(hist, probe_at(probes, &layout, PROBE_site_hist, l, same), HIST_BINS * sizeof(float));
            } else site_stats(stats, hist, m->act.token_scratch, norm_in[k], T, d);
        }
        memcpy(probe_at(probes, &layout, PROBE_stream, l + 1, 0), x, (size_t)n * sizeof(float));
        token_cosines(probe_at(probes, &layout, PROBE_branch_cos, l, 0), m->act.attn_out, input, T, d);
        token_cosines(probe_at(probes, &layout, PROBE_branch_cos, l, 1), m->act.ffn_out, ffn_skip, T, d);
    }

    if (layout.arrays[PROBE_final_norm_output].size) {  // pre-norm's final norm
        float* out = probe_at(probes, &layout, PROBE_final_norm_output, 0, 0);
        memcpy(probe_at(probes, &layout, PROBE_final_norm_input, 0, 0), x, (size_t)n * sizeof(float));
        norm_forward(c, norm_kind(c, L, NORM_PART_FINAL), out, probe_at(probes, &layout, PROBE_final_norm_normalized, 0, 0),
                     probe_at(probes, &layout, PROBE_final_norm_mean, 0, 0),
                     probe_at(probes, &layout, PROBE_final_norm_divisor, 0, 0), x, m->w.norm, m->w.norm_bias, T);
        if (!m->probes_off)
            site_stats(probe_at(probes, &layout, PROBE_final_stats, 0, 0), probe_at(probes, &layout, PROBE_final_hist, 0, 0),
                       probe_at(probes, &layout, PROBE_final_token_rms, 0, 0), out, T, d);
        x = out;
    }
    float* logits = probe_at(probes, &layout, PROBE_logits, 0, 0);
    m->act.head_input = x;
    matmul(logits, x, m->w.output, T, VOCAB, d);
    if (!m->probes_off) softmax(probe_at(probes, &layout, PROBE_probs, 0, 0), logits + (size_t)(T - 1) * VOCAB, VOCAB);
}

Status model_forward_for_grad(Model* m, const uint8_t* tokens, int T, int for_grad) {
    const Config* c = &m->config;
    if (!m->has_weights) return status_error("no model: configure one first");
    Status s = check_run(c, T, for_grad);
    if (!s.ok) return s;
    ProbeLayout layout;
    probes_layout(&layout, c, T, for_grad);
    size_t act_floats = activation_floats(c, T, for_grad);
    uint64_t bytes = (layout.total + act_floats) * sizeof(float);
    if (!reserve(&m->act_block, &m->act_capacity, act_floats) ||
        !reserve(&m->probe_block, &m->probe_capacity, (size_t)layout.total))
        return status_error("out of memory for the probe buffers (%llu MiB)", (unsigned long long)(bytes >> 20));
    m->layout = layout;
    m->T = T;
    m->has_grad = 0;
    m->lens_ready = m->outliers_ready = 0;
    if (!for_grad) {  // the gradients were of an earlier run: give their memory back
        free(m->grad_block);
        m->grad_block = NULL;
    }
    place_activations(m, c, T, for_grad);
    if (config_intervened(c)) {  // the unmodified model first: what the intervention is measured against
        Config intervened = *c;
        config_clear_interventions(&m->config);
        forward_pass(m, tokens, T, for_grad);
        m->config = intervened;
        memcpy(probe_at(m->probe_block, &layout, PROBE_baseline_site_stats, 0, 0),
               probe_at(m->probe_block, &layout, PROBE_site_stats, 0, 0), layout.arrays[PROBE_site_stats].size * sizeof(float));
        memcpy(probe_at(m->probe_block, &layout, PROBE_baseline_probs, 0, 0),
               probe_at(m->probe_block, &layout, PROBE_probs, 0, 0), VOCAB * sizeof(float));
    }
    forward_pass(m, tokens, T, for_grad);
    return status_ok();
}
