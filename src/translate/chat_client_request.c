/* Chat codec, client side, request direction: a `POST /v1/chat/completions` body → IR request for
 * a Responses upstream (mapping.md §1 and §7). Every top-level member has one decoder (the table
 * at the end); any other member is refused with unknown_parameter, because a Responses upstream
 * would reject the vendor extensions a chat upstream accepts. Errors use OpenAI's wording and
 * codes (invalid_type, invalid_value, missing_required_parameter, unknown_parameter,
 * unsupported_parameter, unsupported_value). JSON null counts as absent everywhere.
 * `messages` is decoded in chat_client_messages.c; this file holds the shared validation
 * helpers (sy_chatd__*), tools, tool_choice, response_format and the scalar parameters.
 * Strings point into the parsed tree; joined texts and re-serialized JSON (schemas, metadata)
 * live in the arena. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "json/json.h"
#include "json/write.h"
#include "translate/chat_client.h"
#include "translate/chat_internal.h"

/* ------------------------------------------------------------------ errors */

sy_status sy_chatd__fail(struct sy_chatd *c, const char *param, const char *code, const char *fmt, ...)
{
    if (!c->diag)
        return SY_EINVAL;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->diag->message, sizeof c->diag->message, fmt, ap);
    va_end(ap);
    sy_diag_param(c->diag, param);
    sy_diag_code(c->diag, code);
    return SY_EINVAL;
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

sy_status sy_chatd__bad_type(struct sy_chatd *c, const char *param, const char *expected, const struct sy_json *got)
{
    return sy_chatd__fail(c, param, "invalid_type", "Invalid type for '%s': expected %s, but got %s instead.", param,
                          expected,
                got_name(got));
}

sy_status sy_chatd__missing(struct sy_chatd *c, const char *param)
{
    return sy_chatd__fail(c, param, "missing_required_parameter", "Missing required parameter: '%s'.", param);
}

sy_status sy_chatd__unsupported(struct sy_chatd *c, const char *param, const char *code, const char *what)
{
    return sy_chatd__fail(c, param, code, "%s is not supported when the model is served by a Responses upstream.",
                          what);
}

sy_status sy_chatd__enum(struct sy_chatd *c, const char *param, sy_slice v, const char *const *allowed)
{
    size_t n = 0;
    for (; allowed[n]; n++)
        if (sy_slice_eq_cstr(v, allowed[n]))
            return SY_OK;
    char list[384];
    size_t off = 0;
    for (size_t i = 0; i < n && off < sizeof list; i++) {
        const char *sep = i == 0 ? "" : (n == 2 ? " and " : (i + 1 == n ? ", and " : ", "));
        int k = snprintf(list + off, sizeof list - off, "%s'%s'", sep, allowed[i]);
        off += k > 0 ? (size_t)k : 0;
    }
    int vl = v.len > 100 ? 100 : (int)v.len;
    return sy_chatd__fail(c, param, "invalid_value", "Invalid value: '%.*s'. Supported values are: %s.", vl, v.ptr,
                          list);
}

void sy_chatd__drop(struct sy_chatd *c, const char *param)
{
    if (c->dropped)
        sy_dropped_add(c->dropped, param);
}

/* ------------------------------------------------------------------ typed reads */

/* String value; null leaves *out untouched. */
sy_status sy_chatd__str(struct sy_chatd *c, const struct sy_json *v, const char *param, sy_slice *out)
{
    if (sy_chatd__null(v))
        return SY_OK;
    return sy_json_as_str(v, out) ? SY_OK : sy_chatd__bad_type(c, param, "a string", v);
}

/* Required string member `key` of obj (param names it). */
sy_status sy_chatd__req_str(struct sy_chatd *c, const struct sy_json *obj, const char *key, const char *param,
                            sy_slice *out)
{
    const struct sy_json *v = sy_json_get(obj, key);
    if (sy_chatd__null(v))
        return sy_chatd__missing(c, param);
    return sy_chatd__str(c, v, param, out);
}

sy_status sy_chatd__opt_str(struct sy_chatd *c, const struct sy_json *obj, const char *key, const char *param,
                            sy_slice *out)
{
    return sy_chatd__str(c, sy_json_get(obj, key), param, out);
}

