// checks.h — what a learner can verify on screen, computed from the probes
// of the last forward (DESIGN.md, "On-screen checks"): the claims the page
// makes hold for these numbers, or the badge says they do not.
#ifndef NORMSCOPE_CHECKS_H
#define NORMSCOPE_CHECKS_H

#include "model.h"

// name, tolerance
#define CHECKS(X) X(softmax_sum, 1e-4) X(norm_rms, 1e-4) X(norm_mean, 1e-4) X(rope_norm, 1e-5) X(rope_offset, 1e-5)

#define AS_ENUM(name, tolerance) CHECK_##name,
typedef enum { CHECKS(AS_ENUM) N_CHECKS } CheckId;
#undef AS_ENUM

extern const char* const CHECK_NAMES[N_CHECKS];

typedef struct {
    int applies;       // e.g. the RoPE checks need pos = rope
    double worst;      // the largest deviation found (NaN if any value was NaN)
    double tolerance;
    int ok;            // applies and worst ≤ tolerance
} Check;

void model_checks(const Model* m, Check out[N_CHECKS]);

#endif
