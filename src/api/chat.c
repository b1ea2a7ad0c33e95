/* POST /v1/chat/completions. To a chat upstream this is a passthrough: the body is validated,
 * routed by `model`, and forwarded byte for byte with only the model value replaced. To a
 * Responses upstream it is translated (api/chat_over_responses.c). */
#include <string.h>

#include "api/endpoints.h"
#include "api/relay.h"
#include "core/buf.h"
#include "http/http.h"
#include "json/json.h"
#include "route/route.h"

static sy_status missing(struct sy_diag *d, const char *param)
{
    sy_diag_setf(d, "Missing required parameter: '%s'.", param);
    sy_diag_param(d, param);
    sy_diag_code(d, "missing_required_parameter");
    return SY_EINVAL;
}

static sy_status wrong_type(struct sy_diag *d, const char *param, const char *want, const struct sy_json *got)
{
    sy_diag_setf(d, "Invalid type for '%s': expected %s, but got %s instead.", param, want,
                 sy_json_type_name(sy_json_type_of(got)));
    sy_diag_param(d, param);
    sy_diag_code(d, "invalid_type");
    return SY_EINVAL;
}

/* The fields the gateway itself relies on; everything else is the upstream's to judge. */
static sy_status check_request(const struct sy_json *root, sy_slice *model, struct sy_diag *d)
{
    const struct sy_json *m = sy_json_get(root, "model");
    if (!m)
        return missing(d, "model");
    if (!sy_json_as_str(m, model))
        return wrong_type(d, "model", "a string", m);
    const struct sy_json *msgs = sy_json_get(root, "messages");
    if (!msgs)
        return missing(d, "messages");
    if (sy_json_type_of(msgs) != SY_JSON_ARRAY)
        return wrong_type(d, "messages", "an array", msgs);
    const struct sy_json *stream = sy_json_get(root, "stream");
    if (stream && sy_json_type_of(stream) != SY_JSON_BOOL && sy_json_type_of(stream) != SY_JSON_NULL)
        return wrong_type(d, "stream", "a boolean", stream);
    return SY_OK;
}

void sy_api_chat(struct sy_exchange *ex)
{
    struct sy_json *root = sy_api_parse_object(ex);
    if (!root)
        return;
    struct sy_diag d;
    sy_diag_clear(&d);
    sy_slice model;
    sy_status st = check_request(root, &model, &d);
    if (st != SY_OK) {
        sy_json_free(root);
        sy_ex_fail(ex, st, &d);
        return;
    }
    ex->model = sy_arena_dup(ex->arena, model).ptr;
    bool stream = false;
    ex->stream = sy_json_as_bool(sy_json_get(root, "stream"), &stream) && stream;

    const struct sy_deployment *dep = sy_route_pick(ex->w->cfg, sy_slice_cstr(ex->model), &ex->w->rr);
    if (dep && dep->kind == SY_PROVIDER_OPENAI_RESPONSES) {
        sy_api_chat_over_responses(ex, dep, root); /* takes root */
        return;
    }
    sy_json_free(root);
    if (!dep) {
        sy_diag_setf(&d, "The model '%s' does not exist or is not served by this gateway.", ex->model);
        sy_diag_param(&d, "model");
        sy_ex_fail(ex, SY_ENOMODEL, &d);
        return;
    }
    struct sy_relay_opts o = {
        .mode = SY_RELAY_LLM,
        .deployment = dep,
        .method = "POST",
        .url = sy_api_upstream_url(ex, dep, SY_LIT("/chat/completions"), SY_LIT("")),
        .body = sy_api_rewrite_model(ex, sy_http_body(ex->req), dep->model),
    };
    sy_relay_start(ex, &o);
}
