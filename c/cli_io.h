// cli_io.h — what both CLI commands (cli.c, cli_train.c) share.
#ifndef NORMSCOPE_CLI_IO_H
#define NORMSCOPE_CLI_IO_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

// Prints "normscope: message" on stderr; returns code (the exit status).
int fail(int code, const char* message);
// Reads a whole file into *out (malloc'd); on failure writes a message to error.
int read_file(const char* path, uint8_t** out, size_t* n, char* error, size_t cap);
Status write_file(const char* path, const uint8_t* bytes, size_t n);
// Serializes the model (checkpoint_save, checkpoint_save_grads) into a file.
Status write_bytes(const char* path, const Model* m, Status (*serialize)(const Model*, uint8_t**, size_t*));
// `normscope train …`
int train_main(int argc, char** argv);

#endif
