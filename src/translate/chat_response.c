/* Chat codec, upstream answer → IR: the whole `chat.completion` body, plus the field readers the
 * chunk decoder (chat_stream.c) shares: usage, finish_reason, reasoning, content, logprobs, tool
 * call arguments and in-band error objects.
 *
 * Event order for a completion: START, REASONING_DELTA, TEXT_DELTA (with logprobs),
 * REFUSAL_DELTA, TOOL_DELTA per call (key = position in tool_calls; a legacy function_call
 * follows as the next key), USAGE, FINISH (always; NONE for null/unknown reasons), END. Empty
 * strings emit nothing. `message.annotations` has no IR event and is not carried. */
#include <string.h>

#include "json/json.h"
#include "json/write.h"
#include "translate/chat.h"
#include "translate/chat_internal.h"

/* ------------------------------------------------------------------ shared readers */

sy_status sy_chat__emit(struct sy_ir_sink *sink, const struct sy_ir_event *ev)
{
    return sink->event(sink, ev);
}

sy_slice sy_chat__str(const struct sy_json *obj, const char *key)
{
    sy_slice s = SY_SLICE_NULL;
    if (!sy_json_as_str(sy_json_get(obj, key), &s))
        return (sy_slice){ "", 0 };
    return s;
}

enum sy_ir_finish sy_chat__finish(const struct sy_json *reason)
{
    sy_slice r;
    if (!sy_json_as_str(reason, &r))
        return SY_FINISH_NONE;
    if (sy_slice_eq_cstr(r, "stop"))
        return SY_FINISH_STOP;
    if (sy_slice_eq_cstr(r, "length"))
        return SY_FINISH_LENGTH;
    if (sy_slice_eq_cstr(r, "tool_calls") || sy_slice_eq_cstr(r, "function_call"))
        return SY_FINISH_TOOL_CALLS;
    if (sy_slice_eq_cstr(r, "content_filter"))
        return SY_FINISH_CONTENT_FILTER;
    return SY_FINISH_NONE;
}

/* Integer member (a whole-valued real counts too); 0 when absent or of another type. */
static int64_t get_count(const struct sy_json *obj, const char *key, bool *found)
{
    const struct sy_json *v = sy_json_get(obj, key);
    int64_t i;
    double d;
    if (sy_json_as_int(v, &i)) {
        *found = true;
        return i;
    }
    if (sy_json_as_double(v, &d) && d >= 0 && d < 9.0e18 && d == (double)(int64_t)d) {
        *found = true;
        return (int64_t)d;
    }
    return 0;
}

void sy_chat__usage(const struct sy_json *usage, struct sy_ir_usage *u)
{
    bool in = false, out = false, total = false, unused = false;
    memset(u, 0, sizeof *u);
    u->present = true;
    u->input_tokens = get_count(usage, "prompt_tokens", &in);
    u->output_tokens = get_count(usage, "completion_tokens", &out);
    u->total_tokens = get_count(usage, "total_tokens", &total);
    if (!total)
        u->total_tokens = u->input_tokens + u->output_tokens;
    const struct sy_json *pd = sy_json_get(usage, "prompt_tokens_details");
    const struct sy_json *cd = sy_json_get(usage, "completion_tokens_details");
    u->cached_tokens = get_count(pd, "cached_tokens", &unused);
    u->cache_write_tokens = get_count(pd, "cache_write_tokens", &unused);
    u->reasoning_tokens = get_count(cd, "reasoning_tokens", &unused);
}

sy_status sy_chat__malformed(struct sy_diag *diag, const char *what)
{
    return sy_diag_fail(diag, SY_EUPSTREAM, NULL, "%s", what);
}

