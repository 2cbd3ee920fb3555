// lens.c — what is read off the recorded residual stream on demand, after a
// forward: the logit lens (nostalgebraist 2020; TransformerLens's accumulated
// residual), the output head applied to the stream after every block as if
// the model stopped there; and each channel's absmax with the outliers.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "memory.h"
#include "model.h"

// Per token: the argmax byte (the lowest on ties) and its softmax probability, in double.
static void read_tops(float* top, float* prob, const float* logits, int T) {
    for (int t = 0; t < T; t++) {
        const float* row = logits + (size_t)t * VOCAB;
        int best = 0;
        for (int v = 1; v < VOCAB; v++)
            if (row[v] > row[best] || (isnan(row[best]) && !isnan(row[v]))) best = v;
        double sum = 0;
        for (int v = 0; v < VOCAB; v++) sum += exp((double)row[v] - row[best]);
        top[t] = (float)best;
        prob[t] = (float)(1.0 / sum);  // NaN logits give NaN: shown, not hidden
    }
}

Status model_lens(Model* m) {
    if (!m->T || !m->has_weights) return status_error("no run yet");
    if (m->lens_ready) return status_ok();
    const Config* c = &m->config;
    const ProbeLayout* layout = &m->layout;
    int T = m->T, d = c->d_model, L = c->n_layers, final = probes_final_path(c);
    size_t td = (size_t)T * d;
    // scratch: logits (T, 256), then the normed stream (T, d), normalized (T, d), mean and divisor (T each)
    float* scratch = mem_alloc(((size_t)T * VOCAB + 2 * td + 2 * (size_t)T) * sizeof(float));
    if (!scratch) return status_error("out of memory for the logit lens (%d tokens)", T);
    float* logits = scratch, *normed = logits + (size_t)T * VOCAB, *normalized = normed + td;
    float* mean = normalized + td, *divisor = mean + T;
    for (int r = 0; r <= L; r++) {
        const float* stream = probe_at(m->probe_block, layout, PROBE_stream, r, 0);
        matmul(logits, stream, m->w.output, T, VOCAB, d);
        float* top = probe_at(m->probe_block, layout, final ? PROBE_lens_raw_top : PROBE_lens_top, r, 0);
        float* prob = probe_at(m->probe_block, layout, final ? PROBE_lens_raw_prob : PROBE_lens_prob, r, 0);
        read_tops(top, prob, logits, T);
        if (!final) continue;
        // the same final norm the model applies (DESIGN.md: the same kernels, so row L is its own prediction)
        norm_forward(c, c->norm, normed, normalized, mean, divisor, stream, m->w.norm, m->w.norm_bias, T);
        matmul(logits, normed, m->w.output, T, VOCAB, d);
        read_tops(probe_at(m->probe_block, layout, PROBE_lens_top, r, 0), probe_at(m->probe_block, layout, PROBE_lens_prob, r, 0),
                  logits, T);
    }
    free(scratch);
    m->lens_ready = 1;
    return status_ok();
}

// Per channel, the largest |v| over the tokens (finite values only).
static void channel_absmax(float* out, const float* v, int T, int d) {
    for (int i = 0; i < d; i++) out[i] = 0.0f;
    for (int t = 0; t < T; t++)
        for (int i = 0; i < d; i++) {
            float a = fabsf(v[(size_t)t * d + i]);
            out[i] = a > out[i] && a < INFINITY ? a : out[i];  // NaN compares false: finite values only, vectorizable
        }
}

Status model_outliers(Model* m) {
    if (!m->T || !m->has_weights) return status_error("no run yet");
    if (m->outliers_ready) return status_ok();
    int d = m->config.d_model;
    for (int l = 0; l < m->config.n_layers; l++) {
        float* absmax = probe_at(m->probe_block, &m->layout, PROBE_channel_absmax, l, 0);
        channel_absmax(absmax, probe_at(m->probe_block, &m->layout, PROBE_stream, l + 1, 0), m->T, d);
        outliers_of(probe_at(m->probe_block, &m->layout, PROBE_outliers, l, 0), absmax, d);
    }
    m->outliers_ready = 1;
    return status_ok();
}
