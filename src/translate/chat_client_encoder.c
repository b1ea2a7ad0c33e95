/* Chat codec, client side, answer direction: IR events (from a Responses upstream) → the
 * `chat.completion` object or the `chat.completion.chunk` SSE stream (mapping.md §3.2–3.4, §4.2).
 *
 * Ids: the completion id is the upstream Response id verbatim ("resp_…"), so a client can send it
 * back as previous_response_id; only when the upstream gave none is one made up
 * ("chatcmpl-" + 24 random characters). Tool call ids are the upstream call_ids.
 *
 * Stream (every chunk: id, object, created, model[, service_tier], choices[, "usage":null when
 * include_usage]):
 *   START            → role chunk  delta {"role":"assistant","content":"","refusal":null}
 *   TEXT_DELTA       → delta {"content":t}, logprobs {"content":[…],"refusal":null} when the
 *                      client asked for logprobs, else null
 *   REFUSAL_DELTA    → delta {"refusal":t}
 *   REASONING_DELTA  → delta {"reasoning_content":t}
 *   TOOL_DELTA       → first chunk of a call (once its name is known): delta {"tool_calls":[{"index":
 *                      k,"id","type":"function","function":{"name","arguments":""}}]}; argument
 *                      fragments: {"tool_calls":[{"index":k,"function":{"arguments":f}}]}. Chat
 *                      indexes count calls in the order they are announced (0, 1, …).
 *   USAGE, FINISH    → remembered
 *   END              → finish chunk delta {} + finish_reason; the `choices:[]` usage chunk when
 *                      include_usage and the upstream reported usage; `data: [DONE]`
 *   ERROR            → `data: {"error":{"message","type","param":null,"code"}}`, `data: [DONE]`
 *                      (never a fake finish)
 * finish_reason: length / content_filter as reported; otherwise tool_calls when a call was made,
 * else stop. Deltas before START imply START; events after END or ERROR are ignored.
 *
 * Non-streaming: the same events accumulate into one choice: content = the text (null when there
 * is none but tool calls or a refusal; "" for an empty answer), refusal (null when none),
 * reasoning_content (only when there was reasoning), tool_calls (only when there were calls),
 * annotations [], logprobs {"content":[…],"refusal":null} or null, usage with both detail
 * objects (omitted when the upstream reported none). system_fingerprint is never sent. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "json/json.h"
#include "json/write.h"
#include "sse/sse.h"
#include "translate/chat_client.h"
#include "translate/chat_internal.h"

#define TEXT_MAX  ((size_t)64 << 20) /* cap of any one accumulated text */
#define TOOLS_MAX 1024u
#define ID_RANDOM 24

struct tool {
    uint32_t      key;
    long          index;  /* chat index once announced (stream); -1 before */
    sy_slice      call_id, name;
    struct sy_buf args;   /* non-stream: all arguments; stream: fragments not yet sent */
};

struct sy_chat_encoder {
    struct sy_arena            *a;
    struct sy_chat_encoder_opts o;
    struct sy_ir_sink           sink;
    sy_status                   err;          /* first output failure, sticky */
    bool                        started, done, failed;
    sy_slice                    id, model;
    int64_t                     created;
    struct sy_buf               text, refusal, reasoning, lp; /* lp: logprob entries, comma-joined */
    bool                        saw_refusal;
    struct tool                *tools;
    size_t                      ntools, captools;
    long                        announced;
    struct sy_ir_usage          usage;
    enum sy_ir_finish           finish;
    sy_status                   fail_status;
    const char                 *fail_code, *fail_message;
    struct sy_buf               chunk;        /* scratch: one chunk's JSON */
    struct sy_json_writer       w;
    sy_slice                    final;
};

static bool streaming(const struct sy_chat_encoder *e) { return e->o.sse_out != NULL; }

static void fail_st(struct sy_chat_encoder *e, sy_status st)
{
    if (e->err == SY_OK && st != SY_OK)
        e->err = st;
}

