/* Unit tests for src/json: strict parsing with exact error positions, typed reads, the member
 * scanner, the writer and escaping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/diag.h"
#include "json/json.h"
#include "json/write.h"

/* ------------------------------------------------------------------ helpers */

static struct sy_json *parse_ok(const char *text, size_t len)
{
    struct sy_json *j = NULL;
    struct sy_diag d;
    sy_diag_clear(&d);
    sy_status st = sy_json_parse(sy_slice_from(text, len), &j, &d);
    if (st != SY_OK)
        fail_msg("parse of [%.*s] failed: %s", (int)len, text, d.message);
    assert_non_null(j);
    return j;
}
#define PARSE(lit) parse_ok((lit), sizeof(lit) - 1)

/* Serialize a node with the writer; caller frees. */
static char *dump(const struct sy_json *j)
{
    struct sy_buf b;
    sy_buf_init(&b, SY_BUF_UNCAPPED);
    struct sy_json_writer w;
    sy_jw_init(&w, &b);
    sy_jw_node(&w, j);
    assert_int_equal(sy_jw_status(&w), SY_OK);
    return sy_buf_detach(&b, NULL);
}

static void assert_roundtrip(const char *in, const char *expect)
{
    struct sy_json *j = parse_ok(in, strlen(in));
    char *out = dump(j);
    assert_string_equal(out, expect);
    free(out);
    sy_json_free(j);
}

/* ------------------------------------------------------------------ parse errors */

struct err_case {
    const char *in;
    size_t      len; /* 0: strlen */
    const char *msg;
    int         line, col;
};

