/* Checked reads of a client request body (see checked.h): type, presence, enum, range and
 * pattern checks with OpenAI's error wording, and the members both request bodies define alike,
 * shared by the Chat Completions and Responses request decoders. */
#include "translate/checked.h"

#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "json/write.h"

/* ------------------------------------------------------------------ errors */

sy_status sy_chk_vfail(const struct sy_chk *k, const char *param, const char *code, const char *fmt, va_list ap)
{
    if (!k->diag)
        return SY_EINVAL;
    vsnprintf(k->diag->message, sizeof k->diag->message, fmt, ap);
    sy_diag_param(k->diag, param);
    sy_diag_code(k->diag, code);
    return SY_EINVAL;
}

sy_status sy_chk_fail(const struct sy_chk *k, const char *param, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sy_status st = sy_chk_vfail(k, param, code, fmt, ap);
    va_end(ap);
    return st;
}

static const char *got_name(const struct sy_json *v)
{
    switch (sy_json_type_of(v)) {
    case SY_JSON_NULL: return "null";
    case SY_JSON_BOOL: return "a boolean";
    case SY_JSON_INT: return "an integer";
    case SY_JSON_DOUBLE: return "a decimal";
    case SY_JSON_STRING: return "a string";
    case SY_JSON_ARRAY: return "an array";
    case SY_JSON_OBJECT: return "an object";
    }
    return "a value";
}

sy_status sy_chk_bad_type(const struct sy_chk *k, const char *param, const char *expected, const struct sy_json *got)
{
    return sy_chk_fail(k, param, "invalid_type", "Invalid type for '%s': expected %s, but got %s instead.", param,
                       expected, got_name(got));
}

sy_status sy_chk_missing(const struct sy_chk *k, const char *param)
{
    return sy_chk_fail(k, param, "missing_required_parameter", "Missing required parameter: '%s'.", param);
}

sy_status sy_chk_enum(const struct sy_chk *k, const char *param, sy_slice v, const char *const *allowed)
{
    size_t n = 0;
    for (; allowed[n]; n++)
        if (sy_slice_eq_cstr(v, allowed[n]))
            return SY_OK;
    char list[384];
    size_t off = 0;
    for (size_t i = 0; i < n && off < sizeof list; i++) {
        const char *sep = i == 0 ? "" : (n == 2 ? " and " : (i + 1 == n ? ", and " : ", "));
        int w = snprintf(list + off, sizeof list - off, "%s'%s'", sep, allowed[i]);
        off += w > 0 ? (size_t)w : 0;
    }
    int vl = v.len > 100 ? 100 : (int)v.len;
    return sy_chk_fail(k, param, "invalid_value", "Invalid value: '%.*s'. Supported values are: %s.", vl, v.ptr, list);
}

sy_status sy_chk_max_len(const struct sy_chk *k, const char *param, sy_slice s, size_t max)
{
    if (s.len <= max)
        return SY_OK;
    return sy_chk_fail(k, param, "string_above_max_length",
                       "Invalid '%s': string too long. Expected a string with maximum length %zu, but got a string "
                       "with length %zu instead.",
                       param, max, s.len);
}

sy_status sy_chk_name(const struct sy_chk *k, const char *param, sy_slice s)
{
    bool ok = s.len >= 1 && s.len <= 64;
    for (size_t i = 0; ok && i < s.len; i++) {
        char ch = s.ptr[i];
        ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
             ch == '-';
    }
    if (ok)
        return SY_OK;
    return sy_chk_fail(k, param, "invalid_value",
                       "Invalid '%s': string does not match pattern. Expected a string that matches the pattern "
                       "'^[a-zA-Z0-9_-]{1,64}$'.",
                       param);
}

sy_status sy_chk_unknown(const struct sy_chk *k, const char *key)
{
    return sy_chk_fail(k, key, "unknown_parameter", "Unrecognized request argument supplied: %s", key);
}

void sy_chk_drop(const struct sy_chk *k, const char *param)
{
    if (k->dropped)
        sy_dropped_add(k->dropped, param);
}

sy_status sy_chk_drop_typed(const struct sy_chk *k, const struct sy_json *v, const char *param, enum sy_json_type t)
{
    if (sy_chk_null(v))
        return SY_OK;
    sy_status st = sy_chk_type(k, v, param, t);
    if (st == SY_OK)
        sy_chk_drop(k, param);
    return st;
}

/* ------------------------------------------------------------------ typed reads */

sy_status sy_chk_type(const struct sy_chk *k, const struct sy_json *v, const char *param, enum sy_json_type t)
{
    if (sy_json_type_of(v) == t)
        return SY_OK;
    return sy_chk_bad_type(k, param, t == SY_JSON_OBJECT ? "an object" : "an array", v);
}

