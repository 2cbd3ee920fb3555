// report.c — writes the probe buffer out as JSON.
#include "report.h"

#include <math.h>
#include <string.h>

#include "checks.h"

static const float* array(Model* m, ProbeId id) { return probe_at(m->probe_block, &m->layout, id, 0, 0); }

void report_config_json(const Config* c, Text* out) {
    text_append(out, "{");
    for (int i = 0; i < N_CONFIG_FIELDS; i++) {
        const FieldSpec* f = &CONFIG_FIELDS[i];
        char value[64];
        config_get(c, f, value, sizeof value);
        int quoted = f->kind == FIELD_CHOICE || f->kind == FIELD_U64 || f->kind == FIELD_PICK;  // u64 seeds exceed 2^53
        text_append(out, "%s\"%s\":%s%s%s", i ? "," : "", f->name, quoted ? "\"" : "", value, quoted ? "\"" : "");
    }
    text_append(out, "}");
}

void report_fields_json(Text* out, const FieldSpec* fields, int n) {
    static const char* const kinds[] = {"int", "real", "choice", "u64", "pick"};
    text_append(out, "[");
    for (int i = 0; i < n; i++) {
        const FieldSpec* f = &fields[i];
        text_append(out, "%s{\"name\":\"%s\",\"kind\":\"%s\",\"default\":\"%s\",\"min\":%.17g,\"max\":%.17g,"
                    "\"shapes_weights\":%s,\"intervention\":%s,\"help\":\"%s\",\"choices\":[", i ? "," : "", f->name,
                    kinds[f->kind], f->fallback, f->min, f->max, f->shapes_weights ? "true" : "false",
                    f->intervention ? "true" : "false", f->help);
        if (f->choices && strcmp(f->choices, "#") != 0) {  // a pick's "#" is a head number, not a word
            const char* p = f->choices;
            for (int k = 0; *p; k++) {
                const char* end = strchr(p, ' ');
                int len = end ? (int)(end - p) : (int)strlen(p);
                text_append(out, "%s\"%.*s\"", k ? "," : "", len, p);
                p += len + (end ? 1 : 0);
            }
        }
        text_append(out, "]");
        if (f->kind == FIELD_PICK)  // the value's form: a layer, layer.head, or layer.word (choices)
            text_append(out, ",\"form\":\"%s\"", !f->choices ? "L" : f->choices[0] == '#' ? "L.H" : "L.word");
        text_append(out, "}");
    }
    text_append(out, "]");
}

// The stat fields of one site, then its histogram and per-token rms (if given).
static void site_json(Text* out, const float* stats, const float* hist, const float* token_rms, int T) {
    for (int s = 0; s < N_STATS; s++) {
        if (s == STAT_hist_lo || s == STAT_hist_hi) continue;
        text_append(out, "\"%s\":", STAT_NAMES[s]);
        text_number(out, stats[s]);
        text_append(out, ",");
    }
    text_append(out, "\"hist\":{\"lo\":");
    text_number(out, stats[STAT_hist_lo]);
    text_append(out, ",\"hi\":");
    text_number(out, stats[STAT_hist_hi]);
    text_append(out, ",\"counts\":");
    text_numbers(out, hist, HIST_BINS);
    text_append(out, "}");
    if (token_rms) {
        text_append(out, ",\"token_rms\":");
        text_numbers(out, token_rms, (size_t)T);
    }
}

static void matrix_json(Text* out, const float* v, int rows, int cols, int stride) {
    text_append(out, "[");
    for (int r = 0; r < rows; r++) {
        if (r) text_append(out, ",");
        text_numbers(out, v + (size_t)r * stride, (size_t)cols);
    }
    text_append(out, "]");
}

// [T][H·hd] slices of a [L,T,H,hd] array.
static void per_layer_tokens(Text* out, Model* m, ProbeId id, int l) {
    int T = m->T, d = m->config.d_model;
    matrix_json(out, array(m, id) + (size_t)l * T * d, T, d, d);
}

static void norm_vectors_json(Text* out, const float* input, const float* normalized, const float* output, int T,
                              int d) {
    text_append(out, "{\"input\":");
    matrix_json(out, input, T, d, d);
    text_append(out, ",\"normalized\":");
    matrix_json(out, normalized, T, d, d);
    text_append(out, ",\"output\":");
    matrix_json(out, output, T, d, d);
    text_append(out, "}");
}

