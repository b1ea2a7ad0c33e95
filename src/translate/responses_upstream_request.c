/* Responses codec, upstream side: IR request → `POST /v1/responses` body for a Responses upstream
 * serving a chat client (mapping.md §1).
 *
 * Output is compact JSON with this fixed key order (absent keys are skipped):
 *   model, instructions, input, tools, tool_choice, parallel_tool_calls, text{format,verbosity},
 *   reasoning{effort,summary}, max_output_tokens, max_tool_calls, temperature, top_p,
 *   presence_penalty, frequency_penalty, include, top_logprobs, truncation, metadata, user,
 *   safety_identifier, prompt_cache_key, service_tier, previous_response_id, store, stream
 * `store` and `stream` are always sent (store true only when the IR says 1: a chat client never
 * asked the upstream to keep anything, mapping §5 / §7 #10).
 *
 * Items, in order:
 *   system / developer message → {type:"message",role,content} (content a string when it was
 *     one, else input parts), or with opts.system_as_instructions their texts join (with "\n\n",
 *     after the IR's own instructions) into `instructions` and the items are left out;
 *   user message → {type:"message",role:"user",content: string | [input_text{text} |
 *     input_image{image_url|file_id, detail (default "auto")} | input_file{file_id, file_data,
 *     filename, file_url (present keys only)}]};
 *   assistant message → {type:"message",role:"assistant",content:[output_text{text,annotations}
 *     | refusal{refusal}]} — left out when it has no non-empty text and no refusal;
 *   function_call → {type,call_id,name,arguments}; function_call_output → {type,call_id,output}
 *     (output a string, or input parts when the IR holds parts);
 *   reasoning → {type:"reasoning"[,id],summary:[summary_text…],encrypted_content} only when it
 *     carries encrypted_content (anything else means nothing to the upstream and is skipped).
 * Tools are flat {type:"function",name[,description],parameters,strict} with `strict` always
 * explicit (IR -1 → false, the chat default) and `parameters` {"type":"object","properties":{}}
 * when the client gave none (a chat function without parameters takes none). A json_schema
 * format without a schema is sent as json_object. `conversation` and `background` have no place
 * in a chat exchange: reported as dropped. Errors (parts a role cannot hold) are SY_EINVAL with
 * code "unsupported_value" and param "messages". */
#include <stdio.h>

#include "json/write.h"
#include "translate/responses_internal.h"
#include "translate/responses_upstream.h"

struct enc {
    const struct sy_ir_request               *req;
    const struct sy_responses_request_opts   *o;
    struct sy_json_writer                     w;
    struct sy_buf                             tmp;  /* joined instructions as JSON string text */
    sy_status                                 err;  /* sticky failure of tmp */
    struct sy_dropped                        *dropped;
    struct sy_diag                           *diag;
};

static void key_str(struct enc *e, const char *key, sy_slice v)
{
    sy_jw_key(&e->w, key);
    sy_jw_str(&e->w, v);
}

static void key_str_opt(struct enc *e, const char *key, sy_slice v)
{
    if (v.len > 0)
        key_str(e, key, v);
}

static void key_raw(struct enc *e, const char *key, sy_slice json)
{
    sy_jw_key(&e->w, key);
    sy_jw_raw(&e->w, json);
}

static void key_bool(struct enc *e, const char *key, bool v)
{
    sy_jw_key(&e->w, key);
    sy_jw_bool(&e->w, v);
}

static sy_status unsupported(struct enc *e, const char *what)
{
    if (e->diag)
        sy_diag_code(e->diag, "unsupported_value");
    return sy_diag_fail(e->diag, SY_EINVAL, "messages", "%s cannot be sent to a Responses upstream", what);
}

static bool hoisted(const struct enc *e, const struct sy_ir_item *it)
{
    return e->o->system_as_instructions && it->kind == SY_ITEM_MESSAGE &&
           (it->role == SY_ROLE_SYSTEM || it->role == SY_ROLE_DEVELOPER);
}

/* ------------------------------------------------------------------ instructions */

