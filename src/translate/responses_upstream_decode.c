/* Responses codec, upstream side: a whole Response object from a Responses upstream → IR events
 * (mapping.md §3.2–3.4), and the helpers the stream decoder (responses_upstream_stream.c) shares:
 * an output item's final form, usage, and the terminal status.
 *
 * Events of a Response: START (id, model, created_at); per output item in order — reasoning:
 * each content[].text then each summary[].text as REASONING_DELTA; message: per content part
 * output_text → TEXT_DELTA (with its logprobs array as compact JSON text when non-empty),
 * refusal → REFUSAL_DELTA; function_call: one TOOL_DELTA (key = its order among function calls,
 * id = call_id, name, arguments); hosted-tool and unknown items: nothing. Then USAGE when
 * `usage` is an object, then by `status`: completed (or anything unrecognised) → FINISH
 * tool_calls | stop, END; incomplete → FINISH length (max_output_tokens, or no/unknown reason) |
 * content_filter, END; failed / cancelled → ERROR (SY_EUPSTREAM, code and message of `error`,
 * defaults "server_error" and a fixed text), and the partial output of such a Response is not
 * sent (as in the stream decoder). Empty texts send nothing.
 * The whole body is checked before the first event, so a malformed one yields SY_EUPSTREAM with
 * diag and no event at all. A 200 body that is an error envelope ({"error":{…}}) yields
 * SY_EUPSTREAM with the upstream's message and code in diag; status queued / in_progress (a
 * background answer this gateway never asks for) is refused the same way. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "translate/responses_internal.h"
#include "translate/responses_upstream.h"

static const sy_slice none = { "", 0 };

/* ------------------------------------------------------------------ small helpers */

sy_slice sy_rsu_str(const struct sy_json *obj, const char *key)
{
    sy_slice s = none;
    if (!sy_json_as_str(sy_json_get(obj, key), &s))
        return none;
    return s;
}

sy_status sy_rsu_emit(struct sy_ir_sink *sink, const struct sy_ir_event *ev)
{
    return sink ? sink->event(sink, ev) : SY_OK;
}

sy_status sy_rsu_malformed(struct sy_diag *diag, const char *fmt, ...)
{
    if (diag) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(diag->message, sizeof diag->message, fmt, ap);
        va_end(ap);
        sy_diag_param(diag, NULL);
    }
    return SY_EUPSTREAM;
}

enum sy_rsu_kind sy_rsu_item_kind(const struct sy_json *item)
{
    sy_slice t = sy_rsu_str(item, "type");
    if (sy_slice_eq_cstr(t, "message"))
        return SY_RSU_MESSAGE;
    if (sy_slice_eq_cstr(t, "reasoning"))
        return SY_RSU_REASONING;
    if (sy_slice_eq_cstr(t, "function_call"))
        return SY_RSU_CALL;
    return SY_RSU_OTHER;
}

bool sy_rsu_seen(const struct sy_rsu_item *it, uint64_t mask, int64_t i)
{
    if (!it->streamed)
        return false;
    if (i < 0 || i >= 64)
        return true;
    return (mask >> i) & 1u;
}

static void mark(struct sy_rsu_item *it, uint64_t *mask, int64_t i)
{
    it->streamed = true;
    if (i >= 0 && i < 64)
        *mask |= (uint64_t)1 << i;
}

/* A string member that may be absent or null; any other type is malformed. */
static bool opt_str(const struct sy_json *obj, const char *key, sy_slice *out)
{
    const struct sy_json *v = sy_json_get(obj, key);
    *out = none;
    return !v || sy_json_type_of(v) == SY_JSON_NULL || sy_json_as_str(v, out);
}

sy_status sy_rsu_text(struct sy_ir_sink *sink, enum sy_ir_ev kind, sy_slice text, const struct sy_json *logprobs,
                      struct sy_buf *scratch)
{
    struct sy_ir_event ev = { .kind = kind, .text = text.ptr ? text : none, .logprobs = none };
    if (kind == SY_IR_TEXT_DELTA && sy_json_type_of(logprobs) == SY_JSON_ARRAY && sy_json_len(logprobs) > 0) {
        struct sy_json_writer w;
        sy_buf_reset(scratch);
        sy_jw_init(&w, scratch);
        sy_jw_node(&w, logprobs);
        if (sy_jw_status(&w) != SY_OK)
            return sy_jw_status(&w);
        ev.logprobs = sy_buf_slice(scratch);
    }
    if (ev.text.len == 0 && ev.logprobs.len == 0)
        return SY_OK;
    return sy_rsu_emit(sink, &ev);
}

/* ------------------------------------------------------------------ an item's final form */

