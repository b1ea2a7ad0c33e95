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

/* ------------------------------------------------------------------ errors */

/* These two serve responses_count.c too; they read c->diag, so they work before sy_rsd_decode. */
sy_status sy_rsd_fail(struct sy_rsd *c, const char *param, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sy_status st = sy_chk_vfail(&(struct sy_chk){ .diag = c->diag }, param, code, fmt, ap);
    va_end(ap);
    return st;
}

sy_status sy_rsd_bad_type(struct sy_rsd *c, const char *param, const char *expected, const struct sy_json *got)
{
    return sy_chk_bad_type(&(struct sy_chk){ .diag = c->diag }, param, expected, got);
}

/* ------------------------------------------------------------------ scalar members */

/* The members both request bodies define alike are decoded by checked.c. */
#define COMMON(n) \
    static sy_status dec_##n(struct sy_rsd *c, const struct sy_json *v) { return sy_chk_common_member(&c->k, #n, v); }
COMMON(model) COMMON(user) COMMON(previous_response_id) COMMON(stream) COMMON(store) COMMON(parallel_tool_calls)
COMMON(top_logprobs) COMMON(temperature) COMMON(top_p) COMMON(presence_penalty) COMMON(frequency_penalty)
COMMON(service_tier) COMMON(metadata) COMMON(prompt_cache_retention) COMMON(prompt_cache_options)
#undef COMMON

static sy_status dec_input(struct sy_rsd *c, const struct sy_json *v) { return sy_rsd_input(c, v); }
static sy_status dec_instructions(struct sy_rsd *c, const struct sy_json *v)
{
    return sy_chk_str(&c->k, v, "instructions", &c->req->instructions);
}

static sy_status dec_safety_identifier(struct sy_rsd *c, const struct sy_json *v)
{
    sy_status st = sy_chk_str(&c->k, v, "safety_identifier", &c->req->safety_identifier);
    return st ? st : sy_chk_max_len(&c->k, "safety_identifier", c->req->safety_identifier, 64);
}

static sy_status dec_prompt_cache_key(struct sy_rsd *c, const struct sy_json *v)
{
    sy_status st = sy_chk_str(&c->k, v, "prompt_cache_key", &c->req->prompt_cache_key);
    return st ? st : sy_chk_max_len(&c->k, "prompt_cache_key", c->req->prompt_cache_key, 64);
}

static sy_status dec_background(struct sy_rsd *c, const struct sy_json *v)
{
    int b = 0;
    sy_status st = sy_chk_bool(&c->k, v, "background", &b);
    c->req->background = b == 1;
    return st;
}

static sy_status dec_max_tool_calls(struct sy_rsd *c, const struct sy_json *v)
{
    return sy_chk_int(&c->k, v, "max_tool_calls", 1, INT64_MAX, &c->req->max_tool_calls);
}
static sy_status dec_max_output_tokens(struct sy_rsd *c, const struct sy_json *v)
{
    return sy_chk_int(&c->k, v, "max_output_tokens", 16, INT64_MAX, &c->req->max_output_tokens);
}

static sy_status dec_truncation(struct sy_rsd *c, const struct sy_json *v)
{
    static const char *const vals[] = { "auto", "disabled", NULL };
    return sy_chk_enum_str(&c->k, v, "truncation", vals, &c->req->truncation);
}

/* ------------------------------------------------------------------ object members */

static sy_status dec_conversation(struct sy_rsd *c, const struct sy_json *v)
{
    if (sy_chk_null(v) || sy_json_as_str(v, &c->req->conversation))
        return SY_OK;
    if (sy_json_type_of(v) != SY_JSON_OBJECT)
        return sy_chk_bad_type(&c->k, "conversation", "a string or an object", v);
    return sy_chk_req_str(&c->k, v, "id", "conversation.id", &c->req->conversation);
}

static sy_status dec_stream_options(struct sy_rsd *c, const struct sy_json *v)
{
    int obf = -1;
    sy_status st = sy_chk_opt_type(&c->k, v, "stream_options", SY_JSON_OBJECT);
    const struct sy_json *o = sy_json_get(v, "include_obfuscation");
    if (st == SY_OK && o)
        st = sy_chk_bool(&c->k, o, "stream_options.include_obfuscation", &obf);
    return st; /* obfuscation padding is optional; the gateway never sends it */
}

