// checkpoint.h — safetensors in and out (DESIGN.md, "Checkpoints").
#ifndef NORMSCOPE_CHECKPOINT_H
#define NORMSCOPE_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "train.h"

// A training checkpoint adds the optimizer's moments under these prefixes.
#define OPTIMIZER_M "optimizer.m."
#define OPTIMIZER_V "optimizer.v."

// Serializes the model's weights and config; *out is malloc'd.
Status checkpoint_save(const Model* m, uint8_t** out, size_t* n);
// The last run's gradients, each under its weight's name and shape, with
// "content": "gradients" and the loss in the metadata; such a file is refused as weights.
Status checkpoint_save_grads(const Model* m, uint8_t** out, size_t* n);
// Weights, the optimizer's moments and the training state (metadata "train.*"):
// checkpoint_load_training resumes from it bit for bit.
Status checkpoint_save_training(const Model* m, const Trainer* t, uint8_t** out, size_t* n);
// Validates everything before touching the model: on failure the model is
// unchanged and the message names the problem (and the tensor, if one).
Status checkpoint_load(Model* m, const uint8_t* bytes, size_t n);
// As checkpoint_load, and restarts `t` from the file's training state (text:
// the text task's). A file without one, or whose state does not fit, is
// refused before the model or `t` changes.
Status checkpoint_load_training(Model* m, Trainer* t, const uint8_t* bytes, size_t n, const uint8_t* text, int text_len);

#endif