static sy_status message_part(struct sy_ir_sink *sink, const struct sy_json *p, struct sy_rsu_item *st, int64_t j,
                              struct sy_buf *scratch, struct sy_diag *diag)
{
    if (sy_json_type_of(p) != SY_JSON_OBJECT)
        return sy_rsu_malformed(diag, "upstream sent a message content part that is not an object");
    sy_slice type = sy_rsu_str(p, "type"), text;
    bool refusal = sy_slice_eq_cstr(type, "refusal");
    if (!refusal && !sy_slice_eq_cstr(type, "output_text"))
        return SY_OK; /* no IR channel */
    const struct sy_json *lp = refusal ? NULL : sy_json_get(p, "logprobs");
    enum sy_json_type lt = sy_json_type_of(lp);
    if (!opt_str(p, refusal ? "refusal" : "text", &text) || (lt != SY_JSON_NULL && lt != SY_JSON_ARRAY))
        return sy_rsu_malformed(diag, "upstream sent a malformed %s part", refusal ? "refusal" : "output_text");
    if (sy_rsu_seen(st, st->text_seen, j))
        return SY_OK;
    sy_status s = sy_rsu_text(sink, refusal ? SY_IR_REFUSAL_DELTA : SY_IR_TEXT_DELTA, text, lp, scratch);
    if (s == SY_OK && sink)
        mark(st, &st->text_seen, j);
    return s;
}

static sy_status message_final(struct sy_ir_sink *sink, const struct sy_json *item, struct sy_rsu_item *st,
                               struct sy_buf *scratch, struct sy_diag *diag)
{
    const struct sy_json *content = sy_json_get(item, "content");
    sy_slice s;
    switch (sy_json_type_of(content)) {
    case SY_JSON_NULL:
        return SY_OK;
    case SY_JSON_STRING:
        (void)sy_json_as_str(content, &s);
        if (sy_rsu_seen(st, st->text_seen, 0))
            return SY_OK;
        if (sink)
            mark(st, &st->text_seen, 0);
        return sy_rsu_text(sink, SY_IR_TEXT_DELTA, s, NULL, scratch);
    case SY_JSON_ARRAY:
        break;
    default:
        return sy_rsu_malformed(diag, "upstream sent a message whose `content` is not an array");
    }
    for (size_t j = 0; j < sy_json_len(content); j++) {
        sy_status r = message_part(sink, sy_json_at(content, j), st, (int64_t)j, scratch, diag);
        if (r != SY_OK)
            return r;
    }
    return SY_OK;
}

/* content[] (reasoning_text) or summary[] (summary_text) texts, each as REASONING_DELTA. */
static sy_status reasoning_list(struct sy_ir_sink *sink, const struct sy_json *list, struct sy_rsu_item *st,
                                uint64_t *mask, struct sy_diag *diag)
{
    enum sy_json_type t = sy_json_type_of(list);
    if (t == SY_JSON_NULL)
        return SY_OK;
    if (t != SY_JSON_ARRAY)
        return sy_rsu_malformed(diag, "upstream sent a reasoning item whose content or summary is not an array");
    for (size_t j = 0; j < sy_json_len(list); j++) {
        const struct sy_json *p = sy_json_at(list, j);
        sy_slice text;
        if (sy_json_type_of(p) != SY_JSON_OBJECT || !opt_str(p, "text", &text))
            return sy_rsu_malformed(diag, "upstream sent a malformed reasoning part");
        if (sy_rsu_seen(st, *mask, (int64_t)j))
            continue;
        struct sy_ir_event ev = { .kind = SY_IR_REASONING_DELTA, .text = text };
        sy_status r = text.len ? sy_rsu_emit(sink, &ev) : SY_OK;
        if (r != SY_OK)
            return r;
        if (sink)
            mark(st, mask, (int64_t)j);
    }
    return SY_OK;
}

/* `arguments`: a string, or (some servers) a JSON value written compactly into scratch. */
static bool call_arguments(const struct sy_json *item, struct sy_buf *scratch, sy_slice *out)
{
    const struct sy_json *a = sy_json_get(item, "arguments");
    enum sy_json_type t = sy_json_type_of(a);
    *out = none;
    if (t == SY_JSON_NULL || sy_json_as_str(a, out))
        return true;
    if (t != SY_JSON_OBJECT && t != SY_JSON_ARRAY)
        return false;
    struct sy_json_writer w;
    sy_buf_reset(scratch);
    sy_jw_init(&w, scratch);
    sy_jw_node(&w, a);
    if (sy_jw_status(&w) != SY_OK)
        return false;
    *out = sy_buf_slice(scratch);
    return true;
}

