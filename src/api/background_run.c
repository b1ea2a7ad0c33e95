/* A background run: one chat upstream call on a worker loop with no client attached. The run
 * owns its memory (its own arena), decodes the request again there, and keeps the store up to
 * date: the response at create (before the client is answered), its event log as events are
 * made, a progress snapshot + lease every PROGRESS_MS, and the final response and items once the
 * log holds the terminal event. A streaming creator follows live; it may leave at any time. A
 * cancel comes from this process (sy_bg_signal_cancel) or through the store's cancel flag. */
#include <event2/event.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "api/background.h"
#include "api/endpoints.h"
#include "api/headers.h"
#include "api/responses_internal.h"
#include "api/store_call.h"
#include "core/log.h"
#include "core/time.h"
#include "http/http.h"
#include "json/json.h"
#include "sse/sse.h"
#include "translate/responses_items.h"
#include "upstream/client.h"

#define PROGRESS_MS      250
#define FOLLOWER_MAX     (8u << 20)  /* a follower this far behind is dropped (it can resume) */
#define MAX_WHOLE_BODY   (64u << 20)

struct bg_run {
    struct sy_arena             *a;
    struct sy_worker            *w;
    const struct sy_deployment  *dep;
    struct sy_json              *root, *ctx_root;
    struct sy_ir_request         req;
    struct sy_responses_encoder *enc;
    struct sy_chat_stream        cs;
    struct sy_sse_decoder        dec;
    struct sy_buf                sse;      /* encoder output not yet split into events */
    struct sy_buf                body;     /* a non-SSE upstream answer */
    struct sy_buf                snap;     /* the last progress snapshot */
    struct sy_upstream_xfer     *x;
    struct sy_upstream_req       up;
    int                          up_status;
    bool                         up_sse;
    sy_slice                     id, owner, body_text;
    int64_t                      created_at;
    struct sy_store_event       *pending;  /* events not yet in the log */
    size_t                       npending, cap;
    struct sy_store_job         *append_job, *update_job, *final_job;
    bool                         terminal, final_sent, deleted;
    bool                         counted;  /* in w->open */
    struct event                *tick, *cancel_ev;
    struct sy_exchange          *creator;  /* the creating request until it is answered */
    struct sy_store_job         *create_job;
    struct sy_exchange          *follower; /* the streaming creator, while attached */
    struct sy_buf                held;     /* follower bytes held until the final write */
    struct bg_run               *next;     /* registry */
};

static void pump(struct bg_run *r);
static void flush_log(struct bg_run *r);
static void do_cancel(struct bg_run *r);

/* ------------------------------------------------------------------ registry */

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct bg_run *registry;

/* A run counts as open on its worker, like a stream: a draining worker (SIGTERM) lets it finish
 * up to the drain deadline. */
static void registry_add(struct bg_run *r)
{
    r->counted = true;
    r->w->open++;
    pthread_mutex_lock(&registry_lock);
    r->next = registry;
    registry = r;
    pthread_mutex_unlock(&registry_lock);
}

static void registry_remove(struct bg_run *r)
{
    pthread_mutex_lock(&registry_lock);
    for (struct bg_run **p = &registry; *p; p = &(*p)->next)
        if (*p == r) {
            *p = r->next;
            break;
        }
    pthread_mutex_unlock(&registry_lock);
}

bool sy_bg_signal_cancel(sy_slice id)
{
    bool found = false;
    pthread_mutex_lock(&registry_lock);
    for (struct bg_run *r = registry; r && !found; r = r->next)
        if (sy_slice_eq(r->id, id)) {
            event_active(r->cancel_ev, 0, 0);
            found = true;
        }
    pthread_mutex_unlock(&registry_lock);
    return found;
}

/* ------------------------------------------------------------------ lifetime */

