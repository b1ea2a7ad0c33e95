/* Responses codec, upstream side: a Responses upstream's SSE event stream → IR events
 * (mapping.md §4.2, responses-api.md §9).
 *
 * The JSON `type` decides (the SSE `event:` name only when `type` is missing; sequence_number is
 * not needed, older streams lack it). Per event:
 *   response.created / in_progress / queued → START (id, model, created_at) the first time;
 *   output_item.added → remembers output_index → item; a function_call gets the next tool key
 *     (its order among function calls) and sends TOOL_DELTA with call_id and name;
 *   output_text.delta (response.text.delta) → TEXT_DELTA with the event's logprobs when non-empty;
 *   refusal.delta → REFUSAL_DELTA; reasoning_text.delta, reasoning.delta,
 *   reasoning_summary_text.delta (reasoning_summary.delta) → REASONING_DELTA;
 *   function_call_arguments.delta → TOOL_DELTA fragment;
 *   the matching .done events and output_item.done send only what no delta sent (a part that got
 *     no deltas sends its full text once; a call that got no argument deltas sends `arguments`
 *     as one fragment, so no call is lost);
 *   response.completed / incomplete → the items of the final `output` the stream did not finish
 *     (matched by index), then USAGE, FINISH, END; response.failed → USAGE, ERROR; `error` (flat
 *     SDK form or nested {error:{…}}) → ERROR. All ERRORs: SY_EUPSTREAM with the upstream code
 *     (default "server_error") and message.
 * Anything before START that must emit sends an empty START first. Hosted-tool events,
 * content_part.*, annotations, summary_part.*, keep-alives, unknown types: ignored, as is
 * everything after the terminal event and deltas for an item already done. "[DONE]" and empty
 * data are ignored. Malformed data (not JSON, not an object, wrong field types): SY_EUPSTREAM
 * with diag; like a sink failure it is sticky and the caller emits the ERROR. */
#include <string.h>

#include "translate/responses_internal.h"
#include "translate/responses_upstream.h"

#define MAX_ITEMS 4096u            /* output items per stream */
#define MAX_INDEX ((int64_t)1 << 20)

static const sy_slice none = { "", 0 };

enum channel { CH_TEXT, CH_REFUSAL, CH_REASONING, CH_SUMMARY };

struct state {
    struct sy_rsu_item *items;
    size_t              n, cap;
    uint32_t            calls;
    int64_t             last_oi;   /* for events without output_index */
    struct sy_buf       scratch;
};

static void state_free(void *p)
{
    sy_buf_free(&((struct state *)p)->scratch);
}

void sy_responses_stream_init(struct sy_responses_stream *s, struct sy_arena *a, struct sy_ir_sink *sink)
{
    memset(s, 0, sizeof *s);
    s->sink = sink;
    s->arena = a;
    s->failed = SY_OK;
    struct state *p = sy_arena_alloc(a, sizeof *p);
    sy_buf_init(&p->scratch, SY_BUF_UNCAPPED);
    sy_arena_defer(a, state_free, p);
    s->priv = p;
}

/* ------------------------------------------------------------------ START and items */

static sy_status ensure_started(struct sy_responses_stream *s, const struct sy_json *response)
{
    if (s->started)
        return SY_OK;
    int64_t created = 0;
    (void)sy_json_as_int(sy_json_get(response, "created_at"), &created);
    struct sy_ir_event ev = {
        .kind = SY_IR_START, .id = sy_rsu_str(response, "id"), .name = sy_rsu_str(response, "model"),
        .tier = sy_rsu_str(response, "service_tier"),
        .created = created,
    };
    s->started = true;
    return sy_rsu_emit(s->sink, &ev);
}

static struct sy_rsu_item *item_at(struct state *p, int64_t oi)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->items[i].oi == oi)
            return &p->items[i];
    return NULL;
}

