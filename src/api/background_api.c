/* Background responses seen from any instance: create (with the caps), resume a stream from
 * the event log, cancel. Everything goes through the store, so the instance running a response
 * and the one answering need not be the same. */
#include <event2/event.h>
#include <string.h>

#include "api/background.h"
#include "api/endpoints.h"
#include "api/store_call.h"
#include "core/log.h"
#include "http/http.h"
#include "translate/responses_items.h"

#define RESUME_POLL_MS  100
#define CANCEL_POLL_MS  50
#define CANCEL_WAIT_MS  5000

static bool terminal_status(sy_slice s)
{
    return sy_slice_eq_cstr(s, "completed") || sy_slice_eq_cstr(s, "incomplete") || sy_slice_eq_cstr(s, "failed") ||
           sy_slice_eq_cstr(s, "cancelled");
}

/* The stored object as a client sees it: a run the sweeper failed carries its error. */
void sy_api_reply_stored_response(struct sy_exchange *ex, const struct sy_store_result *r)
{
    if (r->error.len == 0) {
        sy_ex_reply_json(ex, 200, r->response);
        return;
    }
    struct sy_buf out;
    sy_buf_init(&out, SY_BUF_UNCAPPED);
    if (sy_responses_mark_failed(&out, r->response, r->error) != SY_OK)
        sy_ex_fail(ex, SY_EINTERNAL, NULL);
    else
        sy_ex_reply_json(ex, 200, sy_buf_slice(&out));
    sy_buf_free(&out);
}

/* ------------------------------------------------------------------ create */

static void on_count(struct sy_exchange *ex, const struct sy_store_result *r, void *ctx)
{
    const struct sy_bg_start *s = ctx;
    const struct sy_background_cfg *cfg = &ex->w->cfg->background;
    if (r->status != SY_OK)
        return sy_api_store_fail(ex, r, "response", SY_LIT(""), NULL);
    bool per_key = r->active_owner >= cfg->max_per_key;
    if (per_key || r->active_total >= cfg->max_total) {
        struct sy_diag d;
        sy_diag_clear(&d);
        sy_diag_setf(&d, "Too many background responses in progress %s (limit %u); retry when one has finished.",
                     per_key ? "for this API key" : "on this gateway", per_key ? cfg->max_per_key : cfg->max_total);
        sy_diag_param(&d, "background");
        sy_ex_fail(ex, SY_ERATELIMIT, &d);
        return;
    }
    sy_bg_start(ex, s);
}

void sy_bg_create(struct sy_exchange *ex, const struct sy_bg_start *s)
{
    struct sy_bg_start *copy = sy_arena_alloc(ex->arena, sizeof *copy);
    *copy = *s;
    struct sy_store_req q = { .op = SY_STORE_COUNT_ACTIVE, .owner = sy_api_owner(ex) };
    sy_api_store_call(ex, &q, on_count, copy);
}

/* ------------------------------------------------------------------ resume */

struct follow {
    struct sy_exchange  *ex;
    sy_slice             id, owner;
    int64_t              last;
    bool                 started;
    struct event        *poll;
    struct sy_store_job *job;
};

static void follow_cleanup(void *arg)
{
    struct follow *f = arg;
    if (f->job)
        sy_store_detach(f->job);
    if (f->poll)
        event_free(f->poll);
}

static void follow_close(struct sy_http_req *req, void *arg)
{
    struct follow *f = arg;
    (void)req;
    f->ex->req = NULL;
    f->ex->error = "client disconnected";
    sy_ex_finish(f->ex); /* the arena cleanup detaches the read and frees the timer */
}

static void follow_end(struct follow *f, sy_slice tail)
{
    struct sy_exchange *ex = f->ex;
    sy_http_on_close(ex->req, NULL, NULL);
    if (tail.len)
        (void)sy_http_stream_write(ex->req, tail);
    ex->bytes_out += tail.len;
    sy_http_stream_end(ex->req);
    ex->req = NULL;
    sy_ex_finish(ex);
}