static void run_free(struct bg_run *r)
{
    registry_remove(r);
    struct sy_worker *w = r->counted ? r->w : NULL;
    if (r->x)
        sy_upstream_cancel(r->x);
    if (r->append_job)
        sy_store_detach(r->append_job);
    if (r->update_job)
        sy_store_detach(r->update_job);
    if (r->final_job)
        sy_store_detach(r->final_job);
    if (r->create_job)
        sy_store_detach(r->create_job);
    if (r->tick)
        event_free(r->tick);
    if (r->cancel_ev)
        event_free(r->cancel_ev);
    for (size_t i = 0; i < r->npending; i++)
        free((void *)r->pending[i].sse.ptr);
    free(r->pending);
    sy_buf_free(&r->sse);
    sy_buf_free(&r->body);
    sy_buf_free(&r->snap);
    sy_buf_free(&r->held);
    sy_sse_decoder_free(&r->dec);
    sy_json_free(r->root);
    sy_json_free(r->ctx_root);
    sy_arena_free(r->a);
    free(r);
    if (w && --w->open == 0 && w->draining && sy_api_on_idle)
        sy_api_on_idle(w);
}

void sy_bg_worker_exit(struct sy_worker *w)
{
    for (;;) {
        struct bg_run *mine = NULL;
        pthread_mutex_lock(&registry_lock);
        for (struct bg_run *r = registry; r && !mine; r = r->next)
            if (r->w == w)
                mine = r;
        pthread_mutex_unlock(&registry_lock);
        if (!mine)
            return;
        sy_warn("background %.*s: abandoned at shutdown (its lease runs out, then it is marked failed)",
                (int)mine->id.len, mine->id.ptr);
        mine->follower = mine->creator = NULL; /* closed with the server, before this runs */
        if (mine->counted) { /* the loop has stopped: no drain check any more */
            mine->counted = false;
            w->open--;
        }
        run_free(mine);
    }
}

/* ------------------------------------------------------------------ the follower */

static void follower_close(struct sy_http_req *req, void *arg)
{
    struct bg_run *r = arg;
    (void)req;
    struct sy_exchange *ex = r->follower;
    r->follower = NULL;
    ex->req = NULL;
    ex->error = "client disconnected (the background run goes on)";
    sy_ex_finish(ex);
}

static void follow(struct bg_run *r, sy_slice bytes)
{
    if (!r->follower || bytes.len == 0)
        return;
    if (r->terminal) { /* terminal events reach the client once they are durable */
        if (sy_buf_append_slice(&r->held, bytes) != SY_OK)
            sy_buf_reset(&r->held);
        return;
    }
    r->follower->bytes_out += bytes.len;
    if (sy_http_stream_write(r->follower->req, bytes) > FOLLOWER_MAX) {
        struct sy_exchange *ex = r->follower;
        r->follower = NULL;
        sy_warn("background %.*s: streaming client too slow, dropped (it can resume)", (int)r->id.len, r->id.ptr);
        sy_http_abort(ex->req);
        ex->req = NULL;
        ex->error = "client too slow";
        sy_ex_finish(ex);
    }
}

static void follower_end(struct bg_run *r)
{
    struct sy_exchange *ex = r->follower;
    if (!ex)
        return;
    r->follower = NULL;
    sy_http_on_close(ex->req, NULL, NULL);
    if (r->held.len)
        (void)sy_http_stream_write(ex->req, sy_buf_slice(&r->held));
    ex->bytes_out += r->held.len;
    sy_http_stream_end(ex->req);
    ex->req = NULL;
    sy_ex_finish(ex);
}

/* ------------------------------------------------------------------ the event log */

static void add_pending(struct bg_run *r, int64_t seq, sy_slice frame)
{
    if (r->npending == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 64;
        r->pending = realloc(r->pending, r->cap * sizeof *r->pending);
        if (!r->pending)
            abort();
    }
    char *copy = malloc(frame.len ? frame.len : 1);
    if (!copy)
        abort();
    memcpy(copy, frame.ptr, frame.len);
    r->pending[r->npending++] = (struct sy_store_event){ .seq = seq, .sse = sy_slice_from(copy, frame.len) };
}