static struct sy_rsu_item *item_add(struct sy_responses_stream *s, int64_t oi, enum sy_rsu_kind kind)
{
    struct state *p = s->priv;
    if (p->n == MAX_ITEMS)
        return NULL;
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 8;
        struct sy_rsu_item *n = sy_arena_alloc(s->arena, cap * sizeof *n);
        if (p->n)
            memcpy(n, p->items, p->n * sizeof *n);
        p->items = n;
        p->cap = cap;
    }
    struct sy_rsu_item *it = &p->items[p->n++];
    memset(it, 0, sizeof *it);
    it->oi = oi;
    it->kind = kind;
    if (kind == SY_RSU_CALL)
        it->key = p->calls++;
    return it;
}

/* output_index of an event (absent: the last one seen). false when it is not a sane integer. */
static bool event_oi(struct state *p, const struct sy_json *root, int64_t *oi)
{
    const struct sy_json *v = sy_json_get(root, "output_index");
    if (!v || sy_json_type_of(v) == SY_JSON_NULL) {
        *oi = p->last_oi;
        return true;
    }
    if (!sy_json_as_int(v, oi) || *oi < 0 || *oi >= MAX_INDEX)
        return false;
    p->last_oi = *oi;
    return true;
}

/* The item an event is about, created on first sight. *out NULL: the event is to be ignored
 * (the item is done, or is of another kind than the event needs). */
static sy_status item_for(struct sy_responses_stream *s, const struct sy_json *root, enum sy_rsu_kind kind,
                          struct sy_rsu_item **out, struct sy_diag *diag)
{
    int64_t oi;
    *out = NULL;
    if (!event_oi(s->priv, root, &oi))
        return sy_rsu_malformed(diag, "upstream sent an event with a bad `output_index`");
    struct sy_rsu_item *it = item_at(s->priv, oi);
    if (!it && !(it = item_add(s, oi, kind)))
        return sy_rsu_malformed(diag, "upstream sent too many output items");
    if (it->kind == SY_RSU_OTHER && kind != SY_RSU_CALL)
        it->kind = kind;
    if (!it->done && (it->kind == kind || kind != SY_RSU_CALL))
        *out = it;
    return SY_OK;
}

/* content_index or summary_index (absent: 0). */
static bool part_index(const struct sy_json *root, enum channel ch, int64_t *idx)
{
    const struct sy_json *v = sy_json_get(root, ch == CH_SUMMARY ? "summary_index" : "content_index");
    *idx = 0;
    return !v || sy_json_type_of(v) == SY_JSON_NULL || (sy_json_as_int(v, idx) && *idx >= 0);
}

/* A string field that may be absent or null. */
static bool field(const struct sy_json *root, const char *key, sy_slice *out)
{
    const struct sy_json *v = sy_json_get(root, key);
    *out = none;
    return !v || sy_json_type_of(v) == SY_JSON_NULL || sy_json_as_str(v, out);
}

/* ------------------------------------------------------------------ event handlers */

typedef sy_status (*handler_fn)(struct sy_responses_stream *s, const struct sy_json *root, int arg,
                                struct sy_diag *diag);

static sy_status on_lifecycle(struct sy_responses_stream *s, const struct sy_json *root, int arg, struct sy_diag *diag)
{
    (void)arg;
    (void)diag;
    return ensure_started(s, sy_json_get(root, "response"));
}

