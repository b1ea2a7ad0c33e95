/* Chat codec, IR request → upstream chat request body (mapping.md §2).
 *
 * Output is compact JSON with this fixed key order (absent keys are skipped):
 *   model, messages, tools, tool_choice, parallel_tool_calls, response_format, verbosity,
 *   reasoning_effort, max_tokens | max_completion_tokens, temperature, top_p, presence_penalty,
 *   frequency_penalty, logprobs, top_logprobs, user, safety_identifier, prompt_cache_key,
 *   service_tier, stream, stream_options
 * Messages: {role, content[, refusal][, tool_calls]} and {role:"tool", tool_call_id, content}.
 *
 * Message rules: `instructions` → a leading "system" message (both dialects). developer →
 * "system" for GENERIC, kept for OPENAI. User content stays a string when it was one, else parts
 * (text, image_url{url[,detail]}, file{[file_data][,file_id (OPENAI only)][,filename]}).
 * System/developer parts → one joined string. An assistant message and the function_call items
 * right after it (reasoning items in between are skipped) form ONE assistant message with
 * tool_calls; function_calls with no message before them get `content:null`. Consecutive
 * function_call_outputs → tool messages; images/files in them go to one user message after the
 * run (and `input[i].output` is reported dropped). Reasoning items are never sent.
 * Parameter names in errors and in the dropped list count items from req->input_start (the
 * client's own `input`); a problem in an item loaded from history names previous_response_id or
 * conversation. Tool descriptions are omitted when empty, `parameters` when empty, `strict` when
 * unset. */
#include <stdint.h>
#include <stdio.h>

#include "json/write.h"
#include "translate/chat.h"

