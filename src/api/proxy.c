/* Any other /v1/... route goes to an upstream (the default one) unchanged: method, path below the
 * upstream's base, query, body and end-to-end headers; the answer streams back as it comes. */
#include "api/endpoints.h"
#include "api/relay.h"
#include "http/http.h"

void sy_api_proxy(struct sy_exchange *ex)
{
    sy_api_proxy_to(ex, ex->w->cfg->default_upstream);
}

void sy_api_proxy_to(struct sy_exchange *ex, const struct sy_deployment *d)
{
    if (!d) {
        struct sy_diag diag;
        sy_diag_clear(&diag);
        sy_diag_setf(&diag, "Invalid URL (%s %s): no upstream is configured for other routes", ex->method, ex->path);
        sy_diag_code(&diag, "unknown_url");
        sy_ex_fail(ex, SY_ENOTFOUND, &diag);
        return;
    }
    sy_slice path = sy_http_path(ex->req); /* "/v1/..." → api_base already ends at the version */
    sy_slice below = sy_slice_from(path.ptr + 3, path.len - 3);
    struct sy_relay_opts o = {
        .mode = SY_RELAY_RAW,
        .deployment = d,
        .method = sy_http_method_name(ex->req),
        .url = sy_api_upstream_url(ex, d, below, sy_http_query(ex->req)),
        .body = sy_http_body(ex->req),
    };
    sy_relay_start(ex, &o);
}
