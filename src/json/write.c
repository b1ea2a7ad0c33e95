/* Streaming JSON writer and string escaping. */
#include "json/write.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/internal.h"
#include "json/json.h"

/* ---------------------------------------------------------------- escaping */

static const char hexdig[] = "0123456789abcdef";

sy_status sy_json_escape(struct sy_buf *b, sy_slice s)
{
    const unsigned char *p = (const unsigned char *)s.ptr;
    size_t n = s.ptr ? s.len : 0, i = 0, run = 0, orig = b->len;
    sy_status st = SY_OK;
    if (n == 0)
        return SY_OK; /* also keeps pointer arithmetic off a NULL slice */
    while (i < n) {
        unsigned char c = p[i];
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            i++;
            continue;
        }
        size_t adv = 1;
        char esc[6];
        const char *rep = esc;
        size_t rlen = 2;
        if (c >= 0x80) {
            size_t bad, k = sy_utf8_seq(p + i, n - i, &bad);
            if (k) {
                i += k;
                continue;
            }
            rep = "\xEF\xBF\xBD"; /* U+FFFD */
            rlen = 3;
            adv = bad;
        } else {
            esc[0] = '\\';
            switch (c) {
            case '"': esc[1] = '"'; break;
            case '\\': esc[1] = '\\'; break;
            case '\b': esc[1] = 'b'; break;
            case '\f': esc[1] = 'f'; break;
            case '\n': esc[1] = 'n'; break;
            case '\r': esc[1] = 'r'; break;
            case '\t': esc[1] = 't'; break;
            default:
                memcpy(esc, "\\u00", 4);
                esc[4] = hexdig[c >> 4];
                esc[5] = hexdig[c & 15];
                rlen = 6;
            }
        }
        if ((st = sy_buf_append(b, p + run, i - run)) != SY_OK || (st = sy_buf_append(b, rep, rlen)) != SY_OK)
            goto fail;
        i += adv;
        run = i;
    }
    if ((st = sy_buf_append(b, p + run, n - run)) == SY_OK)
        return SY_OK;
fail:
    b->len = orig;
    if (b->data)
        b->data[orig] = '\0';
    return st;
}

/* ---------------------------------------------------------------- writer state */

static bool bit_get(const uint64_t *set, unsigned d) { return (set[d / 64] >> (d % 64)) & 1u; }
static void bit_set(uint64_t *set, unsigned d) { set[d / 64] |= (uint64_t)1 << (d % 64); }
static void bit_clear(uint64_t *set, unsigned d) { set[d / 64] &= ~((uint64_t)1 << (d % 64)); }

void sy_jw_init(struct sy_json_writer *w, struct sy_buf *out)
{
    memset(w, 0, sizeof *w);
    w->out = out;
    w->st = SY_OK;
}

sy_status sy_jw_status(const struct sy_json_writer *w) { return w->st; }

static void put(struct sy_json_writer *w, const void *p, size_t n)
{
    if (w->st == SY_OK)
        w->st = sy_buf_append(w->out, p, n);
}

static void put_c(struct sy_json_writer *w, char c) { put(w, &c, 1); }

static void misuse(struct sy_json_writer *w)
{
    if (w->st == SY_OK)
        w->st = SY_EINTERNAL;
}

/* Comma and state bookkeeping before any value. false when nothing must be written. */
static bool pre_value(struct sy_json_writer *w)
{
    if (w->st != SY_OK)
        return false;
    unsigned d = w->depth;
    if (d > 0 && bit_get(w->is_obj, d)) {
        if (!w->after_key) {
            misuse(w);
            return false;
        }
        w->after_key = false;
        return true;
    }
    if (bit_get(w->has_items, d)) {
        if (d == 0) { /* a second top-level value */
            misuse(w);
            return false;
        }
        put_c(w, ',');
    }
    bit_set(w->has_items, d);
    return w->st == SY_OK;
}

static void begin(struct sy_json_writer *w, bool obj)
{
    if (w->st != SY_OK)
        return;
    if (w->depth >= SY_JW_MAX_DEPTH) {
        misuse(w);
        return;
    }
    if (!pre_value(w))
        return;
    w->depth++;
    bit_clear(w->has_items, w->depth);
    if (obj)
        bit_set(w->is_obj, w->depth);
    else
        bit_clear(w->is_obj, w->depth);
    put_c(w, obj ? '{' : '[');
}

static void end(struct sy_json_writer *w, bool obj)
{
    if (w->st != SY_OK)
        return;
    if (w->depth == 0 || bit_get(w->is_obj, w->depth) != obj || w->after_key) {
        misuse(w);
        return;
    }
    w->depth--;
    put_c(w, obj ? '}' : ']');
}