struct enc {
    const struct sy_ir_request       *req;
    const struct sy_chat_encode_opts *o;
    bool                              generic;
    struct sy_json_writer             w;
    struct sy_buf                     tmp;   /* joined strings, as JSON string text */
    sy_status                         err;   /* sticky failure of tmp */
    struct sy_dropped                *dropped;
    struct sy_diag                   *diag;
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

/* The client-facing name of item i's `where[j]field`: items before req->input_start were loaded
 * from previous_response_id / conversation, so those are named instead. */
static void item_param(const struct enc *e, char *out, size_t cap, size_t i, const char *where, size_t j,
                       const char *field)
{
    const struct sy_ir_request *r = e->req;
    if (i < r->input_start)
        snprintf(out, cap, "%s", r->conversation.len ? "conversation" : "previous_response_id");
    else if (j == SIZE_MAX)
        snprintf(out, cap, "input[%zu].%s", i - r->input_start, where);
    else
        snprintf(out, cap, "input[%zu].%s[%zu]%s", i - r->input_start, where, j, field);
}

static sy_status unsupported(struct enc *e, size_t i, const char *where, size_t j, const char *field,
                             const char *what)
{
    char param[96];
    item_param(e, param, sizeof param, i, where, j, field);
    if (e->diag)
        sy_diag_code(e->diag, "unsupported_value");
    return sy_diag_fail(e->diag, SY_EINVAL, param, "%s cannot be sent to a Chat Completions upstream", what);
}

/* Write the parts of `kind` joined with "" as one JSON string. */
static void write_joined(struct enc *e, const struct sy_ir_part *parts, size_t n, enum sy_ir_part_kind kind)
{
    sy_buf_reset(&e->tmp);
    sy_status st = sy_buf_append_char(&e->tmp, '"');
    for (size_t j = 0; j < n && st == SY_OK; j++)
        if (parts[j].kind == kind)
            st = sy_json_escape(&e->tmp, parts[j].text);
    if (st == SY_OK)
        st = sy_buf_append_char(&e->tmp, '"');
    if (st != SY_OK && e->err == SY_OK)
        e->err = st;
    if (st == SY_OK)
        sy_jw_raw(&e->w, sy_buf_slice(&e->tmp));
}

static bool has_kind(const struct sy_ir_part *parts, size_t n, enum sy_ir_part_kind kind)
{
    for (size_t j = 0; j < n; j++)
        if (parts[j].kind == kind)
            return true;
    return false;
}

/* ------------------------------------------------------------------ content parts */

static sy_status write_image(struct enc *e, const struct sy_ir_part *p, size_t i, const char *where, size_t j)
{
    if (p->image_url.len == 0)
        return unsupported(e, i, where, j, p->file_id.len ? ".file_id" : ".image_url",
                           "an image without image_url");
    sy_jw_obj_begin(&e->w);
    key_str(e, "type", SY_LIT("image_url"));
    sy_jw_key(&e->w, "image_url");
    sy_jw_obj_begin(&e->w);
    key_str(e, "url", p->image_url);
    key_str_opt(e, "detail", p->detail);
    sy_jw_obj_end(&e->w);
    sy_jw_obj_end(&e->w);
    return SY_OK;
}

static sy_status write_file(struct enc *e, const struct sy_ir_part *p, size_t i, const char *where, size_t j)
{
    if (p->file_url.len > 0)
        return unsupported(e, i, where, j, ".file_url", "a file given by file_url");
    if (p->file_data.len == 0 && (e->generic || p->file_id.len == 0))
        return unsupported(e, i, where, j, p->file_id.len ? ".file_id" : ".file_data", "a file without file_data");
    sy_jw_obj_begin(&e->w);
    key_str(e, "type", SY_LIT("file"));
    sy_jw_key(&e->w, "file");
    sy_jw_obj_begin(&e->w);
    key_str_opt(e, "file_data", p->file_data);
    if (!e->generic)
        key_str_opt(e, "file_id", p->file_id);
    key_str_opt(e, "filename", p->filename);
    sy_jw_obj_end(&e->w);
    sy_jw_obj_end(&e->w);
    return SY_OK;
}

static sy_status write_part(struct enc *e, const struct sy_ir_part *p, size_t i, const char *where, size_t j)
{
    switch (p->kind) {
    case SY_PART_TEXT:
        sy_jw_obj_begin(&e->w);
        key_str(e, "type", SY_LIT("text"));
        key_str(e, "text", p->text);
        sy_jw_obj_end(&e->w);
        return SY_OK;
    case SY_PART_IMAGE:
        return write_image(e, p, i, where, j);
    case SY_PART_FILE:
        return write_file(e, p, i, where, j);
    case SY_PART_REFUSAL:
        break;
    }
    return unsupported(e, i, where, j, ".type", "a refusal part outside an assistant message");
}

/* ------------------------------------------------------------------ messages */

static sy_status write_plain_message(struct enc *e, size_t i)
{
    const struct sy_ir_item *it = &e->req->items[i];
    const char *role = "system";
    if (it->role == SY_ROLE_USER)
        role = "user";
    else if (it->role == SY_ROLE_DEVELOPER && !e->generic)
        role = "developer";
    sy_jw_obj_begin(&e->w);
    key_str(e, "role", sy_slice_cstr(role));
    sy_jw_key(&e->w, "content");
    if (it->content_is_string) {
        sy_jw_str(&e->w, it->content_string);
    } else if (it->role == SY_ROLE_USER) {
        sy_jw_arr_begin(&e->w);
        for (size_t j = 0; j < it->nparts; j++) {
            sy_status st = write_part(e, &it->parts[j], i, "content", j);
            if (st != SY_OK)
                return st;
        }
        sy_jw_arr_end(&e->w);
    } else {
        for (size_t j = 0; j < it->nparts; j++)
            if (it->parts[j].kind != SY_PART_TEXT)
                return unsupported(e, i, "content", j, ".type", "a non-text part in a system message");
        write_joined(e, it->parts, it->nparts, SY_PART_TEXT);
    }
    sy_jw_obj_end(&e->w);
    return SY_OK;
}

static void write_tool_call(struct enc *e, const struct sy_ir_item *fc)
{
    sy_jw_obj_begin(&e->w);
    key_str(e, "id", fc->call_id);
    key_str(e, "type", SY_LIT("function"));
    sy_jw_key(&e->w, "function");
    sy_jw_obj_begin(&e->w);
    key_str(e, "name", fc->name);
    key_str(e, "arguments", fc->arguments);
    sy_jw_obj_end(&e->w);
    sy_jw_obj_end(&e->w);
}

/* An assistant message item at i (or a function_call with no message before it) plus the
 * function_call items that follow. Returns through *next the first item not consumed. */
static sy_status write_assistant(struct enc *e, size_t i, size_t *next)
{
    const struct sy_ir_item *items = e->req->items;
    const struct sy_ir_item *msg = items[i].kind == SY_ITEM_MESSAGE ? &items[i] : NULL;
    size_t first = msg ? i + 1 : i, end = first, ncalls = 0;
    for (; end < e->req->nitems; end++) {
        if (items[end].kind == SY_ITEM_FUNCTION_CALL)
            ncalls++;
        else if (items[end].kind != SY_ITEM_REASONING)
            break;
    }
    bool has_text = msg && (msg->content_is_string || has_kind(msg->parts, msg->nparts, SY_PART_TEXT));
    bool has_refusal = msg && !msg->content_is_string && has_kind(msg->parts, msg->nparts, SY_PART_REFUSAL);
    for (size_t j = 0; msg && !msg->content_is_string && j < msg->nparts; j++)
        if (msg->parts[j].kind != SY_PART_TEXT && msg->parts[j].kind != SY_PART_REFUSAL)
            return unsupported(e, i, "content", j, ".type", "an image or file in an assistant message");
    sy_jw_obj_begin(&e->w);
    key_str(e, "role", SY_LIT("assistant"));
    sy_jw_key(&e->w, "content");
    if (msg && msg->content_is_string)
        sy_jw_str(&e->w, msg->content_string);
    else if (has_text || (ncalls == 0 && !has_refusal))
        write_joined(e, msg ? msg->parts : NULL, msg ? msg->nparts : 0, SY_PART_TEXT);
    else
        sy_jw_null(&e->w);
    if (has_refusal) {
        sy_jw_key(&e->w, "refusal");
        write_joined(e, msg->parts, msg->nparts, SY_PART_REFUSAL);
    }
    if (ncalls > 0) {
        sy_jw_key(&e->w, "tool_calls");
        sy_jw_arr_begin(&e->w);
        for (size_t k = first; k < end; k++)
            if (items[k].kind == SY_ITEM_FUNCTION_CALL)
                write_tool_call(e, &items[k]);
        sy_jw_arr_end(&e->w);
    }
    sy_jw_obj_end(&e->w);
    *next = end;
    return SY_OK;
}

static bool is_media(const struct sy_ir_part *p)
{
    return p->kind == SY_PART_IMAGE || p->kind == SY_PART_FILE;
}

/* The run of function_call_output items starting at i, then one user message with the images
 * and files they held. */
static sy_status write_tool_outputs(struct enc *e, size_t i, size_t *next)
{
    const struct sy_ir_item *items = e->req->items;
    size_t end = i;
    bool media = false;
    for (; end < e->req->nitems && items[end].kind == SY_ITEM_FUNCTION_CALL_OUTPUT; end++) {
        const struct sy_ir_item *it = &items[end];
        sy_jw_obj_begin(&e->w);
        key_str(e, "role", SY_LIT("tool"));
        key_str(e, "tool_call_id", it->call_id);
        sy_jw_key(&e->w, "content");
        if (it->nparts > 0)
            write_joined(e, it->parts, it->nparts, SY_PART_TEXT);
        else
            sy_jw_str(&e->w, it->output);
        sy_jw_obj_end(&e->w);
        for (size_t j = 0; j < it->nparts; j++) {
            if (is_media(&it->parts[j])) {
                char param[96];
                item_param(e, param, sizeof param, end, "output", SIZE_MAX, "");
                sy_dropped_add(e->dropped, param);
                media = true;
            }
        }
    }
    *next = end;
    if (!media)
        return SY_OK;
    sy_jw_obj_begin(&e->w);
    key_str(e, "role", SY_LIT("user"));
    sy_jw_key(&e->w, "content");
    sy_jw_arr_begin(&e->w);
    for (size_t k = i; k < end; k++) {
        for (size_t j = 0; j < items[k].nparts; j++) {
            if (!is_media(&items[k].parts[j]))
                continue;
            sy_status st = write_part(e, &items[k].parts[j], k, "output", j);
            if (st != SY_OK)
                return st;
        }
    }
    sy_jw_arr_end(&e->w);
    sy_jw_obj_end(&e->w);
    return SY_OK;
}

static sy_status write_messages(struct enc *e)
{
    const struct sy_ir_request *r = e->req;
    sy_jw_key(&e->w, "messages");
    sy_jw_arr_begin(&e->w);
    if (r->instructions.len > 0) {
        sy_jw_obj_begin(&e->w);
        key_str(e, "role", SY_LIT("system"));
        key_str(e, "content", r->instructions);
        sy_jw_obj_end(&e->w);
    }
    sy_status st = SY_OK;
    size_t i = 0;
    while (i < r->nitems && st == SY_OK) {
        const struct sy_ir_item *it = &r->items[i];
        switch (it->kind) {
        case SY_ITEM_REASONING:
            i++;
            break;
        case SY_ITEM_MESSAGE:
            if (it->role == SY_ROLE_ASSISTANT) {
                st = write_assistant(e, i, &i);
            } else {
                st = write_plain_message(e, i);
                i++;
            }
            break;
        case SY_ITEM_FUNCTION_CALL:
            st = write_assistant(e, i, &i);
            break;
        case SY_ITEM_FUNCTION_CALL_OUTPUT:
            st = write_tool_outputs(e, i, &i);
            break;
        }
    }
    sy_jw_arr_end(&e->w);
    return st;
}

/* ------------------------------------------------------------------ tools and format */

/* GENERIC + allowed_tools: only the allowed tools are sent. */
static bool tool_sent(const struct enc *e, const struct sy_ir_tool *t)
{
    const struct sy_ir_request *r = e->req;
    if (r->tool_choice != SY_TC_ALLOWED || !e->generic)
        return true;
    for (size_t k = 0; k < r->nallowed; k++)
        if (sy_slice_eq(r->allowed_names[k], t->name))
            return true;
    return false;
}

static void write_named_function(struct enc *e, sy_slice name)
{
    sy_jw_obj_begin(&e->w);
    key_str(e, "type", SY_LIT("function"));
    sy_jw_key(&e->w, "function");
    sy_jw_obj_begin(&e->w);
    key_str(e, "name", name);
    sy_jw_obj_end(&e->w);
    sy_jw_obj_end(&e->w);
}

static void write_tool_choice(struct enc *e)
{
    const struct sy_ir_request *r = e->req;
    const char *mode = r->allowed_mode == SY_TC_REQUIRED ? "required" : "auto";
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
        write_named_function(e, r->tool_choice_name);
        return;
    case SY_TC_ALLOWED:
        break;
    }
    if (e->generic) {
        key_str(e, "tool_choice", sy_slice_cstr(mode));
        return;
    }
    sy_jw_key(&e->w, "tool_choice");
    sy_jw_obj_begin(&e->w);
    key_str(e, "type", SY_LIT("allowed_tools"));
    sy_jw_key(&e->w, "allowed_tools");
    sy_jw_obj_begin(&e->w);
    key_str(e, "mode", sy_slice_cstr(mode));
    sy_jw_key(&e->w, "tools");
    sy_jw_arr_begin(&e->w);
    for (size_t k = 0; k < r->nallowed; k++)
        write_named_function(e, r->allowed_names[k]);
    sy_jw_arr_end(&e->w);
    sy_jw_obj_end(&e->w);
    sy_jw_obj_end(&e->w);
}

