/* libcurl multi_socket on libevent (the hiperfifo pattern), with the pitfalls of stack.md:
 * socket_action is never called from inside curl's callbacks, socket events are re-armed only
 * when curl's interest changes, fds belong to curl, handles are removed outside their own
 * callbacks, and stream timeouts are our own timers (CURLOPT_TIMEOUT would cap total time). */
#include "upstream/client.h"

#include <curl/curl.h>
#include <event2/event.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/time.h"
#include "core/xmalloc.h"

#define MAX_HEADER_BYTES (64 * 1024)
#define MAX_HEADERS 128
#define IDLE_EASY_MAX 64 /* reset easy handles kept for reuse: setting one up costs more than the request */

struct sy_upstream {
    struct event_base *base;
    CURLM             *multi;
    struct event      *timer;
    unsigned           active;
    struct sy_upstream_xfer *live; /* doubly linked list of live transfers */
    CURL              *idle[IDLE_EASY_MAX];
    unsigned           nidle;
};

struct sock_watch {
    struct event *ev;
    int           what;
};

struct sy_upstream_xfer {
    struct sy_upstream      *u;
    struct sy_upstream_xfer *prev, *next;
    CURL                    *easy;
    struct curl_slist       *hdrs;
    struct sy_upstream_cbs   cbs;
    void                    *ctx;
    struct event            *deadline;
    struct sy_buf            head;       /* raw header lines of the final response */
    uint64_t                 start_us, last_us;
    int64_t                  head_ms;
    uint32_t                 first_byte_ms, idle_ms;
    bool                     head_done, paused, cancelled, aborted, timed_out, in_cb;
    char                     errbuf[CURL_ERROR_SIZE];
};

static void xfer_free(struct sy_upstream_xfer *x)
{
    struct sy_upstream *u = x->u;
    if (x->prev)
        x->prev->next = x->next;
    else
        u->live = x->next;
    if (x->next)
        x->next->prev = x->prev;
    u->active--;
    curl_multi_remove_handle(u->multi, x->easy);
    if (u->nidle < IDLE_EASY_MAX) {
        curl_easy_reset(x->easy);
        u->idle[u->nidle++] = x->easy;
    } else {
        curl_easy_cleanup(x->easy);
    }
    curl_slist_free_all(x->hdrs);
    event_free(x->deadline);
    sy_buf_free(&x->head);
    free(x);
}

static void arm_deadline(struct sy_upstream_xfer *x, uint32_t ms)
{
    struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
    evtimer_add(x->deadline, &tv);
}

/* Terminal report, then the transfer is gone. */
static void finish(struct sy_upstream_xfer *x, sy_status st, const char *detail)
{
    if (!x->cancelled && x->cbs.on_done) {
        x->in_cb = true;
        x->cbs.on_done(x->ctx, st, detail);
    }
    xfer_free(x);
}

static void check_done(struct sy_upstream *u)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(u->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        struct sy_upstream_xfer *x = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        CURLcode rc = m->data.result;
        if (x->aborted)
            finish(x, SY_ECLOSED, "aborted by receiver");
        else if (rc == CURLE_OK)
            finish(x, SY_OK, NULL);
        else if (rc == CURLE_OPERATION_TIMEDOUT)
            finish(x, SY_ETIMEDOUT, "upstream connect timed out");
        else
            finish(x, SY_EUPSTREAM, x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc));
    }
}

static void on_socket_ready(evutil_socket_t fd, short what, void *arg)
{
    struct sy_upstream *u = arg;
    int flags = (what & EV_READ ? CURL_CSELECT_IN : 0) | (what & EV_WRITE ? CURL_CSELECT_OUT : 0);
    int running;
    curl_multi_socket_action(u->multi, fd, flags, &running);
    check_done(u);
}