sy_status sy_chat__error_object(const struct sy_json *root, struct sy_diag *diag)
{
    const struct sy_json *err = sy_json_get(root, "error");
    if (sy_slice_eq_cstr(sy_chat__str(root, "object"), "error"))
        err = root; /* older vLLM: {"object":"error","message":…,"code":400} */
    if (!err || sy_json_type_of(err) == SY_JSON_NULL)
        return SY_OK;
    sy_slice msg = SY_SLICE_NULL, code = SY_SLICE_NULL;
    if (!sy_json_as_str(err, &msg)) {
        msg = sy_chat__str(err, "message");
        code = sy_chat__str(err, "code");
    }
    if (msg.len == 0)
        msg = SY_LIT("upstream reported an error");
    sy_status st = sy_diag_fail(diag, SY_EUPSTREAM, NULL, SY_SLICE_FMT, SY_SLICE_ARG(msg));
    if (diag && code.len > 0 && code.len < sizeof diag->code)
        sy_diag_code(diag, code.ptr);
    return st;
}

sy_slice sy_chat__reasoning(const struct sy_json *msg)
{
    sy_slice s = sy_chat__str(msg, "reasoning_content");
    return s.len > 0 ? s : sy_chat__str(msg, "reasoning");
}

static sy_status emit_text(struct sy_ir_sink *sink, sy_slice text, sy_slice *logprobs)
{
    if (text.len == 0)
        return SY_OK;
    struct sy_ir_event ev = { .kind = SY_IR_TEXT_DELTA, .text = text, .logprobs = *logprobs };
    *logprobs = SY_SLICE_NULL; /* the conversion belongs to the first piece only */
    return sy_chat__emit(sink, &ev);
}

sy_status sy_chat__emit_content(struct sy_ir_sink *sink, const struct sy_json *content, sy_slice logprobs,
                                struct sy_diag *diag)
{
    sy_slice s;
    switch (sy_json_type_of(content)) {
    case SY_JSON_NULL:
        return SY_OK;
    case SY_JSON_STRING:
        (void)sy_json_as_str(content, &s);
        return emit_text(sink, s, &logprobs);
    case SY_JSON_ARRAY:
        for (size_t i = 0; i < sy_json_len(content); i++) {
            const struct sy_json *part = sy_json_at(content, i);
            if (sy_json_type_of(part) != SY_JSON_OBJECT)
                return sy_chat__malformed(diag, "upstream sent a content part that is not an object");
            if (!sy_slice_eq_cstr(sy_chat__str(part, "type"), "text"))
                continue; /* other part kinds have no IR channel */
            sy_status st = emit_text(sink, sy_chat__str(part, "text"), &logprobs);
            if (st != SY_OK)
                return st;
        }
        return SY_OK;
    default:
        return sy_chat__malformed(diag, "upstream sent `content` that is not a string");
    }
}

/* ------------------------------------------------------------------ logprobs */

static void write_bytes_of(struct sy_json_writer *w, sy_slice token)
{
    sy_jw_arr_begin(w);
    for (size_t i = 0; i < token.len; i++)
        sy_jw_int(w, (unsigned char)token.ptr[i]);
    sy_jw_arr_end(w);
}

/* {"token","logprob","bytes"[,"top_logprobs":[…]]} from a chat TokenLogprob. */
static void write_token_logprob(struct sy_json_writer *w, const struct sy_json *e, bool with_top)
{
    sy_slice token = sy_chat__str(e, "token");
    const struct sy_json *lp = sy_json_get(e, "logprob");
    const struct sy_json *bytes = sy_json_get(e, "bytes");
    sy_jw_obj_begin(w);
    sy_jw_key(w, "token");
    sy_jw_str(w, token);
    sy_jw_key(w, "logprob");
    enum sy_json_type t = sy_json_type_of(lp);
    if (t == SY_JSON_INT || t == SY_JSON_DOUBLE)
        sy_jw_node(w, lp);
    else
        sy_jw_int(w, 0);
    sy_jw_key(w, "bytes");
    if (sy_json_type_of(bytes) == SY_JSON_ARRAY)
        sy_jw_node(w, bytes);
    else
        write_bytes_of(w, token);
    if (with_top) {
        const struct sy_json *top = sy_json_get(e, "top_logprobs");
        sy_jw_key(w, "top_logprobs");
        sy_jw_arr_begin(w);
        for (size_t i = 0; i < sy_json_len(top); i++) {
            const struct sy_json *t2 = sy_json_at(top, i);
            if (sy_json_type_of(t2) == SY_JSON_OBJECT)
                write_token_logprob(w, t2, false);
        }
        sy_jw_arr_end(w);
    }
    sy_jw_obj_end(w);
}

