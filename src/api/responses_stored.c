/* /v1/responses/{id}[/input_items|/cancel]: responses Switchyard stored (it was the Responses
 * server for a chat upstream) are answered from the store; ids the store does not know go to
 * the Responses upstream that owns them when one is configured, else 404. */
#include <string.h>

#include "api/background.h"
#include "api/endpoints.h"
#include "api/listing.h"
#include "api/store_call.h"
#include "http/http.h"
#include "route/route.h"
#include "translate/responses_items.h"

enum by_id_op { OP_GET, OP_DELETE, OP_INPUT_ITEMS, OP_CANCEL };

struct by_id {
    enum by_id_op op;
    sy_slice      id;
};

/* The Responses upstream that owns ids Switchyard did not make, or NULL. */
static const struct sy_deployment *responses_upstream(const struct sy_config *cfg)
{
    const struct sy_deployment *d = sy_route_responses_owner(cfg);
    return d && d->kind == SY_PROVIDER_OPENAI_RESPONSES ? d : NULL;
}

void sy_api_responses_unknown(struct sy_exchange *ex, sy_slice id)
{
    const struct sy_deployment *owner = responses_upstream(ex->w->cfg);
    if (owner) {
        sy_api_proxy_to(ex, owner);
        return;
    }
    struct sy_store_result r = { .status = SY_ENOTFOUND };
    sy_api_store_fail(ex, &r, "response", id, NULL);
}

static void on_get(struct sy_exchange *ex, const struct sy_store_result *r, void *ctx)
{
    struct by_id *b = ctx;
    if (r->status == SY_ENOTFOUND)
        return sy_api_responses_unknown(ex, b->id);
    if (r->status != SY_OK)
        return sy_api_store_fail(ex, r, "response", b->id, NULL);
    sy_api_reply_stored_response(ex, r);
}

static void on_delete(struct sy_exchange *ex, const struct sy_store_result *r, void *ctx)
{
    struct by_id *b = ctx;
    if (r->status == SY_ENOTFOUND)
        return sy_api_responses_unknown(ex, b->id);
    if (r->status != SY_OK)
        return sy_api_store_fail(ex, r, "response", b->id, NULL);
    struct sy_buf out;
    sy_buf_init(&out, SY_BUF_UNCAPPED);
    if (sy_responses_write_deleted(&out, b->id, "response.deleted") != SY_OK)
        sy_ex_fail(ex, SY_EINTERNAL, NULL);
    else
        sy_ex_reply_json(ex, 200, sy_buf_slice(&out));
    sy_buf_free(&out);
}

static void on_items(struct sy_exchange *ex, const struct sy_store_result *r, void *ctx)
{
    struct by_id *b = ctx;
    if (r->status == SY_ENOTFOUND)
        return sy_api_responses_unknown(ex, b->id);
    if (r->status != SY_OK)
        return sy_api_store_fail(ex, r, "response", b->id, NULL);
    sy_api_reply_items(ex, r);
}

/* "/v1/responses/{id}" + optional "/input_items" or "/cancel"; false: no such route. */
static bool parse(struct sy_exchange *ex, struct by_id *b)
{
    sy_slice path = sy_http_path(ex->req);
    sy_slice rest = sy_slice_from(path.ptr + 14, path.len - 14); /* after "/v1/responses/" */
    const char *slash = memchr(rest.ptr, '/', rest.len);
    b->id = sy_slice_from(rest.ptr, slash ? (size_t)(slash - rest.ptr) : rest.len);
    sy_slice tail = slash ? sy_slice_from(slash, (size_t)(rest.ptr + rest.len - slash)) : SY_LIT("");
    enum sy_http_method m = sy_http_method(ex->req);
    if (b->id.len == 0 || b->id.len > 128)
        return false;
    if (tail.len == 0 && m == SY_HTTP_GET)
        b->op = OP_GET;
    else if (tail.len == 0 && m == SY_HTTP_DELETE)
        b->op = OP_DELETE;
    else if (sy_slice_eq_cstr(tail, "/input_items") && m == SY_HTTP_GET)
        b->op = OP_INPUT_ITEMS;
    else if (sy_slice_eq_cstr(tail, "/cancel") && m == SY_HTTP_POST)
        b->op = OP_CANCEL;
    else
        return false;
    b->id = sy_arena_dup(ex->arena, b->id);
    return true;
}

/* GET ?stream=true[&starting_after=N] */
static void resume(struct sy_exchange *ex, sy_slice id)
{
    sy_slice v;
    int64_t after = -1;
    if (sy_api_query_param(sy_http_query(ex->req), "starting_after", &v)) {
        bool ok = v.len > 0 && v.len <= 18;
        after = 0;
        for (size_t i = 0; ok && i < v.len; i++) {
            ok = v.ptr[i] >= '0' && v.ptr[i] <= '9';
            after = after * 10 + (v.ptr[i] - '0');
        }
        if (!ok) {
            struct sy_diag d;
            sy_diag_clear(&d);
            sy_diag_setf(&d, "Invalid 'starting_after': expected a non-negative integer, but got '%.*s' instead.",
                         (int)(v.len > 64 ? 64 : v.len), v.ptr);
            sy_diag_param(&d, "starting_after");
            sy_diag_code(&d, "invalid_value");
            return sy_ex_fail(ex, SY_EINVAL, &d);
        }
    }
    sy_bg_resume(ex, id, after);
}

void sy_api_responses_by_id(struct sy_exchange *ex)
{
    struct by_id *b = sy_arena_alloc(ex->arena, sizeof *b);
    if (!parse(ex, b)) {
        const struct sy_deployment *owner = responses_upstream(ex->w->cfg);
        if (owner)
            return sy_api_proxy_to(ex, owner);
        struct sy_diag d;
        sy_diag_clear(&d);
        sy_diag_setf(&d, "Invalid URL (%s %s)", ex->method, ex->path);
        sy_diag_code(&d, "unknown_url");
        return sy_ex_fail(ex, SY_ENOTFOUND, &d);
    }
    struct sy_store_req req = { .id = b->id, .owner = sy_api_owner(ex) };
    sy_api_store_fn fn = on_get;
    sy_slice v;
    switch (b->op) {
    case OP_GET:
        if (sy_api_query_param(sy_http_query(ex->req), "stream", &v) && sy_slice_eq_cstr(v, "true"))
            return resume(ex, b->id);
        req.op = SY_STORE_GET_RESPONSE;
        break;
    case OP_CANCEL:
        return sy_bg_cancel(ex, b->id);
    case OP_DELETE:
        req.op = SY_STORE_DELETE_RESPONSE;
        fn = on_delete;
        break;
    case OP_INPUT_ITEMS:
        if (!sy_api_page(ex, &req.page))
            return;
        req.op = SY_STORE_LIST_INPUT_ITEMS;
        fn = on_items;
        break;
    }
    sy_api_store_call(ex, &req, fn, b);
}