static void append(struct sy_chat_encoder *e, struct sy_buf *b, sy_slice s)
{
    if (s.len)
        fail_st(e, sy_buf_append(b, s.ptr, s.len));
}

static sy_slice random_id(struct sy_chat_encoder *e, const char *prefix)
{
    static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    unsigned char rnd[ID_RANDOM];
    if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) {
        uint64_t x = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)e;
        for (size_t i = 0; i < sizeof rnd; i++, x = x * 6364136223846793005u + 1442695040888963407u)
            rnd[i] = (unsigned char)(x >> 33);
    }
    size_t p = strlen(prefix);
    char *s = sy_arena_alloc(e->a, p + ID_RANDOM + 1);
    memcpy(s, prefix, p);
    for (size_t i = 0; i < ID_RANDOM; i++)
        s[p + i] = alnum[rnd[i] % 62];
    return sy_slice_from(s, p + ID_RANDOM);
}

/* ------------------------------------------------------------------ shared JSON pieces */

static void key_str(struct sy_json_writer *w, const char *key, sy_slice v)
{
    sy_jw_key(w, key);
    sy_jw_str(w, v.ptr ? v : SY_LIT(""));
}

/* {"id","object","created","model" — the head of a completion or chunk. */
static void write_head(struct sy_chat_encoder *e, const char *object)
{
    sy_buf_reset(&e->chunk);
    sy_jw_init(&e->w, &e->chunk);
    sy_jw_obj_begin(&e->w);
    key_str(&e->w, "id", e->id);
    key_str(&e->w, "object", sy_slice_cstr(object));
    sy_jw_key(&e->w, "created");
    sy_jw_int(&e->w, e->created);
    key_str(&e->w, "model", e->model);
}

static void write_service_tier(struct sy_chat_encoder *e)
{
    if (e->o.service_tier.len > 0)
        key_str(&e->w, "service_tier", e->o.service_tier);
}

static void write_usage(struct sy_json_writer *w, const struct sy_ir_usage *u)
{
    sy_jw_key(w, "usage");
    sy_jw_obj_begin(w);
    sy_jw_key(w, "prompt_tokens");
    sy_jw_int(w, u->input_tokens);
    sy_jw_key(w, "completion_tokens");
    sy_jw_int(w, u->output_tokens);
    sy_jw_key(w, "total_tokens");
    sy_jw_int(w, u->total_tokens);
    sy_jw_key(w, "prompt_tokens_details");
    sy_jw_obj_begin(w);
    sy_jw_key(w, "cached_tokens");
    sy_jw_int(w, u->cached_tokens);
    sy_jw_key(w, "cache_write_tokens");
    sy_jw_int(w, u->cache_write_tokens);
    sy_jw_key(w, "audio_tokens");
    sy_jw_int(w, 0);
    sy_jw_obj_end(w);
    sy_jw_key(w, "completion_tokens_details");
    sy_jw_obj_begin(w);
    sy_jw_key(w, "reasoning_tokens");
    sy_jw_int(w, u->reasoning_tokens);
    static const char *const zeros[] = { "audio_tokens", "accepted_prediction_tokens", "rejected_prediction_tokens" };
    for (size_t i = 0; i < 3; i++) {
        sy_jw_key(w, zeros[i]);
        sy_jw_int(w, 0);
    }
    sy_jw_obj_end(w);
    sy_jw_obj_end(w);
}

/* `"logprobs":{"content":[entries],"refusal":null}` (entries: JSON text without brackets). */
static void write_logprobs(struct sy_json_writer *w, sy_slice entries, struct sy_buf *tmp, sy_status *err)
{
    sy_buf_reset(tmp);
    sy_status st = sy_buf_append_cstr(tmp, "{\"content\":[");
    if (st == SY_OK && entries.len)
        st = sy_buf_append_slice(tmp, entries);
    if (st == SY_OK)
        st = sy_buf_append_cstr(tmp, "],\"refusal\":null}");
    sy_jw_key(w, "logprobs");
    if (st == SY_OK)
        sy_jw_raw(w, sy_buf_slice(tmp));
    else
        sy_jw_null(w);
    if (*err == SY_OK)
        *err = st;
}

