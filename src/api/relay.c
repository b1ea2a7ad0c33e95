/* Upstream → client relay for passthrough routes (see relay.h for the contract). */
#include "api/relay.h"

#include <event2/event.h>
#include <stdio.h>
#include <string.h>

#include "api/headers.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/time.h"
#include "http/http.h"
#include "json/json.h"
#include "sse/sse.h"
#include "upstream/client.h"

#define HIGH_WATER (256 * 1024)           /* client output queued before the upstream pauses */
#define MAX_BUFFERED_BODY (64u << 20)     /* largest non-streamed upstream answer we hold */
#define STREAM_CONN_SLACK_MS 30000        /* client connection idle allowance beyond idle_ms */

struct sy_relay {
    struct sy_exchange      *ex;
    struct sy_upstream_xfer *x;
    enum sy_relay_mode       mode;
    const struct sy_relay_translator *tr; /* TRANSLATE mode */
    const struct sy_server_cfg *srv;
    uint32_t                 idle_ms;
    int                      status;
    bool                     head, sse, started;
    bool                     done_seen;
    struct sy_buf            body;   /* buffered answer (LLM, not SSE) */
    struct sy_buf            out;    /* events of one upstream read, written as one chunk */
    struct sy_sse_decoder    dec;
    struct event            *heartbeat;
    uint64_t                 last_write_us;
    struct sy_diag           fail;   /* why the translator rejected an upstream event */
    bool                     in_end; /* inside tr->end / tr->whole */
    bool                     late;   /* sy_relay_finish ran inside them: finish on return */
    int                      late_status;
    struct sy_buf            late_bytes;
};

static void relay_cleanup(void *arg)
{
    struct sy_relay *rl = arg;
    if (rl->x)
        sy_upstream_cancel(rl->x);
    rl->x = NULL;
    if (rl->heartbeat)
        event_free(rl->heartbeat);
    sy_buf_free(&rl->body);
    sy_buf_free(&rl->out);
    sy_buf_free(&rl->late_bytes);
    sy_sse_decoder_free(&rl->dec);
}

/* ---- usage observation (for the access log) ---- */

static int64_t int_member(const struct sy_json *obj, const char *a, const char *b)
{
    int64_t v;
    if (sy_json_as_int(sy_json_get(obj, a), &v) || (b && sy_json_as_int(sy_json_get(obj, b), &v)))
        return v;
    return -1;
}

/* The usage value of a chat object, or of a Responses object / event ("response"."usage").
 * Only that value is parsed: the rest of the answer is scanned, never built into a tree.
 * Returns false when the text is not a JSON object the scanner can walk. */
static bool observe_usage_text(struct sy_exchange *ex, sy_slice json)
{
    size_t s, e;
    sy_slice at = json;
    if (!sy_json_find_member(at, "usage", &s, &e)) {
        if (!sy_json_find_member(json, "response", &s, &e))
            return false;
        at = sy_slice_from(json.ptr + s, e - s);
        if (!sy_json_find_member(at, "usage", &s, &e))
            return true; /* a Responses event without usage */
    }
    struct sy_json *u = NULL;
    struct sy_diag d;
    sy_diag_clear(&d);
    if (sy_json_parse(sy_slice_from(at.ptr + s, e - s), &u, &d) != SY_OK)
        return false;
    if (sy_json_type_of(u) == SY_JSON_OBJECT) {
        ex->prompt_tokens = int_member(u, "prompt_tokens", "input_tokens");
        ex->completion_tokens = int_member(u, "completion_tokens", "output_tokens");
        ex->total_tokens = int_member(u, "total_tokens", NULL);
    }
    sy_json_free(u);
    return true;
}

void sy_relay_finish(struct sy_relay *rl, int status, sy_slice bytes);

/* ---- writing to the client ---- */

static void on_client_drained(struct sy_http_req *r, void *arg)
{
    struct sy_relay *rl = arg;
    (void)r;
    if (rl->x)
        sy_upstream_resume(rl->x);
}