static void on_multi_timer(evutil_socket_t fd, short what, void *arg)
{
    struct sy_upstream *u = arg;
    (void)fd;
    (void)what;
    int running;
    curl_multi_socket_action(u->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_done(u);
}

static int socket_cb(CURL *e, curl_socket_t s, int what, void *userp, void *sockp)
{
    struct sy_upstream *u = userp;
    struct sock_watch *w = sockp;
    (void)e;
    if (what == CURL_POLL_REMOVE) {
        if (w) {
            event_free(w->ev);
            free(w);
            curl_multi_assign(u->multi, s, NULL);
        }
        return 0;
    }
    short kind = (short)((what & CURL_POLL_IN ? EV_READ : 0) | (what & CURL_POLL_OUT ? EV_WRITE : 0) | EV_PERSIST);
    if (!w) {
        w = sy_xcalloc(1, sizeof *w);
        w->ev = event_new(u->base, s, kind, on_socket_ready, u);
        curl_multi_assign(u->multi, s, w);
    } else if (w->what == what) {
        return 0;
    } else {
        event_del(w->ev);
        event_assign(w->ev, u->base, s, kind, on_socket_ready, u);
    }
    w->what = what;
    event_add(w->ev, NULL);
    return 0;
}

static int timer_cb(CURLM *m, long ms, void *userp)
{
    struct sy_upstream *u = userp;
    (void)m;
    if (ms < 0) {
        evtimer_del(u->timer);
    } else {
        struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
        evtimer_add(u->timer, &tv);
    }
    return 0;
}

/* Our own first-byte and idle deadlines. Idle is checked lazily: the timer fires at the
 * earliest possible expiry and re-arms itself if data arrived since (no per-chunk timer work). */
static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
    struct sy_upstream_xfer *x = arg;
    (void)fd;
    (void)what;
    if (!x->head_done) {
        x->timed_out = true;
        finish(x, SY_ETIMEDOUT, "upstream sent no response headers in time");
        return;
    }
    uint64_t now = sy_now_us(), idle_us = (uint64_t)x->idle_ms * 1000u;
    if (x->paused || now - x->last_us < idle_us) {
        uint64_t left = x->paused ? idle_us : idle_us - (now - x->last_us);
        arm_deadline(x, (uint32_t)(left / 1000u) + 1);
        return;
    }
    x->timed_out = true;
    finish(x, SY_ETIMEDOUT, "upstream stream was idle too long");
}

static void deliver_head(struct sy_upstream_xfer *x)
{
    struct sy_header h[MAX_HEADERS];
    size_t n = 0;
    long status = 0;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
    char *p = x->head.data, *end = x->head.data + x->head.len;
    while (p && p < end && n < MAX_HEADERS) {
        char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            break;
        char *colon = memchr(p, ':', (size_t)(eol - p));
        char *vend = eol;
        while (vend > p && (vend[-1] == '\r' || vend[-1] == ' ' || vend[-1] == '\t'))
            vend--;
        if (colon && colon < vend) {
            char *v = colon + 1;
            while (v < vend && (*v == ' ' || *v == '\t'))
                v++;
            h[n++] = (struct sy_header){ sy_slice_from(p, (size_t)(colon - p)), sy_slice_from(v, (size_t)(vend - v)) };
        }
        p = eol + 1;
    }
    x->head_done = true;
    x->head_ms = (int64_t)((sy_now_us() - x->start_us) / 1000u);
    x->last_us = sy_now_us();
    arm_deadline(x, x->idle_ms);
    if (x->cbs.on_head)
        x->cbs.on_head(x->ctx, (int)status, h, n);
}

static size_t header_cb(char *buf, size_t size, size_t n, void *arg)
{
    struct sy_upstream_xfer *x = arg;
    size_t len = size * n;
    if (x->cancelled)
        return 0;
    if (len >= 5 && memcmp(buf, "HTTP/", 5) == 0) {
        sy_buf_reset(&x->head); /* a new response (after 1xx): forget earlier lines */
        return len;
    }
    if (len <= 2 && (buf[0] == '\r' || buf[0] == '\n')) {
        long status = 0;
        curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
        if (status >= 200 && !x->head_done) {
            x->in_cb = true;
            deliver_head(x);
            x->in_cb = false;
        }
        return x->cancelled ? 0 : len;
    }
    if (sy_buf_append(&x->head, buf, len) != SY_OK)
        return 0; /* headers over the cap: fail the transfer */
    return len;
}

static size_t write_cb(char *buf, size_t size, size_t n, void *arg)
{
    struct sy_upstream_xfer *x = arg;
    size_t len = size * n;
    if (x->cancelled || x->aborted)
        return 0;
    x->last_us = sy_now_us();
    x->in_cb = true;
    enum sy_body_verdict v = x->cbs.on_body(x->ctx, sy_slice_from(buf, len));
    x->in_cb = false;
    if (x->cancelled)
        return 0;
    if (v == SY_BODY_ABORT) {
        x->aborted = true;
        return 0;
    }
    if (v == SY_BODY_PAUSE && !x->paused) {
        x->paused = true;
        curl_easy_pause(x->easy, CURLPAUSE_RECV);
    }
    return len;
}

