/* Chat codec, client side, request direction: a `POST /v1/chat/completions` body → IR request for
 * a Responses upstream (mapping.md §1 and §7). Every top-level member has one decoder (the table
 * at the end, then the members both bodies share in checked.c); any other member is refused with
 * unknown_parameter, because a Responses upstream would reject the vendor extensions a chat
 * upstream accepts. Errors use OpenAI's wording and codes (invalid_type, invalid_value,
 * missing_required_parameter, unknown_parameter, unsupported_parameter, unsupported_value). JSON
 * null counts as absent everywhere. `messages` is decoded in chat_client_messages.c; this file
 * holds tools, tool_choice, response_format and the chat-only scalar parameters. The validating
 * readers are translate/checked.h. Strings point into the parsed tree; joined texts and
 * re-serialized JSON (schemas, metadata) live in the arena. */
#include <stdio.h>
#include <string.h>

#include "json/json.h"
#include "translate/chat_client.h"
#include "translate/chat_internal.h"

/* ------------------------------------------------------------------ errors */

sy_status sy_chatd__unsupported(struct sy_chatd *c, const char *param, const char *code, const char *what)
{
    return sy_chk_fail(&c->k, param, code, "%s is not supported when the model is served by a Responses upstream.",
                       what);
}

/* ------------------------------------------------------------------ tools */

static struct sy_ir_tool *new_tool(struct sy_chatd *c)
{
    struct sy_ir_request *r = c->k.req;
    r->tools = sy_chk_grow(&c->k, r->tools, r->ntools, &c->captools, sizeof *r->tools);
    struct sy_ir_tool *t = &r->tools[r->ntools++];
    memset(t, 0, sizeof *t);
    t->strict = 0; /* chat default; Responses would default to true (mapping.md §7 #9) */
    return t;
}

/* {"type":"function","function":{...}} at param p (a custom tool: refused) → its function
 * object in *f. */
static sy_status function_of(struct sy_chatd *c, const struct sy_json *v, const char *p, const struct sy_json **f)
{
    static const char *const types[] = { "function", "custom", NULL };
    char param[96];
    sy_slice type;
    snprintf(param, sizeof param, "%s.type", p);
    sy_status st = sy_chk_type(&c->k, v, p, SY_JSON_OBJECT);
    if (st || (st = sy_chk_req_str(&c->k, v, "type", param, &type)) || (st = sy_chk_enum(&c->k, param, type, types)))
        return st;
    if (sy_slice_eq_cstr(type, "custom"))
        return sy_chatd__unsupported(c, param, "unsupported_value", "Custom tools");
    snprintf(param, sizeof param, "%s.function", p);
    return sy_chk_req_member(&c->k, v, "function", param, SY_JSON_OBJECT, f);
}

static sy_status dec_tools(struct sy_chatd *c, const struct sy_json *v)
{
    sy_status st = sy_chk_opt_type(&c->k, v, "tools", SY_JSON_ARRAY);
    for (size_t i = 0; st == SY_OK && i < sy_json_len(v); i++) {
        char pt[48], pf[64];
        const struct sy_json *f;
        snprintf(pt, sizeof pt, "tools[%zu]", i);
        snprintf(pf, sizeof pf, "%s.function", pt);
        if ((st = function_of(c, sy_json_at(v, i), pt, &f)) == SY_OK)
            st = sy_chk_function(&c->k, f, pf, new_tool(c));
    }
    return st;
}

static sy_status dec_functions(struct sy_chatd *c, const struct sy_json *v)
{
    sy_status st = sy_chk_opt_type(&c->k, v, "functions", SY_JSON_ARRAY);
    for (size_t i = 0; st == SY_OK && i < sy_json_len(v); i++) {
        char pf[48];
        snprintf(pf, sizeof pf, "functions[%zu]", i);
        const struct sy_json *f = sy_json_at(v, i);
        if ((st = sy_chk_type(&c->k, f, pf, SY_JSON_OBJECT)) == SY_OK)
            st = sy_chk_function(&c->k, f, pf, new_tool(c));
    }
    return st;
}

/* {"type":"function","function":{"name":N}} (or a custom one: refused) at param p. */
static sy_status named_tool(struct sy_chatd *c, const struct sy_json *v, const char *p, sy_slice *name)
{
    char param[96];
    const struct sy_json *f;
    sy_status st = function_of(c, v, p, &f);
    snprintf(param, sizeof param, "%s.function.name", p);
    return st ? st : sy_chk_req_str(&c->k, f, "name", param, name);
}