sy_status sy_chatd__enum_val(struct sy_chatd *c, const struct sy_json *v, const char *param, const char *const *allowed,
                          sy_slice *out)
{
    sy_slice s = SY_SLICE_NULL;
    sy_status st = sy_chatd__str(c, v, param, &s);
    if (st != SY_OK || !s.ptr)
        return st;
    if ((st = sy_chatd__enum(c, param, s, allowed)) == SY_OK)
        *out = s;
    return st;
}

static sy_status bool_val(struct sy_chatd *c, const struct sy_json *v, const char *param, int *out)
{
    bool b;
    if (sy_chatd__null(v))
        return SY_OK;
    if (!sy_json_as_bool(v, &b))
        return sy_chatd__bad_type(c, param, "a boolean", v);
    *out = b;
    return SY_OK;
}

static sy_status int_val(struct sy_chatd *c, const struct sy_json *v, const char *param, int64_t lo, int64_t hi,
                         int64_t *out)
{
    int64_t n;
    if (sy_chatd__null(v))
        return SY_OK;
    if (!sy_json_as_int(v, &n))
        return sy_chatd__bad_type(c, param, "an integer", v);
    if (n < lo)
        return sy_chatd__fail(c, param, "integer_below_min_value",
                    "Invalid '%s': integer below minimum value. Expected a value >= %lld, but got %lld instead.", param,
                    (long long)lo, (long long)n);
    if (n > hi)
        return sy_chatd__fail(c, param, "integer_above_max_value",
                    "Invalid '%s': integer above maximum value. Expected a value <= %lld, but got %lld instead.", param,
                    (long long)hi, (long long)n);
    *out = n;
    return SY_OK;
}

/* Compact JSON text of a node, in the arena. */
static sy_slice node_text(struct sy_chatd *c, const struct sy_json *v)
{
    struct sy_buf b;
    sy_buf_init(&b, SY_BUF_UNCAPPED);
    struct sy_json_writer w;
    sy_jw_init(&w, &b);
    sy_jw_node(&w, v);
    sy_slice out = sy_jw_status(&w) == SY_OK ? sy_arena_dup(c->a, sy_buf_slice(&b)) : SY_LIT("null");
    sy_buf_free(&b);
    return out;
}

/* A number kept as the text the client sent. */
static sy_status num_val(struct sy_chatd *c, const struct sy_json *v, const char *param, double lo, double hi,
                         bool *has,
                         sy_slice *text)
{
    double d;
    if (sy_chatd__null(v))
        return SY_OK;
    if (!sy_json_as_double(v, &d))
        return sy_chatd__bad_type(c, param, "a number", v);
    sy_slice t = node_text(c, v);
    if (d < lo || d > hi)
        return sy_chatd__fail(c, param, d < lo ? "decimal_below_min_value" : "decimal_above_max_value",
                    "Invalid '%s': decimal %s value. Expected a value %s %g, but got %.*s instead.", param,
                    d < lo ? "below minimum" : "above maximum", d < lo ? ">=" : "<=", d < lo ? lo : hi,
                    SY_SLICE_ARG(t));
    *has = true;
    *text = t;
    return SY_OK;
}

sy_status sy_chatd__type(struct sy_chatd *c, const struct sy_json *v, const char *param, enum sy_json_type t)
{
    if (sy_json_type_of(v) == t)
        return SY_OK;
    return sy_chatd__bad_type(c, param, t == SY_JSON_OBJECT ? "an object" : "an array", v);
}

/* ^[a-zA-Z0-9_-]{1,64}$ */
static sy_status name_pattern(struct sy_chatd *c, const char *param, sy_slice s)
{
    bool ok = s.len >= 1 && s.len <= 64;
    for (size_t i = 0; ok && i < s.len; i++) {
        char ch = s.ptr[i];
        ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
             ch == '-';
    }
    if (ok)
        return SY_OK;
    return sy_chatd__fail(c, param, "invalid_value",
                "Invalid '%s': string does not match pattern. Expected a string that matches the pattern "
                "'^[a-zA-Z0-9_-]{1,64}$'.",
                param);
}

/* ------------------------------------------------------------------ tools */

void *sy_chatd__grow(struct sy_chatd *c, void *arr, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return arr;
    size_t ncap = *cap ? *cap * 2 : 8;
    void *p = sy_arena_alloc(c->a, ncap * size);
    if (n)
        memcpy(p, arr, n * size);
    *cap = ncap;
    return p;
}

