/* JSON reading: a strict RFC 8259 parser that builds a json-c tree (typed reads of the tree
 * are in tree.c, the allocation-free member scanner in scan.c).
 *
 * Why not json_tokener: with JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8, json-c 0.16 still
 * accepts single-quoted strings, raw control characters inside strings, NaN / Infinity, "-01",
 * "1.", overlong UTF-8 and encoded surrogates, and it silently clamps integers above
 * 18446744073709551615. This parser enforces the RFC grammar itself, reports the byte where it
 * stopped, reuses json-c's error texts (json_tokener_error_desc) where one fits, and only uses
 * json-c to hold the tree. Numbers keep their original text when they are not an exact int64
 * (json_object_new_double_s), so writing a tree back reproduces them. */
#include "json/json.h"

#include <json-c/json.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "json/internal.h"

/* ---------------------------------------------------------------- parser */

struct parser {
    const unsigned char *p;
    size_t               len;
    size_t               pos;
    struct sy_buf        scratch; /* decoded strings, keys, number text */
    const char          *reason;  /* set on failure */
    size_t               err_pos;
};

static bool fail(struct parser *ps, size_t pos, const char *reason)
{
    ps->reason = reason;
    ps->err_pos = pos;
    return false;
}

static bool fail_tok(struct parser *ps, size_t pos, enum json_tokener_error e)
{
    /* Running off the end is always reported as such, whatever was expected there. */
    if (pos >= ps->len)
        e = json_tokener_error_parse_eof;
    return fail(ps, pos, json_tokener_error_desc(e));
}

static bool oom(struct parser *ps)
{
    return fail(ps, ps->pos, "out of memory");
}

static void skip_ws(struct parser *ps)
{
    while (ps->pos < ps->len) {
        unsigned char c = ps->p[ps->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        ps->pos++;
    }
}

/* Scan the string whose opening quote is at ps->pos. On success *body and *blen describe the bytes
 * between the quotes, *esc tells whether there is any backslash, and ps->pos is past the closing
 * quote. */
static bool scan_string(struct parser *ps, size_t *body, size_t *blen, bool *esc)
{
    const unsigned char *p = ps->p;
    size_t n = ps->len, i = ps->pos + 1;
    bool any_esc = false;
    for (;;) {
        if (i >= n)
            return fail_tok(ps, i, json_tokener_error_parse_eof);
        unsigned char c = p[i];
        if (c == '"')
            break;
        if (c == '\\') {
            unsigned char tmp[4];
            size_t j = i;
            if (sy_json__decode_escape(p, n, &j, tmp) == 0)
                return fail_tok(ps, j, json_tokener_error_parse_string);
            any_esc = true;
            i = j;
        } else if (c < 0x20) {
            return fail(ps, i, "unescaped control character in string");
        } else if (c >= 0x80) {
            size_t bad, k = sy_utf8_seq(p + i, n - i, &bad);
            if (k == 0)
                return fail_tok(ps, i, json_tokener_error_parse_utf8_string);
            i += k;
        } else {
            i++;
        }
    }
    *body = ps->pos + 1;
    *blen = i - *body;
    *esc = any_esc;
    ps->pos = i + 1;
    return true;
}

/* Decode an already scanned string body into ps->scratch (NUL-terminated). */
static bool decode_into_scratch(struct parser *ps, size_t body, size_t blen, bool esc)
{
    sy_buf_reset(&ps->scratch);
    const unsigned char *p = ps->p + body;
    if (!esc)
        return sy_buf_append(&ps->scratch, p, blen) == SY_OK || oom(ps);
    size_t i = 0, run = 0;
    while (i < blen) {
        if (p[i] != '\\') {
            i++;
            continue;
        }
        unsigned char tmp[4];
        if (sy_buf_append(&ps->scratch, p + run, i - run) != SY_OK)
            return oom(ps);
        size_t k = sy_json__decode_escape(p, blen, &i, tmp); /* scanned before: cannot fail */
        if (sy_buf_append(&ps->scratch, tmp, k) != SY_OK)
            return oom(ps);
        run = i;
    }
    if (sy_buf_append(&ps->scratch, p + run, blen - run) != SY_OK)
        return oom(ps);
    if (!ps->scratch.data) /* empty string: make data non-NULL */
        return sy_buf_append(&ps->scratch, "", 0) == SY_OK || oom(ps);
    return true;
}

static bool parse_string(struct parser *ps, json_object **out)
{
    size_t body, blen;
    bool esc;
    if (!scan_string(ps, &body, &blen, &esc))
        return false;
    if (!esc) {
        *out = json_object_new_string_len((const char *)ps->p + body, (int)blen);
    } else {
        if (!decode_into_scratch(ps, body, blen, esc))
            return false;
        *out = json_object_new_string_len(ps->scratch.data, (int)ps->scratch.len);
    }
    return *out != NULL || oom(ps);
}

static bool parse_number(struct parser *ps, json_object **out)
{
    const unsigned char *p = ps->p;
    size_t n = ps->len, start = ps->pos, i = start;
    bool neg = false, integral = true;
    if (p[i] == '-') {
        neg = true;
        i++;
    }
    if (i >= n || !sy_json__is_digit(p[i]))
        return fail_tok(ps, i, json_tokener_error_parse_number);
    if (p[i] == '0') {
        i++;
        if (i < n && sy_json__is_digit(p[i]))
            return fail_tok(ps, i, json_tokener_error_parse_number); /* leading zero */
    } else {
        while (i < n && sy_json__is_digit(p[i]))
            i++;
    }
    size_t int_end = i;
    if (i < n && p[i] == '.') {
        integral = false;
        i++;
        if (i >= n || !sy_json__is_digit(p[i]))
            return fail_tok(ps, i, json_tokener_error_parse_number);
        while (i < n && sy_json__is_digit(p[i]))
            i++;
    }
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        integral = false;
        i++;
        if (i < n && (p[i] == '+' || p[i] == '-'))
            i++;
        if (i >= n || !sy_json__is_digit(p[i]))
            return fail_tok(ps, i, json_tokener_error_parse_number);
        while (i < n && sy_json__is_digit(p[i]))
            i++;
    }
    ps->pos = i;

    if (integral) {
        /* Exact int64 when it fits: accumulate negatively so INT64_MIN works. */
        int64_t v = 0;
        bool fits = true;
        for (size_t k = start + (neg ? 1 : 0); k < int_end; k++) {
            int d = p[k] - '0';
            if (v < (INT64_MIN + d) / 10) {
                fits = false;
                break;
            }
            v = v * 10 - d;
        }
        if (fits && !neg && v == INT64_MIN)
            fits = false;
        if (fits) {
            *out = json_object_new_int64(neg ? v : -v);
            return *out != NULL || oom(ps);
        }
    }
    /* A real, or an integer beyond int64: keep the text for output, strtod for the value. */
    sy_buf_reset(&ps->scratch);
    if (sy_buf_append(&ps->scratch, p + start, i - start) != SY_OK)
        return oom(ps);
    double d = strtod(ps->scratch.data, NULL);
    *out = json_object_new_double_s(d, ps->scratch.data);
    return *out != NULL || oom(ps);
}

