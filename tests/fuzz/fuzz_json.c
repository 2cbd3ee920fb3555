// fuzz_json.c — libFuzzer target: the JSON reader behind safetensors headers,
// on any bytes. A parse either succeeds with a tree that can be walked and
// freed, or fails with a printable message.
#include <string.h>

#include "fuzz_common.h"
#include "json_parse.h"

// Visits every node; the counts json_length gives must match the tree.
static int walk(const JsonNode* node) {
    int n = 0;
    for (; node; node = node->next) {
        n++;
        if (node->type == JSON_STRING && !node->string) abort();
        if (node->type == JSON_OBJECT) json_get(node, "__metadata__");
        int children = walk(node->child);
        if (node->type == JSON_ARRAY && json_length(node) != children) abort();
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    JsonNode* root = NULL;
    Status s = json_parse(&root, (const char*)data, size);
    fuzz_check_status(s);
    if (s.ok) {
        if (!root) abort();
        walk(root);
    } else if (root) {
        abort();  // a failed parse hands nothing out
    }
    json_free(root);
    return 0;
}
