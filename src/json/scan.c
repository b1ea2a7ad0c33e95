/* The allocation-free member scanner: find one top-level member of an object in raw JSON
 * text without building a tree (usage observation on hot paths, model rewriting). */
#include "json/json.h"

#include <stdbool.h>
#include <string.h>

#include "json/internal.h"

static size_t scan_ws(const unsigned char *p, size_t n, size_t i)
{
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
        i++;
    return i;
}

/* p[i] == '"'; index just past the closing quote, or 0 when unterminated. */
static size_t scan_str(const unsigned char *p, size_t n, size_t i)
{
    for (i++; i < n; i++) {
        if (p[i] == '\\')
            i++;
        else if (p[i] == '"')
            return i + 1;
    }
    return 0;
}

/* Index just past the value starting at p[i], or 0 when malformed. */
static size_t scan_value(const unsigned char *p, size_t n, size_t i)
{
    if (i >= n)
        return 0;
    unsigned char c = p[i];
    if (c == '"')
        return scan_str(p, n, i);
    if (c == '{' || c == '[') {
        size_t depth = 0;
        while (i < n) {
            c = p[i];
            if (c == '"') {
                i = scan_str(p, n, i);
                if (!i)
                    return 0;
                continue;
            }
            if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                if (--depth == 0)
                    return i + 1;
            }
            i++;
        }
        return 0;
    }
    size_t s = i;
    while (i < n && (sy_json__is_digit(p[i]) || (p[i] >= 'a' && p[i] <= 'z') || p[i] == '-' || p[i] == '+' ||
                     p[i] == '.' || p[i] == 'E'))
        i++;
    return i > s ? i : 0;
}

/* Does the raw key body r[0..n) (between the quotes) decode to key? A decoded NUL ends the key,
 * as it does for json-c. */
static bool key_matches(const unsigned char *r, size_t n, const char *key)
{
    if (!memchr(r, '\\', n))
        return strlen(key) == n && memcmp(r, key, n) == 0;
    size_t i = 0, k = 0;
    while (i < n) {
        unsigned char tmp[4];
        size_t m;
        if (r[i] == '\\') {
            m = sy_json__decode_escape(r, n, &i, tmp);
            if (m == 0)
                return false;
        } else {
            tmp[0] = r[i++];
            m = 1;
        }
        for (size_t t = 0; t < m; t++) {
            if (tmp[t] == 0)
                return key[k] == '\0';
            if ((unsigned char)key[k] != tmp[t])
                return false;
            k++;
        }
    }
    return key[k] == '\0';
}

bool sy_json_find_member(sy_slice text, const char *key, size_t *start, size_t *end)
{
    const unsigned char *p = (const unsigned char *)text.ptr;
    size_t n = text.ptr ? text.len : 0;
    if (!key)
        return false;
    size_t i = scan_ws(p, n, 0);
    if (i >= n || p[i] != '{')
        return false;
    i = scan_ws(p, n, i + 1);
    if (i < n && p[i] == '}')
        return false;
    bool found = false;
    size_t fs = 0, fe = 0;
    for (;;) {
        if (i >= n || p[i] != '"')
            return false;
        size_t ke = scan_str(p, n, i);
        if (!ke)
            return false;
        bool match = key_matches(p + i + 1, ke - i - 2, key);
        i = scan_ws(p, n, ke);
        if (i >= n || p[i] != ':')
            return false;
        i = scan_ws(p, n, i + 1);
        size_t ve = scan_value(p, n, i);
        if (!ve)
            return false;
        if (match) {
            found = true;
            fs = i;
            fe = ve;
        }
        i = scan_ws(p, n, ve);
        if (i < n && p[i] == ',') {
            i = scan_ws(p, n, i + 1);
            continue;
        }
        if (i < n && p[i] == '}')
            break;
        return false;
    }
    if (found) {
        *start = fs;
        *end = fe;
    }
    return found;
}