static void read_events(struct follow *f);

/* The first read decides the reply: an error, or the event stream. */
static bool start_stream(struct follow *f, const struct sy_store_result *r)
{
    struct sy_exchange *ex = f->ex;
    sy_http_on_close(ex->req, NULL, NULL);
    if (r->status == SY_ENOTFOUND) {
        sy_api_responses_unknown(ex, f->id); /* maybe the Responses upstream's own */
        return false;
    }
    if (r->status != SY_OK) {
        sy_api_store_fail(ex, r, "response", f->id, NULL);
        return false;
    }
    if (!r->background) {
        struct sy_diag d;
        sy_diag_clear(&d);
        sy_diag_setf(&d, "Streaming a stored response is only possible for background responses.");
        sy_diag_param(&d, "stream");
        sy_ex_fail(ex, SY_EINVAL, &d);
        return false;
    }
    sy_http_add_header(ex->req, "Content-Type", "text/event-stream; charset=utf-8");
    sy_http_add_header(ex->req, "Cache-Control", "no-cache");
    sy_ex_add_request_id(ex);
    ex->status = 200;
    ex->stream = true;
    sy_http_stream_start(ex->req, 200);
    sy_http_on_close(ex->req, follow_close, f);
    f->started = true;
    return true;
}

/* Terminal and nothing new: [DONE], or for a run whose instance died the failure it never wrote. */
static void finish_stream(struct follow *f, const struct sy_store_result *r)
{
    struct sy_buf tail;
    sy_buf_init(&tail, SY_BUF_UNCAPPED);
    struct sy_buf obj;
    sy_buf_init(&obj, SY_BUF_UNCAPPED);
    sy_status st = SY_OK;
    if (r->error.len) {
        st = sy_responses_mark_failed(&obj, r->response, r->error);
        if (st == SY_OK)
            st = sy_responses_write_lifecycle(&tail, "response.failed", f->last + 1, sy_buf_slice(&obj));
    } else {
        st = sy_buf_append_cstr(&tail, "data: [DONE]\n\n");
    }
    if (st != SY_OK)
        sy_buf_reset(&tail);
    follow_end(f, sy_buf_slice(&tail));
    sy_buf_free(&obj);
    sy_buf_free(&tail);
}

static void on_events(const struct sy_store_result *r, void *ctx)
{
    struct follow *f = ctx;
    f->job = NULL;
    if (!f->started && !start_stream(f, r))
        return;
    if (r->status != SY_OK) { /* deleted or expired while followed: end cleanly */
        follow_end(f, SY_LIT("data: [DONE]\n\n"));
        return;
    }
    for (size_t i = 0; i < r->nevents; i++) {
        f->ex->bytes_out += r->events[i].sse.len;
        (void)sy_http_stream_write(f->ex->req, r->events[i].sse);
        f->last = r->events[i].seq;
    }
    if (terminal_status(r->resp_status) && r->nevents == 0) {
        finish_stream(f, r);
        return;
    }
    if (terminal_status(r->resp_status)) { /* one more read: nothing may come after the final write */
        read_events(f);
        return;
    }
    struct timeval tv = { 0, RESUME_POLL_MS * 1000 };
    event_add(f->poll, &tv);
}

static void read_events(struct follow *f)
{
    struct sy_store_req q = { .op = SY_STORE_READ_EVENTS, .id = f->id, .owner = f->owner, .after_seq = f->last };
    f->job = sy_store_submit(f->ex->w->store, f->ex->w->base, &q, on_events, f);
    if (f->job)
        return;
    if (f->started) {
        follow_end(f, SY_LIT(""));
        return;
    }
    sy_http_on_close(f->ex->req, NULL, NULL);
    sy_ex_fail(f->ex, SY_EUNAVAILABLE, NULL);
}

static void on_poll(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    read_events(arg);
}

