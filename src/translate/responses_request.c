/* Responses codec, request direction: a `POST /v1/responses` body → IR request. Every top-level
 * member has exactly one decoder (the X-table in responses_keys.def); a member that is not in
 * the table is refused. Errors use OpenAI's wording and codes (invalid_type, invalid_value,
 * missing_required_parameter, unknown_parameter, unsupported_parameter, unsupported_value).
 * String slices point into the parsed tree, which the caller keeps for the request's lifetime;
 * JSON sub-objects (schemas, metadata, include) are re-serialized into the arena. */
#include "translate/responses.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "translate/responses_internal.h"

/* ------------------------------------------------------------------ shared helpers */

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

sy_status sy_rsd_fail(struct sy_rsd *c, const char *param, const char *code, const char *fmt, ...)
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

sy_status sy_rsd_bad_type(struct sy_rsd *c, const char *param, const char *expected, const struct sy_json *got)
{
    return sy_rsd_fail(c, param, "invalid_type", "Invalid type for '%s': expected %s, but got %s instead.", param,
                       expected, got_name(got));
}

sy_status sy_rsd_missing(struct sy_rsd *c, const char *param)
{
    return sy_rsd_fail(c, param, "missing_required_parameter", "Missing required parameter: '%s'.", param);
}

sy_status sy_rsd_enum(struct sy_rsd *c, const char *param, sy_slice v, const char *const *allowed)
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
    return sy_rsd_fail(c, param, "invalid_value", "Invalid value: '%.*s'. Supported values are: %s.", vl, v.ptr, list);
}

sy_status sy_rsd_opt_str(struct sy_rsd *c, const struct sy_json *obj, const char *key, const char *param,
                         sy_slice *out, bool *present)
{
    const struct sy_json *v = sy_json_get(obj, key);
    if (present)
        *present = false;
    if (!v || sy_json_type_of(v) == SY_JSON_NULL)
        return SY_OK;
    if (!sy_json_as_str(v, out))
        return sy_rsd_bad_type(c, param, "a string", v);
    if (present)
        *present = true;
    return SY_OK;
}

sy_status sy_rsd_req_str(struct sy_rsd *c, const struct sy_json *obj, const char *key, const char *param,
                         sy_slice *out)
{
    bool present;
    sy_status st = sy_rsd_opt_str(c, obj, key, param, out, &present);
    if (st == SY_OK && !present)
        return sy_rsd_missing(c, param);
    return st;
}

sy_slice sy_rsd_node_text(struct sy_rsd *c, const struct sy_json *v)
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

/* ------------------------------------------------------------------ typed members */

static void drop(struct sy_rsd *c, const char *param)
{
    if (c->dropped)
        sy_dropped_add(c->dropped, param);
}

static bool is_null(const struct sy_json *v) { return sy_json_type_of(v) == SY_JSON_NULL; }

static sy_status str_member(struct sy_rsd *c, const struct sy_json *v, const char *param, sy_slice *out)
{
    if (is_null(v))
        return SY_OK;
    if (!sy_json_as_str(v, out))
        return sy_rsd_bad_type(c, param, "a string", v);
    return SY_OK;
}

static sy_status max_len(struct sy_rsd *c, const char *param, sy_slice s, size_t max)
{
    if (s.len <= max)
        return SY_OK;
    return sy_rsd_fail(c, param, "string_above_max_length",
                       "Invalid '%s': string too long. Expected a string with maximum length %zu, but got a string "
                       "with length %zu instead.",
                       param, max, s.len);
}

static sy_status bool_member(struct sy_rsd *c, const struct sy_json *v, const char *param, int *out)
{
    bool b;
    if (is_null(v))
        return SY_OK;
    if (!sy_json_as_bool(v, &b))
        return sy_rsd_bad_type(c, param, "a boolean", v);
    *out = b;
    return SY_OK;
}

