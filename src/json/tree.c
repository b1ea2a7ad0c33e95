/* Typed reads of a parsed JSON tree (json-c underneath; JSON null is the sentinel of
 * internal.h, so that a null member can be told from an absent one). */
#include "json/json.h"

#include <json-c/json.h>
#include <stdint.h>
#include <string.h>

#include "json/internal.h"

char sy_json__null_node;

enum sy_json_type sy_json_type_of(const struct sy_json *j)
{
    json_object *o = sy_json__jo(j);
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
    json_object *o = sy_json__jo(obj), *v = NULL;
    if (!key || json_object_get_type(o) != json_type_object)
        return NULL;
    if (!json_object_object_get_ex(o, key, &v))
        return NULL;
    return sy_json__wrap(v);
}

size_t sy_json_len(const struct sy_json *j)
{
    json_object *o = sy_json__jo(j);
    switch (json_object_get_type(o)) {
    case json_type_array: return json_object_array_length(o);
    case json_type_object: return (size_t)json_object_object_length(o);
    default: return 0;
    }
}

const struct sy_json *sy_json_at(const struct sy_json *arr, size_t i)
{
    json_object *o = sy_json__jo(arr);
    if (json_object_get_type(o) != json_type_array || i >= json_object_array_length(o))
        return NULL;
    return sy_json__wrap(json_object_array_get_idx(o, i));
}

bool sy_json_next(const struct sy_json *obj, struct sy_json_iter *it, const char **key,
                  const struct sy_json **val)
{
    json_object *o = sy_json__jo(obj);
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
        *val = sy_json__wrap(json_object_iter_peek_value(&cur));
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
    json_object *o = sy_json__jo(j);
    if (json_object_get_type(o) != json_type_string)
        return false;
    *out = sy_slice_from(json_object_get_string(o), (size_t)json_object_get_string_len(o));
    return true;
}

bool sy_json_as_bool(const struct sy_json *j, bool *out)
{
    json_object *o = sy_json__jo(j);
    if (json_object_get_type(o) != json_type_boolean)
        return false;
    *out = json_object_get_boolean(o) != 0;
    return true;
}

bool sy_json_as_int(const struct sy_json *j, int64_t *out)
{
    json_object *o = sy_json__jo(j);
    if (json_object_get_type(o) != json_type_int)
        return false;
    *out = json_object_get_int64(o);
    return true;
}

bool sy_json_as_double(const struct sy_json *j, double *out)
{
    json_object *o = sy_json__jo(j);
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
    json_object *o = sy_json__jo(j);
    if (json_object_get_type(o) != json_type_double)
        return NULL;
    return json_object_get_userdata(o); /* set by json_object_new_double_s */
}