static const char *const include_values[] = {
    "message.output_text.logprobs",   "reasoning.encrypted_content",   "message.input_image.image_url",
    "computer_call_output.output.image_url", "file_search_call.results", "web_search_call.results",
    "web_search_call.action.sources", "code_interpreter_call.outputs", NULL,
};

static sy_status dec_include(struct sy_rsd *c, const struct sy_json *v)
{
    if (sy_chk_null(v))
        return SY_OK;
    sy_status st = sy_chk_type(&c->k, v, "include", SY_JSON_ARRAY);
    for (size_t i = 0; st == SY_OK && i < sy_json_len(v); i++) {
        char param[48];
        snprintf(param, sizeof param, "include[%zu]", i);
        sy_slice s;
        const struct sy_json *e = sy_json_at(v, i);
        if (!sy_json_as_str(e, &s))
            return sy_chk_bad_type(&c->k, param, "a string", e);
        if ((st = sy_chk_enum(&c->k, param, s, include_values)) != SY_OK && c->k.diag)
            sy_diag_code(c->k.diag, "unsupported_value");
        else if (sy_slice_eq_cstr(s, "message.output_text.logprobs"))
            c->req->want_logprobs = true;
    }
    if (st == SY_OK)
        c->req->include = sy_chk_node_text(&c->k, v);
    return st;
}

static sy_status dec_reasoning(struct sy_rsd *c, const struct sy_json *v)
{
    static const char *const efforts[] = { "none", "minimal", "low", "medium", "high", "xhigh", "max", NULL };
    static const char *const summaries[] = { "auto", "concise", "detailed", NULL };
    static const char *const contexts[] = { "auto", "current_turn", "all_turns", NULL };
    struct sy_ir_request *r = c->req;
    const struct sy_chk *k = &c->k;
    sy_slice alias = SY_SLICE_NULL, context = SY_SLICE_NULL, mode = SY_SLICE_NULL;
    sy_status st = sy_chk_opt_type(k, v, "reasoning", SY_JSON_OBJECT);
    if (st || (st = sy_chk_enum_str(k, sy_json_get(v, "effort"), "reasoning.effort", efforts, &r->reasoning_effort)) ||
        (st = sy_chk_enum_str(k, sy_json_get(v, "summary"), "reasoning.summary", summaries, &r->reasoning_summary)) ||
        (st = sy_chk_enum_str(k, sy_json_get(v, "generate_summary"), "reasoning.generate_summary", summaries, &alias)))
        return st;
    if (!r->reasoning_summary.ptr)
        r->reasoning_summary = alias; /* deprecated alias */
    if ((st = sy_chk_enum_str(k, sy_json_get(v, "context"), "reasoning.context", contexts, &context)))
        return st;
    if (context.ptr)
        sy_chk_drop(k, "reasoning.context");
    if ((st = sy_chk_str(k, sy_json_get(v, "mode"), "reasoning.mode", &mode)) == SY_OK && mode.ptr)
        sy_chk_drop(k, "reasoning.mode");
    return st;
}

static sy_status dec_format(struct sy_rsd *c, const struct sy_json *f)
{
    static const char *const types[] = { "text", "json_object", "json_schema", NULL };
    struct sy_ir_request *r = c->req;
    sy_slice type;
    sy_status st = sy_chk_type(&c->k, f, "text.format", SY_JSON_OBJECT);
    if (st || (st = sy_chk_req_str(&c->k, f, "type", "text.format.type", &type)) ||
        (st = sy_chk_enum(&c->k, "text.format.type", type, types)))
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
    const struct sy_json *schema;
    if ((st = sy_chk_req_str(&c->k, f, "name", "text.format.name", &r->format_name)) ||
        (st = sy_chk_name(&c->k, "text.format.name", r->format_name)) ||
        (st = sy_chk_opt_str(&c->k, f, "description", "text.format.description", &r->format_description, NULL)) ||
        (st = sy_chk_req_member(&c->k, f, "schema", "text.format.schema", SY_JSON_OBJECT, &schema)))
        return st;
    r->format_schema = sy_chk_node_text(&c->k, schema);
    return sy_chk_bool(&c->k, sy_json_get(f, "strict"), "text.format.strict", &r->format_strict);
}

static sy_status dec_text(struct sy_rsd *c, const struct sy_json *v)
{
    static const char *const verbosities[] = { "low", "medium", "high", NULL };
    sy_status st = sy_chk_opt_type(&c->k, v, "text", SY_JSON_OBJECT);
    const struct sy_json *m;
    if (st == SY_OK && (m = sy_json_get(v, "format")) && !sy_chk_null(m))
        st = dec_format(c, m);
    if (st == SY_OK && (m = sy_json_get(v, "verbosity")))
        st = sy_chk_enum_str(&c->k, m, "text.verbosity", verbosities, &c->req->verbosity);
    return st;
}