/* Split the encoder's new output into events: each goes to the log and to the follower. */
static void pump(struct bg_run *r)
{
    sy_slice all = sy_buf_slice(&r->sse);
    size_t at = 0;
    while (at < all.len) {
        const char *end = memmem(all.ptr + at, all.len - at, "\n\n", 2);
        size_t len = end ? (size_t)(end - (all.ptr + at)) + 2 : all.len - at;
        sy_slice frame = sy_slice_from(all.ptr + at, len);
        at += len;
        if (!r->terminal && strcmp(sy_responses_encoder_status(r->enc), "in_progress") != 0 &&
            strcmp(sy_responses_encoder_status(r->enc), "queued") != 0)
            r->terminal = true; /* this read produced the terminal event: hold from here on */
        follow(r, frame);
        if (sy_slice_starts_with(frame, "data: [DONE]"))
            continue;
        int64_t seq = sy_responses_first_sequence(frame);
        if (seq >= 0)
            add_pending(r, seq, frame);
    }
    sy_buf_reset(&r->sse);
    flush_log(r);
}

static void final_write(struct bg_run *r);

static void on_appended(const struct sy_store_result *res, void *ctx)
{
    struct bg_run *r = ctx;
    r->append_job = NULL;
    if (res->status != SY_OK)
        sy_error("background %.*s: event log write failed: %s", (int)r->id.len, r->id.ptr, res->message);
    flush_log(r);
}

static void flush_log(struct bg_run *r)
{
    if (r->append_job)
        return;
    if (r->npending) {
        struct sy_store_req q = { .op = SY_STORE_APPEND_EVENTS, .id = r->id, .owner = r->owner,
                                  .events = r->pending, .nevents = r->npending };
        r->append_job = sy_store_submit(r->w->store, r->w->base, &q, on_appended, r);
        for (size_t i = 0; i < r->npending; i++)
            free((void *)r->pending[i].sse.ptr);
        if (!r->append_job)
            sy_error("background %.*s: the store refused %zu events", (int)r->id.len, r->id.ptr, r->npending);
        r->npending = 0;
        if (r->append_job)
            return;
    }
    if (r->terminal && !r->update_job)
        final_write(r);
}

/* ------------------------------------------------------------------ final write */

static void on_final(const struct sy_store_result *res, void *ctx)
{
    struct bg_run *r = ctx;
    r->final_job = NULL;
    if (res->status != SY_OK)
        sy_error("background %.*s: the final write failed: %s", (int)r->id.len, r->id.ptr, res->message);
    follower_end(r);
    run_free(r);
}

static void final_write(struct bg_run *r)
{
    if (r->final_sent)
        return;
    r->final_sent = true;
    if (r->tick)
        event_del(r->tick);
    if (r->deleted) {
        follower_end(r);
        run_free(r);
        return;
    }
    struct sy_store_req q = {
        .id = r->id, .owner = r->owner, .created_at = r->created_at, .background = true, .lease_until = 0,
        .instance = sy_slice_cstr(sy_store_instance(r->w->store)),
    };
    sy_status st = sy_roc_final_put(r->a, r->root, &r->req, r->enc, &q);
    if (st == SY_OK)
        r->final_job = sy_store_submit(r->w->store, r->w->base, &q, on_final, r);
    if (!r->final_job) {
        sy_error("background %.*s: the final write could not be queued", (int)r->id.len, r->id.ptr);
        follower_end(r);
        run_free(r);
    }
}

/* ------------------------------------------------------------------ progress and cancel */

static void on_progress(const struct sy_store_result *res, void *ctx)
{
    struct bg_run *r = ctx;
    r->update_job = NULL;
    if (res->status == SY_ENOTFOUND)
        r->deleted = true; /* deleted (or expired) while running: stop, write nothing more */
    if (r->deleted || (res->status == SY_OK && res->cancel_requested))
        do_cancel(r);
    if (r->terminal)
        flush_log(r);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    struct bg_run *r = arg;
    (void)fd, (void)what;
    if (r->terminal || r->update_job)
        return;
    if (sy_responses_encoder_snapshot_into(r->enc, &r->snap) != SY_OK)
        return;
    struct sy_store_req q = {
        .op = SY_STORE_UPDATE_RUN, .id = r->id, .owner = r->owner,
        .status = sy_slice_cstr(sy_responses_encoder_status(r->enc)), .response = sy_buf_slice(&r->snap),
        .lease_until = sy_wall_unix() + (int64_t)r->w->cfg->background.lease_s,
        .instance = sy_slice_cstr(sy_store_instance(r->w->store)), .background = true,
    };
    r->update_job = sy_store_submit(r->w->store, r->w->base, &q, on_progress, r);
}