static void top_next_json(Text* out, const float* logits) {
    double max = -INFINITY, total = 0;
    for (int v = 0; v < VOCAB; v++) max = logits[v] > max ? logits[v] : max;
    for (int v = 0; v < VOCAB; v++) total += exp(logits[v] - max);
    int taken[VOCAB] = {0};
    text_append(out, "[");
    for (int k = 0; k < 5; k++) {
        int best = -1;
        for (int v = 0; v < VOCAB; v++)
            if (!taken[v] && (best < 0 || logits[v] > logits[best])) best = v;
        taken[best] = 1;
        text_append(out, "%s{\"byte\":%d,\"char\":", k ? "," : "", best);
        if (best >= 0x20 && best < 0x7f)
            text_append(out, best == '"' || best == '\\' ? "\"\\%c\"" : "\"%c\"", best);
        else text_append(out, "null");
        text_append(out, ",\"logit\":");
        text_number(out, logits[best]);
        text_append(out, ",\"prob\":");
        text_number(out, exp(logits[best] - max) / total);
        text_append(out, "}");
    }
    text_append(out, "]");
}

Status report_grad_norms_json(Model* m, Text* out) {
    if (!m->has_grad) return status_error("no gradients: run with gradients first");
    text_append(out, "{");
    for (int i = 0; i < m->n_tensors; i++) {
        text_append(out, "%s\"%s\":", i ? "," : "", m->tensors[i].name);
        text_number(out, model_grad_norm(m, &m->tensors[i]));
    }
    text_append(out, "}");
    return out->failed ? status_error("out of memory writing JSON") : status_ok();
}

// "loss", "token_loss" and "grad_norms".
static void grad_json(Text* out, Model* m) {
    text_append(out, ",\"loss\":");
    text_number(out, m->loss);
    text_append(out, ",\"token_loss\":");
    text_numbers(out, array(m, PROBE_token_loss), (size_t)m->T - 1);
    text_append(out, ",\"grad_norms\":");
    report_grad_norms_json(m, out);
}

void report_checks_json(const Model* m, Text* out) {
    Check checks[N_CHECKS];
    model_checks(m, checks);
    text_append(out, "{");
    for (int i = 0; i < N_CHECKS; i++) {
        text_append(out, "%s\"%s\":{\"applies\":%s,\"worst\":", i ? "," : "", CHECK_NAMES[i], checks[i].applies ? "true" : "false");
        text_number(out, checks[i].worst);
        text_append(out, ",\"tolerance\":");
        text_number(out, checks[i].tolerance);
        text_append(out, ",\"ok\":%s}", checks[i].ok ? "true" : "false");
    }
    text_append(out, "}");
}

// What each sublayer adds (its cosine with the stream it joins), the
// per-channel absmax of the block's output and its largest channels.
static void layer_deeper_json(Text* out, Model* m, int l) {
    int T = m->T, d = m->config.d_model;
    const ProbeLayout* layout = &m->layout;
    text_append(out, ",\"branch_cos\":{\"attn_out\":");
    text_numbers(out, probe_at(m->probe_block, layout, PROBE_branch_cos, l, 0), (size_t)T);
    text_append(out, ",\"ffn_out\":");
    text_numbers(out, probe_at(m->probe_block, layout, PROBE_branch_cos, l, 1), (size_t)T);
    text_append(out, "},\"channel_absmax\":");
    text_numbers(out, probe_at(m->probe_block, layout, PROBE_channel_absmax, l, 0), (size_t)d);
    text_append(out, ",\"outliers\":[");
    const float* top = probe_at(m->probe_block, layout, PROBE_outliers, l, 0);
    for (int k = 0; k < OUTLIER_TOP; k++) {
        const float* row = top + 3 * k;
        text_append(out, "%s{\"channel\":%d,\"absmax\":", k ? "," : "", (int)row[0]);
        text_number(out, row[1]);
        text_append(out, ",\"ratio\":");
        text_number(out, row[2]);
        text_append(out, ",\"flagged\":%s}", row[2] >= OUTLIER_RATIO ? "true" : "false");
    }
    text_append(out, "]");
}

