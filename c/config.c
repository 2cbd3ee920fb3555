// config.c — the one table of configuration fields (DESIGN.md, "Model
// configuration") and the parsing and validation every front end shares.
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define F(name, kind, lo, hi, choices, fallback, shapes, help) \
    {#name, kind, offsetof(Config, name), lo, hi, choices, fallback, shapes, help, 0}

#define I(name, kind, choices, fallback, help) \
    {#name, kind, offsetof(Config, name), 0, 0, choices, fallback, 0, help, 1}

const FieldSpec CONFIG_FIELDS[] = {
    F(n_layers, FIELD_INT, 1, 96, NULL, "6", 1, "number of transformer blocks"),
    F(d_model, FIELD_INT, 8, 1024, NULL, "64", 1, "width of the residual stream"),
    F(n_heads, FIELD_INT, 1, 32, NULL, "4", 0, "attention heads; d_model must divide by it"),
    F(d_ff, FIELD_INT, 8, 4096, NULL, "auto", 1, "FFN hidden width (auto = 4 x d_model)"),
    F(norm, FIELD_CHOICE, 0, 0, "layernorm rmsnorm none", "layernorm", 1, "normalization"),
    F(placement, FIELD_CHOICE, 0, 0, "pre post", "pre", 1, "where the norms sit"),
    F(residual, FIELD_CHOICE, 0, 0, "off on", "on", 0, "residual connections"),
    F(activation, FIELD_CHOICE, 0, 0, "gelu relu swiglu", "gelu", 1, "FFN nonlinearity"),
    F(pos, FIELD_CHOICE, 0, 0, "rope sinusoidal learned none", "rope", 1, "position encoding"),
    F(rope_theta, FIELD_REAL, 1, 1e12, NULL, "10000", 0, "RoPE base; must be > 1"),
    F(rope_pairing, FIELD_CHOICE, 0, 0, "interleaved half", "interleaved", 0, "RoPE pair layout"),
    F(norm_eps, FIELD_REAL, 0, 1, NULL, "1e-05", 0, "epsilon inside the norm's square root; > 0"),
    F(init, FIELD_CHOICE, 0, 0, "normal xavier", "normal", 1, "weight init"),
    F(init_std, FIELD_REAL, 0, 1e6, NULL, "0.02", 1, "std of the normal init; > 0"),
    F(seed, FIELD_U64, 0, 0, NULL, "1", 1, "random seed (0 to 2^64-1)"),
    F(max_tokens, FIELD_INT, 1, 1024, NULL, "128", 1, "longest text in bytes"),
    I(skip_layer, FIELD_PICK, NULL, "none", "skip one block: its output is its input (none or a layer)"),
    I(zero_head, FIELD_PICK, "#", "none", "zero one attention head's output (none or layer.head, e.g. 1.0)"),
    I(remove_norm, FIELD_PICK, "attn_norm ffn_norm final_norm", "none",
      "replace one norm by the identity (none, layer.attn_norm, layer.ffn_norm or final_norm)"),
    {"residual_scale", FIELD_REAL, offsetof(Config, residual_scale), -1, 100, NULL, "1", 0,
     "alpha: the residual skip path is alpha*x (DeepNet: (2N)^(1/4)); 0 to 100", 1},
};
const int N_CONFIG_FIELDS = (int)(sizeof CONFIG_FIELDS / sizeof CONFIG_FIELDS[0]);

const FieldSpec* field_find(const FieldSpec* table, int n, const char* name) {
    for (int i = 0; i < n; i++)
        if (strcmp(table[i].name, name) == 0) return &table[i];
    return NULL;
}

void field_defaults(void* target, size_t size, const FieldSpec* table, int n) {
    memset(target, 0, size);
    for (int i = 0; i < n; i++) {
        Status s = field_set(target, &table[i], table[i].fallback);
        (void)s;  // defaults are valid by construction; tests check it
    }
}

const FieldSpec* config_field(const char* name) { return field_find(CONFIG_FIELDS, N_CONFIG_FIELDS, name); }

void config_defaults(Config* c) { field_defaults(c, sizeof *c, CONFIG_FIELDS, N_CONFIG_FIELDS); }

// Index of word `value` in the space-separated list, or -1.
static int choice_index(const char* choices, const char* value) {
    size_t n = strlen(value);
    int index = 0;
    for (const char* p = choices; *p;) {
        const char* end = strchr(p, ' ');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && n > 0 && strncmp(p, value, n) == 0) return index;
        index++;
        p += len;
        while (*p == ' ') p++;
    }
    return -1;
}

static void choice_name(const char* choices, int index, char* out, size_t cap) {
    const char* p = choices;
    for (int i = 0; i < index && p; i++) {
        p = strchr(p, ' ');
        if (p) p++;
    }
    if (!p) { snprintf(out, cap, "?"); return; }
    const char* end = strchr(p, ' ');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    snprintf(out, cap, "%.*s", (int)len, p);
}

// A number as a person writes it: decimal digits, an optional leading '-',
// for reals a fraction and an exponent. No spaces, '+', hex, inf or nan,
// which strtol and strtod would take.
static int decimal(const char* s, int integer) {
    const char* p = s + (*s == '-');
    const char* digits = p;
    while (*p >= '0' && *p <= '9') p++;
    int whole = p > digits;
    if (integer) return whole && *p == 0;
    int fraction = 0;
    if (*p == '.') {
        const char* start = ++p;
        while (*p >= '0' && *p <= '9') p++;
        fraction = p > start;
    }
    if (!whole && !fraction) return 0;
    if (*p == 'e' || *p == 'E') {
        p += (p[1] == '-' || p[1] == '+') ? 2 : 1;
        const char* start = p;
        while (*p >= '0' && *p <= '9') p++;
        if (p == start) return 0;
    }
    return *p == 0;
}

// A field whose default is "auto" takes that word for 0 (d_ff).
static Status set_int(void* c, const FieldSpec* f, const char* value) {
    int* slot = (int*)((char*)c + f->offset);
    int takes_auto = strcmp(f->fallback, "auto") == 0;
    if (takes_auto && strcmp(value, "auto") == 0) {
        *slot = 0;
        return status_ok();
    }
    char* end = NULL;
    errno = 0;
    long v = strtol(value, &end, 10);
    if (!decimal(value, 1) || end == value || *end != 0 || errno || v < f->min || v > f->max)
        return status_error("%s must be an integer from %g to %g%s (got \"%.40s\")", f->name, f->min,
                            f->max, takes_auto ? " or auto" : "", value);
    *slot = (int)v;
    return status_ok();
}

static Status set_real(void* c, const FieldSpec* f, const char* value) {
    char* end = NULL;
    double v = strtod(value, &end);
    // min < 0 marks a field that may be 0 (a rate that can be off): its range is [0, max]
    int zero_ok = f->min < 0;
    if (zero_ok && decimal(value, 0) && end != value && *end == 0 && v == 0) {
        *(double*)((char*)c + f->offset) = 0;
        return status_ok();
    }
    if (!decimal(value, 0) || end == value || *end != 0 || !isfinite(v) || !(v > (zero_ok ? 0 : f->min)) || v > f->max)
        return zero_ok ? status_error("%s must be a number from 0 to %g (got \"%.40s\")", f->name, f->max, value)
                       : status_error("%s must be a number greater than %g and at most %g (got \"%.40s\")", f->name, f->min,
                                      f->max, value);
    if (v < 1e-30)  // the kernels compute in float32, where it would be 0
        return status_error("%s must be at least 1e-30 (got \"%.40s\")", f->name, value);
    *(double*)((char*)c + f->offset) = v;
    return status_ok();
}

static Status set_u64(void* c, const FieldSpec* f, const char* value) {
    uint64_t v = 0;
    const char* p = value;
    if (!*p) goto bad;
    for (; *p; p++) {
        if (*p < '0' || *p > '9') goto bad;
        uint64_t digit = (uint64_t)(*p - '0');
        if (v > (UINT64_MAX - digit) / 10) goto bad;
        v = v * 10 + digit;
    }
    *(uint64_t*)((char*)c + f->offset) = v;
    return status_ok();
bad:
    return status_error("%s must be an integer from 0 to 18446744073709551615 (got \"%.40s\")",
                        f->name, value);
}

// "none", "L", "L.H" or "L.word" (see FIELD_PICK); the layer and head
// ranges depend on other fields: config_validate checks them.
static Status set_pick(void* c, const FieldSpec* f, const char* value) {
    int* slot = (int*)((char*)c + f->offset);
    const char* words = f->choices && strcmp(f->choices, "#") != 0 ? f->choices : NULL;
    if (strcmp(value, "none") == 0) {
        slot[0] = -1, slot[1] = 0;
        return status_ok();
    }
    int alone = words ? choice_index(words, value) : -1;
    if (alone >= 0 && strncmp(value, "final", 5) == 0) {
        slot[0] = 0, slot[1] = alone;
        return status_ok();
    }
    char layer[16] = {0};
    const char* dot = strchr(value, '.');
    size_t n = dot ? (size_t)(dot - value) : strlen(value);
    int part = 0, ok = n > 0 && n < sizeof layer && (dot != NULL) == (f->choices != NULL);
    if (ok) {
        memcpy(layer, value, n);
        ok = decimal(layer, 1) && layer[0] != '-' && n <= 3;
    }
    if (ok && dot && !words) ok = decimal(dot + 1, 1) && dot[1] != '-' && strlen(dot + 1) <= 3 && (part = atoi(dot + 1), 1);
    if (ok && dot && words) ok = (part = choice_index(words, dot + 1)) >= 0 && strncmp(dot + 1, "final", 5) != 0;
    if (!ok) {
        const char* form = !f->choices ? "a layer number" : words ? "layer.attn_norm, layer.ffn_norm or final_norm"
                                                                  : "layer.head (e.g. 1.0)";
        return status_error("%s must be none or %s (got \"%.40s\")", f->name, form, value);
    }
    slot[0] = atoi(layer), slot[1] = part;
    return status_ok();
}

Status config_set(Config* c, const char* name, const char* value) {
    const FieldSpec* f = config_field(name);
    if (!f) return status_error("unknown config field \"%.60s\"", name);
    return field_set(c, f, value);
}

Status field_set(void* c, const FieldSpec* f, const char* value) {
    switch (f->kind) {
    case FIELD_INT: return set_int(c, f, value);
    case FIELD_REAL: return set_real(c, f, value);
    case FIELD_U64: return set_u64(c, f, value);
    case FIELD_PICK: return set_pick(c, f, value);
    case FIELD_CHOICE: {
        int index = choice_index(f->choices, value);
        if (index < 0) return status_error("%s must be one of: %s (got \"%.40s\")", f->name, f->choices, value);
        *(int*)((char*)c + f->offset) = index;
        return status_ok();
    }
    }
    return status_error("%s: unsupported field kind", f->name);
}

Status config_validate(Config* c) {
    if (c->d_ff == 0) c->d_ff = 4 * c->d_model > 4096 ? 4096 : 4 * c->d_model;
    if (c->d_model % c->n_heads != 0)
        return status_error("d_model (%d) must be divisible by n_heads (%d)", c->d_model, c->n_heads);
    if (c->pos == POS_ROPE && config_head_dim(c) % 2 != 0)
        return status_error("head dim d_model/n_heads = %d must be even with pos=rope (RoPE rotates pairs)",
                            config_head_dim(c));
    int last = c->n_layers - 1;
    if (c->skip_layer[0] > last)
        return status_error("skip_layer must be none or a layer from 0 to %d (got %d)", last, c->skip_layer[0]);
    if (c->zero_head[0] > last || c->zero_head[1] >= c->n_heads)
        return status_error("zero_head must be none or layer.head with layer 0 to %d and head 0 to %d (got %d.%d)",
                            last, c->n_heads - 1, c->zero_head[0], c->zero_head[1]);
    if (c->remove_norm[0] > last)
        return status_error("remove_norm must be none, final_norm or a layer from 0 to %d with .attn_norm or "
                            ".ffn_norm (got layer %d)", last, c->remove_norm[0]);
    if (c->remove_norm[0] >= 0 && c->remove_norm[1] == NORM_PART_FINAL && (c->placement != PLACE_PRE || c->norm == NORM_NONE))
        return status_error("remove_norm = final_norm needs a final norm: pre-norm with layernorm or rmsnorm "
                            "(this model is %s-norm, norm %s)", c->placement == PLACE_PRE ? "pre" : "post",
                            c->norm == NORM_LAYERNORM ? "layernorm" : c->norm == NORM_RMSNORM ? "rmsnorm" : "none");
    return status_ok();
}

void config_get(const Config* c, const FieldSpec* f, char* out, size_t cap) { field_get(c, f, out, cap); }

void field_get(const void* c, const FieldSpec* f, char* out, size_t cap) {
    const char* slot = (const char*)c + f->offset;
    switch (f->kind) {
    case FIELD_INT: snprintf(out, cap, "%d", *(const int*)slot); break;
    case FIELD_REAL: {  // the shortest of %.15g/%.17g that reads back exactly: 1e-05, not 1.0000000000000001e-05
        double v = *(const double*)slot;
        snprintf(out, cap, "%.15g", v);
        if (strtod(out, NULL) != v) snprintf(out, cap, "%.17g", v);
        break;
    }
    case FIELD_U64: snprintf(out, cap, "%llu", (unsigned long long)*(const uint64_t*)slot); break;
    case FIELD_CHOICE: choice_name(f->choices, *(const int*)slot, out, cap); break;
    case FIELD_PICK: {
        const int* pick = (const int*)slot;
        const char* words = f->choices && strcmp(f->choices, "#") != 0 ? f->choices : NULL;
        char word[32];
        if (pick[0] < 0) snprintf(out, cap, "none");
        else if (!f->choices) snprintf(out, cap, "%d", pick[0]);
        else if (!words) snprintf(out, cap, "%d.%d", pick[0], pick[1]);
        else if (choice_name(words, pick[1], word, sizeof word), strncmp(word, "final", 5) == 0) snprintf(out, cap, "%s", word);
        else snprintf(out, cap, "%d.%s", pick[0], word);
        break;
    }
    }
}

int config_intervened(const Config* c) {
    return c->skip_layer[0] >= 0 || c->zero_head[0] >= 0 || c->remove_norm[0] >= 0 || c->residual_scale != 1.0;
}

void config_clear_interventions(Config* c) {
    for (int i = 0; i < N_CONFIG_FIELDS; i++)
        if (CONFIG_FIELDS[i].intervention) field_set(c, &CONFIG_FIELDS[i], CONFIG_FIELDS[i].fallback);
}

int config_same_weights(const Config* a, const Config* b) {
    for (int i = 0; i < N_CONFIG_FIELDS; i++) {
        const FieldSpec* f = &CONFIG_FIELDS[i];
        if (!f->shapes_weights) continue;
        char x[64], y[64];
        config_get(a, f, x, sizeof x);
        config_get(b, f, y, sizeof y);
        if (strcmp(x, y) != 0) return 0;
    }
    return 1;
}

int config_head_dim(const Config* c) { return c->d_model / c->n_heads; }