static sy_status call_final(struct sy_ir_sink *sink, const struct sy_json *item, struct sy_rsu_item *st,
                            struct sy_buf *scratch, struct sy_diag *diag)
{
    sy_slice call_id, name, args;
    if (!opt_str(item, "call_id", &call_id) || !opt_str(item, "name", &name) || !call_arguments(item, scratch, &args))
        return sy_rsu_malformed(diag, "upstream sent a malformed function_call item");
    struct sy_ir_event ev = {
        .kind = SY_IR_TOOL_DELTA,
        .key = st->key,
        .id = st->id_sent ? none : call_id,
        .name = st->name_sent ? none : name,
        .text = st->args_seen ? none : args,
    };
    if (ev.id.len == 0 && ev.name.len == 0 && ev.text.len == 0)
        return SY_OK;
    sy_status r = sy_rsu_emit(sink, &ev);
    if (r == SY_OK && sink) {
        st->id_sent |= ev.id.len > 0;
        st->name_sent |= ev.name.len > 0;
        st->args_seen = true;
    }
    return r;
}

sy_status sy_rsu_item_final(struct sy_ir_sink *sink, const struct sy_json *item, struct sy_rsu_item *st,
                            struct sy_buf *scratch, struct sy_diag *diag)
{
    if (sy_json_type_of(item) != SY_JSON_OBJECT)
        return sy_rsu_malformed(diag, "upstream sent an output item that is not an object");
    sy_status r = SY_OK;
    switch (sy_rsu_item_kind(item)) {
    case SY_RSU_MESSAGE:
        r = message_final(sink, item, st, scratch, diag);
        break;
    case SY_RSU_REASONING:
        r = reasoning_list(sink, sy_json_get(item, "content"), st, &st->text_seen, diag);
        if (r == SY_OK)
            r = reasoning_list(sink, sy_json_get(item, "summary"), st, &st->summary_seen, diag);
        break;
    case SY_RSU_CALL:
        r = call_final(sink, item, st, scratch, diag);
        break;
    case SY_RSU_OTHER:
        break;
    }
    if (r == SY_OK && sink)
        st->done = true;
    return r;
}

/* ------------------------------------------------------------------ usage and the end */

static int64_t int_member(const struct sy_json *obj, const char *key)
{
    int64_t v = 0;
    return sy_json_as_int(sy_json_get(obj, key), &v) ? v : 0;
}

static void usage_of(const struct sy_json *u, struct sy_ir_usage *out)
{
    const struct sy_json *in = sy_json_get(u, "input_tokens_details");
    const struct sy_json *outd = sy_json_get(u, "output_tokens_details");
    memset(out, 0, sizeof *out);
    out->present = true;
    out->input_tokens = int_member(u, "input_tokens");
    out->output_tokens = int_member(u, "output_tokens");
    if (!sy_json_as_int(sy_json_get(u, "total_tokens"), &out->total_tokens))
        out->total_tokens = out->input_tokens + out->output_tokens;
    out->cached_tokens = int_member(in, "cached_tokens");
    out->cache_write_tokens = int_member(in, "cache_write_tokens");
    out->reasoning_tokens = int_member(outd, "reasoning_tokens");
}

sy_status sy_rsu_error(struct sy_ir_sink *sink, const struct sy_json *err, const char *dflt_message)
{
    sy_slice code = sy_rsu_str(err, "code"), msg = sy_rsu_str(err, "message");
    struct sy_ir_event ev = {
        .kind = SY_IR_ERROR,
        .status = SY_EUPSTREAM,
        .code = code.len ? code.ptr : "server_error",
        .message = msg.len ? msg.ptr : dflt_message,
    };
    return sy_rsu_emit(sink, &ev);
}

sy_status sy_rsu_terminal(struct sy_ir_sink *sink, const struct sy_json *response, const char *status,
                          bool saw_tool)
{
    const struct sy_json *usage = sy_json_get(response, "usage");
    sy_status r = SY_OK;
    if (sy_json_type_of(usage) == SY_JSON_OBJECT) {
        struct sy_ir_usage u;
        usage_of(usage, &u);
        struct sy_ir_event ev = { .kind = SY_IR_USAGE, .usage = &u };
        r = sy_rsu_emit(sink, &ev);
    }
    if (r != SY_OK)
        return r;
    sy_slice s = sy_rsu_str(response, "status");
    if (s.len == 0)
        s = sy_slice_cstr(status ? status : "completed");
    if (sy_slice_eq_cstr(s, "failed"))
        return sy_rsu_error(sink, sy_json_get(response, "error"), "the upstream response failed");
    if (sy_slice_eq_cstr(s, "cancelled"))
        return sy_rsu_error(sink, sy_json_get(response, "error"), "the upstream response was cancelled");
    struct sy_ir_event fin = { .kind = SY_IR_FINISH, .finish = saw_tool ? SY_FINISH_TOOL_CALLS : SY_FINISH_STOP };
    if (sy_slice_eq_cstr(s, "incomplete")) {
        sy_slice reason = sy_rsu_str(sy_json_get(response, "incomplete_details"), "reason");
        fin.finish = sy_slice_eq_cstr(reason, "content_filter") ? SY_FINISH_CONTENT_FILTER : SY_FINISH_LENGTH;
    }
    r = sy_rsu_emit(sink, &fin);
    if (r == SY_OK) {
        struct sy_ir_event end = { .kind = SY_IR_END };
        r = sy_rsu_emit(sink, &end);
    }
    return r;
}

