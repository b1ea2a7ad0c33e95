/* POST /v1/chat/completions to an openai-responses deployment: the chat request is decoded to
 * the IR and encoded as a Responses request; the upstream's Response object or Responses SSE
 * events are decoded to IR events that the chat client encoder turns into a `chat.completion`
 * or `chat.completion.chunk`s. The completion id is the upstream Response id, so a chat client
 * can continue with previous_response_id. */
#include <string.h>

#include "api/endpoints.h"
#include "api/relay.h"
#include "core/buf.h"
#include "core/log.h"
#include "http/http.h"
#include "json/json.h"
#include "translate/chat_client.h"
#include "translate/responses_upstream.h"

/* Per-request translation state; lives in the exchange arena. */
struct chat_over_responses {
    struct sy_relay_translator  tr;
    struct sy_exchange         *ex;
    struct sy_ir_request        req;
    struct sy_chat_encoder     *enc;
    struct sy_responses_stream  rs;
    struct sy_buf               sse;   /* encoder output, moved to the relay's buffer */
    struct sy_dropped           dropped;
    struct sy_json             *root;  /* the parsed client request; IR slices point into it */
};

static void cor_cleanup(void *arg)
{
    struct chat_over_responses *t = arg;
    sy_buf_free(&t->sse);
    sy_dropped_free(&t->dropped);
    sy_json_free(t->root);
}

static void note_usage(struct chat_over_responses *t) { sy_api_note_usage(t->ex, sy_chat_encoder_usage(t->enc)); }

static void move_sse(struct chat_over_responses *t, struct sy_buf *out)
{
    if (t->sse.len && sy_buf_append_slice(out, sy_buf_slice(&t->sse)) != SY_OK)
        sy_error("chat: client output buffer refused %zu bytes", t->sse.len);
    sy_buf_reset(&t->sse);
}

static sy_status cor_event(void *ctx, sy_slice data, struct sy_buf *out, struct sy_diag *diag)
{
    struct chat_over_responses *t = ctx;
    sy_status st = sy_responses_stream_feed(&t->rs, SY_LIT(""), data, diag);
    if (st != SY_OK && !diag->code[0])
        sy_diag_code(diag, "upstream_malformed");
    move_sse(t, out);
    return st;
}

static bool cor_end(void *ctx, sy_status st, const char *code, const char *message, struct sy_buf *out)
{
    struct chat_over_responses *t = ctx;
    if (!t->rs.finished) {
        struct sy_ir_event err = {
            .kind = SY_IR_ERROR,
            .status = st != SY_OK ? st : SY_EUPSTREAM,
            .code = st != SY_OK ? code : "upstream_disconnected",
            .message = st != SY_OK ? message : "upstream closed the stream before it finished",
        };
        struct sy_ir_sink *sink = sy_chat_encoder_sink(t->enc);
        (void)sink->event(sink, &err);
        t->rs.finished = true;
    }
    move_sse(t, out);
    note_usage(t);
    return false;
}

/* A failed or cancelled upstream Response: the upstream's code and message, as a server error
 * (429 when the upstream was rate limited, else 500). */
static int failed_response(struct chat_over_responses *t, struct sy_buf *out)
{
    sy_status st;
    const char *code, *message;
    (void)sy_chat_encoder_failed(t->enc, &st, &code, &message);
    struct sy_diag d;
    sy_diag_clear(&d);
    sy_diag_setf(&d, "%s", message);
    if (code)
        sy_diag_code(&d, code);
    if (sy_error_envelope(out, SY_EINTERNAL, &d) != SY_OK)
        sy_buf_reset(out);
    t->ex->error = code ? sy_arena_strndup(t->ex->arena, code, strlen(code)) : "upstream_failed";
    return code && strcmp(code, "rate_limit_exceeded") == 0 ? 429 : 500;
}

static int cor_whole(void *ctx, sy_slice body, struct sy_buf *out)
{
    struct chat_over_responses *t = ctx;
    struct sy_diag d;
    sy_diag_clear(&d);
    if (sy_responses_decode_response(body, sy_chat_encoder_sink(t->enc), &d) != SY_OK)
        return sy_api_malformed_answer(t->ex, "Response", &d, out);
    note_usage(t);
    if (sy_chat_encoder_failed(t->enc, NULL, NULL, NULL))
        return failed_response(t, out);
    if (sy_buf_append_slice(out, sy_chat_encoder_final(t->enc)) != SY_OK)
        sy_buf_reset(out);
    return 200;
}

/* Upstream errors keep their status; an OpenAI-style error body passes as it is. */
static void cor_error(void *ctx, int status, sy_slice body, struct sy_buf *out)
{
    (void)ctx;
    sy_api_upstream_error_body(status, body, out);
}

void sy_api_chat_over_responses(struct sy_exchange *ex, const struct sy_deployment *dep, struct sy_json *root)
{
    struct chat_over_responses *t = sy_arena_alloc(ex->arena, sizeof *t);
    t->ex = ex;
    t->root = root;
    sy_buf_init(&t->sse, SY_BUF_UNCAPPED);
    sy_dropped_init(&t->dropped);
    sy_arena_defer(ex->arena, cor_cleanup, t);

    struct sy_diag d;
    sy_diag_clear(&d);
    struct sy_buf body;
    sy_buf_init(&body, SY_BUF_UNCAPPED);
    sy_status st = sy_chat_decode_request(ex->arena, root, &t->req, &t->dropped, &d);
    struct sy_responses_request_opts ro = {
        .model = dep->model ? sy_slice_cstr(dep->model) : t->req.model,
        .stream = t->req.stream,
        .system_as_instructions = dep->system_as_instructions,
    };
    if (st == SY_OK)
        st = sy_responses_encode_request(&t->req, &ro, &body, &t->dropped, &d);
    if (st == SY_OK)
        st = sy_api_check_strict(ex, dep, &t->dropped, &d);
    if (st != SY_OK) {
        sy_buf_free(&body);
        sy_ex_fail(ex, st, &d);
        return;
    }
    struct sy_chat_encoder_opts eo = {
        .model = t->req.model,
        .sse_out = t->req.stream ? &t->sse : NULL,
        .include_usage = t->req.include_usage,
        .want_logprobs = t->req.want_logprobs,
    };
    t->enc = sy_chat_encoder_new(ex->arena, &eo);
    sy_responses_stream_init(&t->rs, ex->arena, sy_chat_encoder_sink(t->enc));
    t->tr = (struct sy_relay_translator){
        .stream_content_type = "text/event-stream; charset=utf-8",
        .event = cor_event, .end = cor_end, .whole = cor_whole, .error = cor_error, .ctx = t,
    };
    sy_api_start_translation(ex, dep, SY_LIT("/responses"), &body, &t->dropped, &t->tr);
    sy_buf_free(&body);
}
