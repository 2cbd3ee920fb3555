// kernels.c — matmul, norms, softmax, RoPE and activations over simd.h.
#include "kernels.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "simd.h"

static inline float exp_one(float x) { return vec_first(vec_exp(vec_splat(x))); }


// ---------------------------------------------------------------- matmul

size_t packed_size(int rows, int cols) {
    size_t panels = (size_t)(rows + PANEL - 1) / PANEL;
    return panels * PANEL * (size_t)cols;
}

void pack_matrix(float* panels, const float* w, int rows, int cols) {
    int n_panels = (rows + PANEL - 1) / PANEL;
    for (int p = 0; p < n_panels; p++) {
        float* dst = panels + (size_t)p * PANEL * cols;
        for (int k = 0; k < cols; k++)
            for (int j = 0; j < PANEL; j++) {
                int row = p * PANEL + j;
                dst[(size_t)k * PANEL + j] = row < rows ? w[(size_t)row * cols + k] : 0.0f;
            }
    }
}

static void store_cols(float* out, const float* tile, int n) {
    for (int j = 0; j < n; j++) out[j] = tile[j];
}

// 4 tokens × 8 outputs: 8 accumulators, two panel loads and four splats per k.
static void kernel_4x8(float* out, int out_stride, int n_out, const float* x, int cols,
                       const float* panel) {
    vec c00 = vec_splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
    const float *x0 = x, *x1 = x + cols, *x2 = x + 2 * cols, *x3 = x + 3 * cols;
    for (int k = 0; k < cols; k++) {
        vec b0 = vec_load(panel + (size_t)k * PANEL), b1 = vec_load(panel + (size_t)k * PANEL + 4);
        vec a = vec_splat(x0[k]);
        c00 = vec_madd(c00, a, b0), c01 = vec_madd(c01, a, b1);
        a = vec_splat(x1[k]);
        c10 = vec_madd(c10, a, b0), c11 = vec_madd(c11, a, b1);
        a = vec_splat(x2[k]);
        c20 = vec_madd(c20, a, b0), c21 = vec_madd(c21, a, b1);
        a = vec_splat(x3[k]);
        c30 = vec_madd(c30, a, b0), c31 = vec_madd(c31, a, b1);
    }
    float tile[4][PANEL];
    vec_store(tile[0], c00), vec_store(tile[0] + 4, c01);
    vec_store(tile[1], c10), vec_store(tile[1] + 4, c11);
    vec_store(tile[2], c20), vec_store(tile[2] + 4, c21);
    vec_store(tile[3], c30), vec_store(tile[3] + 4, c31);
    for (int r = 0; r < 4; r++) store_cols(out + (size_t)r * out_stride, tile[r], n_out);
}

static void kernel_1x8(float* out, int n_out, const float* x, int cols, const float* panel) {
    vec c0 = vec_splat(0), c1 = c0;
    for (int k = 0; k < cols; k++) {
        vec a = vec_splat(x[k]);
        c0 = vec_madd(c0, a, vec_load(panel + (size_t)k * PANEL));
        c1 = vec_madd(c1, a, vec_load(panel + (size_t)k * PANEL + 4));
    }
    float tile[PANEL];
    vec_store(tile, c0), vec_store(tile + 4, c1);
    store_cols(out, tile, n_out);
}

void matmul(float* out, const float* x, const float* panels, int T, int rows, int cols) {
    int n_panels = (rows + PANEL - 1) / PANEL;
    for (int p = 0; p < n_panels; p++) {
        const float* panel = panels + (size_t)p * PANEL * cols;
        int col0 = p * PANEL, n_out = rows - col0 < PANEL ? rows - col0 : PANEL;
        int t = 0;
        for (; t + 4 <= T; t += 4)
            kernel_4x8(out + (size_t)t * rows + col0, rows, n_out, x + (size_t)t * cols, cols, panel);
        for (; t < T; t++) kernel_1x8(out + (size_t)t * rows + col0, n_out, x + (size_t)t * cols, cols, panel);
    }
}

// The panels of wᵀ from the panels of w: the backward's dx = dy·w is then the
// same forward matmul, dx = dy·(wᵀ)ᵀ.
void pack_transposed(float* out, const float* panels, int rows, int cols) {
    memset(out, 0, packed_size(cols, rows) * sizeof(float));
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) out[packed_index(c, r, rows)] = panels[packed_index(r, c, cols)];
}