/* ------------------------------------------------------------------ the whole Response */

/* Is root a Response this decoder can finish? Sets diag when not. */
static sy_status check_response(const struct sy_json *root, struct sy_diag *diag)
{
    if (sy_json_type_of(root) != SY_JSON_OBJECT)
        return sy_rsu_malformed(diag, "upstream sent a body that is not a Response object");
    const struct sy_json *object = sy_json_get(root, "object"), *output = sy_json_get(root, "output");
    const struct sy_json *err = sy_json_get(root, "error");
    bool looks = sy_slice_eq_cstr(sy_rsu_str(root, "object"), "response") || (!object && output);
    if (!looks && sy_json_type_of(err) == SY_JSON_OBJECT) {
        sy_slice msg = sy_rsu_str(err, "message"), code = sy_rsu_str(err, "code");
        sy_status st = sy_rsu_malformed(diag, SY_SLICE_FMT, SY_SLICE_ARG(msg.len ? msg : SY_LIT("upstream reported an error")));
        if (diag && code.len > 0 && code.len < sizeof diag->code)
            sy_diag_code(diag, code.ptr);
        return st;
    }
    if (!looks)
        return sy_rsu_malformed(diag, "upstream sent a body that is not a Response object");
    enum sy_json_type ot = sy_json_type_of(output);
    if (ot != SY_JSON_NULL && ot != SY_JSON_ARRAY)
        return sy_rsu_malformed(diag, "upstream sent a Response whose `output` is not an array");
    sy_slice status = sy_rsu_str(root, "status");
    if (sy_slice_eq_cstr(status, "queued") || sy_slice_eq_cstr(status, "in_progress"))
        return sy_rsu_malformed(diag, "upstream sent an unfinished Response (status '" SY_SLICE_FMT "')",
                                SY_SLICE_ARG(status));
    return SY_OK;
}

/* Every event of the Response; with sink NULL, only the checks. */
static sy_status emit_response(struct sy_ir_sink *sink, const struct sy_json *root, struct sy_buf *scratch,
                               struct sy_diag *diag)
{
    int64_t created = 0;
    (void)sy_json_as_int(sy_json_get(root, "created_at"), &created);
    struct sy_ir_event start = {
        .kind = SY_IR_START, .id = sy_rsu_str(root, "id"), .name = sy_rsu_str(root, "model"),
        .tier = sy_rsu_str(root, "service_tier"), .created = created,
    };
    sy_status st = sy_rsu_emit(sink, &start);
    sy_slice status = sy_rsu_str(root, "status");
    bool failed = sy_slice_eq_cstr(status, "failed") || sy_slice_eq_cstr(status, "cancelled");
    const struct sy_json *output = sy_json_get(root, "output");
    uint32_t calls = 0;
    for (size_t i = 0; st == SY_OK && !failed && i < sy_json_len(output); i++) {
        const struct sy_json *item = sy_json_at(output, i);
        struct sy_rsu_item it = { .oi = (int64_t)i, .kind = sy_rsu_item_kind(item) };
        if (it.kind == SY_RSU_CALL)
            it.key = calls++;
        st = sy_rsu_item_final(sink, item, &it, scratch, diag);
    }
    return st == SY_OK ? sy_rsu_terminal(sink, root, "completed", calls > 0) : st;
}

sy_status sy_responses_decode_response(sy_slice body, struct sy_ir_sink *sink, struct sy_diag *diag)
{
    struct sy_json *root = NULL;
    struct sy_diag jd;
    sy_diag_clear(&jd);
    if (sy_json_parse(body, &root, &jd) != SY_OK)
        return sy_rsu_malformed(diag, "upstream sent a Response that is not valid JSON: %s", jd.message);
    struct sy_buf scratch;
    sy_buf_init(&scratch, SY_BUF_UNCAPPED);
    sy_status st = check_response(root, diag);
    if (st == SY_OK)
        st = emit_response(NULL, root, &scratch, diag);
    if (st == SY_OK)
        st = emit_response(sink, root, &scratch, diag);
    sy_buf_free(&scratch);
    sy_json_free(root);
    return st;
}