/* ------------------------------------------------------------------ tools */

static sy_status dec_function_tool(struct sy_rsd *c, const struct sy_json *t, size_t i, struct sy_ir_tool *out)
{
    char prefix[48];
    snprintf(prefix, sizeof prefix, "tools[%zu]", i);
    out->strict = -1;
    return sy_chk_function(&c->k, t, prefix, out);
}

static sy_status dec_tools(struct sy_rsd *c, const struct sy_json *v)
{
    if (sy_chk_null(v))
        return SY_OK;
    sy_status st = sy_chk_type(&c->k, v, "tools", SY_JSON_ARRAY);
    size_t n = sy_json_len(v);
    if (st)
        return st;
    c->req->tools = sy_arena_alloc(c->k.a, (n ? n : 1) * sizeof *c->req->tools);
    c->req->ntools = 0;
    for (size_t i = 0; i < n; i++) {
        const struct sy_json *t = sy_json_at(v, i);
        char param[48];
        sy_slice type;
        snprintf(param, sizeof param, "tools[%zu]", i);
        if ((st = sy_chk_type(&c->k, t, param, SY_JSON_OBJECT)))
            return st;
        snprintf(param, sizeof param, "tools[%zu].type", i);
        if ((st = sy_chk_req_str(&c->k, t, "type", param, &type)))
            return st;
        if (!sy_slice_eq_cstr(type, "function"))
            return sy_chk_fail(&c->k, param, "unsupported_value",
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
    const struct sy_json *tools;
    if ((st = sy_chk_req_str(&c->k, v, "mode", "tool_choice.mode", &mode)) ||
        (st = sy_chk_enum(&c->k, "tool_choice.mode", mode, modes)) ||
        (st = sy_chk_req_member(&c->k, v, "tools", "tool_choice.tools", SY_JSON_ARRAY, &tools)))
        return st;
    size_t n = sy_json_len(tools);
    if (n < 1 || n > 128)
        return sy_chk_fail(&c->k, "tool_choice.tools", n ? "array_above_max_length" : "empty_array",
                           "Invalid 'tool_choice.tools': expected between 1 and 128 tools, but got %zu.", n);
    r->tool_choice = SY_TC_ALLOWED;
    r->allowed_mode = sy_slice_eq_cstr(mode, "auto") ? SY_TC_AUTO : SY_TC_REQUIRED;
    r->allowed_names = sy_arena_alloc(c->k.a, n * sizeof *r->allowed_names);
    r->nallowed = n;
    for (size_t i = 0; i < n; i++) {
        const struct sy_json *t = sy_json_at(tools, i);
        char pt[64], pn[64];
        sy_slice type;
        snprintf(pt, sizeof pt, "tool_choice.tools[%zu].type", i);
        snprintf(pn, sizeof pn, "tool_choice.tools[%zu].name", i);
        if ((st = sy_chk_type(&c->k, t, pt, SY_JSON_OBJECT)) || (st = sy_chk_req_str(&c->k, t, "type", pt, &type)))
            return st;
        if (!sy_slice_eq_cstr(type, "function"))
            return sy_chk_fail(&c->k, pt, "unsupported_value",
                               "Tool type '%.*s' is not supported when the model is served by a chat-completions "
                               "upstream.",
                               (int)(type.len > 64 ? 64 : type.len), type.ptr);
        if ((st = sy_chk_req_str(&c->k, t, "name", pn, &r->allowed_names[i])))
            return st;
    }
    return SY_OK;
}

static sy_status dec_tool_choice(struct sy_rsd *c, const struct sy_json *v)
{
    struct sy_ir_request *r = c->req;
    sy_slice type;
    bool object;
    sy_status st = sy_chk_tool_choice(&c->k, v, &object);
    if (st || !object)
        return st;
    if ((st = sy_chk_req_str(&c->k, v, "type", "tool_choice.type", &type)))
        return st;
    if (sy_slice_eq_cstr(type, "function")) {
        r->tool_choice = SY_TC_FUNCTION;
        return sy_chk_req_str(&c->k, v, "name", "tool_choice.name", &r->tool_choice_name);
    }
    if (sy_slice_eq_cstr(type, "allowed_tools"))
        return dec_allowed_tools(c, v);
    return sy_chk_fail(&c->k, "tool_choice.type", "unsupported_value",
                       "Tool choice type '%.*s' is not supported when the model is served by a chat-completions "
                       "upstream.",
                       (int)(type.len > 64 ? 64 : type.len), type.ptr);
}

/* ------------------------------------------------------------------ refused / ignored */

static sy_status dec_prompt(struct sy_rsd *c, const struct sy_json *v)
{
    if (sy_chk_null(v))
        return SY_OK;
    return sy_chk_fail(&c->k, "prompt", "unsupported_parameter",
                       "'prompt' (stored prompt templates) is not supported when the model is served by a "
                       "chat-completions upstream.");
}

static sy_status dec_moderation(struct sy_rsd *c, const struct sy_json *v)
{
    if (sy_chk_null(v))
        return SY_OK;
    return sy_chk_fail(&c->k, "moderation", "unsupported_parameter",
                       "'moderation' is not supported when the model is served by a chat-completions upstream.");
}

static sy_status dec_context_management(struct sy_rsd *c, const struct sy_json *v)
{
    return sy_chk_drop_typed(&c->k, v, "context_management", SY_JSON_ARRAY);
}

/* Codex CLI sends its own client telemetry here on every request; nothing a chat upstream can use. */
static sy_status dec_client_metadata(struct sy_rsd *c, const struct sy_json *v)
{
    return sy_chk_drop_typed(&c->k, v, "client_metadata", SY_JSON_OBJECT);
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
        return sy_chk_missing(&c->k, "model");
    if (r->previous_response_id.ptr && r->conversation.ptr)
        return sy_chk_fail(&c->k, "conversation", "mutually_exclusive_parameters",
                           "Mutually exclusive parameters: Ensure you are only providing one of: "
                           "'previous_response_id' or 'conversation'.");
    if (r->background && r->store == 0)
        return sy_chk_fail(&c->k, "background", "invalid_value",
                           "Background mode requires 'store' to be true; do not set 'store' to false with "
                           "'background' true.");
    if (r->tool_choice == SY_TC_FUNCTION && !has_tool(r, r->tool_choice_name))
        return sy_chk_fail(&c->k, "tool_choice", "invalid_value",
                           "Tool choice 'function' named '%.*s' not found in 'tools' parameter.",
                           (int)(r->tool_choice_name.len > 64 ? 64 : r->tool_choice_name.len), r->tool_choice_name.ptr);
    for (size_t i = 0; r->tool_choice == SY_TC_ALLOWED && i < r->nallowed; i++)
        if (!has_tool(r, r->allowed_names[i])) {
            char param[64];
            snprintf(param, sizeof param, "tool_choice.tools[%zu].name", i);
            return sy_chk_fail(&c->k, param, "invalid_value",
                               "Allowed tool '%.*s' not found in 'tools' parameter.",
                               (int)(r->allowed_names[i].len > 64 ? 64 : r->allowed_names[i].len),
                               r->allowed_names[i].ptr);
        }
    return SY_OK;
}

/* One top-level member through its decoder (sy_chk_member_fn). */
struct member_walk {
    struct sy_rsd              *c;
    const struct sy_rsd_member *accepted;
};

static sy_status dec_member(void *ctx, const char *key, const struct sy_json *v)
{
    const struct member_walk *w = ctx;
    sy_rsd_member_fn fn = find_member(w->accepted, key);
    return fn ? fn(w->c, v) : sy_chk_unknown(&w->c->k, key);
}

sy_status sy_rsd_decode(struct sy_rsd *c, const struct sy_json *root, const struct sy_rsd_member *accepted)
{
    c->k = (struct sy_chk){ .a = c->a, .diag = c->diag, .dropped = c->dropped, .req = c->req };
    sy_chk_request_init(c->req);
    struct member_walk w = { c, accepted };
    sy_status st = sy_chk_members(&c->k, root, dec_member, &w);
    return st ? st : cross_checks(c);
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
            struct sy_chk k = { .diag = diag };
            char param[64];
            size_t idx = i >= req->input_start ? i - req->input_start : i;
            snprintf(param, sizeof param, "input[%zu].call_id", idx);
            int n = it->call_id.len > 64 ? 64 : (int)it->call_id.len;
            st = sy_chk_fail(&k, param, NULL, "No tool call found for function call output with call_id %.*s.", n,
                             it->call_id.ptr);
        }
    }
    free(set);
    return st;
}