static sy_status int_member(struct sy_rsd *c, const struct sy_json *v, const char *param, int64_t lo, int64_t hi,
                            int64_t *out)
{
    int64_t n;
    if (is_null(v))
        return SY_OK;
    if (!sy_json_as_int(v, &n))
        return sy_rsd_bad_type(c, param, "an integer", v);
    if (n < lo)
        return sy_rsd_fail(c, param, "integer_below_min_value",
                           "Invalid '%s': integer below minimum value. Expected a value >= %lld, but got %lld instead.",
                           param, (long long)lo, (long long)n);
    if (n > hi)
        return sy_rsd_fail(c, param, "integer_above_max_value",
                           "Invalid '%s': integer above maximum value. Expected a value <= %lld, but got %lld instead.",
                           param, (long long)hi, (long long)n);
    *out = n;
    return SY_OK;
}

/* A number kept as the text the client sent (echoed and forwarded unchanged). */
static sy_status num_member(struct sy_rsd *c, const struct sy_json *v, const char *param, double lo, double hi,
                            bool *has, sy_slice *text)
{
    double d;
    if (is_null(v))
        return SY_OK;
    if (!sy_json_as_double(v, &d))
        return sy_rsd_bad_type(c, param, "a number", v);
    sy_slice t = sy_rsd_node_text(c, v);
    if (d < lo || d > hi)
        return sy_rsd_fail(c, param, d < lo ? "decimal_below_min_value" : "decimal_above_max_value",
                           "Invalid '%s': decimal %s value. Expected a value %s %g, but got %.*s instead.", param,
                           d < lo ? "below minimum" : "above maximum", d < lo ? ">=" : "<=", d < lo ? lo : hi,
                           SY_SLICE_ARG(t));
    *has = true;
    *text = t;
    return SY_OK;
}

static sy_status obj_member(struct sy_rsd *c, const struct sy_json *v, const char *param)
{
    return sy_json_type_of(v) == SY_JSON_OBJECT ? SY_OK : sy_rsd_bad_type(c, param, "an object", v);
}

static sy_status arr_member(struct sy_rsd *c, const struct sy_json *v, const char *param)
{
    return sy_json_type_of(v) == SY_JSON_ARRAY ? SY_OK : sy_rsd_bad_type(c, param, "an array", v);
}

/* ^[a-zA-Z0-9_-]{1,64}$ */
static sy_status name_pattern(struct sy_rsd *c, const char *param, sy_slice s)
{
    bool ok = s.len >= 1 && s.len <= 64;
    for (size_t i = 0; ok && i < s.len; i++) {
        char ch = s.ptr[i];
        ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
             ch == '-';
    }
    if (ok)
        return SY_OK;
    return sy_rsd_fail(c, param, "invalid_value",
                       "Invalid '%s': string does not match pattern. Expected a string that matches the pattern "
                       "'^[a-zA-Z0-9_-]{1,64}$'.",
                       param);
}

/* ------------------------------------------------------------------ scalar members */

static sy_status dec_model(struct sy_rsd *c, const struct sy_json *v) { return str_member(c, v, "model", &c->req->model); }
static sy_status dec_input(struct sy_rsd *c, const struct sy_json *v) { return sy_rsd_input(c, v); }
static sy_status dec_instructions(struct sy_rsd *c, const struct sy_json *v)
{
    return str_member(c, v, "instructions", &c->req->instructions);
}
static sy_status dec_previous_response_id(struct sy_rsd *c, const struct sy_json *v)
{
    return str_member(c, v, "previous_response_id", &c->req->previous_response_id);
}
static sy_status dec_user(struct sy_rsd *c, const struct sy_json *v) { return str_member(c, v, "user", &c->req->user); }

static sy_status dec_safety_identifier(struct sy_rsd *c, const struct sy_json *v)
{
    sy_status st = str_member(c, v, "safety_identifier", &c->req->safety_identifier);
    return st ? st : max_len(c, "safety_identifier", c->req->safety_identifier, 64);
}

static sy_status dec_prompt_cache_key(struct sy_rsd *c, const struct sy_json *v)
{
    sy_status st = str_member(c, v, "prompt_cache_key", &c->req->prompt_cache_key);
    return st ? st : max_len(c, "prompt_cache_key", c->req->prompt_cache_key, 64);
}

