// checks.c — the on-screen checks, each recomputed from the probe buffer in
// double, independent of the kernels that wrote it.
#include "checks.h"

#include <math.h>
#include <string.h>

#include "rope_analysis.h"

#define AS_STRING(name, tolerance) #name,
const char* const CHECK_NAMES[N_CHECKS] = {CHECKS(AS_STRING)};
#undef AS_STRING
#define AS_TOLERANCE(name, tolerance) tolerance,
static const double TOLERANCES[N_CHECKS] = {CHECKS(AS_TOLERANCE)};
#undef AS_TOLERANCE

// A NaN deviation sticks: once seen, the check has failed.
static void worse(double* worst, double v) {
    if (isnan(v) || v > *worst) *worst = v;
}

static float* at(const Model* m, ProbeId id, int i0, int i1) { return probe_at(m->probe_block, &m->layout, id, i0, i1); }

static double softmax_sum(const Model* m) {
    const Config* c = &m->config;
    int T = m->T;
    double worst = 0, sum = 0;
    for (int l = 0; l < c->n_layers; l++)
        for (int h = 0; h < c->n_heads; h++) {
            const float* probs = at(m, PROBE_attn_probs, l, h);
            for (int t = 0; t < T; t++) {
                sum = 0;
                for (int s = 0; s <= t; s++) sum += probs[(size_t)t * T + s];
                worse(&worst, fabs(sum - 1));
            }
        }
    sum = 0;
    for (int v = 0; v < VOCAB; v++) sum += at(m, PROBE_probs, 0, 0)[v];
    worse(&worst, fabs(sum - 1));
    return worst;
}

// One norm's rows: rms(normalized) against √(v/(v+ε)), and LayerNorm's mean 0.
static void norm_rows(const Model* m, const float* input, const float* normalized, double* rms_worst, double* mean_worst) {
    const Config* c = &m->config;
    int d = c->d_model;
    for (int t = 0; t < m->T; t++) {
        const float *x = input + (size_t)t * d, *y = normalized + (size_t)t * d;
        double mean = 0, sq = 0, var = 0, y_mean = 0, y_sq = 0;
        for (int i = 0; i < d; i++) mean += x[i], sq += (double)x[i] * x[i], y_mean += y[i], y_sq += (double)y[i] * y[i];
        mean /= d, y_mean /= d;
        for (int i = 0; i < d; i++) var += (x[i] - mean) * (x[i] - mean);
        double v = c->norm == NORM_LAYERNORM ? var / d : sq / d;
        worse(rms_worst, fabs(sqrt(y_sq / d) - sqrt(v / (v + c->norm_eps))));
        if (c->norm == NORM_LAYERNORM) worse(mean_worst, fabs(y_mean));
    }
}

static void norms(const Model* m, double* rms_worst, double* mean_worst) {
    const Config* c = &m->config;
    const int* removed = c->remove_norm;
    for (int l = 0; l < c->n_layers; l++)
        for (int k = 0; k < 2; k++)
            if (!(removed[0] == l && removed[1] == k))
                norm_rows(m, at(m, PROBE_norm_input, l, k), at(m, PROBE_norm_normalized, l, k), rms_worst, mean_worst);
    if (probes_final_path(c))
        norm_rows(m, at(m, PROBE_final_norm_input, 0, 0), at(m, PROBE_final_norm_normalized, 0, 0), rms_worst, mean_worst);
}

static double norm2(const float* v, int n) {
    double s = 0;
    for (int i = 0; i < n; i++) s += (double)v[i] * v[i];
    return sqrt(s);
}

static double rope_norm(const Model* m) {
    const Config* c = &m->config;
    int hd = config_head_dim(c), per_layer = m->T * c->d_model;
    double worst = 0;
    for (int l = 0; l < c->n_layers; l++)
        for (int k = 0; k < 2; k++) {
            const float* plain = at(m, k ? PROBE_attn_k : PROBE_attn_q, l, 0);
            const float* rot = at(m, k ? PROBE_attn_k_rot : PROBE_attn_q_rot, l, 0);
            for (int at_ = 0; at_ < per_layer; at_ += hd) {
                double before = norm2(plain + at_, hd), after = norm2(rot + at_, hd);
                worse(&worst, fabs(after - before) / fmax(before, 1e-30));
            }
        }
    return worst;
}

// The recorded score of the last query against every key, against the same
// vectors placed at positions (t − s, 0): RoPE makes them equal.
static double rope_offset(const Model* m) {
    const Config* c = &m->config;
    int d = c->d_model, hd = config_head_dim(c), t = m->T - 1, half = c->rope_pairing == ROPE_HALF;
    double worst = 0, q_moved[1024];  // hd ≤ d_model ≤ 1024
    for (int l = 0; l < c->n_layers; l++)
        for (int h = 0; h < c->n_heads; h++) {
            const float* q = at(m, PROBE_attn_q, l, 0) + (size_t)t * d + (size_t)h * hd;
            const float* q_rot = at(m, PROBE_attn_q_rot, l, 0) + (size_t)t * d + (size_t)h * hd;
            for (int s = 0; s <= t; s++) {
                const float* k = at(m, PROBE_attn_k, l, 0) + (size_t)s * d + (size_t)h * hd;
                const float* k_rot = at(m, PROBE_attn_k_rot, l, 0) + (size_t)s * d + (size_t)h * hd;
                rope_rotate(q_moved, q, hd, c->rope_theta, half, (double)(t - s));
                double recorded = 0, moved = 0;
                for (int i = 0; i < hd; i++) recorded += (double)q_rot[i] * k_rot[i], moved += q_moved[i] * k[i];
                worse(&worst, fabs(recorded - moved) / fmax(norm2(q, hd) * norm2(k, hd), 1e-30));
            }
        }
    return worst;
}

void model_checks(const Model* m, Check out[N_CHECKS]) {
    const Config* c = &m->config;
    int ran = m->T > 0 && m->has_weights && !m->probes_off;
    int rope = c->pos == POS_ROPE;
    int applies[N_CHECKS] = {ran, ran && c->norm != NORM_NONE, ran && c->norm == NORM_LAYERNORM, ran && rope, ran && rope};
    for (int i = 0; i < N_CHECKS; i++) out[i] = (Check){applies[i], 0, TOLERANCES[i], 0};
    if (applies[CHECK_softmax_sum]) out[CHECK_softmax_sum].worst = softmax_sum(m);
    if (applies[CHECK_norm_rms]) norms(m, &out[CHECK_norm_rms].worst, &out[CHECK_norm_mean].worst);
    if (applies[CHECK_rope_norm]) out[CHECK_rope_norm].worst = rope_norm(m);
    if (applies[CHECK_rope_offset]) out[CHECK_rope_offset].worst = rope_offset(m);
    for (int i = 0; i < N_CHECKS; i++) out[i].ok = out[i].applies && out[i].worst <= out[i].tolerance;
}
