// checkpoint.h — safetensors in and out (DESIGN.md, "Checkpoints").
#ifndef NORMSCOPE_CHECKPOINT_H
#define NORMSCOPE_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

// Serializes the model's weights and config; *out is malloc'd.
Status checkpoint_save(const Model* m, uint8_t** out, size_t* n);
// Validates everything before touching the model: on failure the model is
// unchanged and the message names the problem (and the tensor, if one).
Status checkpoint_load(Model* m, const uint8_t* bytes, size_t n);

#endif
