/* Chat codec, upstream `chat.completion.chunk` stream → IR events.
 *
 * Per chunk, in this order: START (first chunk only: id, model, created), then from
 * choices[0].delta REASONING_DELTA (`reasoning_content`, else `reasoning`), TEXT_DELTA (`content`,
 * with choices[0].logprobs converted), REFUSAL_DELTA, TOOL_DELTA per `tool_calls` entry, TOOL_DELTA
 * for a legacy `function_call`, and last USAGE when the chunk has a non-null `usage` (vLLM and
 * OpenAI send it on a `choices:[]` chunk, llama.cpp on the last content chunk). `finish_reason`
 * is remembered; "[DONE]" (or sy_chat_stream_finish) sends FINISH and END. Empty strings and
 * role-only deltas emit nothing. */
#include <string.h>

#include "json/json.h"
#include "translate/chat.h"
#include "translate/chat_internal.h"

#define MAX_TOOL_CALLS 1024u       /* distinct tool calls per stream */
#define MAX_TOOL_INDEX (1u << 20)  /* largest `index` accepted */

struct sy_chat_tool_slot {
    uint32_t key;
    sy_slice id;        /* arena copy; empty when the upstream sent none yet */
    bool     legacy;    /* the legacy `function_call` */
    bool     id_sent, name_sent;
};

void sy_chat_stream_init(struct sy_chat_stream *s, struct sy_arena *arena, struct sy_ir_sink *sink)
{
    memset(s, 0, sizeof *s);
    s->arena = arena;
    s->sink = sink;
    s->failed = SY_OK;
}

/* ------------------------------------------------------------------ tool-call keys */

static struct sy_chat_tool_slot *slot_new(struct sy_chat_stream *s, uint32_t key, bool legacy)
{
    if (s->nslots == MAX_TOOL_CALLS)
        return NULL;
    if (s->nslots == s->capslots) {
        uint32_t cap = s->capslots ? s->capslots * 2 : 8;
        struct sy_chat_tool_slot *n = sy_arena_alloc(s->arena, cap * sizeof *n);
        if (s->nslots)
            memcpy(n, s->slots, s->nslots * sizeof *n);
        s->slots = n;
        s->capslots = cap;
    }
    struct sy_chat_tool_slot *t = &s->slots[s->nslots++];
    memset(t, 0, sizeof *t);
    t->key = key;
    t->legacy = legacy;
    if (key >= s->tool_slots)
        s->tool_slots = key + 1;
    return t;
}

static struct sy_chat_tool_slot *slot_by_key(struct sy_chat_stream *s, uint32_t key)
{
    for (uint32_t i = 0; i < s->nslots; i++)
        if (s->slots[i].key == key && !s->slots[i].legacy)
            return &s->slots[i];
    return NULL;
}

static struct sy_chat_tool_slot *slot_by_id(struct sy_chat_stream *s, sy_slice id)
{
    for (uint32_t i = 0; i < s->nslots; i++)
        if (sy_slice_eq(s->slots[i].id, id))
            return &s->slots[i];
    return NULL;
}

/* key = tc.index ?? tc.id ?? position. NULL when the upstream went past the caps. */
static struct sy_chat_tool_slot *slot_for(struct sy_chat_stream *s, const struct sy_json *tc, sy_slice id,
                                          size_t position)
{
    int64_t index;
    struct sy_chat_tool_slot *t = NULL;
    if (sy_json_as_int(sy_json_get(tc, "index"), &index)) {
        if (index < 0 || index >= (int64_t)MAX_TOOL_INDEX)
            return NULL;
        t = slot_by_key(s, (uint32_t)index);
        if (!t)
            t = slot_new(s, (uint32_t)index, false);
    } else if (id.len > 0) {
        t = slot_by_id(s, id);
        if (!t)
            t = slot_new(s, s->tool_slots, false);
    } else {
        if (position >= MAX_TOOL_INDEX)
            return NULL;
        t = slot_by_key(s, (uint32_t)position);
        if (!t)
            t = slot_new(s, (uint32_t)position, false);
    }
    if (t && t->id.len == 0 && id.len > 0)
        t->id = sy_arena_dup(s->arena, id);
    return t;
}