static void do_cancel(struct bg_run *r)
{
    if (r->terminal)
        return;
    if (r->x) {
        sy_upstream_cancel(r->x);
        r->x = NULL;
    }
    if (sy_responses_encoder_cancel(r->enc) != SY_OK)
        sy_error("background %.*s: cancel could not be encoded", (int)r->id.len, r->id.ptr);
    r->terminal = true;
    pump(r);
}

static void on_cancel_signal(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    do_cancel(arg);
}

/* ------------------------------------------------------------------ the upstream call */

static void push_error(struct bg_run *r, sy_status st, const char *message)
{
    struct sy_ir_event ev = { .kind = SY_IR_ERROR, .status = st, .message = message };
    struct sy_ir_sink *sink = sy_responses_encoder_sink(r->enc);
    (void)sink->event(sink, &ev);
}

static void up_head(void *ctx, int status, const struct sy_header *h, size_t n)
{
    struct bg_run *r = ctx;
    r->up_status = status;
    for (size_t i = 0; i < n; i++)
        if (sy_slice_eq_cstr(h[i].name, "content-type") || sy_slice_eq_cstr(h[i].name, "Content-Type"))
            r->up_sse = h[i].value.len >= 17 && memcmp(h[i].value.ptr, "text/event-stream", 17) == 0;
}

static sy_status on_event(void *ctx, const struct sy_sse_event *ev)
{
    struct bg_run *r = ctx;
    if (ev->data.len == 0 && !ev->event.len)
        return SY_OK;
    struct sy_diag d;
    sy_diag_clear(&d);
    sy_status st = sy_chat_stream_feed(&r->cs, ev->data, &d);
    if (st != SY_OK)
        push_error(r, SY_EUPSTREAM, d.message[0] ? d.message : "upstream sent a malformed stream event");
    return st;
}

static enum sy_body_verdict up_body(void *ctx, sy_slice chunk)
{
    struct bg_run *r = ctx;
    if (r->up_status < 200 || r->up_status >= 300 || !r->up_sse) {
        if (sy_buf_append_slice(&r->body, chunk) != SY_OK)
            return SY_BODY_ABORT;
        return SY_BODY_CONTINUE;
    }
    sy_status st = sy_sse_feed(&r->dec, chunk, on_event, r);
    pump(r);
    return st == SY_OK && !r->terminal ? SY_BODY_CONTINUE : SY_BODY_ABORT;
}

/* A non-2xx answer: its error message (OpenAI-style body) or the status. */
static void upstream_error(struct bg_run *r)
{
    struct sy_json *root = NULL;
    struct sy_diag d;
    sy_diag_clear(&d);
    sy_slice msg = SY_LIT("");
    if (sy_json_parse(sy_buf_slice(&r->body), &root, &d) == SY_OK)
        (void)sy_json_as_str(sy_json_get(sy_json_get(root, "error"), "message"), &msg);
    char text[512];
    if (msg.len)
        snprintf(text, sizeof text, "%.*s", (int)(msg.len > 400 ? 400 : msg.len), msg.ptr);
    else
        snprintf(text, sizeof text, "upstream answered HTTP %d", r->up_status);
    push_error(r, r->up_status == 429 ? SY_ERATELIMIT : SY_EUPSTREAM, text);
    sy_json_free(root);
}

static void up_done(void *ctx, sy_status st, const char *detail)
{
    struct bg_run *r = ctx;
    r->x = NULL;
    if (!r->terminal) {
        if (st != SY_OK && st != SY_ECLOSED)
            push_error(r, st == SY_ETIMEDOUT ? SY_ETIMEDOUT : SY_EUPSTREAM, detail ? detail : "upstream failed");
        else if (r->up_status < 200 || r->up_status >= 300)
            upstream_error(r);
        else if (!r->up_sse) {
            struct sy_diag d;
            sy_diag_clear(&d);
            if (sy_chat_decode_completion(sy_buf_slice(&r->body), sy_responses_encoder_sink(r->enc), &d) != SY_OK)
                push_error(r, SY_EUPSTREAM, "upstream sent an invalid chat completion");
        } else if (!r->cs.finished && !sy_chat_stream_finish(&r->cs))
            push_error(r, SY_EUPSTREAM, "upstream closed the stream before it finished");
    }
    pump(r);
}

