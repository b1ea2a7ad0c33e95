/* Private to the json module (read.c and write.c); nothing outside src/json includes this. */
#ifndef SY_JSON_INTERNAL_H
#define SY_JSON_INTERNAL_H

#include <stddef.h>

struct sy_json;

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
