// cli_io.c — what both CLI commands share: one-line errors, reading and
// writing whole files.
#include "cli_io.h"
#include "memory.h"

#include <stdio.h>
#include <stdlib.h>

int fail(int code, const char* message) {
    fprintf(stderr, "normscope: %s\n", message);
    return code;
}

int read_file(const char* path, uint8_t** out, size_t* n, char* error, size_t cap) {
    FILE* f = fopen(path, "rb");
    if (!f) { snprintf(error, cap, "cannot open %s", path); return 0; }
    size_t size = 0, cap_bytes = 1 << 16;
    uint8_t* data = mem_alloc(cap_bytes);
    for (size_t got; data && (got = fread(data + size, 1, cap_bytes - size, f)) > 0;) {
        size += got;
        if (size == cap_bytes) {
            uint8_t* grown = mem_realloc(data, cap_bytes *= 2);
            if (!grown) { free(data); data = NULL; }
            else data = grown;
        }
    }
    int bad = ferror(f) || !data;
    fclose(f);
    if (bad) { free(data); snprintf(error, cap, "cannot read %s", path); return 0; }
    *out = data, *n = size;
    return 1;
}

Status write_file(const char* path, const uint8_t* bytes, size_t n) {
    FILE* f = fopen(path, "wb");
    int written = f && fwrite(bytes, 1, n, f) == n;
    if (f && fclose(f) != 0) written = 0;
    return written ? status_ok() : status_error("cannot write %s", path);
}

Status write_bytes(const char* path, const Model* m, Status (*serialize)(const Model*, uint8_t**, size_t*)) {
    uint8_t* bytes = NULL;
    size_t n = 0;
    Status s = serialize(m, &bytes, &n);
    if (s.ok) s = write_file(path, bytes, n);
    free(bytes);
    return s;
}