/* Responses-form logprobs (a JSON array) → normalized chat TokenLogprob entries appended to out,
 * comma-separated after what out holds (the forms are the same; the chat decoder's converter
 * recomputes missing bytes). Malformed input appends nothing. */
static sy_status logprob_entries(sy_slice ir, struct sy_buf *out)
{
    if (ir.len == 0)
        return SY_OK;
    struct sy_buf wrap, arr;
    sy_buf_init(&wrap, SY_BUF_UNCAPPED);
    sy_buf_init(&arr, SY_BUF_UNCAPPED);
    struct sy_json *root = NULL;
    struct sy_diag d;
    sy_status st = sy_buf_append_cstr(&wrap, "{\"content\":");
    if (st == SY_OK && (st = sy_buf_append_slice(&wrap, ir)) == SY_OK)
        st = sy_buf_append_char(&wrap, '}');
    if (st == SY_OK && sy_json_parse(sy_buf_slice(&wrap), &root, &d) == SY_OK)
        st = sy_chat__logprobs(root, &arr);
    if (st == SY_OK && arr.len > 2) { /* "[…]" → "…" */
        if (out->len)
            st = sy_buf_append_char(out, ',');
        if (st == SY_OK)
            st = sy_buf_append(out, arr.data + 1, arr.len - 2);
    }
    sy_json_free(root);
    sy_buf_free(&wrap);
    sy_buf_free(&arr);
    return st;
}

/* ------------------------------------------------------------------ chunks */

/* Head of a chunk up to the open delta object: …,"choices":[{"index":0,"delta":{ */
static void chunk_begin(struct sy_chat_encoder *e)
{
    write_head(e, "chat.completion.chunk");
    write_service_tier(e);
    sy_jw_key(&e->w, "choices");
    sy_jw_arr_begin(&e->w);
    sy_jw_obj_begin(&e->w);
    sy_jw_key(&e->w, "index");
    sy_jw_int(&e->w, 0);
    sy_jw_key(&e->w, "delta");
    sy_jw_obj_begin(&e->w);
}

static void chunk_send(struct sy_chat_encoder *e)
{
    if (e->o.include_usage) {
        sy_jw_key(&e->w, "usage");
        sy_jw_null(&e->w);
    }
    sy_jw_obj_end(&e->w);
    fail_st(e, sy_jw_status(&e->w));
    if (e->err == SY_OK)
        fail_st(e, sy_sse_write_event(e->o.sse_out, SY_LIT(""), sy_buf_slice(&e->chunk)));
}

/* Close the delta, then logprobs (raw entries when lp is set) and finish_reason, and send. */
static void chunk_end(struct sy_chat_encoder *e, const sy_slice *lp, const char *finish)
{
    sy_jw_obj_end(&e->w);
    if (lp) {
        struct sy_buf tmp;
        sy_buf_init(&tmp, SY_BUF_UNCAPPED);
        write_logprobs(&e->w, *lp, &tmp, &e->err);
        sy_buf_free(&tmp);
    } else {
        sy_jw_key(&e->w, "logprobs");
        sy_jw_null(&e->w);
    }
    sy_jw_key(&e->w, "finish_reason");
    sy_jw_cstr(&e->w, finish);
    sy_jw_obj_end(&e->w);
    sy_jw_arr_end(&e->w);
    chunk_send(e);
}

/* A chunk whose delta is one string member. */
static void delta_chunk(struct sy_chat_encoder *e, const char *key, sy_slice text, const sy_slice *lp)
{
    chunk_begin(e);
    key_str(&e->w, key, text);
    chunk_end(e, lp, NULL);
}

