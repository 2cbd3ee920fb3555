// probes.c — the probe buffer's layout (llm.c's fill_in_activation_sizes,
// for what the page plots) and the statistics of a site.
#include "probes.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"

#define AS_STRING(name) #name,
const char* const SITE_NAMES[N_SITES] = {SITES(AS_STRING)};
const char* const STAT_NAMES[N_STATS] = {STAT_FIELDS(AS_STRING)};
const char* const PROBE_NAMES[N_PROBE_ARRAYS] = {PROBE_ARRAYS(AS_STRING)};
#undef AS_STRING
#define AS_STRING(name, file_name) #name,
const char* const LAYER_TENSOR_NAMES[N_LAYER_TENSORS] = {LAYER_TENSORS(AS_STRING)};
#undef AS_STRING
#define AS_STRING(name, file_name) file_name,
const char* const LAYER_TENSOR_FILE_NAMES[N_LAYER_TENSORS] = {LAYER_TENSORS(AS_STRING)};
#undef AS_STRING

static void set_shape(ProbeLayout* layout, ProbeId id, int ndim, int a, int b, int c, int d) {
    ProbeArray* arr = &layout->arrays[id];
    int dims[4] = {a, b, c, d};
    arr->ndim = ndim;
    arr->size = 1;
    for (int i = 0; i < 4; i++) {
        arr->shape[i] = i < ndim ? dims[i] : 1;
        if (i < ndim) arr->size *= (uint64_t)dims[i];
    }
}

int probes_final_path(const Config* c) {
    int removed = c->remove_norm[0] >= 0 && c->remove_norm[1] == NORM_PART_FINAL;
    return c->placement == PLACE_PRE && c->norm != NORM_NONE && !removed;
}

static int by_value(const void* a, const void* b) {
    float x = *(const float*)a, y = *(const float*)b;
    return (x > y) - (x < y);
}

void outliers_of(float* out, const float* channel_absmax, int d) {
    float sorted[1024];  // d_model ≤ 1024
    memcpy(sorted, channel_absmax, (size_t)d * sizeof(float));
    qsort(sorted, (size_t)d, sizeof(float), by_value);
    double median = d % 2 ? sorted[d / 2] : 0.5 * ((double)sorted[d / 2 - 1] + sorted[d / 2]);
    if (median < 1e-30) median = 1e-30;
    int taken[OUTLIER_TOP];
    for (int k = 0; k < OUTLIER_TOP; k++) {
        int best = -1;
        for (int i = 0; i < d; i++) {
            int used = 0;
            for (int j = 0; j < k; j++) used |= taken[j] == i;
            if (!used && (best < 0 || channel_absmax[i] > channel_absmax[best])) best = i;
        }
        taken[k] = best;
        float* row = out + 3 * k;
        row[0] = (float)best;
        row[1] = best < 0 ? 0.0f : channel_absmax[best];
        row[2] = best < 0 ? 0.0f : (float)(channel_absmax[best] / median);
    }
}

