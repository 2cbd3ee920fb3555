// rope_analysis.c — RoPE's effect on scores, in double (see rope_analysis.h).
#include "rope_analysis.h"

#include <math.h>
#include <stddef.h>

double rope_frequency(int i, int hd, double theta) { return pow(theta, -2.0 * i / hd); }

void rope_pair_dims(int* a, int* b, int i, int hd, int half) {
    *a = half ? i : 2 * i;
    *b = half ? i + hd / 2 : 2 * i + 1;
}

// (a, b) → (a cos − b sin, a sin + b cos), angle position·θ_i (kernels.c rope, in double)
void rope_rotate(double* out, const float* x, int hd, double theta, int half, double position) {
    for (int i = 0; i < hd / 2; i++) {
        int ia, ib;
        rope_pair_dims(&ia, &ib, i, hd, half);
        double angle = position * rope_frequency(i, hd, theta);
        double a = x[ia], b = x[ib], c = cos(angle), s = sin(angle);
        out[ia] = a * c - b * s;
        out[ib] = a * s + b * c;
    }
}

// (R_0 q)·(R_Δ q): each pair contributes |q_i|²·cos of the angle between
// the pair and its own copy turned by Δ·θ_i.
void rope_relative_scores(double* out, const float* q, int hd, double theta, int half, int n) {
    for (int delta = 0; delta < n; delta++) out[delta] = 0;
    for (int i = 0; i < hd / 2; i++) {
        int ia, ib;
        rope_pair_dims(&ia, &ib, i, hd, half);
        double power = (double)q[ia] * q[ia] + (double)q[ib] * q[ib], frequency = rope_frequency(i, hd, theta);
        for (int delta = 0; delta < n; delta++) out[delta] += power * cos(delta * frequency);
    }
}

void rope_self_score_matrix(double* out, double* rotated, const float* q, int hd, double theta, int half, int n) {
    for (int m = 0; m < n; m++) rope_rotate(rotated + (size_t)m * hd, q, hd, theta, half, m);
    for (int m = 0; m < n; m++)
        for (int k = 0; k < n; k++) {
            const double *x = rotated + (size_t)m * hd, *y = rotated + (size_t)k * hd;
            double dot = 0;
            for (int j = 0; j < hd; j++) dot += x[j] * y[j];
            out[(size_t)m * n + k] = dot;
        }
}

// RoFormer §3.4.3: by Abel summation, |Σ_j h_j e^{i m θ_j}| ≤ (max_j |h_{j+1} − h_j|) Σ_j |S_j|;
// the bound's shape is (1/(hd/2)) Σ |S_j| (Eq. 37, Figure 2).
void rope_decay_bound(double* out, int hd, double theta, const int* distances, int n) {
    int pairs = hd / 2;
    for (int at = 0; at < n; at++) {
        double m = distances[at], re = 0, im = 0, total = 0;
        for (int k = 0; k < pairs; k++) {
            double angle = m * rope_frequency(k, hd, theta);
            re += cos(angle), im += sin(angle);  // S_{k+1}
            total += sqrt(re * re + im * im);
        }
        out[at] = pairs ? total / pairs : 0;
    }
}

int rope_decay_distances(int* out, int cap) {
    int n = 0;
    for (int m = 0; m < 256 && n < cap; m++) out[n++] = m;
    // 32 steps per doubling from 256 to ROPE_DECAY_MAX_DISTANCE
    for (int step = 1; n < cap; step++) {
        int m = (int)lround(256.0 * pow(2.0, step / 32.0));
        if (m > ROPE_DECAY_MAX_DISTANCE) break;
        if (m > out[n - 1]) out[n++] = m;
    }
    return n;
}
