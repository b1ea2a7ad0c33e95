/* Responses codec, response direction: IR stream events → the Responses SSE event sequence and
 * the final Response object (mapping.md §4.1). One state machine decides item boundaries, ids,
 * output_index, content_index and sequence numbers; the non-streaming path runs the same
 * machine with no SSE output, so both paths produce the same object.
 *
 * Item policy. Channels (reasoning, text, refusal) open an item when they start and close the
 * current one when another channel takes over; text and refusal are parts of one message item.
 * Tool calls: the event model cannot reopen a closed item, and the IR does not say when a call's
 * fragments are over, so the first tool call is the only one streamed live and it stays open
 * until END. Everything that arrives after it opened — further tool calls (even interleaved
 * 0,1,0,1 fragments), text, refusal, reasoning — is buffered and emitted at END: tool calls in
 * key order (added, one arguments.delta with the full string, arguments.done, done), then the
 * buffered text/refusal/reasoning deltas replayed in arrival order. A tool call is added only
 * once its name is known (fragments before it are buffered); one that never gets a name is
 * emitted at END with name "". The last item emitted carries the terminal item status.
 * On ERROR (and cancel) the open item is closed as incomplete and everything held back is
 * dropped: it never reached the client, and an incomplete item must be the last one. */
#include "translate/responses.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "sse/sse.h"
#include "translate/responses_encoder_state.h"
#include "translate/responses_internal.h"

/* ------------------------------------------------------------------ ids */

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t next_rand(struct sy_responses_encoder *e) /* xoshiro256** */
{
    uint64_t *s = e->rng, r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return r;
}

static void seed_rng(struct sy_responses_encoder *e)
{
    uint64_t x = e->o.id_seed;
    if (x == 0 && getrandom(e->rng, sizeof e->rng, 0) == (ssize_t)sizeof e->rng && (e->rng[0] | e->rng[1]))
        return;
    if (x == 0)
        x = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)e;
    for (int i = 0; i < 4; i++) { /* splitmix64 */
        uint64_t z = (x += 0x9E3779B97F4A7C15u);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
        e->rng[i] = z ^ (z >> 31);
    }
}

static sy_slice new_id(struct sy_responses_encoder *e, const char *prefix)
{
    if (e->o.id_fn)
        return sy_arena_dup(e->a, e->o.id_fn(e->o.id_ctx, prefix));
    static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    size_t p = strlen(prefix);
    char *s = sy_arena_alloc(e->a, p + ID_RANDOM + 1);
    memcpy(s, prefix, p);
    for (size_t i = 0; i < ID_RANDOM; i++)
        s[p + i] = alnum[next_rand(e) % 62];
    return sy_slice_from(s, p + ID_RANDOM);
}

/* ------------------------------------------------------------------ emitting */


static void fail_st(struct sy_responses_encoder *e, sy_status st)
{
    if (e->err == SY_OK && st != SY_OK)
        e->err = st;
}

static void append(struct sy_responses_encoder *e, struct sy_buf *b, sy_slice s)
{
    if (s.len)
        fail_st(e, sy_buf_append(b, s.ptr, s.len));
}

/* Start an event: {"type":…,"sequence_number":…  — the caller adds fields, then ev_end. */
static struct sy_json_writer *ev_begin(struct sy_responses_encoder *e, const char *type)
{
    sy_buf_reset(&e->ev);
    sy_jw_init(&e->w, &e->ev);
    sy_jw_obj_begin(&e->w);
    sy_jw_key(&e->w, "type");
    sy_jw_cstr(&e->w, type);
    sy_jw_key(&e->w, "sequence_number");
    sy_jw_int(&e->w, e->seq++);
    return &e->w;
}

static void ev_end(struct sy_responses_encoder *e, const char *type)
{
    sy_jw_obj_end(&e->w);
    fail_st(e, sy_jw_status(&e->w));
    if (e->err == SY_OK && e->o.sse_out)
        fail_st(e, sy_sse_write_event(e->o.sse_out, sy_slice_cstr(type), view(&e->ev)));
}

/* item_id, output_index[, content_index] of the open item. */
static void ev_where(struct sy_responses_encoder *e, bool with_ci)
{
    sy_jw_key(&e->w, "item_id");
    sy_jw_str(&e->w, e->item_id);
    sy_jw_key(&e->w, "output_index");
    sy_jw_int(&e->w, e->oi);
    if (with_ci) {
        sy_jw_key(&e->w, "content_index");
        sy_jw_int(&e->w, e->ci);
    }
}