static void test_parse_errors(void **state)
{
    (void)state;
    static const struct err_case cases[] = {
        { "", 0, "invalid JSON at line 1, column 1: empty body", 1, 1 },
        { "  \n ", 0, "invalid JSON at line 2, column 2: empty body", 2, 2 },
        { "{\"a\":1,}", 0, "invalid JSON at line 1, column 8: quoted object property name expected", 1, 8 },
        { "[1,]", 0, "invalid JSON at line 1, column 4: unexpected character", 1, 4 },
        { "{'a':1}", 0, "invalid JSON at line 1, column 2: quoted object property name expected", 1, 2 },
        { "{\"a\":1}x", 0, "invalid JSON at line 1, column 8: unexpected data after the JSON value", 1, 8 },
        { "{} {}", 0, "invalid JSON at line 1, column 4: unexpected data after the JSON value", 1, 4 },
        { "truex", 0, "invalid JSON at line 1, column 5: unexpected data after the JSON value", 1, 5 },
        { "[1,\n2,\n x]", 0, "invalid JSON at line 3, column 2: unexpected character", 3, 2 },
        { "{\r\n\"a\" 1}", 0, "invalid JSON at line 2, column 5: object property name separator ':' expected", 2, 5 },
        { "[1 2]", 0, "invalid JSON at line 1, column 4: array value separator ',' expected", 1, 4 },
        { "{\"a\":1 \"b\":2}", 0, "invalid JSON at line 1, column 8: object value separator ',' expected", 1, 8 },
        { "\"a\tb\"", 0, "invalid JSON at line 1, column 3: unescaped control character in string", 1, 3 },
        { "\"a\0b\"", 5, "invalid JSON at line 1, column 3: unescaped control character in string", 1, 3 },
        { "\"\\x\"", 0, "invalid JSON at line 1, column 3: invalid string sequence", 1, 3 },
        { "\"\\u12\"", 0, "invalid JSON at line 1, column 6: invalid string sequence", 1, 6 },
        { "\"\\u00e", 0, "invalid JSON at line 1, column 7: unexpected end of data", 1, 7 },
        { "\"\xc0\x80\"", 0, "invalid JSON at line 1, column 2: invalid utf-8 string", 1, 2 },
        { "[\"ok\",\"\xed\xa0\x80\"]", 0, "invalid JSON at line 1, column 8: invalid utf-8 string", 1, 8 },
        { "\"\xf4\x90\x80\x80\"", 0, "invalid JSON at line 1, column 2: invalid utf-8 string", 1, 2 },
        { "\"\xe2\x82\"", 0, "invalid JSON at line 1, column 2: invalid utf-8 string", 1, 2 },
        { "\"\xe0\x9f\xbf\"", 0, "invalid JSON at line 1, column 2: invalid utf-8 string", 1, 2 },
        { "\"\xf0\x8f\xbf\xbf\"", 0, "invalid JSON at line 1, column 2: invalid utf-8 string", 1, 2 },
        { "\"\xf5\x80\x80\x80\"", 0, "invalid JSON at line 1, column 2: invalid utf-8 string", 1, 2 },
        { "\"ok \x7f\x1f\"", 0, "invalid JSON at line 1, column 6: unescaped control character in string", 1, 6 },
        { "\xef\xbb\xbf{}", 0, "invalid JSON at line 1, column 1: unexpected character", 1, 1 },
        { "NaN", 0, "invalid JSON at line 1, column 1: unexpected character", 1, 1 },
        { "[Infinity]", 0, "invalid JSON at line 1, column 2: unexpected character", 1, 2 },
        { "-Infinity", 0, "invalid JSON at line 1, column 2: number expected", 1, 2 },
        { "-01", 0, "invalid JSON at line 1, column 3: number expected", 1, 3 },
        { "[01]", 0, "invalid JSON at line 1, column 3: number expected", 1, 3 },
        { "1.", 0, "invalid JSON at line 1, column 3: unexpected end of data", 1, 3 },
        { "[1.]", 0, "invalid JSON at line 1, column 4: number expected", 1, 4 },
        { "[.5]", 0, "invalid JSON at line 1, column 2: unexpected character", 1, 2 },
        { "[1e+]", 0, "invalid JSON at line 1, column 5: number expected", 1, 5 },
        { "+1", 0, "invalid JSON at line 1, column 1: unexpected character", 1, 1 },
        { "nul", 0, "invalid JSON at line 1, column 4: unexpected end of data", 1, 4 },
        { "nulL", 0, "invalid JSON at line 1, column 4: null expected", 1, 4 },
        { "trUe", 0, "invalid JSON at line 1, column 3: boolean expected", 1, 3 },
        { "[fals]", 0, "invalid JSON at line 1, column 6: boolean expected", 1, 6 },
        { "{\"a\":\"b", 0, "invalid JSON at line 1, column 8: unexpected end of data", 1, 8 },
        { "{\"a\":", 0, "invalid JSON at line 1, column 6: unexpected end of data", 1, 6 },
        { "[", 0, "invalid JSON at line 1, column 2: unexpected end of data", 1, 2 },
        { "/*c*/1", 0, "invalid JSON at line 1, column 1: unexpected character", 1, 1 },
        { "{\"a\":1}\0", 8, "invalid JSON at line 1, column 8: unexpected data after the JSON value", 1, 8 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct err_case *c = &cases[i];
        struct sy_json *j = (struct sy_json *)(uintptr_t)1;
        struct sy_diag d;
        sy_diag_clear(&d);
        size_t len = c->len ? c->len : strlen(c->in);
        sy_status st = sy_json_parse(sy_slice_from(c->in, len), &j, &d);
        if (st != SY_EJSON || j != NULL || strcmp(d.message, c->msg) != 0 || d.line != c->line || d.col != c->col)
            fail_msg("case %zu [%s]: st=%d j=%p msg=[%s] %d:%d", i, c->in, st, (void *)j, d.message, d.line, d.col);
    }
    /* A NULL diag is allowed. */
    struct sy_json *j = NULL;
    assert_int_equal(sy_json_parse(SY_LIT("[1,"), &j, NULL), SY_EJSON);
    assert_null(j);
}

static void test_parse_depth(void **state)
{
    (void)state;
    char buf[2 * (SY_JSON_MAX_DEPTH + 1)];
    /* Exactly SY_JSON_MAX_DEPTH nested containers parse. */
    memset(buf, '[', SY_JSON_MAX_DEPTH);
    memset(buf + SY_JSON_MAX_DEPTH, ']', SY_JSON_MAX_DEPTH);
    struct sy_json *j = parse_ok(buf, 2 * SY_JSON_MAX_DEPTH);
    sy_json_free(j);
    /* One more fails at the 65th bracket. */
    memset(buf, '[', SY_JSON_MAX_DEPTH + 1);
    memset(buf + SY_JSON_MAX_DEPTH + 1, ']', SY_JSON_MAX_DEPTH + 1);
    struct sy_diag d;
    sy_diag_clear(&d);
    j = NULL;
    assert_int_equal(sy_json_parse(sy_slice_from(buf, sizeof buf), &j, &d), SY_EJSON);
    assert_null(j);
    assert_string_equal(d.message, "invalid JSON at line 1, column 65: nesting too deep");
    /* Objects count the same. */
    memcpy(buf, "{\"a\":", 5);
    memset(buf + 5, '[', SY_JSON_MAX_DEPTH);
    assert_int_equal(sy_json_parse(sy_slice_from(buf, 5 + SY_JSON_MAX_DEPTH), &j, &d), SY_EJSON);
    assert_string_equal(d.message, "invalid JSON at line 1, column 69: nesting too deep");
}

/* ------------------------------------------------------------------ typed reads */

static void test_reads(void **state)
{
    (void)state;
    struct sy_json *j = PARSE(" {\"s\":\"h\\u00e9\\n\",\"i\":-42,\"d\":2.5,\"t\":true,\"f\":false,\"n\":null,"
                              "\"a\":[1,null,\"x\"],\"o\":{}} ");
    assert_int_equal(sy_json_type_of(j), SY_JSON_OBJECT);
    assert_int_equal(sy_json_len(j), 8);

    sy_slice s;
    assert_true(sy_json_as_str(sy_json_get(j, "s"), &s));
    assert_int_equal(s.len, 4);
    assert_memory_equal(s.ptr, "h\xc3\xa9\n", 4);
    assert_int_equal(s.ptr[4], '\0');

    int64_t i = 0;
    double dv = 0;
    bool b = false;
    assert_true(sy_json_as_int(sy_json_get(j, "i"), &i));
    assert_int_equal(i, -42);
    assert_true(sy_json_as_double(sy_json_get(j, "i"), &dv));
    assert_true(dv == -42.0);
    assert_true(sy_json_as_double(sy_json_get(j, "d"), &dv));
    assert_true(dv == 2.5);
    i = 7;
    assert_false(sy_json_as_int(sy_json_get(j, "d"), &i));
    assert_int_equal(i, 7); /* untouched */
    assert_true(sy_json_as_bool(sy_json_get(j, "t"), &b));
    assert_true(b);
    assert_true(sy_json_as_bool(sy_json_get(j, "f"), &b));
    assert_false(b);
    assert_false(sy_json_as_str(sy_json_get(j, "i"), &s));
    assert_false(sy_json_as_bool(sy_json_get(j, "s"), &b));

    /* null member: present, typed null; absent member: NULL. */
    const struct sy_json *n = sy_json_get(j, "n");
    assert_non_null(n);
    assert_int_equal(sy_json_type_of(n), SY_JSON_NULL);
    assert_false(sy_json_as_str(n, &s));
    assert_null(sy_json_get(j, "missing"));
    assert_null(sy_json_get(sy_json_get(j, "s"), "x"));
    assert_int_equal(sy_json_type_of(NULL), SY_JSON_NULL);

    const struct sy_json *a = sy_json_get(j, "a");
    assert_int_equal(sy_json_type_of(a), SY_JSON_ARRAY);
    assert_int_equal(sy_json_len(a), 3);
    assert_true(sy_json_as_int(sy_json_at(a, 0), &i));
    assert_int_equal(i, 1);
    assert_non_null(sy_json_at(a, 1));
    assert_int_equal(sy_json_type_of(sy_json_at(a, 1)), SY_JSON_NULL);
    assert_true(sy_json_as_str(sy_json_at(a, 2), &s));
    assert_true(sy_slice_eq_cstr(s, "x"));
    assert_null(sy_json_at(a, 3));
    assert_null(sy_json_at(j, 0));
    assert_int_equal(sy_json_len(sy_json_get(j, "o")), 0);
    assert_int_equal(sy_json_len(sy_json_get(j, "s")), 0);

    /* Member order is document order. */
    static const char *const keys[] = { "s", "i", "d", "t", "f", "n", "a", "o" };
    const char *k;
    const struct sy_json *v;
    for (size_t m = 0; m < 8; m++) {
        assert_true(sy_json_member(j, m, &k, &v));
        assert_string_equal(k, keys[m]);
        assert_ptr_equal(v, sy_json_get(j, keys[m]));
    }
    assert_false(sy_json_member(j, 8, &k, &v));
    assert_false(sy_json_member(a, 0, &k, &v));
    struct sy_json_iter it = { 0 };
    size_t m = 0;
    while (sy_json_next(j, &it, &k, &v)) {
        assert_true(m < 8);
        assert_string_equal(k, keys[m]);
        m++;
    }
    assert_int_equal(m, 8);
    assert_false(sy_json_next(j, &it, &k, &v)); /* stays at the end */
    struct sy_json_iter it2 = { 0 };
    assert_false(sy_json_next(sy_json_get(j, "o"), &it2, &k, &v));
    struct sy_json_iter it3 = { 0 };
    assert_false(sy_json_next(a, &it3, &k, &v));
    sy_json_free(j);

    assert_string_equal(sy_json_type_name(SY_JSON_NULL), "null");
    assert_string_equal(sy_json_type_name(SY_JSON_BOOL), "boolean");
    assert_string_equal(sy_json_type_name(SY_JSON_INT), "integer");
    assert_string_equal(sy_json_type_name(SY_JSON_DOUBLE), "number");
    assert_string_equal(sy_json_type_name(SY_JSON_STRING), "string");
    assert_string_equal(sy_json_type_name(SY_JSON_ARRAY), "array");
    assert_string_equal(sy_json_type_name(SY_JSON_OBJECT), "object");
}

static void test_top_level_scalars(void **state)
{
    (void)state;
    struct sy_json *j = PARSE("null");
    assert_int_equal(sy_json_type_of(j), SY_JSON_NULL);
    char *out = dump(j);
    assert_string_equal(out, "null");
    free(out);
    sy_json_free(j);
    sy_json_free(NULL);

    int64_t i = 0;
    j = PARSE(" 17 ");
    assert_true(sy_json_as_int(j, &i));
    assert_int_equal(i, 17);
    sy_json_free(j);

    sy_slice s;
    j = PARSE("\"\"");
    assert_true(sy_json_as_str(j, &s));
    assert_int_equal(s.len, 0);
    assert_non_null(s.ptr);
    sy_json_free(j);
}

static void test_numbers(void **state)
{
    (void)state;
    int64_t i = 0;
    double d = 0;
    struct sy_json *j = PARSE("[9007199254740993,-9223372036854775808,9223372036854775807,9223372036854775808,"
                              "0.7,1e400,-0,1E+2,123456789012345678901234567890,-9223372036854775809,"
                              "18446744073709551616,-92233720368547758080]");
    assert_true(sy_json_as_int(sy_json_at(j, 0), &i));
    assert_true(i == INT64_C(9007199254740993));
    assert_true(sy_json_as_int(sy_json_at(j, 1), &i));
    assert_true(i == INT64_MIN);
    assert_true(sy_json_as_int(sy_json_at(j, 2), &i));
    assert_true(i == INT64_MAX);
    /* Beyond int64: a "number", never a silently clamped integer. */
    assert_int_equal(sy_json_type_of(sy_json_at(j, 3)), SY_JSON_DOUBLE);
    assert_false(sy_json_as_int(sy_json_at(j, 3), &i));
    assert_true(sy_json_as_double(sy_json_at(j, 3), &d));
    assert_true(d == 9223372036854775808.0);
    assert_true(sy_json_as_double(sy_json_at(j, 4), &d));
    assert_true(d == 0.7);
    assert_int_equal(sy_json_type_of(sy_json_at(j, 5)), SY_JSON_DOUBLE);
    assert_true(sy_json_as_double(sy_json_at(j, 5), &d));
    assert_true(isinf(d) && d > 0);
    assert_true(sy_json_as_int(sy_json_at(j, 6), &i));
    assert_int_equal(i, 0);
    for (size_t k = 8; k < 12; k++) {
        assert_int_equal(sy_json_type_of(sy_json_at(j, k)), SY_JSON_DOUBLE);
        assert_false(sy_json_as_int(sy_json_at(j, k), &i));
    }
    assert_true(sy_json_as_double(sy_json_at(j, 9), &d));
    assert_true(d == -9223372036854775808.0);
    char *out = dump(j);
    assert_string_equal(out, "[9007199254740993,-9223372036854775808,9223372036854775807,9223372036854775808,"
                             "0.7,1e400,0,1E+2,123456789012345678901234567890,-9223372036854775809,"
                             "18446744073709551616,-92233720368547758080]");
    free(out);
    sy_json_free(j);
}

static void test_strings_and_keys(void **state)
{
    (void)state;
    struct sy_json *j = PARSE("{\"mod\\u0065l\":\"\\ud83d\\ude00|\\ud800|\\udc00x|\\ud800\\u0041|\\u0000|\\/\\b\\f\\r\\t\\\"\\\\\","
                              "\"a\\u0000b\":1,\"a\":2,\"dup\":1,\"dup\":{\"z\":[true]}}");
    sy_slice s;
    assert_true(sy_json_as_str(sy_json_get(j, "model"), &s));
    static const char expect[] = "\xf0\x9f\x98\x80|\xef\xbf\xbd|\xef\xbf\xbdx|\xef\xbf\xbd" "A|\0|/\b\f\r\t\"\\";
    assert_int_equal(s.len, sizeof expect - 1);
    assert_memory_equal(s.ptr, expect, sizeof expect - 1);
    /* "a\u0000b" is key "a" (json-c keys are C strings); the later "a" replaces it. Same for dup. */
    int64_t i = 0;
    assert_int_equal(sy_json_len(j), 3);
    assert_true(sy_json_as_int(sy_json_get(j, "a"), &i));
    assert_int_equal(i, 2);
    char *out = dump(j);
    assert_string_equal(out, "{\"model\":\"\xf0\x9f\x98\x80|\xef\xbf\xbd|\xef\xbf\xbdx|\xef\xbf\xbd" "A|\\u0000|/\\b\\f\\r\\t\\\"\\\\\","
                             "\"a\":2,\"dup\":{\"z\":[true]}}");
    free(out);
    sy_json_free(j);
}

static void test_node_roundtrip(void **state)
{
    (void)state;
    assert_roundtrip(" { \"model\" : \"gpt-4o\" , \"messages\" : [ { \"role\" : \"user\", \"content\" : \"a/b <\\u2028>\" } ],"
                     " \"temperature\" : 0.70, \"n\" : 1, \"stop\" : null, \"x\" : [ ], \"y\" : { } } ",
                     "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"a/b <\xe2\x80\xa8>\"}],"
                     "\"temperature\":0.70,\"n\":1,\"stop\":null,\"x\":[],\"y\":{}}");
    assert_roundtrip("[-1.5e-7,1.0,true,false]", "[-1.5e-7,1.0,true,false]");

    /* A tree of the maximum depth fits inside gateway envelopes. */
    char in[2 * SY_JSON_MAX_DEPTH + 1];
    memset(in, '[', SY_JSON_MAX_DEPTH);
    memset(in + SY_JSON_MAX_DEPTH, ']', SY_JSON_MAX_DEPTH);
    in[2 * SY_JSON_MAX_DEPTH] = '\0';
    struct sy_json *j = parse_ok(in, strlen(in));
    struct sy_buf b;
    sy_buf_init(&b, SY_BUF_UNCAPPED);
    struct sy_json_writer w;
    sy_jw_init(&w, &b);
    for (int k = 0; k < 10; k++) {
        sy_jw_obj_begin(&w);
        sy_jw_key(&w, "k");
    }
    sy_jw_node(&w, j);
    for (int k = 0; k < 10; k++)
        sy_jw_obj_end(&w);
    assert_int_equal(sy_jw_status(&w), SY_OK);
    assert_int_equal(b.len, 10 * 5 + 2 * SY_JSON_MAX_DEPTH + 10);
    assert_memory_equal(b.data + 50, in, 2 * SY_JSON_MAX_DEPTH);
    sy_buf_free(&b);
    sy_json_free(j);
}

/* ------------------------------------------------------------------ find_member */

static void expect_member(const char *text, const char *key, const char *value)
{
    size_t s = 99, e = 99;
    bool found = sy_json_find_member(sy_slice_cstr(text), key, &s, &e);
    if (!value) {
        if (found)
            fail_msg("%s in %s: unexpectedly found [%zu,%zu)", key, text, s, e);
        assert_int_equal(s, 99);
        return;
    }
    if (!found)
        fail_msg("%s not found in %s", key, text);
    if (e - s != strlen(value) || memcmp(text + s, value, e - s) != 0)
        fail_msg("%s in %s: got [%.*s], want [%s]", key, text, (int)(e - s), text + s, value);
}

static void test_find_member(void **state)
{
    (void)state;
    const char *doc = " {\"x\":{\"model\":1},\"a\":[\"model\",{\"model\":2}],\"model\" : \"gpt-\\\"4\\\"\" ,\"t\":true,"
                      "\"n\":-1.5e3,\"s\":\"}]{[\",\"e\":{},\"z\":null}\n";
    expect_member(doc, "model", "\"gpt-\\\"4\\\"\"");
    expect_member(doc, "x", "{\"model\":1}");
    expect_member(doc, "a", "[\"model\",{\"model\":2}]");
    expect_member(doc, "t", "true");
    expect_member(doc, "n", "-1.5e3");
    expect_member(doc, "s", "\"}]{[\"");
    expect_member(doc, "e", "{}");
    expect_member(doc, "z", "null");
    expect_member(doc, "mode", NULL);
    expect_member(doc, "models", NULL);
    expect_member(doc, "", NULL);
    /* Last occurrence wins, like the parsed tree. */
    expect_member("{\"model\":\"a\",\"model\":\"b\"}", "model", "\"b\"");
    /* Escaped keys compare after unescaping. */
    expect_member("{\"mod\\u0065l\":7}", "model", "7");
    expect_member("{\"m\\u00e9\":7}", "m\xc3\xa9", "7");
    expect_member("{\"\\ud83d\\ude00\":7}", "\xf0\x9f\x98\x80", "7");
    expect_member("{\"a\\\"b\":7}", "a\"b", "7");
    expect_member("{\"a\\\\\":7}", "a\\", "7");
    expect_member("{\"mod\\u0065\":7}", "model", NULL);
    expect_member("{\"a\\u0000b\":7}", "a", "7"); /* json-c's key is "a" */
    expect_member("{\"a\\u0000b\":7}", "a\\u0000b", NULL);
    expect_member("{}", "a", NULL);
    expect_member("[{\"a\":1}]", "a", NULL);
    expect_member("\"a\"", "a", NULL);
    expect_member("", "a", NULL);
    /* Malformed input never reads out of bounds and is not trusted. */
    expect_member("{\"a\":", "a", NULL);
    expect_member("{\"a\":1", "a", NULL);
    expect_member("{\"a\":[1,2", "a", NULL);
    expect_member("{\"a", "a", NULL);

    /* Agreement with the tree: the found range parses to the same value. */
    struct sy_json *j = parse_ok(doc, strlen(doc));
    const char *k;
    const struct sy_json *v;
    for (size_t m = 0; sy_json_member(j, m, &k, &v); m++) {
        size_t s, e;
        assert_true(sy_json_find_member(sy_slice_cstr(doc), k, &s, &e));
        struct sy_json *sub = parse_ok(doc + s, e - s);
        char *a = dump(sub), *b = dump(v);
        assert_string_equal(a, b);
        free(a);
        free(b);
        sy_json_free(sub);
    }
    sy_json_free(j);
}

/* ------------------------------------------------------------------ writer */

static void test_writer_exact(void **state)
{
    (void)state;
    struct sy_buf b;
    sy_buf_init(&b, SY_BUF_UNCAPPED);
    struct sy_json_writer w;
    sy_jw_init(&w, &b);
    sy_jw_obj_begin(&w);
    sy_jw_key(&w, "id");
    sy_jw_cstr(&w, "chatcmpl-1");
    sy_jw_key(&w, "n");
    sy_jw_int(&w, INT64_MIN);
    sy_jw_key(&w, "big");
    sy_jw_int(&w, INT64_C(9007199254740993));
    sy_jw_key(&w, "t");
    sy_jw_double(&w, 0.7);
    sy_jw_key(&w, "ok");
    sy_jw_bool(&w, true);
    sy_jw_key(&w, "no");
    sy_jw_bool(&w, false);
    sy_jw_key(&w, "nil");
    sy_jw_cstr(&w, NULL);
    sy_jw_key(&w, "arr");
    sy_jw_arr_begin(&w);
    sy_jw_null(&w);
    sy_jw_raw(&w, SY_LIT("{\"r\":1}"));
    sy_jw_arr_begin(&w);
    sy_jw_arr_end(&w);
    sy_jw_obj_begin(&w);
    sy_jw_obj_end(&w);
    sy_jw_str(&w, SY_LIT("q\"\\/"));
    sy_jw_arr_end(&w);
    sy_jw_key(&w, "k\"\n");
    sy_jw_str(&w, SY_LIT(""));
    sy_jw_obj_end(&w);
    assert_int_equal(sy_jw_status(&w), SY_OK);
    assert_string_equal(b.data, "{\"id\":\"chatcmpl-1\",\"n\":-9223372036854775808,\"big\":9007199254740993,"
                                "\"t\":0.7,\"ok\":true,\"no\":false,\"nil\":null,"
                                "\"arr\":[null,{\"r\":1},[],{},\"q\\\"\\\\/\"],\"k\\\"\\n\":\"\"}");
    /* Valid JSON that the parser takes back. */
    struct sy_json *j = parse_ok(b.data, b.len);
    sy_json_free(j);
    sy_buf_free(&b);
}

static char *dbl(double v)
{
    struct sy_buf b;
    sy_buf_init(&b, SY_BUF_UNCAPPED);
    struct sy_json_writer w;
    sy_jw_init(&w, &b);
    sy_jw_double(&w, v);
    assert_int_equal(sy_jw_status(&w), SY_OK);
    return sy_buf_detach(&b, NULL);
}

static void test_writer_double(void **state)
{
    (void)state;
    static const struct {
        double      v;
        const char *text;
    } cases[] = {
        { 0.1, "0.1" },
        { 0.7, "0.7" },
        { 1.0 / 3.0, "0.3333333333333333" },
        { 2.0, "2" },
        { -0.0, "-0" },
        { 1e300, "1e+300" },
        { 5e-324, "5e-324" },
        { 1.7976931348623157e308, "1.7976931348623157e+308" },
        { 123456.789, "123456.789" },
        { NAN, "null" },
        { INFINITY, "null" },
        { -INFINITY, "null" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *t = dbl(cases[i].v);
        assert_string_equal(t, cases[i].text);
        free(t);
    }
    /* Round trip on a spread of values. */
    double v = 1.0;
    for (int i = 0; i < 500; i++) {
        v = v * -1.37 + 0.1 / (i + 1);
        char *t = dbl(v);
        assert_true(strtod(t, NULL) == v);
        free(t);
    }
}

static void test_writer_misuse(void **state)
{
    (void)state;
    struct sy_buf b;
    sy_buf_init(&b, SY_BUF_UNCAPPED);
    struct sy_json_writer w;

    sy_jw_init(&w, &b); /* key outside an object */
    sy_jw_key(&w, "a");
    assert_int_equal(sy_jw_status(&w), SY_EINTERNAL);
    sy_buf_reset(&b);

    sy_jw_init(&w, &b); /* value in an object without key */
    sy_jw_obj_begin(&w);
    sy_jw_int(&w, 1);
    assert_int_equal(sy_jw_status(&w), SY_EINTERNAL);
    sy_jw_obj_end(&w); /* no-op once failed */
    assert_string_equal(b.data, "{");
    sy_buf_reset(&b);

    sy_jw_init(&w, &b); /* two keys */
    sy_jw_obj_begin(&w);
    sy_jw_key(&w, "a");
    sy_jw_key(&w, "b");
    assert_int_equal(sy_jw_status(&w), SY_EINTERNAL);
    sy_buf_reset(&b);

    sy_jw_init(&w, &b); /* mismatched end */
    sy_jw_arr_begin(&w);
    sy_jw_obj_end(&w);
    assert_int_equal(sy_jw_status(&w), SY_EINTERNAL);
    sy_buf_reset(&b);

    sy_jw_init(&w, &b); /* end with nothing open */
    sy_jw_arr_end(&w);
    assert_int_equal(sy_jw_status(&w), SY_EINTERNAL);
    sy_buf_reset(&b);

    sy_jw_init(&w, &b); /* key without value then end */
    sy_jw_obj_begin(&w);
    sy_jw_key(&w, "a");
    sy_jw_obj_end(&w);
    assert_int_equal(sy_jw_status(&w), SY_EINTERNAL);
    sy_buf_reset(&b);

    sy_jw_init(&w, &b); /* two top-level values */
    sy_jw_int(&w, 1);
    sy_jw_int(&w, 2);
    assert_int_equal(sy_jw_status(&w), SY_EINTERNAL);
    assert_string_equal(b.data, "1");
    sy_buf_reset(&b);

    sy_jw_init(&w, &b); /* too deep */
    for (int i = 0; i < SY_JW_MAX_DEPTH; i++)
        sy_jw_arr_begin(&w);
    assert_int_equal(sy_jw_status(&w), SY_OK);
    sy_jw_arr_begin(&w);
    assert_int_equal(sy_jw_status(&w), SY_EINTERNAL);
    sy_buf_free(&b);
}

static void test_writer_cap(void **state)
{
    (void)state;
    struct sy_buf b;
    sy_buf_init(&b, 10);
    struct sy_json_writer w;
    sy_jw_init(&w, &b);
    sy_jw_arr_begin(&w);
    sy_jw_str(&w, SY_LIT("abcdef"));
    assert_int_equal(sy_jw_status(&w), SY_OK);
    assert_string_equal(b.data, "[\"abcdef\"");
    sy_jw_int(&w, 12); /* ",12" does not fit */
    assert_int_equal(sy_jw_status(&w), SY_ETOOBIG);
    sy_jw_arr_end(&w); /* sticky: nothing more is written */
    assert_int_equal(sy_jw_status(&w), SY_ETOOBIG);
    assert_true(b.len <= 10);
    sy_buf_free(&b);
}

static void expect_escape(const char *in, size_t len, const char *out)
{
    struct sy_buf b;
    sy_buf_init(&b, SY_BUF_UNCAPPED);
    assert_int_equal(sy_buf_append_cstr(&b, "<"), SY_OK);
    assert_int_equal(sy_json_escape(&b, sy_slice_from(in, len)), SY_OK);
    assert_string_equal(b.data + 1, out);
    /* Always valid JSON (and so valid UTF-8) once quoted. */
    b.data[0] = '"';
    assert_int_equal(sy_buf_append_char(&b, '"'), SY_OK);
    struct sy_json *j = parse_ok(b.data, b.len);
    sy_json_free(j);
    sy_buf_free(&b);
}
#define ESC(lit, out) expect_escape((lit), sizeof(lit) - 1, (out))

static void test_escape(void **state)
{
    (void)state;
    ESC("", "");
    {   /* a NULL slice is an empty string, not undefined behaviour */
        struct sy_buf nb;
        sy_buf_init(&nb, 64);
        assert_int_equal(sy_json_escape(&nb, SY_SLICE_NULL), SY_OK);
        assert_int_equal(nb.len, 0);
        sy_buf_free(&nb);
    }
    ESC("plain ascii / ~\x7f", "plain ascii / ~\x7f");
    ESC("\"\\\b\f\n\r\t", "\\\"\\\\\\b\\f\\n\\r\\t");
    ESC("\x01\x1f\0x", "\\u0001\\u001f\\u0000x");
    ESC("h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xef\xbf\xbd", "h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xef\xbf\xbd");
    /* Invalid UTF-8: one U+FFFD per maximal ill-formed subpart. */
    ESC("a\xff" "b", "a\xef\xbf\xbd" "b");
    ESC("\x80", "\xef\xbf\xbd");
    ESC("\xc0\x80", "\xef\xbf\xbd\xef\xbf\xbd");                                  /* overlong */
    ESC("\xe0\x9f\xbf", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");                  /* overlong */
    ESC("\xf0\x8f\xbf\xbf", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); /* overlong */
    ESC("\xe0\xa0\x80\xf0\x90\x80\x80\xf4\x8f\xbf\xbf", "\xe0\xa0\x80\xf0\x90\x80\x80\xf4\x8f\xbf\xbf"); /* edges */
    ESC("\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");                  /* surrogate */
    ESC("\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); /* > U+10FFFF */
    ESC("\xe2\x82x", "\xef\xbf\xbdx");                                            /* truncated */
    ESC("\xf0\x9f\x98", "\xef\xbf\xbd");                                          /* cut at end */
    ESC("\xf0\x9f\x98\"", "\xef\xbf\xbd\\\"");
    ESC("\xc3", "\xef\xbf\xbd");

    /* On failure the buffer is left as it was. */
    struct sy_buf b;
    sy_buf_init(&b, 8);
    assert_int_equal(sy_buf_append_cstr(&b, "ab"), SY_OK);
    assert_int_equal(sy_json_escape(&b, SY_LIT("cd\n\n\n")), SY_ETOOBIG);
    assert_int_equal(b.len, 2);
    assert_string_equal(b.data, "ab");
    assert_int_equal(sy_json_escape(&b, SY_LIT("cd\n")), SY_OK);
    assert_string_equal(b.data, "abcd\\n");
    sy_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_parse_depth),
        cmocka_unit_test(test_reads),
        cmocka_unit_test(test_top_level_scalars),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_strings_and_keys),
        cmocka_unit_test(test_node_roundtrip),
        cmocka_unit_test(test_find_member),
        cmocka_unit_test(test_writer_exact),
        cmocka_unit_test(test_writer_double),
        cmocka_unit_test(test_writer_misuse),
        cmocka_unit_test(test_writer_cap),
        cmocka_unit_test(test_escape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
