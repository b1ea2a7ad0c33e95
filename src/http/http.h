/* HTTP/1.1 server side, the only module that includes evhttp. One sy_http_server per worker
 * loop. A request is handed to the handler with its body fully read (bounded by
 * max_body_bytes); the handler answers at once or later from any callback on the same loop,
 * either whole (sy_http_reply) or streamed (start / write / end). A request the handler keeps
 * open is "owned" until it ends it or the client goes away: then on_close fires (exactly once,
 * and never after the handler ended the reply), and the request must not be touched again. */
#ifndef SY_HTTP_HTTP_H
#define SY_HTTP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/slice.h"
#include "core/status.h"

struct event_base;
struct sy_http_server;
struct sy_http_req;

enum sy_http_method { SY_HTTP_GET, SY_HTTP_POST, SY_HTTP_PUT, SY_HTTP_PATCH, SY_HTTP_DELETE,
                      SY_HTTP_HEAD, SY_HTTP_OPTIONS, SY_HTTP_OTHER };

typedef void (*sy_http_handler_fn)(struct sy_http_req *r, void *ctx);
typedef void (*sy_http_event_fn)(struct sy_http_req *r, void *ctx);

struct sy_http_server_opts {
    const char *host;
    uint16_t    port;          /* 0 = ephemeral (read back with sy_http_server_port) */
    int         reuse_fd;      /* -1, or a bound socket to share (SO_REUSEPORT siblings) */
    size_t      max_body_bytes;
    size_t      max_header_bytes;
    uint32_t    request_timeout_ms;
};

/* Listen (SO_REUSEPORT, TCP_NODELAY) and serve on base. NULL with diag text in err on failure. */
struct sy_http_server *sy_http_server_new(struct event_base *base, const struct sy_http_server_opts *o,
                                          sy_http_handler_fn handler, void *ctx, char *err, size_t errlen);
uint16_t sy_http_server_port(const struct sy_http_server *s);
/* Replies that ended but whose bytes are not all written to their sockets yet. */
unsigned sy_http_server_unflushed(const struct sy_http_server *s);
/* Call fn whenever the unflushed count drops to zero (graceful drain). */
void sy_http_server_on_flushed(struct sy_http_server *s, void (*fn)(void *ctx), void *ctx);
/* Stop accepting new connections; open ones keep working. */
void sy_http_server_stop_accepting(struct sy_http_server *s);
/* Close every connection and free the server. */
void sy_http_server_free(struct sy_http_server *s);

/* ---- the request (borrowed views valid until the reply ends or on_close returns) ---- */
enum sy_http_method sy_http_method(const struct sy_http_req *r);
const char *sy_http_method_name(const struct sy_http_req *r);
sy_slice sy_http_path(const struct sy_http_req *r);       /* decoded? no: raw path, no query */
sy_slice sy_http_query(const struct sy_http_req *r);      /* raw query without '?', may be empty */
sy_slice sy_http_uri(const struct sy_http_req *r);        /* raw path?query as received */
const char *sy_http_header(const struct sy_http_req *r, const char *name); /* case-insensitive */
/* Visit every request header in order; stop early when fn returns false. */
void sy_http_each_header(const struct sy_http_req *r, bool (*fn)(void *ctx, const char *name, const char *value),
                         void *ctx);
sy_slice sy_http_body(const struct sy_http_req *r);       /* whole body, NUL-terminated */
/* Per-request user pointer, for the handler's own state. */
void  sy_http_set_user(struct sy_http_req *r, void *user);
void *sy_http_user(const struct sy_http_req *r);

/* ---- replies ---- */
void sy_http_add_header(struct sy_http_req *r, const char *name, const char *value);
/* Whole reply; ends the request. */
void sy_http_reply(struct sy_http_req *r, int status, sy_slice body);
/* Streamed reply: status + headers now, body as chunks. */
void sy_http_stream_start(struct sy_http_req *r, int status);
/* Queue bytes; never blocks. Returns bytes waiting in the connection's output after queuing. */
size_t sy_http_stream_write(struct sy_http_req *r, sy_slice bytes);
/* Call fn once when the connection's output has drained (backpressure resume). */
void sy_http_on_drain(struct sy_http_req *r, sy_http_event_fn fn, void *ctx);
void sy_http_stream_end(struct sy_http_req *r);
/* Drop the connection without finishing the reply (the client sees a truncated response).
 * For failures after a streamed reply started, where a clean end would look like success. */
void sy_http_abort(struct sy_http_req *r);
/* Keep the request open past the handler (async answer); fn fires if the client goes away. */
void sy_http_on_close(struct sy_http_req *r, sy_http_event_fn fn, void *ctx);
/* Raise the idle timeout of this request's connection (long streams). */
void sy_http_set_conn_timeout(struct sy_http_req *r, uint32_t ms);
/* Bytes of body written to the client so far (for access logs). */
uint64_t sy_http_bytes_out(const struct sy_http_req *r);

#endif