/* ------------------------------------------------------------------ start */

static void on_created(const struct sy_store_result *res, void *ctx);
static void creator_close(struct sy_http_req *req, void *arg);

/* Decode the request again in the run's own arena, with its stored context. */
static sy_status decode(struct bg_run *r, sy_slice context, struct sy_diag *d)
{
    sy_status st = sy_json_parse(r->body_text, &r->root, d);
    if (st == SY_OK)
        st = sy_responses_decode_request(r->a, r->root, &r->req, NULL, d);
    if (st == SY_OK && context.len) {
        st = sy_json_parse(sy_arena_dup(r->a, context), &r->ctx_root, d);
        if (st == SY_OK)
            st = sy_roc_prepend(r->a, &r->req, r->ctx_root, d);
    }
    if (st == SY_OK)
        st = sy_responses_check_call_ids(&r->req, d);
    return st;
}

static sy_status upstream_request(struct bg_run *r, struct sy_exchange *ex, struct sy_diag *d)
{
    struct sy_dropped dropped;
    sy_dropped_init(&dropped);
    struct sy_buf body;
    sy_buf_init(&body, SY_BUF_UNCAPPED);
    struct sy_chat_encode_opts co = {
        .model = r->dep->model ? sy_slice_cstr(r->dep->model) : r->req.model,
        .stream = true, /* always streamed: progress, the event log and cancel need it */
        .dialect = r->dep->openai_dialect ? SY_CHAT_OPENAI : SY_CHAT_GENERIC,
    };
    sy_status st = sy_chat_encode_request(&r->req, &co, &body, &dropped, d);
    if (st == SY_OK)
        st = sy_api_check_strict(ex, r->dep, &dropped, d);
    r->up.body = sy_arena_dup(r->a, sy_buf_slice(&body));
    sy_buf_free(&body);
    sy_dropped_free(&dropped);
    const char *const *h = sy_upstream_headers(ex, r->dep, true);
    size_t n = 0;
    while (h[n])
        n++;
    const char **copy = sy_arena_alloc(r->a, (n + 1) * sizeof *copy);
    for (size_t i = 0; i < n; i++)
        copy[i] = sy_arena_strndup(r->a, h[i], strlen(h[i]));
    copy[n] = NULL;
    const char *url = sy_api_upstream_url(ex, r->dep, SY_LIT("/chat/completions"), SY_LIT(""));
    r->up = (struct sy_upstream_req){
        .method = "POST", .url = sy_arena_strndup(r->a, url, strlen(url)), .headers = copy, .body = r->up.body,
        .connect_ms = r->dep->timeouts.connect_ms, .first_byte_ms = r->dep->timeouts.first_byte_ms,
        .idle_ms = r->dep->timeouts.idle_ms,
    };
    return st;
}

static struct bg_run *run_new(struct sy_exchange *ex, const struct sy_bg_start *s)
{
    struct bg_run *r = calloc(1, sizeof *r);
    if (!r)
        abort();
    r->a = sy_arena_new(16 * 1024);
    r->w = ex->w;
    r->dep = s->dep;
    r->id = sy_arena_dup(r->a, s->response_id);
    r->owner = sy_arena_dup(r->a, sy_api_owner(ex));
    r->created_at = s->created_at;
    r->body_text = sy_arena_dup(r->a, s->body);
    sy_buf_init(&r->sse, SY_BUF_UNCAPPED);
    sy_buf_init(&r->body, MAX_WHOLE_BODY);
    sy_buf_init(&r->snap, SY_BUF_UNCAPPED);
    sy_buf_init(&r->held, SY_BUF_UNCAPPED);
    sy_sse_decoder_init(&r->dec, ex->w->cfg->server.max_event_bytes);
    return r;
}

