// test_deeper.c — interventions, the logit lens, outliers and the checks:
// the parts the numpy grid cannot see (the pick grammar, the checks failing
// on purpose, the baseline equal to a plain run bit for bit).
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "model.h"
#include "test.h"

static const uint8_t TEXT[] = "Deeper: lens, branches, checks.";
#define T_TEXT ((int)sizeof TEXT - 1)

static Config config_with(const char* const* pairs) {
    Config c;
    config_defaults(&c);
    c.n_layers = 3, c.d_model = 32, c.n_heads = 4, c.d_ff = 0;
    for (const char* const* p = pairs; p && *p; p += 2) {
        Status s = config_set(&c, p[0], p[1]);
        CHECK(s.ok, "config_set %s=%s: %s", p[0], p[1], s.message);
    }
    Status s = config_validate(&c);
    CHECK(s.ok, "validate: %s", s.message);
    return c;
}

static void run(Model* m, const Config* c) {
    Status s = model_configure(m, c);
    if (s.ok) s = model_forward(m, TEXT, T_TEXT);
    CHECK(s.ok, "forward: %s", s.message);
}

static float* probe(Model* m, ProbeId id, int i0, int i1) { return probe_at(m->probe_block, &m->layout, id, i0, i1); }

static void test_pick_grammar(void) {
    struct { const char* field; const char* value; int ok; const char* back; } cases[] = {
        {"skip_layer", "none", 1, "none"}, {"skip_layer", "2", 1, "2"}, {"skip_layer", "02", 1, "2"},
        {"skip_layer", "-1", 0, 0}, {"skip_layer", "2.0", 0, 0}, {"skip_layer", "", 0, 0}, {"skip_layer", " 2", 0, 0},
        {"skip_layer", "1000", 0, 0}, {"skip_layer", "x", 0, 0},
        {"zero_head", "1.3", 1, "1.3"}, {"zero_head", "none", 1, "none"}, {"zero_head", "1", 0, 0},
        {"zero_head", "1.", 0, 0}, {"zero_head", ".1", 0, 0}, {"zero_head", "1.-1", 0, 0}, {"zero_head", "1.3.2", 0, 0},
        {"zero_head", "1.attn_norm", 0, 0},
        {"remove_norm", "0.attn_norm", 1, "0.attn_norm"}, {"remove_norm", "2.ffn_norm", 1, "2.ffn_norm"},
        {"remove_norm", "final_norm", 1, "final_norm"}, {"remove_norm", "1.final_norm", 0, 0},
        {"remove_norm", "attn_norm", 0, 0}, {"remove_norm", "1.ffn", 0, 0}, {"remove_norm", "1.0", 0, 0},
        {"residual_scale", "0", 1, "0"}, {"residual_scale", "1.861", 1, "1.861"}, {"residual_scale", "100", 1, "100"},
        {"residual_scale", "-0.5", 0, 0}, {"residual_scale", "101", 0, 0}, {"residual_scale", "inf", 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Config c;
        config_defaults(&c);
        Status s = config_set(&c, cases[i].field, cases[i].value);
        CHECK(s.ok == cases[i].ok, "%s=\"%s\": ok %d, want %d (%s)", cases[i].field, cases[i].value, s.ok, cases[i].ok, s.message);
        if (!s.ok) {
            CHECK(strstr(s.message, cases[i].field) != NULL, "the message names the field: %s", s.message);
            continue;
        }
        char back[64];
        config_get(&c, config_field(cases[i].field), back, sizeof back);
        CHECK(strcmp(back, cases[i].back) == 0, "%s=\"%s\" reads back as %s, want %s", cases[i].field, cases[i].value, back, cases[i].back);
    }
    // the ranges that depend on the model's shape
    const char* const too_far[][2] = {{"skip_layer", "3"}, {"zero_head", "3.0"}, {"zero_head", "0.4"}, {"remove_norm", "3.attn_norm"}};
    for (int i = 0; i < 4; i++) {
        Config c = config_with(NULL);
        CHECK(config_set(&c, too_far[i][0], too_far[i][1]).ok, "set");
        Status s = config_validate(&c);
        CHECK(!s.ok && strstr(s.message, too_far[i][0]), "%s=%s refused for 3 layers, 4 heads: %s", too_far[i][0], too_far[i][1], s.message);
    }
    Config post = config_with((const char* const[]){"placement", "post", NULL});
    config_set(&post, "remove_norm", "final_norm");
    CHECK(!config_validate(&post).ok, "post-norm has no final norm to remove");
}

// A forward with interventions keeps the plain run's stats and prediction, bit for bit.
static void test_baseline(void) {
    Model plain, cut;
    model_init(&plain), model_init(&cut);
    Config c = config_with(NULL);
    run(&plain, &c);
    Config i = config_with((const char* const[]){"skip_layer", "1", "zero_head", "0.2", "residual_scale", "0.5", NULL});
    run(&cut, &i);
    CHECK(plain.layout.arrays[PROBE_baseline_probs].size == 0, "no intervention: no baseline");
    CHECK(memcmp(probe(&cut, PROBE_baseline_site_stats, 0, 0), probe(&plain, PROBE_site_stats, 0, 0),
                 plain.layout.arrays[PROBE_site_stats].size * sizeof(float)) == 0, "baseline site stats = the plain run's");
    CHECK(memcmp(probe(&cut, PROBE_baseline_probs, 0, 0), probe(&plain, PROBE_probs, 0, 0), VOCAB * sizeof(float)) == 0,
          "baseline probs = the plain run's");
    CHECK(memcmp(probe(&cut, PROBE_probs, 0, 0), probe(&plain, PROBE_probs, 0, 0), VOCAB * sizeof(float)) != 0,
          "the intervention changes the prediction");
    // skip: block 1's output is its input
    size_t td = (size_t)T_TEXT * c.d_model;
    CHECK(memcmp(probe(&cut, PROBE_stream, 2, 0), probe(&cut, PROBE_stream, 1, 0), td * sizeof(float)) == 0,
          "skip_layer 1: stream after block 1 = its input");
    Status s = model_gradients(&cut, TEXT, T_TEXT);
    CHECK(!s.ok && strstr(s.message, "skip_layer"), "gradients refuse an intervention, naming it: %s", s.message);
    model_release(&plain), model_release(&cut);
}

static void test_lens(void) {
    const char* const* configs[] = {
        NULL, (const char* const[]){"placement", "post", NULL}, (const char* const[]){"norm", "rmsnorm", NULL},
        (const char* const[]){"remove_norm", "final_norm", NULL}, (const char* const[]){"norm", "none", NULL},
    };
    for (int k = 0; k < 5; k++) {
        Model m;
        model_init(&m);
        Config c = config_with(configs[k]);
        run(&m, &c);
        CHECK(model_lens(&m).ok, "lens");
        int final = probes_final_path(&c), L = c.n_layers;
        CHECK((m.layout.arrays[PROBE_lens_raw_top].size > 0) == final, "a raw reading exactly when there is a final norm");
        // the last row is the model's own prediction at every position
        const float* logits = probe(&m, PROBE_logits, 0, 0);
        for (int t = 0; t < T_TEXT; t++) {
            int best = 0;
            for (int v = 1; v < VOCAB; v++) best = logits[t * VOCAB + v] > logits[t * VOCAB + best] ? v : best;
            CHECK((int)probe(&m, PROBE_lens_top, L, 0)[t] == best, "config %d token %d: lens %g, model %d", k, t,
                  probe(&m, PROBE_lens_top, L, 0)[t], best);
        }
        CHECK_CLOSE(probe(&m, PROBE_lens_prob, L, 0)[T_TEXT - 1],
                    probe(&m, PROBE_probs, 0, 0)[(int)probe(&m, PROBE_lens_top, L, 0)[T_TEXT - 1]], 1e-7, 1e-5,
                    "config %d: the last token's lens probability is the model's", k);
        model_release(&m);
    }
}

static void test_outliers(void) {
    Model m;
    model_init(&m);
    Config c = config_with(NULL);
    run(&m, &c);
    CHECK(model_outliers(&m).ok, "outliers");
    for (int l = 0; l < c.n_layers; l++)
        CHECK(probe(&m, PROBE_outliers, l, 0)[2] < OUTLIER_RATIO, "random init: no massive channel in layer %d", l);
    // plant one: channel 7 of every byte's embedding, far above the rest
    for (int b = 0; b < VOCAB; b++) m.w.tok_embeddings[(size_t)b * c.d_model + 7] = 50.0f;
    m.weights_from_file = 1;
    CHECK(model_forward(&m, TEXT, T_TEXT).ok && model_outliers(&m).ok, "forward");
    for (int l = 0; l < c.n_layers; l++) {
        const float* top = probe(&m, PROBE_outliers, l, 0);
        CHECK((int)top[0] == 7 && top[2] >= OUTLIER_RATIO, "layer %d: channel 7 flagged first (got %g, ratio %g)", l, top[0], top[2]);
        for (int k = 1; k < OUTLIER_TOP; k++) CHECK(top[3 * k + 1] <= top[3 * (k - 1) + 1], "largest first");
    }
    model_release(&m);
}

static void test_badges(void) {
    Model m;
    model_init(&m);
    Config c = config_with(NULL);
    run(&m, &c);
    Check checks[N_CHECKS];
    model_checks(&m, checks);
    for (int i = 0; i < N_CHECKS; i++)
        CHECK(checks[i].applies && checks[i].ok, "default model: %s ok (worst %g)", CHECK_NAMES[i], checks[i].worst);
    // each check fails when its claim is broken in the probes
    struct { ProbeId id; int i0, i1; size_t at; CheckId check; } breaks[] = {
        {PROBE_attn_probs, 1, 2, 5 * T_TEXT + 3, CHECK_softmax_sum},
        {PROBE_norm_normalized, 2, 1, 40, CHECK_norm_rms},
        {PROBE_attn_q_rot, 0, 0, 9, CHECK_rope_norm},
        {PROBE_attn_k_rot, 2, 0, (size_t)3 * c.d_model + 1, CHECK_rope_offset},
    };
    for (int b = 0; b < 4; b++) {
        float* at = probe(&m, breaks[b].id, breaks[b].i0, breaks[b].i1) + breaks[b].at;
        float kept = *at;
        *at += 0.25f;
        model_checks(&m, checks);
        CHECK(!checks[breaks[b].check].ok, "a broken %s is caught (worst %g)", CHECK_NAMES[breaks[b].check], checks[breaks[b].check].worst);
        *at = kept;
    }
    // the mean: shift one normalized row by a constant (its rms barely moves, its mean does)
    float* row = probe(&m, PROBE_norm_normalized, 0, 0);
    for (int i = 0; i < c.d_model; i++) row[i] += 0.01f;
    model_checks(&m, checks);
    CHECK(!checks[CHECK_norm_mean].ok, "a shifted mean is caught (worst %g)", checks[CHECK_norm_mean].worst);
    // NaN weights: every check that applies fails, and nothing crashes
    for (size_t i = 0; i < m.weight_floats; i++) m.weight_block[i] = NAN;
    m.weights_from_file = 1;
    CHECK(model_forward(&m, TEXT, T_TEXT).ok && model_lens(&m).ok, "NaN weights still run");
    model_checks(&m, checks);
    for (int i = 0; i < N_CHECKS; i++)
        CHECK(checks[i].applies && !checks[i].ok, "NaN weights: %s fails (worst %g)", CHECK_NAMES[i], checks[i].worst);
    model_release(&m);
    // what does not apply is not ok and not failed
    Model r;
    model_init(&r);
    Config rms = config_with((const char* const[]){"norm", "rmsnorm", "pos", "learned", NULL});
    run(&r, &rms);
    model_checks(&r, checks);
    CHECK(checks[CHECK_norm_rms].applies && checks[CHECK_norm_rms].ok, "RMSNorm: rms check ok");
    CHECK(!checks[CHECK_norm_mean].applies && !checks[CHECK_rope_norm].applies && !checks[CHECK_rope_offset].applies,
          "RMSNorm + learned positions: mean and RoPE checks do not apply");
    model_release(&r);
}

void test_deeper(void) {
    test_pick_grammar();
    test_baseline();
    test_lens();
    test_outliers();
    test_badges();
    printf("deeper: interventions, lens, outliers, checks\n");
}