static bool parse_literal(struct parser *ps, const char *word, enum json_tokener_error e)
{
    size_t i = ps->pos;
    for (size_t k = 0; word[k]; k++, i++) {
        if (i >= ps->len || ps->p[i] != (unsigned char)word[k])
            return fail_tok(ps, i, e);
    }
    ps->pos = i;
    return true;
}

static bool parse_value(struct parser *ps, unsigned depth, json_object **out);

static bool parse_array(struct parser *ps, unsigned depth, json_object **out)
{
    json_object *arr = json_object_new_array();
    if (!arr)
        return oom(ps);
    ps->pos++; /* '[' */
    skip_ws(ps);
    if (ps->pos < ps->len && ps->p[ps->pos] == ']') {
        ps->pos++;
        *out = arr;
        return true;
    }
    for (;;) {
        json_object *v = NULL;
        if (!parse_value(ps, depth, &v))
            goto fail;
        if (json_object_array_add(arr, v) != 0) {
            json_object_put(v);
            oom(ps);
            goto fail;
        }
        skip_ws(ps);
        if (ps->pos < ps->len && ps->p[ps->pos] == ',') {
            ps->pos++;
            continue;
        }
        if (ps->pos < ps->len && ps->p[ps->pos] == ']') {
            ps->pos++;
            *out = arr;
            return true;
        }
        fail_tok(ps, ps->pos, json_tokener_error_parse_array);
        goto fail;
    }
fail:
    json_object_put(arr);
    return false;
}

