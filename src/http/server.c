/* evhttp behind the sy_http interface. Pitfalls handled here (see stack.md): the close callback
 * belongs to the connection, so it is cleared before every reply end; a pending chunk callback
 * never fires if the client leaves, so the close callback is the only place state is freed. */
#include "http/http.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/util.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/xmalloc.h"
#include "http/evhttp_errors.h"

struct sy_http_server {
    struct event_base          *base;
    struct evhttp              *http;
    struct evhttp_bound_socket *bound;
    uint16_t                    port;
    sy_http_handler_fn          handler;
    void                       *ctx;
    size_t                      max_body;
    unsigned                    unflushed;  /* replies ended but not yet written to the socket */
    void                      (*on_flushed)(void *ctx);
    void                       *flushed_ctx;
};

struct sy_http_req {
    struct evhttp_request    *ev;
    struct evhttp_connection *conn;
    struct sy_http_server    *srv;
    void                     *user;
    sy_http_event_fn          on_close, on_drain;
    void                     *close_ctx, *drain_ctx;
    uint64_t                  bytes_out;
    sy_slice                  body;      /* cached view, NUL-terminated */
    bool                      body_ready, in_handler, ended, streaming;
};

static void req_free(struct sy_http_req *r)
{
    free(r);
}

static void on_conn_close(struct evhttp_connection *conn, void *arg)
{
    struct sy_http_req *r = arg;
    evhttp_connection_set_closecb(conn, NULL, NULL);
    if (r->ended)
        return;
    r->ended = true;
    if (r->on_close)
        r->on_close(r, r->close_ctx);
    /* A client that leaves (EOF, timeout) before the reply ended gets its request detached
     * from the connection: evhttp leaves freeing it to us. When the whole server is being
     * freed the request is still attached and evhttp frees it itself. */
    if (evhttp_request_get_connection(r->ev) == NULL)
        evhttp_request_free(r->ev);
    if (!r->in_handler)
        req_free(r);
}

static void flushed_one(struct sy_http_server *s)
{
    s->unflushed--;
    if (s->unflushed == 0 && s->on_flushed)
        s->on_flushed(s->flushed_ctx);
}

static void on_reply_written(struct evhttp_request *ev, void *arg)
{
    evhttp_connection_set_closecb(evhttp_request_get_connection(ev), NULL, NULL);
    flushed_one(arg);
}

static void on_close_before_written(struct evhttp_connection *conn, void *arg)
{
    evhttp_connection_set_closecb(conn, NULL, NULL);
    flushed_one(arg);
}

/* Before the last evhttp_send_*: count the reply until its bytes reach the socket (or the
 * connection dies first), so a draining server stops only when nothing is left to write. */
static void track_flush(struct sy_http_req *r)
{
    r->srv->unflushed++;
    evhttp_request_set_on_complete_cb(r->ev, on_reply_written, r->srv);
    evhttp_connection_set_closecb(r->conn, on_close_before_written, r->srv);
}

/* Mark the reply finished; the wrapper dies now unless the handler is still on the stack. */
static void finish(struct sy_http_req *r)
{
    r->ended = true;
    if (!r->in_handler)
        req_free(r);
}

static void dispatch(struct evhttp_request *ev, void *arg)
{
    struct sy_http_server *s = arg;
    struct sy_http_req *r = sy_xcalloc(1, sizeof *r);
    r->ev = ev;
    r->conn = evhttp_request_get_connection(ev);
    r->srv = s;
    r->in_handler = true;
    evhttp_connection_set_closecb(r->conn, on_conn_close, r);
    s->handler(r, s->ctx);
    r->in_handler = false;
    if (r->ended)
        req_free(r);
}

static int open_listener(const struct sy_http_server_opts *o, uint16_t *port, char *err, size_t errlen)
{
    char portstr[8];
    snprintf(portstr, sizeof portstr, "%u", (unsigned)o->port);
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                              .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(o->host, portstr, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "cannot resolve listen host '%s': %s", o->host, gai_strerror(rc));
        return -1;
    }
    int fd = socket(res->ai_family, res->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, res->ai_protocol);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0
        || setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0
        || setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0
        || bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
        snprintf(err, errlen, "cannot listen on %s:%s: %s", o->host, portstr, strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(res);
        return -1;
    }
    freeaddrinfo(res);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    *port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                           : ((struct sockaddr_in *)&ss)->sin_port);
    return fd;
}

