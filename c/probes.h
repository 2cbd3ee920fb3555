// probes.h — what the forward pass records, and where. Site names, stat
// fields and probe arrays are declared once here and described to JavaScript
// at run time (probes_layout_json), so no offset table is written twice.
#ifndef NORMSCOPE_PROBES_H
#define NORMSCOPE_PROBES_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define SITES(X) X(resid_in) X(attn_norm) X(attn_out) X(resid_mid) \
                 X(ffn_norm) X(ffn_hidden) X(ffn_out) X(resid_out)
#define STAT_FIELDS(X) X(mean) X(std) X(rms) X(min) X(max) X(absmax) \
                       X(nan) X(inf) X(zero_frac) X(hist_lo) X(hist_hi)
// A block's weights: enum name, checkpoint name after "layers.{i}.".
#define LAYER_TENSORS(X)                                                              \
    X(attention_norm, "attention_norm.weight") X(attention_norm_bias, "attention_norm.bias") \
    X(wq, "attention.wq.weight") X(wk, "attention.wk.weight") X(wv, "attention.wv.weight") \
    X(wo, "attention.wo.weight") X(ffn_norm, "ffn_norm.weight") X(ffn_norm_bias, "ffn_norm.bias") \
    X(w1, "feed_forward.w1.weight") X(w2, "feed_forward.w2.weight") X(w3, "feed_forward.w3.weight")
#define MAX_LAYERS 96
#define NORM_NAMES(X) X(attn_norm) X(ffn_norm)
// name, dims (filled by probes_layout)
#define PROBE_ARRAYS(X)                                                          \
    X(tokens) X(site_stats) X(site_hist) X(site_token_rms)                       \
    X(norm_mean) X(norm_divisor) X(norm_input) X(norm_normalized) X(norm_output) \
    X(norm_input_stats) X(norm_input_hist)                                       \
    X(final_stats) X(final_hist) X(final_token_rms) X(final_norm_mean)           \
    X(final_norm_divisor) X(final_norm_input) X(final_norm_normalized)           \
    X(final_norm_output) X(attn_probs) X(rope_angle) X(attn_q) X(attn_k)         \
    X(attn_q_rot) X(attn_k_rot) X(logits) X(probs)                              \
    X(loss) X(token_loss) X(grad_site_rms) X(grad_site_token_rms)             \
    X(grad_layer_norm) X(stream) X(branch_cos) X(channel_absmax) X(outliers)   \
    X(lens_top) X(lens_prob) X(lens_raw_top) X(lens_raw_prob)                 \
    X(baseline_site_stats) X(baseline_probs)

#define AS_ENUM(name) SITE_##name,
typedef enum { SITES(AS_ENUM) N_SITES } Site;
#undef AS_ENUM
#define AS_ENUM(name) STAT_##name,
typedef enum { STAT_FIELDS(AS_ENUM) N_STATS } Stat;
#undef AS_ENUM
#define AS_ENUM(name, file_name) LT_##name,
typedef enum { LAYER_TENSORS(AS_ENUM) N_LAYER_TENSORS } LayerTensor;
#undef AS_ENUM
#define AS_ENUM(name) PROBE_##name,
typedef enum { PROBE_ARRAYS(AS_ENUM) N_PROBE_ARRAYS } ProbeId;
#undef AS_ENUM

#define HIST_BINS 64
#define VOCAB 256
#define OUTLIER_TOP 4      // channels listed per layer in `outliers`
#define OUTLIER_RATIO 10   // flagged: absmax at least this many times the layer's median channel

// Whether the output head reads the stream through a final norm (pre-norm with
// a norm that is not removed): the logit lens then has a raw reading beside it.
int probes_final_path(const Config* c);

extern const char* const SITE_NAMES[N_SITES];
extern const char* const STAT_NAMES[N_STATS];
extern const char* const PROBE_NAMES[N_PROBE_ARRAYS];
extern const char* const LAYER_TENSOR_NAMES[N_LAYER_TENSORS];       // wq, w1, …
extern const char* const LAYER_TENSOR_FILE_NAMES[N_LAYER_TENSORS];  // attention.wq.weight, …

typedef struct {
    int ndim;
    int shape[4];
    // 64-bit even in wasm32: a config is checked against the memory budget
    // before anything is allocated, so its size must not wrap first.
    uint64_t offset;  // in floats from the start of the probe buffer
    uint64_t size;    // floats; 0 when the array does not apply to this config
} ProbeArray;

typedef struct {
    ProbeArray arrays[N_PROBE_ARRAYS];
    uint64_t total;  // floats
    int T;
} ProbeLayout;

// with_grad sizes the gradient arrays (0 floats otherwise).
void probes_layout(ProbeLayout* layout, const Config* c, int T, int with_grad);
// Pointer to element [i0][i1]… (leading indices; the rest are 0).
float* probe_at(float* base, const ProbeLayout* layout, ProbeId id, int i0, int i1);

// Per layer, the OUTLIER_TOP channels of largest absmax: (channel, absmax, ratio to the median).
void outliers_of(float* out, const float* channel_absmax, int d);

// Stats, histogram and per-token rms of values [T, width] (DESIGN.md, Probes).
void site_stats(float* stats, float* hist, float* token_rms, const float* values, int T, int width);

// {"sites":[…],"stats":[…],"hist_bins":64,"arrays":{…}}; returns bytes needed.
size_t probes_layout_json(char* out, size_t cap, const ProbeLayout* layout);

#endif