static void tmp_text(struct enc *e, sy_slice s, bool *first)
{
    sy_status st = SY_OK;
    if (!*first)
        st = sy_json_escape(&e->tmp, SY_LIT("\n\n"));
    if (st == SY_OK)
        st = sy_json_escape(&e->tmp, s);
    if (st != SY_OK && e->err == SY_OK)
        e->err = st;
    *first = false;
}

/* `instructions`: the IR's own, then (when hoisting) every system/developer message's text. */
static sy_status write_instructions(struct enc *e)
{
    const struct sy_ir_request *r = e->req;
    bool first = true, any = r->instructions.len > 0;
    sy_buf_reset(&e->tmp);
    if (sy_buf_append_char(&e->tmp, '"') != SY_OK)
        return SY_ETOOBIG;
    if (r->instructions.len)
        tmp_text(e, r->instructions, &first);
    for (size_t i = 0; i < r->nitems; i++) {
        const struct sy_ir_item *it = &r->items[i];
        if (!hoisted(e, it))
            continue;
        any = true;
        if (it->content_is_string) {
            tmp_text(e, it->content_string, &first);
            continue;
        }
        for (size_t j = 0; j < it->nparts; j++) {
            if (it->parts[j].kind != SY_PART_TEXT)
                return unsupported(e, "an image or file in a system message hoisted into instructions");
            tmp_text(e, it->parts[j].text, &first);
        }
    }
    if (!any)
        return SY_OK;
    if (e->err == SY_OK && sy_buf_append_char(&e->tmp, '"') != SY_OK)
        e->err = SY_ETOOBIG;
    if (e->err == SY_OK)
        key_raw(e, "instructions", sy_buf_slice(&e->tmp));
    return e->err;
}

/* ------------------------------------------------------------------ content parts */

static sy_status write_input_part(struct enc *e, const struct sy_ir_part *p)
{
    sy_jw_obj_begin(&e->w);
    switch (p->kind) {
    case SY_PART_TEXT:
        key_str(e, "type", SY_LIT("input_text"));
        key_str(e, "text", p->text);
        break;
    case SY_PART_IMAGE:
        key_str(e, "type", SY_LIT("input_image"));
        key_str_opt(e, "image_url", p->image_url);
        key_str_opt(e, "file_id", p->file_id);
        key_str(e, "detail", p->detail.len ? p->detail : SY_LIT("auto"));
        break;
    case SY_PART_FILE:
        key_str(e, "type", SY_LIT("input_file"));
        key_str_opt(e, "file_id", p->file_id);
        key_str_opt(e, "file_data", p->file_data);
        key_str_opt(e, "filename", p->filename);
        key_str_opt(e, "file_url", p->file_url);
        break;
    case SY_PART_REFUSAL:
        return unsupported(e, "a refusal part outside an assistant message");
    }
    sy_jw_obj_end(&e->w);
    return SY_OK;
}

static sy_status write_input_parts(struct enc *e, const struct sy_ir_part *parts, size_t n)
{
    sy_jw_arr_begin(&e->w);
    for (size_t j = 0; j < n; j++) {
        sy_status st = write_input_part(e, &parts[j]);
        if (st != SY_OK)
            return st;
    }
    sy_jw_arr_end(&e->w);
    return SY_OK;
}

static void write_output_text(struct enc *e, sy_slice text, sy_slice annotations)
{
    sy_jw_obj_begin(&e->w);
    key_str(e, "type", SY_LIT("output_text"));
    key_str(e, "text", text);
    key_raw(e, "annotations", annotations.len ? annotations : SY_LIT("[]"));
    sy_jw_obj_end(&e->w);
}

/* ------------------------------------------------------------------ items */

static const char *role_name(enum sy_ir_role r)
{
    switch (r) {
    case SY_ROLE_USER: return "user";
    case SY_ROLE_ASSISTANT: return "assistant";
    case SY_ROLE_SYSTEM: return "system";
    case SY_ROLE_DEVELOPER: return "developer";
    }
    return "user";
}

static void message_head(struct enc *e, enum sy_ir_role role)
{
    sy_jw_obj_begin(&e->w);
    key_str(e, "type", SY_LIT("message"));
    key_str(e, "role", sy_slice_cstr(role_name(role)));
    sy_jw_key(&e->w, "content");
}