sy_status sy_chat__logprobs(const struct sy_json *logprobs, struct sy_buf *out)
{
    const struct sy_json *content = sy_json_get(logprobs, "content");
    if (sy_json_type_of(content) != SY_JSON_ARRAY)
        return SY_OK;
    struct sy_json_writer w;
    sy_jw_init(&w, out);
    sy_jw_arr_begin(&w);
    for (size_t i = 0; i < sy_json_len(content); i++) {
        const struct sy_json *e = sy_json_at(content, i);
        if (sy_json_type_of(e) == SY_JSON_OBJECT)
            write_token_logprob(&w, e, true);
    }
    sy_jw_arr_end(&w);
    return sy_jw_status(&w);
}

sy_slice sy_chat__arguments(const struct sy_json *fn, struct sy_buf *scratch)
{
    const struct sy_json *args = sy_json_get(fn, "arguments");
    sy_slice s;
    if (sy_json_as_str(args, &s))
        return s;
    enum sy_json_type t = sy_json_type_of(args);
    if (t != SY_JSON_OBJECT && t != SY_JSON_ARRAY)
        return (sy_slice){ "", 0 };
    struct sy_json_writer w;
    sy_buf_reset(scratch);
    sy_jw_init(&w, scratch);
    sy_jw_node(&w, args);
    if (sy_jw_status(&w) != SY_OK)
        return (sy_slice){ "", 0 };
    return sy_buf_slice(scratch);
}

/* ------------------------------------------------------------------ whole completion */

static sy_status emit_tool(struct sy_ir_sink *sink, uint32_t key, sy_slice id, const struct sy_json *fn,
                           struct sy_buf *scratch)
{
    struct sy_ir_event ev = {
        .kind = SY_IR_TOOL_DELTA,
        .key = key,
        .id = id,
        .name = sy_chat__str(fn, "name"),
        .text = sy_chat__arguments(fn, scratch),
    };
    return sy_chat__emit(sink, &ev);
}

static sy_status decode_tool_calls(struct sy_ir_sink *sink, const struct sy_json *msg, struct sy_diag *diag)
{
    const struct sy_json *calls = sy_json_get(msg, "tool_calls");
    const struct sy_json *legacy = sy_json_get(msg, "function_call");
    enum sy_json_type ct = sy_json_type_of(calls);
    if (ct != SY_JSON_NULL && ct != SY_JSON_ARRAY)
        return sy_chat__malformed(diag, "upstream sent `tool_calls` that is not an array");
    struct sy_buf scratch;
    sy_buf_init(&scratch, SY_BUF_UNCAPPED);
    sy_status st = SY_OK;
    size_t n = sy_json_len(calls);
    for (size_t i = 0; i < n && st == SY_OK; i++) {
        const struct sy_json *tc = sy_json_at(calls, i);
        const struct sy_json *fn = sy_json_get(tc, "function");
        if (sy_json_type_of(fn) != SY_JSON_OBJECT)
            st = sy_chat__malformed(diag, "upstream sent a tool call without a `function` object");
        else
            st = emit_tool(sink, (uint32_t)i, sy_chat__str(tc, "id"), fn, &scratch);
    }
    if (st == SY_OK && sy_json_type_of(legacy) == SY_JSON_OBJECT)
        st = emit_tool(sink, (uint32_t)n, (sy_slice){ "", 0 }, legacy, &scratch);
    sy_buf_free(&scratch);
    return st;
}