static sy_status dec_parallel_tool_calls(struct sy_rsd *c, const struct sy_json *v)
{
    return bool_member(c, v, "parallel_tool_calls", &c->req->parallel_tool_calls);
}
static sy_status dec_store(struct sy_rsd *c, const struct sy_json *v) { return bool_member(c, v, "store", &c->req->store); }

static sy_status dec_background(struct sy_rsd *c, const struct sy_json *v)
{
    int b = 0;
    sy_status st = bool_member(c, v, "background", &b);
    c->req->background = b == 1;
    return st;
}

static sy_status dec_stream(struct sy_rsd *c, const struct sy_json *v)
{
    int b = 0;
    sy_status st = bool_member(c, v, "stream", &b);
    c->req->stream = b == 1;
    return st;
}

static sy_status dec_max_tool_calls(struct sy_rsd *c, const struct sy_json *v)
{
    return int_member(c, v, "max_tool_calls", 1, INT64_MAX, &c->req->max_tool_calls);
}
static sy_status dec_max_output_tokens(struct sy_rsd *c, const struct sy_json *v)
{
    return int_member(c, v, "max_output_tokens", 16, INT64_MAX, &c->req->max_output_tokens);
}
static sy_status dec_top_logprobs(struct sy_rsd *c, const struct sy_json *v)
{
    return int_member(c, v, "top_logprobs", 0, 20, &c->req->top_logprobs);
}
static sy_status dec_temperature(struct sy_rsd *c, const struct sy_json *v)
{
    return num_member(c, v, "temperature", 0, 2, &c->req->has_temperature, &c->req->temperature);
}
static sy_status dec_top_p(struct sy_rsd *c, const struct sy_json *v)
{
    return num_member(c, v, "top_p", 0, 1, &c->req->has_top_p, &c->req->top_p);
}
static sy_status dec_presence_penalty(struct sy_rsd *c, const struct sy_json *v)
{
    return num_member(c, v, "presence_penalty", -2, 2, &c->req->has_presence_penalty, &c->req->presence_penalty);
}
static sy_status dec_frequency_penalty(struct sy_rsd *c, const struct sy_json *v)
{
    return num_member(c, v, "frequency_penalty", -2, 2, &c->req->has_frequency_penalty, &c->req->frequency_penalty);
}

static sy_status enum_member(struct sy_rsd *c, const struct sy_json *v, const char *param, const char *const *allowed,
                             sy_slice *out)
{
    sy_slice s = SY_SLICE_NULL;
    sy_status st = str_member(c, v, param, &s);
    if (st != SY_OK || !s.ptr)
        return st;
    if ((st = sy_rsd_enum(c, param, s, allowed)) == SY_OK)
        *out = s;
    return st;
}

static sy_status dec_truncation(struct sy_rsd *c, const struct sy_json *v)
{
    static const char *const vals[] = { "auto", "disabled", NULL };
    return enum_member(c, v, "truncation", vals, &c->req->truncation);
}

static sy_status dec_service_tier(struct sy_rsd *c, const struct sy_json *v)
{
    static const char *const vals[] = { "auto", "default", "flex", "scale", "priority", NULL };
    return enum_member(c, v, "service_tier", vals, &c->req->service_tier);
}

static sy_status dec_prompt_cache_retention(struct sy_rsd *c, const struct sy_json *v)
{
    static const char *const vals[] = { "in_memory", "in-memory", "24h", NULL };
    sy_slice s = SY_SLICE_NULL;
    sy_status st = enum_member(c, v, "prompt_cache_retention", vals, &s);
    if (st == SY_OK && s.ptr)
        drop(c, "prompt_cache_retention");
    return st;
}

/* ------------------------------------------------------------------ object members */

static sy_status dec_conversation(struct sy_rsd *c, const struct sy_json *v)
{
    if (is_null(v) || sy_json_as_str(v, &c->req->conversation))
        return SY_OK;
    if (sy_json_type_of(v) != SY_JSON_OBJECT)
        return sy_rsd_bad_type(c, "conversation", "a string or an object", v);
    return sy_rsd_req_str(c, v, "id", "conversation.id", &c->req->conversation);
}

