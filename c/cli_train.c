// cli_train.c — `normscope train`: the page's training loop, natively, with
// checkpoints that resume bit for bit.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "cli_io.h"
#include "report.h"
#include "train.h"
#include "memory.h"

static void usage(void) {
    printf("usage: normscope train [model fields] [training fields] [--text T] [--steps N] [--log-every K]\n"
           "                       [--load F | --resume F] [--save F] [--save-every K] [--save-weights F]\n"
           "                       [--sample N] [--json]\n\n"
           "Trains the model with AdamW on a task and prints the loss as it goes.\n\n"
           "training fields:\n");
    for (int i = 0; i < N_TRAIN_FIELDS; i++) {
        const FieldSpec* f = &TRAIN_FIELDS[i];
        char flag[64];
        snprintf(flag, sizeof flag, "--%s", f->name);
        for (char* p = flag; *p; p++) if (*p == '_') *p = '-';
        printf("  %-16s default %-8s %s\n", flag, f->fallback, f->help);
    }
    printf("\nmodel fields: as for `normscope` (see normscope --help)\n\n"
           "other flags:\n"
           "  --text T         the text the text task learns to continue\n"
           "  --steps N        optimizer steps to take (default 200)\n"
           "  --log-every K    print the loss every K steps (default: 20 lines in all)\n"
           "  --load F         start from the weights in F (a fresh optimizer)\n"
           "  --resume F       continue the training saved in F (weights, optimizer, data stream, step)\n"
           "  --save F         write weights and training state to F at the end (resumable)\n"
           "  --save-every K   also write F every K steps\n"
           "  --save-weights F write the weights alone (what the page loads)\n"
           "  --sample N       after training, continue a fresh problem (or the text) by N bytes\n"
           "  --json           print the run as JSON: config, training fields, the loss of every step\n");
}

typedef struct {
    long long step;
    double loss, lr, grad_norm;
} LogLine;

// A flag's field name: --batch-size → batch_size.
static void field_name(char* out, size_t cap, const char* flag) {
    snprintf(out, cap, "%s", flag + 2);
    for (char* p = out; *p; p++) if (*p == '-') *p = '_';
}

static Status save_training(const char* path, const Model* m, const Trainer* t) {
    uint8_t* bytes = NULL;
    size_t n = 0;
    Status s = checkpoint_save_training(m, t, &bytes, &n);
    if (s.ok) s = write_file(path, bytes, n);
    free(bytes);
    return s;
}

static void print_json(const Model* m, const Trainer* t, const LogLine* log, int n_log, const char* sample) {
    Text out = {0};
    text_append(&out, "{\"config\":");
    report_config_json(&m->config, &out);
    text_append(&out, ",\"train\":{");
    for (int i = 0; i < N_TRAIN_FIELDS; i++) {
        char value[64];
        field_get(&t->config, &TRAIN_FIELDS[i], value, sizeof value);
        int quoted = TRAIN_FIELDS[i].kind == FIELD_CHOICE;
        text_append(&out, "%s\"%s\":%s%s%s", i ? "," : "", TRAIN_FIELDS[i].name, quoted ? "\"" : "", value, quoted ? "\"" : "");
    }
    text_append(&out, "},\"steps\":[");
    for (int i = 0; i < n_log; i++) {
        text_append(&out, "%s{\"step\":%lld,\"loss\":", i ? "," : "", log[i].step);
        text_number(&out, log[i].loss);
        text_append(&out, ",\"lr\":");
        text_number(&out, log[i].lr);
        text_append(&out, ",\"grad_norm\":");
        text_number(&out, log[i].grad_norm);
        text_append(&out, "}");
    }
    text_append(&out, "],\"sample\":");
    if (sample) {
        text_append(&out, "\"");
        for (const char* p = sample; *p; p++) {
            unsigned char ch = (unsigned char)*p;
            if (ch == '"' || ch == '\\') text_append(&out, "\\%c", ch);
            else if (ch < 0x20 || ch >= 0x7f) text_append(&out, "\\u%04x", ch);
            else text_append(&out, "%c", ch);
        }
        text_append(&out, "\"");
    } else text_append(&out, "null");
    text_append(&out, "}\n");
    if (!out.failed) fwrite(out.data, 1, out.len, stdout);
    free(out.data);
}