static sy_status on_item_added(struct sy_responses_stream *s, const struct sy_json *root, int arg, struct sy_diag *diag)
{
    (void)arg;
    struct state *p = s->priv;
    const struct sy_json *item = sy_json_get(root, "item");
    int64_t oi = (int64_t)p->n;
    if (sy_json_get(root, "output_index") && !event_oi(p, root, &oi))
        return sy_rsu_malformed(diag, "upstream sent an event with a bad `output_index`");
    if (sy_json_type_of(item) != SY_JSON_OBJECT)
        return sy_rsu_malformed(diag, "upstream sent output_item.added without an item object");
    p->last_oi = oi;
    if (item_at(p, oi))
        return SY_OK; /* repeated */
    struct sy_rsu_item *it = item_add(s, oi, sy_rsu_item_kind(item));
    if (!it)
        return sy_rsu_malformed(diag, "upstream sent too many output items");
    if (it->kind != SY_RSU_CALL)
        return SY_OK;
    sy_slice call_id, name;
    if (!field(item, "call_id", &call_id) || !field(item, "name", &name))
        return sy_rsu_malformed(diag, "upstream sent a malformed function_call item");
    struct sy_ir_event ev = { .kind = SY_IR_TOOL_DELTA, .key = it->key, .id = call_id, .name = name, .text = none };
    it->id_sent = call_id.len > 0;
    it->name_sent = name.len > 0;
    return sy_rsu_emit(s->sink, &ev);
}

static enum sy_ir_ev channel_event(enum channel ch)
{
    return ch == CH_TEXT ? SY_IR_TEXT_DELTA : ch == CH_REFUSAL ? SY_IR_REFUSAL_DELTA : SY_IR_REASONING_DELTA;
}

/* A text/refusal/reasoning event: deltas always send; .done events (is_done) send their full
 * text only for a part no delta reached. */
static sy_status channel_text(struct sy_responses_stream *s, const struct sy_json *root, enum channel ch, bool is_done,
                              struct sy_diag *diag)
{
    struct sy_rsu_item *it;
    enum sy_rsu_kind kind = ch == CH_TEXT || ch == CH_REFUSAL ? SY_RSU_MESSAGE : SY_RSU_REASONING;
    sy_status st = item_for(s, root, kind, &it, diag);
    if (st != SY_OK || !it)
        return st;
    int64_t idx;
    sy_slice text;
    const char *key = !is_done ? "delta" : ch == CH_REFUSAL ? "refusal" : "text";
    const struct sy_json *lp = ch == CH_TEXT ? sy_json_get(root, "logprobs") : NULL;
    enum sy_json_type lt = sy_json_type_of(lp);
    if (!part_index(root, ch, &idx) || !field(root, key, &text) || (lt != SY_JSON_NULL && lt != SY_JSON_ARRAY))
        return sy_rsu_malformed(diag, "upstream sent a malformed text event");
    uint64_t *mask = ch == CH_SUMMARY ? &it->summary_seen : &it->text_seen;
    if (is_done && sy_rsu_seen(it, *mask, idx))
        return SY_OK;
    it->streamed = true;
    if (idx < 64)
        *mask |= (uint64_t)1 << idx;
    return sy_rsu_text(s->sink, channel_event(ch), text, lp, &((struct state *)s->priv)->scratch);
}

static sy_status on_delta(struct sy_responses_stream *s, const struct sy_json *root, int arg, struct sy_diag *diag)
{
    return channel_text(s, root, (enum channel)arg, false, diag);
}

static sy_status on_part_done(struct sy_responses_stream *s, const struct sy_json *root, int arg, struct sy_diag *diag)
{
    return channel_text(s, root, (enum channel)arg, true, diag);
}

/* function_call_arguments.delta (arg 0) and .done (arg 1). */
static sy_status on_args(struct sy_responses_stream *s, const struct sy_json *root, int arg, struct sy_diag *diag)
{
    struct sy_rsu_item *it;
    sy_status st = item_for(s, root, SY_RSU_CALL, &it, diag);
    if (st != SY_OK || !it)
        return st;
    sy_slice text, name;
    if (!field(root, arg ? "arguments" : "delta", &text) || !field(root, "name", &name))
        return sy_rsu_malformed(diag, "upstream sent a malformed function_call_arguments event");
    if (arg && it->args_seen)
        return SY_OK;
    it->args_seen = true;
    struct sy_ir_event ev = { .kind = SY_IR_TOOL_DELTA, .key = it->key, .id = none, .text = text,
                              .name = it->name_sent ? none : name };
    it->name_sent |= ev.name.len > 0;
    if (ev.text.len == 0 && ev.name.len == 0)
        return SY_OK;
    return sy_rsu_emit(s->sink, &ev);
}