/* Queue bytes for the client; PAUSE the upstream when too much is waiting. */
static enum sy_body_verdict client_write(struct sy_relay *rl, sy_slice bytes)
{
    if (bytes.len == 0)
        return SY_BODY_CONTINUE;
    rl->ex->bytes_out += bytes.len;
    rl->last_write_us = sy_now_us();
    size_t pending = sy_http_stream_write(rl->ex->req, bytes);
    if (pending <= HIGH_WATER)
        return SY_BODY_CONTINUE;
    sy_http_on_drain(rl->ex->req, on_client_drained, rl);
    return SY_BODY_PAUSE;
}

static void end_client(struct sy_relay *rl)
{
    sy_http_stream_end(rl->ex->req);
    rl->ex->req = NULL;
    sy_ex_finish(rl->ex);
}

/* The translator's end of a stream: its closing bytes, then the end of the reply unless the
 * translator holds it open (it may also have finished it already from inside `end`). */
static void translated_end(struct sy_relay *rl, sy_status st, const char *code, const char *message)
{
    sy_buf_reset(&rl->out);
    rl->in_end = true;
    bool hold = rl->tr->end(rl->tr->ctx, st, code, message, &rl->out);
    rl->in_end = false;
    (void)client_write(rl, sy_buf_slice(&rl->out));
    if (code)
        rl->ex->error = code;
    if (rl->late)
        sy_relay_finish(rl, rl->late_status, sy_buf_slice(&rl->late_bytes));
    else if (!hold)
        end_client(rl);
}

/* Error event + [DONE] + clean end of an SSE reply. */
static void fail_stream(struct sy_relay *rl, const char *code, const char *message)
{
    if (rl->tr) {
        translated_end(rl, SY_EUPSTREAM, code, message);
        return;
    }
    struct sy_diag d;
    sy_diag_clear(&d);
    sy_diag_setf(&d, "%s", message);
    sy_diag_code(&d, code);
    struct sy_buf env;
    sy_buf_init(&env, 8192);
    sy_buf_reset(&rl->out);
    if (sy_error_envelope(&env, SY_EUPSTREAM, &d) != SY_OK
        || sy_sse_write_event(&rl->out, SY_LIT(""), sy_buf_slice(&env)) != SY_OK
        || sy_sse_write_done(&rl->out) != SY_OK)
        sy_buf_reset(&rl->out);
    (void)client_write(rl, sy_buf_slice(&rl->out));
    sy_buf_free(&env);
    rl->ex->error = code;
    end_client(rl);
}

static void on_heartbeat(evutil_socket_t fd, short what, void *arg)
{
    struct sy_relay *rl = arg;
    (void)fd;
    (void)what;
    uint64_t now = sy_now_us();
    if (now - rl->last_write_us < (uint64_t)rl->srv->heartbeat_ms * 1000u)
        return;
    struct sy_buf b;
    sy_buf_init(&b, 64);
    if (sy_sse_write_comment(&b, SY_LIT("keep-alive")) == SY_OK)
        (void)client_write(rl, sy_buf_slice(&b));
    sy_buf_free(&b);
}

/* ---- upstream callbacks ---- */

static void add_response_headers(struct sy_relay *rl, const struct sy_header *h, size_t n)
{
    struct sy_exchange *ex = rl->ex;
    bool have_id = false;
    for (size_t i = 0; i < n; i++) {
        sy_slice name = h[i].name;
        bool pass = rl->mode == SY_RELAY_RAW ? !sy_header_hop_by_hop(name) && !sy_slice_case_eq_cstr(name, "content-length")
                                             : sy_header_llm_allowed(name);
        if (rl->mode == SY_RELAY_TRANSLATE && sy_slice_case_eq_cstr(name, "content-type"))
            pass = false; /* the client gets its own format's type */
        if (!pass)
            continue;
        if (sy_slice_case_eq_cstr(name, "x-request-id")) {
            have_id = true;
            snprintf(ex->request_id, sizeof ex->request_id, SY_SLICE_FMT, SY_SLICE_ARG(h[i].value));
        }
        char *k = sy_arena_strndup(ex->arena, name.ptr, name.len);
        char *v = sy_arena_strndup(ex->arena, h[i].value.ptr, h[i].value.len);
        sy_http_add_header(ex->req, k, v);
    }
    if (!have_id)
        sy_ex_add_request_id(ex);
}