sy_status sy_chk_opt_type(const struct sy_chk *k, const struct sy_json *v, const char *param, enum sy_json_type t)
{
    return sy_chk_null(v) ? SY_OK : sy_chk_type(k, v, param, t);
}

sy_status sy_chk_req_member(const struct sy_chk *k, const struct sy_json *obj, const char *key, const char *param,
                            enum sy_json_type t, const struct sy_json **out)
{
    *out = sy_json_get(obj, key);
    return sy_chk_null(*out) ? sy_chk_missing(k, param) : sy_chk_type(k, *out, param, t);
}

sy_status sy_chk_str(const struct sy_chk *k, const struct sy_json *v, const char *param, sy_slice *out)
{
    if (sy_chk_null(v))
        return SY_OK;
    return sy_json_as_str(v, out) ? SY_OK : sy_chk_bad_type(k, param, "a string", v);
}

sy_status sy_chk_opt_str(const struct sy_chk *k, const struct sy_json *obj, const char *key, const char *param,
                         sy_slice *out, bool *present)
{
    const struct sy_json *v = sy_json_get(obj, key);
    if (present)
        *present = !sy_chk_null(v);
    return sy_chk_str(k, v, param, out);
}

sy_status sy_chk_req_str(const struct sy_chk *k, const struct sy_json *obj, const char *key, const char *param,
                         sy_slice *out)
{
    const struct sy_json *v = sy_json_get(obj, key);
    if (sy_chk_null(v))
        return sy_chk_missing(k, param);
    return sy_chk_str(k, v, param, out);
}

sy_status sy_chk_enum_str(const struct sy_chk *k, const struct sy_json *v, const char *param,
                          const char *const *allowed, sy_slice *out)
{
    sy_slice s = SY_SLICE_NULL;
    sy_status st = sy_chk_str(k, v, param, &s);
    if (st != SY_OK || !s.ptr)
        return st;
    if ((st = sy_chk_enum(k, param, s, allowed)) == SY_OK)
        *out = s;
    return st;
}

sy_status sy_chk_bool(const struct sy_chk *k, const struct sy_json *v, const char *param, int *out)
{
    bool b;
    if (sy_chk_null(v))
        return SY_OK;
    if (!sy_json_as_bool(v, &b))
        return sy_chk_bad_type(k, param, "a boolean", v);
    *out = b;
    return SY_OK;
}

sy_status sy_chk_int(const struct sy_chk *k, const struct sy_json *v, const char *param, int64_t lo, int64_t hi,
                     int64_t *out)
{
    int64_t n;
    if (sy_chk_null(v))
        return SY_OK;
    if (!sy_json_as_int(v, &n))
        return sy_chk_bad_type(k, param, "an integer", v);
    if (n < lo)
        return sy_chk_fail(k, param, "integer_below_min_value",
                           "Invalid '%s': integer below minimum value. Expected a value >= %lld, but got %lld instead.",
                           param, (long long)lo, (long long)n);
    if (n > hi)
        return sy_chk_fail(k, param, "integer_above_max_value",
                           "Invalid '%s': integer above maximum value. Expected a value <= %lld, but got %lld instead.",
                           param, (long long)hi, (long long)n);
    *out = n;
    return SY_OK;
}

sy_status sy_chk_num(const struct sy_chk *k, const struct sy_json *v, const char *param, double lo, double hi,
                     bool *has, sy_slice *text)
{
    double d;
    if (sy_chk_null(v))
        return SY_OK;
    if (!sy_json_as_double(v, &d))
        return sy_chk_bad_type(k, param, "a number", v);
    sy_slice t = sy_chk_node_text(k, v);
    if (d < lo || d > hi)
        return sy_chk_fail(k, param, d < lo ? "decimal_below_min_value" : "decimal_above_max_value",
                           "Invalid '%s': decimal %s value. Expected a value %s %g, but got %.*s instead.", param,
                           d < lo ? "below minimum" : "above maximum", d < lo ? ">=" : "<=", d < lo ? lo : hi,
                           SY_SLICE_ARG(t));
    *has = true;
    *text = t;
    return SY_OK;
}

/* ------------------------------------------------------------------ tools */