/* The final form of one item (output_item.done, or the terminal Response's output[oi]). */
static sy_status item_final(struct sy_responses_stream *s, int64_t oi, const struct sy_json *item,
                            struct sy_diag *diag)
{
    struct state *p = s->priv;
    enum sy_rsu_kind kind = sy_rsu_item_kind(item);
    struct sy_rsu_item *it = item_at(p, oi);
    if (!it && !(it = item_add(s, oi, kind)))
        return sy_rsu_malformed(diag, "upstream sent too many output items");
    if (it->done || kind == SY_RSU_OTHER)
        return SY_OK;
    if (it->kind != kind && it->kind != SY_RSU_OTHER)
        return SY_OK; /* another item at that index than the stream announced */
    if (it->kind != kind) {
        it->kind = kind;
        if (kind == SY_RSU_CALL)
            it->key = p->calls++;
    }
    return sy_rsu_item_final(s->sink, item, it, &p->scratch, diag);
}

static sy_status on_item_done(struct sy_responses_stream *s, const struct sy_json *root, int arg, struct sy_diag *diag)
{
    (void)arg;
    int64_t oi;
    const struct sy_json *item = sy_json_get(root, "item");
    if (!event_oi(s->priv, root, &oi) || sy_json_type_of(item) != SY_JSON_OBJECT)
        return sy_rsu_malformed(diag, "upstream sent a malformed output_item.done event");
    return item_final(s, oi, item, diag);
}

static const char *const terminal_status[] = { "completed", "incomplete", "failed" };

static sy_status on_terminal(struct sy_responses_stream *s, const struct sy_json *root, int arg, struct sy_diag *diag)
{
    const struct sy_json *response = sy_json_get(root, "response");
    if (sy_json_type_of(response) != SY_JSON_OBJECT)
        return sy_rsu_malformed(diag, "upstream sent a terminal event without a response object");
    sy_status st = ensure_started(s, response);
    sy_slice status = sy_rsu_str(response, "status");
    if (status.len == 0)
        status = sy_slice_cstr(terminal_status[arg]);
    bool failed = sy_slice_eq_cstr(status, "failed") || sy_slice_eq_cstr(status, "cancelled");
    const struct sy_json *output = sy_json_get(response, "output");
    for (size_t i = 0; st == SY_OK && !failed && i < sy_json_len(output); i++) {
        const struct sy_json *item = sy_json_at(output, i);
        if (sy_json_type_of(item) != SY_JSON_OBJECT)
            return sy_rsu_malformed(diag, "upstream sent an output item that is not an object");
        st = item_final(s, (int64_t)i, item, diag);
    }
    if (st != SY_OK)
        return st;
    s->finished = true;
    return sy_rsu_terminal(s->sink, response, terminal_status[arg], ((struct state *)s->priv)->calls > 0);
}

static sy_status on_error(struct sy_responses_stream *s, const struct sy_json *root, int arg, struct sy_diag *diag)
{
    (void)arg;
    (void)diag;
    const struct sy_json *err = sy_json_get(root, "error");
    sy_status st = ensure_started(s, NULL);
    s->finished = true;
    if (st != SY_OK)
        return st;
    return sy_rsu_error(s->sink, sy_json_type_of(err) == SY_JSON_OBJECT ? err : root, "the upstream stream failed");
}

/* ------------------------------------------------------------------ dispatch */