void probes_layout(ProbeLayout* layout, const Config* c, int T, int with_grad) {
    memset(layout, 0, sizeof *layout);
    int L = c->n_layers, d = c->d_model, H = c->n_heads, hd = config_head_dim(c);
    int final = c->placement == PLACE_PRE && c->norm != NORM_NONE;  // a final norm exists
    int rope = c->pos == POS_ROPE;
    layout->T = T;
    set_shape(layout, PROBE_tokens, 1, T, 0, 0, 0);
    set_shape(layout, PROBE_site_stats, 3, L, N_SITES, N_STATS, 0);
    set_shape(layout, PROBE_site_hist, 3, L, N_SITES, HIST_BINS, 0);
    set_shape(layout, PROBE_site_token_rms, 3, L, N_SITES, T, 0);
    set_shape(layout, PROBE_norm_mean, 3, L, 2, T, 0);
    set_shape(layout, PROBE_norm_divisor, 3, L, 2, T, 0);
    set_shape(layout, PROBE_norm_input, 4, L, 2, T, d);
    set_shape(layout, PROBE_norm_normalized, 4, L, 2, T, d);
    set_shape(layout, PROBE_norm_output, 4, L, 2, T, d);
    set_shape(layout, PROBE_norm_input_stats, 3, L, 2, N_STATS, 0);  // "before the norm" (post: not a site)
    set_shape(layout, PROBE_norm_input_hist, 3, L, 2, HIST_BINS, 0);
    set_shape(layout, PROBE_final_stats, 1, final ? N_STATS : 0, 0, 0, 0);
    set_shape(layout, PROBE_final_hist, 1, final ? HIST_BINS : 0, 0, 0, 0);
    set_shape(layout, PROBE_final_token_rms, 1, final ? T : 0, 0, 0, 0);
    set_shape(layout, PROBE_final_norm_mean, 1, final ? T : 0, 0, 0, 0);
    set_shape(layout, PROBE_final_norm_divisor, 1, final ? T : 0, 0, 0, 0);
    set_shape(layout, PROBE_final_norm_input, 2, final ? T : 0, d, 0, 0);
    set_shape(layout, PROBE_final_norm_normalized, 2, final ? T : 0, d, 0, 0);
    set_shape(layout, PROBE_final_norm_output, 2, final ? T : 0, d, 0, 0);
    set_shape(layout, PROBE_attn_probs, 4, L, H, T, T);
    set_shape(layout, PROBE_rope_angle, 2, rope ? T : 0, hd / 2, 0, 0);
    set_shape(layout, PROBE_attn_q, 4, L, T, H, hd);
    set_shape(layout, PROBE_attn_k, 4, L, T, H, hd);
    set_shape(layout, PROBE_attn_q_rot, 4, rope ? L : 0, T, H, hd);
    set_shape(layout, PROBE_attn_k_rot, 4, rope ? L : 0, T, H, hd);
    set_shape(layout, PROBE_logits, 2, T, VOCAB, 0, 0);
    set_shape(layout, PROBE_probs, 1, VOCAB, 0, 0, 0);  // softmax of the last position's logits: the next byte
    int g = with_grad ? 1 : 0;
    set_shape(layout, PROBE_loss, 1, g, 0, 0, 0);                  // mean of token_loss
    set_shape(layout, PROBE_token_loss, 1, g * (T - 1), 0, 0, 0);  // −log p(byte t+1 | bytes ≤ t)
    set_shape(layout, PROBE_grad_site_rms, 2, g * L, N_SITES, 0, 0);
    set_shape(layout, PROBE_grad_site_token_rms, 3, g * L, N_SITES, T, 0);
    set_shape(layout, PROBE_grad_layer_norm, 2, g * L, N_LAYER_TENSORS, 0, 0);  // L2; 0 where absent
    set_shape(layout, PROBE_stream, 3, L + 1, T, d, 0);
    set_shape(layout, PROBE_branch_cos, 3, L, 2, T, 0);
    set_shape(layout, PROBE_channel_absmax, 2, L, d, 0, 0);
    set_shape(layout, PROBE_outliers, 3, L, OUTLIER_TOP, 3, 0);
    int raw = probes_final_path(c);  // a raw reading beside the normed one
    set_shape(layout, PROBE_lens_top, 2, L + 1, T, 0, 0);
    set_shape(layout, PROBE_lens_prob, 2, L + 1, T, 0, 0);
    set_shape(layout, PROBE_lens_raw_top, 2, raw ? L + 1 : 0, T, 0, 0);
    set_shape(layout, PROBE_lens_raw_prob, 2, raw ? L + 1 : 0, T, 0, 0);
    int base = config_intervened(c);  // the unmodified run's depth profile and prediction
    set_shape(layout, PROBE_baseline_site_stats, 3, base ? L : 0, N_SITES, N_STATS, 0);
    set_shape(layout, PROBE_baseline_probs, 1, base ? VOCAB : 0, 0, 0, 0);
    uint64_t offset = 0;
    for (int i = 0; i < N_PROBE_ARRAYS; i++) {
        layout->arrays[i].offset = offset;
        offset += (layout->arrays[i].size + 3) & ~(uint64_t)3;  // 16-byte aligned arrays
    }
    layout->total = offset;
}