static sy_status dec_stream_options(struct sy_rsd *c, const struct sy_json *v)
{
    int obf = -1;
    if (is_null(v))
        return SY_OK;
    sy_status st = obj_member(c, v, "stream_options");
    const struct sy_json *o = sy_json_get(v, "include_obfuscation");
    if (st == SY_OK && o)
        st = bool_member(c, o, "stream_options.include_obfuscation", &obf);
    return st; /* obfuscation padding is optional; the gateway never sends it */
}

static sy_status dec_metadata(struct sy_rsd *c, const struct sy_json *v)
{
    if (is_null(v))
        return SY_OK;
    sy_status st = obj_member(c, v, "metadata");
    if (st != SY_OK)
        return st;
    if (sy_json_len(v) > 16)
        return sy_rsd_fail(c, "metadata", "object_above_max_properties",
                           "Invalid 'metadata': too many properties. Expected an object with at most 16 properties, "
                           "but got an object with %zu properties instead.",
                           sy_json_len(v));
    struct sy_json_iter it = { 0 };
    const char *key;
    const struct sy_json *val;
    char param[128];
    while (sy_json_next(v, &it, &key, &val)) {
        snprintf(param, sizeof param, "metadata.%.64s", key);
        sy_slice s;
        if (strlen(key) > 64)
            return sy_rsd_fail(c, "metadata", "string_above_max_length",
                               "Invalid 'metadata': key too long. Expected keys with maximum length 64, but got a "
                               "key with length %zu instead.",
                               strlen(key));
        if (!sy_json_as_str(val, &s))
            return sy_rsd_bad_type(c, param, "a string", val);
        if ((st = max_len(c, param, s, 512)) != SY_OK)
            return st;
    }
    c->req->metadata = sy_rsd_node_text(c, v);
    return SY_OK;
}

static const char *const include_values[] = {
    "message.output_text.logprobs",   "reasoning.encrypted_content",   "message.input_image.image_url",
    "computer_call_output.output.image_url", "file_search_call.results", "web_search_call.results",
    "web_search_call.action.sources", "code_interpreter_call.outputs", NULL,
};

static sy_status dec_include(struct sy_rsd *c, const struct sy_json *v)
{
    if (is_null(v))
        return SY_OK;
    sy_status st = arr_member(c, v, "include");
    for (size_t i = 0; st == SY_OK && i < sy_json_len(v); i++) {
        char param[48];
        snprintf(param, sizeof param, "include[%zu]", i);
        sy_slice s;
        const struct sy_json *e = sy_json_at(v, i);
        if (!sy_json_as_str(e, &s))
            return sy_rsd_bad_type(c, param, "a string", e);
        if ((st = sy_rsd_enum(c, param, s, include_values)) != SY_OK && c->diag)
            sy_diag_code(c->diag, "unsupported_value");
        else if (sy_slice_eq_cstr(s, "message.output_text.logprobs"))
            c->req->want_logprobs = true;
    }
    if (st == SY_OK)
        c->req->include = sy_rsd_node_text(c, v);
    return st;
}

static sy_status dec_reasoning(struct sy_rsd *c, const struct sy_json *v)
{
    static const char *const efforts[] = { "none", "minimal", "low", "medium", "high", "xhigh", "max", NULL };
    static const char *const summaries[] = { "auto", "concise", "detailed", NULL };
    static const char *const contexts[] = { "auto", "current_turn", "all_turns", NULL };
    if (is_null(v))
        return SY_OK;
    sy_status st = obj_member(c, v, "reasoning");
    const struct sy_json *m;
    sy_slice s = SY_SLICE_NULL;
    if (st == SY_OK && (m = sy_json_get(v, "effort")))
        st = enum_member(c, m, "reasoning.effort", efforts, &c->req->reasoning_effort);
    if (st == SY_OK && (m = sy_json_get(v, "summary")))
        st = enum_member(c, m, "reasoning.summary", summaries, &c->req->reasoning_summary);
    if (st == SY_OK && (m = sy_json_get(v, "generate_summary")) && (st = enum_member(c, m, "reasoning.generate_summary",
                                                                                      summaries, &s)) == SY_OK &&
        !c->req->reasoning_summary.ptr)
        c->req->reasoning_summary = s; /* deprecated alias */
    s = SY_SLICE_NULL;
    if (st == SY_OK && (m = sy_json_get(v, "context")) && (st = enum_member(c, m, "reasoning.context", contexts, &s)) ==
                                                               SY_OK && s.ptr)
        drop(c, "reasoning.context");
    s = SY_SLICE_NULL;
    if (st == SY_OK && (m = sy_json_get(v, "mode")) && (st = str_member(c, m, "reasoning.mode", &s)) == SY_OK && s.ptr)
        drop(c, "reasoning.mode");
    return st;
}