static bool is_event_stream(const struct sy_header *h, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (sy_slice_case_eq_cstr(h[i].name, "content-type"))
            return h[i].value.len >= 17 && strncasecmp(h[i].value.ptr, "text/event-stream", 17) == 0;
    return false;
}

static void start_client_stream(struct sy_relay *rl)
{
    rl->started = true;
    rl->ex->status = rl->status;
    sy_http_set_conn_timeout(rl->ex->req, rl->idle_ms + STREAM_CONN_SLACK_MS);
    sy_http_stream_start(rl->ex->req, rl->status);
    rl->last_write_us = sy_now_us();
}

static void up_head(void *arg, int status, const struct sy_header *h, size_t n)
{
    struct sy_relay *rl = arg;
    rl->head = true;
    rl->status = status;
    rl->ex->upstream_ms = sy_upstream_head_ms(rl->x);
    add_response_headers(rl, h, n);
    if (rl->mode == SY_RELAY_RAW) {
        start_client_stream(rl);
        return;
    }
    if (status >= 200 && status < 300 && is_event_stream(h, n)) {
        rl->sse = true;
        rl->ex->stream = true;
        if (rl->tr) {
            sy_http_add_header(rl->ex->req, "Content-Type", rl->tr->stream_content_type);
            sy_http_add_header(rl->ex->req, "Cache-Control", "no-cache");
        }
        sy_sse_decoder_init(&rl->dec, rl->srv->max_event_bytes);
        start_client_stream(rl);
        if (rl->srv->heartbeat_ms) {
            struct timeval tv = { rl->srv->heartbeat_ms / 1000, (rl->srv->heartbeat_ms % 1000) * 1000 };
            rl->heartbeat = event_new(rl->ex->w->base, -1, EV_PERSIST, on_heartbeat, rl);
            event_add(rl->heartbeat, &tv);
        }
    }
}

static bool looks_like_object(sy_slice d)
{
    size_t a = 0, b = d.len;
    while (a < b && (d.ptr[a] == ' ' || d.ptr[a] == '\t'))
        a++;
    while (b > a && (d.ptr[b - 1] == ' ' || d.ptr[b - 1] == '\t'))
        b--;
    return b - a >= 2 && d.ptr[a] == '{' && d.ptr[b - 1] == '}';
}

/* One upstream SSE event: check it, watch for usage and [DONE], queue its exact bytes. */
static sy_status on_sse_event(void *arg, const struct sy_sse_event *ev)
{
    struct sy_relay *rl = arg;
    if (ev->unknown_field)
        return SY_EJSON; /* e.g. an HTML error page spliced into the stream */
    if (rl->tr) {
        if (!ev->has_data)
            return SY_OK; /* upstream comments and bare event names mean nothing to the client */
        return rl->tr->event(rl->tr->ctx, ev->data, &rl->out, &rl->fail);
    }
    if (ev->has_data) {
        if (sy_slice_eq_cstr(ev->data, "[DONE]"))
            rl->done_seen = true;
        else if (!looks_like_object(ev->data))
            return SY_EJSON;
        else if (memmem(ev->data.ptr, ev->data.len, "\"usage\"", 7) && !observe_usage_text(rl->ex, ev->data))
            return SY_EJSON;
    }
    return sy_buf_append_slice(&rl->out, ev->raw);
}

