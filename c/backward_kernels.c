// backward_kernels.c — the gradients of the forward kernels (kernels.c), one
// per forward kernel, over simd.h. The matmul's two live next to it.
#include <string.h>

#include "kernels.h"
#include "simd.h"

// ---------------------------------------------------------------- norms

// With g = dy·γ: dx = (g − center·mean(g) − normalized·mean(g·normalized)) / divisor.
// The mean(g) term is LayerNorm's subtracted mean; both share the divisor's term.
void norm_backward(float* dx, float* dgamma, float* dbeta, const float* dy, const float* normalized,
                   const float* divisor, const float* gamma, int T, int d, int center) {
    if (dgamma) memset(dgamma, 0, (size_t)d * sizeof(float));
    if (dbeta) memset(dbeta, 0, (size_t)d * sizeof(float));
    for (int t = 0; t < T; t++) {
        const float *g_row = dy + (size_t)t * d, *n_row = normalized + (size_t)t * d;
        float* out = dx + (size_t)t * d;
        vec sum_g = vec_splat(0), sum_gn = vec_splat(0);
        int i = 0;
        for (; i + VEC_WIDTH <= d; i += VEC_WIDTH) {
            vec g = vec_mul(vec_load(g_row + i), vec_load(gamma + i)), nv = vec_load(n_row + i);
            sum_g = vec_add(sum_g, g);
            sum_gn = vec_madd(sum_gn, g, nv);
            if (dgamma) vec_store(dgamma + i, vec_madd(vec_load(dgamma + i), vec_load(g_row + i), nv));
            if (dbeta) vec_store(dbeta + i, vec_add(vec_load(dbeta + i), vec_load(g_row + i)));
        }
        float sg = vec_sum(sum_g), sgn = vec_sum(sum_gn);
        for (; i < d; i++) {
            float g = g_row[i] * gamma[i];
            sg += g, sgn += g * n_row[i];
            if (dgamma) dgamma[i] += g_row[i] * n_row[i];
            if (dbeta) dbeta[i] += g_row[i];
        }
        float mean_g = center ? sg / d : 0.0f, mean_gn = sgn / d, inv = 1.0f / divisor[t];
        vec mg = vec_splat(mean_g), mgn = vec_splat(mean_gn), s = vec_splat(inv);
        for (i = 0; i + VEC_WIDTH <= d; i += VEC_WIDTH) {
            vec g = vec_mul(vec_load(g_row + i), vec_load(gamma + i));
            vec_store(out + i, vec_mul(vec_sub(vec_sub(g, mg), vec_mul(vec_load(n_row + i), mgn)), s));
        }
        for (; i < d; i++) out[i] = (g_row[i] * gamma[i] - mean_g - n_row[i] * mean_gn) * inv;
    }
}

// ---------------------------------------------------------------- activations

// gelu(x) = x·σ(2z), z = √(2/π)(x + 0.044715x³):
// gelu'(x) = σ(2z) + x·σ(2z)(1 − σ(2z))·2√(2/π)(1 + 3·0.044715x²)
static inline vec gelu_grad_vec(vec x) {
    const vec k = vec_splat(2.0f * 0.7978845608028654f), c = vec_splat(0.044715f), c3 = vec_splat(3 * 0.044715f);
    const vec one = vec_splat(1.0f);
    vec x2 = vec_mul(x, x);
    vec s = vec_sigmoid(vec_mul(k, vec_madd(x, c, vec_mul(x, x2))));
    vec dz2 = vec_mul(k, vec_madd(one, c3, x2));
    return vec_madd(s, vec_mul(x, vec_mul(s, vec_sub(one, s))), dz2);
}

void gelu_backward(float* dx, const float* dy, const float* x, int n) {
    int i = 0;
    for (; i + VEC_WIDTH <= n; i += VEC_WIDTH)
        vec_store(dx + i, vec_mul(vec_load(dy + i), gelu_grad_vec(vec_load(x + i))));
    for (; i < n; i++) dx[i] = dy[i] * vec_first(gelu_grad_vec(vec_splat(x[i])));
}

// torch's convention: the gradient at exactly 0 is 0
void relu_backward(float* dx, const float* dy, const float* x, int n) {
    for (int i = 0; i < n; i++) dx[i] = x[i] > 0.0f ? dy[i] : 0.0f;
}

// silu(a) = a·σ(a), silu'(a) = σ(a)(1 + a(1 − σ(a)))
void swiglu_backward(float* da, float* db, const float* dh, const float* a, const float* b, int n) {
    const vec one = vec_splat(1.0f);
    int i = 0;
    for (; i + VEC_WIDTH <= n; i += VEC_WIDTH) {
        vec av = vec_load(a + i), s = vec_sigmoid(av), g = vec_load(dh + i);
        vec_store(db + i, vec_mul(g, vec_mul(av, s)));
        vec dsilu = vec_mul(s, vec_madd(one, av, vec_sub(one, s)));
        vec_store(da + i, vec_mul(vec_mul(g, vec_load(b + i)), dsilu));
    }
    for (; i < n; i++) {
        float s = vec_first(vec_sigmoid(vec_splat(a[i])));
        db[i] = dh[i] * a[i] * s;
        da[i] = dh[i] * b[i] * (s * (1.0f + a[i] * (1.0f - s)));
    }
}

// ---------------------------------------------------------------- RoPE, attention

// A rotation's transpose is its inverse: rotate the gradient back by −angle.
void rope_backward(float* dx, const float* dout, const float* cos_t, const float* sin_t, int hd, int half) {
    int pairs = hd / 2;
    for (int i = 0; i < pairs; i++) {
        int ia = half ? i : 2 * i, ib = half ? i + pairs : 2 * i + 1;
        float a = dout[ia], b = dout[ib], c = cos_t[i], s = sin_t[i];
        dx[ia] = a * c + b * s;
        dx[ib] = b * c - a * s;
    }
}

void axpy(float* y, float a, const float* x, int n) {
    vec av = vec_splat(a);
    int i = 0;
    for (; i + VEC_WIDTH <= n; i += VEC_WIDTH) vec_store(y + i, vec_madd(vec_load(y + i), av, vec_load(x + i)));
    for (; i < n; i++) y[i] += a * x[i];
}