static void lens_json(Text* out, Model* m) {
    int raw = m->layout.arrays[PROBE_lens_raw_top].size > 0, rows = m->config.n_layers + 1, T = m->T;
    text_append(out, ",\"logit_lens\":{\"final_norm\":%s,\"top\":", raw ? "true" : "false");
    matrix_json(out, array(m, PROBE_lens_top), rows, T, T);
    text_append(out, ",\"prob\":");
    matrix_json(out, array(m, PROBE_lens_prob), rows, T, T);
    text_append(out, ",\"raw_top\":");
    if (raw) matrix_json(out, array(m, PROBE_lens_raw_top), rows, T, T);
    else text_append(out, "null");
    text_append(out, ",\"raw_prob\":");
    if (raw) matrix_json(out, array(m, PROBE_lens_raw_prob), rows, T, T);
    else text_append(out, "null");
    text_append(out, "}");
}

static void baseline_json(Text* out, Model* m) {
    text_append(out, ",\"baseline\":");
    if (!m->layout.arrays[PROBE_baseline_probs].size) {
        text_append(out, "null");
        return;
    }
    text_append(out, "{\"layers\":[");
    for (int l = 0; l < m->config.n_layers; l++) {
        text_append(out, "%s{\"sites\":{", l ? "," : "");
        for (int s = 0; s < N_SITES; s++) {
            const float* stats = probe_at(m->probe_block, &m->layout, PROBE_baseline_site_stats, l, s);
            text_append(out, "%s\"%s\":{", s ? "," : "", SITE_NAMES[s]);
            for (int k = 0; k <= STAT_zero_frac; k++) {
                text_append(out, "%s\"%s\":", k ? "," : "", STAT_NAMES[k]);
                text_number(out, stats[k]);
            }
            text_append(out, "}");
        }
        text_append(out, "}}");
    }
    text_append(out, "],\"next_token_probs\":");
    text_numbers(out, array(m, PROBE_baseline_probs), VOCAB);
    text_append(out, "}");
}