static bool assistant_has_content(const struct sy_ir_item *it)
{
    if (it->content_is_string)
        return it->content_string.len > 0;
    for (size_t j = 0; j < it->nparts; j++)
        if (it->parts[j].kind == SY_PART_REFUSAL || (it->parts[j].kind == SY_PART_TEXT && it->parts[j].text.len))
            return true;
    return false;
}

static sy_status write_assistant(struct enc *e, const struct sy_ir_item *it)
{
    for (size_t j = 0; !it->content_is_string && j < it->nparts; j++)
        if (it->parts[j].kind != SY_PART_TEXT && it->parts[j].kind != SY_PART_REFUSAL)
            return unsupported(e, "an image or file in an assistant message");
    if (!assistant_has_content(it))
        return SY_OK;
    message_head(e, SY_ROLE_ASSISTANT);
    sy_jw_arr_begin(&e->w);
    if (it->content_is_string)
        write_output_text(e, it->content_string, SY_SLICE_NULL);
    for (size_t j = 0; !it->content_is_string && j < it->nparts; j++) {
        const struct sy_ir_part *p = &it->parts[j];
        if (p->kind == SY_PART_TEXT) {
            write_output_text(e, p->text, p->annotations);
            continue;
        }
        sy_jw_obj_begin(&e->w);
        key_str(e, "type", SY_LIT("refusal"));
        key_str(e, "refusal", p->text);
        sy_jw_obj_end(&e->w);
    }
    sy_jw_arr_end(&e->w);
    sy_jw_obj_end(&e->w);
    return SY_OK;
}

static sy_status write_message(struct enc *e, const struct sy_ir_item *it)
{
    if (it->role == SY_ROLE_ASSISTANT)
        return write_assistant(e, it);
    if (hoisted(e, it))
        return SY_OK;
    message_head(e, it->role);
    if (it->content_is_string) {
        sy_jw_str(&e->w, it->content_string);
    } else {
        sy_status st = write_input_parts(e, it->parts, it->nparts);
        if (st != SY_OK)
            return st;
    }
    sy_jw_obj_end(&e->w);
    return SY_OK;
}

static sy_status write_call_output(struct enc *e, const struct sy_ir_item *it)
{
    sy_jw_obj_begin(&e->w);
    key_str(e, "type", SY_LIT("function_call_output"));
    key_str(e, "call_id", it->call_id);
    sy_jw_key(&e->w, "output");
    if (it->nparts > 0) {
        sy_status st = write_input_parts(e, it->parts, it->nparts);
        if (st != SY_OK)
            return st;
    } else {
        sy_jw_str(&e->w, it->output);
    }
    sy_jw_obj_end(&e->w);
    return SY_OK;
}

static void write_reasoning_item(struct enc *e, const struct sy_ir_item *it)
{
    if (it->encrypted_content.len == 0)
        return;
    sy_jw_obj_begin(&e->w);
    key_str(e, "type", SY_LIT("reasoning"));
    key_str_opt(e, "id", it->id);
    sy_jw_key(&e->w, "summary");
    sy_jw_arr_begin(&e->w);
    if (it->summary_text.len) {
        sy_jw_obj_begin(&e->w);
        key_str(e, "type", SY_LIT("summary_text"));
        key_str(e, "text", it->summary_text);
        sy_jw_obj_end(&e->w);
    }
    sy_jw_arr_end(&e->w);
    key_str(e, "encrypted_content", it->encrypted_content);
    sy_jw_obj_end(&e->w);
}

static sy_status write_item(struct enc *e, const struct sy_ir_item *it)
{
    switch (it->kind) {
    case SY_ITEM_MESSAGE:
        return write_message(e, it);
    case SY_ITEM_FUNCTION_CALL:
        sy_jw_obj_begin(&e->w);
        key_str(e, "type", SY_LIT("function_call"));
        key_str(e, "call_id", it->call_id);
        key_str(e, "name", it->name);
        key_str(e, "arguments", it->arguments);
        sy_jw_obj_end(&e->w);
        return SY_OK;
    case SY_ITEM_FUNCTION_CALL_OUTPUT:
        return write_call_output(e, it);
    case SY_ITEM_REASONING:
        write_reasoning_item(e, it);
        return SY_OK;
    }
    return SY_OK;
}