/* One fragment: id and name only on their first sight; nothing when all three are empty. */
static sy_status emit_fragment(struct sy_chat_stream *s, struct sy_chat_tool_slot *t, sy_slice id,
                               const struct sy_json *fn, struct sy_buf *scratch)
{
    static const sy_slice none = { "", 0 };
    sy_slice name = sy_chat__str(fn, "name");
    struct sy_ir_event ev = {
        .kind = SY_IR_TOOL_DELTA,
        .key = t->key,
        .id = (!t->id_sent && id.len > 0) ? id : none,
        .name = (!t->name_sent && name.len > 0) ? name : none,
        .text = sy_chat__arguments(fn, scratch),
    };
    if (ev.id.len == 0 && ev.name.len == 0 && ev.text.len == 0)
        return SY_OK;
    t->id_sent |= ev.id.len > 0;
    t->name_sent |= ev.name.len > 0;
    return sy_chat__emit(s->sink, &ev);
}

static sy_status tool_calls(struct sy_chat_stream *s, const struct sy_json *delta, struct sy_buf *scratch,
                            struct sy_diag *diag)
{
    const struct sy_json *calls = sy_json_get(delta, "tool_calls");
    enum sy_json_type ct = sy_json_type_of(calls);
    if (ct != SY_JSON_NULL && ct != SY_JSON_ARRAY)
        return sy_chat__malformed(diag, "upstream sent `tool_calls` that is not an array");
    for (size_t i = 0; i < sy_json_len(calls); i++) {
        const struct sy_json *tc = sy_json_at(calls, i);
        const struct sy_json *fn = sy_json_get(tc, "function");
        enum sy_json_type ft = sy_json_type_of(fn);
        if (sy_json_type_of(tc) != SY_JSON_OBJECT || (ft != SY_JSON_NULL && ft != SY_JSON_OBJECT))
            return sy_chat__malformed(diag, "upstream sent a malformed tool call fragment");
        sy_slice id = sy_chat__str(tc, "id");
        struct sy_chat_tool_slot *t = slot_for(s, tc, id, i);
        if (!t)
            return sy_chat__malformed(diag, "upstream sent too many tool calls or an out-of-range tool index");
        sy_status st = emit_fragment(s, t, id, fn, scratch);
        if (st != SY_OK)
            return st;
    }
    const struct sy_json *legacy = sy_json_get(delta, "function_call");
    if (sy_json_type_of(legacy) != SY_JSON_OBJECT)
        return SY_OK;
    struct sy_chat_tool_slot *t = NULL;
    for (uint32_t k = 0; k < s->nslots && !t; k++)
        if (s->slots[k].legacy)
            t = &s->slots[k];
    if (!t && !(t = slot_new(s, s->tool_slots, true)))
        return sy_chat__malformed(diag, "upstream sent too many tool calls");
    return emit_fragment(s, t, (sy_slice){ "", 0 }, legacy, scratch);
}

/* ------------------------------------------------------------------ chunks */

static sy_status delta_text(struct sy_chat_stream *s, const struct sy_json *choice, const struct sy_json *delta,
                            struct sy_diag *diag)
{
    sy_status st = SY_OK;
    sy_slice reasoning = sy_chat__reasoning(delta);
    if (reasoning.len > 0) {
        struct sy_ir_event ev = { .kind = SY_IR_REASONING_DELTA, .text = reasoning };
        st = sy_chat__emit(s->sink, &ev);
    }
    if (st != SY_OK)
        return st;
    struct sy_buf lp;
    sy_buf_init(&lp, SY_BUF_UNCAPPED);
    st = sy_chat__logprobs(sy_json_get(choice, "logprobs"), &lp);
    if (st == SY_OK)
        st = sy_chat__emit_content(s->sink, sy_json_get(delta, "content"), sy_buf_slice(&lp), diag);
    sy_buf_free(&lp);
    sy_slice refusal = sy_chat__str(delta, "refusal");
    if (st == SY_OK && refusal.len > 0) {
        struct sy_ir_event ev = { .kind = SY_IR_REFUSAL_DELTA, .text = refusal };
        st = sy_chat__emit(s->sink, &ev);
    }
    return st;
}