static struct bufferevent *make_bev(struct event_base *base, void *arg)
{
    struct sy_http_server *s = arg;
    return sy_evhttp_errors_bev(base, &s->max_body);
}

struct sy_http_server *sy_http_server_new(struct event_base *base, const struct sy_http_server_opts *o,
                                          sy_http_handler_fn handler, void *ctx, char *err, size_t errlen)
{
    struct sy_http_server *s = sy_xcalloc(1, sizeof *s);
    s->base = base;
    s->handler = handler;
    s->ctx = ctx;
    int fd = open_listener(o, &s->port, err, errlen);
    if (fd < 0) {
        free(s);
        return NULL;
    }
    s->http = evhttp_new(base);
    evhttp_set_allowed_methods(s->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_PUT | EVHTTP_REQ_PATCH
                                            | EVHTTP_REQ_DELETE | EVHTTP_REQ_HEAD | EVHTTP_REQ_OPTIONS);
    evhttp_set_max_body_size(s->http, (ev_ssize_t)o->max_body_bytes);
    evhttp_set_max_headers_size(s->http, (ev_ssize_t)(o->max_header_bytes ? o->max_header_bytes : 65536));
    struct timeval tv = { o->request_timeout_ms / 1000, (o->request_timeout_ms % 1000) * 1000 };
    evhttp_set_timeout_tv(s->http, &tv);
    evhttp_set_default_content_type(s->http, "application/json");
    evhttp_set_gencb(s->http, dispatch, s);
    s->max_body = o->max_body_bytes;
    evhttp_set_bevcb(s->http, make_bev, s);
    s->bound = evhttp_accept_socket_with_handle(s->http, fd);
    if (!s->bound) {
        snprintf(err, errlen, "cannot accept on the listen socket");
        close(fd);
        evhttp_free(s->http);
        free(s);
        return NULL;
    }
    return s;
}

uint16_t sy_http_server_port(const struct sy_http_server *s) { return s->port; }

unsigned sy_http_server_unflushed(const struct sy_http_server *s) { return s->unflushed; }

void sy_http_server_on_flushed(struct sy_http_server *s, void (*fn)(void *ctx), void *ctx)
{
    s->on_flushed = fn;
    s->flushed_ctx = ctx;
}

void sy_http_server_stop_accepting(struct sy_http_server *s)
{
    if (s->bound) {
        evhttp_del_accept_socket(s->http, s->bound);
        s->bound = NULL;
    }
}

void sy_http_server_free(struct sy_http_server *s)
{
    if (!s)
        return;
    evhttp_free(s->http);
    free(s);
}

enum sy_http_method sy_http_method(const struct sy_http_req *r)
{
    switch (evhttp_request_get_command(r->ev)) {
    case EVHTTP_REQ_GET: return SY_HTTP_GET;
    case EVHTTP_REQ_POST: return SY_HTTP_POST;
    case EVHTTP_REQ_PUT: return SY_HTTP_PUT;
    case EVHTTP_REQ_PATCH: return SY_HTTP_PATCH;
    case EVHTTP_REQ_DELETE: return SY_HTTP_DELETE;
    case EVHTTP_REQ_HEAD: return SY_HTTP_HEAD;
    case EVHTTP_REQ_OPTIONS: return SY_HTTP_OPTIONS;
    default: return SY_HTTP_OTHER;
    }
}