void sy_jw_obj_begin(struct sy_json_writer *w) { begin(w, true); }
void sy_jw_obj_end(struct sy_json_writer *w) { end(w, true); }
void sy_jw_arr_begin(struct sy_json_writer *w) { begin(w, false); }
void sy_jw_arr_end(struct sy_json_writer *w) { end(w, false); }

static void put_string(struct sy_json_writer *w, sy_slice s)
{
    put_c(w, '"');
    if (w->st == SY_OK)
        w->st = sy_json_escape(w->out, s);
    put_c(w, '"');
}

void sy_jw_key(struct sy_json_writer *w, const char *key)
{
    if (w->st != SY_OK)
        return;
    unsigned d = w->depth;
    if (d == 0 || !bit_get(w->is_obj, d) || w->after_key || !key) {
        misuse(w);
        return;
    }
    if (bit_get(w->has_items, d))
        put_c(w, ',');
    bit_set(w->has_items, d);
    put_string(w, sy_slice_cstr(key));
    put_c(w, ':');
    w->after_key = true;
}

void sy_jw_str(struct sy_json_writer *w, sy_slice s)
{
    if (pre_value(w))
        put_string(w, s);
}

void sy_jw_cstr(struct sy_json_writer *w, const char *s)
{
    if (!s)
        sy_jw_null(w);
    else
        sy_jw_str(w, sy_slice_cstr(s));
}

void sy_jw_int(struct sy_json_writer *w, int64_t v)
{
    if (!pre_value(w))
        return;
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "%" PRId64, v);
    put(w, tmp, (size_t)n);
}

/* Shortest "%.Ng" text that reads back as exactly v. */
static int format_double(char *tmp, size_t cap, double v)
{
    int n = 0;
    for (int prec = 1; prec <= 17; prec++) {
        n = snprintf(tmp, cap, "%.*g", prec, v);
        if (strtod(tmp, NULL) == v)
            break;
    }
    return n;
}

void sy_jw_double(struct sy_json_writer *w, double v)
{
    if (!isfinite(v)) {
        sy_jw_null(w);
        return;
    }
    if (!pre_value(w))
        return;
    char tmp[40];
    int n = format_double(tmp, sizeof tmp, v);
    put(w, tmp, (size_t)n);
}

void sy_jw_bool(struct sy_json_writer *w, bool v)
{
    if (pre_value(w))
        put(w, v ? "true" : "false", v ? 4 : 5);
}

void sy_jw_null(struct sy_json_writer *w)
{
    if (pre_value(w))
        put(w, "null", 4);
}

void sy_jw_raw(struct sy_json_writer *w, sy_slice json)
{
    if (pre_value(w))
        put(w, json.ptr, json.len);
}

void sy_jw_node(struct sy_json_writer *w, const struct sy_json *node)
{
    if (w->st != SY_OK)
        return;
    switch (sy_json_type_of(node)) {
    case SY_JSON_NULL:
        sy_jw_null(w);
        break;
    case SY_JSON_BOOL: {
        bool b = false;
        (void)sy_json_as_bool(node, &b);
        sy_jw_bool(w, b);
        break;
    }
    case SY_JSON_INT: {
        int64_t i = 0;
        (void)sy_json_as_int(node, &i);
        sy_jw_int(w, i);
        break;
    }
    case SY_JSON_DOUBLE: {
        const char *text = sy_json__number_text(node);
        if (text) {
            sy_jw_raw(w, sy_slice_cstr(text));
        } else {
            double d = 0;
            (void)sy_json_as_double(node, &d);
            sy_jw_double(w, d);
        }
        break;
    }
    case SY_JSON_STRING: {
        sy_slice s = SY_SLICE_NULL;
        (void)sy_json_as_str(node, &s);
        sy_jw_str(w, s);
        break;
    }
    case SY_JSON_ARRAY: {
        sy_jw_arr_begin(w);
        size_t n = sy_json_len(node);
        for (size_t i = 0; i < n && w->st == SY_OK; i++)
            sy_jw_node(w, sy_json_at(node, i));
        sy_jw_arr_end(w);
        break;
    }
    case SY_JSON_OBJECT: {
        sy_jw_obj_begin(w);
        struct sy_json_iter it = { 0 };
        const char *k;
        const struct sy_json *v;
        while (w->st == SY_OK && sy_json_next(node, &it, &k, &v)) {
            sy_jw_key(w, k);
            sy_jw_node(w, v);
        }
        sy_jw_obj_end(w);
        break;
    }
    }
}
