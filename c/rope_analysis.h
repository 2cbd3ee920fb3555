// rope_analysis.h — what RoPE does to scores, computed for the RoPE panel
// (Su et al. 2021, RoFormer). Everything here is in double: in float32 the
// angle m·θ_i loses digits by position ~4000 and the relative-position
// identity only holds to ~1e-5.
//
// Notation (DESIGN.md, Forward pass): head dim hd, pairs i = 0 … hd/2−1,
// θ_i = theta^(−2i/hd), pair i is (2i, 2i+1) when interleaved and
// (i, i+hd/2) when half; R_m rotates pair i by the angle m·θ_i.
#ifndef NORMSCOPE_ROPE_ANALYSIS_H
#define NORMSCOPE_ROPE_ANALYSIS_H

// θ_i = theta^(−2i/hd).
double rope_frequency(int i, int hd, double theta);

// The two components of pair i: (2i, 2i+1) interleaved, (i, i+hd/2) half.
void rope_pair_dims(int* a, int* b, int i, int hd, int half);

// out (hd) = R_position x, the same rotation the forward pass applies.
void rope_rotate(double* out, const float* x, int hd, double theta, int half, double position);

// out[Δ] = (R_0 q)·(R_Δ q) = Σ_i |q_pair_i|² cos(Δ·θ_i) for Δ = 0 … n−1:
// the score of a content vector against itself Δ positions away.
void rope_relative_scores(double* out, const float* q, int hd, double theta, int half, int n);

// out (n, n): s(m, k) = (R_m q)·(R_k q) for m, k < n, by rotating q to each
// position (rotated: scratch of n·hd doubles, left holding R_m q per row) and
// taking dot products — no shortcut, so a test can show that s depends on
// m − k only.
void rope_self_score_matrix(double* out, double* rotated, const float* q, int hd, double theta, int half, int n);

// RoFormer Eq. 37, the long-term decay of the score bound: for each distance
// m, (1/(hd/2)) Σ_{j=1}^{hd/2} |S_j| with S_j = Σ_{k=0}^{j−1} e^{i·m·θ_k}.
// hd = 128, theta = 10000: 32.50, 31.54, 17.95, 10.23, 4.47 at m = 0, 1, 10, 100, 1000.
void rope_decay_bound(double* out, int hd, double theta, const int* distances, int n);

// The distances the page plots the decay bound at: every integer 0 … 255,
// then 32 log-spaced steps per doubling up to ROPE_DECAY_MAX_DISTANCE
// (rounded, without repeats). Writes at most cap; returns how many.
#define ROPE_DECAY_MAX_DISTANCE 4096
#define ROPE_DECAY_MAX_POINTS 400
int rope_decay_distances(int* out, int cap);

#endif
