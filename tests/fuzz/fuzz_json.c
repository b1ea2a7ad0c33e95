/* libFuzzer target for src/json. Built by tests/fuzz/build.sh. Checks, for any input:
 *  - the parser never crashes; what it accepts, the writer serializes to text that parses again
 *    and serializes identically (a fixed point);
 *  - sy_json_find_member agrees with the tree for every top-level member, and never reads out of
 *    bounds on arbitrary bytes;
 *  - sy_json_escape output, quoted, is always accepted by the parser (valid UTF-8 JSON), decodes
 *    back to the input when that is ASCII, and leaves a capped buffer unchanged on failure;
 *  - a writer driven by the input through well-nested calls always produces valid JSON;
 *  - sy_jw_double text reads back as the same double. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/diag.h"
#include "json/json.h"
#include "json/write.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                     \
    do {                                                                                \
        if (!(cond)) {                                                                  \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);    \
            abort();                                                                    \
        }                                                                               \
    } while (0)

static char *dump(const struct sy_json *j, size_t *len)
{
    struct sy_buf b;
    sy_buf_init(&b, SY_BUF_UNCAPPED);
    struct sy_json_writer w;
    sy_jw_init(&w, &b);
    sy_jw_node(&w, j);
    CHECK(sy_jw_status(&w) == SY_OK);
    return sy_buf_detach(&b, len);
}

static struct sy_json *must_parse(const char *p, size_t n)
{
    struct sy_json *j = NULL;
    struct sy_diag d;
    sy_diag_clear(&d);
    if (sy_json_parse(sy_slice_from(p, n), &j, &d) != SY_OK) {
        fprintf(stderr, "rejected own output [%.*s]: %s\n", (int)n, p, d.message);
        abort();
    }
    return j;
}

static void check_parse(const uint8_t *data, size_t size)
{
    struct sy_json *j = NULL;
    struct sy_diag d;
    sy_diag_clear(&d);
    sy_status st = sy_json_parse(sy_slice_from((const char *)data, size), &j, &d);
    size_t s, e;
    (void)sy_json_find_member(sy_slice_from((const char *)data, size), "model", &s, &e);
    if (st != SY_OK) {
        CHECK(st == SY_EJSON && j == NULL);
        CHECK(strncmp(d.message, "invalid JSON at line ", 21) == 0);
        CHECK(d.line >= 1 && d.col >= 1);
        return;
    }
    size_t n1, n2;
    char *out1 = dump(j, &n1);
    struct sy_json *j2 = must_parse(out1, n1);
    char *out2 = dump(j2, &n2);
    CHECK(n1 == n2 && memcmp(out1, out2, n1) == 0);

    if (sy_json_type_of(j) == SY_JSON_OBJECT) {
        struct sy_json_iter it = { 0 };
        const char *k;
        const struct sy_json *v;
        size_t count = 0;
        while (sy_json_next(j, &it, &k, &v)) {
            count++;
            CHECK(sy_json_get(j, k) == v);
            CHECK(sy_json_find_member(sy_slice_from((const char *)data, size), k, &s, &e));
            CHECK(s < e && e <= size);
            struct sy_json *sub = must_parse((const char *)data + s, e - s);
            size_t a, b;
            char *da = dump(sub, &a), *db = dump(v, &b);
            CHECK(a == b && memcmp(da, db, a) == 0);
            free(da);
            free(db);
            sy_json_free(sub);
        }
        CHECK(count == sy_json_len(j));
    }
    free(out1);
    free(out2);
    sy_json_free(j2);
    sy_json_free(j);
}

static void check_escape(const uint8_t *data, size_t size)
{
    struct sy_buf b;
    sy_buf_init(&b, SY_BUF_UNCAPPED);
    CHECK(sy_buf_append_char(&b, '"') == SY_OK);
    CHECK(sy_json_escape(&b, sy_slice_from((const char *)data, size)) == SY_OK);
    CHECK(sy_buf_append_char(&b, '"') == SY_OK);
    struct sy_json *j = must_parse(b.data, b.len);
    sy_slice s;
    CHECK(sy_json_as_str(j, &s));
    bool ascii = true;
    for (size_t i = 0; i < size; i++)
        ascii = ascii && data[i] < 0x80;
    if (ascii)
        CHECK(s.len == size && (size == 0 || memcmp(s.ptr, data, size) == 0));
    sy_json_free(j);
    sy_buf_free(&b);

    /* A capped buffer either takes it all or is left unchanged. */
    sy_buf_init(&b, size / 2 + 1);
    CHECK(sy_buf_append_cstr(&b, "x") == SY_OK);
    if (sy_json_escape(&b, sy_slice_from((const char *)data, size)) != SY_OK)
        CHECK(b.len == 1 && b.data[1] == '\0');
    sy_buf_free(&b);
}