static enum sy_body_verdict up_body(void *arg, sy_slice chunk)
{
    struct sy_relay *rl = arg;
    if (rl->mode == SY_RELAY_RAW)
        return client_write(rl, chunk);
    if (!rl->sse) {
        if (sy_buf_append_slice(&rl->body, chunk) == SY_OK)
            return SY_BODY_CONTINUE;
        struct sy_diag d;
        sy_diag_clear(&d);
        sy_diag_setf(&d, "upstream answer is larger than %u bytes", MAX_BUFFERED_BODY);
        /* finishing the exchange cancels the transfer (safe inside its callback) */
        sy_ex_fail(rl->ex, SY_EUPSTREAM, &d);
        return SY_BODY_ABORT;
    }
    sy_buf_reset(&rl->out);
    sy_status st = sy_sse_feed(&rl->dec, chunk, on_sse_event, rl);
    if (st == SY_OK)
        return client_write(rl, sy_buf_slice(&rl->out));
    (void)client_write(rl, sy_buf_slice(&rl->out)); /* the whole events before the bad one */
    if (st == SY_ETOOBIG)
        fail_stream(rl, "upstream_malformed", "upstream stream event exceeds the size limit");
    else if (rl->fail.message[0])
        fail_stream(rl, rl->fail.code[0] ? rl->fail.code : "upstream_error", rl->fail.message);
    else
        fail_stream(rl, "upstream_malformed", "upstream sent a malformed stream event");
    return SY_BODY_ABORT;
}

static void fail_before_reply(struct sy_relay *rl, sy_status st, const char *detail)
{
    struct sy_diag d;
    sy_diag_clear(&d);
    if (st == SY_ETIMEDOUT)
        sy_diag_setf(&d, "upstream timed out: %s", detail ? detail : "no answer");
    else
        sy_diag_setf(&d, "upstream request failed: %s", detail ? detail : "connection error");
    sy_ex_fail(rl->ex, st == SY_ETIMEDOUT ? SY_ETIMEDOUT : SY_EUPSTREAM, &d);
}

/* A whole upstream answer in another format: the translator writes the client's body. */
static void reply_translated(struct sy_relay *rl)
{
    struct sy_exchange *ex = rl->ex;
    int status = rl->status;
    sy_buf_reset(&rl->out);
    if (status >= 200 && status < 300) {
        rl->in_end = true;
        status = rl->tr->whole(rl->tr->ctx, sy_buf_slice(&rl->body), &rl->out);
        rl->in_end = false;
        if (status == 0 && rl->late)
            return sy_relay_finish(rl, rl->late_status, sy_buf_slice(&rl->late_bytes));
        if (status == 0)
            return; /* the translator answers later (sy_relay_finish) */
    } else {
        ex->error = "upstream error status";
        rl->tr->error(rl->tr->ctx, status, sy_buf_slice(&rl->body), &rl->out);
    }
    ex->status = status;
    ex->bytes_out += rl->out.len;
    sy_http_add_header(ex->req, "Content-Type", "application/json");
    sy_http_reply(ex->req, status, sy_buf_slice(&rl->out));
    ex->req = NULL;
    sy_ex_finish(ex);
}