static void ev_text(struct sy_responses_encoder *e, const char *key, sy_slice s)
{
    sy_jw_key(&e->w, key);
    sy_jw_str(&e->w, s.ptr ? s : SY_LIT(""));
}

static void ev_raw(struct sy_responses_encoder *e, const char *key, sy_slice json)
{
    sy_jw_key(&e->w, key);
    sy_jw_raw(&e->w, json);
}

/* "[" entries "]" as arena text. */
static sy_slice bracket(struct sy_responses_encoder *e, sy_slice entries)
{
    char *s = sy_arena_alloc(e->a, entries.len + 3);
    s[0] = '[';
    if (entries.len)
        memcpy(s + 1, entries.ptr, entries.len);
    s[entries.len + 1] = ']';
    return sy_slice_from(s, entries.len + 2);
}

/* ------------------------------------------------------------------ item JSON */

/* Begin an item object in e->item: {"id":…,"type":…,"status":… */
static struct sy_json_writer *item_begin(struct sy_responses_encoder *e, struct sy_json_writer *w, const char *type,
                                         const char *status)
{
    sy_buf_reset(&e->item);
    sy_jw_init(w, &e->item);
    sy_jw_obj_begin(w);
    sy_jw_key(w, "id");
    sy_jw_str(w, e->item_id);
    sy_jw_key(w, "type");
    sy_jw_cstr(w, type);
    sy_jw_key(w, "status");
    sy_jw_cstr(w, status);
    return w;
}

static sy_slice item_end(struct sy_responses_encoder *e, struct sy_json_writer *w)
{
    sy_jw_obj_end(w);
    fail_st(e, sy_jw_status(w));
    return view(&e->item);
}

static sy_slice item_json(struct sy_responses_encoder *e, const char *status, bool final)
{
    struct sy_json_writer w;
    switch (e->cur) {
    case CUR_MESSAGE:
        item_begin(e, &w, "message", status);
        sy_jw_key(&w, "role");
        sy_jw_cstr(&w, "assistant");
        sy_jw_key(&w, "content");
        sy_jw_raw(&w, final ? bracket(e, view(&e->content)) : SY_LIT("[]"));
        break;
    case CUR_TOOL:
        item_begin(e, &w, "function_call", status);
        sy_jw_key(&w, "call_id");
        sy_jw_str(&w, e->tool->call_id);
        sy_jw_key(&w, "name");
        sy_jw_str(&w, e->tool->name);
        sy_jw_key(&w, "arguments");
        sy_jw_str(&w, final ? view(&e->tool->args) : SY_LIT(""));
        break;
    default:
        item_begin(e, &w, "reasoning", status);
        sy_jw_key(&w, "summary");
        sy_jw_raw(&w, SY_LIT("[]"));
        if (final) {
            sy_jw_key(&w, "content");
            sy_jw_arr_begin(&w);
            sy_jw_obj_begin(&w);
            sy_jw_key(&w, "type");
            sy_jw_cstr(&w, "reasoning_text");
            sy_jw_key(&w, "text");
            sy_jw_str(&w, view(&e->text));
            sy_jw_obj_end(&w);
            sy_jw_arr_end(&w);
        }
        break;
    }
    return item_end(e, &w);
}

/* Part JSON: output_text / refusal / reasoning_text with the text so far (empty when opening). */
static sy_slice part_json(struct sy_responses_encoder *e, bool final)
{
    struct sy_buf *b = &e->item;
    struct sy_json_writer w;
    sy_slice text = final ? view(&e->text) : SY_LIT("");
    sy_buf_reset(b);
    sy_jw_init(&w, b);
    sy_jw_obj_begin(&w);
    sy_jw_key(&w, "type");
    if (e->cur == CUR_REASONING || e->part == PART_TEXT)
        sy_jw_cstr(&w, e->cur == CUR_REASONING ? "reasoning_text" : "output_text");
    else
        sy_jw_cstr(&w, "refusal");
    sy_jw_key(&w, e->part == PART_REFUSAL && e->cur == CUR_MESSAGE ? "refusal" : "text");
    sy_jw_str(&w, text.ptr ? text : SY_LIT(""));
    if (e->cur == CUR_MESSAGE && e->part == PART_TEXT) {
        sy_jw_key(&w, "annotations");
        sy_jw_raw(&w, SY_LIT("[]"));
        sy_jw_key(&w, "logprobs");
        sy_jw_raw(&w, final ? bracket(e, view(&e->lp)) : SY_LIT("[]"));
    }
    sy_jw_obj_end(&w);
    fail_st(e, sy_jw_status(&w));
    return view(b);
}