struct sy_upstream *sy_upstream_new(struct event_base *base)
{
    struct sy_upstream *u = sy_xcalloc(1, sizeof *u);
    u->base = base;
    u->multi = curl_multi_init();
    u->timer = evtimer_new(base, on_multi_timer, u);
    curl_multi_setopt(u->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
    curl_multi_setopt(u->multi, CURLMOPT_SOCKETDATA, u);
    curl_multi_setopt(u->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
    curl_multi_setopt(u->multi, CURLMOPT_TIMERDATA, u);
    return u;
}

void sy_upstream_free(struct sy_upstream *u)
{
    if (!u)
        return;
    while (u->live) {
        u->live->cancelled = true;
        xfer_free(u->live);
    }
    while (u->nidle)
        curl_easy_cleanup(u->idle[--u->nidle]);
    curl_multi_cleanup(u->multi);
    event_free(u->timer);
    free(u);
}

static void set_method_and_body(CURL *e, const struct sy_upstream_req *req)
{
    const char *m = req->method ? req->method : "GET";
    bool has_body = req->body.len > 0 || strcmp(m, "POST") == 0;
    if (strcmp(m, "HEAD") == 0) {
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
        return;
    }
    if (has_body) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, req->body.ptr ? req->body.ptr : "");
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body.len);
    }
    if (strcmp(m, "GET") != 0 && strcmp(m, "POST") != 0)
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, m);
    else if (strcmp(m, "GET") == 0 && has_body)
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "GET");
}

struct sy_upstream_xfer *sy_upstream_start(struct sy_upstream *u, const struct sy_upstream_req *req,
                                           const struct sy_upstream_cbs *cbs, void *ctx)
{
    struct sy_upstream_xfer *x = sy_xcalloc(1, sizeof *x);
    x->u = u;
    x->cbs = *cbs;
    x->ctx = ctx;
    x->head_ms = -1;
    x->first_byte_ms = req->first_byte_ms ? req->first_byte_ms : 600000;
    x->idle_ms = req->idle_ms ? req->idle_ms : 600000;
    sy_buf_init(&x->head, MAX_HEADER_BYTES);
    x->easy = u->nidle ? u->idle[--u->nidle] : curl_easy_init();
    CURL *e = x->easy;
    for (const char *const *h = req->headers; h && *h; h++)
        x->hdrs = curl_slist_append(x->hdrs, *h);
    x->hdrs = curl_slist_append(x->hdrs, "Expect:"); /* no 100-continue round trip */
    curl_easy_setopt(e, CURLOPT_URL, req->url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_PRIVATE, x);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->hdrs);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)(req->connect_ms ? req->connect_ms : 10000));
    /* Waiting for a connection that may multiplex only pays off for HTTP/2 (TLS + ALPN); on
     * cleartext HTTP/1.1 it can hold a new transfer behind long-running ones. */
    curl_easy_setopt(e, CURLOPT_PIPEWAIT, strncmp(req->url, "https:", 6) == 0 ? 1L : 0L);
    curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    set_method_and_body(e, req);
    x->start_us = x->last_us = sy_now_us();
    x->deadline = evtimer_new(u->base, on_deadline, x);
    arm_deadline(x, x->first_byte_ms);
    x->next = u->live;
    if (u->live)
        u->live->prev = x;
    u->live = x;
    u->active++;
    curl_multi_add_handle(u->multi, e); /* kicks the timer callback; nothing runs synchronously */
    return x;
}

void sy_upstream_resume(struct sy_upstream_xfer *x)
{
    if (!x->paused || x->cancelled)
        return;
    x->paused = false;
    x->last_us = sy_now_us();
    curl_easy_pause(x->easy, CURLPAUSE_CONT);
}

void sy_upstream_cancel(struct sy_upstream_xfer *x)
{
    if (!x || x->cancelled)
        return;
    x->cancelled = true;
    if (!x->in_cb)
        xfer_free(x);
    /* inside a callback: curl sees 0 bytes accepted and fails the transfer; check_done frees it */
}

int64_t sy_upstream_head_ms(const struct sy_upstream_xfer *x) { return x->head_ms; }
unsigned sy_upstream_active(const struct sy_upstream *u) { return u->active; }
