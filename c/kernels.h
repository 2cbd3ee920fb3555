// kernels.h — the numeric kernels, output first (llama2.c style). Each is
// written once over simd.h; the build picks WASM SIMD or scalar.
#ifndef NORMSCOPE_KERNELS_H
#define NORMSCOPE_KERNELS_H

#include <stddef.h>

// A weight matrix [rows = out, cols = in] (PyTorch layout) repacked into
// panels of PANEL output rows: panel p holds w[p·PANEL + j][k] at
// [p][k][j], zero-padded, so the matmul's inner loop reads contiguously.
#define PANEL 8
size_t packed_size(int rows, int cols);  // floats
void pack_matrix(float* panels, const float* w, int rows, int cols);
// Where w[row][col] lives in the panels.
static inline size_t packed_index(int row, int col, int cols) {
    return ((size_t)(row / PANEL) * cols + (size_t)col) * PANEL + (size_t)(row % PANEL);
}

// out[T, rows] = x[T, cols] · wᵀ  (torch: F.linear(x, w))
void matmul(float* out, const float* x, const float* panels, int T, int rows, int cols);

// The backward of matmul. dx = dy·w is matmul(dx, dy, wᵀ panels, T, cols, rows)
// with pack_transposed's panels (packed_size(cols, rows) floats).
void pack_transposed(float* out, const float* panels, int rows, int cols);
// grad (panels, like w) = dyᵀ·x for dy[T, rows], x[T, cols]; overwrites grad.
void matmul_weight_grad(float* grad, const float* dy, const float* x, int T, int rows, int cols, float* scratch);
size_t matmul_weight_grad_scratch(int T, int rows, int cols);  // floats

// torch.nn.LayerNorm over the last dim, biased variance, eps inside the root.
// Also writes what the probes plot: per-row mean and divisor sqrt(var + eps),
// and the normalized vector before γ/β (normalized may be NULL).
void layernorm(float* out, float* normalized, float* mean, float* divisor, const float* x,
               const float* gamma, const float* beta, int T, int d, float eps);
// RMSNorm: x / sqrt(mean(x²) + eps) · γ; divisor = sqrt(mean(x²) + eps).
void rmsnorm(float* out, float* normalized, float* divisor, const float* x, const float* gamma,
             int T, int d, float eps);
void row_mean(float* mean, const float* x, int T, int d);
// One row's sum, min, max and Σ(x − mean)² (two passes, vectorized); a NaN or
// Inf shows up as a non-finite sum or m2.
void row_moments(const float* x, int n, float* sum, float* m2, float* min, float* max);
// Adds finite values into `bins` (≤ HIST_MAX_BINS) bins over
// [lo, lo + bins/scale); returns the number of exact zeros. Every value must be
// finite and ≥ lo (lo is the minimum).
#define HIST_MAX_BINS 64
size_t histogram_add(float* hist, int bins, const float* x, size_t n, float lo, float scale);

float dot(const float* a, const float* b, int n);
void softmax(float* out, const float* x, int n);
// out[s] = Σ_i q[i]·keys_t[i·stride + s] for s < n: one query's scores against
// keys stored transposed (head_dim rows of positions).
void attention_scores(float* out, const float* q, const float* keys_t, int hd, int stride, int n);
// out[j] = Σ_s p[s]·v[s·stride + j] for j < hd: the probability-weighted values.
void weighted_sum(float* out, const float* p, const float* v, int stride, int n, int hd);

// Rotates one head's vector by the angles whose cos/sin are given (hd/2 of
// each). interleaved pairs (2i, 2i+1); half pairs (i, i + hd/2).
void rope(float* out, const float* x, const float* cos_t, const float* sin_t, int hd, int half);

void gelu(float* out, const float* x, int n);  // tanh form
void relu(float* out, const float* x, int n);
void silu(float* out, const float* x, int n);
void swiglu_gate(float* out, const float* a, const float* b, int n);  // silu(a) · b
void vec_add_to(float* out, const float* a, const float* b, int n);   // out = a + b

// ---------------------------------------------------------------- backward
// (backward_kernels.c) Each takes the forward's saved values and dy, the
// gradient of the loss with respect to the forward's output.

// dx from dy for y = normalized·γ (+ β), normalized = (x − mean)/divisor
// (center = 1, LayerNorm) or x/divisor (center = 0, RMSNorm); dgamma, dbeta
// (may be NULL) get Σ_t dy·normalized and Σ_t dy. dx may not alias dy.
void norm_backward(float* dx, float* dgamma, float* dbeta, const float* dy, const float* normalized,
                   const float* divisor, const float* gamma, int T, int d, int center);
void gelu_backward(float* dx, const float* dy, const float* x, int n);
void relu_backward(float* dx, const float* dy, const float* x, int n);
// h = silu(a)·b: da and db from dh.
void swiglu_backward(float* da, float* db, const float* dh, const float* a, const float* b, int n);
// The inverse rotation of rope(): the gradient of x from the gradient of out.
void rope_backward(float* dx, const float* dout, const float* cos_t, const float* sin_t, int hd, int half);
void axpy(float* y, float a, const float* x, int n);  // y += a·x

#endif