static sy_status write_input(struct enc *e)
{
    sy_jw_key(&e->w, "input");
    sy_jw_arr_begin(&e->w);
    for (size_t i = 0; i < e->req->nitems; i++) {
        sy_status st = write_item(e, &e->req->items[i]);
        if (st != SY_OK)
            return st;
    }
    sy_jw_arr_end(&e->w);
    return SY_OK;
}

/* ------------------------------------------------------------------ tools */

static void function_ref(struct enc *e, sy_slice name)
{
    sy_jw_obj_begin(&e->w);
    key_str(e, "type", SY_LIT("function"));
    key_str(e, "name", name);
    sy_jw_obj_end(&e->w);
}

static void write_tool_choice(struct enc *e)
{
    const struct sy_ir_request *r = e->req;
    switch (r->tool_choice) {
    case SY_TC_UNSET:
        return;
    case SY_TC_AUTO:
        key_str(e, "tool_choice", SY_LIT("auto"));
        return;
    case SY_TC_NONE:
        key_str(e, "tool_choice", SY_LIT("none"));
        return;
    case SY_TC_REQUIRED:
        key_str(e, "tool_choice", SY_LIT("required"));
        return;
    case SY_TC_FUNCTION:
        sy_jw_key(&e->w, "tool_choice");
        function_ref(e, r->tool_choice_name);
        return;
    case SY_TC_ALLOWED:
        break;
    }
    sy_jw_key(&e->w, "tool_choice");
    sy_jw_obj_begin(&e->w);
    key_str(e, "type", SY_LIT("allowed_tools"));
    key_str(e, "mode", r->allowed_mode == SY_TC_REQUIRED ? SY_LIT("required") : SY_LIT("auto"));
    sy_jw_key(&e->w, "tools");
    sy_jw_arr_begin(&e->w);
    for (size_t k = 0; k < r->nallowed; k++)
        function_ref(e, r->allowed_names[k]);
    sy_jw_arr_end(&e->w);
    sy_jw_obj_end(&e->w);
}

static void write_tools(struct enc *e)
{
    const struct sy_ir_request *r = e->req;
    if (r->ntools > 0) {
        sy_jw_key(&e->w, "tools");
        sy_jw_arr_begin(&e->w);
        for (size_t k = 0; k < r->ntools; k++) {
            const struct sy_ir_tool *t = &r->tools[k];
            sy_jw_obj_begin(&e->w);
            key_str(e, "type", SY_LIT("function"));
            key_str(e, "name", t->name);
            key_str_opt(e, "description", t->description);
            key_raw(e, "parameters", t->parameters.len ? t->parameters : SY_LIT("{\"type\":\"object\",\"properties\":{}}"));
            key_bool(e, "strict", t->strict == 1);
            sy_jw_obj_end(&e->w);
        }
        sy_jw_arr_end(&e->w);
    }
    write_tool_choice(e);
    if (r->parallel_tool_calls >= 0)
        key_bool(e, "parallel_tool_calls", r->parallel_tool_calls == 1);
}

/* ------------------------------------------------------------------ text, reasoning, scalars */

static void write_format(struct enc *e)
{
    const struct sy_ir_request *r = e->req;
    bool schema = r->format == SY_FMT_JSON_SCHEMA && r->format_schema.len > 0;
    sy_jw_key(&e->w, "format");
    sy_jw_obj_begin(&e->w);
    if (schema) {
        key_str(e, "type", SY_LIT("json_schema"));
        key_str_opt(e, "name", r->format_name);
        key_str_opt(e, "description", r->format_description);
        key_raw(e, "schema", r->format_schema);
        key_bool(e, "strict", r->format_strict == 1);
    } else {
        key_str(e, "type", r->format == SY_FMT_TEXT ? SY_LIT("text") : SY_LIT("json_object"));
    }
    sy_jw_obj_end(&e->w);
}