static struct sy_ir_tool *new_tool(struct sy_chatd *c)
{
    struct sy_ir_request *r = c->req;
    r->tools = sy_chatd__grow(c, r->tools, r->ntools, &c->captools, sizeof *r->tools);
    struct sy_ir_tool *t = &r->tools[r->ntools++];
    memset(t, 0, sizeof *t);
    t->strict = 0; /* chat default; Responses would default to true (mapping.md §7 #9) */
    return t;
}


/* {name, description, parameters, strict} of a function definition. */
static sy_status dec_function_def(struct sy_chatd *c, const struct sy_json *f, const char *pf, struct sy_ir_tool *t)
{
    char param[96];
    snprintf(param, sizeof param, "%s.name", pf);
    sy_status st = sy_chatd__req_str(c, f, "name", param, &t->name);
    if (st || (st = name_pattern(c, param, t->name)))
        return st;
    snprintf(param, sizeof param, "%s.description", pf);
    if ((st = sy_chatd__opt_str(c, f, "description", param, &t->description)))
        return st;
    const struct sy_json *p = sy_json_get(f, "parameters");
    snprintf(param, sizeof param, "%s.parameters", pf);
    if (!sy_chatd__null(p)) {
        if ((st = sy_chatd__type(c, p, param, SY_JSON_OBJECT)))
            return st;
        t->parameters = node_text(c, p);
    }
    snprintf(param, sizeof param, "%s.strict", pf);
    return bool_val(c, sy_json_get(f, "strict"), param, &t->strict);
}

static sy_status dec_tools(struct sy_chatd *c, const struct sy_json *v)
{
    static const char *const types[] = { "function", "custom", NULL };
    if (sy_chatd__null(v))
        return SY_OK;
    sy_status st = sy_chatd__type(c, v, "tools", SY_JSON_ARRAY);
    for (size_t i = 0; st == SY_OK && i < sy_json_len(v); i++) {
        const struct sy_json *t = sy_json_at(v, i);
        char pt[48], param[64];
        sy_slice type;
        snprintf(pt, sizeof pt, "tools[%zu]", i);
        snprintf(param, sizeof param, "%s.type", pt);
        if ((st = sy_chatd__type(c, t, pt, SY_JSON_OBJECT)) || (st = sy_chatd__req_str(c, t, "type", param, &type)) ||
            (st = sy_chatd__enum(c, param, type, types)))
            return st;
        if (sy_slice_eq_cstr(type, "custom"))
            return sy_chatd__unsupported(c, param, "unsupported_value", "Custom tools");
        const struct sy_json *f = sy_json_get(t, "function");
        snprintf(param, sizeof param, "%s.function", pt);
        if (sy_chatd__null(f))
            return sy_chatd__missing(c, param);
        if ((st = sy_chatd__type(c, f, param, SY_JSON_OBJECT)))
            return st;
        st = dec_function_def(c, f, param, new_tool(c));
    }
    return st;
}

static sy_status dec_functions(struct sy_chatd *c, const struct sy_json *v)
{
    if (sy_chatd__null(v))
        return SY_OK;
    sy_status st = sy_chatd__type(c, v, "functions", SY_JSON_ARRAY);
    for (size_t i = 0; st == SY_OK && i < sy_json_len(v); i++) {
        char pf[48];
        snprintf(pf, sizeof pf, "functions[%zu]", i);
        const struct sy_json *f = sy_json_at(v, i);
        if ((st = sy_chatd__type(c, f, pf, SY_JSON_OBJECT)) == SY_OK)
            st = dec_function_def(c, f, pf, new_tool(c));
    }
    return st;
}

/* {"type":"function","function":{"name":N}} (or a custom one: refused) at param p. */
static sy_status named_tool(struct sy_chatd *c, const struct sy_json *v, const char *p, sy_slice *name)
{
    static const char *const types[] = { "function", "custom", NULL };
    char param[96];
    sy_slice type;
    snprintf(param, sizeof param, "%s.type", p);
    sy_status st = sy_chatd__type(c, v, p, SY_JSON_OBJECT);
    if (st || (st = sy_chatd__req_str(c, v, "type", param, &type)) || (st = sy_chatd__enum(c, param, type, types)))
        return st;
    if (sy_slice_eq_cstr(type, "custom"))
        return sy_chatd__unsupported(c, param, "unsupported_value", "Custom tools");
    const struct sy_json *f = sy_json_get(v, "function");
    snprintf(param, sizeof param, "%s.function", p);
    if (sy_chatd__null(f))
        return sy_chatd__missing(c, param);
    if ((st = sy_chatd__type(c, f, param, SY_JSON_OBJECT)))
        return st;
    snprintf(param, sizeof param, "%s.function.name", p);
    return sy_chatd__req_str(c, f, "name", param, name);
}

