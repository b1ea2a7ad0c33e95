/* Upstream HTTP client: libcurl multi_socket on a worker's event loop, one connection pool per
 * worker. A transfer reports its status line and headers once (on_head), then body bytes as
 * they arrive (on_body), then exactly one on_done, unless the owner cancels it first, after
 * which no callback fires. Timeouts: connect, first byte (until headers), idle (between body
 * reads; not counted while the owner has paused the transfer for backpressure). */
#ifndef SY_UPSTREAM_CLIENT_H
#define SY_UPSTREAM_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "core/slice.h"
#include "core/status.h"

struct event_base;
struct sy_upstream;
struct sy_upstream_xfer;

struct sy_header {
    sy_slice name, value;
};

enum sy_body_verdict {
    SY_BODY_CONTINUE,  /* consumed; keep going */
    SY_BODY_PAUSE,     /* consumed; stop reading until sy_upstream_resume() */
    SY_BODY_ABORT,     /* consumed; stop the transfer: on_done follows with SY_ECLOSED */
};

struct sy_upstream_cbs {
    /* Final status line and headers (borrowed, valid during the call). */
    void (*on_head)(void *ctx, int status, const struct sy_header *h, size_t n);
    /* Body bytes (borrowed). */
    enum sy_body_verdict (*on_body)(void *ctx, sy_slice chunk);
    /* Terminal: SY_OK, SY_EUPSTREAM (connect/protocol failure, cut off), SY_ETIMEDOUT
     * (connect, first byte or idle), SY_ECLOSED (aborted by on_body). `detail` is human text. */
    void (*on_done)(void *ctx, sy_status st, const char *detail);
};

struct sy_upstream_req {
    const char        *method;   /* "POST", "GET", ... */
    const char        *url;      /* absolute */
    const char *const *headers;  /* "Name: value" lines, NULL-terminated; may be NULL */
    sy_slice           body;     /* borrowed until on_done or cancel */
    uint32_t           connect_ms, first_byte_ms, idle_ms;
};

/* Per-worker client bound to base. */
struct sy_upstream *sy_upstream_new(struct event_base *base);
/* Cancels every live transfer (no callbacks) and frees. */
void sy_upstream_free(struct sy_upstream *u);

/* Start a transfer. Never calls back synchronously. */
struct sy_upstream_xfer *sy_upstream_start(struct sy_upstream *u, const struct sy_upstream_req *req,
                                           const struct sy_upstream_cbs *cbs, void *ctx);
/* Resume a transfer paused by SY_BODY_PAUSE. */
void sy_upstream_resume(struct sy_upstream_xfer *x);
/* Stop at once (closes the upstream connection); no further callback. Safe inside callbacks. */
void sy_upstream_cancel(struct sy_upstream_xfer *x);
/* Milliseconds from start to the response headers (-1 before they arrived). */
int64_t sy_upstream_head_ms(const struct sy_upstream_xfer *x);
/* Live transfers on this client (for drain and tests). */
unsigned sy_upstream_active(const struct sy_upstream *u);

#endif
