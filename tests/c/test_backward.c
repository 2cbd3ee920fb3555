// test_backward.c — every gradient of every configuration against central
// finite differences of the loss, and each backward kernel against its
// definition in double.
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "model.h"
#include "test.h"

static const char* const GRAD_TEXT = "ab, a\xc3\xa9!";

// The loss the backward differentiates, recomputed here in double from the logits.
static double loss_from_logits(Model* m) {
    const float* logits = probe_at(m->probe_block, &m->layout, PROBE_logits, 0, 0);
    const float* tokens = probe_at(m->probe_block, &m->layout, PROBE_tokens, 0, 0);
    double total = 0;
    for (int t = 0; t + 1 < m->T; t++) {
        const float* row = logits + (size_t)t * VOCAB;
        double max = -INFINITY, sum = 0;
        for (int v = 0; v < VOCAB; v++) max = row[v] > max ? row[v] : max;
        for (int v = 0; v < VOCAB; v++) sum += exp(row[v] - max);
        total += log(sum) + max - row[(int)tokens[t + 1]];
    }
    return total / (m->T - 1);
}

static double loss_at(Model* m, const uint8_t* text, int T) {
    Status s = model_forward(m, text, T);
    return s.ok ? loss_from_logits(m) : NAN;
}

typedef struct {
    double error;  // ‖fd − grad‖ / ‖grad‖ over the elements checked
    int checked;
} FdResult;

// Central differences, Richardson-extrapolated ((4·D(ε/2) − D(ε))/3 cancels
// the ε² term, leaving float32 rounding), on up to 16 elements of one tensor
// spread over it, against grad (the backward's result as a row-major copy).
static double difference(Model* m, float* at, const uint8_t* text, int T, float eps) {
    float keep = *at;
    *at = keep + eps;
    double up = loss_at(m, text, T);
    *at = keep - eps;
    double down = loss_at(m, text, T);
    *at = keep;
    return (up - down) / (2.0 * eps);
}

static FdResult check_tensor(Model* m, const TensorInfo* info, const float* grad, const uint8_t* text, int T) {
    FdResult r = {0, 0};
    float* data = *info->slot;
    double diff_sq = 0, grad_sq = 0;
    int n = info->rows * info->cols, step = n / 16 > 0 ? n / 16 : 1;
    const float eps = 1e-2f;
    for (int k = (n * 7 / 11) % step; k < n; k += step) {
        int row = k / info->cols, col = k % info->cols;
        if (info->rows == VOCAB && info->ndim == 2 && info->cols == m->config.d_model && !info->packed)
            row = text[(k / step) % T];  // embedding rows the text uses (the others are 0)
        if (info->rows > VOCAB) row %= T;  // learned positions the text reaches
        size_t at = info->packed ? packed_index(row, col, info->cols) : (size_t)row * info->cols + col;
        double fd = (4 * difference(m, data + at, text, T, eps / 2) - difference(m, data + at, text, T, eps)) / 3;
        double g = grad[(size_t)row * info->cols + col];
        diff_sq += (fd - g) * (fd - g);
        grad_sq += g * g;
        r.checked++;
    }
    // float32 loss rounding puts ~2e-5 of noise on each difference: below a norm of
    // 1e-2 over 16 elements the check becomes absolute (1e-4)
    r.error = sqrt(diff_sq) / fmax(sqrt(grad_sq), 1e-2);
    return r;
}