static void role_chunk(struct sy_chat_encoder *e)
{
    chunk_begin(e);
    key_str(&e->w, "role", SY_LIT("assistant"));
    key_str(&e->w, "content", SY_LIT(""));
    sy_jw_key(&e->w, "refusal");
    sy_jw_null(&e->w);
    chunk_end(e, NULL, NULL);
}

/* {"tool_calls":[{"index":k[,"id","type","function":{"name","arguments":""}] | ,"function":
 * {"arguments":args}}]} */
static void tool_chunk(struct sy_chat_encoder *e, const struct tool *t, bool header, sy_slice args)
{
    chunk_begin(e);
    sy_jw_key(&e->w, "tool_calls");
    sy_jw_arr_begin(&e->w);
    sy_jw_obj_begin(&e->w);
    sy_jw_key(&e->w, "index");
    sy_jw_int(&e->w, t->index);
    if (header) {
        key_str(&e->w, "id", t->call_id);
        key_str(&e->w, "type", SY_LIT("function"));
    }
    sy_jw_key(&e->w, "function");
    sy_jw_obj_begin(&e->w);
    if (header)
        key_str(&e->w, "name", t->name);
    key_str(&e->w, "arguments", args);
    sy_jw_obj_end(&e->w);
    sy_jw_obj_end(&e->w);
    sy_jw_arr_end(&e->w);
    chunk_end(e, NULL, NULL);
}

static void usage_chunk(struct sy_chat_encoder *e)
{
    write_head(e, "chat.completion.chunk");
    write_service_tier(e);
    sy_jw_key(&e->w, "choices");
    sy_jw_arr_begin(&e->w);
    sy_jw_arr_end(&e->w);
    write_usage(&e->w, &e->usage);
    sy_jw_obj_end(&e->w);
    fail_st(e, sy_jw_status(&e->w));
    if (e->err == SY_OK)
        fail_st(e, sy_sse_write_event(e->o.sse_out, SY_LIT(""), sy_buf_slice(&e->chunk)));
}

/* ------------------------------------------------------------------ events */

static void on_start(struct sy_chat_encoder *e, const struct sy_ir_event *ev)
{
    e->started = true;
    e->id = ev && ev->id.len ? sy_arena_dup(e->a, ev->id) : random_id(e, "chatcmpl-");
    e->model = e->o.model.len ? e->o.model : ev && ev->name.len ? sy_arena_dup(e->a, ev->name) : SY_LIT("");
    e->created = ev && ev->created > 0 ? ev->created : (int64_t)time(NULL);
    if (e->o.service_tier.len == 0 && ev && ev->tier.len)
        e->o.service_tier = sy_arena_dup(e->a, ev->tier);
    if (streaming(e))
        role_chunk(e);
}

static void on_text(struct sy_chat_encoder *e, const struct sy_ir_event *ev)
{
    if (!streaming(e)) {
        append(e, &e->text, ev->text);
        if (e->o.want_logprobs && e->err == SY_OK)
            fail_st(e, logprob_entries(ev->logprobs, &e->lp));
        return;
    }
    if (ev->text.len == 0)
        return;
    if (!e->o.want_logprobs) {
        delta_chunk(e, "content", ev->text, NULL);
        return;
    }
    struct sy_buf lp;
    sy_buf_init(&lp, TEXT_MAX);
    fail_st(e, logprob_entries(ev->logprobs, &lp));
    sy_slice entries = lp.len ? sy_buf_slice(&lp) : SY_LIT("");
    delta_chunk(e, "content", ev->text, &entries);
    sy_buf_free(&lp);
}

