/* Small helpers shared by endpoints. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api/endpoints.h"
#include "api/relay.h"
#include "ir/ir.h"
#include "translate/dropped.h"
#include "http/http.h"
#include "core/buf.h"
#include "json/json.h"
#include "json/write.h"

struct sy_json *sy_api_parse_object(struct sy_exchange *ex)
{
    struct sy_diag d;
    sy_diag_clear(&d);
    struct sy_json *root = NULL;
    if (sy_json_parse(sy_http_body(ex->req), &root, &d) != SY_OK) {
        sy_ex_fail(ex, SY_EJSON, &d);
        return NULL;
    }
    if (sy_json_type_of(root) != SY_JSON_OBJECT) {
        sy_diag_setf(&d, "Invalid type for the request body: expected an object, but got %s instead.",
                     sy_json_type_name(sy_json_type_of(root)));
        sy_diag_code(&d, "invalid_type");
        sy_json_free(root);
        sy_ex_fail(ex, SY_EINVAL, &d);
        return NULL;
    }
    return root;
}

const char *sy_api_upstream_url(struct sy_exchange *ex, const struct sy_deployment *d, sy_slice suffix, sy_slice query)
{
    size_t n = strlen(d->api_base) + suffix.len + query.len + 2;
    char *url = sy_arena_alloc(ex->arena, n);
    snprintf(url, n, "%s" SY_SLICE_FMT "%s" SY_SLICE_FMT, d->api_base, SY_SLICE_ARG(suffix), query.len ? "?" : "",
             SY_SLICE_ARG(query));
    return url;
}

/* The client's body with the model value replaced by the deployment's upstream model. */
sy_slice sy_api_rewrite_model(struct sy_exchange *ex, sy_slice body, const char *model)
{
    size_t start, end;
    if (!model || !sy_json_find_member(body, "model", &start, &end))
        return body;
    struct sy_buf b;
    sy_buf_init(&b, SY_BUF_UNCAPPED);
    struct sy_json_writer jw;
    sy_jw_init(&jw, &b);
    sy_jw_cstr(&jw, model);
    size_t n = start + b.len + (body.len - end);
    char *out = sy_arena_alloc(ex->arena, n + 1);
    memcpy(out, body.ptr, start);
    memcpy(out + start, b.data, b.len);
    memcpy(out + start + b.len, body.ptr + end, body.len - end);
    sy_buf_free(&b);
    return sy_slice_from(out, n);
}

void sy_api_upstream_error_body(int status, sy_slice body, struct sy_buf *out)
{
    struct sy_json *root = NULL;
    struct sy_diag d;
    sy_diag_clear(&d);
    if (sy_json_parse(body, &root, &d) == SY_OK && sy_json_type_of(sy_json_get(root, "error")) == SY_JSON_OBJECT) {
        sy_json_free(root);
        if (sy_buf_append_slice(out, body) == SY_OK)
            return;
    }
    sy_json_free(root);
    sy_buf_reset(out);
    sy_diag_clear(&d);
    sy_diag_setf(&d, "upstream answered HTTP %d", status);
    if (sy_error_envelope(out, status >= 500 ? SY_EUPSTREAM : SY_EINVAL, &d) != SY_OK)
        sy_buf_reset(out);
}

void sy_api_responses_passthrough(struct sy_exchange *ex, const struct sy_deployment *dep, sy_slice suffix)
{
    struct sy_relay_opts o = {
        .mode = SY_RELAY_LLM,
        .deployment = dep,
        .method = "POST",
        .url = sy_api_upstream_url(ex, dep, suffix, SY_LIT("")),
        .body = sy_api_rewrite_model(ex, sy_http_body(ex->req), dep->model),
    };
    sy_relay_start(ex, &o);
}

struct sy_relay *sy_api_start_translation(struct sy_exchange *ex, const struct sy_deployment *dep, sy_slice suffix,
                                          const struct sy_buf *body, const struct sy_dropped *dropped,
                                          const struct sy_relay_translator *tr)
{
    if (dropped->count) {
        ex->dropped = sy_arena_dup(ex->arena, sy_buf_slice(&dropped->names)).ptr;
        sy_http_add_header(ex->req, "x-switchyard-dropped", ex->dropped);
    }
    struct sy_relay_opts o = {
        .mode = SY_RELAY_TRANSLATE,
        .deployment = dep,
        .method = "POST",
        .url = sy_api_upstream_url(ex, dep, suffix, SY_LIT("")),
        .body = sy_arena_dup(ex->arena, sy_buf_slice(body)),
        .translator = tr,
    };
    return sy_relay_start(ex, &o);
}

sy_status sy_api_check_strict(struct sy_exchange *ex, const struct sy_deployment *dep, const struct sy_dropped *dropped,
                              struct sy_diag *d)
{
    const char *h = sy_http_header(ex->req, "x-switchyard-strict");
    bool strict = dep->strict || (h && (strcmp(h, "1") == 0 || strcasecmp(h, "true") == 0));
    if (!strict || dropped->count == 0)
        return SY_OK;
    sy_diag_setf(d, "'%s' is not supported when the model is served by a chat-completions upstream "
                    "(strict mode refuses what it would otherwise drop).", dropped->first);
    sy_diag_param(d, dropped->first);
    sy_diag_code(d, "unsupported_parameter");
    return SY_EINVAL;
}

void sy_api_note_usage(struct sy_exchange *ex, const struct sy_ir_usage *u)
{
    if (!u)
        return;
    ex->prompt_tokens = u->input_tokens;
    ex->completion_tokens = u->output_tokens;
    ex->total_tokens = u->total_tokens;
}

int sy_api_malformed_answer(struct sy_exchange *ex, const char *what, const struct sy_diag *why, struct sy_buf *out)
{
    struct sy_diag e;
    sy_diag_clear(&e);
    sy_diag_setf(&e, "upstream sent an invalid %s: %s", what, why->message[0] ? why->message : "unreadable");
    sy_diag_code(&e, "upstream_malformed");
    sy_buf_reset(out);
    if (sy_error_envelope(out, SY_EUPSTREAM, &e) != SY_OK)
        sy_buf_reset(out);
    ex->error = "upstream_malformed";
    return sy_status_http(SY_EUPSTREAM);
}