static sy_status dec_format(struct sy_rsd *c, const struct sy_json *f)
{
    static const char *const types[] = { "text", "json_object", "json_schema", NULL };
    struct sy_ir_request *r = c->req;
    sy_slice type;
    sy_status st = obj_member(c, f, "text.format");
    if (st || (st = sy_rsd_req_str(c, f, "type", "text.format.type", &type)) ||
        (st = sy_rsd_enum(c, "text.format.type", type, types)))
        return st;
    if (sy_slice_eq_cstr(type, "text")) {
        r->format = SY_FMT_TEXT;
        return SY_OK;
    }
    if (sy_slice_eq_cstr(type, "json_object")) {
        r->format = SY_FMT_JSON_OBJECT;
        return SY_OK;
    }
    r->format = SY_FMT_JSON_SCHEMA;
    const struct sy_json *schema = sy_json_get(f, "schema"), *strict = sy_json_get(f, "strict");
    if ((st = sy_rsd_req_str(c, f, "name", "text.format.name", &r->format_name)) ||
        (st = name_pattern(c, "text.format.name", r->format_name)) ||
        (st = sy_rsd_opt_str(c, f, "description", "text.format.description", &r->format_description, NULL)))
        return st;
    if (!schema || is_null(schema))
        return sy_rsd_missing(c, "text.format.schema");
    if ((st = obj_member(c, schema, "text.format.schema")))
        return st;
    r->format_schema = sy_rsd_node_text(c, schema);
    return strict ? bool_member(c, strict, "text.format.strict", &r->format_strict) : SY_OK;
}

static sy_status dec_text(struct sy_rsd *c, const struct sy_json *v)
{
    static const char *const verbosities[] = { "low", "medium", "high", NULL };
    if (is_null(v))
        return SY_OK;
    sy_status st = obj_member(c, v, "text");
    const struct sy_json *m;
    if (st == SY_OK && (m = sy_json_get(v, "format")) && !is_null(m))
        st = dec_format(c, m);
    if (st == SY_OK && (m = sy_json_get(v, "verbosity")))
        st = enum_member(c, m, "text.verbosity", verbosities, &c->req->verbosity);
    return st;
}

/* ------------------------------------------------------------------ tools */

static sy_status dec_function_tool(struct sy_rsd *c, const struct sy_json *t, size_t i, struct sy_ir_tool *out)
{
    char pn[48], pd[48], pp[48], ps[48];
    snprintf(pn, sizeof pn, "tools[%zu].name", i);
    snprintf(pd, sizeof pd, "tools[%zu].description", i);
    snprintf(pp, sizeof pp, "tools[%zu].parameters", i);
    snprintf(ps, sizeof ps, "tools[%zu].strict", i);
    out->strict = -1;
    sy_status st;
    if ((st = sy_rsd_req_str(c, t, "name", pn, &out->name)) || (st = name_pattern(c, pn, out->name)) ||
        (st = sy_rsd_opt_str(c, t, "description", pd, &out->description, NULL)))
        return st;
    const struct sy_json *p = sy_json_get(t, "parameters"), *s = sy_json_get(t, "strict");
    if (p && !is_null(p)) {
        if ((st = obj_member(c, p, pp)))
            return st;
        out->parameters = sy_rsd_node_text(c, p);
    }
    return s ? bool_member(c, s, ps, &out->strict) : SY_OK;
}