/* ------------------------------------------------------------------ items and parts */

static void open_item(struct sy_responses_encoder *e, enum cur kind, const char *prefix)
{
    e->cur = kind;
    e->item_id = new_id(e, prefix);
    e->oi = e->next_oi++;
    e->part = PART_NONE;
    e->ci = e->nparts = 0;
    sy_buf_reset(&e->text);
    sy_buf_reset(&e->lp);
    sy_buf_reset(&e->content);
    sy_slice item = item_json(e, "in_progress", false);
    ev_begin(e, "response.output_item.added");
    sy_jw_key(&e->w, "output_index");
    sy_jw_int(&e->w, e->oi);
    ev_raw(e, "item", item);
    ev_end(e, "response.output_item.added");
}

static void part_event(struct sy_responses_encoder *e, const char *type, bool final)
{
    sy_slice part = part_json(e, final);
    ev_begin(e, type);
    ev_where(e, true);
    ev_raw(e, "part", part);
    ev_end(e, type);
}

static void open_part(struct sy_responses_encoder *e, enum part kind)
{
    e->part = kind;
    e->ci = e->nparts++;
    sy_buf_reset(&e->text);
    sy_buf_reset(&e->lp);
    part_event(e, "response.content_part.added", false);
}

static const char *reasoning_event(const struct sy_responses_encoder *e, bool done)
{
    if (e->o.reasoning_event_names_or)
        return done ? "response.reasoning.done" : "response.reasoning.delta";
    return done ? "response.reasoning_text.done" : "response.reasoning_text.delta";
}

/* The *.done event of the open part or reasoning text, then content_part.done. */
static void close_part(struct sy_responses_encoder *e)
{
    if (e->cur == CUR_MESSAGE && e->part == PART_NONE)
        return;
    const char *type = e->cur == CUR_REASONING  ? reasoning_event(e, true)
                       : e->part == PART_TEXT ? "response.output_text.done"
                                              : "response.refusal.done";
    ev_begin(e, type);
    ev_where(e, true);
    ev_text(e, e->part == PART_REFUSAL ? "refusal" : "text", view(&e->text));
    if (e->cur == CUR_MESSAGE && e->part == PART_TEXT)
        ev_raw(e, "logprobs", bracket(e, view(&e->lp)));
    ev_end(e, type);
    part_event(e, "response.content_part.done", true);
    if (e->cur == CUR_MESSAGE) {
        if (e->content.len)
            append(e, &e->content, SY_LIT(","));
        append(e, &e->content, view(&e->item));
    }
    e->part = PART_NONE;
}

static void close_cur(struct sy_responses_encoder *e, const char *status)
{
    if (e->cur == CUR_NONE)
        return;
    if (e->cur == CUR_TOOL) {
        ev_begin(e, "response.function_call_arguments.done");
        ev_where(e, false);
        ev_text(e, "name", e->tool->name);
        ev_text(e, "arguments", view(&e->tool->args));
        ev_end(e, "response.function_call_arguments.done");
    } else {
        close_part(e);
    }
    sy_slice item = item_json(e, status, true);
    ev_begin(e, "response.output_item.done");
    sy_jw_key(&e->w, "output_index");
    sy_jw_int(&e->w, e->oi);
    ev_raw(e, "item", item);
    ev_end(e, "response.output_item.done");
    if (e->items.len)
        append(e, &e->items, SY_LIT(","));
    append(e, &e->items, item);
    e->cur = CUR_NONE;
    e->tool = NULL;
}

/* ------------------------------------------------------------------ channels */

static void defer(struct sy_responses_encoder *e, const struct sy_ir_event *ev)
{
    struct deferred *d = sy_arena_alloc(e->a, sizeof *d);
    d->kind = ev->kind;
    d->text = sy_arena_dup(e->a, ev->text);
    d->logprobs = ev->logprobs.len ? sy_arena_dup(e->a, ev->logprobs) : SY_SLICE_NULL;
    if (e->dtail)
        e->dtail->next = d;
    else
        e->dhead = d;
    e->dtail = d;
}

