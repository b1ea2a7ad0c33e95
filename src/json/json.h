/* JSON, the only module that includes json-c. Reading: a strict parser into a read-only tree with
 * line/column error reports. Writing: a streaming writer into a capped sy_buf (json/write.h).
 * Trees are owned by the caller of sy_json_parse and freed with sy_json_free; every pointer
 * obtained from a tree is borrowed from it. */
#ifndef SY_JSON_JSON_H
#define SY_JSON_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/diag.h"
#include "core/slice.h"
#include "core/status.h"

struct sy_json; /* opaque: a node of a parsed tree */

enum sy_json_type {
    SY_JSON_NULL,
    SY_JSON_BOOL,
    SY_JSON_INT,
    SY_JSON_DOUBLE,
    SY_JSON_STRING,
    SY_JSON_ARRAY,
    SY_JSON_OBJECT,
};

#define SY_JSON_MAX_DEPTH 64

/* Parse `text` strictly: RFC 8259 only, UTF-8 validated, nothing but whitespace after the value,
 * nesting at most SY_JSON_MAX_DEPTH. On failure returns SY_EJSON, *out = NULL, and sets diag's
 * message to "invalid JSON at line L, column C: <reason>" (1-based line and column of the byte
 * where parsing stopped). Empty input is an error too. */
sy_status sy_json_parse(sy_slice text, struct sy_json **out, struct sy_diag *diag) SY_MUST_CHECK;
/* Free a tree returned by sy_json_parse. Accepts NULL. */
void sy_json_free(struct sy_json *root);

enum sy_json_type sy_json_type_of(const struct sy_json *j); /* NULL counts as SY_JSON_NULL */
/* "null", "boolean", "integer", "number", "string", "array", "object". */
const char *sy_json_type_name(enum sy_json_type t);

/* Member `key` of an object; NULL when j is not an object or has no such member. A member whose
 * value is JSON null yields a non-NULL node of type SY_JSON_NULL, so presence can be tested with
 * `!= NULL` (the same holds for sy_json_at, sy_json_member, and for a parsed top-level null). */
const struct sy_json *sy_json_get(const struct sy_json *obj, const char *key);
/* Number of elements (arrays) or members (objects); 0 otherwise. */
size_t sy_json_len(const struct sy_json *j);
/* Element i of an array, NULL when out of range or not an array. */
const struct sy_json *sy_json_at(const struct sy_json *arr, size_t i);
/* Object iteration: i-th member in document order (0 <= i < sy_json_len). false when out of range. */
bool sy_json_member(const struct sy_json *obj, size_t i, const char **key, const struct sy_json **val);

/* Object iteration in document order, O(1) per step (sy_json_member(i) walks i members):
 *     struct sy_json_iter it = {0};
 *     while (sy_json_next(obj, &it, &key, &val)) ...
 * false at the end or when obj is not an object. The object must not change meanwhile. */
struct sy_json_iter {
    const void *pos;     /* internal */
    bool        started; /* internal */
};
bool sy_json_next(const struct sy_json *obj, struct sy_json_iter *it, const char **key,
                  const struct sy_json **val);

/* Typed reads: false (out untouched) when the node has another type. */
bool sy_json_as_str(const struct sy_json *j, sy_slice *out);   /* borrowed; NUL-terminated too */
bool sy_json_as_bool(const struct sy_json *j, bool *out);
bool sy_json_as_int(const struct sy_json *j, int64_t *out);    /* integers only, exact */
/* Integers outside the int64 range are parsed as SY_JSON_DOUBLE ("number"): sy_json_as_int
 * refuses them, sy_json_as_double rounds them, and sy_jw_node writes their original text. */
bool sy_json_as_double(const struct sy_json *j, double *out);  /* integers or reals */

/* Byte range [*start, *end) of the value of top-level member `key` inside `text`, which must
 * be a JSON object that sy_json_parse accepted. For strings the range includes the quotes.
 * Returns false when the member is absent. If the key appears twice, the last one (the one
 * json-c keeps) is returned. Lets a proxy splice one value and keep every other byte. */
bool sy_json_find_member(sy_slice text, const char *key, size_t *start, size_t *end);

#endif