static sy_status decode_message(struct sy_ir_sink *sink, const struct sy_json *choice, struct sy_diag *diag)
{
    const struct sy_json *msg = sy_json_get(choice, "message");
    enum sy_json_type mt = sy_json_type_of(msg);
    if (mt == SY_JSON_NULL)
        return SY_OK;
    if (mt != SY_JSON_OBJECT)
        return sy_chat__malformed(diag, "upstream sent a chat completion whose `message` is not an object");
    sy_status st = SY_OK;
    sy_slice reasoning = sy_chat__reasoning(msg);
    if (reasoning.len > 0) {
        struct sy_ir_event ev = { .kind = SY_IR_REASONING_DELTA, .text = reasoning };
        st = sy_chat__emit(sink, &ev);
    }
    struct sy_buf lp;
    sy_buf_init(&lp, SY_BUF_UNCAPPED);
    if (st == SY_OK)
        st = sy_chat__logprobs(sy_json_get(choice, "logprobs"), &lp);
    if (st == SY_OK)
        st = sy_chat__emit_content(sink, sy_json_get(msg, "content"), sy_buf_slice(&lp), diag);
    sy_buf_free(&lp);
    const struct sy_json *refusal = sy_json_get(msg, "refusal");
    sy_slice r;
    if (st == SY_OK && sy_json_as_str(refusal, &r) && r.len > 0) {
        struct sy_ir_event ev = { .kind = SY_IR_REFUSAL_DELTA, .text = r };
        st = sy_chat__emit(sink, &ev);
    } else if (st == SY_OK && sy_json_type_of(refusal) != SY_JSON_NULL && sy_json_type_of(refusal) != SY_JSON_STRING) {
        st = sy_chat__malformed(diag, "upstream sent `refusal` that is not a string");
    }
    if (st == SY_OK)
        st = decode_tool_calls(sink, msg, diag);
    return st;
}

static sy_status check_completion(const struct sy_json *root, const struct sy_json **choice, struct sy_diag *diag)
{
    if (sy_json_type_of(root) != SY_JSON_OBJECT)
        return sy_chat__malformed(diag, "upstream sent a chat completion that is not a JSON object");
    sy_status st = sy_chat__error_object(root, diag);
    if (st != SY_OK)
        return st;
    const struct sy_json *choices = sy_json_get(root, "choices");
    if (sy_json_type_of(choices) != SY_JSON_ARRAY)
        return sy_chat__malformed(diag, "upstream sent a chat completion without a `choices` array");
    *choice = sy_json_at(choices, 0);
    if (*choice && sy_json_type_of(*choice) != SY_JSON_OBJECT)
        return sy_chat__malformed(diag, "upstream sent a chat completion whose choice is not an object");
    return SY_OK;
}

static sy_status decode_root(const struct sy_json *root, struct sy_ir_sink *sink, struct sy_diag *diag)
{
    const struct sy_json *choice = NULL;
    sy_status st = check_completion(root, &choice, diag);
    if (st != SY_OK)
        return st;
    int64_t created = 0;
    (void)sy_json_as_int(sy_json_get(root, "created"), &created);
    struct sy_ir_event start = {
        .kind = SY_IR_START,
        .id = sy_chat__str(root, "id"),
        .name = sy_chat__str(root, "model"),
        .created = created,
    };
    st = sy_chat__emit(sink, &start);
    if (st == SY_OK && choice)
        st = decode_message(sink, choice, diag);
    const struct sy_json *usage = sy_json_get(root, "usage");
    if (st == SY_OK && sy_json_type_of(usage) == SY_JSON_OBJECT) {
        struct sy_ir_usage u;
        sy_chat__usage(usage, &u);
        struct sy_ir_event ev = { .kind = SY_IR_USAGE, .usage = &u };
        st = sy_chat__emit(sink, &ev);
    }
    if (st == SY_OK) {
        struct sy_ir_event ev = { .kind = SY_IR_FINISH, .finish = sy_chat__finish(sy_json_get(choice, "finish_reason")) };
        st = sy_chat__emit(sink, &ev);
    }
    if (st == SY_OK) {
        struct sy_ir_event ev = { .kind = SY_IR_END };
        st = sy_chat__emit(sink, &ev);
    }
    return st;
}

sy_status sy_chat_decode_completion(sy_slice body, struct sy_ir_sink *sink, struct sy_diag *diag)
{
    struct sy_json *root = NULL;
    struct sy_diag jd;
    sy_diag_clear(&jd);
    if (sy_json_parse(body, &root, &jd) != SY_OK)
        return sy_diag_fail(diag, SY_EUPSTREAM, NULL, "upstream sent an invalid chat completion (%s)", jd.message);
    sy_status st = decode_root(root, sink, diag);
    sy_json_free(root);
    return st;
}
