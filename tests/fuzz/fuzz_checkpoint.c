// fuzz_checkpoint.c — libFuzzer target: the safetensors reader on any bytes,
// read as weights and then as a training checkpoint. A file that loads must
// also run a forward, a backward and an optimizer step; one that does not must
// say why in a printable one-line message.
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "report.h"
#include "fuzz_common.h"

#define RUN_BYTES_MAX ((uint64_t)4 << 20)  // loaded models above this are only loaded: keeps executions fast

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    Model m;
    model_init(&m);
    Status s = checkpoint_load(&m, data, size);
    fuzz_check_status(s);
    const uint8_t tokens[3] = {'a', 0, 0xff};
    // whatever loads must run: a refusal here would be a defect
    if (s.ok && model_weight_bytes(&m.config) <= RUN_BYTES_MAX && m.config.max_tokens >= 3) {
        if (!model_forward(&m, tokens, 3).ok) abort();
        Text report = {0};  // lens and checks over whatever the weights hold (NaN, ±Inf, 1e38)
        if (!report_json(&m, 0, &report).ok) abort();
        free(report.data);
        if (!model_gradients(&m, tokens, 3).ok) abort();
    }
    Trainer t;
    trainer_init(&t);
    s = checkpoint_load_training(&m, &t, data, size, tokens, 3);
    fuzz_check_status(s);
    if (s.ok && model_weight_bytes(&m.config) <= RUN_BYTES_MAX &&
        (uint64_t)t.config.batch_size * (uint64_t)t.config.seq_len <= 256 && !trainer_step(&t, &m).ok)
        abort();
    trainer_release(&t);
    model_release(&m);
    return 0;
}
