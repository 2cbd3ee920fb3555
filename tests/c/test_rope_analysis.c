// test_rope_analysis.c — the RoPE facts the panel shows (TEACHING.md, claim 12):
// the decay bound of RoFormer Eq. 37, scores that depend on m − n only, rotations
// that keep length, and the two pairings agreeing once q is permuted.
#include <math.h>
#include <stdlib.h>

#include "rng.h"
#include "rope_analysis.h"
#include "test.h"

// everything is double: identities hold to rounding of sums of ~hd terms
#define IDENTITY_RTOL 1e-9

static float* random_q(const char* name, int hd) {
    Rng rng = rng_for_tensor(11, name);
    float* q = malloc((size_t)hd * sizeof(float));
    for (int i = 0; i < hd; i++) q[i] = (float)rng_normal(&rng);
    return q;
}

static double dot(const double* x, const double* y, int n) {
    double s = 0;
    for (int i = 0; i < n; i++) s += x[i] * y[i];
    return s;
}

static double squared_norm(const float* x, int n) {
    double s = 0;
    for (int i = 0; i < n; i++) s += (double)x[i] * x[i];
    return s;
}

// TEACHING.md, "Numbers to check against": d = 128, base 10000.
static void test_decay_bound(void) {
    const int distances[] = {0, 1, 10, 100, 1000};
    const double want[] = {32.50, 31.54, 17.95, 10.23, 4.47};
    double got[5];
    rope_decay_bound(got, 128, 10000.0, distances, 5);
    for (int i = 0; i < 5; i++)
        CHECK_CLOSE(got[i], want[i], 0.005, 0, "RoFormer Eq. 37 decay bound at distance %d (hd 128, theta 1e4)", distances[i]);
    // it falls, but not monotonically: it oscillates on the way down
    int points[ROPE_DECAY_MAX_POINTS];
    int n = rope_decay_distances(points, ROPE_DECAY_MAX_POINTS);
    double* bound = malloc((size_t)n * sizeof(double));
    rope_decay_bound(bound, 128, 10000.0, points, n);
    int rises = 0;
    for (int i = 1; i < n; i++) rises += bound[i] > bound[i - 1];
    CHECK(rises > 0 && bound[n - 1] < bound[0] / 4, "decay bound should oscillate as it falls (%d rises, end %g)", rises,
          bound[n - 1]);
    free(bound);
    // the plotted distances: 0, 1, … increasing, ending at the maximum
    CHECK(n > 256 && n <= ROPE_DECAY_MAX_POINTS, "decay distances: %d points", n);
    CHECK(points[0] == 0 && points[255] == 255 && points[n - 1] == ROPE_DECAY_MAX_DISTANCE,
          "decay distances run 0 … %d (got %d … %d)", ROPE_DECAY_MAX_DISTANCE, points[0], points[n - 1]);
    int increasing = 1;
    for (int i = 1; i < n; i++) increasing &= points[i] > points[i - 1];
    CHECK(increasing, "decay distances must increase strictly");
}