// fd = 0: only the backward itself (the sanitizer run: every path, no differences).
// shape: NULL-terminated name/value pairs over the tiny default (odd shapes).
static void check_config(const char* norm, const char* placement, const char* activation, const char* pos,
                         const char* pairing, const char* residual, int fd, int* elements, const char* const* shape,
                         const char* text_chars) {
    Model m;
    model_init(&m);
    Config c;
    config_defaults(&c);
    const char* fields[][2] = {{"n_layers", "2"}, {"d_model", "8"}, {"n_heads", "2"}, {"d_ff", "12"},
                               {"max_tokens", "12"}, {"init_std", "0.3"}, {"norm", norm}, {"placement", placement},
                               {"activation", activation}, {"pos", pos}, {"rope_pairing", pairing},
                               {"residual", residual}, {"seed", "7"}};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) config_set(&c, fields[i][0], fields[i][1]);
    for (int i = 0; shape && shape[i]; i += 2) CHECK(config_set(&c, shape[i], shape[i + 1]).ok, "%s", shape[i]);
    const uint8_t* text = (const uint8_t*)text_chars;
    int T = (int)strlen(text_chars);
    Status s = model_configure(&m, &c);
    if (s.ok) s = model_gradients(&m, text, T);
    CHECK(s.ok, "%s/%s/%s/%s/%s/residual=%s: %s", norm, placement, activation, pos, pairing, residual, s.message);
    if (!s.ok) { model_release(&m); return; }
    double loss = m.loss;
    size_t floats = m.weight_floats;
    float* grads = malloc(floats * sizeof(float));  // row-major copies: the backward's result
    float* next = grads;
    for (int i = 0; i < m.n_tensors; i++) {
        const TensorInfo* info = &m.tensors[i];
        const float* g = grad_of(&m, *info->slot);
        for (int r = 0; r < info->rows; r++)
            for (int k = 0; k < info->cols; k++)
                next[(size_t)r * info->cols + k] = g[info->packed ? packed_index(r, k, info->cols) : (size_t)r * info->cols + k];
        next += (size_t)info->rows * info->cols;
    }
    CHECK_CLOSE(loss_at(&m, text, T), loss, 0, 1e-6, "loss %s/%s/%s/%s", norm, placement, activation, pos);
    next = grads;
    for (int i = 0; i < m.n_tensors && fd; i++) {
        const TensorInfo* info = &m.tensors[i];
        FdResult r = check_tensor(&m, info, next, text, T);
        *elements += r.checked;
        // A ReLU unit near its kink makes a difference over ±ε meaningless; ReLU is
        // held to 2e-3 in float64 by tests/reference/check_grad.py, which can avoid kinks.
        double tolerance = strcmp(activation, "relu") ? 1e-2 : 0.5;
        CHECK(r.error < tolerance, "%s: |fd - grad| = %.3g |grad| (%s/%s/%s/%s/%s/residual=%s)",
              info->name, r.error, norm, placement, activation, pos, pairing, residual);
        next += (size_t)info->rows * info->cols;
    }
    free(grads);
    model_release(&m);
}

static void test_model_gradients(void) {
    const char* norms[] = {"layernorm", "rmsnorm", "none"};
    const char* placements[] = {"pre", "post"};
    const char* activations[] = {"gelu", "relu", "swiglu"};
    const char* positions[][2] = {{"rope", "interleaved"}, {"rope", "half"}, {"sinusoidal", "interleaved"},
                                  {"learned", "interleaved"}, {"none", "interleaved"}};
    const char* residuals[] = {"on", "off"};
    // NORMSCOPE_TEST_QUICK (the sanitizer build): differences on every 9th config only
    int quick = getenv("NORMSCOPE_TEST_QUICK") != NULL, elements = 0, configs = 0;
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 2; b++)
            for (int c = 0; c < 3; c++)
                for (int d = 0; d < 5; d++)
                    for (int e = 0; e < 2; e++, configs++)
                        check_config(norms[a], placements[b], activations[c], positions[d][0], positions[d][1],
                                     residuals[e], !quick || configs % 9 == 0, &elements, NULL, GRAD_TEXT);
    // Odd shapes: the backward's scratch is sized by the largest of its
    // matrices, which differs with d against d_ff and 256; d not a multiple
    // of 8 or 4, one head, head dim 1 or 2, T = 2 and T = max_tokens.
    static const char* const shapes[][12] = {
        {"d_model", "12", "n_heads", "2", NULL},
        {"d_model", "300", "d_ff", "64", "n_heads", "3", "init", "xavier", NULL},  // std 0.3 would saturate at d = 300
        {"d_model", "264", "d_ff", "8", "n_heads", "4", "n_layers", "1", "init", "xavier", NULL},
        {"d_model", "10", "n_heads", "5", "d_ff", "9", NULL},
        {"d_model", "12", "n_heads", "1", "max_tokens", "9", NULL},
    };
    static const char* const texts[] = {"ab", "abc", "a\xff" "b", "xyz!", "123456789"};
    static const char* const positions_odd[][2] = {{"rope", "half"}, {"rope", "interleaved"}, {"learned", "interleaved"},
                                                   {"none", "interleaved"}, {"learned", "interleaved"}};
    for (int k = 0; k < 5; k++, configs++)
        check_config(k % 2 ? "rmsnorm" : "layernorm", k % 3 ? "pre" : "post", k == 3 ? "swiglu" : "gelu",
                     positions_odd[k][0], positions_odd[k][1], "on", k != 1, &elements, shapes[k], texts[k]);
    // (d = 300's wq/wk gradients sit near float32's difference noise: check_grad.py holds it in float64)
    printf("gradients: %d configs, %d elements against finite differences\n", configs, elements);
}

