// simd.h — the one place that knows the instruction set. Kernels use only
// these 4-lane operations; with -msimd128 they are WASM SIMD, otherwise plain
// C on a 4-float struct. Both do the same operations in the same order (no
// fused multiply-add in either), so the scalar build is an exact reference
// for the SIMD build up to libm differences.
#ifndef NORMSCOPE_SIMD_H
#define NORMSCOPE_SIMD_H

#define VEC_WIDTH 4

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
#undef VEC_LANEWISE
static inline vec vec_madd(vec acc, vec a, vec b) { return vec_add(acc, vec_mul(a, b)); }
static inline float vec_sum(vec a) { return (a.v[0] + a.v[2]) + (a.v[1] + a.v[3]); }
static inline float vec_hmax(vec a) {
    float x = a.v[0] < a.v[2] ? a.v[2] : a.v[0], y = a.v[1] < a.v[3] ? a.v[3] : a.v[1];
    return y > x ? y : x;
}

#endif
#endif
