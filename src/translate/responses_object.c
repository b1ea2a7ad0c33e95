/* Responses codec: the Response object (responses-api.md §6) with every echo field filled from
 * the client's request and the concrete defaults both the SDK and Open Responses require, and
 * the logprobs normaliser used for output_text parts and deltas. Key order follows the
 * reference stream in responses-api.md §9.5. */
#include <string.h>

#include "translate/responses_internal.h"

static void str_or_null(struct sy_json_writer *w, const char *key, sy_slice s)
{
    sy_jw_key(w, key);
    if (s.ptr)
        sy_jw_str(w, s);
    else
        sy_jw_null(w);
}

static void num_or(struct sy_json_writer *w, const char *key, bool has, sy_slice text, int64_t dflt)
{
    sy_jw_key(w, key);
    if (has && text.len)
        sy_jw_raw(w, text);
    else
        sy_jw_int(w, dflt);
}

static void int_or_null(struct sy_json_writer *w, const char *key, int64_t v)
{
    sy_jw_key(w, key);
    if (v >= 0)
        sy_jw_int(w, v);
    else
        sy_jw_null(w);
}

static void write_format(struct sy_json_writer *w, const struct sy_ir_request *r)
{
    sy_jw_obj_begin(w);
    sy_jw_key(w, "type");
    switch (r->format) {
    case SY_FMT_UNSET:
    case SY_FMT_TEXT:
        sy_jw_cstr(w, "text");
        break;
    case SY_FMT_JSON_OBJECT:
        sy_jw_cstr(w, "json_object");
        break;
    case SY_FMT_JSON_SCHEMA:
        sy_jw_cstr(w, "json_schema");
        str_or_null(w, "name", r->format_name);
        str_or_null(w, "description", r->format_description);
        sy_jw_key(w, "schema");
        if (r->format_schema.len)
            sy_jw_raw(w, r->format_schema);
        else
            sy_jw_null(w);
        sy_jw_key(w, "strict");
        sy_jw_bool(w, r->format_strict == 1);
        break;
    }
    sy_jw_obj_end(w);
}

static void write_text(struct sy_json_writer *w, const struct sy_ir_request *r)
{
    sy_jw_key(w, "text");
    sy_jw_obj_begin(w);
    sy_jw_key(w, "format");
    write_format(w, r);
    sy_jw_key(w, "verbosity");
    sy_jw_str(w, r->verbosity.len ? r->verbosity : SY_LIT("medium"));
    sy_jw_obj_end(w);
}

static void write_reasoning(struct sy_json_writer *w, const struct sy_ir_request *r)
{
    sy_jw_key(w, "reasoning");
    sy_jw_obj_begin(w);
    str_or_null(w, "effort", r->reasoning_effort);
    str_or_null(w, "summary", r->reasoning_summary);
    sy_jw_obj_end(w);
}

static void function_ref(struct sy_json_writer *w, sy_slice name)
{
    sy_jw_obj_begin(w);
    sy_jw_key(w, "type");
    sy_jw_cstr(w, "function");
    sy_jw_key(w, "name");
    sy_jw_str(w, name);
    sy_jw_obj_end(w);
}

static void write_tool_choice(struct sy_json_writer *w, const struct sy_ir_request *r)
{
    sy_jw_key(w, "tool_choice");
    switch (r->tool_choice) {
    case SY_TC_UNSET:
    case SY_TC_AUTO:
        sy_jw_cstr(w, "auto");
        return;
    case SY_TC_NONE:
        sy_jw_cstr(w, "none");
        return;
    case SY_TC_REQUIRED:
        sy_jw_cstr(w, "required");
        return;
    case SY_TC_FUNCTION:
        function_ref(w, r->tool_choice_name);
        return;
    case SY_TC_ALLOWED:
        sy_jw_obj_begin(w);
        sy_jw_key(w, "type");
        sy_jw_cstr(w, "allowed_tools");
        sy_jw_key(w, "mode");
        sy_jw_cstr(w, r->allowed_mode == SY_TC_REQUIRED ? "required" : "auto");
        sy_jw_key(w, "tools");
        sy_jw_arr_begin(w);
        for (size_t i = 0; i < r->nallowed; i++)
            function_ref(w, r->allowed_names[i]);
        sy_jw_arr_end(w);
        sy_jw_obj_end(w);
        return;
    }
}

