// test_train.c — the training core under the sanitizers: every task at every
// length keeps to its bounds and scores only its answer; AdamW matches its
// definition on one step; a training checkpoint round-trips and a bad one is
// refused with a message.
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "test.h"
#include "train.h"

static void test_tasks(void) {
    const uint8_t text[] = "a short text";
    Rng rng = rng_for_tensor(3, "tasks");
    Example e;
    for (int kind = TASK_TEXT; kind <= TASK_INDUCTION; kind++)
        for (int seq = task_min_len((TaskKind)kind); seq <= 80; seq++)
            for (int draw = 0; draw < 20; draw++) {
                Status s = task_example(&e, (TaskKind)kind, &rng, seq, text, (int)sizeof text - 1);
                CHECK(s.ok, "task %d seq %d: %s", kind, seq, s.message);
                CHECK(e.len >= 2 && e.len <= seq, "task %d seq %d: length %d", kind, seq, e.len);
                int scored = 0;
                for (int t = 0; t < e.len; t++) scored += e.mask[t] != 0;
                CHECK(scored >= 1 && e.mask[e.len - 1] == 0, "task %d seq %d: %d scored, last %g", kind, seq, scored,
                      e.mask[e.len - 1]);
            }
    Status s = task_example(&e, TASK_COPY, &rng, 4, text, 12);
    CHECK(!s.ok && strstr(s.message, "seq_len must be at least 5"), "copy at seq_len 4: %s", s.message);
    s = task_example(&e, TASK_TEXT, &rng, 16, text, 1);
    CHECK(!s.ok && strstr(s.message, "at least 2 bytes"), "text of 1 byte: %s", s.message);
}

// One step by hand: torch.optim.AdamW's update of the first weight.
static void test_adamw_step(void) {
    Model m;
    model_init(&m);
    Config c;
    config_defaults(&c);
    config_set(&c, "n_layers", "1"), config_set(&c, "d_model", "8"), config_set(&c, "n_heads", "2");
    model_configure(&m, &c);
    Trainer t;
    trainer_init(&t);
    TrainConfig tc;
    train_defaults(&tc);
    field_set(&tc, train_field("lr"), "0.01");
    field_set(&tc, train_field("warmup"), "0");
    field_set(&tc, train_field("weight_decay"), "0.1");
    field_set(&tc, train_field("grad_clip"), "0");
    field_set(&tc, train_field("batch_size"), "1");
    field_set(&tc, train_field("seq_len"), "8");
    CHECK(trainer_start(&t, &m, &tc, NULL, 0).ok, "start");
    float* w = m.w.layers[0].wq;  // a matrix: decayed
    float before = w[3];
    CHECK(trainer_step(&t, &m).ok, "step");
    float g = t.grad_sum[w + 3 - m.weight_block];
    // step 1: m̂ = g, v̂ = g², so the update is lr·g/(|g| + ε) after the decay
    double want = before * (1 - 0.01 * 0.1) - 0.01 * g / (fabs(g) + 1e-8);
    CHECK_CLOSE(w[3], want, 1e-7, 1e-6, "AdamW step 1 on wq[3] (g = %g)", g);
    float* gamma = m.w.layers[0].attention_norm;  // γ: no decay
    float gg = t.grad_sum[gamma - m.weight_block];
    CHECK_CLOSE(gamma[0], 1.0 - 0.01 * gg / (fabs(gg) + 1e-8), 1e-7, 1e-6, "γ is not decayed");
    // the training checkpoint round-trips into a fresh model and trainer
    uint8_t* bytes = NULL;
    size_t n = 0;
    CHECK(checkpoint_save_training(&m, &t, &bytes, &n).ok, "save");
    Model m2;
    model_init(&m2);
    Trainer t2;
    trainer_init(&t2);
    Status s = checkpoint_load_training(&m2, &t2, bytes, n, NULL, 0);
    CHECK(s.ok && t2.step == 1 && t2.beta1_power == t.beta1_power && t2.data.state == t.data.state, "resume: %s", s.message);
    CHECK(memcmp(t2.m, t.m, t.floats * sizeof(float)) == 0 && memcmp(t2.v, t.v, t.floats * sizeof(float)) == 0,
          "the moments round-trip exactly");
    // a bad training field in the metadata is refused before anything changes
    uint8_t* at = NULL;  // (memmem is not C11)
    for (size_t i = 0; !at && i + 17 <= n; i++)
        if (memcmp(bytes + i, "\"train.lr\":\"0.01\"", 17) == 0) at = bytes + i;
    CHECK(at != NULL, "the metadata holds train.lr");
    if (at) {
        memcpy(at, "\"train.lr\":\"7777\"", 17);
        s = checkpoint_load_training(&m2, &t2, bytes, n, NULL, 0);
        CHECK(!s.ok && strstr(s.message, "lr must be"), "bad train.lr: %s", s.message);
        CHECK(t2.step == 1, "the refused file left the trainer alone");
    }
    // refused resumes leave the model as it was: a state that does not fit, and no state at all
    size_t floats = m2.weight_floats;
    float* kept = malloc(floats * sizeof(float));
    memcpy(kept, m2.weight_block, floats * sizeof(float));
    if (at) memcpy(at, "\"train.lr\":\"0.01\"", 17);
    uint8_t* weights_only = NULL;
    size_t n_weights = 0;
    CHECK(checkpoint_save(&m, &weights_only, &n_weights).ok, "save weights");
    s = checkpoint_load_training(&m2, &t2, weights_only, n_weights, NULL, 0);
    CHECK(!s.ok && strstr(s.message, "no training state"), "weights only: %s", s.message);
    CHECK(memcmp(kept, m2.weight_block, floats * sizeof(float)) == 0 && t2.step == 1, "unchanged by the refusal");
    // a training config that does not fit the model's max_tokens
    Model small;
    model_init(&small);
    config_set(&c, "max_tokens", "8");
    model_configure(&small, &c);
    Trainer t3;
    trainer_init(&t3);
    CHECK(trainer_start(&t3, &small, &tc, NULL, 0).ok, "start on max_tokens 8");
    field_set(&t3.config, train_field("seq_len"), "8");
    uint8_t* fits = NULL;
    size_t n_fits = 0;
    CHECK(checkpoint_save_training(&small, &t3, &fits, &n_fits).ok, "save");
    for (size_t i = 0; i + 16 <= n_fits; i++)
        if (memcmp(fits + i, "\"max_tokens\":\"8\"", 16) == 0) { memcpy(fits + i, "\"max_tokens\":\"4\"", 16); break; }
    s = checkpoint_load_training(&m2, &t2, fits, n_fits, NULL, 0);
    CHECK(!s.ok, "seq_len 8 over max_tokens 4 is refused");
    CHECK(memcmp(kept, m2.weight_block, floats * sizeof(float)) == 0 && t2.step == 1, "unchanged by the refusal: %s",
          s.message);
    free(kept), free(weights_only), free(fits);
    trainer_release(&t3);
    model_release(&small);
    free(bytes);
    trainer_release(&t), trainer_release(&t2);
    model_release(&m), model_release(&m2);
}

void test_train(void) {
    test_tasks();
    test_adamw_step();
    printf("training (tasks, AdamW, checkpoints)\n");
}
