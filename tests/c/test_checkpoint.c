// test_checkpoint.c — safetensors round trip, and every kind of bad file
// refused with a message naming the problem while the old model stays.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "model.h"
#include "rng.h"
#include "test.h"

typedef struct {
    uint8_t* bytes;
    size_t n;
} Blob;

static Blob saved_model(const char* norm, const char* activation, const char* pos) {
    Model m;
    model_init(&m);
    Config c;
    config_defaults(&c);
    config_set(&c, "n_layers", "2"), config_set(&c, "d_model", "16"), config_set(&c, "d_ff", "24");
    config_set(&c, "norm", norm), config_set(&c, "activation", activation), config_set(&c, "pos", pos);
    config_set(&c, "max_tokens", "16");
    Status s = model_configure(&m, &c);
    Blob b = {0};
    if (s.ok) s = checkpoint_save(&m, &b.bytes, &b.n);
    CHECK(s.ok, "save: %s", s.message);
    model_release(&m);
    return b;
}

static uint64_t header_length(const Blob* b) {
    uint64_t n = 0;
    for (int i = 0; i < 8; i++) n |= (uint64_t)b->bytes[i] << (8 * i);
    return n;
}

// A new file whose header is `header` (any text) followed by b's data.
static Blob with_header(const Blob* b, const char* header) {
    uint64_t old = header_length(b);
    size_t data = b->n - 8 - old, len = strlen(header);
    Blob out = {malloc(8 + len + data), 8 + len + data};
    for (int i = 0; i < 8; i++) out.bytes[i] = (uint8_t)((uint64_t)len >> (8 * i));
    memcpy(out.bytes + 8, header, len);
    memcpy(out.bytes + 8 + len, b->bytes + 8 + old, data);
    return out;
}

// b's header with the first `from` replaced by `to`.
static Blob edited(const Blob* b, const char* from, const char* to) {
    uint64_t old = header_length(b);
    char* header = malloc(old + strlen(to) + 1);
    memcpy(header, b->bytes + 8, old);
    header[old] = 0;
    char* at = strstr(header, from);
    CHECK(at != NULL, "test setup: \"%s\" not in header", from);
    if (at) {
        size_t tail = strlen(at + strlen(from)) + 1;
        char* rest = malloc(tail);
        memcpy(rest, at + strlen(from), tail);
        strcpy(at, to);
        strcat(at, rest);
        free(rest);
    }
    Blob out = with_header(b, header);
    free(header);
    return out;
}

// Loads into a model that already holds a 1-layer model; the load must fail
// with a message containing `want`, and the old model must be untouched.
static void expect_refused(const char* what, Blob file, const char* want) {
    Model m;
    model_init(&m);
    Config c;
    config_defaults(&c);
    config_set(&c, "n_layers", "1");
    model_configure(&m, &c);
    float first = m.w.tok_embeddings[0];
    Status s = checkpoint_load(&m, file.bytes, file.n);
    CHECK(!s.ok, "%s: a bad file was accepted", what);
    CHECK(s.ok || strstr(s.message, want), "%s: message \"%s\" should mention \"%s\"", what, s.message, want);
    CHECK(m.has_weights && m.config.n_layers == 1 && m.w.tok_embeddings[0] == first,
          "%s: the previous model must stay after a refused load", what);
    uint8_t tok[3] = {'a', 'b', 'c'};
    CHECK(model_forward(&m, tok, 3).ok, "%s: the previous model must still run", what);
    model_release(&m);
    free(file.bytes);
}

static void test_round_trip(void) {
    const char* norms[] = {"layernorm", "rmsnorm", "none"};
    const char* acts[] = {"gelu", "swiglu"};
    const char* positions[] = {"rope", "learned"};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 2; j++)
            for (int k = 0; k < 2; k++) {
                Blob b = saved_model(norms[i], acts[j], positions[k]);
                Model m;
                model_init(&m);
                Status s = checkpoint_load(&m, b.bytes, b.n);
                CHECK(s.ok, "load %s/%s/%s: %s", norms[i], acts[j], positions[k], s.message);
                Blob again = {0};
                if (s.ok) s = checkpoint_save(&m, &again.bytes, &again.n);
                CHECK(s.ok && again.n == b.n && memcmp(again.bytes, b.bytes, b.n) == 0,
                      "save(load(f)) must equal f for %s/%s/%s", norms[i], acts[j], positions[k]);
                CHECK(m.weights_from_file == 1, "loaded weights are marked as from a file");
                free(again.bytes), free(b.bytes);
                model_release(&m);
            }
}

