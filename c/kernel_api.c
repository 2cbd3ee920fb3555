// kernel_api.c — the kernels exported bare, for the benchmarks and for the
// page's "RMSNorm vs LayerNorm in your browser" timing. JS owns the buffers
// (ns_malloc) and the clock; each call runs a kernel `reps` times so the
// timing is not dominated by the call into WASM.
#include <stddef.h>

#include "kernels.h"
#include "simd.h"

#define EXPORT __attribute__((used, visibility("default")))

EXPORT size_t ns_packed_size(int rows, int cols) { return packed_size(rows, cols); }
EXPORT void ns_pack(float* panels, const float* w, int rows, int cols) { pack_matrix(panels, w, rows, cols); }

EXPORT void ns_kernel_matmul(float* out, const float* x, const float* panels, int T, int rows, int cols, int reps) {
    for (int r = 0; r < reps; r++) matmul(out, x, panels, T, rows, cols);
}

// scratch: 2·T floats (mean, divisor)
EXPORT void ns_kernel_layernorm(float* out, float* scratch, const float* x, const float* gamma, const float* beta,
                                int T, int d, int reps) {
    for (int r = 0; r < reps; r++) layernorm(out, NULL, scratch, scratch + T, x, gamma, beta, T, d, 1e-5f);
}

EXPORT void ns_kernel_rmsnorm(float* out, float* scratch, const float* x, const float* gamma, int T, int d, int reps) {
    for (int r = 0; r < reps; r++) rmsnorm(out, NULL, scratch, x, gamma, T, d, 1e-5f);
}

EXPORT void ns_kernel_softmax(float* out, const float* x, int rows, int n, int reps) {
    for (int r = 0; r < reps; r++)
        for (int i = 0; i < rows; i++) softmax(out + (size_t)i * n, x + (size_t)i * n, n);
}

// cos/sin: (T, hd/2); x, out: (T, hd)
EXPORT void ns_kernel_rope(float* out, const float* x, const float* cos_t, const float* sin_t, int T, int hd, int reps) {
    for (int r = 0; r < reps; r++)
        for (int t = 0; t < T; t++)
            rope(out + (size_t)t * hd, x + (size_t)t * hd, cos_t + (size_t)t * (hd / 2), sin_t + (size_t)t * (hd / 2), hd, 0);
}

// The roofline: independent multiply and add chains in registers, no
// memory. How many chains saturate both units depends on the engine's
// register allocation, so two widths are offered and the bench takes the
// faster. Counts 2 flops per lane per multiply–add pair, as matmul does.
// Returns a value that depends on every step, so nothing is optimized away.
#define DECLARE(i) vec m##i = vec_splat(1.0f + i * 1e-3f), a##i = vec_splat((float)i);
#define STEP(i) m##i = vec_mul(m##i, m), a##i = vec_add(a##i, c);
#define FOLD(i) total = vec_add(total, vec_add(m##i, a##i));
#define PEAK(name, CHAINS)                                      \
    EXPORT float name(int iterations) {                         \
        CHAINS(DECLARE)                                         \
        vec m = vec_splat(0.9999999f), c = vec_splat(1e-7f);    \
        for (int i = 0; i < iterations; i++) { CHAINS(STEP) }   \
        vec total = vec_splat(0.0f);                            \
        CHAINS(FOLD)                                            \
        return vec_sum(total);                                  \
    }
#define CHAINS6(X) X(0) X(1) X(2) X(3) X(4) X(5)
#define CHAINS8(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)
PEAK(ns_peak_madd6, CHAINS6)
PEAK(ns_peak_madd8, CHAINS8)
