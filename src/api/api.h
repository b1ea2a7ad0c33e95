/* Client-facing endpoints. Each worker thread owns one sy_worker; the HTTP layer hands every
 * request to sy_api_handle on that worker's loop. */
#ifndef SY_API_API_H
#define SY_API_API_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"

struct event_base;
struct sy_http_req;
struct sy_http_server;
struct sy_upstream;
struct sy_store;

struct sy_worker {
    unsigned                id;
    struct event_base      *base;
    const struct sy_config *cfg;       /* borrowed, immutable */
    struct sy_upstream     *up;        /* this worker's upstream client */
    struct sy_store        *store;     /* shared, thread-safe job interface */
    struct sy_http_server  *http;
    unsigned                rr;        /* round-robin counter for deployments */
    uint64_t                rng;       /* request-id generator state */
    unsigned                open;      /* exchanges in flight (graceful drain waits for 0) */
    bool                    draining;
    int64_t                 started_at;/* unix seconds, for `created` in /v1/models */
};

/* Initialise the per-worker fields that are not set by the caller. */
void sy_worker_init(struct sy_worker *w);
/* sy_http_handler_fn: `ctx` is the struct sy_worker. */
void sy_api_handle(struct sy_http_req *r, void *ctx);
/* Process-wide readiness for /readyz (config loaded and store open). Thread-safe. */
void sy_api_set_ready(bool ready);
/* Called after each exchange finishes while draining; set by the worker owner. */
extern void (*sy_api_on_idle)(struct sy_worker *w);

#endif
