/* Small helpers shared by endpoints. */
#include <stdio.h>
#include <string.h>

#include "api/endpoints.h"
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
