/* JSON reading: a strict RFC 8259 parser that builds a json-c tree, typed reads, and the
 * allocation-free member scanner.
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

/* JSON null is NULL inside json-c; the reading API hands out this sentinel instead so that a null
 * member can be told from an absent one. It is never dereferenced. */
static char null_node_storage;
#define NULL_NODE ((struct sy_json *)(void *)&null_node_storage)

static json_object *jo(const struct sy_json *j)
{
    return (j == NULL || j == NULL_NODE) ? NULL : (json_object *)(uintptr_t)j;
}

static const struct sy_json *wrap(json_object *o)
{
    return o ? (const struct sy_json *)o : NULL_NODE;
}

/* ---------------------------------------------------------------- shared string decoding */

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

/* Decode one escape sequence starting at p[*i] == '\\' (string body of n bytes). Writes the UTF-8
 * bytes to out and advances *i past the escape. Lone surrogates become U+FFFD, like json-c.
 * Returns the number of bytes written, or 0 on a malformed escape with *i at the offending byte. */
static size_t decode_escape(const unsigned char *p, size_t n, size_t *i, unsigned char out[4])
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
            if (decode_escape(p, n, &j, tmp) == 0)
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
        size_t k = decode_escape(p, blen, &i, tmp); /* scanned before: cannot fail */
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

static bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

static bool parse_number(struct parser *ps, json_object **out)
{
    const unsigned char *p = ps->p;
    size_t n = ps->len, start = ps->pos, i = start;
    bool neg = false, integral = true;
    if (p[i] == '-') {
        neg = true;
        i++;
    }
    if (i >= n || !is_digit(p[i]))
        return fail_tok(ps, i, json_tokener_error_parse_number);
    if (p[i] == '0') {
        i++;
        if (i < n && is_digit(p[i]))
            return fail_tok(ps, i, json_tokener_error_parse_number); /* leading zero */
    } else {
        while (i < n && is_digit(p[i]))
            i++;
    }
    size_t int_end = i;
    if (i < n && p[i] == '.') {
        integral = false;
        i++;
        if (i >= n || !is_digit(p[i]))
            return fail_tok(ps, i, json_tokener_error_parse_number);
        while (i < n && is_digit(p[i]))
            i++;
    }
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        integral = false;
        i++;
        if (i < n && (p[i] == '+' || p[i] == '-'))
            i++;
        if (i >= n || !is_digit(p[i]))
            return fail_tok(ps, i, json_tokener_error_parse_number);
        while (i < n && is_digit(p[i]))
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
    *out = (struct sy_json *)(uintptr_t)wrap(root);
    return SY_OK;
}

void sy_json_free(struct sy_json *root)
{
    json_object *o = jo(root);
    if (o)
        json_object_put(o);
}

/* ---------------------------------------------------------------- reading */

enum sy_json_type sy_json_type_of(const struct sy_json *j)
{
    json_object *o = jo(j);
    switch (json_object_get_type(o)) {
    case json_type_boolean: return SY_JSON_BOOL;
    case json_type_int: return SY_JSON_INT;
    case json_type_double: return SY_JSON_DOUBLE;
    case json_type_string: return SY_JSON_STRING;
    case json_type_array: return SY_JSON_ARRAY;
    case json_type_object: return SY_JSON_OBJECT;
    case json_type_null:
    default: return SY_JSON_NULL;
    }
}

const char *sy_json_type_name(enum sy_json_type t)
{
    switch (t) {
    case SY_JSON_NULL: return "null";
    case SY_JSON_BOOL: return "boolean";
    case SY_JSON_INT: return "integer";
    case SY_JSON_DOUBLE: return "number";
    case SY_JSON_STRING: return "string";
    case SY_JSON_ARRAY: return "array";
    case SY_JSON_OBJECT: return "object";
    }
    return "unknown";
}

const struct sy_json *sy_json_get(const struct sy_json *obj, const char *key)
{
    json_object *o = jo(obj), *v = NULL;
    if (!key || json_object_get_type(o) != json_type_object)
        return NULL;
    if (!json_object_object_get_ex(o, key, &v))
        return NULL;
    return wrap(v);
}

size_t sy_json_len(const struct sy_json *j)
{
    json_object *o = jo(j);
    switch (json_object_get_type(o)) {
    case json_type_array: return json_object_array_length(o);
    case json_type_object: return (size_t)json_object_object_length(o);
    default: return 0;
    }
}

const struct sy_json *sy_json_at(const struct sy_json *arr, size_t i)
{
    json_object *o = jo(arr);
    if (json_object_get_type(o) != json_type_array || i >= json_object_array_length(o))
        return NULL;
    return wrap(json_object_array_get_idx(o, i));
}

bool sy_json_next(const struct sy_json *obj, struct sy_json_iter *it, const char **key,
                  const struct sy_json **val)
{
    json_object *o = jo(obj);
    if (json_object_get_type(o) != json_type_object)
        return false;
    struct json_object_iterator cur, end = json_object_iter_end(o);
    if (!it->started) {
        cur = json_object_iter_begin(o);
        it->started = true;
    } else {
        cur.opaque_ = it->pos;
        if (json_object_iter_equal(&cur, &end))
            return false;
        json_object_iter_next(&cur);
    }
    it->pos = cur.opaque_;
    if (json_object_iter_equal(&cur, &end))
        return false;
    if (key)
        *key = json_object_iter_peek_name(&cur);
    if (val)
        *val = wrap(json_object_iter_peek_value(&cur));
    return true;
}

bool sy_json_member(const struct sy_json *obj, size_t i, const char **key, const struct sy_json **val)
{
    if (i >= sy_json_len(obj) || sy_json_type_of(obj) != SY_JSON_OBJECT)
        return false;
    struct sy_json_iter it = { 0 };
    const char *k;
    const struct sy_json *v;
    for (size_t n = 0; sy_json_next(obj, &it, &k, &v); n++) {
        if (n == i) {
            if (key)
                *key = k;
            if (val)
                *val = v;
            return true;
        }
    }
    return false;
}

bool sy_json_as_str(const struct sy_json *j, sy_slice *out)
{
    json_object *o = jo(j);
    if (json_object_get_type(o) != json_type_string)
        return false;
    *out = sy_slice_from(json_object_get_string(o), (size_t)json_object_get_string_len(o));
    return true;
}

bool sy_json_as_bool(const struct sy_json *j, bool *out)
{
    json_object *o = jo(j);
    if (json_object_get_type(o) != json_type_boolean)
        return false;
    *out = json_object_get_boolean(o) != 0;
    return true;
}

bool sy_json_as_int(const struct sy_json *j, int64_t *out)
{
    json_object *o = jo(j);
    if (json_object_get_type(o) != json_type_int)
        return false;
    *out = json_object_get_int64(o);
    return true;
}

bool sy_json_as_double(const struct sy_json *j, double *out)
{
    json_object *o = jo(j);
    switch (json_object_get_type(o)) {
    case json_type_int:
        *out = (double)json_object_get_int64(o);
        return true;
    case json_type_double:
        *out = json_object_get_double(o);
        return true;
    default:
        return false;
    }
}

const char *sy_json__number_text(const struct sy_json *j)
{
    json_object *o = jo(j);
    if (json_object_get_type(o) != json_type_double)
        return NULL;
    return json_object_get_userdata(o); /* set by json_object_new_double_s */
}

/* ---------------------------------------------------------------- member scanner */

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
    while (i < n && (is_digit(p[i]) || (p[i] >= 'a' && p[i] <= 'z') || p[i] == '-' || p[i] == '+' ||
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
            m = decode_escape(r, n, &i, tmp);
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