// grad[rows, cols] (panels) = dyᵀ·x: the same 4×8 kernel with tokens as the
// inner dimension, so dy goes into panels over its rows and x is transposed.
void matmul_weight_grad(float* grad, const float* dy, const float* x, int T, int rows, int cols, float* scratch) {
    int n_panels = (rows + PANEL - 1) / PANEL;
    float* dy_panels = scratch;                               // [panel][t][j]
    float* x_t = scratch + (size_t)n_panels * PANEL * T;      // (cols, T)
    for (int p = 0; p < n_panels; p++)
        for (int t = 0; t < T; t++)
            for (int j = 0; j < PANEL; j++) {
                int row = p * PANEL + j;
                dy_panels[((size_t)p * T + t) * PANEL + j] = row < rows ? dy[(size_t)t * rows + row] : 0.0f;
            }
    for (int t = 0; t < T; t++)
        for (int c = 0; c < cols; c++) x_t[(size_t)c * T + t] = x[(size_t)t * cols + c];
    for (int p = 0; p < n_panels; p++) {
        const float* panel = dy_panels + (size_t)p * PANEL * T;
        float* out = grad + (size_t)p * PANEL * cols;
        int c = 0;
        for (; c + 4 <= cols; c += 4) kernel_4x8(out + (size_t)c * PANEL, PANEL, PANEL, x_t + (size_t)c * T, T, panel);
        for (; c < cols; c++) kernel_1x8(out + (size_t)c * PANEL, PANEL, x_t + (size_t)c * T, T, panel);
    }
}

size_t matmul_weight_grad_scratch(int T, int rows, int cols) {
    return packed_size(rows, T) + (size_t)cols * T;
}

// ---------------------------------------------------------------- reductions

float dot(const float* a, const float* b, int n) {
    vec acc = vec_splat(0);
    int i = 0;
    for (; i + VEC_WIDTH <= n; i += VEC_WIDTH) acc = vec_madd(acc, vec_load(a + i), vec_load(b + i));
    float sum = vec_sum(acc);
    for (; i < n; i++) sum += a[i] * b[i];
    return sum;
}

static float sum(const float* x, int n) {
    vec acc = vec_splat(0);
    int i = 0;
    for (; i + VEC_WIDTH <= n; i += VEC_WIDTH) acc = vec_add(acc, vec_load(x + i));
    float s = vec_sum(acc);
    for (; i < n; i++) s += x[i];
    return s;
}

// Σ (x − c)², the second pass of a two-pass variance (stable for large means).
static float sum_sq_dev(const float* x, float c, int n) {
    vec acc = vec_splat(0), center = vec_splat(c);
    int i = 0;
    for (; i + VEC_WIDTH <= n; i += VEC_WIDTH) {
        vec dev = vec_sub(vec_load(x + i), center);
        acc = vec_madd(acc, dev, dev);
    }
    float s = vec_sum(acc);
    for (; i < n; i++) s += (x[i] - c) * (x[i] - c);
    return s;
}

void vec_add_to(float* out, const float* a, const float* b, int n) {
    int i = 0;
    for (; i + VEC_WIDTH <= n; i += VEC_WIDTH) vec_store(out + i, vec_add(vec_load(a + i), vec_load(b + i)));
    for (; i < n; i++) out[i] = a[i] + b[i];
}

// ---------------------------------------------------------------- norms

// y = (x − shift)·scale, then y·γ (+ β); the γ/β-free y goes to `normalized`.
static void scale_row(float* out, float* normalized, const float* x, float shift, float scale,
                      const float* gamma, const float* beta, int d) {
    vec s = vec_splat(scale), c = vec_splat(shift);
    int i = 0;
    for (; i + VEC_WIDTH <= d; i += VEC_WIDTH) {
        vec y = vec_mul(vec_sub(vec_load(x + i), c), s);
        if (normalized) vec_store(normalized + i, y);
        y = vec_mul(y, vec_load(gamma + i));
        if (beta) y = vec_add(y, vec_load(beta + i));
        vec_store(out + i, y);
    }
    for (; i < d; i++) {
        float y = (x[i] - shift) * scale;
        if (normalized) normalized[i] = y;
        out[i] = beta ? y * gamma[i] + beta[i] : y * gamma[i];
    }
}