static sy_status choice0(struct sy_chat_stream *s, const struct sy_json *root, struct sy_diag *diag)
{
    const struct sy_json *choices = sy_json_get(root, "choices");
    enum sy_json_type ct = sy_json_type_of(choices);
    if (ct != SY_JSON_NULL && ct != SY_JSON_ARRAY)
        return sy_chat__malformed(diag, "upstream sent a chunk whose `choices` is not an array");
    const struct sy_json *choice = sy_json_at(choices, 0);
    if (!choice)
        return SY_OK;
    const struct sy_json *delta = sy_json_get(choice, "delta");
    enum sy_json_type dt = sy_json_type_of(delta);
    if (sy_json_type_of(choice) != SY_JSON_OBJECT || (dt != SY_JSON_NULL && dt != SY_JSON_OBJECT))
        return sy_chat__malformed(diag, "upstream sent a malformed chunk choice");
    sy_status st = delta_text(s, choice, delta, diag);
    if (st == SY_OK) {
        struct sy_buf scratch;
        sy_buf_init(&scratch, SY_BUF_UNCAPPED);
        st = tool_calls(s, delta, &scratch, diag);
        sy_buf_free(&scratch);
    }
    const struct sy_json *reason = sy_json_get(choice, "finish_reason");
    if (st == SY_OK && sy_json_type_of(reason) == SY_JSON_STRING) {
        s->saw_finish = true;
        s->finish = sy_chat__finish(reason);
    }
    return st;
}

static sy_status chunk(struct sy_chat_stream *s, const struct sy_json *root, struct sy_diag *diag)
{
    if (sy_json_type_of(root) != SY_JSON_OBJECT)
        return sy_chat__malformed(diag, "upstream sent a malformed stream event");
    sy_status st = sy_chat__error_object(root, diag);
    if (st != SY_OK)
        return st;
    if (!s->started) {
        int64_t created = 0;
        (void)sy_json_as_int(sy_json_get(root, "created"), &created);
        struct sy_ir_event ev = {
            .kind = SY_IR_START,
            .id = sy_chat__str(root, "id"),
            .name = sy_chat__str(root, "model"),
            .created = created,
        };
        s->started = true;
        st = sy_chat__emit(s->sink, &ev);
    }
    if (st == SY_OK)
        st = choice0(s, root, diag);
    const struct sy_json *usage = sy_json_get(root, "usage");
    if (st == SY_OK && sy_json_type_of(usage) == SY_JSON_OBJECT) {
        struct sy_ir_usage u;
        sy_chat__usage(usage, &u);
        struct sy_ir_event ev = { .kind = SY_IR_USAGE, .usage = &u };
        st = sy_chat__emit(s->sink, &ev);
    }
    return st;
}

static sy_status finish_and_end(struct sy_chat_stream *s)
{
    s->finished = true;
    sy_status st = SY_OK;
    if (s->saw_finish) {
        struct sy_ir_event ev = { .kind = SY_IR_FINISH, .finish = s->finish };
        st = sy_chat__emit(s->sink, &ev);
    }
    if (st == SY_OK) {
        struct sy_ir_event ev = { .kind = SY_IR_END };
        st = sy_chat__emit(s->sink, &ev);
    }
    return st;
}

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

static sy_status feed(struct sy_chat_stream *s, sy_slice data, struct sy_diag *diag)
{
    sy_slice t = trim(data);
    if (t.len == 0)
        return SY_OK;
    if (sy_slice_eq_cstr(t, "[DONE]")) {
        if (!s->started)
            return sy_chat__malformed(diag, "upstream ended the stream before sending any chunk");
        s->done_seen = true;
        return finish_and_end(s);
    }
    struct sy_json *root = NULL;
    struct sy_diag jd;
    sy_diag_clear(&jd);
    if (sy_json_parse(t, &root, &jd) != SY_OK)
        return sy_chat__malformed(diag, "upstream sent a malformed stream event");
    sy_status st = chunk(s, root, diag);
    sy_json_free(root);
    return st;
}

sy_status sy_chat_stream_feed(struct sy_chat_stream *s, sy_slice data, struct sy_diag *diag)
{
    if (s->failed != SY_OK) {
        if (s->failed == SY_EUPSTREAM)
            return sy_chat__malformed(diag, "the upstream stream already failed");
        return s->failed;
    }
    if (s->finished)
        return SY_OK;
    sy_status st = feed(s, data, diag);
    if (st != SY_OK)
        s->failed = st;
    return st;
}

bool sy_chat_stream_finish(struct sy_chat_stream *s)
{
    if (s->finished || s->failed != SY_OK || !s->started || !s->saw_finish)
        return false;
    sy_status st = finish_and_end(s);
    if (st != SY_OK)
        s->failed = st;
    return true;
}
