// json_parse.h — a small strict JSON reader for safetensors headers. It
// never reads past the given length and reports the byte where it stopped.
#ifndef NORMSCOPE_JSON_PARSE_H
#define NORMSCOPE_JSON_PARSE_H

#include <stddef.h>

#include "status.h"

typedef enum { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } JsonType;

typedef struct JsonNode {
    JsonType type;
    double number;
    char* string;           // JSON_STRING value, or the key when inside an object
    char* key;
    struct JsonNode* child;  // first element / member
    struct JsonNode* next;   // next sibling
} JsonNode;

// Parses text[0, n). On success *root owns everything; free with json_free.
Status json_parse(JsonNode** root, const char* text, size_t n);
void json_free(JsonNode* node);
const JsonNode* json_get(const JsonNode* object, const char* key);
int json_length(const JsonNode* array);

#endif