static sy_status dec_tools(struct sy_rsd *c, const struct sy_json *v)
{
    if (is_null(v))
        return SY_OK;
    sy_status st = arr_member(c, v, "tools");
    size_t n = sy_json_len(v);
    if (st)
        return st;
    c->req->tools = sy_arena_alloc(c->a, (n ? n : 1) * sizeof *c->req->tools);
    c->req->ntools = 0;
    for (size_t i = 0; i < n; i++) {
        const struct sy_json *t = sy_json_at(v, i);
        char param[48];
        sy_slice type;
        snprintf(param, sizeof param, "tools[%zu]", i);
        if ((st = obj_member(c, t, param)))
            return st;
        snprintf(param, sizeof param, "tools[%zu].type", i);
        if ((st = sy_rsd_req_str(c, t, "type", param, &type)))
            return st;
        if (!sy_slice_eq_cstr(type, "function"))
            return sy_rsd_fail(c, param, "unsupported_value",
                               "Tool type '%.*s' is not supported when the model is served by a chat-completions "
                               "upstream.",
                               (int)(type.len > 64 ? 64 : type.len), type.ptr);
        if ((st = dec_function_tool(c, t, i, &c->req->tools[c->req->ntools])))
            return st;
        c->req->ntools++;
    }
    return SY_OK;
}

static sy_status dec_allowed_tools(struct sy_rsd *c, const struct sy_json *v)
{
    static const char *const modes[] = { "auto", "required", NULL };
    struct sy_ir_request *r = c->req;
    sy_slice mode;
    sy_status st;
    const struct sy_json *tools = sy_json_get(v, "tools");
    if ((st = sy_rsd_req_str(c, v, "mode", "tool_choice.mode", &mode)) ||
        (st = sy_rsd_enum(c, "tool_choice.mode", mode, modes)))
        return st;
    if (!tools || is_null(tools))
        return sy_rsd_missing(c, "tool_choice.tools");
    if ((st = arr_member(c, tools, "tool_choice.tools")))
        return st;
    size_t n = sy_json_len(tools);
    if (n < 1 || n > 128)
        return sy_rsd_fail(c, "tool_choice.tools", n ? "array_above_max_length" : "empty_array",
                           "Invalid 'tool_choice.tools': expected between 1 and 128 tools, but got %zu.", n);
    r->tool_choice = SY_TC_ALLOWED;
    r->allowed_mode = sy_slice_eq_cstr(mode, "auto") ? SY_TC_AUTO : SY_TC_REQUIRED;
    r->allowed_names = sy_arena_alloc(c->a, n * sizeof *r->allowed_names);
    r->nallowed = n;
    for (size_t i = 0; i < n; i++) {
        const struct sy_json *t = sy_json_at(tools, i);
        char pt[64], pn[64];
        sy_slice type;
        snprintf(pt, sizeof pt, "tool_choice.tools[%zu].type", i);
        snprintf(pn, sizeof pn, "tool_choice.tools[%zu].name", i);
        if ((st = obj_member(c, t, pt)) || (st = sy_rsd_req_str(c, t, "type", pt, &type)))
            return st;
        if (!sy_slice_eq_cstr(type, "function"))
            return sy_rsd_fail(c, pt, "unsupported_value",
                               "Tool type '%.*s' is not supported when the model is served by a chat-completions "
                               "upstream.",
                               (int)(type.len > 64 ? 64 : type.len), type.ptr);
        if ((st = sy_rsd_req_str(c, t, "name", pn, &r->allowed_names[i])))
            return st;
    }
    return SY_OK;
}

static sy_status dec_tool_choice(struct sy_rsd *c, const struct sy_json *v)
{
    static const char *const modes[] = { "none", "auto", "required", NULL };
    struct sy_ir_request *r = c->req;
    sy_slice s, type;
    sy_status st;
    if (is_null(v))
        return SY_OK;
    if (sy_json_as_str(v, &s)) {
        if ((st = sy_rsd_enum(c, "tool_choice", s, modes)))
            return st;
        r->tool_choice = s.ptr[0] == 'n' ? SY_TC_NONE : s.ptr[0] == 'a' ? SY_TC_AUTO : SY_TC_REQUIRED;
        return SY_OK;
    }
    if (sy_json_type_of(v) != SY_JSON_OBJECT)
        return sy_rsd_bad_type(c, "tool_choice", "a string or an object", v);
    if ((st = sy_rsd_req_str(c, v, "type", "tool_choice.type", &type)))
        return st;
    if (sy_slice_eq_cstr(type, "function")) {
        r->tool_choice = SY_TC_FUNCTION;
        return sy_rsd_req_str(c, v, "name", "tool_choice.name", &r->tool_choice_name);
    }
    if (sy_slice_eq_cstr(type, "allowed_tools"))
        return dec_allowed_tools(c, v);
    return sy_rsd_fail(c, "tool_choice.type", "unsupported_value",
                       "Tool choice type '%.*s' is not supported when the model is served by a chat-completions "
                       "upstream.",
                       (int)(type.len > 64 ? 64 : type.len), type.ptr);
}