float* probe_at(float* base, const ProbeLayout* layout, ProbeId id, int i0, int i1) {
    const ProbeArray* arr = &layout->arrays[id];  // within budget: fits size_t
    size_t inner = (size_t)arr->size;
    size_t index = 0;
    if (arr->ndim >= 1) {
        inner /= (size_t)arr->shape[0];
        index += (size_t)i0 * inner;
    }
    if (arr->ndim >= 2) {
        inner /= (size_t)arr->shape[1];
        index += (size_t)i1 * inner;
    }
    return base + (size_t)arr->offset + index;
}

// The exact path: every value on its own, in double, NaN and Inf set aside.
static void site_stats_exact(float* stats, float* token_rms, const float* values, int T, int width) {
    size_t n = (size_t)T * width, finite = 0, nan = 0, inf = 0, zeros = 0;
    double total = 0, min = INFINITY, max = -INFINITY, sum_sq = 0;
    for (int t = 0; t < T; t++) {
        const float* row = values + (size_t)t * width;
        double row_sq = 0;
        for (int i = 0; i < width; i++) {
            double v = row[i];
            row_sq += v * v;
            if (v == 0) zeros++;
            if (isnan(v)) { nan++; continue; }
            if (isinf(v)) { inf++; continue; }
            finite++;
            total += v;
            sum_sq += v * v;
            min = v < min ? v : min;
            max = v > max ? v : max;
        }
        token_rms[t] = (float)sqrt(row_sq / width);
    }
    double mean = finite ? total / finite : NAN, dev_sq = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(values[i])) dev_sq += (values[i] - mean) * (values[i] - mean);
    stats[STAT_mean] = (float)mean;
    stats[STAT_std] = finite ? (float)sqrt(dev_sq / finite) : NAN;
    stats[STAT_rms] = finite ? (float)sqrt(sum_sq / finite) : NAN;
    stats[STAT_min] = finite ? (float)min : NAN;
    stats[STAT_max] = finite ? (float)max : NAN;
    stats[STAT_absmax] = finite ? (float)(-min > max ? -min : max) : NAN;
    stats[STAT_nan] = (float)nan;
    stats[STAT_inf] = (float)inf;
    stats[STAT_zero_frac] = n ? (float)((double)zeros / n) : 0;
}

// The histogram over [min, max] of the finite values (DESIGN.md, Probes);
// also counts exact zeros.
static void histogram(float* stats, float* hist, const float* values, size_t n, int any_finite, int all_finite) {
    double lo = 0, hi = 0;
    if (any_finite) {
        lo = stats[STAT_min], hi = stats[STAT_max];
        // one value: a range around it (wide enough to survive rounding when |v| ≥ 2^53)
        if (lo == hi) {
            double half = fabs(lo) * 0x1p-20 > 0.5 ? fabs(lo) * 0x1p-20 : 0.5;
            lo -= half, hi += half;
        }
        // a span so small (values vanishing toward float's denormals) that the bin
        // scale HIST_BINS / span would overflow float: the bins cover 1e-30 around it
        if (hi - lo < 1e-30) {
            double mid = 0.5 * (lo + hi);
            lo = mid - 5e-31, hi = mid + 5e-31;
        }
    }
    for (int b = 0; b < HIST_BINS; b++) hist[b] = 0;
    float bin_scale = any_finite ? (float)(HIST_BINS / (hi - lo)) : 0, low = (float)lo;
    size_t zeros = 0;
    if (all_finite) zeros = histogram_add(hist, HIST_BINS, values, n, low, bin_scale);
    else
        for (size_t i = 0; i < n; i++) {
            zeros += values[i] == 0.0f;
            if (isfinite(values[i])) histogram_add(hist, HIST_BINS, values + i, 1, low, bin_scale);
        }
    stats[STAT_zero_frac] = n ? (float)((double)zeros / n) : 0;
    stats[STAT_hist_lo] = (float)lo;
    stats[STAT_hist_hi] = (float)hi;
}