static sy_status dec_allowed_tools(struct sy_chatd *c, const struct sy_json *v)
{
    static const char *const modes[] = { "auto", "required", NULL };
    struct sy_ir_request *r = c->k.req;
    const struct sy_json *at, *tools;
    sy_slice mode;
    sy_status st;
    if ((st = sy_chk_req_member(&c->k, v, "allowed_tools", "tool_choice.allowed_tools", SY_JSON_OBJECT, &at)) ||
        (st = sy_chk_req_str(&c->k, at, "mode", "tool_choice.allowed_tools.mode", &mode)) ||
        (st = sy_chk_enum(&c->k, "tool_choice.allowed_tools.mode", mode, modes)) ||
        (st = sy_chk_req_member(&c->k, at, "tools", "tool_choice.allowed_tools.tools", SY_JSON_ARRAY, &tools)))
        return st;
    size_t n = sy_json_len(tools);
    r->tool_choice = SY_TC_ALLOWED;
    r->allowed_mode = mode.ptr[0] == 'a' ? SY_TC_AUTO : SY_TC_REQUIRED;
    r->allowed_names = sy_arena_alloc(c->k.a, (n ? n : 1) * sizeof *r->allowed_names);
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
    static const char *const types[] = { "function", "custom", "allowed_tools", NULL };
    struct sy_ir_request *r = c->k.req;
    sy_slice type;
    bool object;
    if (!sy_chk_null(v))
        c->tool_choice_set = true;
    sy_status st = sy_chk_tool_choice(&c->k, v, &object);
    if (st || !object)
        return st;
    if ((st = sy_chk_req_str(&c->k, v, "type", "tool_choice.type", &type)) ||
        (st = sy_chk_enum(&c->k, "tool_choice.type", type, types)))
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
    if (sy_chk_null(v))
        return SY_OK;
    if (sy_json_as_str(v, &s)) {
        if ((st = sy_chk_enum(&c->k, "function_call", s, modes)) == SY_OK)
            c->fc_choice = s.ptr[0] == 'n' ? SY_TC_NONE : SY_TC_AUTO;
        return st;
    }
    if (sy_json_type_of(v) != SY_JSON_OBJECT)
        return sy_chk_bad_type(&c->k, "function_call", "a string or an object", v);
    c->fc_choice = SY_TC_FUNCTION;
    return sy_chk_req_str(&c->k, v, "name", "function_call.name", &c->fc_name);
}

/* ------------------------------------------------------------------ response_format */

static sy_status dec_json_schema(struct sy_chatd *c, const struct sy_json *f)
{
    struct sy_ir_request *r = c->k.req;
    const struct sy_json *js;
    sy_status st;
    if ((st = sy_chk_req_member(&c->k, f, "json_schema", "response_format.json_schema", SY_JSON_OBJECT, &js)) ||
        (st = sy_chk_req_str(&c->k, js, "name", "response_format.json_schema.name", &r->format_name)) ||
        (st = sy_chk_name(&c->k, "response_format.json_schema.name", r->format_name)) ||
        (st = sy_chk_opt_str(&c->k, js, "description", "response_format.json_schema.description",
                                &r->format_description, NULL)) ||
        (st = sy_chk_bool(&c->k, sy_json_get(js, "strict"), "response_format.json_schema.strict", &r->format_strict)))
        return st;
    const struct sy_json *schema = sy_json_get(js, "schema");
    if (sy_chk_null(schema)) { /* Responses requires a schema: ask for any JSON object instead */
        r->format = SY_FMT_JSON_OBJECT;
        r->format_name = r->format_description = SY_SLICE_NULL;
        r->format_strict = -1;
        return SY_OK;
    }
    if ((st = sy_chk_type(&c->k, schema, "response_format.json_schema.schema", SY_JSON_OBJECT)))
        return st;
    r->format = SY_FMT_JSON_SCHEMA;
    r->format_schema = sy_chk_node_text(&c->k, schema);
    return SY_OK;
}