Status report_json(Model* m, int full, Text* out) {
    if (!m->T) return status_error("no run to report: call run first");
    Status lens = model_lens(m);
    if (!lens.ok) return lens;
    model_outliers(m);  // cannot fail after a run: it allocates nothing
    const Config* c = &m->config;
    const ProbeLayout* layout = &m->layout;
    int T = m->T, L = c->n_layers, H = c->n_heads, d = c->d_model;
    text_append(out, "{\"config\":");
    report_config_json(c, out);
    text_append(out, ",\"weights\":\"%s\",\"tokens\":", m->weights_from_file ? "file" : "init");
    text_numbers(out, array(m, PROBE_tokens), (size_t)T);
    text_append(out, ",\"layers\":[");
    for (int l = 0; l < L; l++) {
        text_append(out, "%s{\"sites\":{", l ? "," : "");
        for (int s = 0; s < N_SITES; s++) {
            text_append(out, "%s\"%s\":{", s ? "," : "", SITE_NAMES[s]);
            site_json(out, probe_at(m->probe_block, layout, PROBE_site_stats, l, s),
                      probe_at(m->probe_block, layout, PROBE_site_hist, l, s),
                      probe_at(m->probe_block, layout, PROBE_site_token_rms, l, s), T);
            text_append(out, "}");
        }
        static const char* const norms[2] = {"attn_norm", "ffn_norm"};
        text_append(out, "},\"norms\":{");
        for (int k = 0; k < 2; k++) {
            text_append(out, "%s\"%s\":{\"mean\":", k ? "," : "", norms[k]);
            text_numbers(out, probe_at(m->probe_block, layout, PROBE_norm_mean, l, k), (size_t)T);
            text_append(out, ",\"divisor\":");
            text_numbers(out, probe_at(m->probe_block, layout, PROBE_norm_divisor, l, k), (size_t)T);
            text_append(out, ",\"input\":{");
            site_json(out, probe_at(m->probe_block, layout, PROBE_norm_input_stats, l, k),
                      probe_at(m->probe_block, layout, PROBE_norm_input_hist, l, k), NULL, T);
            text_append(out, "}}");
        }
        text_append(out, "}");
        layer_deeper_json(out, m, l);
        if (m->has_grad) {  // dL/d(site): its rms, and per token
            text_append(out, ",\"grad\":{");
            for (int s = 0; s < N_SITES; s++) {
                text_append(out, "%s\"%s\":{\"rms\":", s ? "," : "", SITE_NAMES[s]);
                text_number(out, probe_at(m->probe_block, layout, PROBE_grad_site_rms, l, 0)[s]);
                text_append(out, ",\"token_rms\":");
                text_numbers(out, probe_at(m->probe_block, layout, PROBE_grad_site_token_rms, l, s), (size_t)T);
                text_append(out, "}");
            }
            text_append(out, "}");
        }
        if (full) {
            text_append(out, ",\"attn_probs\":[");
            for (int h = 0; h < H; h++) {
                if (h) text_append(out, ",");
                matrix_json(out, probe_at(m->probe_block, layout, PROBE_attn_probs, l, h), T, T, T);
            }
            text_append(out, "],\"norm_vectors\":{");
            for (int k = 0; k < 2; k++) {
                text_append(out, "%s\"%s\":", k ? "," : "", norms[k]);
                norm_vectors_json(out, probe_at(m->probe_block, layout, PROBE_norm_input, l, k),
                                  probe_at(m->probe_block, layout, PROBE_norm_normalized, l, k),
                                  probe_at(m->probe_block, layout, PROBE_norm_output, l, k), T, d);
            }
            text_append(out, "},\"q\":");
            per_layer_tokens(out, m, PROBE_attn_q, l);
            text_append(out, ",\"k\":");
            per_layer_tokens(out, m, PROBE_attn_k, l);
            if (c->pos == POS_ROPE) {
                text_append(out, ",\"q_rot\":");
                per_layer_tokens(out, m, PROBE_attn_q_rot, l);
                text_append(out, ",\"k_rot\":");
                per_layer_tokens(out, m, PROBE_attn_k_rot, l);
            }
        }
        text_append(out, "}");
    }
    text_append(out, "],\"final_norm\":");
    if (layout->arrays[PROBE_final_stats].size) {
        text_append(out, "{\"stats\":{");
        site_json(out, array(m, PROBE_final_stats), array(m, PROBE_final_hist), array(m, PROBE_final_token_rms), T);
        text_append(out, "},\"mean\":");
        text_numbers(out, array(m, PROBE_final_norm_mean), (size_t)T);
        text_append(out, ",\"divisor\":");
        text_numbers(out, array(m, PROBE_final_norm_divisor), (size_t)T);
        text_append(out, "}");
    } else text_append(out, "null");
    if (m->has_grad) grad_json(out, m);
    const float* logits = array(m, PROBE_logits);
    text_append(out, ",\"next_token_logits\":");
    text_numbers(out, logits + (size_t)(T - 1) * VOCAB, VOCAB);
    text_append(out, ",\"top_next\":");
    top_next_json(out, logits + (size_t)(T - 1) * VOCAB);
    lens_json(out, m);
    baseline_json(out, m);
    text_append(out, ",\"checks\":");
    report_checks_json(m, out);
    if (full) {
        text_append(out, ",\"stream\":[");
        for (int r = 0; r <= L; r++) {
            if (r) text_append(out, ",");
            matrix_json(out, probe_at(m->probe_block, layout, PROBE_stream, r, 0), T, d, d);
        }
        text_append(out, "]");
        text_append(out, ",\"rope_angle\":");
        if (c->pos == POS_ROPE) matrix_json(out, array(m, PROBE_rope_angle), T, d / H / 2, d / H / 2);
        else text_append(out, "null");
        text_append(out, ",\"final_norm_vectors\":");
        if (layout->arrays[PROBE_final_stats].size)
            norm_vectors_json(out, array(m, PROBE_final_norm_input), array(m, PROBE_final_norm_normalized),
                              array(m, PROBE_final_norm_output), T, d);
        else text_append(out, "null");
        text_append(out, ",\"logits\":");
        matrix_json(out, logits, T, VOCAB, VOCAB);
    }
    text_append(out, "}");
    if (out->failed) return status_error("out of memory writing the JSON report");
    return status_ok();
}