static bool parse_object(struct parser *ps, unsigned depth, json_object **out)
{
    json_object *obj = json_object_new_object();
    if (!obj)
        return oom(ps);
    ps->pos++; /* '{' */
    skip_ws(ps);
    if (ps->pos < ps->len && ps->p[ps->pos] == '}') {
        ps->pos++;
        *out = obj;
        return true;
    }
    for (;;) {
        skip_ws(ps);
        if (ps->pos >= ps->len || ps->p[ps->pos] != '"') {
            fail_tok(ps, ps->pos, json_tokener_error_parse_object_key_name);
            goto fail;
        }
        size_t kbody, klen;
        bool kesc;
        if (!scan_string(ps, &kbody, &klen, &kesc))
            goto fail;
        skip_ws(ps);
        if (ps->pos >= ps->len || ps->p[ps->pos] != ':') {
            fail_tok(ps, ps->pos, json_tokener_error_parse_object_key_sep);
            goto fail;
        }
        ps->pos++;
        json_object *v = NULL;
        if (!parse_value(ps, depth, &v))
            goto fail;
        /* The value may have used the scratch buffer; decode the key now. json-c keys are C
         * strings, so a key holding \u0000 ends there (json_tokener does the same). A repeated
         * key replaces the earlier value in place, as json_tokener does. */
        if (!decode_into_scratch(ps, kbody, klen, kesc)) {
            json_object_put(v);
            goto fail;
        }
        if (json_object_object_add(obj, ps->scratch.data, v) != 0) {
            json_object_put(v);
            oom(ps);
            goto fail;
        }
        skip_ws(ps);
        if (ps->pos < ps->len && ps->p[ps->pos] == ',') {
            ps->pos++;
            continue;
        }
        if (ps->pos < ps->len && ps->p[ps->pos] == '}') {
            ps->pos++;
            *out = obj;
            return true;
        }
        fail_tok(ps, ps->pos, json_tokener_error_parse_object_value_sep);
        goto fail;
    }
fail:
    json_object_put(obj);
    return false;
}

/* depth = containers already open around this value. */
static bool parse_value(struct parser *ps, unsigned depth, json_object **out)
{
    skip_ws(ps);
    if (ps->pos >= ps->len)
        return fail_tok(ps, ps->pos, json_tokener_error_parse_eof);
    switch (ps->p[ps->pos]) {
    case '{':
    case '[':
        if (depth >= SY_JSON_MAX_DEPTH)
            return fail_tok(ps, ps->pos, json_tokener_error_depth);
        return ps->p[ps->pos] == '{' ? parse_object(ps, depth + 1, out) : parse_array(ps, depth + 1, out);
    case '"':
        return parse_string(ps, out);
    case 't':
        if (!parse_literal(ps, "true", json_tokener_error_parse_boolean))
            return false;
        *out = json_object_new_boolean(1);
        return *out != NULL || oom(ps);
    case 'f':
        if (!parse_literal(ps, "false", json_tokener_error_parse_boolean))
            return false;
        *out = json_object_new_boolean(0);
        return *out != NULL || oom(ps);
    case 'n':
        *out = NULL;
        return parse_literal(ps, "null", json_tokener_error_parse_null);
    case '-':
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
        return parse_number(ps, out);
    default:
        return fail_tok(ps, ps->pos, json_tokener_error_parse_unexpected);
    }
}

sy_status sy_json_parse(sy_slice text, struct sy_json **out, struct sy_diag *diag)
{
    *out = NULL;
    struct parser ps = { .p = (const unsigned char *)text.ptr, .len = text.ptr ? text.len : 0 };
    sy_buf_init(&ps.scratch, SY_BUF_UNCAPPED);
    json_object *root = NULL;
    bool ok;

    skip_ws(&ps);
    if (ps.len > INT_MAX) {
        ok = fail(&ps, 0, "JSON text too large"); /* json-c string lengths are int */
    } else if (ps.pos >= ps.len) {
        ok = fail(&ps, ps.pos, "empty body");
    } else {
        ok = parse_value(&ps, 0, &root);
        if (ok) {
            skip_ws(&ps);
            if (ps.pos < ps.len) {
                json_object_put(root);
                root = NULL;
                ok = fail(&ps, ps.pos, "unexpected data after the JSON value");
            }
        }
    }
    sy_buf_free(&ps.scratch);

    if (!ok) {
        if (diag) {
            int line = 1, col = 1;
            for (size_t k = 0; k < ps.err_pos && k < ps.len; k++) {
                if (ps.p[k] == '\n') {
                    line++;
                    col = 1;
                } else {
                    col++;
                }
            }
            sy_diag_setf(diag, "invalid JSON at line %d, column %d: %s", line, col, ps.reason);
            diag->line = line;
            diag->col = col;
        }
        return SY_EJSON;
    }
    *out = (struct sy_json *)(uintptr_t)sy_json__wrap(root);
    return SY_OK;
}

void sy_json_free(struct sy_json *root)
{
    json_object *o = sy_json__jo(root);
    if (o)
        json_object_put(o);
}