/* Text or refusal delta into the current message (opening item and part as needed). */
static void on_message_delta(struct sy_responses_encoder *e, enum part kind, const struct sy_ir_event *ev)
{
    if (!ev->text.len && !(kind == PART_TEXT && ev->logprobs.len && e->req->want_logprobs))
        return;
    if (e->deferring) {
        defer(e, ev);
        return;
    }
    if (e->cur != CUR_MESSAGE) {
        close_cur(e, "completed");
        open_item(e, CUR_MESSAGE, "msg_");
    }
    if (e->part != kind) {
        close_part(e);
        open_part(e, kind);
    }
    append(e, &e->text, ev->text);
    size_t mark = e->lp.len;
    if (kind == PART_TEXT && e->req->want_logprobs && sy_rs_logprobs_append(&e->lp, ev->logprobs) < 0)
        fail_st(e, SY_ETOOBIG);
    const char *type = kind == PART_TEXT ? "response.output_text.delta" : "response.refusal.delta";
    ev_begin(e, type);
    ev_where(e, true);
    ev_text(e, "delta", ev->text);
    if (kind == PART_TEXT) {
        sy_slice mine = SY_SLICE_NULL;
        if (e->lp.len > mark) /* this delta's entries, without the separating comma */
            mine = sy_slice_from(e->lp.data + mark + (mark ? 1 : 0), e->lp.len - mark - (mark ? 1 : 0));
        ev_raw(e, "logprobs", bracket(e, mine));
    }
    ev_end(e, type);
}

static void on_reasoning(struct sy_responses_encoder *e, const struct sy_ir_event *ev)
{
    if (!ev->text.len)
        return;
    if (e->deferring) {
        defer(e, ev);
        return;
    }
    if (e->cur != CUR_REASONING) {
        close_cur(e, "completed");
        open_item(e, CUR_REASONING, "rs_");
        open_part(e, PART_TEXT);
    }
    append(e, &e->text, ev->text);
    const char *type = reasoning_event(e, false);
    ev_begin(e, type);
    ev_where(e, true);
    ev_text(e, "delta", ev->text);
    ev_end(e, type);
}

/* ------------------------------------------------------------------ tool calls */

static void args_delta(struct sy_responses_encoder *e, sy_slice delta)
{
    ev_begin(e, "response.function_call_arguments.delta");
    ev_where(e, false);
    ev_text(e, "delta", delta);
    ev_end(e, "response.function_call_arguments.delta");
}

static bool call_id_taken(const struct sy_responses_encoder *e, const struct tool *t)
{
    for (size_t i = 0; i < e->ntools; i++) {
        const struct tool *o = e->tools[i];
        if (o != t && o->state == T_OPEN && sy_slice_eq(o->call_id, t->call_id))
            return true;
    }
    return false;
}

/* Add the tool call's item (with its name) and send what was buffered as one delta. */
static void open_tool(struct sy_responses_encoder *e, struct tool *t)
{
    close_cur(e, "completed");
    if (!t->call_id.len || call_id_taken(e, t))
        t->call_id = new_id(e, "call_");
    if (!t->name.ptr)
        t->name = SY_LIT("");
    t->state = T_OPEN;
    e->tool = t;
    open_item(e, CUR_TOOL, "fc_");
    if (t->args.len)
        args_delta(e, view(&t->args));
}

static void free_tool(void *p) { sy_buf_free(&((struct tool *)p)->args); }

static struct tool *find_or_add_tool(struct sy_responses_encoder *e, uint32_t key)
{
    struct tool **tools = e->tools;
    for (size_t i = 0; i < e->ntools; i++)
        if (tools[i]->key == key)
            return tools[i];
    if (e->ntools == TOOLS_MAX) {
        fail_st(e, SY_ETOOBIG);
        return NULL;
    }
    if (e->ntools == e->captools) {
        size_t cap = e->captools ? e->captools * 2 : 8;
        struct tool **n = sy_arena_alloc(e->a, cap * sizeof *n);
        if (e->ntools)
            memcpy(n, tools, e->ntools * sizeof *n);
        e->tools = n;
        e->captools = cap;
        tools = n;
    }
    struct tool *t = sy_arena_alloc(e->a, sizeof *t);
    t->key = key;
    sy_buf_init(&t->args, TEXT_MAX);
    sy_arena_defer(e->a, free_tool, t);
    if (!e->live) {
        e->live = t;
        t->state = T_WAIT;
    } else {
        t->state = T_DEFERRED;
    }
    tools[e->ntools++] = t;
    return t;
}