/* ------------------------------------------------------------------ refused / ignored */

static sy_status dec_prompt(struct sy_rsd *c, const struct sy_json *v)
{
    if (is_null(v))
        return SY_OK;
    return sy_rsd_fail(c, "prompt", "unsupported_parameter",
                       "'prompt' (stored prompt templates) is not supported when the model is served by a "
                       "chat-completions upstream.");
}

static sy_status dec_moderation(struct sy_rsd *c, const struct sy_json *v)
{
    if (is_null(v))
        return SY_OK;
    return sy_rsd_fail(c, "moderation", "unsupported_parameter",
                       "'moderation' is not supported when the model is served by a chat-completions upstream.");
}

static sy_status dec_prompt_cache_options(struct sy_rsd *c, const struct sy_json *v)
{
    if (is_null(v))
        return SY_OK;
    sy_status st = obj_member(c, v, "prompt_cache_options");
    if (st == SY_OK)
        drop(c, "prompt_cache_options");
    return st;
}

static sy_status dec_context_management(struct sy_rsd *c, const struct sy_json *v)
{
    if (is_null(v))
        return SY_OK;
    sy_status st = arr_member(c, v, "context_management");
    if (st == SY_OK)
        drop(c, "context_management");
    return st;
}

/* Codex CLI sends its own client telemetry here on every request; nothing a chat upstream can use. */
static sy_status dec_client_metadata(struct sy_rsd *c, const struct sy_json *v)
{
    if (is_null(v))
        return SY_OK;
    sy_status st = obj_member(c, v, "client_metadata");
    if (st == SY_OK)
        drop(c, "client_metadata");
    return st;
}

/* ------------------------------------------------------------------ top level */

static const struct sy_rsd_member members[] = {
#define X(name) { #name, dec_##name },
#include "translate/responses_keys.def"
#undef X
    { NULL, NULL },
};

/* The decoder of member `key`: from `accepted` when given (an entry without fn means the create
 * decoder of that name), else from the create table. NULL: not accepted. */
static sy_rsd_member_fn find_member(const struct sy_rsd_member *accepted, const char *key)
{
    const struct sy_rsd_member *t = accepted ? accepted : members;
    for (size_t i = 0; t[i].name; i++)
        if (strcmp(t[i].name, key) == 0)
            return t[i].fn ? t[i].fn : find_member(NULL, key);
    return NULL;
}

static bool has_tool(const struct sy_ir_request *r, sy_slice name)
{
    for (size_t i = 0; i < r->ntools; i++)
        if (sy_slice_eq(r->tools[i].name, name))
            return true;
    return false;
}