static struct tool *tool_for(struct sy_chat_encoder *e, uint32_t key)
{
    for (size_t i = 0; i < e->ntools; i++)
        if (e->tools[i].key == key)
            return &e->tools[i];
    if (e->ntools == TOOLS_MAX) {
        fail_st(e, SY_ETOOBIG);
        return NULL;
    }
    if (e->ntools == e->captools) {
        size_t cap = e->captools ? e->captools * 2 : 4;
        struct tool *n = sy_arena_alloc(e->a, cap * sizeof *n);
        if (e->ntools)
            memcpy(n, e->tools, e->ntools * sizeof *n);
        e->tools = n;
        e->captools = cap;
    }
    struct tool *t = &e->tools[e->ntools++];
    memset(t, 0, sizeof *t);
    t->key = key;
    t->index = -1;
    sy_buf_init(&t->args, TEXT_MAX);
    return t;
}

/* Stream: the call's first chunk, then the arguments held back so far. */
static void announce(struct sy_chat_encoder *e, struct tool *t)
{
    t->index = e->announced++;
    if (t->call_id.len == 0)
        t->call_id = random_id(e, "call_");
    tool_chunk(e, t, true, SY_LIT(""));
    if (t->args.len)
        tool_chunk(e, t, false, sy_buf_slice(&t->args));
    sy_buf_reset(&t->args);
}

static void on_tool(struct sy_chat_encoder *e, const struct sy_ir_event *ev)
{
    struct tool *t = tool_for(e, ev->key);
    if (!t)
        return;
    if (t->call_id.len == 0 && ev->id.len)
        t->call_id = sy_arena_dup(e->a, ev->id);
    if (t->name.len == 0 && ev->name.len)
        t->name = sy_arena_dup(e->a, ev->name);
    if (!streaming(e) || t->index < 0)
        append(e, &t->args, ev->text);
    if (!streaming(e))
        return;
    if (t->index < 0 && t->name.len)
        announce(e, t);
    else if (t->index >= 0 && ev->text.len)
        tool_chunk(e, t, false, ev->text);
}

static const char *finish_reason(const struct sy_chat_encoder *e)
{
    switch (e->finish) {
    case SY_FINISH_LENGTH: return "length";
    case SY_FINISH_CONTENT_FILTER: return "content_filter";
    case SY_FINISH_TOOL_CALLS: return "tool_calls";
    case SY_FINISH_STOP:
    case SY_FINISH_NONE: break;
    }
    return e->ntools ? "tool_calls" : "stop";
}

static void write_tool_calls(struct sy_chat_encoder *e)
{
    sy_jw_key(&e->w, "tool_calls");
    sy_jw_arr_begin(&e->w);
    for (size_t i = 0; i < e->ntools; i++) {
        struct tool *t = &e->tools[i];
        if (t->call_id.len == 0)
            t->call_id = random_id(e, "call_");
        sy_jw_obj_begin(&e->w);
        key_str(&e->w, "id", t->call_id);
        key_str(&e->w, "type", SY_LIT("function"));
        sy_jw_key(&e->w, "function");
        sy_jw_obj_begin(&e->w);
        key_str(&e->w, "name", t->name);
        key_str(&e->w, "arguments", sy_buf_slice(&t->args));
        sy_jw_obj_end(&e->w);
        sy_jw_obj_end(&e->w);
    }
    sy_jw_arr_end(&e->w);
}

static void write_message(struct sy_chat_encoder *e)
{
    sy_jw_key(&e->w, "message");
    sy_jw_obj_begin(&e->w);
    key_str(&e->w, "role", SY_LIT("assistant"));
    sy_jw_key(&e->w, "content");
    if (e->text.len == 0 && (e->ntools || e->saw_refusal))
        sy_jw_null(&e->w);
    else
        sy_jw_str(&e->w, e->text.len ? sy_buf_slice(&e->text) : SY_LIT(""));
    sy_jw_key(&e->w, "refusal");
    if (e->saw_refusal)
        sy_jw_str(&e->w, e->refusal.len ? sy_buf_slice(&e->refusal) : SY_LIT(""));
    else
        sy_jw_null(&e->w);
    if (e->reasoning.len)
        key_str(&e->w, "reasoning_content", sy_buf_slice(&e->reasoning));
    if (e->ntools)
        write_tool_calls(e);
    sy_jw_key(&e->w, "annotations");
    sy_jw_arr_begin(&e->w);
    sy_jw_arr_end(&e->w);
    sy_jw_obj_end(&e->w);
}