/* tools, tool_choice and parallel_tool_calls: the latter two only when a tool is sent. */
static void write_tools(struct enc *e)
{
    const struct sy_ir_request *r = e->req;
    size_t n = 0;
    for (size_t k = 0; k < r->ntools; k++)
        n += tool_sent(e, &r->tools[k]);
    if (n == 0)
        return;
    sy_jw_key(&e->w, "tools");
    sy_jw_arr_begin(&e->w);
    for (size_t k = 0; k < r->ntools; k++) {
        const struct sy_ir_tool *t = &r->tools[k];
        if (!tool_sent(e, t))
            continue;
        sy_jw_obj_begin(&e->w);
        key_str(e, "type", SY_LIT("function"));
        sy_jw_key(&e->w, "function");
        sy_jw_obj_begin(&e->w);
        key_str(e, "name", t->name);
        key_str_opt(e, "description", t->description);
        if (t->parameters.len > 0) {
            sy_jw_key(&e->w, "parameters");
            sy_jw_raw(&e->w, t->parameters);
        }
        if (t->strict >= 0) {
            sy_jw_key(&e->w, "strict");
            sy_jw_bool(&e->w, t->strict == 1);
        }
        sy_jw_obj_end(&e->w);
        sy_jw_obj_end(&e->w);
    }
    sy_jw_arr_end(&e->w);
    write_tool_choice(e);
    if (r->parallel_tool_calls >= 0) {
        sy_jw_key(&e->w, "parallel_tool_calls");
        sy_jw_bool(&e->w, r->parallel_tool_calls == 1);
    }
}