/* Checks that need more than one member. */
static sy_status cross_checks(struct sy_rsd *c)
{
    struct sy_ir_request *r = c->req;
    if (!r->model.ptr)
        return sy_rsd_missing(c, "model");
    if (r->previous_response_id.ptr && r->conversation.ptr)
        return sy_rsd_fail(c, "conversation", "mutually_exclusive_parameters",
                           "Mutually exclusive parameters: Ensure you are only providing one of: "
                           "'previous_response_id' or 'conversation'.");
    if (r->background && r->store == 0)
        return sy_rsd_fail(c, "background", "invalid_value",
                           "Background mode requires 'store' to be true; do not set 'store' to false with "
                           "'background' true.");
    if (r->tool_choice == SY_TC_FUNCTION && !has_tool(r, r->tool_choice_name))
        return sy_rsd_fail(c, "tool_choice", "invalid_value",
                           "Tool choice 'function' named '%.*s' not found in 'tools' parameter.",
                           (int)(r->tool_choice_name.len > 64 ? 64 : r->tool_choice_name.len), r->tool_choice_name.ptr);
    for (size_t i = 0; r->tool_choice == SY_TC_ALLOWED && i < r->nallowed; i++)
        if (!has_tool(r, r->allowed_names[i])) {
            char param[64];
            snprintf(param, sizeof param, "tool_choice.tools[%zu].name", i);
            return sy_rsd_fail(c, param, "invalid_value",
                               "Allowed tool '%.*s' not found in 'tools' parameter.",
                               (int)(r->allowed_names[i].len > 64 ? 64 : r->allowed_names[i].len),
                               r->allowed_names[i].ptr);
        }
    return SY_OK;
}

static void request_defaults(struct sy_ir_request *r)
{
    memset(r, 0, sizeof *r);
    r->parallel_tool_calls = -1;
    r->format_strict = -1;
    r->max_output_tokens = -1;
    r->top_logprobs = -1;
    r->store = -1;
    r->max_tool_calls = -1;
}

sy_status sy_rsd_decode(struct sy_rsd *c, const struct sy_json *root, const struct sy_rsd_member *accepted)
{
    request_defaults(c->req);
    if (sy_json_type_of(root) != SY_JSON_OBJECT)
        return sy_rsd_fail(c, "", "invalid_type", "The request body must be a JSON object.");
    struct sy_json_iter it = { 0 };
    const char *key;
    const struct sy_json *val;
    while (sy_json_next(root, &it, &key, &val)) {
        sy_rsd_member_fn fn = find_member(accepted, key);
        if (!fn)
            return sy_rsd_fail(c, key, "unknown_parameter", "Unrecognized request argument supplied: %s", key);
        sy_status st = fn(c, val);
        if (st != SY_OK)
            return st;
    }
    return cross_checks(c);
}

sy_status sy_responses_decode_request(struct sy_arena *a, const struct sy_json *root, struct sy_ir_request *req,
                                      struct sy_dropped *dropped, struct sy_diag *diag)
{
    struct sy_rsd c = { .a = a, .req = req, .dropped = dropped, .diag = diag };
    return sy_rsd_decode(&c, root, NULL);
}

/* ------------------------------------------------------------------ call ids */

static size_t hash_slice(sy_slice s)
{
    size_t h = 1469598103934665603u;
    for (size_t i = 0; i < s.len; i++)
        h = (h ^ (unsigned char)s.ptr[i]) * 1099511628211u;
    return h;
}

sy_status sy_responses_check_call_ids(const struct sy_ir_request *req, struct sy_diag *diag)
{
    size_t cap = 16;
    while (cap < req->nitems * 2)
        cap *= 2;
    const sy_slice **set = calloc(cap, sizeof *set);
    if (!set)
        return SY_EINTERNAL;
    sy_status st = SY_OK;
    for (size_t i = 0; i < req->nitems && st == SY_OK; i++) {
        const struct sy_ir_item *it = &req->items[i];
        if (it->kind != SY_ITEM_FUNCTION_CALL && it->kind != SY_ITEM_FUNCTION_CALL_OUTPUT)
            continue;
        size_t h = hash_slice(it->call_id) & (cap - 1);
        while (set[h] && !sy_slice_eq(*set[h], it->call_id))
            h = (h + 1) & (cap - 1);
        if (it->kind == SY_ITEM_FUNCTION_CALL) {
            set[h] = &it->call_id;
        } else if (!set[h]) {
            struct sy_rsd c = { .diag = diag };
            char param[64];
            size_t idx = i >= req->input_start ? i - req->input_start : i;
            snprintf(param, sizeof param, "input[%zu].call_id", idx);
            int n = it->call_id.len > 64 ? 64 : (int)it->call_id.len;
            st = sy_rsd_fail(&c, param, NULL, "No tool call found for function call output with call_id %.*s.", n,
                             it->call_id.ptr);
        }
    }
    free(set);
    return st;
}
