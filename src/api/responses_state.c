/* POST /v1/responses over a chat upstream, the stored-state side: before the call, the context
 * of previous_response_id (the whole chain, input and output items) or of a conversation is
 * loaded and put before the request's own input; after it, the response and its items are
 * written to the store before the client sees the terminal event (the translator holds it). */
#include <string.h>

#include "api/responses_internal.h"
#include "api/store_call.h"
#include "core/log.h"
#include "json/json.h"
#include "translate/responses_items.h"

/* ------------------------------------------------------------------ context */

sy_status sy_roc_prepend(struct sy_arena *a, struct sy_ir_request *req, const struct sy_json *ctx_root,
                         struct sy_diag *d)
{
    struct sy_ir_request ctx;
    sy_status st = sy_responses_decode_request(a, ctx_root, &ctx, NULL, d);
    if (st != SY_OK) {
        sy_error("responses: a stored context does not decode: %s", d->message);
        sy_diag_clear(d);
        sy_diag_setf(d, "The stored context of this response could not be read back.");
        return SY_EINTERNAL;
    }
    size_t n = ctx.nitems + req->nitems;
    struct sy_ir_item *all = sy_arena_alloc(a, (n ? n : 1) * sizeof *all);
    if (ctx.nitems)
        memcpy(all, ctx.items, ctx.nitems * sizeof *all);
    if (req->nitems)
        memcpy(all + ctx.nitems, req->items, req->nitems * sizeof *all);
    req->items = all;
    req->nitems = n;
    req->input_start = ctx.nitems;
    return SY_OK;
}

/* A context load for one request (exchange arena). */
struct ctx_load {
    struct sy_ir_request *req;
    struct sy_json      **root;
    sy_slice             *body;
    void                (*then)(void *ctx);
    void                 *ctx;
};

/* The loaded items as a create body, decoded and put before the request's own items. */
static sy_status prepend_context(struct sy_exchange *ex, struct ctx_load *l, const struct sy_store_result *r,
                                 struct sy_diag *d)
{
    if (r->nitems == 0)
        return SY_OK;
    sy_slice *items = sy_arena_alloc(ex->arena, r->nitems * sizeof *items);
    for (size_t i = 0; i < r->nitems; i++)
        items[i] = r->items[i].json;
    struct sy_buf body;
    sy_buf_init(&body, SY_BUF_UNCAPPED);
    sy_status st = sy_responses_context_body(&body, l->req->model, items, r->nitems);
    sy_slice text = st == SY_OK ? sy_arena_dup(ex->arena, sy_buf_slice(&body)) : SY_LIT("");
    sy_buf_free(&body);
    if (l->body)
        *l->body = text;
    if (st == SY_OK)
        st = sy_json_parse(text, l->root, d);
    return st == SY_OK ? sy_roc_prepend(ex->arena, l->req, *l->root, d) : SY_EINTERNAL;
}

static void on_context(struct sy_exchange *ex, const struct sy_store_result *r, void *ctx)
{
    struct ctx_load *l = ctx;
    bool prev = l->req->previous_response_id.len > 0;
    if (r->status != SY_OK) {
        sy_slice id = prev ? l->req->previous_response_id : l->req->conversation;
        if (r->status == SY_ENOTFOUND) {
            struct sy_diag d;
            sy_diag_clear(&d);
            sy_diag_setf(&d, prev ? "Previous response with id '%.*s' not found." : "Conversation with id '%.*s' not found.",
                         (int)id.len, id.ptr);
            sy_diag_param(&d, prev ? "previous_response_id" : "conversation");
            sy_ex_fail(ex, prev ? SY_EINVAL : SY_ENOTFOUND, &d);
            return;
        }
        sy_api_store_fail(ex, r, prev ? "response" : "conversation", id, prev ? "previous_response_id" : "conversation");
        return;
    }
    struct sy_diag d;
    sy_diag_clear(&d);
    sy_status st = prepend_context(ex, l, r, &d);
    if (st != SY_OK) {
        sy_ex_fail(ex, st, &d);
        return;
    }
    l->then(l->ctx);
}

void sy_api_load_context(struct sy_exchange *ex, struct sy_ir_request *req, struct sy_json **root, sy_slice *body,
                         void (*then)(void *ctx), void *ctx)
{
    struct sy_store_req q = { .owner = sy_api_owner(ex) };
    if (req->previous_response_id.len) {
        q.op = SY_STORE_LOAD_CHAIN;
        q.id = req->previous_response_id;
    } else if (req->conversation.len) {
        q.op = SY_STORE_LIST_CONVERSATION_ITEMS;
        q.id = req->conversation;
        q.page = (struct sy_store_page){ .limit = 0, .desc = false };
    } else {
        then(ctx);
        return;
    }
    struct ctx_load *l = sy_arena_alloc(ex->arena, sizeof *l);
    *l = (struct ctx_load){ .req = req, .root = root, .body = body, .then = then, .ctx = ctx };
    sy_api_store_call(ex, &q, on_context, l);
}

static void call(void *t) { sy_roc_call(t); }

void sy_roc_load_context(struct responses_over_chat *t)
{
    sy_api_load_context(t->ex, &t->req, &t->ctx_root, &t->ctx_body, call, t);
}

/* ------------------------------------------------------------------ the durable write */