void site_stats(float* stats, float* hist, float* token_rms, const float* values, int T, int width) {
    // Fast path: each row's moments with vector sums, rows merged in double
    // (Chan, Golub & LeVeque's pairwise variance). A NaN or Inf anywhere
    // makes a row's sum non-finite, and the exact path takes over.
    double count = 0, mean = 0, m2 = 0, min = INFINITY, max = -INFINITY;
    int finite = 1;
    for (int t = 0; t < T && finite; t++) {
        float sum, row_m2, row_min, row_max;
        row_moments(values + (size_t)t * width, width, &sum, &row_m2, &row_min, &row_max);
        if (!isfinite(sum) || !isfinite(row_m2)) { finite = 0; break; }
        double row_mean = (double)sum / width, delta = row_mean - mean, merged = count + width;
        token_rms[t] = (float)sqrt((row_m2 + width * row_mean * row_mean) / width);
        mean += delta * width / merged;
        m2 += row_m2 + delta * delta * count * width / merged;
        count = merged;
        min = row_min < min ? row_min : min;
        max = row_max > max ? row_max : max;
    }
    size_t n = (size_t)T * width;
    if (!finite) {
        site_stats_exact(stats, token_rms, values, T, width);
        histogram(stats, hist, values, n, stats[STAT_nan] + stats[STAT_inf] < (float)n, 0);
        return;
    }
    stats[STAT_mean] = (float)mean;
    stats[STAT_std] = (float)sqrt(m2 / count);
    stats[STAT_rms] = (float)sqrt(m2 / count + mean * mean);
    stats[STAT_min] = (float)min;
    stats[STAT_max] = (float)max;
    stats[STAT_absmax] = (float)(-min > max ? -min : max);
    stats[STAT_nan] = stats[STAT_inf] = 0;
    histogram(stats, hist, values, n, 1, 1);
}

// Appends with snprintf semantics: `used` keeps counting past `cap`.
#define APPEND(...) used += (size_t)snprintf(out + (used < cap ? used : cap), used < cap ? cap - used : 0, __VA_ARGS__)

static size_t name_list(char* out, size_t cap, const char* key, const char* const* names, int n) {
    size_t used = 0;
    APPEND("\"%s\":[", key);
    for (int i = 0; i < n; i++) APPEND("%s\"%s\"", i ? "," : "", names[i]);
    APPEND("]");
    return used;
}

size_t probes_layout_json(char* out, size_t cap, const ProbeLayout* layout) {
    size_t used = 0;
    APPEND("{");
    used += name_list(out + (used < cap ? used : cap), used < cap ? cap - used : 0, "sites", SITE_NAMES, N_SITES);
    APPEND(",");
    used += name_list(out + (used < cap ? used : cap), used < cap ? cap - used : 0, "stats", STAT_NAMES, N_STATS);
    APPEND(",");
    used += name_list(out + (used < cap ? used : cap), used < cap ? cap - used : 0, "layer_tensors",
                      LAYER_TENSOR_NAMES, N_LAYER_TENSORS);
    APPEND(",\"hist_bins\":%d,\"outlier_ratio\":%d,\"n_tokens\":%d,\"total\":%llu,\"arrays\":{", HIST_BINS,
           OUTLIER_RATIO, layout->T, (unsigned long long)layout->total);
    for (int i = 0; i < N_PROBE_ARRAYS; i++) {
        const ProbeArray* arr = &layout->arrays[i];
        APPEND("%s\"%s\":{\"offset\":%llu,\"shape\":[", i ? "," : "", PROBE_NAMES[i], (unsigned long long)arr->offset);
        for (int k = 0; k < arr->ndim; k++) APPEND("%s%d", k ? "," : "", arr->shape[k]);
        APPEND("]}");
    }
    APPEND("}}");
    return used;
}
