// cli.c — the native command line: flags are the config fields in kebab case.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "model.h"
#include "cli_io.h"
#include "report.h"

#define DEFAULT_TEXT "The quick brown fox jumps over the lazy dog."

static void usage(void) {
    printf("usage: normscope [--field value ...] [--text T] [--load F] [--save F] [--grad] [--save-grad F]\n"
           "                 [--json [--full]]\n\n"
           "Runs a small transformer on the bytes of T and reports what happens at every site of every layer.\n\n"
           "model fields (DESIGN.md):\n");
    for (int i = 0; i < N_CONFIG_FIELDS; i++) {
        const FieldSpec* f = &CONFIG_FIELDS[i];
        char flag[64], range[96];
        if (f->intervention && !CONFIG_FIELDS[i - 1].intervention)
            printf("\ninterventions (the unmodified run is reported beside them as \"baseline\"):\n");
        snprintf(flag, sizeof flag, "--%s", f->name);
        for (char* p = flag; *p; p++) if (*p == '_') *p = '-';
        if (f->kind == FIELD_CHOICE) snprintf(range, sizeof range, "%s", f->choices);
        else if (f->kind == FIELD_INT) snprintf(range, sizeof range, "%g..%g", f->min, f->max);
        else if (f->kind == FIELD_REAL && f->min < 0) snprintf(range, sizeof range, "0..%g", f->max);
        else if (f->kind == FIELD_REAL) snprintf(range, sizeof range, "> %g", f->min);
        else if (f->kind == FIELD_PICK) snprintf(range, sizeof range, "%s", !f->choices ? "none | L" : f->choices[0] == '#' ? "none | L.H" : "none | L.attn_norm | L.ffn_norm | final_norm");
        else snprintf(range, sizeof range, "0..2^64-1");
        printf("  %-16s %-30s default %-12s %s\n", flag, range, f->fallback, f->help);
    }
    printf("\nother flags:\n"
           "  --text T         text to run (UTF-8 bytes are the tokens); default \"%s\"\n"
           "  --load F         read weights and config from a safetensors file\n"
           "  --save F         write the model's weights and config as safetensors\n"
           "  --json           print the run as JSON (schema in README)\n"
           "  --full           with --json: add attention, norm vectors, q/k, RoPE angles, all logits\n"
           "  --grad           also run the backward pass: the loss (mean next-byte cross-entropy) and the\n"
           "                   gradient's rms at every site; with --json also every weight's gradient norm\n"
           "                   (needs >= 2 bytes)\n"
           "  --save-grad F    write every weight's gradient as safetensors under the weight's name (implies --grad)\n"
           "  --help           this text\n", DEFAULT_TEXT);
}

static void print_table(Model* m) {
    const Config* c = &m->config;
    printf("normscope: %d layers, d_model %d, %s %s-norm, %d tokens; rms of each site\n", c->n_layers, c->d_model,
           c->norm == NORM_LAYERNORM ? "LayerNorm" : c->norm == NORM_RMSNORM ? "RMSNorm" : "no",
           c->placement == PLACE_PRE ? "pre" : "post", m->T);
    printf("%5s", "layer");
    for (int s = 0; s < N_SITES; s++) printf(" %11s", SITE_NAMES[s]);
    printf("\n");
    for (int l = 0; l < c->n_layers; l++) {
        printf("%5d", l);
        for (int s = 0; s < N_SITES; s++) printf(" %11.4g", probe_at(m->probe_block, &m->layout, PROBE_site_stats, l, s)[STAT_rms]);
        printf("\n");
    }
    if (!m->has_grad) return;
    printf("\nloss %.6g (mean next-byte cross-entropy); rms of the loss gradient at each site\n", m->loss);
    for (int l = 0; l < c->n_layers; l++) {
        printf("%5d", l);
        for (int s = 0; s < N_SITES; s++) printf(" %11.4g", probe_at(m->probe_block, &m->layout, PROBE_grad_site_rms, l, 0)[s]);
        printf("\n");
    }
}

