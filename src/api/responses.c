/* POST /v1/responses. To an openai-responses deployment it is a passthrough (model rewritten).
 * To an openai-chat deployment Switchyard is the Responses server: the request is decoded to
 * the IR, encoded as a chat request, and the chat answer (whole or streamed) is decoded to IR
 * events that the Responses encoder turns into the Response object or its SSE events. */
#include <string.h>

#include "api/background.h"
#include "api/responses_internal.h"
#include "api/store_call.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/time.h"
#include "http/http.h"
#include "json/json.h"
#include "route/route.h"

static void roc_cleanup(void *arg)
{
    struct responses_over_chat *t = arg;
    if (t->job)
        sy_store_detach(t->job); /* the client left: the write still completes */
    sy_buf_free(&t->sse);
    sy_buf_free(&t->held);
    sy_dropped_free(&t->dropped);
    sy_json_free(t->root);
    sy_json_free(t->ctx_root);
}

static void note_usage(struct responses_over_chat *t) { sy_api_note_usage(t->ex, sy_responses_encoder_usage(t->enc)); }

static bool terminal(const struct responses_over_chat *t)
{
    const char *st = sy_responses_encoder_status(t->enc);
    return strcmp(st, "in_progress") != 0 && strcmp(st, "queued") != 0;
}

/* Encoder output goes to the client, except once the response is terminal and must be stored
 * first: from then on it is held. */
static void move_sse(struct responses_over_chat *t, struct sy_buf *out)
{
    if (t->storing && !t->holding && terminal(t))
        t->holding = true;
    if (t->holding)
        out = &t->held;
    if (t->sse.len && sy_buf_append_slice(out, sy_buf_slice(&t->sse)) != SY_OK)
        sy_error("responses: client output buffer refused %zu bytes", t->sse.len);
    sy_buf_reset(&t->sse);
}

static sy_status roc_event(void *ctx, sy_slice data, struct sy_buf *out, struct sy_diag *diag)
{
    struct responses_over_chat *t = ctx;
    sy_status st = sy_chat_stream_feed(&t->cs, data, diag);
    move_sse(t, out);
    return st;
}

/* Push a terminal ERROR (after a START, so the client always sees response.created first). */
static void push_error(struct responses_over_chat *t, sy_status st, const char *code, const char *message)
{
    struct sy_ir_sink *sink = sy_responses_encoder_sink(t->enc);
    if (!t->cs.started) {
        struct sy_ir_event start = { .kind = SY_IR_START };
        if (sink->event(sink, &start) != SY_OK)
            return;
        t->cs.started = true;
    }
    struct sy_ir_event err = { .kind = SY_IR_ERROR, .status = st, .code = code, .message = message };
    (void)sink->event(sink, &err);
}

static bool roc_end(void *ctx, sy_status st, const char *code, const char *message, struct sy_buf *out)
{
    struct responses_over_chat *t = ctx;
    if (st == SY_OK && !t->cs.finished && !sy_chat_stream_finish(&t->cs))
        push_error(t, SY_EUPSTREAM, "upstream_disconnected", "upstream closed the stream before it finished");
    else if (st != SY_OK && !t->cs.finished)
        push_error(t, st, code, message);
    move_sse(t, out);
    note_usage(t);
    if (!t->holding)
        return false;
    sy_roc_store(t);
    return true;
}

static int roc_whole(void *ctx, sy_slice body, struct sy_buf *out)
{
    struct responses_over_chat *t = ctx;
    struct sy_diag d;
    sy_diag_clear(&d);
    if (sy_chat_decode_completion(body, sy_responses_encoder_sink(t->enc), &d) != SY_OK)
        return sy_api_malformed_answer(t->ex, "chat completion", &d, out);
    note_usage(t);
    if (t->storing) {
        sy_roc_store(t);
        return 0; /* answered once the store write is durable */
    }
    if (sy_buf_append_slice(out, sy_responses_encoder_final(t->enc)) != SY_OK)
        sy_buf_reset(out);
    return 200;
}

/* Upstream errors keep their status; an OpenAI-style error body passes as it is. */
static void roc_error(void *ctx, int status, sy_slice body, struct sy_buf *out)
{
    (void)ctx;
    sy_api_upstream_error_body(status, body, out);
}

