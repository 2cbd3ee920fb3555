// simd.h — the one place that knows the instruction set. Kernels use only
// these 4-lane operations; with -msimd128 they are WASM SIMD, otherwise plain
// C on a 4-float struct. Both do the same operations in the same order (no
// fused multiply-add in either), so the scalar build is an exact reference
// for the SIMD build up to libm differences.
#ifndef NORMSCOPE_SIMD_H
#define NORMSCOPE_SIMD_H

#define VEC_WIDTH 4

#include <math.h>

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>

typedef v128_t vec;
#define SIMD_NAME "wasm-simd128"

static inline vec vec_load(const float* p) { return wasm_v128_load(p); }
static inline void vec_store(float* p, vec v) { wasm_v128_store(p, v); }
static inline vec vec_splat(float x) { return wasm_f32x4_splat(x); }
static inline vec vec_add(vec a, vec b) { return wasm_f32x4_add(a, b); }
static inline vec vec_sub(vec a, vec b) { return wasm_f32x4_sub(a, b); }
static inline vec vec_mul(vec a, vec b) { return wasm_f32x4_mul(a, b); }
static inline vec vec_max(vec a, vec b) { return wasm_f32x4_pmax(a, b); }
// acc + a·b, rounded twice (WASM SIMD has no FMA outside relaxed SIMD)
static inline vec vec_madd(vec acc, vec a, vec b) { return wasm_f32x4_add(acc, wasm_f32x4_mul(a, b)); }
static inline vec vec_div(vec a, vec b) { return wasm_f32x4_div(a, b); }
static inline vec vec_min(vec a, vec b) { return wasm_f32x4_pmin(a, b); }
static inline vec vec_abs(vec a) { return wasm_f32x4_abs(a); }
static inline vec vec_neg(vec a) { return wasm_f32x4_neg(a); }
static inline vec vec_floor(vec a) { return wasm_f32x4_floor(a); }
// masks: all-ones lanes where true; select(mask, a, b) = mask ? a : b
static inline vec vec_lt(vec a, vec b) { return wasm_f32x4_lt(a, b); }
static inline vec vec_ge(vec a, vec b) { return wasm_f32x4_ge(a, b); }
static inline vec vec_select(vec mask, vec a, vec b) { return wasm_v128_bitselect(a, b, mask); }
static inline vec vec_eq(vec a, vec b) { return wasm_f32x4_eq(a, b); }
static inline int vec_count_true(vec mask) { return __builtin_popcount(wasm_i32x4_bitmask(mask)); }
// lanes to int (in range: the caller clamps)
static inline void vec_to_int(int* out, vec v) {
    v128_t i = wasm_i32x4_trunc_sat_f32x4(v);  // lanes straight to registers, no trip through memory
    out[0] = wasm_i32x4_extract_lane(i, 0), out[1] = wasm_i32x4_extract_lane(i, 1);
    out[2] = wasm_i32x4_extract_lane(i, 2), out[3] = wasm_i32x4_extract_lane(i, 3);
}
// 2^k for integral k in [-126, 127], built from the exponent bits
static inline vec vec_exp2i(vec k) {
    return wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(k), wasm_i32x4_splat(127)), 23);
}
static inline float vec_sum(vec v) {  // ((v0 + v2) + (v1 + v3))
    vec h = wasm_f32x4_add(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
    return wasm_f32x4_extract_lane(h, 0) + wasm_f32x4_extract_lane(h, 1);
}
static inline float vec_hmax(vec v) {
    vec h = wasm_f32x4_pmax(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
    float a = wasm_f32x4_extract_lane(h, 0), b = wasm_f32x4_extract_lane(h, 1);
    return b > a ? b : a;
}

#else
#include <stdint.h>
#include <string.h>

typedef struct {
    float v[4];
} vec;
#define SIMD_NAME "scalar"

static inline vec vec_load(const float* p) { vec r = {{p[0], p[1], p[2], p[3]}}; return r; }
static inline void vec_store(float* p, vec a) { p[0] = a.v[0]; p[1] = a.v[1]; p[2] = a.v[2]; p[3] = a.v[3]; }
static inline vec vec_splat(float x) { vec r = {{x, x, x, x}}; return r; }
#define VEC_LANEWISE(name, expr)                                        \
    static inline vec name(vec a, vec b) {                              \
        vec r;                                                          \
        for (int i = 0; i < 4; i++) r.v[i] = (expr);                    \
        return r;                                                       \
    }
VEC_LANEWISE(vec_add, a.v[i] + b.v[i])
VEC_LANEWISE(vec_sub, a.v[i] - b.v[i])
VEC_LANEWISE(vec_mul, a.v[i] * b.v[i])
VEC_LANEWISE(vec_max, a.v[i] < b.v[i] ? b.v[i] : a.v[i])  // pmax semantics
VEC_LANEWISE(vec_div, a.v[i] / b.v[i])
VEC_LANEWISE(vec_min, b.v[i] < a.v[i] ? b.v[i] : a.v[i])  // pmin semantics
#define VEC_MAP(name, expr)                                             \
    static inline vec name(vec a) {                                     \
        vec r;                                                          \
        for (int i = 0; i < 4; i++) r.v[i] = (expr);                    \
        return r;                                                       \
    }
VEC_MAP(vec_abs, fabsf(a.v[i]))
VEC_MAP(vec_neg, -a.v[i])
VEC_MAP(vec_floor, floorf(a.v[i]))
#undef VEC_MAP
// masks as in WASM: a lane of all ones (any NaN pattern) where true, zero where false
static inline float vec_mask_lane(int t) { uint32_t u = t ? 0xffffffffu : 0; float f; memcpy(&f, &u, 4); return f; }
static inline int vec_mask_set(float f) { uint32_t u; memcpy(&u, &f, 4); return u != 0; }
VEC_LANEWISE(vec_lt, vec_mask_lane(a.v[i] < b.v[i]))
VEC_LANEWISE(vec_ge, vec_mask_lane(a.v[i] >= b.v[i]))
VEC_LANEWISE(vec_eq, vec_mask_lane(a.v[i] == b.v[i]))
#undef VEC_LANEWISE
static inline int vec_count_true(vec mask) {
    return vec_mask_set(mask.v[0]) + vec_mask_set(mask.v[1]) + vec_mask_set(mask.v[2]) + vec_mask_set(mask.v[3]);
}
static inline void vec_to_int(int* out, vec v) {
    for (int i = 0; i < 4; i++) out[i] = (int)v.v[i];
}
static inline vec vec_select(vec mask, vec a, vec b) {
    vec r;
    for (int i = 0; i < 4; i++) r.v[i] = vec_mask_set(mask.v[i]) ? a.v[i] : b.v[i];
    return r;
}
static inline vec vec_exp2i(vec k) {
    vec r;
    for (int i = 0; i < 4; i++) {
        int32_t ki = k.v[i] == k.v[i] ? (int32_t)k.v[i] : 0;  // as i32x4.trunc_sat: NaN → 0
        uint32_t u = (uint32_t)(ki + 127) << 23;
        memcpy(&r.v[i], &u, 4);
    }
    return r;
}
static inline vec vec_madd(vec acc, vec a, vec b) { return vec_add(acc, vec_mul(a, b)); }
static inline float vec_sum(vec a) { return (a.v[0] + a.v[2]) + (a.v[1] + a.v[3]); }
static inline float vec_hmax(vec a) {
    float x = a.v[0] < a.v[2] ? a.v[2] : a.v[0], y = a.v[1] < a.v[3] ? a.v[3] : a.v[1];
    return y > x ? y : x;
}

#endif

// e^x, written once over the operations above, so the scalar and the SIMD
// build agree bit for bit (Cephes expf: x = k·ln2 + r, |r| ≤ ln2/2, degree-7
// polynomial, ~1 ulp). NaN stays NaN; below −87.3 the result is 0; above 88.7, +inf.
static inline vec vec_exp(vec x) {
    const vec hi = vec_splat(88.7228f), lo = vec_splat(-87.3365f);
    vec clamped = vec_max(vec_min(x, hi), lo);  // pmin/pmax keep a NaN in x
    vec k = vec_floor(vec_add(vec_mul(clamped, vec_splat(1.44269504088896341f)), vec_splat(0.5f)));
    vec r = vec_sub(clamped, vec_mul(k, vec_splat(0.693359375f)));
    r = vec_sub(r, vec_mul(k, vec_splat(-2.12194440e-4f)));
    vec p = vec_splat(1.9875691500e-4f);
    p = vec_madd(vec_splat(1.3981999507e-3f), p, r);
    p = vec_madd(vec_splat(8.3334519073e-3f), p, r);
    p = vec_madd(vec_splat(4.1665795894e-2f), p, r);
    p = vec_madd(vec_splat(1.6666665459e-1f), p, r);
    p = vec_madd(vec_splat(5.0000001201e-1f), p, r);
    p = vec_add(vec_madd(r, p, vec_mul(r, r)), vec_splat(1.0f));
    // 2^k in two factors so k = 128 (x near 88.7) does not overflow the exponent field
    vec half = vec_floor(vec_mul(k, vec_splat(0.5f)));
    vec e = vec_mul(vec_mul(p, vec_exp2i(half)), vec_exp2i(vec_sub(k, half)));
    e = vec_select(vec_lt(x, lo), vec_splat(0.0f), e);
    return vec_select(vec_lt(hi, x), vec_splat(INFINITY), e);
}

// σ(u) = 1/(1 + e^−u) from e^−|u| (never overflows; accurate in both tails)
static inline vec vec_sigmoid(vec u) {
    vec e = vec_exp(vec_neg(vec_abs(u)));
    vec one = vec_splat(1.0f);
    return vec_div(vec_select(vec_ge(u, vec_splat(0.0f)), one, e), vec_add(one, e));
}

// Lane 0: scalar tails run the vector code on one lane, so every element is
// computed identically however a loop splits.
static inline float vec_first(vec v) {
    float out[4];
    vec_store(out, v);
    return out[0];
}

#endif