void sy_bg_resume(struct sy_exchange *ex, sy_slice id, int64_t after)
{
    struct follow *f = sy_arena_alloc(ex->arena, sizeof *f);
    *f = (struct follow){ .ex = ex, .id = id, .owner = sy_api_owner(ex), .last = after };
    f->poll = event_new(ex->w->base, -1, 0, on_poll, f);
    sy_arena_defer(ex->arena, follow_cleanup, f);
    sy_http_on_close(ex->req, follow_close, f);
    read_events(f);
}

/* ------------------------------------------------------------------ cancel */

struct cancel {
    struct sy_exchange  *ex;
    sy_slice             id, owner;
    int                  waited_ms;
    struct event        *poll;
    struct sy_store_job *job;
};

static void cancel_cleanup(void *arg)
{
    struct cancel *c = arg;
    if (c->job)
        sy_store_detach(c->job);
    if (c->poll)
        event_free(c->poll);
}

static void cancel_close(struct sy_http_req *req, void *arg)
{
    struct cancel *c = arg;
    (void)req;
    c->ex->req = NULL;
    c->ex->error = "client disconnected";
    sy_ex_finish(c->ex);
}

static void on_state(const struct sy_store_result *r, void *ctx)
{
    struct cancel *c = ctx;
    c->job = NULL;
    if (r->status != SY_OK || terminal_status(r->resp_status) || c->waited_ms >= CANCEL_WAIT_MS) {
        sy_http_on_close(c->ex->req, NULL, NULL);
        if (r->status != SY_OK)
            sy_api_store_fail(c->ex, r, "response", c->id, NULL);
        else
            sy_api_reply_stored_response(c->ex, r);
        return;
    }
    struct timeval tv = { 0, CANCEL_POLL_MS * 1000 };
    c->waited_ms += CANCEL_POLL_MS;
    event_add(c->poll, &tv);
}

/* Wait for the running instance to finish the cancel (it writes the cancelled object). */
static void on_cancel_poll(evutil_socket_t fd, short what, void *arg)
{
    struct cancel *c = arg;
    (void)fd, (void)what;
    struct sy_store_req q = { .op = SY_STORE_GET_RESPONSE, .id = c->id, .owner = c->owner };
    c->job = sy_store_submit(c->ex->w->store, c->ex->w->base, &q, on_state, c);
    if (!c->job) {
        sy_http_on_close(c->ex->req, NULL, NULL);
        sy_ex_fail(c->ex, SY_EUNAVAILABLE, NULL);
    }
}

static void on_requested(struct sy_exchange *ex, const struct sy_store_result *r, void *ctx)
{
    struct cancel *c = ctx;
    if (r->status == SY_ENOTFOUND)
        return sy_api_responses_unknown(ex, c->id);
    if (r->status != SY_OK)
        return sy_api_store_fail(ex, r, "response", c->id, NULL);
    if (!r->background) {
        struct sy_diag d;
        sy_diag_clear(&d);
        sy_diag_setf(&d, "Only background responses can be cancelled.");
        return sy_ex_fail(ex, SY_EINVAL, &d);
    }
    if (terminal_status(r->resp_status))
        return sy_api_reply_stored_response(ex, r); /* idempotent: a finished response comes back unchanged */
    (void)sy_bg_signal_cancel(c->id); /* at once when it runs in this process */
    c->poll = event_new(ex->w->base, -1, 0, on_cancel_poll, c);
    sy_http_on_close(ex->req, cancel_close, c);
    struct timeval tv = { 0, CANCEL_POLL_MS * 1000 };
    event_add(c->poll, &tv);
}

void sy_bg_cancel(struct sy_exchange *ex, sy_slice id)
{
    struct cancel *c = sy_arena_alloc(ex->arena, sizeof *c);
    *c = (struct cancel){ .ex = ex, .id = id, .owner = sy_api_owner(ex) };
    sy_arena_defer(ex->arena, cancel_cleanup, c);
    struct sy_store_req q = { .op = SY_STORE_REQUEST_CANCEL, .id = id, .owner = c->owner };
    sy_api_store_call(ex, &q, on_requested, c);
}