static sy_status dec_allowed_tools(struct sy_chatd *c, const struct sy_json *v)
{
    static const char *const modes[] = { "auto", "required", NULL };
    struct sy_ir_request *r = c->req;
    const struct sy_json *at = sy_json_get(v, "allowed_tools");
    sy_slice mode;
    sy_status st;
    if (sy_chatd__null(at))
        return sy_chatd__missing(c, "tool_choice.allowed_tools");
    if ((st = sy_chatd__type(c, at, "tool_choice.allowed_tools", SY_JSON_OBJECT)) ||
        (st = sy_chatd__req_str(c, at, "mode", "tool_choice.allowed_tools.mode", &mode)) ||
        (st = sy_chatd__enum(c, "tool_choice.allowed_tools.mode", mode, modes)))
        return st;
    const struct sy_json *tools = sy_json_get(at, "tools");
    if (sy_chatd__null(tools))
        return sy_chatd__missing(c, "tool_choice.allowed_tools.tools");
    if ((st = sy_chatd__type(c, tools, "tool_choice.allowed_tools.tools", SY_JSON_ARRAY)))
        return st;
    size_t n = sy_json_len(tools);
    r->tool_choice = SY_TC_ALLOWED;
    r->allowed_mode = mode.ptr[0] == 'a' ? SY_TC_AUTO : SY_TC_REQUIRED;
    r->allowed_names = sy_arena_alloc(c->a, (n ? n : 1) * sizeof *r->allowed_names);
    r->nallowed = n;
    for (size_t i = 0; i < n; i++) {
        char p[64];
        snprintf(p, sizeof p, "tool_choice.allowed_tools.tools[%zu]", i);
        if ((st = named_tool(c, sy_json_at(tools, i), p, &r->allowed_names[i])))
            return st;
    }
    return SY_OK;
}

static sy_status dec_tool_choice(struct sy_chatd *c, const struct sy_json *v)
{
    static const char *const modes[] = { "none", "auto", "required", NULL };
    static const char *const types[] = { "function", "custom", "allowed_tools", NULL };
    struct sy_ir_request *r = c->req;
    sy_slice s, type;
    sy_status st;
    if (sy_chatd__null(v))
        return SY_OK;
    c->tool_choice_set = true;
    if (sy_json_as_str(v, &s)) {
        if ((st = sy_chatd__enum(c, "tool_choice", s, modes)))
            return st;
        r->tool_choice = s.ptr[0] == 'n' ? SY_TC_NONE : s.ptr[0] == 'a' ? SY_TC_AUTO : SY_TC_REQUIRED;
        return SY_OK;
    }
    if (sy_json_type_of(v) != SY_JSON_OBJECT)
        return sy_chatd__bad_type(c, "tool_choice", "a string or an object", v);
    if ((st = sy_chatd__req_str(c, v, "type", "tool_choice.type", &type)) ||
        (st = sy_chatd__enum(c, "tool_choice.type", type, types)))
        return st;
    if (sy_slice_eq_cstr(type, "allowed_tools"))
        return dec_allowed_tools(c, v);
    r->tool_choice = SY_TC_FUNCTION;
    return named_tool(c, v, "tool_choice", &r->tool_choice_name);
}

/* Legacy `function_call`: "none" | "auto" | {"name":N}; used when tool_choice is absent. */
static sy_status dec_function_call(struct sy_chatd *c, const struct sy_json *v)
{
    static const char *const modes[] = { "none", "auto", NULL };
    sy_slice s;
    sy_status st;
    if (sy_chatd__null(v))
        return SY_OK;
    if (sy_json_as_str(v, &s)) {
        if ((st = sy_chatd__enum(c, "function_call", s, modes)) == SY_OK)
            c->fc_choice = s.ptr[0] == 'n' ? SY_TC_NONE : SY_TC_AUTO;
        return st;
    }
    if (sy_json_type_of(v) != SY_JSON_OBJECT)
        return sy_chatd__bad_type(c, "function_call", "a string or an object", v);
    c->fc_choice = SY_TC_FUNCTION;
    return sy_chatd__req_str(c, v, "name", "function_call.name", &c->fc_name);
}

