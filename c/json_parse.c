// json_parse.c — recursive descent over RFC 8259, depth-limited.
#include "json_parse.h"
#include "memory.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    const char* text;
    size_t n, at;
    int depth;
    Status status;
} Parser;

#define MAX_DEPTH 32

static int fail(Parser* p, const char* what) {
    if (p->status.ok) p->status = status_error("header is not valid JSON: %s at byte %zu", what, p->at);
    return 0;
}

static void skip_space(Parser* p) {
    while (p->at < p->n && (p->text[p->at] == ' ' || p->text[p->at] == '\t' || p->text[p->at] == '\n' ||
                            p->text[p->at] == '\r'))
        p->at++;
}

static JsonNode* new_node(Parser* p, JsonType type) {
    JsonNode* node = mem_calloc(1, sizeof *node);
    if (!node) fail(p, "out of memory");
    else node->type = type;
    return node;
}

static int hex4(Parser* p, unsigned* out) {
    if (p->at + 4 > p->n) return fail(p, "short \\u escape");
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char ch = p->text[p->at++];
        v <<= 4;
        if (ch >= '0' && ch <= '9') v |= (unsigned)(ch - '0');
        else if (ch >= 'a' && ch <= 'f') v |= (unsigned)(ch - 'a' + 10);
        else if (ch >= 'A' && ch <= 'F') v |= (unsigned)(ch - 'A' + 10);
        else return fail(p, "bad \\u escape");
    }
    *out = v;
    return 1;
}

static char* parse_string(Parser* p) {
    p->at++;  // opening quote
    size_t start = p->at;
    while (p->at < p->n && p->text[p->at] != '"') p->at += p->text[p->at] == '\\' ? 2 : 1;
    if (p->at >= p->n) { fail(p, "unterminated string"); return NULL; }
    size_t end = p->at;
    char* out = mem_alloc(end - start + 1);
    if (!out) { fail(p, "out of memory"); return NULL; }
    size_t len = 0;
    p->at = start;
    while (p->at < end) {
        unsigned char ch = (unsigned char)p->text[p->at++];
        if (ch < 0x20) { free(out); fail(p, "control character in string"); return NULL; }
        if (ch != '\\') { out[len++] = (char)ch; continue; }
        char esc = p->text[p->at++];
        const char* from = "\"\\/bfnrt";
        const char* to = "\"\\/\b\f\n\r\t";
        const char* hit = strchr(from, esc);
        if (esc && hit) { out[len++] = to[hit - from]; continue; }
        unsigned code;
        if (esc != 'u' || !hex4(p, &code)) { free(out); fail(p, "bad escape"); return NULL; }
        if (code == 0) { free(out); fail(p, "\\u0000 in a string"); return NULL; }
        // names and metadata are ASCII in practice; other code points become '?'
        out[len++] = code < 0x80 ? (char)code : '?';
    }
    out[len] = 0;
    p->at = end + 1;
    return out;
}

static JsonNode* parse_value(Parser* p);

static JsonNode* parse_container(Parser* p, int object) {
    JsonNode* node = new_node(p, object ? JSON_OBJECT : JSON_ARRAY);
    if (!node) return NULL;
    if (++p->depth > MAX_DEPTH) { fail(p, "nesting too deep"); return node; }
    p->at++;
    skip_space(p);
    JsonNode** tail = &node->child;
    if (p->at < p->n && p->text[p->at] == (object ? '}' : ']')) { p->at++; p->depth--; return node; }
    for (;;) {
        char* key = NULL;
        if (object) {
            skip_space(p);
            if (p->at >= p->n || p->text[p->at] != '"') { fail(p, "expected a key"); return node; }
            if (!(key = parse_string(p))) return node;
            skip_space(p);
            if (p->at >= p->n || p->text[p->at] != ':') { free(key); fail(p, "expected ':'"); return node; }
            p->at++;
        }
        if (key && json_get(node, key)) {  // readers disagree on which copy wins: refuse
            fail(p, "repeated key");
            free(key);
            return node;
        }
        JsonNode* item = parse_value(p);
        if (!item) { free(key); return node; }
        item->key = key;
        *tail = item;
        tail = &item->next;
        if (!p->status.ok) return node;
        skip_space(p);
        if (p->at >= p->n) { fail(p, "unexpected end"); return node; }
        char ch = p->text[p->at++];
        if (ch == ',') continue;
        if (ch == (object ? '}' : ']')) break;
        fail(p, object ? "expected ',' or '}'" : "expected ',' or ']'");
        return node;
    }
    p->depth--;
    return node;
}

static JsonNode* parse_value(Parser* p) {
    skip_space(p);
    if (p->at >= p->n) { fail(p, "unexpected end"); return NULL; }
    char ch = p->text[p->at];
    if (ch == '{' || ch == '[') return parse_container(p, ch == '{');
    if (ch == '"') {
        char* s = parse_string(p);
        if (!s) return NULL;
        JsonNode* node = new_node(p, JSON_STRING);
        if (!node) { free(s); return NULL; }
        node->string = s;
        return node;
    }
    static const char* const words[] = {"null", "true", "false"};
    for (int i = 0; i < 3; i++) {
        size_t len = strlen(words[i]);
        if (p->n - p->at >= len && memcmp(p->text + p->at, words[i], len) == 0) {
            p->at += len;
            JsonNode* node = new_node(p, i == 0 ? JSON_NULL : JSON_BOOL);
            if (node) node->number = i == 1;
            return node;
        }
    }
    // number: copy the lexeme into a bounded buffer so strtod cannot overrun
    char lexeme[64];
    size_t len = 0;
    while (p->at < p->n && len < sizeof lexeme - 1 && strchr("+-0123456789.eE", p->text[p->at]) && p->text[p->at])
        lexeme[len++] = p->text[p->at++];
    lexeme[len] = 0;
    char* end;
    double v = strtod(lexeme, &end);
    if (len == 0 || *end) { fail(p, "unexpected character"); return NULL; }
    JsonNode* node = new_node(p, JSON_NUMBER);
    if (node) node->number = v;
    return node;
}

Status json_parse(JsonNode** root, const char* text, size_t n) {
    Parser p = {text, n, 0, 0, status_ok()};
    JsonNode* node = parse_value(&p);
    skip_space(&p);
    if (p.status.ok && p.at != n) fail(&p, "trailing characters");
    if (!p.status.ok) {
        json_free(node);
        *root = NULL;
        return p.status;
    }
    *root = node;
    return p.status;
}

void json_free(JsonNode* node) {
    while (node) {
        JsonNode* next = node->next;
        json_free(node->child);
        free(node->string), free(node->key), free(node);
        node = next;
    }
}

const JsonNode* json_get(const JsonNode* object, const char* key) {
    if (!object || object->type != JSON_OBJECT) return NULL;
    for (const JsonNode* c = object->child; c; c = c->next)
        if (c->key && strcmp(c->key, key) == 0) return c;
    return NULL;
}

int json_length(const JsonNode* array) {
    int n = 0;
    for (const JsonNode* c = array ? array->child : NULL; c; c = c->next) n++;
    return n;
}
