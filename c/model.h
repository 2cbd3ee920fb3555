// model.h — the model context: config, weights, buffers and probes. Every
// piece of state lives here; several models can live side by side.
#ifndef NORMSCOPE_MODEL_H
#define NORMSCOPE_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "probes.h"
#include "status.h"

// Matrices are stored only as matmul panels (kernels.h, pack_matrix): a
// (rows, cols) = [out, in] matrix takes packed_size(rows, cols) floats. The
// checkpoint reader and writer convert to and from PyTorch's row-major layout.
typedef struct {
    float* attention_norm;       // (d)       γ
    float* attention_norm_bias;  // (d)       β, LayerNorm only
    float* wq;                   // (d, d)    packed
    float* wk;                   // (d, d)    packed
    float* wv;                   // (d, d)    packed
    float* wo;                   // (d, d)    packed
    float* ffn_norm;             // (d)
    float* ffn_norm_bias;        // (d)
    float* w1;                   // (d_ff, d) packed
    float* w2;                   // (d, d_ff) packed
    float* w3;                   // (d_ff, d) packed, SwiGLU only
} LayerWeights;

typedef struct {
    float* tok_embeddings;  // (256, d)  row-major: looked up, not multiplied
    float* pos_embeddings;  // (max_tokens, d)  learned positions only
    float* norm;            // (d)  final norm, pre-norm only
    float* norm_bias;       // (d)
    float* output;          // (256, d)  packed
    LayerWeights* layers;   // (n_layers)
} Weights;

// One checkpoint tensor: its safetensors name, shape and home in Weights.
typedef enum { TENSOR_MATRIX, TENSOR_GAMMA, TENSOR_BETA } TensorRole;
typedef struct {
    char name[64];  // room for "optimizer.m." before a weight's name
    int rows, cols;  // a vector has rows = 1 … stored as shape [cols]
    int ndim;
    TensorRole role;
    int packed;      // stored as matmul panels
    float** slot;    // where the tensor's pointer lives in Weights
    int layer;       // −1 for the tensors outside the blocks
    int kind;        // LayerTensor, for a block's tensor
} TensorInfo;

// What one block's backward needs that the probes do not keep. A forward for
// gradients keeps one per layer; a plain forward reuses layer[0].
typedef struct {
    float* resid_in;    // (T, d)  the block's input (post-norm's attention input)
    float* v;           // (T, d)
    float* heads;       // (T, d)   concatenated head outputs
    float* pre_a;       // (T, d_ff)  x W1ᵀ
    float* pre_b;       // (T, d_ff)  x W3ᵀ (SwiGLU)
    float* hidden;      // (T, d_ff)  after the activation
} LayerCache;

typedef struct {
    float* stream[3];   // (T, d) resid_in / resid_out alternate; [2] is resid_mid
    float* attn_out;    // (T, d)
    float* ffn_out;     // (T, d)
    float* rope_cos;    // (T, hd/2)
    float* rope_sin;    // (T, hd/2)
    float* token_scratch;  // (T)  per-token rms of a norm input, which the probes do not keep
    float* key_t;       // (head_dim, T)  one head's keys, transposed and scaled by 1/sqrt(hd)
    const float* head_input;  // (T, d)  what the output head multiplied
    int per_layer;      // layer[l] for every l (a forward for gradients), else layer[0] only
    LayerCache layer[MAX_LAYERS];
} Activations;

// The backward's working buffers (backward.c), allocated with the activations.
typedef struct {
    float* d_stream[2];  // (T, d)  dL/d(block output), dL/d(block input)
    float* d_mid;        // (T, d)
    float* d_sub;        // (T, d)
    float* d_tmp;        // (T, d)
    float* d_q, *d_k, *d_v, *d_heads;   // (T, d)
    float* d_hidden, *d_pre_a, *d_pre_b;  // (T, d_ff)
    float* d_logits;     // (T, 256)
    float* d_scores;     // (T)
    float* weights_t;    // the largest matrix's transposed panels
    float* matmul;       // matmul_weight_grad's scratch
} GradBuffers;