/* ------------------------------------------------------------------ response_format */

static sy_status dec_json_schema(struct sy_chatd *c, const struct sy_json *f)
{
    struct sy_ir_request *r = c->req;
    const struct sy_json *js = sy_json_get(f, "json_schema");
    sy_status st;
    if (sy_chatd__null(js))
        return sy_chatd__missing(c, "response_format.json_schema");
    if ((st = sy_chatd__type(c, js, "response_format.json_schema", SY_JSON_OBJECT)) ||
        (st = sy_chatd__req_str(c, js, "name", "response_format.json_schema.name", &r->format_name)) ||
        (st = name_pattern(c, "response_format.json_schema.name", r->format_name)) ||
        (st = sy_chatd__opt_str(c, js, "description", "response_format.json_schema.description",
                                &r->format_description)) ||
        (st = bool_val(c, sy_json_get(js, "strict"), "response_format.json_schema.strict", &r->format_strict)))
        return st;
    const struct sy_json *schema = sy_json_get(js, "schema");
    if (sy_chatd__null(schema)) { /* Responses requires a schema: ask for any JSON object instead */
        r->format = SY_FMT_JSON_OBJECT;
        r->format_name = r->format_description = SY_SLICE_NULL;
        r->format_strict = -1;
        return SY_OK;
    }
    if ((st = sy_chatd__type(c, schema, "response_format.json_schema.schema", SY_JSON_OBJECT)))
        return st;
    r->format = SY_FMT_JSON_SCHEMA;
    r->format_schema = node_text(c, schema);
    return SY_OK;
}

static sy_status dec_response_format(struct sy_chatd *c, const struct sy_json *v)
{
    static const char *const types[] = { "text", "json_object", "json_schema", NULL };
    sy_slice type;
    sy_status st;
    if (sy_chatd__null(v))
        return SY_OK;
    if ((st = sy_chatd__type(c, v, "response_format", SY_JSON_OBJECT)) ||
        (st = sy_chatd__req_str(c, v, "type", "response_format.type", &type)) ||
        (st = sy_chatd__enum(c, "response_format.type", type, types)))
        return st;
    if (sy_slice_eq_cstr(type, "json_schema"))
        return dec_json_schema(c, v);
    c->req->format = type.ptr[0] == 't' ? SY_FMT_TEXT : SY_FMT_JSON_OBJECT;
    return SY_OK;
}

/* ------------------------------------------------------------------ scalar members */

static sy_status dec_model(struct sy_chatd *c, const struct sy_json *v)
{
    return sy_chatd__str(c, v, "model", &c->req->model);
}
static sy_status dec_user(struct sy_chatd *c, const struct sy_json *v)
{
    return sy_chatd__str(c, v, "user", &c->req->user);
}
static sy_status dec_safety_identifier(struct sy_chatd *c, const struct sy_json *v)
{
    return sy_chatd__str(c, v, "safety_identifier", &c->req->safety_identifier);
}
static sy_status dec_prompt_cache_key(struct sy_chatd *c, const struct sy_json *v)
{
    return sy_chatd__str(c, v, "prompt_cache_key", &c->req->prompt_cache_key);
}
static sy_status dec_previous_response_id(struct sy_chatd *c, const struct sy_json *v)
{
    return sy_chatd__str(c, v, "previous_response_id", &c->req->previous_response_id);
}
static sy_status dec_parallel_tool_calls(struct sy_chatd *c, const struct sy_json *v)
{
    return bool_val(c, v, "parallel_tool_calls", &c->req->parallel_tool_calls);
}
static sy_status dec_store(struct sy_chatd *c, const struct sy_json *v)
{
    return bool_val(c, v, "store", &c->req->store);
}

static sy_status dec_stream(struct sy_chatd *c, const struct sy_json *v)
{
    int b = 0;
    sy_status st = bool_val(c, v, "stream", &b);
    c->req->stream = b == 1;
    return st;
}

static sy_status dec_logprobs(struct sy_chatd *c, const struct sy_json *v)
{
    int b = 0;
    sy_status st = bool_val(c, v, "logprobs", &b);
    c->req->want_logprobs = b == 1;
    return st;
}

