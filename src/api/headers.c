/* Header filtering for proxied requests and relayed responses. */
#include "api/headers.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "http/http.h"

#define MAX_FORWARDED_HEADERS 96

static bool name_is(sy_slice n, const char *s) { return sy_slice_case_eq_cstr(n, s); }

static bool name_has_prefix(sy_slice n, const char *p)
{
    size_t k = strlen(p);
    return n.len >= k && strncasecmp(n.ptr, p, k) == 0;
}

bool sy_header_hop_by_hop(sy_slice n)
{
    return name_is(n, "connection") || name_is(n, "keep-alive") || name_is(n, "proxy-connection")
        || name_is(n, "proxy-authenticate") || name_is(n, "proxy-authorization") || name_is(n, "te")
        || name_is(n, "trailer") || name_is(n, "trailers") || name_is(n, "transfer-encoding")
        || name_is(n, "upgrade");
}

bool sy_header_llm_allowed(sy_slice n)
{
    return name_is(n, "x-request-id") || name_has_prefix(n, "openai-") || name_has_prefix(n, "x-ratelimit-")
        || name_is(n, "retry-after") || name_is(n, "retry-after-ms") || name_is(n, "x-should-retry")
        || name_is(n, "content-type");
}

struct collect {
    struct sy_exchange *ex;
    const char        **lines;
    size_t              n;
    bool                must_read_body;
};

static bool collect_one(void *arg, const char *name, const char *value)
{
    struct collect *c = arg;
    sy_slice n = sy_slice_cstr(name);
    if (sy_header_hop_by_hop(n) || name_is(n, "host") || name_is(n, "content-length") || name_is(n, "expect")
        || name_is(n, "authorization") || (c->must_read_body && name_is(n, "accept-encoding")))
        return true;
    if (c->n + 3 >= MAX_FORWARDED_HEADERS)
        return false;
    size_t len = strlen(name) + 2 + strlen(value);
    char *line = sy_arena_alloc(c->ex->arena, len + 1);
    snprintf(line, len + 1, "%s: %s", name, value);
    c->lines[c->n++] = line;
    return true;
}

const char *const *sy_upstream_headers(struct sy_exchange *ex, const struct sy_deployment *d, bool must_read_body)
{
    struct collect c = { ex, sy_arena_alloc(ex->arena, MAX_FORWARDED_HEADERS * sizeof(char *)), 0, must_read_body };
    sy_http_each_header(ex->req, collect_one, &c);
    const char *auth = NULL;
    if (d && d->api_key) {
        size_t len = strlen(d->api_key) + 23;
        char *line = sy_arena_alloc(ex->arena, len);
        snprintf(line, len, "Authorization: Bearer %s", d->api_key);
        auth = line;
    } else if (ex->w->cfg->nkeys == 0) {
        const char *client = sy_http_header(ex->req, "Authorization");
        if (client) {
            size_t len = strlen(client) + 16;
            char *line = sy_arena_alloc(ex->arena, len);
            snprintf(line, len, "Authorization: %s", client);
            auth = line;
        }
    }
    if (auth)
        c.lines[c.n++] = auth;
    c.lines[c.n] = NULL;
    return c.lines;
}