static const struct {
    const char *type;
    handler_fn  fn;
    int         arg;
} handlers[] = {
    { "response.created", on_lifecycle, 0 },
    { "response.in_progress", on_lifecycle, 0 },
    { "response.queued", on_lifecycle, 0 },
    { "response.output_item.added", on_item_added, 0 },
    { "response.output_item.done", on_item_done, 0 },
    { "response.output_text.delta", on_delta, CH_TEXT },
    { "response.text.delta", on_delta, CH_TEXT },
    { "response.output_text.done", on_part_done, CH_TEXT },
    { "response.text.done", on_part_done, CH_TEXT },
    { "response.refusal.delta", on_delta, CH_REFUSAL },
    { "response.refusal.done", on_part_done, CH_REFUSAL },
    { "response.reasoning_text.delta", on_delta, CH_REASONING },
    { "response.reasoning.delta", on_delta, CH_REASONING },
    { "response.reasoning_text.done", on_part_done, CH_REASONING },
    { "response.reasoning.done", on_part_done, CH_REASONING },
    { "response.reasoning_summary_text.delta", on_delta, CH_SUMMARY },
    { "response.reasoning_summary.delta", on_delta, CH_SUMMARY },
    { "response.reasoning_summary_text.done", on_part_done, CH_SUMMARY },
    { "response.reasoning_summary.done", on_part_done, CH_SUMMARY },
    { "response.function_call_arguments.delta", on_args, 0 },
    { "response.function_call_arguments.done", on_args, 1 },
    { "response.completed", on_terminal, 0 },
    { "response.incomplete", on_terminal, 1 },
    { "response.failed", on_terminal, 2 },
    { "error", on_error, 0 },
};

static sy_slice trim(sy_slice d)
{
    while (d.len > 0 && (d.ptr[0] == ' ' || d.ptr[0] == '\t' || d.ptr[0] == '\r' || d.ptr[0] == '\n')) {
        d.ptr++;
        d.len--;
    }
    while (d.len > 0 && (d.ptr[d.len - 1] == ' ' || d.ptr[d.len - 1] == '\t' || d.ptr[d.len - 1] == '\r' ||
                         d.ptr[d.len - 1] == '\n'))
        d.len--;
    return d;
}

static sy_status dispatch(struct sy_responses_stream *s, sy_slice event, const struct sy_json *root,
                          struct sy_diag *diag)
{
    if (sy_json_type_of(root) != SY_JSON_OBJECT)
        return sy_rsu_malformed(diag, "upstream sent a stream event that is not an object");
    sy_slice type = sy_rsu_str(root, "type");
    if (type.len == 0)
        type = event;
    if (type.len == 0 && sy_json_type_of(sy_json_get(root, "error")) == SY_JSON_OBJECT)
        type = SY_LIT("error");
    for (size_t i = 0; i < sizeof handlers / sizeof handlers[0]; i++) {
        if (!sy_slice_eq_cstr(type, handlers[i].type))
            continue;
        sy_status st = handlers[i].fn == on_lifecycle || handlers[i].fn == on_terminal || handlers[i].fn == on_error
                           ? SY_OK
                           : ensure_started(s, NULL);
        return st == SY_OK ? handlers[i].fn(s, root, handlers[i].arg, diag) : st;
    }
    return SY_OK; /* hosted-tool progress, content_part.*, annotations, unknown */
}

sy_status sy_responses_stream_feed(struct sy_responses_stream *s, sy_slice event, sy_slice data,
                                   struct sy_diag *diag)
{
    if (s->failed != SY_OK)
        return s->failed == SY_EUPSTREAM ? sy_rsu_malformed(diag, "the upstream stream already failed") : s->failed;
    sy_slice t = trim(data);
    if (s->finished || t.len == 0 || sy_slice_eq_cstr(t, "[DONE]"))
        return SY_OK;
    struct sy_json *root = NULL;
    struct sy_diag jd;
    sy_diag_clear(&jd);
    sy_status st = sy_json_parse(t, &root, &jd) == SY_OK
                       ? dispatch(s, trim(event), root, diag)
                       : sy_rsu_malformed(diag, "upstream sent a stream event that is not valid JSON: %s", jd.message);
    sy_json_free(root);
    if (st != SY_OK)
        s->failed = st;
    return st;
}