static sy_status dec_top_logprobs(struct sy_chatd *c, const struct sy_json *v)
{
    c->has_top_logprobs = !sy_chatd__null(v);
    return int_val(c, v, "top_logprobs", 0, 20, &c->req->top_logprobs);
}
static sy_status dec_max_tokens(struct sy_chatd *c, const struct sy_json *v)
{
    return int_val(c, v, "max_tokens", 1, INT64_MAX, &c->max_tokens);
}
static sy_status dec_max_completion_tokens(struct sy_chatd *c, const struct sy_json *v)
{
    return int_val(c, v, "max_completion_tokens", 1, INT64_MAX, &c->max_completion_tokens);
}
static sy_status dec_temperature(struct sy_chatd *c, const struct sy_json *v)
{
    return num_val(c, v, "temperature", 0, 2, &c->req->has_temperature, &c->req->temperature);
}
static sy_status dec_top_p(struct sy_chatd *c, const struct sy_json *v)
{
    return num_val(c, v, "top_p", 0, 1, &c->req->has_top_p, &c->req->top_p);
}
static sy_status dec_presence_penalty(struct sy_chatd *c, const struct sy_json *v)
{
    return num_val(c, v, "presence_penalty", -2, 2, &c->req->has_presence_penalty, &c->req->presence_penalty);
}
static sy_status dec_frequency_penalty(struct sy_chatd *c, const struct sy_json *v)
{
    return num_val(c, v, "frequency_penalty", -2, 2, &c->req->has_frequency_penalty, &c->req->frequency_penalty);
}

static sy_status dec_reasoning_effort(struct sy_chatd *c, const struct sy_json *v)
{
    static const char *const vals[] = { "none", "minimal", "low", "medium", "high", "xhigh", "max", NULL };
    return sy_chatd__enum_val(c, v, "reasoning_effort", vals, &c->req->reasoning_effort);
}

static sy_status dec_verbosity(struct sy_chatd *c, const struct sy_json *v)
{
    static const char *const vals[] = { "low", "medium", "high", NULL };
    return sy_chatd__enum_val(c, v, "verbosity", vals, &c->req->verbosity);
}

static sy_status dec_service_tier(struct sy_chatd *c, const struct sy_json *v)
{
    static const char *const vals[] = { "auto", "default", "flex", "scale", "priority", NULL };
    return sy_chatd__enum_val(c, v, "service_tier", vals, &c->req->service_tier);
}

static sy_status dec_stream_options(struct sy_chatd *c, const struct sy_json *v)
{
    int usage = 0, obf = -1;
    if (sy_chatd__null(v))
        return SY_OK;
    c->has_stream_options = true;
    sy_status st = sy_chatd__type(c, v, "stream_options", SY_JSON_OBJECT);
    if (st == SY_OK)
        st = bool_val(c, sy_json_get(v, "include_usage"), "stream_options.include_usage", &usage);
    if (st == SY_OK) /* forwarded to a Responses upstream */
        st = bool_val(c, sy_json_get(v, "include_obfuscation"), "stream_options.include_obfuscation", &obf);
    c->req->include_usage = usage == 1;
    c->req->has_include_obfuscation = obf >= 0;
    c->req->include_obfuscation = obf == 1;
    return st;
}

static sy_status dec_metadata(struct sy_chatd *c, const struct sy_json *v)
{
    if (sy_chatd__null(v))
        return SY_OK;
    sy_status st = sy_chatd__type(c, v, "metadata", SY_JSON_OBJECT);
    if (st == SY_OK && sy_json_len(v) > 16)
        return sy_chatd__fail(c, "metadata", "object_above_max_properties",
                    "Invalid 'metadata': too many properties. Expected an object with at most 16 properties, but got "
                    "an object with %zu properties instead.",
                    sy_json_len(v));
    struct sy_json_iter it = { 0 };
    const char *key;
    const struct sy_json *val;
    while (st == SY_OK && sy_json_next(v, &it, &key, &val)) {
        char param[96];
        sy_slice s;
        snprintf(param, sizeof param, "metadata.%.64s", key);
        if (strlen(key) > 64)
            return sy_chatd__fail(c, "metadata", "string_above_max_length",
                        "Invalid 'metadata': key too long. Expected keys with maximum length 64, but got a key with "
                        "length %zu instead.",
                        strlen(key));
        if (!sy_json_as_str(val, &s))
            return sy_chatd__bad_type(c, param, "a string", val);
        if (s.len > 512)
            return sy_chatd__fail(c, param, "string_above_max_length",
                        "Invalid '%s': string too long. Expected a string with maximum length 512, but got a string "
                        "with length %zu instead.",
                        param, s.len);
    }
    if (st == SY_OK)
        c->req->metadata = node_text(c, v);
    return st;
}