/* Drive the writer with well-nested calls chosen by the input. */
static void check_writer(const uint8_t *data, size_t size)
{
    struct sy_buf b;
    sy_buf_init(&b, SY_BUF_UNCAPPED);
    struct sy_json_writer w;
    sy_jw_init(&w, &b);
    bool is_obj[200];
    unsigned depth = 0;
    sy_jw_arr_begin(&w);
    is_obj[depth++] = false;
    size_t i = 0;
    while (i < size) {
        uint8_t op = data[i++];
        if (is_obj[depth - 1] && op % 9 < 8) {
            size_t n = i < size ? data[i] % 8 : 0;
            n = n < size - i ? n : size - i;
            char key[9];
            memcpy(key, data + i, n);
            key[n] = '\0';
            i += n;
            sy_jw_key(&w, key);
        }
        switch (op % 9) {
        case 0:
            if (depth < 150) {
                sy_jw_obj_begin(&w);
                is_obj[depth++] = true;
            } else {
                sy_jw_null(&w);
            }
            break;
        case 1:
            if (depth < 150) {
                sy_jw_arr_begin(&w);
                is_obj[depth++] = false;
            } else {
                sy_jw_null(&w);
            }
            break;
        case 2: {
            size_t n = i < size ? data[i] % 16 : 0;
            n = n < size - i ? n : size - i;
            sy_jw_str(&w, sy_slice_from((const char *)data + i, n));
            i += n;
            break;
        }
        case 3: {
            int64_t v = 0;
            size_t n = size - i < 8 ? size - i : 8;
            memcpy(&v, data + i, n);
            i += n;
            sy_jw_int(&w, v);
            break;
        }
        case 4: {
            double v = 0;
            size_t n = size - i < 8 ? size - i : 8;
            memcpy(&v, data + i, n);
            i += n;
            sy_jw_double(&w, v);
            break;
        }
        case 5:
            sy_jw_bool(&w, op & 16);
            break;
        case 6:
            sy_jw_cstr(&w, NULL);
            break;
        case 7:
            sy_jw_raw(&w, SY_LIT("{\"r\":[1,2.5]}"));
            break;
        case 8:
            if (depth > 1) {
                depth--;
                if (is_obj[depth])
                    sy_jw_obj_end(&w);
                else
                    sy_jw_arr_end(&w);
            }
            break;
        }
    }
    while (depth > 0) {
        depth--;
        if (is_obj[depth])
            sy_jw_obj_end(&w);
        else
            sy_jw_arr_end(&w);
    }
    if (sy_jw_status(&w) == SY_EINTERNAL) {
        /* only nesting past SY_JW_MAX_DEPTH may refuse */
        sy_buf_free(&b);
        return;
    }
    CHECK(sy_jw_status(&w) == SY_OK);
    struct sy_json *j = NULL;
    struct sy_diag d;
    sy_diag_clear(&d);
    sy_status st = sy_json_parse(sy_buf_slice(&b), &j, &d);
    /* The parser caps nesting at SY_JSON_MAX_DEPTH; anything shallower must parse. */
    if (st != SY_OK && !strstr(d.message, "nesting too deep")) {
        fprintf(stderr, "writer produced invalid JSON [%s]: %s\n", b.data, d.message);
        abort();
    }
    sy_json_free(j);
    sy_buf_free(&b);
}

static void check_double(const uint8_t *data, size_t size)
{
    if (size < 8)
        return;
    double v;
    memcpy(&v, data, 8);
    struct sy_buf b;
    sy_buf_init(&b, SY_BUF_UNCAPPED);
    struct sy_json_writer w;
    sy_jw_init(&w, &b);
    sy_jw_double(&w, v);
    CHECK(sy_jw_status(&w) == SY_OK);
    if (isfinite(v))
        CHECK(strtod(b.data, NULL) == v);
    else
        CHECK(strcmp(b.data, "null") == 0);
    struct sy_json *j = must_parse(b.data, b.len);
    sy_json_free(j);
    sy_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_parse(data, size);
    check_escape(data, size);
    check_writer(data, size);
    check_double(data, size);
    return 0;
}
