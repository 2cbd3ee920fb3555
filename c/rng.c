// rng.c — splitmix64 (Steele, Lea, Flood 2014) and Marsaglia's polar method.
#include "rng.h"

#include <math.h>
#include <string.h>

Rng rng_for_tensor(uint64_t seed, const char* tensor_name) {
    uint64_t h = 1469598103934665603ull;  // FNV-1a: each tensor has its own stream
    for (const char* p = tensor_name; *p; p++) h = (h ^ (uint8_t)*p) * 1099511628211ull;
    Rng r = {seed ^ h, 0.0, 0};
    return r;
}

uint64_t rng_next(Rng* r) {
    uint64_t z = (r->state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

double rng_uniform(Rng* r) { return (double)(rng_next(r) >> 11) * 0x1.0p-53; }

// Natural log for x in (0, 1]: x = m·2^e with m in [√½, √2), then
// ln m = 2·atanh(s) = 2(s + s³/3 + s⁵/5 + …), s = (m−1)/(m+1), |s| < 0.1716,
// in Horner form to s^25 (error < 1e-19). Only +, × and one ÷: exact IEEE.
static double plain_log(double x) {
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    int e = (int)((bits >> 52) & 0x7ff) - 1023;
    bits = (bits & 0x000fffffffffffffull) | 0x3ff0000000000000ull;
    double m;
    memcpy(&m, &bits, sizeof m);
    if (m > 1.4142135623730951) { m *= 0.5; e += 1; }
    double s = (m - 1.0) / (m + 1.0), s2 = s * s, poly = 1.0 / 25;
    for (int k = 23; k >= 1; k -= 2) poly = poly * s2 + 1.0 / k;  // 1/k folds to a constant
    return 2.0 * s * poly + e * 0.69314718055994530942;
}

double rng_normal(Rng* r) {
    if (r->has_spare) {
        r->has_spare = 0;
        return r->spare;
    }
    for (;;) {
        double u = 2.0 * rng_uniform(r) - 1.0, v = 2.0 * rng_uniform(r) - 1.0;
        double s = u * u + v * v;
        // u, v are multiples of 2^-52, so s = 0 or s >= 2^-104: never subnormal
        if (s >= 1.0 || s == 0.0) continue;
        double f = sqrt(-2.0 * plain_log(s) / s);
        r->spare = v * f;
        r->has_spare = 1;
        return u * f;
    }
}