const char *sy_http_method_name(const struct sy_http_req *r)
{
    static const char *names[] = { "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "OTHER" };
    return names[sy_http_method(r)];
}

sy_slice sy_http_uri(const struct sy_http_req *r)
{
    return sy_slice_cstr(evhttp_request_get_uri(r->ev));
}

sy_slice sy_http_path(const struct sy_http_req *r)
{
    sy_slice u = sy_http_uri(r);
    const char *q = memchr(u.ptr, '?', u.len);
    return q ? sy_slice_from(u.ptr, (size_t)(q - u.ptr)) : u;
}

sy_slice sy_http_query(const struct sy_http_req *r)
{
    sy_slice u = sy_http_uri(r);
    const char *q = memchr(u.ptr, '?', u.len);
    return q ? sy_slice_from(q + 1, u.len - (size_t)(q + 1 - u.ptr)) : SY_LIT("");
}

const char *sy_http_header(const struct sy_http_req *r, const char *name)
{
    return evhttp_find_header(evhttp_request_get_input_headers(r->ev), name);
}

void sy_http_each_header(const struct sy_http_req *r, bool (*fn)(void *, const char *, const char *), void *ctx)
{
    /* keyvalq_struct.h declares the list without the traversal macros; walk it by hand */
    for (struct evkeyval *kv = evhttp_request_get_input_headers(r->ev)->tqh_first; kv; kv = kv->next.tqe_next)
        if (!fn(ctx, kv->key, kv->value))
            return;
}

sy_slice sy_http_body(const struct sy_http_req *r_const)
{
    struct sy_http_req *r = (struct sy_http_req *)r_const; /* caches the contiguous view */
    if (r->body_ready)
        return r->body;
    struct evbuffer *in = evhttp_request_get_input_buffer(r->ev);
    size_t n = evbuffer_get_length(in);
    r->body = SY_LIT("");
    if (n > 0) {
        /* one NUL past the end, not part of the body, so parsers may rely on termination */
        evbuffer_add(in, "", 1);
        r->body = sy_slice_from((const char *)evbuffer_pullup(in, -1), n);
    }
    r->body_ready = true;
    return r->body;
}

void sy_http_set_user(struct sy_http_req *r, void *user) { r->user = user; }
void *sy_http_user(const struct sy_http_req *r) { return r->user; }

void sy_http_add_header(struct sy_http_req *r, const char *name, const char *value)
{
    evhttp_add_header(evhttp_request_get_output_headers(r->ev), name, value);
}

void sy_http_reply(struct sy_http_req *r, int status, sy_slice body)
{
    struct evbuffer *out = evbuffer_new();
    evbuffer_add(out, body.ptr, body.len);
    r->bytes_out += body.len;
    track_flush(r);
    evhttp_send_reply(r->ev, status, NULL, out);
    evbuffer_free(out);
    finish(r);
}

void sy_http_stream_start(struct sy_http_req *r, int status)
{
    r->streaming = true;
    evhttp_send_reply_start(r->ev, status, NULL);
}

static void on_chunk_flushed(struct evhttp_connection *conn, void *arg)
{
    struct sy_http_req *r = arg;
    (void)conn;
    sy_http_event_fn fn = r->on_drain;
    r->on_drain = NULL;
    if (fn)
        fn(r, r->drain_ctx);
}

static size_t pending_out(const struct sy_http_req *r)
{
    struct bufferevent *bev = evhttp_connection_get_bufferevent(r->conn);
    return bev ? evbuffer_get_length(bufferevent_get_output(bev)) : 0;
}

size_t sy_http_stream_write(struct sy_http_req *r, sy_slice bytes)
{
    if (bytes.len == 0)
        return pending_out(r);
    struct evbuffer *out = evbuffer_new();
    evbuffer_add(out, bytes.ptr, bytes.len);
    r->bytes_out += bytes.len;
    evhttp_send_reply_chunk_with_cb(r->ev, out, on_chunk_flushed, r);
    evbuffer_free(out);
    return pending_out(r);
}

void sy_http_on_drain(struct sy_http_req *r, sy_http_event_fn fn, void *ctx)
{
    r->on_drain = fn;
    r->drain_ctx = ctx;
    if (pending_out(r) == 0) {
        r->on_drain = NULL;
        fn(r, ctx);
    }
}

void sy_http_stream_end(struct sy_http_req *r)
{
    track_flush(r);
    evhttp_send_reply_end(r->ev);
    finish(r);
}

void sy_http_abort(struct sy_http_req *r)
{
    evhttp_connection_set_closecb(r->conn, NULL, NULL);
    evhttp_connection_free(r->conn);
    finish(r);
}

void sy_http_on_close(struct sy_http_req *r, sy_http_event_fn fn, void *ctx)
{
    r->on_close = fn;
    r->close_ctx = ctx;
}

void sy_http_set_conn_timeout(struct sy_http_req *r, uint32_t ms)
{
    struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
    evhttp_connection_set_timeout_tv(r->conn, &tv);
}

uint64_t sy_http_bytes_out(const struct sy_http_req *r) { return r->bytes_out; }