sy_status sy_chk_tool_choice(const struct sy_chk *k, const struct sy_json *v, bool *object)
{
    static const char *const modes[] = { "none", "auto", "required", NULL };
    sy_slice s;
    sy_status st;
    *object = false;
    if (sy_chk_null(v))
        return SY_OK;
    if (sy_json_as_str(v, &s)) {
        if ((st = sy_chk_enum(k, "tool_choice", s, modes)) == SY_OK)
            k->req->tool_choice = s.ptr[0] == 'n' ? SY_TC_NONE : s.ptr[0] == 'a' ? SY_TC_AUTO : SY_TC_REQUIRED;
        return st;
    }
    if (sy_json_type_of(v) != SY_JSON_OBJECT)
        return sy_chk_bad_type(k, "tool_choice", "a string or an object", v);
    *object = true;
    return SY_OK;
}

sy_status sy_chk_function(const struct sy_chk *k, const struct sy_json *f, const char *prefix, struct sy_ir_tool *t)
{
    char param[160];
    snprintf(param, sizeof param, "%s.name", prefix);
    sy_status st = sy_chk_req_str(k, f, "name", param, &t->name);
    if (st || (st = sy_chk_name(k, param, t->name)))
        return st;
    snprintf(param, sizeof param, "%s.description", prefix);
    if ((st = sy_chk_opt_str(k, f, "description", param, &t->description, NULL)))
        return st;
    const struct sy_json *p = sy_json_get(f, "parameters");
    snprintf(param, sizeof param, "%s.parameters", prefix);
    if (!sy_chk_null(p)) {
        if ((st = sy_chk_type(k, p, param, SY_JSON_OBJECT)))
            return st;
        t->parameters = sy_chk_node_text(k, p);
    }
    snprintf(param, sizeof param, "%s.strict", prefix);
    return sy_chk_bool(k, sy_json_get(f, "strict"), param, &t->strict);
}

/* ------------------------------------------------------------------ common members */

static sy_status dec_model(const struct sy_chk *k, const struct sy_json *v)
{
    return sy_chk_str(k, v, "model", &k->req->model);
}
static sy_status dec_user(const struct sy_chk *k, const struct sy_json *v)
{
    return sy_chk_str(k, v, "user", &k->req->user);
}
static sy_status dec_previous_response_id(const struct sy_chk *k, const struct sy_json *v)
{
    return sy_chk_str(k, v, "previous_response_id", &k->req->previous_response_id);
}
static sy_status dec_store(const struct sy_chk *k, const struct sy_json *v)
{
    return sy_chk_bool(k, v, "store", &k->req->store);
}
static sy_status dec_parallel_tool_calls(const struct sy_chk *k, const struct sy_json *v)
{
    return sy_chk_bool(k, v, "parallel_tool_calls", &k->req->parallel_tool_calls);
}

static sy_status dec_stream(const struct sy_chk *k, const struct sy_json *v)
{
    int b = 0;
    sy_status st = sy_chk_bool(k, v, "stream", &b);
    k->req->stream = b == 1;
    return st;
}

static sy_status dec_top_logprobs(const struct sy_chk *k, const struct sy_json *v)
{
    return sy_chk_int(k, v, "top_logprobs", 0, 20, &k->req->top_logprobs);
}
static sy_status dec_temperature(const struct sy_chk *k, const struct sy_json *v)
{
    return sy_chk_num(k, v, "temperature", 0, 2, &k->req->has_temperature, &k->req->temperature);
}
static sy_status dec_top_p(const struct sy_chk *k, const struct sy_json *v)
{
    return sy_chk_num(k, v, "top_p", 0, 1, &k->req->has_top_p, &k->req->top_p);
}
static sy_status dec_presence_penalty(const struct sy_chk *k, const struct sy_json *v)
{
    struct sy_ir_request *r = k->req;
    return sy_chk_num(k, v, "presence_penalty", -2, 2, &r->has_presence_penalty, &r->presence_penalty);
}
static sy_status dec_frequency_penalty(const struct sy_chk *k, const struct sy_json *v)
{
    struct sy_ir_request *r = k->req;
    return sy_chk_num(k, v, "frequency_penalty", -2, 2, &r->has_frequency_penalty, &r->frequency_penalty);
}

static sy_status dec_service_tier(const struct sy_chk *k, const struct sy_json *v)
{
    static const char *const vals[] = { "auto", "default", "flex", "scale", "priority", NULL };
    return sy_chk_enum_str(k, v, "service_tier", vals, &k->req->service_tier);
}

/* Prompt caching hints: checked, then dropped (no IR slot). */
static sy_status dec_prompt_cache_retention(const struct sy_chk *k, const struct sy_json *v)
{
    static const char *const vals[] = { "in_memory", "in-memory", "24h", NULL };
    sy_slice s = SY_SLICE_NULL;
    sy_status st = sy_chk_enum_str(k, v, "prompt_cache_retention", vals, &s);
    if (st == SY_OK && s.ptr)
        sy_chk_drop(k, "prompt_cache_retention");
    return st;
}