void layernorm(float* out, float* normalized, float* mean, float* divisor, const float* x,
               const float* gamma, const float* beta, int T, int d, float eps) {
    for (int t = 0; t < T; t++) {
        const float* row = x + (size_t)t * d;
        float m = sum(row, d) / d;
        float var = sum_sq_dev(row, m, d) / d;  // biased, as torch.nn.LayerNorm
        float div = sqrtf(var + eps);
        mean[t] = m;
        divisor[t] = div;
        scale_row(out + (size_t)t * d, normalized ? normalized + (size_t)t * d : NULL, row, m, 1.0f / div,
                  gamma, beta, d);
    }
}

void rmsnorm(float* out, float* normalized, float* divisor, const float* x, const float* gamma,
             int T, int d, float eps) {
    for (int t = 0; t < T; t++) {
        const float* row = x + (size_t)t * d;
        float div = sqrtf(sum_sq_dev(row, 0.0f, d) / d + eps);
        divisor[t] = div;
        scale_row(out + (size_t)t * d, normalized ? normalized + (size_t)t * d : NULL, row, 0.0f, 1.0f / div,
                  gamma, NULL, d);
    }
}

void row_moments(const float* x, int n, float* sum_out, float* m2, float* min_out, float* max_out) {
    vec acc = vec_splat(0), lo = vec_splat(INFINITY), hi = vec_splat(-INFINITY);
    int i = 0;
    for (; i + VEC_WIDTH <= n; i += VEC_WIDTH) {
        vec v = vec_load(x + i);
        acc = vec_add(acc, v);
        lo = vec_min(lo, v);
        hi = vec_max(hi, v);
    }
    float s = vec_sum(acc), mn = -vec_hmax(vec_neg(lo)), mx = vec_hmax(hi);
    for (; i < n; i++) {
        s += x[i];
        mn = x[i] < mn ? x[i] : mn;
        mx = x[i] > mx ? x[i] : mx;
    }
    *sum_out = s, *min_out = mn, *max_out = mx;
    *m2 = sum_sq_dev(x, s / n, n);
}

size_t histogram_add(float* hist, int bins, const float* x, size_t n, float lo, float scale) {
    // integer counts, four interleaved copies: consecutive values in one bin
    // would otherwise wait on each other's float add
    uint32_t counts[4][HIST_MAX_BINS] = {{0}};  // small: zeroing it is a fixed cost per site
    if (bins > HIST_MAX_BINS) bins = HIST_MAX_BINS;
    // lo is the minimum, so (v − lo)·scale ≥ 0 and truncation is the floor;
    // only the maximum needs clamping (it lands exactly on `bins`). The clamps
    // put the constant first: pmin/pmax then return it for a NaN, so no input
    // can make an index outside the bins.
    vec low = vec_splat(lo), k = vec_splat(scale), zero = vec_splat(0), top = vec_splat((float)(bins - 1));
    size_t zeros = 0, i = 0;
    int index[4];
    for (; i + VEC_WIDTH <= n; i += VEC_WIDTH) {
        vec v = vec_load(x + i);
        zeros += (size_t)vec_count_true(vec_eq(v, zero));
        vec_to_int(index, vec_max(zero, vec_min(top, vec_mul(vec_sub(v, low), k))));
        counts[0][index[0]]++, counts[1][index[1]]++, counts[2][index[2]]++, counts[3][index[3]]++;
    }
    for (; i < n; i++) {
        zeros += x[i] == 0.0f;
        vec_to_int(index, vec_max(zero, vec_min(top, vec_mul(vec_sub(vec_splat(x[i]), low), k))));
        counts[0][index[0]]++;
    }
    for (int b = 0; b < bins; b++) hist[b] += (float)(counts[0][b] + counts[1][b] + counts[2][b] + counts[3][b]);
    return zeros;
}

void row_mean(float* mean, const float* x, int T, int d) {
    for (int t = 0; t < T; t++) mean[t] = sum(x + (size_t)t * d, d) / d;
}

// ---------------------------------------------------------------- softmax

void softmax(float* out, const float* x, int n) {
    vec vmax = vec_splat(-INFINITY);
    int i = 0;
    for (; i + VEC_WIDTH <= n; i += VEC_WIDTH) vmax = vec_max(vmax, vec_load(x + i));
    float max = vec_hmax(vmax);
    for (; i < n; i++) max = x[i] > max ? x[i] : max;
    vec m = vec_splat(max), total = vec_splat(0);
    i = 0;
    for (; i + VEC_WIDTH <= n; i += VEC_WIDTH) {
        vec e = vec_exp(vec_sub(vec_load(x + i), m));
        vec_store(out + i, e);
        total = vec_add(total, e);
    }
    float sum = vec_sum(total);
    for (; i < n; i++) sum += (out[i] = exp_one(x[i] - max));
    float inv = 1.0f / sum;
    vec s = vec_splat(inv);
    i = 0;
    for (; i + VEC_WIDTH <= n; i += VEC_WIDTH) vec_store(out + i, vec_mul(vec_load(out + i), s));
    for (; i < n; i++) out[i] *= inv;
}

