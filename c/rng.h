// rng.h — deterministic random numbers that are bit-identical in the native
// and the WASM build: integer splitmix64 and a normal deviate computed with
// +, −, ×, ÷ and sqrt only (all correctly rounded in IEEE 754), no libm.
#ifndef NORMSCOPE_RNG_H
#define NORMSCOPE_RNG_H

#include <stdint.h>

typedef struct {
    uint64_t state;
    double spare;   // the polar method makes deviates in pairs
    int has_spare;
} Rng;

Rng rng_for_tensor(uint64_t seed, const char* tensor_name);
uint64_t rng_next(Rng* r);
double rng_uniform(Rng* r);  // [0, 1), 53 random bits
double rng_normal(Rng* r);   // N(0, 1), Marsaglia polar method

#endif