static void write_tools(struct sy_json_writer *w, const struct sy_ir_request *r)
{
    sy_jw_key(w, "tools");
    sy_jw_arr_begin(w);
    for (size_t i = 0; i < r->ntools; i++) {
        const struct sy_ir_tool *t = &r->tools[i];
        sy_jw_obj_begin(w);
        sy_jw_key(w, "type");
        sy_jw_cstr(w, "function");
        sy_jw_key(w, "name");
        sy_jw_str(w, t->name);
        str_or_null(w, "description", t->description);
        sy_jw_key(w, "parameters");
        if (t->parameters.len)
            sy_jw_raw(w, t->parameters);
        else
            sy_jw_null(w);
        sy_jw_key(w, "strict");
        sy_jw_bool(w, t->strict != 0); /* Responses default: true */
        sy_jw_obj_end(w);
    }
    sy_jw_arr_end(w);
}

void sy_rs_write_usage(struct sy_json_writer *w, const struct sy_ir_usage *u)
{
    sy_jw_key(w, "usage");
    if (!u || !u->present) {
        sy_jw_null(w);
        return;
    }
    int64_t total = u->total_tokens;
    if (total == 0)
        total = u->input_tokens + u->output_tokens;
    sy_jw_obj_begin(w);
    sy_jw_key(w, "input_tokens");
    sy_jw_int(w, u->input_tokens);
    sy_jw_key(w, "input_tokens_details");
    sy_jw_obj_begin(w);
    sy_jw_key(w, "cached_tokens");
    sy_jw_int(w, u->cached_tokens);
    sy_jw_key(w, "cache_write_tokens");
    sy_jw_int(w, u->cache_write_tokens);
    sy_jw_obj_end(w);
    sy_jw_key(w, "output_tokens");
    sy_jw_int(w, u->output_tokens);
    sy_jw_key(w, "output_tokens_details");
    sy_jw_obj_begin(w);
    sy_jw_key(w, "reasoning_tokens");
    sy_jw_int(w, u->reasoning_tokens);
    sy_jw_obj_end(w);
    sy_jw_key(w, "total_tokens");
    sy_jw_int(w, total);
    sy_jw_obj_end(w);
}

/* id … model: the head of the object up to and including `output`. */
static void write_head(struct sy_json_writer *w, const struct sy_ir_request *r, const struct sy_responses_encode_opts *o,
                       const struct sy_rs_snapshot *s)
{
    sy_jw_key(w, "id");
    sy_jw_str(w, o->response_id);
    sy_jw_key(w, "object");
    sy_jw_cstr(w, "response");
    sy_jw_key(w, "created_at");
    sy_jw_int(w, o->created_at);
    sy_jw_key(w, "status");
    sy_jw_cstr(w, s->status);
    sy_jw_key(w, "background");
    sy_jw_bool(w, r->background);
    int_or_null(w, "completed_at", s->completed_at);
    if (r->conversation.ptr) {
        sy_jw_key(w, "conversation");
        sy_jw_obj_begin(w);
        sy_jw_key(w, "id");
        sy_jw_str(w, r->conversation);
        sy_jw_obj_end(w);
    }
    sy_jw_key(w, "error");
    if (s->error_code) {
        sy_jw_obj_begin(w);
        sy_jw_key(w, "code");
        sy_jw_cstr(w, s->error_code);
        sy_jw_key(w, "message");
        sy_jw_str(w, s->error_message.ptr ? s->error_message : SY_LIT(""));
        sy_jw_obj_end(w);
    } else {
        sy_jw_null(w);
    }
    sy_jw_key(w, "incomplete_details");
    if (s->incomplete_reason) {
        sy_jw_obj_begin(w);
        sy_jw_key(w, "reason");
        sy_jw_cstr(w, s->incomplete_reason);
        sy_jw_obj_end(w);
    } else {
        sy_jw_null(w);
    }
    str_or_null(w, "instructions", r->instructions);
    int_or_null(w, "max_output_tokens", r->max_output_tokens);
    int_or_null(w, "max_tool_calls", r->max_tool_calls);
    sy_jw_key(w, "metadata");
    sy_jw_raw(w, r->metadata.len ? r->metadata : SY_LIT("{}"));
    sy_jw_key(w, "model");
    sy_jw_str(w, o->model);
    sy_jw_key(w, "output");
    sy_jw_raw(w, s->output.len ? s->output : SY_LIT("[]"));
}