typedef struct Model {
    Config config;          // the config of the last forward (weights + behaviour)
    Config weights_config;  // the config the weights were built or loaded for
    int has_weights;
    int weights_from_file;
    int rebuilt;            // the last configure made new weights (the page says so next to its timing)
    int probes_off;         // benchmarks only: skip the statistics, to measure what they cost
    Weights w;
    TensorInfo* tensors;
    int n_tensors;
    float* weight_block;     // every tensor, one allocation
    size_t weight_floats;
    Activations act;
    GradBuffers g;
    float* grad_block;       // dL/dw for every tensor, at the weight's own offset in weight_block
    int lens_ready;          // model_lens has filled the logit lens of the last run
    int outliers_ready;      // model_outliers has filled channel_absmax and outliers
    int has_grad;            // the last run computed gradients (loss, grad_block, grad probes)
    double loss;             // mean next-byte cross-entropy of the last gradient run
    const float* loss_weights;  // (T) or NULL: weight of predicting byte t+1 in the loss (a task scores its answer)
    float* act_block;
    size_t act_capacity;     // floats
    float* probe_block;
    size_t probe_capacity;   // floats
    ProbeLayout layout;
    int T;
    char error[256];
} Model;

void model_init(Model* m);
void model_release(Model* m);
// Adopts a validated config, rebuilding the weights from the seed when a
// weight-shaping field changed (or when there are none yet).
Status model_configure(Model* m, const Config* c);
// Whether a forward of T tokens fits this config (text length, probe budget);
// callers check it before adopting a config, so a refused run changes nothing.
Status model_check_run(const Config* c, int T);
// Tokens are bytes; T must be 1 … max_tokens. for_grad keeps each layer's
// cache for model_backward (and sizes the gradient probes).
Status model_forward(Model* m, const uint8_t* tokens, int T);
Status model_forward_for_grad(Model* m, const uint8_t* tokens, int T, int for_grad);
// Whether a run of T tokens with gradients fits (T ≥ 2, memory).
Status model_check_grad_run(const Config* c, int T);
// What a run of T tokens allocates besides the weights: probes, activations
// and, for gradients, every layer's cache and a gradient per weight.
uint64_t model_run_bytes(const Config* c, int T, int for_grad);
// Loss (mean cross-entropy of each next byte), every weight's gradient into
// grad_block and the gradient probes, from a forward_for_grad of the same tokens.
Status model_backward(Model* m);
// Forward + backward.
Status model_gradients(Model* m, const uint8_t* tokens, int T);
// The L2 norm of one tensor's gradient (the last gradient run).
double model_grad_norm(const Model* m, const TensorInfo* info);
// A tensor's gradient: the same offset in grad_block as the weight in weight_block.
static inline float* grad_of(const Model* m, const float* weight) {
    return m->grad_block + (weight - m->weight_block);
}

// The logit lens of the last forward (DESIGN.md, "Logit lens"): fills
// lens_top/lens_prob (and the raw pair) from the stream probe. Idempotent.
Status model_lens(Model* m);
// One norm of kind (NormKind) over T rows, recording mean, divisor and the normalized rows (forward.c).
void norm_forward(const Config* c, int kind, float* out, float* normalized, float* mean, float* divisor,
                  const float* x, const float* gamma, const float* beta, int T);
// channel_absmax and outliers of the last forward, from the stream probe
// (read off on demand, as the lens: a forward does not pay for them). Idempotent.
Status model_outliers(Model* m);

// Re-runs one norm of the last forward on one token's input·scale + shift·rms(input)
// (the invariance experiment; the shift is in units of the token's rms). out holds 3·d_model + 2 floats: input,
// normalized, output, mean, divisor. layer = n_layers is the final norm.
Status model_norm_probe(Model* m, int layer, int which, int token, float shift, float scale, float* out);

// The checkpoint table for a config: name, shape and role of every tensor.
Status tensor_table(TensorInfo** out, int* n, const Config* c, Weights* w);
size_t tensor_floats(const TensorInfo* info);  // its storage, padded
// The weights' size in bytes (64-bit: checked against the budget before anything is allocated).
uint64_t model_weight_bytes(const Config* c);
// Allocates weights for the config (uninitialised) and their table.
Status model_allocate_weights(Model* m, const Config* c);
void model_init_weights(Model* m);  // from m->weights_config.seed

#endif