static void up_done(void *arg, sy_status st, const char *detail)
{
    struct sy_relay *rl = arg;
    rl->x = NULL;
    if (st == SY_ECLOSED)
        return; /* we aborted it and already answered */
    struct sy_exchange *ex = rl->ex;
    if (rl->sse) {
        if (st == SY_OK && !sy_sse_decoder_pending(&rl->dec) && rl->tr) {
            translated_end(rl, SY_OK, NULL, NULL);
        } else if (st == SY_OK && !sy_sse_decoder_pending(&rl->dec)) {
            /* bytes after the last event (the LF of a CRLF stream's final blank line) */
            (void)client_write(rl, sy_buf_slice(&rl->dec.raw));
            end_client(rl);
        }
        else if (st == SY_ETIMEDOUT)
            fail_stream(rl, "upstream_timeout", "upstream stream stalled: no data within the idle timeout");
        else if (st != SY_OK && rl->done_seen)
            end_client(rl);
        else
            fail_stream(rl, "upstream_disconnected", "upstream closed the stream before it finished");
        return;
    }
    if (rl->started) { /* RAW */
        if (st == SY_OK) {
            end_client(rl);
        } else {
            ex->error = "upstream failed mid-response";
            sy_http_abort(ex->req);
            ex->req = NULL;
            sy_ex_finish(ex);
        }
        return;
    }
    if (st != SY_OK) {
        fail_before_reply(rl, st, detail);
        return;
    }
    if (rl->tr) {
        reply_translated(rl);
        return;
    }
    if (rl->status >= 200 && rl->status < 300)
        observe_usage_text(ex, sy_buf_slice(&rl->body));
    else
        ex->error = "upstream error status";
    ex->status = rl->status;
    ex->bytes_out += rl->body.len;
    sy_http_reply(ex->req, rl->status, sy_buf_slice(&rl->body));
    ex->req = NULL;
    sy_ex_finish(ex);
}

static void on_client_close(struct sy_http_req *r, void *arg)
{
    struct sy_relay *rl = arg;
    (void)r;
    struct sy_exchange *ex = rl->ex;
    ex->req = NULL;
    if (!rl->started)
        ex->status = 499;
    ex->error = "client disconnected";
    sy_ex_finish(ex); /* arena cleanup cancels the upstream transfer */
}

void sy_relay_finish(struct sy_relay *rl, int status, sy_slice bytes)
{
    struct sy_exchange *ex = rl->ex;
    if (rl->in_end) { /* called from inside tr->end / tr->whole: finish once they return */
        rl->late = true;
        rl->late_status = status;
        if (sy_buf_append_slice(&rl->late_bytes, bytes) != SY_OK)
            sy_buf_reset(&rl->late_bytes);
        return;
    }
    if (!ex->req)
        return;
    if (rl->sse) {
        (void)client_write(rl, bytes);
        end_client(rl);
        return;
    }
    ex->status = status;
    ex->bytes_out += bytes.len;
    sy_http_add_header(ex->req, "Content-Type", "application/json");
    sy_http_reply(ex->req, status, bytes);
    ex->req = NULL;
    sy_ex_finish(ex);
}

struct sy_relay *sy_relay_start(struct sy_exchange *ex, const struct sy_relay_opts *o)
{
    struct sy_relay *rl = sy_arena_alloc(ex->arena, sizeof *rl);
    rl->ex = ex;
    rl->mode = o->mode;
    rl->tr = o->mode == SY_RELAY_TRANSLATE ? o->translator : NULL;
    rl->srv = &ex->w->cfg->server;
    const struct sy_timeouts *t = o->deployment ? &o->deployment->timeouts : &rl->srv->timeouts;
    rl->idle_ms = t->idle_ms;
    sy_buf_init(&rl->body, MAX_BUFFERED_BODY);
    sy_buf_init(&rl->out, SY_BUF_UNCAPPED);
    sy_buf_init(&rl->late_bytes, SY_BUF_UNCAPPED);
    sy_arena_defer(ex->arena, relay_cleanup, rl);
    struct sy_upstream_req req = {
        .method = o->method,
        .url = o->url,
        .headers = sy_upstream_headers(ex, o->deployment, o->mode != SY_RELAY_RAW),
        .body = o->body,
        .connect_ms = t->connect_ms,
        .first_byte_ms = t->first_byte_ms,
        .idle_ms = t->idle_ms,
    };
    static const struct sy_upstream_cbs cbs = { up_head, up_body, up_done };
    sy_http_on_close(ex->req, on_client_close, rl);
    rl->x = sy_upstream_start(ex->w->up, &req, &cbs, rl);
    return rl;
}
