/* OpenAI error envelopes for the errors evhttp answers by itself. evhttp 2.1 enforces the body
 * limit (at the Content-Length, before reading the body, or while reading a chunked one) and
 * rejects malformed requests with fixed HTML pages, and offers no hook. A callback on each
 * connection's output buffer recognises such a page while evhttp queues it (a page is queued
 * in one call, before any byte is written) and replaces it with a JSON reply of the same
 * status. Stateless: nothing per connection to free. */
#ifndef SY_HTTP_EVHTTP_ERRORS_H
#define SY_HTTP_EVHTTP_ERRORS_H

#include <stddef.h>

struct bufferevent;
struct event_base;

/* A socket bufferevent for evhttp_set_bevcb; *max_body must outlive every connection. */
struct bufferevent *sy_evhttp_errors_bev(struct event_base *base, const size_t *max_body);

#endif
