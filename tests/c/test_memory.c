// test_memory.c — every allocation can fail and nothing traps or is lost:
// each operation is run once per allocation it makes, with that allocation
// failing. The call must report "out of memory", and the same objects must
// then redo it and reach exactly the result of a run that never failed. Under
// the sanitizers this also proves that no failure path leaks or touches freed
// memory. And the memory cap: requests over it are refused before anything is
// allocated, with how much they need.
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "memory.h"
#include "report.h"
#include "test.h"
#include "text.h"
#include "train.h"

static const uint8_t TEXT[] = "Memory can run out anywhere.";
#define TEXT_LEN ((int)sizeof TEXT - 1)

static Config small_config(void) {
    Config c;
    config_defaults(&c);
    config_set(&c, "n_layers", "2"), config_set(&c, "d_model", "16"), config_set(&c, "n_heads", "2");
    config_set(&c, "max_tokens", "32");
    config_validate(&c);
    return c;
}

static TrainConfig small_training(void) {
    TrainConfig t;
    train_defaults(&t);
    field_set(&t, train_field("batch_size"), "2");
    field_set(&t, train_field("seq_len"), "12");
    return t;
}

// What an operation leaves behind, to compare a recovered run with a clean one.
typedef struct {
    double value;
    size_t bytes;
} Outcome;

typedef Status (*Operation)(Model* m, Trainer* t, Outcome* out);

static Status op_forward(Model* m, Trainer* t, Outcome* out) {
    (void)t;
    Config c = small_config();
    Status s = model_configure(m, &c);
    if (s.ok) s = model_forward(m, TEXT, TEXT_LEN);
    if (s.ok) out->value = m->probe_block[m->layout.arrays[PROBE_logits].offset + 7];
    return s;
}

static Status op_gradients(Model* m, Trainer* t, Outcome* out) {
    (void)t;
    Config c = small_config();
    Status s = model_configure(m, &c);
    if (s.ok) s = model_gradients(m, TEXT, TEXT_LEN);
    if (s.ok) out->value = m->loss + m->grad_block[5];
    return s;
}

static Status op_report(Model* m, Trainer* t, Outcome* out) {
    Status s = op_forward(m, t, out);
    Text json = {0};
    if (s.ok) s = report_json(m, 1, &json);
    if (s.ok && json.failed) s = status_error("out of memory writing JSON");
    out->bytes = json.len;
    free(json.data);
    return s;
}

static Status op_checkpoint(Model* m, Trainer* t, Outcome* out) {
    Status s = op_forward(m, t, out);
    uint8_t* file = NULL;
    size_t n = 0;
    if (s.ok) s = checkpoint_save(m, &file, &n);
    Model loaded;
    model_init(&loaded);
    if (s.ok) s = checkpoint_load(&loaded, file, n);
    if (s.ok) s = model_forward(&loaded, TEXT, TEXT_LEN);
    if (s.ok) out->value = loaded.probe_block[loaded.layout.arrays[PROBE_logits].offset + 7], out->bytes = n;
    model_release(&loaded);
    free(file);
    return s;
}

static Status op_training(Model* m, Trainer* t, Outcome* out) {
    Config c = small_config();
    TrainConfig tc = small_training();
    Status s = model_configure(m, &c);
    if (s.ok) model_init_weights(m);  // a retry starts over, as the page's reset does
    if (s.ok) s = trainer_start(t, m, &tc, NULL, 0);
    for (int i = 0; i < 2 && s.ok; i++) s = trainer_step(t, m);
    uint8_t* file = NULL;
    size_t n = 0;
    if (s.ok) s = checkpoint_save_training(m, t, &file, &n);
    Model resumed;
    Trainer again;
    model_init(&resumed), trainer_init(&again);
    if (s.ok) s = checkpoint_load_training(&resumed, &again, file, n, NULL, 0);
    if (s.ok) s = trainer_step(&again, &resumed);
    if (s.ok) out->value = again.loss + resumed.weight_block[11], out->bytes = n;
    model_release(&resumed), trainer_release(&again);
    free(file);
    return s;
}