static void write_format(struct enc *e)
{
    const struct sy_ir_request *r = e->req;
    if (r->format == SY_FMT_UNSET)
        return;
    sy_jw_key(&e->w, "response_format");
    sy_jw_obj_begin(&e->w);
    if (r->format == SY_FMT_TEXT) {
        key_str(e, "type", SY_LIT("text"));
    } else if (r->format == SY_FMT_JSON_OBJECT) {
        key_str(e, "type", SY_LIT("json_object"));
    } else {
        key_str(e, "type", SY_LIT("json_schema"));
        sy_jw_key(&e->w, "json_schema");
        sy_jw_obj_begin(&e->w);
        key_str_opt(e, "name", r->format_name);
        key_str_opt(e, "description", r->format_description);
        if (r->format_schema.len > 0) {
            sy_jw_key(&e->w, "schema");
            sy_jw_raw(&e->w, r->format_schema);
        }
        if (r->format_strict >= 0) {
            sy_jw_key(&e->w, "strict");
            sy_jw_bool(&e->w, r->format_strict == 1);
        }
        sy_jw_obj_end(&e->w);
    }
    sy_jw_obj_end(&e->w);
}

/* ------------------------------------------------------------------ scalar parameters */

static void number_opt(struct enc *e, const char *key, bool has, sy_slice text)
{
    if (!has || text.len == 0)
        return;
    sy_jw_key(&e->w, key);
    sy_jw_raw(&e->w, text);
}