int train_main(int argc, char** argv) {
    Config config;
    config_defaults(&config);
    TrainConfig tc;
    train_defaults(&tc);
    const char *text = "", *load = NULL, *resume = NULL, *save = NULL, *save_weights = NULL;
    long long steps = 200, log_every = 0, save_every = 0, sample = 0;
    int json = 0, model_flags = 0, train_flags = 0;
    char message[320];
    for (int i = 1; i < argc; i++) {
        const char* arg = argv[i];
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) { usage(); return 0; }
        if (!strcmp(arg, "--json")) { json = 1; continue; }
        if (strncmp(arg, "--", 2) != 0 || i + 1 >= argc) {
            snprintf(message, sizeof message, "%.60s %s (see normscope train --help)", arg,
                     strncmp(arg, "--", 2) ? "is not a flag" : "needs a value");
            return fail(2, message);
        }
        const char* value = argv[++i];
        long long* count = !strcmp(arg, "--steps") ? &steps : !strcmp(arg, "--log-every") ? &log_every
                         : !strcmp(arg, "--save-every") ? &save_every : !strcmp(arg, "--sample") ? &sample : NULL;
        if (count) {
            char* end = NULL;
            long long v = strtoll(value, &end, 10);
            long long lo = count == &steps ? 1 : 0, hi = count == &sample ? 1024 : 100000000;
            if (end == value || *end || v < lo || v > hi) {
                snprintf(message, sizeof message, "%s must be an integer from %lld to %lld (got \"%.40s\")", arg, lo, hi, value);
                return fail(2, message);
            }
            *count = v;
            continue;
        }
        if (!strcmp(arg, "--text")) { text = value; continue; }
        if (!strcmp(arg, "--load")) { load = value; continue; }
        if (!strcmp(arg, "--resume")) { resume = value; continue; }
        if (!strcmp(arg, "--save")) { save = value; continue; }
        if (!strcmp(arg, "--save-weights")) { save_weights = value; continue; }
        char name[64];
        field_name(name, sizeof name, arg);
        const FieldSpec* f = train_field(name);
        Status s;
        if (f) s = field_set(&tc, f, value), train_flags = 1;
        else if ((f = config_field(name))) {
            s = config_set(&config, name, value);
            model_flags = 1;
        } else {
            snprintf(message, sizeof message, "unknown flag %.60s (see normscope train --help)", arg);
            return fail(2, message);
        }
        if (!s.ok) return fail(2, s.message);
    }
    if (load && resume) return fail(2, "--load and --resume cannot be combined: --resume also loads the weights");
    if ((load || resume) && model_flags)
        return fail(2, "model fields cannot be combined with --load or --resume: the model comes from the file");
    if (resume && train_flags)
        return fail(2, "training fields cannot be combined with --resume: they come from the checkpoint");
    if (save_every && !save) return fail(2, "--save-every needs --save F");

    Model model;
    model_init(&model);
    Trainer trainer;
    trainer_init(&trainer);
    const uint8_t* text_bytes = (const uint8_t*)text;
    int text_len = (int)strlen(text);
    Status s = status_ok();
    if (load || resume) {
        uint8_t* bytes = NULL;
        size_t n = 0;
        if (!read_file(load ? load : resume, &bytes, &n, message, sizeof message)) return fail(1, message);
        s = resume ? checkpoint_load_training(&model, &trainer, bytes, n, text_bytes, text_len)
                   : checkpoint_load(&model, bytes, n);
        free(bytes);
        if (!s.ok) {
            snprintf(message, sizeof message, "%s: %s", load ? load : resume, s.message);
            model_release(&model);
            return fail(1, message);
        }
    } else s = model_configure(&model, &config);
    if (s.ok && !resume) s = trainer_start(&trainer, &model, &tc, text_bytes, text_len);
    int n_log = 0;
    LogLine* log = s.ok ? mem_alloc((size_t)steps * sizeof(LogLine)) : NULL;
    if (s.ok && !log) s = status_error("out of memory for the loss log");
    if (!log_every) log_every = steps >= 20 ? steps / 20 : 1;
    for (long long k = 0; s.ok && k < steps; k++) {
        s = trainer_step(&trainer, &model);
        if (!s.ok) break;
        log[n_log++] = (LogLine){trainer.step, trainer.loss, trainer.lr_now, trainer.grad_norm};
        if (!json && (trainer.step % log_every == 0 || k == steps - 1))
            printf("step %6lld  loss %.5f  lr %.3g  grad norm %.4g\n", (long long)trainer.step, trainer.loss,
                   trainer.lr_now, trainer.grad_norm);
        if (save_every && trainer.step % save_every == 0) s = save_training(save, &model, &trainer);
    }
    if (s.ok && save) s = save_training(save, &model, &trainer);
    if (s.ok && save_weights) s = write_bytes(save_weights, &model, checkpoint_save);
    char sample_text[2 * EXAMPLE_MAX + 4] = {0};
    if (s.ok && sample) {
        uint8_t prompt[EXAMPLE_MAX], out[1024];
        int full = 0, len = 0, got = 0;
        s = train_sample(prompt, &trainer, model.weights_config.seed, 0, &len, &full);
        if (s.ok && len) s = model_continue(&model, prompt, len, (int)sample, out, &got);
        memcpy(sample_text, prompt, (size_t)len);
        memcpy(sample_text + len, out, (size_t)got);
        for (int i = 0; i < len + got; i++)
            if (sample_text[i] == 0) sample_text[i] = ' ';  // a NUL byte would end the string
        if (!json) printf("sample: %.*s[%.*s]\n", len, sample_text, got, sample_text + len);
    }
    if (s.ok && json) print_json(&model, &trainer, log, n_log, sample ? sample_text : NULL);
    free(log);
    int code = s.ok ? 0 : fail(1, s.message);
    trainer_release(&trainer);
    model_release(&model);
    return code;
}