// Fails each allocation of `op` in turn, on fresh objects; after each failure
// the same objects redo the operation and must match the clean run.
static void walk_failures(const char* name, Operation op) {
    Model m;
    Trainer t;
    Outcome want = {0}, got;
    model_init(&m), trainer_init(&t);
    Status s = op(&m, &t, &want);
    CHECK(s.ok, "%s: a clean run failed: %s", name, s.message);
    model_release(&m), trainer_release(&t);
    int points = 0;
    // under the sanitizers (quick mode) past the first 64 every 11th allocation: the
    // long tail is the JSON reader's nodes, one path taken hundreds of times
    long stride = getenv("NORMSCOPE_TEST_QUICK") ? 11 : 1;
    for (long k = 1; k < 100000; k += k < 64 ? 1 : stride) {
        model_init(&m), trainer_init(&t);
        memset(&got, 0, sizeof got);
        mem_fail_at(k);
        s = op(&m, &t, &got);
        int failed = mem_failed();
        mem_fail_at(0);
        if (failed) {
            points++;
            CHECK(!s.ok, "%s: allocation %ld failed, yet the call reported success", name, k);
            CHECK(strstr(s.message, "memory") != NULL, "%s: allocation %ld: the message should say memory: %s", name, k,
                  s.message);
            memset(&got, 0, sizeof got);
            s = op(&m, &t, &got);  // the same objects, nothing failing now
        }
        CHECK(s.ok, "%s: after allocation %ld failed, a retry failed: %s", name, k, s.message);
        CHECK(got.value == want.value && got.bytes == want.bytes,
              "%s: after allocation %ld failed, the retry gave %.9g (%zu bytes), a clean run %.9g (%zu bytes)", name,
              k, got.value, got.bytes, want.value, want.bytes);
        model_release(&m), trainer_release(&t);
        if (!failed) break;  // k is past the operation's last allocation
    }
    CHECK(points >= 3, "%s: only %d allocations were failed", name, points);
    printf("memory: %s: %d allocations failed in turn, each reported and recovered\n", name, points);
}

// Over the cap: refused up front, saying how much is needed and the limit,
// with nothing allocated and the model as it was.
static void test_cap(void) {
    Model m;
    model_init(&m);
    Config small = small_config();
    CHECK(model_configure(&m, &small).ok, "configure");
    Config big = small;
    config_set(&big, "n_layers", "48"), config_set(&big, "d_model", "1024"), config_set(&big, "d_ff", "4096");
    config_validate(&big);
    CHECK(model_weight_bytes(&big) > MEMORY_BUDGET_BYTES, "the big config should be over the budget");
    mem_fail_at(1);  // any allocation would fail the check below
    Status s = model_configure(&m, &big);
    CHECK(!mem_failed(), "a refused config allocated memory");
    mem_fail_at(0);
    CHECK(!s.ok && strstr(s.message, "need") && strstr(s.message, "MiB, over the 448 MiB limit"),
          "weights over the cap: %s", s.message);
    CHECK(m.config.n_layers == 2 && model_forward(&m, TEXT, TEXT_LEN).ok, "the model stays as it was");

    Config wide = small;  // weights fit; 1024 tokens of attention in 96 layers do not
    config_set(&wide, "n_layers", "96"), config_set(&wide, "n_heads", "8"), config_set(&wide, "max_tokens", "1024");
    config_validate(&wide);
    s = model_check_run(&wide, 1024);
    CHECK(!s.ok && strstr(s.message, "MiB (weights and probe buffers), over the 448 MiB limit"), "run: %s", s.message);
    CHECK(model_check_run(&wide, 64).ok, "a shorter text fits");

    // training holds four copies of the weights on top of a gradient run
    Config deep = small;
    config_set(&deep, "n_layers", "8"), config_set(&deep, "d_model", "512"), config_set(&deep, "n_heads", "8");
    config_set(&deep, "d_ff", "2048");
    config_validate(&deep);
    CHECK(model_configure(&m, &deep).ok && model_check_grad_run(&deep, 12).ok, "the deep model runs with gradients");
    Trainer t;
    trainer_init(&t);
    TrainConfig tc = small_training();
    mem_fail_at(1);
    s = trainer_start(&t, &m, &tc, NULL, 0);
    CHECK(!mem_failed(), "a refused training allocated memory");
    mem_fail_at(0);
    CHECK(!s.ok && strstr(s.message, "training this model needs") && strstr(s.message, "over the 448 MiB limit"),
          "training over the cap: %s", s.message);
    trainer_release(&t);
    model_release(&m);
}

void test_memory(void) {
    test_cap();
    walk_failures("forward", op_forward);
    walk_failures("gradients", op_gradients);
    walk_failures("report", op_report);
    walk_failures("checkpoint", op_checkpoint);
    walk_failures("training", op_training);
}