/* Where the terminal event starts in the held output (the bytes before it are deltas and
 * item closings that can still go out when the write failed). */
static size_t terminal_event_at(sy_slice held)
{
    static const char *const names[] = { "event: response.completed\n", "event: response.incomplete\n",
                                         "event: response.failed\n" };
    for (size_t i = 0; i < 3; i++) {
        const char *p = memmem(held.ptr, held.len, names[i], strlen(names[i]));
        if (p)
            return (size_t)(p - held.ptr);
    }
    return held.len;
}

static void release_failure(struct responses_over_chat *t, const struct sy_store_result *r)
{
    const char *message = r->message[0] ? r->message : "the gateway's store failed";
    const char *code = r->status == SY_ETOOBIG ? "store_limit_exceeded" : "store_error";
    sy_error("responses: storing %.*s failed: %s", (int)t->response_id.len, t->response_id.ptr, message);
    t->ex->error = code;
    struct sy_buf out;
    sy_buf_init(&out, SY_BUF_UNCAPPED);
    if (t->req.stream) {
        sy_slice held = sy_buf_slice(&t->held);
        size_t at = terminal_event_at(held);
        int64_t seq = sy_responses_first_sequence(sy_slice_from(held.ptr + at, held.len - at));
        if (sy_buf_append(&out, held.ptr, at) != SY_OK ||
            sy_responses_write_error_event(&out, seq < 0 ? 0 : seq, code, message) != SY_OK)
            sy_buf_reset(&out);
        sy_relay_finish(t->relay, 200, sy_buf_slice(&out));
    } else {
        struct sy_diag d;
        sy_diag_clear(&d);
        sy_diag_setf(&d, "The response was generated but could not be stored: %s (send store: false to skip "
                         "storing).", message);
        sy_diag_param(&d, "store");
        sy_diag_code(&d, code);
        sy_status st = r->status == SY_ETOOBIG ? SY_EINVAL : SY_EINTERNAL;
        if (sy_error_envelope(&out, st, &d) != SY_OK)
            sy_buf_reset(&out);
        sy_relay_finish(t->relay, sy_status_http(st), sy_buf_slice(&out));
    }
    sy_buf_free(&out);
}

static void on_stored(const struct sy_store_result *r, void *ctx)
{
    struct responses_over_chat *t = ctx;
    t->job = NULL;
    if (r->status != SY_OK) {
        release_failure(t, r);
        return;
    }
    sy_slice bytes = t->req.stream ? sy_buf_slice(&t->held) : sy_responses_encoder_final(t->enc);
    sy_relay_finish(t->relay, 200, bytes);
}

sy_status sy_roc_final_put(struct sy_arena *a, const struct sy_json *root, const struct sy_ir_request *req,
                          struct sy_responses_encoder *enc, struct sy_store_req *q)
{
    sy_slice final = sy_responses_encoder_final(enc);
    const char *status = sy_responses_encoder_status(enc);
    struct sy_responses_item *in = NULL, *out = NULL;
    size_t nin = 0, nout = 0;
    sy_status st = sy_responses_input_items(a, sy_json_get(root, "input"), sy_api_id_fn, a, &in, &nin);
    if (st == SY_OK)
        st = sy_responses_output_items(a, final, &out, &nout);
    bool finished = strcmp(status, "completed") == 0 || strcmp(status, "incomplete") == 0;
    q->op = SY_STORE_PUT_RESPONSE;
    q->status = sy_slice_cstr(status);
    q->model = req->model;
    q->previous_response_id = req->previous_response_id;
    q->conversation_id = finished ? req->conversation : SY_LIT("");
    q->response = final;
    q->input = sy_api_store_items(a, in, nin);
    q->ninput = nin;
    q->output = sy_api_store_items(a, out, nout);
    q->noutput = nout;
    return st;
}

void sy_roc_store(struct responses_over_chat *t)
{
    struct sy_exchange *ex = t->ex;
    struct sy_store_req q = { .id = t->response_id, .owner = sy_api_owner(ex), .created_at = t->created_at };
    sy_status st = sy_roc_final_put(ex->arena, t->root, &t->req, t->enc, &q);
    size_t nin = q.ninput, nout = q.noutput;
    if (t->req.store == 0) { /* only the conversation's items: the response itself is not kept */
        if (q.conversation_id.len == 0) { /* not finished: nothing to append */
            struct sy_store_result ok = { .status = SY_OK };
            on_stored(&ok, t);
            return;
        }
        struct sy_store_item *items = sy_arena_alloc(ex->arena, (nin + nout ? nin + nout : 1) * sizeof *items);
        memcpy(items, q.input, nin * sizeof *items);
        memcpy(items + nin, q.output, nout * sizeof *items);
        q = (struct sy_store_req){ .op = SY_STORE_ADD_CONVERSATION_ITEMS, .id = t->req.conversation,
                                   .owner = q.owner, .items = items, .nitems = nin + nout };
    }
    if (st == SY_OK)
        t->job = sy_store_submit(ex->w->store, ex->w->base, &q, on_stored, t);
    if (!t->job) {
        struct sy_store_result r = { .status = SY_EINTERNAL };
        strcpy(r.message, st == SY_OK ? "the store is busy" : "the response's items could not be serialised");
        release_failure(t, &r);
    }
}