static void write_text_reasoning(struct enc *e)
{
    const struct sy_ir_request *r = e->req;
    if (r->format != SY_FMT_UNSET || r->verbosity.len) {
        sy_jw_key(&e->w, "text");
        sy_jw_obj_begin(&e->w);
        if (r->format != SY_FMT_UNSET)
            write_format(e);
        key_str_opt(e, "verbosity", r->verbosity);
        sy_jw_obj_end(&e->w);
    }
    if (r->reasoning_effort.len || r->reasoning_summary.len) {
        sy_jw_key(&e->w, "reasoning");
        sy_jw_obj_begin(&e->w);
        key_str_opt(e, "effort", r->reasoning_effort);
        key_str_opt(e, "summary", r->reasoning_summary);
        sy_jw_obj_end(&e->w);
    }
}

static void int_opt(struct enc *e, const char *key, int64_t v)
{
    if (v < 0)
        return;
    sy_jw_key(&e->w, key);
    sy_jw_int(&e->w, v);
}

static void number_opt(struct enc *e, const char *key, bool has, sy_slice text)
{
    if (has && text.len > 0)
        key_raw(e, key, text);
}

static void write_params(struct enc *e)
{
    const struct sy_ir_request *r = e->req;
    int_opt(e, "max_output_tokens", r->max_output_tokens);
    int_opt(e, "max_tool_calls", r->max_tool_calls);
    number_opt(e, "temperature", r->has_temperature, r->temperature);
    number_opt(e, "top_p", r->has_top_p, r->top_p);
    number_opt(e, "presence_penalty", r->has_presence_penalty, r->presence_penalty);
    number_opt(e, "frequency_penalty", r->has_frequency_penalty, r->frequency_penalty);
    if (r->want_logprobs)
        key_raw(e, "include", SY_LIT("[\"message.output_text.logprobs\"]"));
    int_opt(e, "top_logprobs", r->top_logprobs);
    key_str_opt(e, "truncation", r->truncation);
    if (r->metadata.len)
        key_raw(e, "metadata", r->metadata);
    key_str_opt(e, "user", r->user);
    key_str_opt(e, "safety_identifier", r->safety_identifier);
    key_str_opt(e, "prompt_cache_key", r->prompt_cache_key);
    key_str_opt(e, "service_tier", r->service_tier);
    key_str_opt(e, "previous_response_id", r->previous_response_id);
    key_bool(e, "store", r->store == 1);
    key_bool(e, "stream", e->o->stream);
    if (e->o->stream && r->has_include_obfuscation) {
        sy_jw_key(&e->w, "stream_options");
        sy_jw_obj_begin(&e->w);
        sy_jw_key(&e->w, "include_obfuscation");
        sy_jw_bool(&e->w, r->include_obfuscation);
        sy_jw_obj_end(&e->w);
    }
    if (r->conversation.len && e->dropped)
        sy_dropped_add(e->dropped, "conversation");
    if (r->background && e->dropped)
        sy_dropped_add(e->dropped, "background");
}

sy_status sy_responses_encode_request(const struct sy_ir_request *req, const struct sy_responses_request_opts *o,
                                      struct sy_buf *out, struct sy_dropped *dropped, struct sy_diag *diag)
{
    struct enc e = { .req = req, .o = o, .dropped = dropped, .diag = diag };
    size_t mark = out->len;
    sy_jw_init(&e.w, out);
    sy_buf_init(&e.tmp, SY_BUF_UNCAPPED);
    sy_jw_obj_begin(&e.w);
    key_str(&e, "model", o->model.len ? o->model : req->model);
    sy_status st = write_instructions(&e);
    if (st == SY_OK)
        st = write_input(&e);
    if (st == SY_OK) {
        write_tools(&e);
        write_text_reasoning(&e);
        write_params(&e);
        sy_jw_obj_end(&e.w);
        st = sy_jw_status(&e.w);
    }
    sy_buf_free(&e.tmp);
    if (st != SY_OK && out->data) { /* leave out as it was */
        out->len = mark;
        out->data[mark] = '\0';
    }
    return st;
}
