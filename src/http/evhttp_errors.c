/* Rewriting evhttp's HTML error pages (see evhttp_errors.h). evhttp writes a reply as several
 * appends to the empty output buffer: the status line, one append per header (an error page's
 * first header is always "Content-Type: text/html"; our replies never start so), then the body,
 * which for an error page ends with "</BODY></HTML>\n". On a status line we add a watcher that
 * drops out at the first header unless it is the HTML one, and otherwise waits for the page's
 * end and swaps the whole buffer for our reply. */
#include "http/evhttp_errors.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "api/exchange.h"
#include "core/log.h"

static const char status_prefix[] = "HTTP/1.1 ";
static const char html_header[] = "Content-Type: text/html\r\n";
static const char page_end[] = "</BODY></HTML>\n";

struct watch {
    struct evbuffer_cb_entry *self;
    const size_t             *max_body;
    int                       status;
    bool                      html;   /* the first header said text/html: an evhttp page */
};

static void write_envelope(struct evbuffer *out, int status, size_t max_body)
{
    struct sy_diag d;
    sy_diag_clear(&d);
    sy_status st = SY_EINVAL;
    const char *reason = "Bad Request";
    if (status == 413) {
        st = SY_ETOOBIG;
        reason = "Payload Too Large";
        sy_diag_setf(&d, "Request body exceeds the limit of %zu bytes.", max_body);
    } else if (status == 501 || status == 405) {
        st = SY_EMETHOD;
        status = 405;
        reason = "Method Not Allowed";
        sy_diag_setf(&d, "Method not allowed.");
    } else if (status >= 500) {
        st = SY_EINTERNAL;
        reason = "Internal Server Error";
        sy_diag_setf(&d, "The request could not be processed.");
    } else {
        status = 400;
        sy_diag_setf(&d, "Malformed HTTP request.");
    }
    struct sy_buf body;
    sy_buf_init(&body, SY_BUF_UNCAPPED);
    if (sy_error_envelope(&body, st, &d) != SY_OK)
        sy_buf_reset(&body);
    char id[40];
    snprintf(id, sizeof id, "req_%016llx", (unsigned long long)((uintptr_t)out * 0x9E3779B97F4A7C15ULL));
    evbuffer_add_printf(out,
                        "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nx-request-id: %s\r\n"
                        "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                        status, reason, id, body.len);
    evbuffer_add(out, body.data, body.len);
    sy_buf_free(&body);
    sy_warn("answered %d (%s) before dispatch, request %s", status, d.message, id);
}

static bool copy_at(struct evbuffer *buf, size_t at, char *out, size_t n)
{
    struct evbuffer_ptr p;
    if (evbuffer_get_length(buf) < at + n || evbuffer_ptr_set(buf, &p, at, EVBUFFER_PTR_SET) != 0)
        return false;
    return evbuffer_copyout_from(buf, &p, out, n) == (ev_ssize_t)n;
}

static void on_reply_part(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
    struct watch *w = arg;
    if (info->n_added == 0)
        return;
    char got[sizeof html_header];
    if (!w->html) {
        size_t n = sizeof html_header - 1;
        w->html = copy_at(buf, info->orig_size, got, n) && memcmp(got, html_header, n) == 0;
        if (!w->html) { /* not an evhttp page: stop watching */
            evbuffer_remove_cb_entry(buf, w->self);
            w->self = NULL;
            return;
        }
    }
    size_t len = evbuffer_get_length(buf), n = sizeof page_end - 1;
    if (len < n || !copy_at(buf, len - n, got, n) || memcmp(got, page_end, n) != 0)
        return;
    evbuffer_remove_cb_entry(buf, w->self);
    w->self = NULL;
    evbuffer_drain(buf, len);
    write_envelope(buf, w->status, *w->max_body);
}

/* A status line appended to an empty buffer starts a reply: watch its first header. */
static void on_output(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
    static _Thread_local struct watch w; /* a reply is queued synchronously: one at a time */
    size_t n = sizeof status_prefix - 1;
    char line[16];
    if (info->n_added == 0 || info->orig_size != 0 || !copy_at(buf, 0, line, n + 3)
        || memcmp(line, status_prefix, n) != 0 || line[n] < '4')
        return;
    w.status = (line[n] - '0') * 100 + (line[n + 1] - '0') * 10 + (line[n + 2] - '0');
    w.max_body = arg;
    w.html = false;
    w.self = evbuffer_add_cb(buf, on_reply_part, &w);
}

struct bufferevent *sy_evhttp_errors_bev(struct event_base *base, const size_t *max_body)
{
    struct bufferevent *bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
    evbuffer_add_cb(bufferevent_get_output(bev), on_output, (void *)max_body);
    return bev;
}