void sy_roc_over_chat(struct responses_over_chat *t)
{
    struct sy_exchange *ex = t->ex;
    const struct sy_deployment *dep = t->dep;
    struct sy_diag d;
    sy_diag_clear(&d);
    sy_status st = sy_responses_check_call_ids(&t->req, &d);
    struct sy_buf body;
    sy_buf_init(&body, SY_BUF_UNCAPPED);
    struct sy_chat_encode_opts co = {
        .model = dep->model ? sy_slice_cstr(dep->model) : t->req.model,
        .stream = t->req.stream,
        .dialect = dep->openai_dialect ? SY_CHAT_OPENAI : SY_CHAT_GENERIC,
    };
    if (st == SY_OK)
        st = sy_chat_encode_request(&t->req, &co, &body, &t->dropped, &d);
    if (st == SY_OK)
        st = sy_api_check_strict(ex, dep, &t->dropped, &d);
    if (st != SY_OK) {
        sy_buf_free(&body);
        sy_ex_fail(ex, st, &d);
        return;
    }
    struct sy_responses_encode_opts eo = {
        .response_id = t->response_id,
        .created_at = t->created_at,
        .model = t->req.model,
        .sse_out = t->req.stream ? &t->sse : NULL,
    };
    t->enc = sy_responses_encoder_new(ex->arena, &t->req, &eo);
    sy_chat_stream_init(&t->cs, ex->arena, sy_responses_encoder_sink(t->enc));
    t->tr = (struct sy_relay_translator){
        .stream_content_type = "text/event-stream; charset=utf-8",
        .event = roc_event, .end = roc_end, .whole = roc_whole, .error = roc_error, .ctx = t,
    };
    t->relay = sy_api_start_translation(ex, dep, SY_LIT("/chat/completions"), &body, &t->dropped, &t->tr);
    sy_buf_free(&body);
}

/* A background run needs its state stored (the reference API's rule). */
static sy_status check_background(const struct sy_ir_request *req, struct sy_diag *d)
{
    if (!req->background || req->store != 0)
        return SY_OK;
    sy_diag_setf(d, "Background mode requires 'store' to be true.");
    sy_diag_param(d, "background");
    sy_diag_code(d, "invalid_value");
    return SY_EINVAL;
}

void sy_roc_call(struct responses_over_chat *t)
{
    if (!t->req.background) {
        sy_roc_over_chat(t);
        return;
    }
    struct sy_bg_start s = {
        .dep = t->dep,
        .body = sy_http_body(t->ex->req),
        .context = t->ctx_body,
        .response_id = t->response_id,
        .created_at = t->created_at,
        .stream = t->req.stream,
    };
    sy_bg_create(t->ex, &s);
}

static struct responses_over_chat *roc_new(struct sy_exchange *ex, struct sy_json *root)
{
    struct responses_over_chat *t = sy_arena_alloc(ex->arena, sizeof *t);
    t->ex = ex;
    t->root = root;
    sy_buf_init(&t->sse, SY_BUF_UNCAPPED);
    sy_buf_init(&t->held, SY_BUF_UNCAPPED);
    sy_dropped_init(&t->dropped);
    sy_arena_defer(ex->arena, roc_cleanup, t);
    return t;
}

void sy_api_responses(struct sy_exchange *ex)
{
    struct sy_json *root = sy_api_parse_object(ex);
    if (!root)
        return;
    struct responses_over_chat *t = roc_new(ex, root);
    struct sy_diag d;
    sy_diag_clear(&d);
    /* Route first: a Responses upstream judges the request itself (hosted tools and all); only a
     * chat upstream needs the request decoded and checked against what translation can carry. */
    sy_slice model;
    if (!sy_json_as_str(sy_json_get(root, "model"), &model)) {
        sy_status st = sy_responses_decode_request(ex->arena, root, &t->req, &t->dropped, &d);
        sy_ex_fail(ex, st != SY_OK ? st : SY_EINVAL, &d);
        return;
    }
    ex->model = sy_arena_dup(ex->arena, model).ptr;
    bool stream = false;
    ex->stream = sy_json_as_bool(sy_json_get(root, "stream"), &stream) && stream;
    t->dep = sy_route_pick(ex->w->cfg, model, &ex->w->rr);
    if (!t->dep) {
        sy_diag_setf(&d, "The model '%s' does not exist or is not served by this gateway.", ex->model);
        sy_diag_param(&d, "model");
        sy_ex_fail(ex, SY_ENOMODEL, &d);
        return;
    }
    if (t->dep->kind == SY_PROVIDER_OPENAI_RESPONSES) {
        sy_api_responses_passthrough(ex, t->dep, SY_LIT("/responses"));
        return;
    }
    sy_status st = sy_responses_decode_request(ex->arena, root, &t->req, &t->dropped, &d);
    if (st == SY_OK)
        st = check_background(&t->req, &d);
    if (st != SY_OK) {
        sy_ex_fail(ex, st, &d);
        return;
    }
    /* store:false writes no response, but a conversation still gets the turn appended */
    t->storing = t->req.store != 0 || t->req.conversation.len > 0;
    t->response_id = sy_api_new_id(ex->arena, "resp_");
    t->created_at = sy_wall_unix();
    sy_roc_load_context(t);
}