// Both halves of the matmul's backward on odd shapes (partial panels, a
// column tail, T not a multiple of 4) against sums in double.
static void test_matmul_backward(void) {
    int shapes[][3] = {{1, 1, 1}, {3, 9, 5}, {7, 8, 4}, {13, 17, 11}, {4, 256, 8}, {9, 12, 64}};
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
        int T = shapes[k][0], rows = shapes[k][1], cols = shapes[k][2];
        float* w = malloc((size_t)rows * cols * sizeof(float));
        float* panels = malloc(packed_size(rows, cols) * sizeof(float));
        float* panels_t = malloc(packed_size(cols, rows) * sizeof(float));
        float* grad = malloc(packed_size(rows, cols) * sizeof(float));
        float* x = malloc((size_t)T * cols * sizeof(float)), *dy = malloc((size_t)T * rows * sizeof(float));
        float* dx = malloc((size_t)T * cols * sizeof(float));
        float* scratch = malloc(matmul_weight_grad_scratch(T, rows, cols) * sizeof(float));
        for (int i = 0; i < rows * cols; i++) w[i] = (float)((i * 37 % 101) - 50) / 50.0f;
        for (int i = 0; i < T * cols; i++) x[i] = (float)((i * 53 % 89) - 44) / 30.0f;
        for (int i = 0; i < T * rows; i++) dy[i] = (float)((i * 29 % 97) - 48) / 40.0f;
        pack_matrix(panels, w, rows, cols);
        pack_transposed(panels_t, panels, rows, cols);
        matmul(dx, dy, panels_t, T, cols, rows);
        matmul_weight_grad(grad, dy, x, T, rows, cols, scratch);
        for (int t = 0; t < T; t++)
            for (int c = 0; c < cols; c++) {
                double want = 0;
                for (int r = 0; r < rows; r++) want += (double)dy[t * rows + r] * w[r * cols + c];
                CHECK_CLOSE(dx[t * cols + c], want, 1e-4, 1e-5, "dx[%d][%d] of %dx%dx%d", t, c, T, rows, cols);
            }
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) {
                double want = 0;
                for (int t = 0; t < T; t++) want += (double)dy[t * rows + r] * x[t * cols + c];
                CHECK_CLOSE(grad[packed_index(r, c, cols)], want, 1e-4, 1e-5, "dw[%d][%d] of %dx%dx%d", r, c, T, rows,
                            cols);
            }
        int padding_zero = 1;  // rows past the last real one stay 0, so norms over the panels are exact
        for (int r = rows; r < (rows + PANEL - 1) / PANEL * PANEL; r++)
            for (int c = 0; c < cols; c++) padding_zero &= grad[packed_index(r, c, cols)] == 0.0f;
        CHECK(padding_zero, "gradient padding rows of %dx%d are not 0", rows, cols);
        free(w), free(panels), free(panels_t), free(grad), free(x), free(dy), free(dx), free(scratch);
    }
}

// A refused gradient run says why and leaves the model usable.
static void test_gradient_refusals(void) {
    Model m;
    model_init(&m);
    Config c;
    config_defaults(&c);
    model_configure(&m, &c);
    Status s = model_gradients(&m, (const uint8_t*)"a", 1);
    CHECK(!s.ok && strstr(s.message, "at least 2 bytes"), "a 1-byte text: %s", s.message);
    s = model_backward(&m);
    CHECK(!s.ok, "backward with no forward for gradients");
    s = model_forward(&m, (const uint8_t*)"abc", 3);
    CHECK(s.ok && !m.has_grad, "a plain forward after a refused gradient run");
    s = model_backward(&m);
    CHECK(!s.ok && strstr(s.message, "no forward"), "backward after a plain forward: %s", s.message);
    s = model_gradients(&m, (const uint8_t*)"abc", 3);
    CHECK(s.ok && m.has_grad && isfinite(m.loss), "gradients after all that: %s", s.message);
    model_release(&m);
}

void test_backward(void) {
    test_matmul_backward();
    test_gradient_refusals();
    test_model_gradients();
}
