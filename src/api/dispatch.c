/* Request dispatch: health probes, gateway auth for /v1, then the endpoint for the route. */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "api/endpoints.h"
#include "core/time.h"
#include "http/http.h"
#include "json/json.h"
#include "route/route.h"

static atomic_bool ready;

void sy_api_set_ready(bool r) { atomic_store(&ready, r); }

void sy_worker_init(struct sy_worker *w)
{
    w->rng = (sy_now_us() * 0x9E3779B97F4A7C15ULL) ^ ((uint64_t)(w->id + 1) << 32) ^ (uint64_t)(uintptr_t)w;
    if (!w->rng)
        w->rng = 1;
    w->started_at = sy_wall_unix();
}

void sy_api_health(struct sy_exchange *ex, bool readiness)
{
    if (!readiness) {
        sy_ex_reply_json(ex, 200, SY_LIT("{\"status\":\"ok\"}"));
    } else if (atomic_load(&ready) && !ex->w->draining) {
        sy_ex_reply_json(ex, 200, SY_LIT("{\"status\":\"ready\"}"));
    } else {
        sy_ex_reply_json(ex, 503, SY_LIT("{\"status\":\"not_ready\"}"));
    }
}

static bool authorize(struct sy_exchange *ex)
{
    enum sy_auth_result a = sy_auth_check(ex->w->cfg, sy_http_header(ex->req, "Authorization"), &ex->key);
    if (a == SY_AUTH_OK)
        return true;
    struct sy_diag d;
    sy_diag_clear(&d);
    if (a == SY_AUTH_MISSING)
        sy_diag_setf(&d, "You didn't provide an API key. Provide it in the Authorization header as "
                         "'Authorization: Bearer YOUR_KEY'.");
    else
        sy_diag_setf(&d, "Incorrect API key provided.");
    sy_ex_fail(ex, SY_EAUTH, &d);
    return false;
}

static void not_found(struct sy_exchange *ex)
{
    struct sy_diag d;
    sy_diag_clear(&d);
    sy_diag_setf(&d, "Invalid URL (%s %s)", ex->method, ex->path);
    sy_diag_code(&d, "unknown_url");
    sy_ex_fail(ex, SY_ENOTFOUND, &d);
}

void sy_api_handle(struct sy_http_req *r, void *ctx)
{
    struct sy_worker *w = ctx;
    struct sy_exchange *ex = sy_ex_new(w, r);
    sy_slice path = sy_http_path(r);
    enum sy_http_method m = sy_http_method(r);

    if (m == SY_HTTP_GET && sy_slice_eq_cstr(path, "/healthz"))
        return sy_api_health(ex, false);
    if (m == SY_HTTP_GET && sy_slice_eq_cstr(path, "/readyz"))
        return sy_api_health(ex, true);
    if (!sy_slice_starts_with(path, "/v1/"))
        return not_found(ex);
    if (!authorize(ex))
        return;
    if (m == SY_HTTP_POST && sy_slice_eq_cstr(path, "/v1/chat/completions"))
        return sy_api_chat(ex);
    if (m == SY_HTTP_POST && sy_slice_eq_cstr(path, "/v1/responses"))
        return sy_api_responses(ex);
    if (m == SY_HTTP_POST && sy_slice_eq_cstr(path, "/v1/responses/compact"))
        return sy_api_responses_compact(ex);
    if (m == SY_HTTP_POST && sy_slice_eq_cstr(path, "/v1/responses/input_tokens"))
        return sy_api_responses_input_tokens(ex);
    if (sy_slice_starts_with(path, "/v1/responses/")) /* by id: GET, DELETE, cancel, input_items */
        return sy_api_responses_by_id(ex);
    if (sy_slice_eq_cstr(path, "/v1/conversations") || sy_slice_starts_with(path, "/v1/conversations/"))
        return sy_api_conversations(ex);
    if (m == SY_HTTP_GET && w->cfg->models_configured) {
        if (sy_slice_eq_cstr(path, "/v1/models"))
            return sy_api_models(ex, SY_LIT(""));
        if (sy_slice_starts_with(path, "/v1/models/") && path.len > 11)
            return sy_api_models(ex, sy_slice_from(path.ptr + 11, path.len - 11));
    }
    sy_api_proxy(ex);
}