int main(int argc, char** argv) {
    if (argc > 1 && !strcmp(argv[1], "train")) return train_main(argc - 1, argv + 1);
    Config config;
    config_defaults(&config);
    const char *text = DEFAULT_TEXT, *load = NULL, *save = NULL, *save_grad = NULL;
    int json = 0, full = 0, grad = 0;
    char message[320];
    const char* shaping_flag = NULL;
    int given[64] = {0};  // which fields the command line set
    for (int i = 1; i < argc; i++) {
        const char* arg = argv[i];
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) { usage(); return 0; }
        if (!strcmp(arg, "--json")) { json = 1; continue; }
        if (!strcmp(arg, "--full")) { full = 1; continue; }
        if (!strcmp(arg, "--grad")) { grad = 1; continue; }
        if (strncmp(arg, "--", 2) != 0) {
            snprintf(message, sizeof message, "unexpected argument \"%.60s\" (see --help)", arg);
            return fail(2, message);
        }
        if (i + 1 >= argc) {
            snprintf(message, sizeof message, "%.60s needs a value (see --help)", arg);
            return fail(2, message);
        }
        const char* value = argv[++i];
        if (!strcmp(arg, "--text")) { text = value; continue; }
        if (!strcmp(arg, "--load")) { load = value; continue; }
        if (!strcmp(arg, "--save")) { save = value; continue; }
        if (!strcmp(arg, "--save-grad")) { save_grad = value, grad = 1; continue; }
        char name[64];
        snprintf(name, sizeof name, "%s", arg + 2);
        for (char* p = name; *p; p++) if (*p == '-') *p = '_';
        const FieldSpec* field = config_field(name);
        if (!field) {
            snprintf(message, sizeof message, "unknown flag %.60s (see --help)", arg);
            return fail(2, message);
        }
        Status s = config_set(&config, name, value);
        if (!s.ok) return fail(2, s.message);
        if (field->shapes_weights) shaping_flag = arg;
        given[field - CONFIG_FIELDS] = 1;
    }

    Model model;
    model_init(&model);
    int code = 0;
    Status s;
    if (load) {
        if (shaping_flag) {
            snprintf(message, sizeof message, "%s cannot be combined with --load: the weights and their config come from "
                     "the file (only n-heads, rope-theta, rope-pairing, residual, norm-eps and the interventions may be changed)", shaping_flag);
            return fail(2, message);
        }
        uint8_t* bytes = NULL;
        size_t n = 0;
        if (!read_file(load, &bytes, &n, message, sizeof message)) return fail(1, message);
        s = checkpoint_load(&model, bytes, n);
        free(bytes);
        if (!s.ok) {
            snprintf(message, sizeof message, "%s: %s", load, s.message);
            model_release(&model);
            return fail(1, message);
        }
        // behaviour fields given on the command line apply to the loaded weights
        Config merged = model.config;
        for (int i = 0; i < N_CONFIG_FIELDS; i++) {
            char value[64];
            config_get(&config, &CONFIG_FIELDS[i], value, sizeof value);
            if (given[i]) config_set(&merged, CONFIG_FIELDS[i].name, value);
        }
        config = merged;
    }
    s = model_configure(&model, &config);
    if (s.ok && save) s = write_bytes(save, &model, checkpoint_save);
    if (s.ok && grad) s = model_gradients(&model, (const uint8_t*)text, (int)strlen(text));
    else if (s.ok) s = model_forward(&model, (const uint8_t*)text, (int)strlen(text));
    if (s.ok && save_grad) s = write_bytes(save_grad, &model, checkpoint_save_grads);
    if (s.ok && json) {
        Text out = {0};
        s = report_json(&model, full, &out);
        if (s.ok) {
            fwrite(out.data, 1, out.len, stdout);
            fputc('\n', stdout);
        }
        free(out.data);
    } else if (s.ok) print_table(&model);
    if (!s.ok) code = fail(1, s.message);
    model_release(&model);
    return code;
}
