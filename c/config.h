// config.h — the model configuration: one table of fields drives parsing,
// validation, the CLI flags, checkpoint metadata and the JS description.
#ifndef NORMSCOPE_CONFIG_H
#define NORMSCOPE_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

typedef enum { NORM_LAYERNORM, NORM_RMSNORM, NORM_NONE } NormKind;
typedef enum { PLACE_PRE, PLACE_POST } Placement;
typedef enum { ACT_GELU, ACT_RELU, ACT_SWIGLU } Activation;
typedef enum { POS_ROPE, POS_SINUSOIDAL, POS_LEARNED, POS_NONE } PosKind;
typedef enum { ROPE_INTERLEAVED, ROPE_HALF } RopePairing;
typedef enum { INIT_NORMAL, INIT_XAVIER } InitKind;

typedef struct {
    int n_layers;
    int d_model;
    int n_heads;
    int d_ff;          // 0 = auto: 4 × d_model (resolved by config_validate)
    int norm;          // NormKind
    int placement;     // Placement
    int residual;      // 1 on, 0 off
    int activation;    // Activation
    int pos;           // PosKind
    double rope_theta;
    int rope_pairing;  // RopePairing
    double norm_eps;
    int init;          // InitKind
    double init_std;
    uint64_t seed;
    int max_tokens;
    // Interventions (DESIGN.md, "Looking deeper"): behaviour, never weights,
    // and not written to checkpoints. A pick is {layer, part}; layer −1 = none.
    int skip_layer[2];      // {L, 0}
    int zero_head[2];       // {L, H}
    int remove_norm[2];     // {L, NORM_PART_ATTN | NORM_PART_FFN} or {0, NORM_PART_FINAL}
    double residual_scale;  // α: the skip path is α·x (1 = the plain model)
} Config;

enum { NORM_PART_ATTN, NORM_PART_FFN, NORM_PART_FINAL };

// FIELD_PICK: "none", or a layer "L", "L.H" (choices "#") or "L.word"
// (choices: words; a word starting "final" stands alone); stored as int[2].
typedef enum { FIELD_INT, FIELD_REAL, FIELD_CHOICE, FIELD_U64, FIELD_PICK } FieldKind;

typedef struct {
    const char* name;        // DESIGN.md field name (snake case)
    FieldKind kind;
    size_t offset;           // offsetof(Config, …)
    double min, max;         // inclusive range for INT; exclusive lower bound for REAL (< 0: 0 allowed)
    const char* choices;     // space-separated, in enum order, for CHOICE
    const char* fallback;    // default, as text
    int shapes_weights;      // 1: changing it rebuilds the weights from the seed
    const char* help;
    int intervention;        // 1: a what-if on the model: not saved in checkpoints, no gradients
} FieldSpec;

extern const FieldSpec CONFIG_FIELDS[];
extern const int N_CONFIG_FIELDS;

void config_defaults(Config* c);
const FieldSpec* config_field(const char* name);
// Sets one field from text; on failure returns an error naming the field and range.
Status config_set(Config* c, const char* name, const char* value);
// Checks cross-field rules and resolves d_ff = 0 to 4 × d_model.
Status config_validate(Config* c);
// Writes the field's value as text (used for metadata and JSON).
void config_get(const Config* c, const FieldSpec* f, char* out, size_t cap);
int config_same_weights(const Config* a, const Config* b);
// Any struct a FieldSpec table describes (the model's, training's).
const FieldSpec* field_find(const FieldSpec* table, int n, const char* name);
void field_defaults(void* target, size_t size, const FieldSpec* table, int n);
Status field_set(void* target, const FieldSpec* f, const char* value);
void field_get(const void* target, const FieldSpec* f, char* out, size_t cap);
int config_head_dim(const Config* c);
// Whether any intervention field differs from its default.
int config_intervened(const Config* c);
// The config with every intervention back to its default (the unmodified model).
void config_clear_interventions(Config* c);

#endif