/* ------------------------------------------------------------------ refused / dropped */

/* stop: a string or up to 4 strings; any stop sequence is refused (mapping.md §7 #2). */
static sy_status dec_stop(struct sy_chatd *c, const struct sy_json *v)
{
    sy_slice s;
    if (sy_chatd__null(v))
        return SY_OK;
    if (sy_json_type_of(v) == SY_JSON_ARRAY) {
        for (size_t i = 0; i < sy_json_len(v); i++)
            if (!sy_json_as_str(sy_json_at(v, i), &s)) {
                char param[48];
                snprintf(param, sizeof param, "stop[%zu]", i);
                return sy_chatd__bad_type(c, param, "a string", sy_json_at(v, i));
            }
        if (sy_json_len(v) == 0)
            return SY_OK;
    } else if (!sy_json_as_str(v, &s)) {
        return sy_chatd__bad_type(c, "stop", "a string or an array", v);
    }
    return sy_chatd__unsupported(c, "stop", "unsupported_parameter", "'stop'");
}

static sy_status dec_n(struct sy_chatd *c, const struct sy_json *v)
{
    int64_t n = 1;
    sy_status st = int_val(c, v, "n", 1, 128, &n);
    if (st == SY_OK && n > 1)
        return sy_chatd__unsupported(c, "n", "unsupported_parameter", "'n' greater than 1");
    return st;
}

static sy_status dec_logit_bias(struct sy_chatd *c, const struct sy_json *v)
{
    if (sy_chatd__null(v))
        return SY_OK;
    sy_status st = sy_chatd__type(c, v, "logit_bias", SY_JSON_OBJECT);
    if (st == SY_OK && sy_json_len(v) > 0)
        return sy_chatd__unsupported(c, "logit_bias", "unsupported_parameter", "'logit_bias'");
    return st;
}

static sy_status dec_modalities(struct sy_chatd *c, const struct sy_json *v)
{
    static const char *const vals[] = { "text", "audio", NULL };
    if (sy_chatd__null(v))
        return SY_OK;
    sy_status st = sy_chatd__type(c, v, "modalities", SY_JSON_ARRAY);
    for (size_t i = 0; st == SY_OK && i < sy_json_len(v); i++) {
        char param[48];
        sy_slice s = SY_SLICE_NULL;
        snprintf(param, sizeof param, "modalities[%zu]", i);
        if ((st = sy_chatd__enum_val(c, sy_json_at(v, i), param, vals, &s)) == SY_OK && sy_slice_eq_cstr(s, "audio"))
            return sy_chatd__unsupported(c, "modalities", "unsupported_parameter",
                                         "Audio output ('modalities': 'audio')");
    }
    return st;
}

static sy_status refuse(struct sy_chatd *c, const struct sy_json *v, const char *param, const char *what)
{
    return sy_chatd__null(v) ? SY_OK : sy_chatd__unsupported(c, param, "unsupported_parameter", what);
}
static sy_status dec_audio(struct sy_chatd *c, const struct sy_json *v) { return refuse(c, v, "audio", "'audio'"); }
static sy_status dec_web_search_options(struct sy_chatd *c, const struct sy_json *v)
{
    return refuse(c, v, "web_search_options", "'web_search_options'");
}
static sy_status dec_moderation(struct sy_chatd *c, const struct sy_json *v)
{
    return refuse(c, v, "moderation", "'moderation'");
}

static sy_status dec_seed(struct sy_chatd *c, const struct sy_json *v)
{
    int64_t seed = 0;
    sy_status st = int_val(c, v, "seed", INT64_MIN, INT64_MAX, &seed);
    if (st == SY_OK && !sy_chatd__null(v))
        sy_chatd__drop(c, "seed"); /* best effort by definition (mapping.md §7 #4) */
    return st;
}

static sy_status dec_prediction(struct sy_chatd *c, const struct sy_json *v)
{
    if (sy_chatd__null(v))
        return SY_OK;
    sy_status st = sy_chatd__type(c, v, "prediction", SY_JSON_OBJECT);
    if (st == SY_OK)
        sy_chatd__drop(c, "prediction"); /* a latency optimisation only (mapping.md §7 #6) */
    return st;
}