// ---------------------------------------------------------------- attention

void attention_scores(float* out, const float* q, const float* keys_t, int hd, int stride, int n) {
    int s = 0;
    for (; s + VEC_WIDTH <= n; s += VEC_WIDTH) {  // four positions, accumulated in a register
        vec acc = vec_splat(0);
        for (int i = 0; i < hd; i++) acc = vec_madd(acc, vec_splat(q[i]), vec_load(keys_t + (size_t)i * stride + s));
        vec_store(out + s, acc);
    }
    for (; s < n; s++) {
        float acc = 0;
        for (int i = 0; i < hd; i++) acc += q[i] * keys_t[(size_t)i * stride + s];
        out[s] = acc;
    }
}

void weighted_sum(float* out, const float* p, const float* v, int stride, int n, int hd) {
    int j = 0;
    for (; j + VEC_WIDTH <= hd; j += VEC_WIDTH) {
        vec acc = vec_splat(0);
        for (int s = 0; s < n; s++) acc = vec_madd(acc, vec_splat(p[s]), vec_load(v + (size_t)s * stride + j));
        vec_store(out + j, acc);
    }
    for (; j < hd; j++) {
        float acc = 0;
        for (int s = 0; s < n; s++) acc += p[s] * v[(size_t)s * stride + j];
        out[j] = acc;
    }
}

// ---------------------------------------------------------------- RoPE

void rope(float* out, const float* x, const float* cos_t, const float* sin_t, int hd, int half) {
    int pairs = hd / 2;
    for (int i = 0; i < pairs; i++) {
        int ia = half ? i : 2 * i, ib = half ? i + pairs : 2 * i + 1;
        float a = x[ia], b = x[ib], c = cos_t[i], s = sin_t[i];
        out[ia] = a * c - b * s;
        out[ib] = a * s + b * c;
    }
}

// ---------------------------------------------------------------- activations

// 0.5·x·(1 + tanh(z)) written as x·σ(2z), the same function: 1 + tanh(z)
// cancels to exactly 0 for z < −9 in float32 and would report live units as
// dead (tanh-form GELU(−5) = −2.3e-7, not 0).
static inline vec gelu_vec(vec x) {
    const vec k = vec_splat(2.0f * 0.7978845608028654f), c = vec_splat(0.044715f);  // 2·sqrt(2/π)
    vec z2 = vec_mul(k, vec_madd(x, c, vec_mul(x, vec_mul(x, x))));
    return vec_mul(x, vec_sigmoid(z2));
}

void gelu(float* out, const float* x, int n) {
    int i = 0;
    for (; i + VEC_WIDTH <= n; i += VEC_WIDTH) vec_store(out + i, gelu_vec(vec_load(x + i)));
    for (; i < n; i++) out[i] = vec_first(gelu_vec(vec_splat(x[i])));
}

void relu(float* out, const float* x, int n) {
    vec zero = vec_splat(0);
    int i = 0;
    for (; i + VEC_WIDTH <= n; i += VEC_WIDTH) vec_store(out + i, vec_max(vec_load(x + i), zero));
    for (; i < n; i++) out[i] = x[i] < 0.0f ? 0.0f : x[i];
}

void silu(float* out, const float* x, int n) {
    int i = 0;
    for (; i + VEC_WIDTH <= n; i += VEC_WIDTH) {
        vec v = vec_load(x + i);
        vec_store(out + i, vec_mul(v, vec_sigmoid(v)));
    }
    for (; i < n; i++) out[i] = x[i] * vec_first(vec_sigmoid(vec_splat(x[i])));
}

void swiglu_gate(float* out, const float* a, const float* b, int n) {
    int i = 0;
    for (; i + VEC_WIDTH <= n; i += VEC_WIDTH) {
        vec v = vec_load(a + i);
        vec_store(out + i, vec_mul(vec_mul(v, vec_sigmoid(v)), vec_load(b + i)));
    }
    for (; i < n; i++) out[i] = a[i] * vec_first(vec_sigmoid(vec_splat(a[i]))) * b[i];
}
