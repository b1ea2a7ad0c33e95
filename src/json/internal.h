/* Private to the json module (read.c, tree.c, scan.c, escape.c, write.c); nothing outside
 * src/json includes this. */
#ifndef SY_JSON_INTERNAL_H
#define SY_JSON_INTERNAL_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sy_json;

/* JSON null is NULL inside json-c; the reading API hands out this sentinel instead so that a null
 * member can be told from an absent one. It is never dereferenced (defined in tree.c). */
extern char sy_json__null_node;
#define SY_JSON_NULL_NODE ((struct sy_json *)(void *)&sy_json__null_node)

static inline bool sy_json__is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

static inline json_object *sy_json__jo(const struct sy_json *j)
{
    return (j == NULL || j == SY_JSON_NULL_NODE) ? NULL : (json_object *)(uintptr_t)j;
}

static inline const struct sy_json *sy_json__wrap(json_object *o)
{
    return o ? (const struct sy_json *)o : SY_JSON_NULL_NODE;
}

/* Decode one escape sequence starting at p[*i] == '\\' (string body of n bytes). Writes the UTF-8
 * bytes to out and advances *i past the escape. Lone surrogates become U+FFFD, like json-c.
 * Returns the number of bytes written, or 0 on a malformed escape with *i at the offending byte. */
size_t sy_json__decode_escape(const unsigned char *p, size_t n, size_t *i, unsigned char out[4]);

/* The original text of a parsed real or out-of-int64 integer, or NULL for any other node. */
const char *sy_json__number_text(const struct sy_json *j);

/* Strict UTF-8 sequence check (Unicode table 3-7: no overlong forms, no surrogates, nothing above
 * U+10FFFF), shared by the parser and the escaper. */
/* Look at the sequence starting at p[0] (p[0] >= 0x80, n >= 1). Returns its length (2..4) when it
 * is well formed; otherwise 0 and *bad = length of the maximal ill-formed subpart (>= 1), which is
 * what one U+FFFD replaces (the W3C/Unicode "maximal subpart" practice). */
static inline size_t sy_utf8_seq(const unsigned char *p, size_t n, size_t *bad)
{
    unsigned char c = p[0];
    size_t need;
    unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    if (c >= 0xC2 && c <= 0xDF) {
        need = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        *bad = 1;
        return 0;
    }
    size_t i = 1;
    for (; i < need; i++) {
        if (i >= n)
            break;
        unsigned char b = p[i];
        if (i == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF))
            break;
    }
    if (i == need)
        return need;
    *bad = i;
    return 0;
}

#endif