/* The whole chat.completion into e->final. */
static void build_final(struct sy_chat_encoder *e)
{
    write_head(e, "chat.completion");
    sy_jw_key(&e->w, "choices");
    sy_jw_arr_begin(&e->w);
    sy_jw_obj_begin(&e->w);
    sy_jw_key(&e->w, "index");
    sy_jw_int(&e->w, 0);
    write_message(e);
    struct sy_buf tmp;
    sy_buf_init(&tmp, SY_BUF_UNCAPPED);
    if (e->o.want_logprobs) {
        write_logprobs(&e->w, e->lp.len ? sy_buf_slice(&e->lp) : SY_LIT(""), &tmp, &e->err);
    } else {
        sy_jw_key(&e->w, "logprobs");
        sy_jw_null(&e->w);
    }
    sy_buf_free(&tmp);
    sy_jw_key(&e->w, "finish_reason");
    sy_jw_cstr(&e->w, finish_reason(e));
    sy_jw_obj_end(&e->w);
    sy_jw_arr_end(&e->w);
    if (e->usage.present)
        write_usage(&e->w, &e->usage);
    write_service_tier(e);
    sy_jw_obj_end(&e->w);
    fail_st(e, sy_jw_status(&e->w));
    if (e->err == SY_OK)
        e->final = sy_arena_dup(e->a, sy_buf_slice(&e->chunk));
}

static void on_end(struct sy_chat_encoder *e)
{
    e->done = true;
    if (!streaming(e)) {
        build_final(e);
        return;
    }
    for (size_t i = 0; i < e->ntools; i++)
        if (e->tools[i].index < 0)
            announce(e, &e->tools[i]); /* never named: announced with name "" */
    chunk_begin(e);
    chunk_end(e, NULL, finish_reason(e));
    if (e->o.include_usage && e->usage.present)
        usage_chunk(e);
    if (e->err == SY_OK)
        fail_st(e, sy_sse_write_done(e->o.sse_out));
}

static void on_error(struct sy_chat_encoder *e, const struct sy_ir_event *ev)
{
    e->done = e->failed = true;
    e->fail_status = ev->status != SY_OK ? ev->status : SY_EUPSTREAM;
    const char *code = ev->code ? ev->code : sy_status_code(e->fail_status);
    const char *msg = ev->message && *ev->message ? ev->message : sy_status_msg(e->fail_status);
    e->fail_code = code ? sy_arena_strndup(e->a, code, strlen(code)) : NULL;
    e->fail_message = sy_arena_strndup(e->a, msg, strlen(msg));
    if (!streaming(e))
        return;
    sy_buf_reset(&e->chunk);
    sy_jw_init(&e->w, &e->chunk);
    sy_jw_obj_begin(&e->w);
    sy_jw_key(&e->w, "error");
    sy_jw_obj_begin(&e->w);
    key_str(&e->w, "message", sy_slice_cstr(e->fail_message));
    key_str(&e->w, "type", sy_slice_cstr(sy_status_type(e->fail_status)));
    sy_jw_key(&e->w, "param");
    sy_jw_null(&e->w);
    sy_jw_key(&e->w, "code");
    sy_jw_cstr(&e->w, e->fail_code);
    sy_jw_obj_end(&e->w);
    sy_jw_obj_end(&e->w);
    fail_st(e, sy_jw_status(&e->w));
    if (e->err == SY_OK)
        fail_st(e, sy_sse_write_event(e->o.sse_out, SY_LIT(""), sy_buf_slice(&e->chunk)));
    if (e->err == SY_OK)
        fail_st(e, sy_sse_write_done(e->o.sse_out));
}