static sy_status dec_response_format(struct sy_chatd *c, const struct sy_json *v)
{
    static const char *const types[] = { "text", "json_object", "json_schema", NULL };
    sy_slice type;
    sy_status st;
    if (sy_chk_null(v))
        return SY_OK;
    if ((st = sy_chk_type(&c->k, v, "response_format", SY_JSON_OBJECT)) ||
        (st = sy_chk_req_str(&c->k, v, "type", "response_format.type", &type)) ||
        (st = sy_chk_enum(&c->k, "response_format.type", type, types)))
        return st;
    if (sy_slice_eq_cstr(type, "json_schema"))
        return dec_json_schema(c, v);
    c->k.req->format = type.ptr[0] == 't' ? SY_FMT_TEXT : SY_FMT_JSON_OBJECT;
    return SY_OK;
}

/* ------------------------------------------------------------------ scalar members */

static sy_status dec_safety_identifier(struct sy_chatd *c, const struct sy_json *v)
{
    return sy_chk_str(&c->k, v, "safety_identifier", &c->k.req->safety_identifier);
}
static sy_status dec_prompt_cache_key(struct sy_chatd *c, const struct sy_json *v)
{
    return sy_chk_str(&c->k, v, "prompt_cache_key", &c->k.req->prompt_cache_key);
}

static sy_status dec_logprobs(struct sy_chatd *c, const struct sy_json *v)
{
    int b = 0;
    sy_status st = sy_chk_bool(&c->k, v, "logprobs", &b);
    c->k.req->want_logprobs = b == 1;
    return st;
}

static sy_status dec_max_tokens(struct sy_chatd *c, const struct sy_json *v)
{
    return sy_chk_int(&c->k, v, "max_tokens", 1, INT64_MAX, &c->max_tokens);
}
static sy_status dec_max_completion_tokens(struct sy_chatd *c, const struct sy_json *v)
{
    return sy_chk_int(&c->k, v, "max_completion_tokens", 1, INT64_MAX, &c->max_completion_tokens);
}

static sy_status dec_reasoning_effort(struct sy_chatd *c, const struct sy_json *v)
{
    static const char *const vals[] = { "none", "minimal", "low", "medium", "high", "xhigh", "max", NULL };
    return sy_chk_enum_str(&c->k, v, "reasoning_effort", vals, &c->k.req->reasoning_effort);
}

static sy_status dec_verbosity(struct sy_chatd *c, const struct sy_json *v)
{
    static const char *const vals[] = { "low", "medium", "high", NULL };
    return sy_chk_enum_str(&c->k, v, "verbosity", vals, &c->k.req->verbosity);
}

static sy_status dec_stream_options(struct sy_chatd *c, const struct sy_json *v)
{
    int usage = 0, obf = -1;
    if (sy_chk_null(v))
        return SY_OK;
    c->has_stream_options = true;
    sy_status st = sy_chk_type(&c->k, v, "stream_options", SY_JSON_OBJECT);
    if (st == SY_OK)
        st = sy_chk_bool(&c->k, sy_json_get(v, "include_usage"), "stream_options.include_usage", &usage);
    if (st == SY_OK) /* forwarded to a Responses upstream */
        st = sy_chk_bool(&c->k, sy_json_get(v, "include_obfuscation"), "stream_options.include_obfuscation", &obf);
    c->k.req->include_usage = usage == 1;
    c->k.req->has_include_obfuscation = obf >= 0;
    c->k.req->include_obfuscation = obf == 1;
    return st;
}

/* ------------------------------------------------------------------ refused / dropped */

/* stop: a string or up to 4 strings; any stop sequence is refused (mapping.md §7 #2). */
static sy_status dec_stop(struct sy_chatd *c, const struct sy_json *v)
{
    sy_slice s;
    if (sy_chk_null(v))
        return SY_OK;
    if (sy_json_type_of(v) == SY_JSON_ARRAY) {
        for (size_t i = 0; i < sy_json_len(v); i++)
            if (!sy_json_as_str(sy_json_at(v, i), &s)) {
                char param[48];
                snprintf(param, sizeof param, "stop[%zu]", i);
                return sy_chk_bad_type(&c->k, param, "a string", sy_json_at(v, i));
            }
        if (sy_json_len(v) == 0)
            return SY_OK;
    } else if (!sy_json_as_str(v, &s)) {
        return sy_chk_bad_type(&c->k, "stop", "a string or an array", v);
    }
    return sy_chatd__unsupported(c, "stop", "unsupported_parameter", "'stop'");
}

static sy_status dec_n(struct sy_chatd *c, const struct sy_json *v)
{
    int64_t n = 1;
    sy_status st = sy_chk_int(&c->k, v, "n", 1, 128, &n);
    if (st == SY_OK && n > 1)
        return sy_chatd__unsupported(c, "n", "unsupported_parameter", "'n' greater than 1");
    return st;
}

