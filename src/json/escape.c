/* JSON string escapes: one `\\…` sequence (including \\uXXXX surrogate pairs) to UTF-8,
 * shared by the parser (read.c) and the member scanner (scan.c). */
#include <stdbool.h>
#include <stddef.h>

#include "json/internal.h"

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Four hex digits at p[0..3] (n bytes available). -1 when not four hex digits; *badpos gets the
 * index of the first bad one (may be n). */
static long hex4(const unsigned char *p, size_t n, size_t *badpos)
{
    long v = 0;
    for (size_t k = 0; k < 4; k++) {
        int h = k < n ? hexval(p[k]) : -1;
        if (h < 0) {
            *badpos = k;
            return -1;
        }
        v = v * 16 + h;
    }
    return v;
}

static size_t utf8_put(unsigned long cp, unsigned char out[4])
{
    if (cp < 0x80) {
        out[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (unsigned char)(0xC0 | (cp >> 6));
        out[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (unsigned char)(0xE0 | (cp >> 12));
        out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (unsigned char)(0xF0 | (cp >> 18));
    out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

size_t sy_json__decode_escape(const unsigned char *p, size_t n, size_t *i, unsigned char out[4])
{
    size_t at = *i + 1;
    if (at >= n) {
        *i = at;
        return 0;
    }
    unsigned char c = p[at];
    unsigned char simple = 0;
    switch (c) {
    case '"': simple = '"'; break;
    case '\\': simple = '\\'; break;
    case '/': simple = '/'; break;
    case 'b': simple = '\b'; break;
    case 'f': simple = '\f'; break;
    case 'n': simple = '\n'; break;
    case 'r': simple = '\r'; break;
    case 't': simple = '\t'; break;
    case 'u': break;
    default:
        *i = at;
        return 0;
    }
    if (simple) {
        out[0] = simple;
        *i = at + 1;
        return 1;
    }
    size_t bad;
    long cp = hex4(p + at + 1, n - (at + 1), &bad);
    if (cp < 0) {
        *i = at + 1 + bad;
        return 0;
    }
    at += 5;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        /* A high surrogate pairs only with an immediately following \uDC00-\uDFFF. */
        if (at + 1 < n && p[at] == '\\' && p[at + 1] == 'u') {
            long lo = hex4(p + at + 2, n - (at + 2), &bad);
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                *i = at + 6;
                return utf8_put(0x10000 + (((unsigned long)cp - 0xD800) << 10) + ((unsigned long)lo - 0xDC00), out);
            }
        }
        cp = 0xFFFD;
    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
        cp = 0xFFFD;
    }
    *i = at;
    return utf8_put((unsigned long)cp, out);
}