static sy_status dec_prompt_cache_options(const struct sy_chk *k, const struct sy_json *v)
{
    return sy_chk_drop_typed(k, v, "prompt_cache_options", SY_JSON_OBJECT);
}

sy_status sy_chk_metadata(const struct sy_chk *k, const struct sy_json *v, sy_slice *out)
{
    if (sy_chk_null(v))
        return SY_OK;
    sy_status st = sy_chk_type(k, v, "metadata", SY_JSON_OBJECT);
    if (st != SY_OK)
        return st;
    if (sy_json_len(v) > 16)
        return sy_chk_fail(k, "metadata", "object_above_max_properties",
                           "Invalid 'metadata': too many properties. Expected an object with at most 16 properties, "
                           "but got an object with %zu properties instead.",
                           sy_json_len(v));
    struct sy_json_iter it = { 0 };
    const char *key;
    const struct sy_json *val;
    char param[128];
    while (sy_json_next(v, &it, &key, &val)) {
        sy_slice s;
        snprintf(param, sizeof param, "metadata.%.64s", key);
        if (strlen(key) > 64)
            return sy_chk_fail(k, "metadata", "string_above_max_length",
                               "Invalid 'metadata': key too long. Expected keys with maximum length 64, but got a "
                               "key with length %zu instead.",
                               strlen(key));
        if (!sy_json_as_str(val, &s))
            return sy_chk_bad_type(k, param, "a string", val);
        if ((st = sy_chk_max_len(k, param, s, 512)) != SY_OK)
            return st;
    }
    *out = sy_chk_node_text(k, v);
    return SY_OK;
}

static sy_status dec_metadata(const struct sy_chk *k, const struct sy_json *v)
{
    return sy_chk_metadata(k, v, &k->req->metadata);
}

sy_status sy_chk_common_member(const struct sy_chk *k, const char *key, const struct sy_json *v)
{
    static const struct {
        const char *name;
        sy_status (*fn)(const struct sy_chk *k, const struct sy_json *v);
    } common[] = {
#define M(n) { #n, dec_##n },
        M(model) M(user) M(previous_response_id) M(stream) M(store) M(parallel_tool_calls) M(top_logprobs)
        M(temperature) M(top_p) M(presence_penalty) M(frequency_penalty) M(service_tier) M(metadata)
        M(prompt_cache_retention) M(prompt_cache_options)
#undef M
    };
    for (size_t i = 0; i < sizeof common / sizeof common[0]; i++)
        if (strcmp(common[i].name, key) == 0)
            return common[i].fn(k, v);
    return sy_chk_unknown(k, key);
}

/* ------------------------------------------------------------------ request body */

void sy_chk_request_init(struct sy_ir_request *r)
{
    memset(r, 0, sizeof *r);
    r->parallel_tool_calls = -1;
    r->format_strict = -1;
    r->max_output_tokens = -1;
    r->top_logprobs = -1;
    r->store = -1;
    r->max_tool_calls = -1;
}

sy_status sy_chk_members(const struct sy_chk *k, const struct sy_json *root, sy_chk_member_fn member, void *ctx)
{
    if (sy_json_type_of(root) != SY_JSON_OBJECT)
        return sy_chk_fail(k, "", "invalid_type", "The request body must be a JSON object.");
    struct sy_json_iter it = { 0 };
    const char *key;
    const struct sy_json *val;
    while (sy_json_next(root, &it, &key, &val)) {
        sy_status st = member(ctx, key, val);
        if (st != SY_OK)
            return st;
    }
    return SY_OK;
}

/* ------------------------------------------------------------------ arena */

sy_slice sy_chk_node_text(const struct sy_chk *k, const struct sy_json *v)
{
    struct sy_buf b;
    sy_buf_init(&b, SY_BUF_UNCAPPED);
    struct sy_json_writer w;
    sy_jw_init(&w, &b);
    sy_jw_node(&w, v);
    sy_slice out = sy_jw_status(&w) == SY_OK ? sy_arena_dup(k->a, sy_buf_slice(&b)) : SY_LIT("null");
    sy_buf_free(&b);
    return out;
}

void *sy_chk_grow(const struct sy_chk *k, void *arr, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return arr;
    size_t ncap = *cap ? *cap * 2 : 8;
    void *p = sy_arena_alloc(k->a, ncap * size);
    if (n)
        memcpy(p, arr, n * size);
    *cap = ncap;
    return p;
}
