// fuzz_config.c — libFuzzer target: the config parser as the page's URL and
// the CLI's flags reach it. The input is a query string (name=value&…,
// percent-decoded as URLSearchParams does); model fields go to config_set,
// training fields to field_set, then the cross-field rules. Every refusal
// must name its field; a config that is accepted and small must run, with
// gradients and one optimizer step.
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "report.h"
#include "fuzz_common.h"

#define RUN_BYTES_MAX ((uint64_t)192 << 10)  // tiny models run; larger ones are only checked, to keep executions fast

static int hex(int ch) {
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

// Decodes [from, to) into out (NUL-terminated): '+' is a space, %XX a byte.
static void decode(const uint8_t* from, const uint8_t* to, char* out) {
    while (from < to) {
        if (*from == '+') *out++ = ' ', from++;
        else if (*from == '%' && to - from >= 3 && hex(from[1]) >= 0 && hex(from[2]) >= 0)
            *out++ = (char)(hex(from[1]) * 16 + hex(from[2])), from += 3;
        else *out++ = (char)*from++;
    }
    *out = 0;
}

static void check_names(Status s, const char* name) {
    fuzz_check_status(s);
    if (!s.ok && !strstr(s.message, name)) abort();  // the message names the field
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    Config c;
    TrainConfig t;
    config_defaults(&c);
    train_defaults(&t);
    char* name = malloc(size + 1);
    char* value = malloc(size + 1);
    const uint8_t *p = data, *end = data + size;
    while (p < end) {
        const uint8_t* amp = memchr(p, '&', (size_t)(end - p));
        if (!amp) amp = end;
        const uint8_t* eq = memchr(p, '=', (size_t)(amp - p));
        decode(p, eq ? eq : amp, name);
        decode(eq ? eq + 1 : amp, amp, value);
        if (config_field(name)) check_names(config_set(&c, name, value), name);
        else if (train_field(name)) check_names(field_set(&t, train_field(name), value), name);
        else fuzz_check_status(config_set(&c, name, value));  // unknown: refused, still one printable line
        p = amp + 1;
    }
    free(name);
    free(value);

    Status s = config_validate(&c);
    fuzz_check_status(s);
    const uint8_t text[4] = {'n', 'o', 0x00, 0xc3};
    if (!s.ok || model_weight_bytes(&c) > RUN_BYTES_MAX || c.max_tokens < 4) return 0;
    // an accepted small config must run (and its report, lens and checks be written),
    // with gradients unless an intervention is set; refusing it would be a defect
    if (!model_check_run(&c, 4).ok) abort();
    Model m;
    model_init(&m);
    if (!model_configure(&m, &c).ok || !model_forward(&m, text, 4).ok) abort();
    Text report = {0};
    if (!report_json(&m, 0, &report).ok) abort();
    free(report.data);
    Status g = model_gradients(&m, text, 4);
    if (config_intervened(&c)) {  // refused, with a message naming the intervention
        fuzz_check_status(g);
        if (g.ok) abort();
        model_release(&m);
        return 0;
    }
    if (!g.ok) abort();
    Trainer tr;
    trainer_init(&tr);
    if ((uint64_t)t.batch_size * (uint64_t)t.seq_len <= 32) {
        s = trainer_start(&tr, &m, &t, text, 4);  // may refuse: seq_len past max_tokens, too short for the task
        fuzz_check_status(s);
        if (s.ok && !trainer_step(&tr, &m).ok) abort();
    }
    trainer_release(&tr);
    model_release(&m);
    return 0;
}