static sy_status dec_logit_bias(struct sy_chatd *c, const struct sy_json *v)
{
    sy_status st = sy_chk_opt_type(&c->k, v, "logit_bias", SY_JSON_OBJECT);
    if (st == SY_OK && sy_json_len(v) > 0)
        return sy_chatd__unsupported(c, "logit_bias", "unsupported_parameter", "'logit_bias'");
    return st;
}

static sy_status dec_modalities(struct sy_chatd *c, const struct sy_json *v)
{
    static const char *const vals[] = { "text", "audio", NULL };
    sy_status st = sy_chk_opt_type(&c->k, v, "modalities", SY_JSON_ARRAY);
    for (size_t i = 0; st == SY_OK && i < sy_json_len(v); i++) {
        char param[48];
        sy_slice s = SY_SLICE_NULL;
        snprintf(param, sizeof param, "modalities[%zu]", i);
        if ((st = sy_chk_enum_str(&c->k, sy_json_at(v, i), param, vals, &s)) == SY_OK && sy_slice_eq_cstr(s, "audio"))
            return sy_chatd__unsupported(c, "modalities", "unsupported_parameter",
                                         "Audio output ('modalities': 'audio')");
    }
    return st;
}

static sy_status refuse(struct sy_chatd *c, const struct sy_json *v, const char *param, const char *what)
{
    return sy_chk_null(v) ? SY_OK : sy_chatd__unsupported(c, param, "unsupported_parameter", what);
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
    sy_status st = sy_chk_int(&c->k, v, "seed", INT64_MIN, INT64_MAX, &seed);
    if (st == SY_OK && !sy_chk_null(v))
        sy_chk_drop(&c->k, "seed"); /* best effort by definition (mapping.md §7 #4) */
    return st;
}

/* A latency optimisation only (mapping.md §7 #6). */
static sy_status dec_prediction(struct sy_chatd *c, const struct sy_json *v)
{
    return sy_chk_drop_typed(&c->k, v, "prediction", SY_JSON_OBJECT);
}

/* ------------------------------------------------------------------ top level */

typedef sy_status (*member_fn)(struct sy_chatd *c, const struct sy_json *v);

/* The members only a chat body has, or that it reads differently; the ones both bodies define
 * alike are sy_chk_common_member's. */
static const struct {
    const char *name;
    member_fn   fn;
} members[] = {
#define M(n) { #n, dec_##n },
    { "messages", sy_chatd__messages },
    M(stream_options) M(n) M(stop) M(max_tokens) M(max_completion_tokens) M(logit_bias) M(logprobs) M(seed)
    M(tools) M(tool_choice) M(functions) M(function_call) M(response_format) M(reasoning_effort) M(verbosity)
    M(modalities) M(audio) M(prediction) M(safety_identifier) M(prompt_cache_key) M(web_search_options)
    M(moderation)
#undef M
};

/* One top-level member through its decoder (sy_chk_member_fn). */
static sy_status dec_member(void *ctx, const char *key, const struct sy_json *v)
{
    struct sy_chatd *c = ctx;
    for (size_t i = 0; i < sizeof members / sizeof members[0]; i++)
        if (strcmp(members[i].name, key) == 0)
            return members[i].fn(c, v);
    return sy_chk_common_member(&c->k, key, v);
}

/* Checks and defaults that span members. */
static sy_status finish_request(struct sy_chatd *c)
{
    struct sy_ir_request *r = c->k.req;
    if (!r->model.ptr)
        return sy_chk_missing(&c->k, "model");
    if (!c->has_messages)
        return sy_chk_missing(&c->k, "messages");
    if (r->top_logprobs >= 0 && !r->want_logprobs)
        return sy_chk_fail(&c->k, "top_logprobs", "invalid_value",
                           "Invalid value for 'top_logprobs': 'logprobs' must be set to true when 'top_logprobs' is "
                           "used.");
    if (c->has_stream_options && !r->stream)
        return sy_chk_fail(&c->k, "stream_options", "invalid_value",
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
        .k = { .a = a, .diag = diag, .dropped = dropped, .req = req }, .max_tokens = -1, .max_completion_tokens = -1,
    };
    sy_chk_request_init(req);
    sy_status st = sy_chk_members(&c.k, root, dec_member, &c);
    return st ? st : finish_request(&c);
}