static void on_delta(struct sy_chat_encoder *e, const struct sy_ir_event *ev)
{
    switch (ev->kind) {
    case SY_IR_TEXT_DELTA:
        on_text(e, ev);
        break;
    case SY_IR_REFUSAL_DELTA:
        e->saw_refusal = true;
        if (!streaming(e))
            append(e, &e->refusal, ev->text);
        else if (ev->text.len)
            delta_chunk(e, "refusal", ev->text, NULL);
        break;
    case SY_IR_REASONING_DELTA:
        if (!streaming(e))
            append(e, &e->reasoning, ev->text);
        else if (ev->text.len)
            delta_chunk(e, "reasoning_content", ev->text, NULL);
        break;
    case SY_IR_TOOL_DELTA:
        on_tool(e, ev);
        break;
    case SY_IR_USAGE:
        if (ev->usage && ev->usage->present)
            e->usage = *ev->usage;
        break;
    case SY_IR_FINISH:
        e->finish = ev->finish;
        break;
    default:
        break;
    }
}

static sy_status on_event(struct sy_ir_sink *self, const struct sy_ir_event *ev)
{
    struct sy_chat_encoder *e = (struct sy_chat_encoder *)((char *)self - offsetof(struct sy_chat_encoder, sink));
    if (e->err != SY_OK)
        return e->err;
    if (e->done)
        return SY_OK;
    if (ev->kind == SY_IR_START) {
        if (!e->started)
            on_start(e, ev);
        return e->err;
    }
    if (!e->started && ev->kind != SY_IR_ERROR)
        on_start(e, NULL);
    if (ev->kind == SY_IR_END)
        on_end(e);
    else if (ev->kind == SY_IR_ERROR)
        on_error(e, ev);
    else
        on_delta(e, ev);
    return e->err;
}

/* ------------------------------------------------------------------ public */

static void encoder_free(void *p)
{
    struct sy_chat_encoder *e = p;
    sy_buf_free(&e->text);
    sy_buf_free(&e->refusal);
    sy_buf_free(&e->reasoning);
    sy_buf_free(&e->lp);
    sy_buf_free(&e->chunk);
    for (size_t i = 0; i < e->ntools; i++)
        sy_buf_free(&e->tools[i].args);
}

struct sy_chat_encoder *sy_chat_encoder_new(struct sy_arena *a, const struct sy_chat_encoder_opts *o)
{
    struct sy_chat_encoder *e = sy_arena_alloc(a, sizeof *e);
    e->a = a;
    e->o = *o;
    e->sink.event = on_event;
    e->err = SY_OK;
    e->fail_status = SY_OK;
    e->finish = SY_FINISH_NONE;
    sy_buf_init(&e->text, TEXT_MAX);
    sy_buf_init(&e->refusal, TEXT_MAX);
    sy_buf_init(&e->reasoning, TEXT_MAX);
    sy_buf_init(&e->lp, TEXT_MAX);
    sy_buf_init(&e->chunk, SY_BUF_UNCAPPED);
    sy_arena_defer(a, encoder_free, e);
    return e;
}

struct sy_ir_sink *sy_chat_encoder_sink(struct sy_chat_encoder *e) { return &e->sink; }

sy_slice sy_chat_encoder_final(const struct sy_chat_encoder *e) { return e->final; }

const struct sy_ir_usage *sy_chat_encoder_usage(const struct sy_chat_encoder *e)
{
    return e->usage.present ? &e->usage : NULL;
}

bool sy_chat_encoder_failed(const struct sy_chat_encoder *e, sy_status *status, const char **code, const char **message)
{
    if (!e->failed)
        return false;
    if (status)
        *status = e->fail_status;
    if (code)
        *code = e->fail_code;
    if (message)
        *message = e->fail_message;
    return true;
}