static sy_status dec_prompt_cache_retention(struct sy_chatd *c, const struct sy_json *v)
{
    static const char *const vals[] = { "in_memory", "in-memory", "24h", NULL };
    sy_slice s = SY_SLICE_NULL;
    sy_status st = sy_chatd__enum_val(c, v, "prompt_cache_retention", vals, &s);
    if (st == SY_OK && s.ptr)
        sy_chatd__drop(c, "prompt_cache_retention");
    return st;
}

static sy_status dec_prompt_cache_options(struct sy_chatd *c, const struct sy_json *v)
{
    if (sy_chatd__null(v))
        return SY_OK;
    sy_status st = sy_chatd__type(c, v, "prompt_cache_options", SY_JSON_OBJECT);
    if (st == SY_OK)
        sy_chatd__drop(c, "prompt_cache_options");
    return st;
}

/* ------------------------------------------------------------------ top level */

typedef sy_status (*member_fn)(struct sy_chatd *c, const struct sy_json *v);

static const struct {
    const char *name;
    member_fn   fn;
} members[] = {
#define M(n) { #n, dec_##n },
    { "messages", sy_chatd__messages },
    M(model) M(stream) M(stream_options) M(temperature) M(top_p) M(n) M(stop) M(max_tokens)
    M(max_completion_tokens) M(presence_penalty) M(frequency_penalty) M(logit_bias) M(logprobs) M(top_logprobs)
    M(seed) M(tools) M(tool_choice) M(parallel_tool_calls) M(functions) M(function_call) M(response_format)
    M(reasoning_effort) M(verbosity) M(modalities) M(audio) M(prediction) M(store) M(metadata) M(user)
    M(safety_identifier) M(prompt_cache_key) M(prompt_cache_retention) M(prompt_cache_options) M(service_tier)
    M(web_search_options) M(moderation) M(previous_response_id)
#undef M
};

static member_fn find_member(const char *key)
{
    for (size_t i = 0; i < sizeof members / sizeof members[0]; i++)
        if (strcmp(members[i].name, key) == 0)
            return members[i].fn;
    return NULL;
}

/* Checks and defaults that span members. */
static sy_status finish_request(struct sy_chatd *c)
{
    struct sy_ir_request *r = c->req;
    if (!r->model.ptr)
        return sy_chatd__missing(c, "model");
    if (!c->has_messages)
        return sy_chatd__missing(c, "messages");
    if (c->has_top_logprobs && !r->want_logprobs)
        return sy_chatd__fail(c, "top_logprobs", "invalid_value",
                    "Invalid value for 'top_logprobs': 'logprobs' must be set to true when 'top_logprobs' is used.");
    if (c->has_stream_options && !r->stream)
        return sy_chatd__fail(c, "stream_options", "invalid_value",
                    "The 'stream_options' parameter is only allowed when 'stream' is enabled.");
    r->max_output_tokens = c->max_completion_tokens >= 0 ? c->max_completion_tokens : c->max_tokens;
    if (!c->tool_choice_set && c->fc_choice != SY_TC_UNSET) {
        r->tool_choice = c->fc_choice;
        r->tool_choice_name = c->fc_name;
    }
    if (r->store < 0)
        r->store = 0; /* chat default; Responses would default to true (mapping.md §7 #10) */
    return SY_OK;
}

sy_status sy_chat_decode_request(struct sy_arena *a, const struct sy_json *root, struct sy_ir_request *req,
                                 struct sy_dropped *dropped, struct sy_diag *diag)
{
    struct sy_chatd c = {
        .a = a, .req = req, .dropped = dropped, .diag = diag, .max_tokens = -1, .max_completion_tokens = -1,
    };
    memset(req, 0, sizeof *req);
    req->parallel_tool_calls = -1;
    req->format_strict = -1;
    req->max_output_tokens = -1;
    req->top_logprobs = -1;
    req->store = -1;
    req->max_tool_calls = -1;
    if (sy_json_type_of(root) != SY_JSON_OBJECT)
        return sy_chatd__fail(&c, "", "invalid_type", "The request body must be a JSON object.");
    struct sy_json_iter it = { 0 };
    const char *key;
    const struct sy_json *val;
    while (sy_json_next(root, &it, &key, &val)) {
        member_fn fn = find_member(key);
        if (!fn)
            return sy_chatd__fail(&c, key, "unknown_parameter", "Unrecognized request argument supplied: %s", key);
        sy_status st = fn(&c, val);
        if (st != SY_OK)
            return st;
    }
    return finish_request(&c);
}
