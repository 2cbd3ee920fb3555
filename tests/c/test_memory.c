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

static Status op_grad_files(Model* m, Trainer* t, Outcome* out) {
    Status s = op_gradients(m, t, out);
    uint8_t* file = NULL;
    size_t n = 0;
    Text json = {0};
    if (s.ok) s = checkpoint_save_grads(m, &file, &n);
    if (s.ok) s = report_grad_norms_json(m, &json);
    if (s.ok && json.failed) s = status_error("out of memory writing JSON");
    out->bytes = n + json.len;
    free(file), free(json.data);
    return s;
}

static Status op_sample(Model* m, Trainer* t, Outcome* out) {
    Config c = small_config();
    TrainConfig tc = small_training();
    Status s = model_configure(m, &c);
    if (s.ok) s = trainer_start(t, m, &tc, NULL, 0);
    uint8_t prompt[EXAMPLE_MAX], answer[16];
    int len = 0, full = 0, got = 0;
    if (s.ok) s = train_sample(prompt, t, 5, 0, &len, &full);
    if (s.ok) s = model_continue(m, prompt, len, 6, answer, &got);
    if (s.ok) out->value = answer[0] + 256.0 * answer[got - 1], out->bytes = (size_t)(len + got);
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

// What the budget checks count is what is allocated, for every kind of model.
static void test_weight_bytes_exact(void) {
    const char* norms[] = {"layernorm", "rmsnorm", "none"};
    const char* placements[] = {"pre", "post"};
    const char* activations[] = {"gelu", "relu", "swiglu"};
    const char* positions[] = {"rope", "sinusoidal", "learned", "none"};
    const char* shapes[][2] = {{"16", "2"}, {"12", "3"}, {"40", "5"}};
    int checked = 0;
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 2; b++)
            for (int c = 0; c < 3; c++)
                for (int d = 0; d < 4; d++)
                    for (int e = 0; e < 3; e++) {
                        Config cfg;
                        config_defaults(&cfg);
                        config_set(&cfg, "n_layers", "3"), config_set(&cfg, "norm", norms[a]);
                        config_set(&cfg, "placement", placements[b]), config_set(&cfg, "activation", activations[c]);
                        config_set(&cfg, "pos", positions[d]), config_set(&cfg, "d_model", shapes[e][0]);
                        config_set(&cfg, "n_heads", shapes[e][1]), config_set(&cfg, "max_tokens", "37");
                        config_set(&cfg, "d_ff", e == 2 ? "27" : "auto");
                        if (!config_validate(&cfg).ok) continue;
                        Model m;
                        model_init(&m);
                        CHECK(model_configure(&m, &cfg).ok, "configure");
                        CHECK(model_weight_bytes(&cfg) == m.weight_floats * sizeof(float),
                              "model_weight_bytes %llu, allocated %zu (%s/%s/%s/%s d=%s)",
                              (unsigned long long)model_weight_bytes(&cfg), m.weight_floats * sizeof(float), norms[a],
                              placements[b], activations[c], positions[d], shapes[e][0]);
                        model_release(&m);
                        checked++;
                    }
    CHECK(checked > 150, "only %d configs", checked);
}

// A failed allocation of new weights keeps the old ones, whether they came
// from the seed or a file; a failed resume never leaves old moments on new weights.
static void test_failure_keeps_model(void) {
    Model m, source;
    model_init(&m), model_init(&source);
    Config c = small_config(), other = small_config();
    config_set(&other, "n_layers", "3");
    config_validate(&other);
    CHECK(model_configure(&source, &other).ok, "configure the source");
    uint8_t* file = NULL;
    size_t n = 0;
    CHECK(checkpoint_save(&source, &file, &n).ok, "save");
    CHECK(model_configure(&m, &c).ok && model_forward(&m, TEXT, TEXT_LEN).ok, "configure");
    float before = m.probe_block[m.layout.arrays[PROBE_logits].offset + 3];
    for (long k = 1; k <= 3; k++) {  // the layer array, the table, the block
        mem_fail_at(k);
        Status s = model_configure(&m, &other);
        mem_fail_at(0);
        CHECK(!s.ok && strstr(s.message, "the model is kept"), "allocation %ld: %s", k, s.message);
        CHECK(m.has_weights && m.config.n_layers == 2 && model_forward(&m, TEXT, TEXT_LEN).ok &&
                  m.probe_block[m.layout.arrays[PROBE_logits].offset + 3] == before,
              "allocation %ld: the old weights run as before", k);
    }
    CHECK(checkpoint_load(&m, file, n).ok && m.weights_from_file, "load");
    CHECK(model_forward(&m, TEXT, TEXT_LEN).ok, "run the file");
    float loaded = m.probe_block[m.layout.arrays[PROBE_logits].offset + 3];
    Config seeded = small_config();
    config_set(&seeded, "d_model", "32");
    config_validate(&seeded);
    for (long k = 1; k <= 3; k++) {
        mem_fail_at(k);
        Status s = model_configure(&m, &seeded);
        mem_fail_at(0);
        CHECK(!s.ok && m.weights_from_file && m.config.n_layers == 3, "allocation %ld: the file's model stays", k);
        CHECK(model_forward(&m, TEXT, TEXT_LEN).ok && m.probe_block[m.layout.arrays[PROBE_logits].offset + 3] == loaded,
              "allocation %ld: the file's weights run as before", k);
    }
    free(file);
    // a resume whose optimizer state cannot be allocated stops the trainer
    Trainer t;
    trainer_init(&t);
    TrainConfig tc = small_training();
    CHECK(model_configure(&source, &other).ok && trainer_start(&t, &source, &tc, NULL, 0).ok && trainer_step(&t, &source).ok,
          "train the source");
    CHECK(checkpoint_save_training(&source, &t, &file, &n).ok, "save training");
    Trainer running;
    trainer_init(&running);
    CHECK(trainer_start(&running, &m, &tc, NULL, 0).ok, "a trainer on the other model");
    int failed = 0;
    for (long k = 1; k < 5000 && !failed; k++) {  // find the optimizer state's allocations: past the weights'
        Model target;
        model_init(&target);
        CHECK(model_configure(&target, &c).ok, "target");
        Trainer again;
        trainer_init(&again);
        CHECK(trainer_start(&again, &target, &tc, NULL, 0).ok, "a running trainer");
        mem_fail_at(k);
        Status s = checkpoint_load_training(&target, &again, file, n, NULL, 0);
        int hit = mem_failed();
        mem_fail_at(0);
        if (hit && strstr(s.message, "training cannot resume")) {
            failed = 1;
            CHECK(target.weights_from_file && target.config.n_layers == 3, "the file's weights are loaded");
            CHECK(!again.m && !trainer_step(&again, &target).ok, "the trainer is stopped, not stepping old moments");
        }
        trainer_release(&again), model_release(&target);
    }
    CHECK(failed, "no allocation of the resumed optimizer state was failed");
    free(file);
    trainer_release(&t), trainer_release(&running);
    model_release(&m), model_release(&source);
}

void test_memory(void) {
    test_weight_bytes_exact();
    test_failure_keeps_model();
    test_cap();
    walk_failures("forward", op_forward);
    walk_failures("gradients", op_gradients);
    walk_failures("report", op_report);
    walk_failures("checkpoint", op_checkpoint);
    walk_failures("training", op_training);
    walk_failures("gradient files", op_grad_files);
    walk_failures("sample", op_sample);
}