static void on_tool(struct sy_responses_encoder *e, const struct sy_ir_event *ev)
{
    struct tool *t = find_or_add_tool(e, ev->key);
    if (!t)
        return;
    if (t->state != T_OPEN) {
        if (!t->call_id.len && ev->id.len)
            t->call_id = sy_arena_dup(e->a, ev->id);
        if (!t->named && ev->name.len) {
            t->name = sy_arena_dup(e->a, ev->name);
            t->named = true;
        }
    }
    append(e, &t->args, ev->text);
    if (t->state == T_WAIT && t->named) {
        open_tool(e, t);
        e->deferring = true;
    } else if (t->state == T_OPEN && ev->text.len) {
        args_delta(e, ev->text);
    }
}

/* ------------------------------------------------------------------ lifecycle */

static sy_slice write_object(struct sy_responses_encoder *e, const char *status, bool final)
{
    bool completed = final && strcmp(status, "completed") == 0;
    struct sy_rs_snapshot s = {
        .status = status,
        .completed_at = !completed ? -1 : e->o.completed_at > 0 ? e->o.completed_at : (int64_t)time(NULL),
        .output = bracket(e, view(&e->items)),
        .usage = final && e->usage.present ? &e->usage : NULL,
        .incomplete_reason = !final || strcmp(status, "incomplete") != 0 ? NULL
                             : e->finish == SY_FINISH_CONTENT_FILTER  ? "content_filter"
                                                                      : "max_output_tokens",
        .error_code = final ? e->err_code : NULL,
        .error_message = e->err_msg,
    };
    struct sy_json_writer w;
    sy_buf_reset(&e->item);
    sy_jw_init(&w, &e->item);
    sy_rs_write_response(&w, e->req, &e->o, &s);
    fail_st(e, sy_jw_status(&w));
    return sy_arena_dup(e->a, view(&e->item));
}

static void lifecycle_event(struct sy_responses_encoder *e, const char *type, sy_slice object)
{
    ev_begin(e, type);
    ev_raw(e, "response", object);
    ev_end(e, type);
}

static void start(struct sy_responses_encoder *e)
{
    e->phase = PH_RUNNING;
    if (e->req->background) {
        sy_slice queued = write_object(e, "queued", false);
        lifecycle_event(e, "response.created", queued);
        lifecycle_event(e, "response.queued", queued);
    } else {
        lifecycle_event(e, "response.created", write_object(e, "in_progress", false));
    }
    e->status = "in_progress";
    lifecycle_event(e, "response.in_progress", write_object(e, "in_progress", false));
}

/* Final object, the terminal event carrying it (type NULL: none), then [DONE]. */
static void finish(struct sy_responses_encoder *e, const char *type, const char *status)
{
    e->final = write_object(e, status, true);
    if (type)
        lifecycle_event(e, type, e->final);
    if (e->err == SY_OK && e->o.sse_out)
        fail_st(e, sy_sse_write_done(e->o.sse_out));
    e->status = status;
    e->phase = PH_DONE;
}

static int by_key(const void *a, const void *b)
{
    uint32_t x = (*(struct tool *const *)a)->key, y = (*(struct tool *const *)b)->key;
    return x < y ? -1 : x > y;
}

/* END: emit what was held back (see the policy at the top of this file). */
static void flush(struct sy_responses_encoder *e)
{
    if (e->live && e->live->state == T_WAIT)
        open_tool(e, e->live);
    if (e->ntools > 1) {
        struct tool **order = sy_arena_alloc(e->a, e->ntools * sizeof *order);
        memcpy(order, e->tools, e->ntools * sizeof *order);
        qsort(order, e->ntools, sizeof *order, by_key);
        for (size_t i = 0; i < e->ntools; i++)
            if (order[i]->state == T_DEFERRED)
                open_tool(e, order[i]);
    }
    e->deferring = false;
    for (const struct deferred *d = e->dhead; d; d = d->next) {
        struct sy_ir_event ev = { .kind = d->kind, .text = d->text, .logprobs = d->logprobs };
        if (d->kind == SY_IR_REASONING_DELTA)
            on_reasoning(e, &ev);
        else
            on_message_delta(e, d->kind == SY_IR_REFUSAL_DELTA ? PART_REFUSAL : PART_TEXT, &ev);
    }
    e->dhead = e->dtail = NULL;
}