/* OPENAI: forwarded; GENERIC: reported as dropped under `name`. */
static void openai_only(struct enc *e, const char *key, sy_slice v, const char *name)
{
    if (v.len == 0)
        return;
    if (e->generic)
        sy_dropped_add(e->dropped, name);
    else
        key_str(e, key, v);
}

static void write_params(struct enc *e)
{
    const struct sy_ir_request *r = e->req;
    openai_only(e, "verbosity", r->verbosity, "text.verbosity");
    key_str_opt(e, "reasoning_effort", r->reasoning_effort);
    if (r->reasoning_summary.len > 0)
        sy_dropped_add(e->dropped, "reasoning.summary");
    int64_t max_tokens = e->o->max_tokens_override > 0 ? e->o->max_tokens_override : r->max_output_tokens;
    if (max_tokens >= 0) {
        sy_jw_key(&e->w, e->generic ? "max_tokens" : "max_completion_tokens");
        sy_jw_int(&e->w, max_tokens);
    }
    number_opt(e, "temperature", r->has_temperature, r->temperature);
    number_opt(e, "top_p", r->has_top_p, r->top_p);
    number_opt(e, "presence_penalty", r->has_presence_penalty, r->presence_penalty);
    number_opt(e, "frequency_penalty", r->has_frequency_penalty, r->frequency_penalty);
    if (r->want_logprobs) {
        sy_jw_key(&e->w, "logprobs");
        sy_jw_bool(&e->w, true);
        if (r->top_logprobs > 0) {
            sy_jw_key(&e->w, "top_logprobs");
            sy_jw_int(&e->w, r->top_logprobs);
        }
    }
    key_str_opt(e, "user", r->user);
    openai_only(e, "safety_identifier", r->safety_identifier, "safety_identifier");
    openai_only(e, "prompt_cache_key", r->prompt_cache_key, "prompt_cache_key");
    openai_only(e, "service_tier", r->service_tier, "service_tier");
    if (e->o->stream) {
        sy_jw_key(&e->w, "stream");
        sy_jw_bool(&e->w, true);
        sy_jw_key(&e->w, "stream_options");
        sy_jw_obj_begin(&e->w);
        sy_jw_key(&e->w, "include_usage");
        sy_jw_bool(&e->w, true);
        sy_jw_obj_end(&e->w);
    }
}

sy_status sy_chat_encode_request(const struct sy_ir_request *req, const struct sy_chat_encode_opts *o,
                                 struct sy_buf *out, struct sy_dropped *dropped, struct sy_diag *diag)
{
    struct enc e = { .req = req, .o = o, .generic = o->dialect == SY_CHAT_GENERIC, .dropped = dropped, .diag = diag };
    size_t mark = out->len;
    sy_jw_init(&e.w, out);
    sy_buf_init(&e.tmp, SY_BUF_UNCAPPED);
    sy_jw_obj_begin(&e.w);
    key_str(&e, "model", o->model);
    sy_status st = write_messages(&e);
    if (st == SY_OK) {
        write_tools(&e);
        write_format(&e);
        write_params(&e);
        sy_jw_obj_end(&e.w);
        st = e.err != SY_OK ? e.err : sy_jw_status(&e.w);
    }
    sy_buf_free(&e.tmp);
    if (st != SY_OK && out->data) { /* leave out as it was */
        out->len = mark;
        out->data[mark] = '\0';
    }
    return st;
}
