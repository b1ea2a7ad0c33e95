/* Which headers cross the gateway, in each direction. One place for the lists. */
#ifndef SY_API_HEADERS_H
#define SY_API_HEADERS_H

#include <stdbool.h>

#include "api/exchange.h"
#include "config/config.h"
#include "core/slice.h"

/* Upstream request header lines ("Name: value", NULL-terminated, arena memory): the client's
 * headers minus hop-by-hop ones, Host, Content-Length, Expect and Authorization (and
 * Accept-Encoding when the gateway must read the body); then upstream auth: the deployment's
 * key, else the client's own Authorization when the gateway has no keys of its own. */
const char *const *sy_upstream_headers(struct sy_exchange *ex, const struct sy_deployment *d, bool must_read_body);
/* Connection-level headers that never cross a proxy (RFC 9110 §7.6.1). */
bool sy_header_hop_by_hop(sy_slice name);
/* Upstream response headers a chat/Responses client gets: x-request-id, openai-*,
 * x-ratelimit-*, retry-after, retry-after-ms, x-should-retry, content-type. */
bool sy_header_llm_allowed(sy_slice name);

#endif