static void on_end(struct sy_responses_encoder *e)
{
    bool incomplete = e->finish == SY_FINISH_LENGTH || e->finish == SY_FINISH_CONTENT_FILTER;
    flush(e);
    if (e->next_oi == 0) { /* nothing at all: one empty message keeps `output` non-empty */
        open_item(e, CUR_MESSAGE, "msg_");
        open_part(e, PART_TEXT);
    }
    close_cur(e, incomplete ? "incomplete" : "completed");
    finish(e, incomplete ? "response.incomplete" : "response.completed", incomplete ? "incomplete" : "completed");
}

static void on_error(struct sy_responses_encoder *e, const struct sy_ir_event *ev)
{
    close_cur(e, "incomplete");
    sy_status st = ev->status == SY_OK ? SY_EUPSTREAM : ev->status;
    e->err_code = st == SY_ERATELIMIT ? "rate_limit_exceeded" : "server_error";
    e->err_msg = sy_arena_dup(e->a, sy_slice_cstr(ev->message && *ev->message ? ev->message : sy_status_msg(st)));
    finish(e, "response.failed", "failed");
}

static sy_status sink_event(struct sy_ir_sink *self, const struct sy_ir_event *ev)
{
    struct sy_responses_encoder *e =
        (struct sy_responses_encoder *)(void *)((char *)self - offsetof(struct sy_responses_encoder, sink));
    if (e->err != SY_OK || e->phase == PH_DONE)
        return e->err;
    if (e->phase == PH_NEW)
        start(e);
    switch (ev->kind) {
    case SY_IR_START: break;
    case SY_IR_TEXT_DELTA: on_message_delta(e, PART_TEXT, ev); break;
    case SY_IR_REFUSAL_DELTA: on_message_delta(e, PART_REFUSAL, ev); break;
    case SY_IR_REASONING_DELTA: on_reasoning(e, ev); break;
    case SY_IR_TOOL_DELTA: on_tool(e, ev); break;
    case SY_IR_USAGE:
        if (ev->usage) {
            e->usage = *ev->usage;
            e->usage.present = true;
        }
        break;
    case SY_IR_FINISH: e->finish = ev->finish; break;
    case SY_IR_END: on_end(e); break;
    case SY_IR_ERROR: on_error(e, ev); break;
    }
    return e->err;
}

/* ------------------------------------------------------------------ API */

static void encoder_free(void *p)
{
    struct sy_responses_encoder *e = p;
    sy_buf_free(&e->text);
    sy_buf_free(&e->lp);
    sy_buf_free(&e->content);
    sy_buf_free(&e->items);
    sy_buf_free(&e->ev);
    sy_buf_free(&e->item);
}

struct sy_responses_encoder *sy_responses_encoder_new(struct sy_arena *a, const struct sy_ir_request *req,
                                                      const struct sy_responses_encode_opts *o)
{
    struct sy_responses_encoder *e = sy_arena_alloc(a, sizeof *e);
    e->a = a;
    e->req = req;
    e->o = *o;
    e->o.response_id = sy_arena_dup(a, o->response_id);
    e->o.model = sy_arena_dup(a, o->model);
    e->sink.event = sink_event;
    e->status = req->background ? "queued" : "in_progress";
    sy_buf_init(&e->text, TEXT_MAX);
    sy_buf_init(&e->lp, TEXT_MAX);
    sy_buf_init(&e->content, 4 * TEXT_MAX);
    sy_buf_init(&e->items, 4 * TEXT_MAX);
    sy_buf_init(&e->ev, 8 * TEXT_MAX);
    sy_buf_init(&e->item, 8 * TEXT_MAX);
    sy_arena_defer(a, encoder_free, e);
    seed_rng(e);
    return e;
}

struct sy_ir_sink *sy_responses_encoder_sink(struct sy_responses_encoder *e) { return &e->sink; }

sy_slice sy_responses_encoder_final(const struct sy_responses_encoder *e) { return e->final; }

const char *sy_responses_encoder_status(const struct sy_responses_encoder *e) { return e->status; }

const struct sy_ir_usage *sy_responses_encoder_usage(const struct sy_responses_encoder *e)
{
    return e->usage.present ? &e->usage : NULL;
}

sy_slice sy_responses_encoder_snapshot(struct sy_responses_encoder *e)
{
    return e->phase == PH_DONE ? e->final : write_object(e, e->status, false);
}

sy_status sy_responses_encoder_cancel(struct sy_responses_encoder *e)
{
    if (e->err != SY_OK || e->phase == PH_DONE)
        return e->err;
    if (e->phase == PH_NEW)
        start(e);
    close_cur(e, "incomplete");
    finish(e, NULL, "cancelled");
    return e->err;
}