void sy_bg_start(struct sy_exchange *ex, const struct sy_bg_start *s)
{
    struct bg_run *r = run_new(ex, s);
    struct sy_diag d;
    sy_diag_clear(&d);
    sy_status st = decode(r, s->context, &d);
    if (st == SY_OK)
        st = upstream_request(r, ex, &d);
    if (st != SY_OK) {
        run_free(r);
        sy_ex_fail(ex, st, &d);
        return;
    }
    struct sy_responses_encode_opts eo = { .response_id = r->id, .created_at = r->created_at,
                                           .model = r->req.model, .sse_out = &r->sse };
    r->enc = sy_responses_encoder_new(r->a, &r->req, &eo);
    sy_chat_stream_init(&r->cs, r->a, sy_responses_encoder_sink(r->enc));
    r->tick = event_new(r->w->base, -1, EV_PERSIST, on_tick, r);
    r->cancel_ev = event_new(r->w->base, -1, 0, on_cancel_signal, r);
    /* response.created / response.queued / response.in_progress right away */
    struct sy_ir_event start = { .kind = SY_IR_START };
    struct sy_ir_sink *sink = sy_responses_encoder_sink(r->enc);
    (void)sink->event(sink, &start);
    if (sy_responses_encoder_snapshot_into(r->enc, &r->snap) != SY_OK) {
        run_free(r);
        sy_ex_fail(ex, SY_EINTERNAL, NULL);
        return;
    }
    r->creator = ex;
    r->follower = s->stream ? ex : NULL;
    struct sy_store_req q = {
        .op = SY_STORE_PUT_RESPONSE, .id = r->id, .owner = r->owner, .created_at = r->created_at,
        .status = SY_LIT("in_progress"), .model = r->req.model, .previous_response_id = r->req.previous_response_id,
        .response = sy_buf_slice(&r->snap), .background = true,
        .lease_until = sy_wall_unix() + (int64_t)r->w->cfg->background.lease_s,
        .instance = sy_slice_cstr(sy_store_instance(r->w->store)),
    };
    r->create_job = sy_store_submit(r->w->store, r->w->base, &q, on_created, r);
    if (!r->create_job) {
        run_free(r);
        struct sy_diag busy;
        sy_diag_clear(&busy);
        sy_diag_setf(&busy, "The gateway's store is busy; retry shortly.");
        sy_ex_fail(ex, SY_EUNAVAILABLE, &busy);
        return;
    }
    sy_http_on_close(ex->req, creator_close, r);
}

/* The creator left before it was answered: the run goes on without it. */
static void creator_close(struct sy_http_req *req, void *arg)
{
    struct bg_run *r = arg;
    (void)req;
    struct sy_exchange *ex = r->creator;
    r->creator = r->follower = NULL;
    ex->req = NULL;
    ex->status = 499;
    ex->error = "client disconnected (the background run goes on)";
    sy_ex_finish(ex);
}

static void answer_creator(struct bg_run *r)
{
    struct sy_exchange *ex = r->creator;
    r->creator = NULL;
    if (!ex)
        return;
    sy_http_on_close(ex->req, NULL, NULL);
    if (!r->follower) {
        sy_ex_reply_json(ex, 200, sy_buf_slice(&r->snap));
        return;
    }
    sy_http_add_header(ex->req, "Content-Type", "text/event-stream; charset=utf-8");
    sy_http_add_header(ex->req, "Cache-Control", "no-cache");
    sy_ex_add_request_id(ex);
    ex->status = 200;
    sy_http_stream_start(ex->req, 200);
    sy_http_on_close(ex->req, follower_close, r);
}

/* The response is stored: answer the creator, start the upstream call and the progress tick. */
static void on_created(const struct sy_store_result *res, void *ctx)
{
    struct bg_run *r = ctx;
    r->create_job = NULL;
    if (res->status != SY_OK) {
        struct sy_exchange *ex = r->creator;
        r->creator = r->follower = NULL;
        sy_error("background %.*s: the create write failed: %s", (int)r->id.len, r->id.ptr, res->message);
        run_free(r);
        if (ex) {
            sy_http_on_close(ex->req, NULL, NULL);
            sy_api_store_fail(ex, res, "response", SY_LIT(""), NULL);
        }
        return;
    }
    registry_add(r);
    answer_creator(r);
    static const struct sy_upstream_cbs cbs = { up_head, up_body, up_done };
    r->x = sy_upstream_start(r->w->up, &r->up, &cbs, r);
    struct timeval tv = { PROGRESS_MS / 1000, (PROGRESS_MS % 1000) * 1000 };
    event_add(r->tick, &tv);
    pump(r); /* created, queued, in_progress: to the log and the follower */
}