void sy_rs_write_response(struct sy_json_writer *w, const struct sy_ir_request *r,
                          const struct sy_responses_encode_opts *o, const struct sy_rs_snapshot *s)
{
    sy_jw_obj_begin(w);
    write_head(w, r, o, s);
    sy_jw_key(w, "parallel_tool_calls");
    sy_jw_bool(w, r->parallel_tool_calls != 0);
    num_or(w, "presence_penalty", r->has_presence_penalty, r->presence_penalty, 0);
    num_or(w, "frequency_penalty", r->has_frequency_penalty, r->frequency_penalty, 0);
    str_or_null(w, "previous_response_id", r->previous_response_id);
    str_or_null(w, "prompt_cache_key", r->prompt_cache_key);
    sy_jw_key(w, "prompt_cache_retention");
    sy_jw_null(w);
    write_reasoning(w, r);
    str_or_null(w, "safety_identifier", r->safety_identifier);
    sy_jw_key(w, "service_tier");
    bool tier = r->service_tier.len && !sy_slice_eq_cstr(r->service_tier, "auto");
    sy_jw_str(w, tier ? r->service_tier : SY_LIT("default"));
    sy_jw_key(w, "store");
    sy_jw_bool(w, r->store != 0);
    num_or(w, "temperature", r->has_temperature, r->temperature, 1);
    write_text(w, r);
    write_tool_choice(w, r);
    write_tools(w, r);
    sy_jw_key(w, "top_logprobs");
    sy_jw_int(w, r->top_logprobs > 0 ? r->top_logprobs : 0);
    num_or(w, "top_p", r->has_top_p, r->top_p, 1);
    sy_jw_key(w, "truncation");
    sy_jw_str(w, r->truncation.len ? r->truncation : SY_LIT("disabled"));
    sy_rs_write_usage(w, s->usage);
    str_or_null(w, "user", r->user);
    sy_jw_obj_end(w);
}

/* ------------------------------------------------------------------ logprobs */

static void token_bytes(struct sy_json_writer *w, const struct sy_json *entry, sy_slice token)
{
    const struct sy_json *b = sy_json_get(entry, "bytes");
    if (sy_json_type_of(b) == SY_JSON_ARRAY) {
        sy_jw_node(w, b);
        return;
    }
    sy_jw_arr_begin(w);
    for (size_t i = 0; i < token.len; i++)
        sy_jw_int(w, (unsigned char)token.ptr[i]);
    sy_jw_arr_end(w);
}

static void logprob_entry(struct sy_json_writer *w, const struct sy_json *entry, bool with_top)
{
    sy_slice token = SY_LIT("");
    const struct sy_json *lp = sy_json_get(entry, "logprob"), *top = sy_json_get(entry, "top_logprobs");
    double d;
    sy_json_as_str(sy_json_get(entry, "token"), &token);
    sy_jw_obj_begin(w);
    sy_jw_key(w, "token");
    sy_jw_str(w, token);
    sy_jw_key(w, "logprob");
    if (sy_json_as_double(lp, &d))
        sy_jw_node(w, lp);
    else
        sy_jw_int(w, 0);
    sy_jw_key(w, "bytes");
    token_bytes(w, entry, token);
    if (with_top) {
        sy_jw_key(w, "top_logprobs");
        sy_jw_arr_begin(w);
        for (size_t i = 0; i < sy_json_len(top); i++)
            if (sy_json_type_of(sy_json_at(top, i)) == SY_JSON_OBJECT)
                logprob_entry(w, sy_json_at(top, i), false);
        sy_jw_arr_end(w);
    }
    sy_jw_obj_end(w);
}

long sy_rs_logprobs_append(struct sy_buf *out, sy_slice logprobs)
{
    struct sy_json *root = NULL;
    struct sy_diag d;
    long n = 0;
    if (!logprobs.len || sy_json_parse(logprobs, &root, &d) != SY_OK)
        return 0;
    for (size_t i = 0; i < sy_json_len(root) && sy_json_type_of(root) == SY_JSON_ARRAY; i++) {
        const struct sy_json *e = sy_json_at(root, i);
        if (sy_json_type_of(e) != SY_JSON_OBJECT)
            continue;
        size_t mark = out->len;
        struct sy_json_writer w;
        if (out->len && sy_buf_append_char(out, ',') != SY_OK) {
            n = -1;
            break;
        }
        sy_jw_init(&w, out);
        logprob_entry(&w, e, true);
        if (sy_jw_status(&w) != SY_OK) {
            out->len = mark;
            if (out->data)
                out->data[mark] = '\0';
            n = -1;
            break;
        }
        n++;
    }
    sy_json_free(root);
    return n;
}