static void test_bad_files(void) {
    Blob good = saved_model("layernorm", "gelu", "rope");
    Blob empty = {malloc(1), 0};
    expect_refused("empty", empty, "empty");
    Blob short_file = {malloc(5), 5};
    memcpy(short_file.bytes, good.bytes, 5);
    expect_refused("5 bytes", short_file, "truncated");
    Blob huge = {malloc(good.n), good.n};
    memcpy(huge.bytes, good.bytes, good.n);
    huge.bytes[7] = 0x10;  // header length ≈ 2^60
    expect_refused("absurd header length", huge, "absurd");
    Blob cut_header = {malloc(40), 40};
    memcpy(cut_header.bytes, good.bytes, 40);
    expect_refused("cut inside the header", cut_header, "truncated");
    Blob cut_data = {malloc(good.n - 4), good.n - 4};
    memcpy(cut_data.bytes, good.bytes, good.n - 4);
    expect_refused("cut inside the data", cut_data, "outside");
    expect_refused("not JSON", with_header(&good, "hello, world    "), "not valid JSON");
    expect_refused("JSON array", with_header(&good, "[1,2,3]"), "object");
    expect_refused("unterminated JSON", with_header(&good, "{\"a\":{\"dtype\":\"F3"), "JSON");
    expect_refused("deep JSON", with_header(&good, "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"), "deep");
    expect_refused("F16 dtype", edited(&good, "\"F32\"", "\"F16\""), "only F32");
    expect_refused("wrong shape", edited(&good, "\"shape\":[256,16]", "\"shape\":[256,17]"), "shape disagrees");
    expect_refused("missing tensor", edited(&good, "\"output.weight\"", "\"output.weight_renamed\""), "missing");
    expect_refused("offsets past the end", edited(&good, "\"data_offsets\":[0,", "\"data_offsets\":[99999999999,"),
                   "outside");
    expect_refused("negative offset", edited(&good, "\"data_offsets\":[0,", "\"data_offsets\":[-4,"), "outside");
    expect_refused("offsets that do not match the shape", edited(&good, "\"data_offsets\":[0,16384]", "\"data_offsets\":[0,16380]"),
                   "shape needs");
    // the second tensor claims the first one's bytes (same length: both [16] vectors)
    expect_refused("overlapping tensors",
                   edited(&good, "\"layers.0.attention_norm.bias\":{\"dtype\":\"F32\",\"shape\":[16],\"data_offsets\":[16448,16512]",
                          "\"layers.0.attention_norm.bias\":{\"dtype\":\"F32\",\"shape\":[16],\"data_offsets\":[16384,16448]"),
                   "overlap");
    Blob trailing = {malloc(good.n + 100), good.n + 100};
    memcpy(trailing.bytes, good.bytes, good.n);
    memset(trailing.bytes + good.n, 0, 100);
    expect_refused("bytes after the last tensor", trailing, "after its last tensor");
    expect_refused("a hole before the first tensor", edited(&good, "\"data_offsets\":[0,16384]", "\"data_offsets\":[4,16388]"),
                   "belongs to no tensor");
    expect_refused("repeated key", with_header(&good, "{\"a\":1,\"a\":2}"), "repeated key");
    expect_refused("NUL in a key", with_header(&good, "{\"output.weight\\u0000x\":1}"), "u0000");
    expect_refused("metadata d_model disagrees", edited(&good, "\"d_model\":\"16\"", "\"d_model\":\"32\""), "shape disagrees");
    expect_refused("metadata norm disagrees", edited(&good, "\"norm\":\"layernorm\"", "\"norm\":\"rmsnorm\""),
                   "metadata and tensors disagree");
    expect_refused("metadata out of range", edited(&good, "\"n_layers\":\"2\"", "\"n_layers\":\"0\""), "n_layers");
    expect_refused("metadata not a string", edited(&good, "\"n_layers\":\"2\"", "\"n_layers\":2"), "must be a string");

    // every truncation of a small file is refused, and no length reads out of bounds (ASan)
    Blob tiny = saved_model("none", "relu", "none");
    int accepted = 0;
    for (size_t n = 0; n < tiny.n; n += 1 + n / 64) {
        Model m;
        model_init(&m);
        uint8_t* copy = malloc(n ? n : 1);
        memcpy(copy, tiny.bytes, n);
        accepted += checkpoint_load(&m, copy, n).ok;
        free(copy);
        model_release(&m);
    }
    CHECK(accepted == 0, "%d truncated files were accepted", accepted);
    // random byte flips in the header: refused or loaded, never a crash (ASan watches)
    Rng rng = rng_for_tensor(3, "flips");
    uint64_t header = header_length(&tiny);
    for (int trial = 0; trial < 3000; trial++) {
        uint8_t* copy = malloc(tiny.n);
        memcpy(copy, tiny.bytes, tiny.n);
        for (int k = 0; k < 3; k++) copy[8 + rng_next(&rng) % header] = (uint8_t)rng_next(&rng);
        Model m;
        model_init(&m);
        Status s = checkpoint_load(&m, copy, tiny.n);
        CHECK(s.ok || s.message[0], "flip trial %d: a refusal needs a message", trial);
        free(copy);
        model_release(&m);
    }
    free(tiny.bytes), free(good.bytes);
}

static void test_nan_checkpoint(void) {
    Blob b = saved_model("layernorm", "gelu", "rope");
    uint64_t header = header_length(&b);
    float nan = NAN;
    for (size_t at = 8 + header; at + 4 <= b.n; at += 4) memcpy(b.bytes + at, &nan, 4);
    Model m;
    model_init(&m);
    Status s = checkpoint_load(&m, b.bytes, b.n);
    CHECK(s.ok, "a NaN checkpoint must load: %s", s.message);
    uint8_t tok[5] = {'h', 'e', 'l', 'l', 'o'};
    if (s.ok) s = model_forward(&m, tok, 5);
    CHECK(s.ok, "a NaN checkpoint must run: %s", s.message);
    if (s.ok) {
        float* stats = probe_at(m.probe_block, &m.layout, PROBE_site_stats, 1, SITE_resid_out);
        CHECK(stats[STAT_nan] == 5 * 16, "resid_out of layer 1 should count 80 NaN, got %g", stats[STAT_nan]);
        CHECK(isnan(stats[STAT_mean]), "the mean of an all-NaN site is NaN (written as null)");
    }
    model_release(&m);
    free(b.bytes);
}

void test_checkpoint(void) {
    printf("checkpoints\n");
    test_round_trip();
    test_bad_files();
    test_nan_checkpoint();
}