// (R_{m+t} q)·(R_{n+t} q) = (R_m q)·(R_n q), far out too (t up to 4000).
static void test_relative_position(int hd, int half) {
    float* q = random_q(half ? "rope_q_half" : "rope_q_interleaved", hd);
    double norm2 = squared_norm(q, hd);
    const int N = 24;
    double* matrix = malloc((size_t)N * N * sizeof(double));
    double* rotated = malloc((size_t)N * hd * sizeof(double));
    double* scores = malloc((size_t)N * sizeof(double));
    rope_self_score_matrix(matrix, rotated, q, hd, 10000.0, half, N);
    rope_relative_scores(scores, q, hd, 10000.0, half, N);
    // every diagonal of the matrix is constant and equals the shortcut Σ|q_i|² cos(Δθ_i)
    int bad = 0;
    for (int m = 0; m < N && !bad; m++)
        for (int n = 0; n < N && !bad; n++) {
            double want = scores[abs(m - n)];
            if (!close_enough(matrix[m * N + n], want, IDENTITY_RTOL * norm2, IDENTITY_RTOL)) {
                CHECK(0, "hd %d %s: s(%d,%d) = %.12g but the score at offset %d is %.12g", hd, half ? "half" : "interleaved",
                      m, n, matrix[m * N + n], abs(m - n), want);
                bad = 1;
            }
        }
    if (!bad) CHECK(1, "diagonals");
    CHECK_CLOSE(scores[0], norm2, 0, IDENTITY_RTOL, "score at offset 0 is |q|² (hd %d)", hd);
    // shift both positions by t: same score
    double* x = malloc((size_t)hd * sizeof(double));
    double* y = malloc((size_t)hd * sizeof(double));
    const int pairs_mn[][2] = {{0, 0}, {3, 0}, {0, 7}, {5, 17}, {20, 2}};
    const int shifts[] = {1, 2, 13, 100, 1000, 4000};
    for (size_t p = 0; p < sizeof pairs_mn / sizeof pairs_mn[0]; p++)
        for (size_t s = 0; s < sizeof shifts / sizeof shifts[0]; s++) {
            int m = pairs_mn[p][0], n = pairs_mn[p][1], t = shifts[s];
            rope_rotate(x, q, hd, 10000.0, half, m + t);
            rope_rotate(y, q, hd, 10000.0, half, n + t);
            CHECK_CLOSE(dot(x, y, hd), matrix[m * N + n], IDENTITY_RTOL * norm2, IDENTITY_RTOL,
                        "hd %d %s: s(%d+%d, %d+%d) must equal s(%d, %d)", hd, half ? "half" : "interleaved", m, t, n, t, m, n);
        }
    // a rotation keeps length: |R_m q| = |q|
    const double positions[] = {0, 1, 7, 127, 1023, 4095, 1e6};
    for (size_t p = 0; p < sizeof positions / sizeof positions[0]; p++) {
        rope_rotate(x, q, hd, 10000.0, half, positions[p]);
        CHECK_CLOSE(sqrt(dot(x, x, hd)), sqrt(norm2), 0, IDENTITY_RTOL, "|R_m q| = |q| at m = %g (hd %d)", positions[p], hd);
    }
    free(q), free(matrix), free(rotated), free(scores), free(x), free(y);
}

// Half pairing on q' with q'[i] = q[2i], q'[i + hd/2] = q[2i+1] is interleaved
// pairing on q: the permutation Hugging Face's LLaMA conversion applies to W_q.
static void test_pairings_agree(int hd) {
    float* q = random_q("rope_q_pairing", hd);
    float* permuted = malloc((size_t)hd * sizeof(float));
    for (int i = 0; i < hd / 2; i++) permuted[i] = q[2 * i], permuted[i + hd / 2] = q[2 * i + 1];
    const int n = 300;
    double* a = malloc(n * sizeof(double));
    double* b = malloc(n * sizeof(double));
    rope_relative_scores(a, q, hd, 10000.0, 0, n);
    rope_relative_scores(b, permuted, hd, 10000.0, 1, n);
    double norm2 = squared_norm(q, hd);
    int bad = 0;
    for (int d = 0; d < n && !bad; d++)
        if (!close_enough(b[d], a[d], IDENTITY_RTOL * norm2, IDENTITY_RTOL)) {
            CHECK(0, "hd %d: half pairing on permuted q gives %.12g at offset %d, interleaved %.12g", hd, b[d], d, a[d]);
            bad = 1;
        }
    if (!bad) CHECK(1, "pairings agree");
    // and the unpermuted q generally does not: the pairing matters
    rope_relative_scores(b, q, hd, 10000.0, 1, n);
    double differs = 0;
    for (int d = 0; d < n; d++) differs = fmax(differs, fabs(b[d] - a[d]));
    if (hd > 2) CHECK(differs > 1e-3 * norm2, "hd %d: half and interleaved pairing of the same q should differ", hd);
    // the rotated vectors themselves are the same up to the permutation
    double* x = malloc((size_t)hd * sizeof(double));
    double* y = malloc((size_t)hd * sizeof(double));
    rope_rotate(x, q, hd, 10000.0, 0, 37);
    rope_rotate(y, permuted, hd, 10000.0, 1, 37);
    for (int i = 0; i < hd / 2; i++) {
        CHECK_CLOSE(y[i], x[2 * i], 1e-12, 0, "hd %d: rotated pair %d, first component", hd, i);
        CHECK_CLOSE(y[i + hd / 2], x[2 * i + 1], 1e-12, 0, "hd %d: rotated pair %d, second component", hd, i);
    }
    free(q), free(permuted), free(a), free(b), free(x), free(y);
}

void test_rope_analysis(void) {
    int before = test_checks;
    test_decay_bound();
    const int head_dims[] = {2, 8, 16, 64, 128};
    for (size_t i = 0; i < sizeof head_dims / sizeof head_dims[0]; i++) {
        test_relative_position(head_dims[i], 0);
        test_relative_position(head_dims[i], 1);
        test_pairings_agree(head_dims[i]);
    }
    printf("rope analysis (%d checks)\n", test_checks - before);
}
