/* The Conversations API, served from the store:
 *   POST   /v1/conversations                      create (items ≤ 20, metadata)
 *   GET    /v1/conversations/{id}                 the Conversation
 *   POST   /v1/conversations/{id}                 replace metadata
 *   DELETE /v1/conversations/{id}                 conversation.deleted
 *   GET    /v1/conversations/{id}/items           list (after, limit, order)
 *   POST   /v1/conversations/{id}/items           append items → list of the added items
 *   GET    /v1/conversations/{id}/items/{item}    one item
 *   DELETE /v1/conversations/{id}/items/{item}    → the Conversation
 * Everything belongs to the gateway key that created it (another key: 404). */
#include <string.h>

#include "api/endpoints.h"
#include "api/listing.h"
#include "api/store_call.h"
#include "core/time.h"
#include "http/http.h"
#include "json/json.h"
#include "translate/conversations.h"

struct conv_call {
    sy_slice                    id, item_id;
    struct sy_conversation_body body;
    struct sy_json             *root;
};

static void conv_cleanup(void *arg)
{
    struct conv_call *c = arg;
    sy_json_free(c->root);
}

static void reply_conversation(struct sy_exchange *ex, const struct sy_store_result *r, sy_slice fallback_id)
{
    struct sy_buf out;
    sy_buf_init(&out, SY_BUF_UNCAPPED);
    sy_slice id = r->conv_id.len ? r->conv_id : fallback_id;
    if (sy_conversation_write(&out, id, r->created_at, r->metadata) != SY_OK)
        sy_ex_fail(ex, SY_EINTERNAL, NULL);
    else
        sy_ex_reply_json(ex, 200, sy_buf_slice(&out));
    sy_buf_free(&out);
}

static bool failed(struct sy_exchange *ex, const struct sy_store_result *r, const struct conv_call *c)
{
    if (r->status == SY_OK)
        return false;
    if (r->status == SY_ENOTFOUND && c->item_id.len)
        sy_api_store_fail(ex, r, "item", c->item_id, NULL);
    else
        sy_api_store_fail(ex, r, "conversation", c->id, NULL);
    return true;
}

static void on_conversation(struct sy_exchange *ex, const struct sy_store_result *r, void *ctx)
{
    if (!failed(ex, r, ctx))
        reply_conversation(ex, r, ((struct conv_call *)ctx)->id);
}

static void on_deleted(struct sy_exchange *ex, const struct sy_store_result *r, void *ctx)
{
    struct conv_call *c = ctx;
    if (failed(ex, r, c))
        return;
    struct sy_buf out;
    sy_buf_init(&out, SY_BUF_UNCAPPED);
    if (sy_responses_write_deleted(&out, c->id, "conversation.deleted") != SY_OK)
        sy_ex_fail(ex, SY_EINTERNAL, NULL);
    else
        sy_ex_reply_json(ex, 200, sy_buf_slice(&out));
    sy_buf_free(&out);
}

static void on_items(struct sy_exchange *ex, const struct sy_store_result *r, void *ctx)
{
    if (!failed(ex, r, ctx))
        sy_api_reply_items(ex, r);
}

/* POST …/items: the added items, as a list. */
static void on_added(struct sy_exchange *ex, const struct sy_store_result *r, void *ctx)
{
    struct conv_call *c = ctx;
    if (failed(ex, r, c))
        return;
    struct sy_store_item *items = sy_arena_alloc(ex->arena, (c->body.nitems ? c->body.nitems : 1) * sizeof *items);
    for (size_t i = 0; i < c->body.nitems; i++)
        items[i] = (struct sy_store_item){ .id = c->body.items[i].id, .json = c->body.items[i].json };
    struct sy_store_result added = { .status = SY_OK, .items = items, .nitems = c->body.nitems };
    sy_api_reply_items(ex, &added);
}

static void on_item(struct sy_exchange *ex, const struct sy_store_result *r, void *ctx)
{
    if (failed(ex, r, ctx))
        return;
    sy_ex_reply_json(ex, 200, r->nitems ? r->items[0].json : SY_LIT("{}"));
}

/* DELETE …/items/{item}: then the Conversation object. */
static void on_item_deleted(struct sy_exchange *ex, const struct sy_store_result *r, void *ctx)
{
    struct conv_call *c = ctx;
    if (failed(ex, r, c))
        return;
    struct sy_store_req q = { .op = SY_STORE_GET_CONVERSATION, .id = c->id, .owner = sy_api_owner(ex) };
    c->item_id = SY_LIT("");
    sy_api_store_call(ex, &q, on_conversation, c);
}

/* Parse and decode the body; false: the exchange has failed. */
static bool read_body(struct sy_exchange *ex, struct conv_call *c, enum sy_conversation_body_kind kind)
{
    sy_slice raw = sy_http_body(ex->req);
    if (raw.len == 0 && kind == SY_CONV_CREATE)
        return true; /* POST /v1/conversations with no body: an empty conversation */
    c->root = sy_api_parse_object(ex);
    if (!c->root)
        return false;
    struct sy_diag d;
    sy_diag_clear(&d);
    sy_status st = sy_conversation_decode(ex->arena, c->root, kind, sy_api_id_fn, ex->arena, &c->body, &d);
    if (st != SY_OK) {
        sy_ex_fail(ex, st, &d);
        return false;
    }
    return true;
}

static void unknown_route(struct sy_exchange *ex)
{
    struct sy_diag d;
    sy_diag_clear(&d);
    sy_diag_setf(&d, "Invalid URL (%s %s)", ex->method, ex->path);
    sy_diag_code(&d, "unknown_url");
    sy_ex_fail(ex, SY_ENOTFOUND, &d);
}

/* Split "/v1/conversations[/{id}[/items[/{item}]]]"; parts = how many were present. */
static int split(sy_slice path, sy_slice *id, sy_slice *items, sy_slice *item)
{
    sy_slice rest = sy_slice_from(path.ptr + 17, path.len - 17); /* after "/v1/conversations" */
    sy_slice *parts[3] = { id, items, item };
    int n = 0;
    while (rest.len && n < 4) {
        if (rest.ptr[0] != '/')
            return -1;
        rest = sy_slice_from(rest.ptr + 1, rest.len - 1);
        const char *slash = memchr(rest.ptr, '/', rest.len);
        size_t len = slash ? (size_t)(slash - rest.ptr) : rest.len;
        if (len == 0 || len > 128 || n == 3)
            return -1;
        *parts[n++] = sy_slice_from(rest.ptr, len);
        rest = sy_slice_from(rest.ptr + len, rest.len - len);
    }
    if (n >= 2 && !sy_slice_eq_cstr(*items, "items"))
        return -1;
    return n;
}

static void route(struct sy_exchange *ex, struct conv_call *c, int parts, enum sy_http_method m)
{
    struct sy_store_req q = { .id = c->id, .owner = sy_api_owner(ex), .item_id = c->item_id };
    sy_api_store_fn fn = NULL;
    if (parts == 0 && m == SY_HTTP_POST) {
        if (!read_body(ex, c, SY_CONV_CREATE))
            return;
        q = (struct sy_store_req){ .op = SY_STORE_CREATE_CONVERSATION, .id = sy_api_new_id(ex->arena, "conv_"),
                                   .owner = q.owner, .created_at = sy_wall_unix(), .metadata = c->body.metadata,
                                   .items = sy_api_store_items(ex->arena, c->body.items, c->body.nitems), .nitems = c->body.nitems };
        c->id = q.id;
        fn = on_conversation;
    } else if (parts == 1 && m == SY_HTTP_GET) {
        q.op = SY_STORE_GET_CONVERSATION, fn = on_conversation;
    } else if (parts == 1 && m == SY_HTTP_POST) {
        if (!read_body(ex, c, SY_CONV_UPDATE))
            return;
        q.op = SY_STORE_UPDATE_CONVERSATION, q.metadata = c->body.metadata, fn = on_conversation;
    } else if (parts == 1 && m == SY_HTTP_DELETE) {
        q.op = SY_STORE_DELETE_CONVERSATION, fn = on_deleted;
    } else if (parts == 2 && m == SY_HTTP_GET) {
        if (!sy_api_page(ex, &q.page))
            return;
        q.op = SY_STORE_LIST_CONVERSATION_ITEMS, fn = on_items;
    } else if (parts == 2 && m == SY_HTTP_POST) {
        if (!read_body(ex, c, SY_CONV_ADD_ITEMS))
            return;
        q.op = SY_STORE_ADD_CONVERSATION_ITEMS, q.items = sy_api_store_items(ex->arena, c->body.items, c->body.nitems), q.nitems = c->body.nitems;
        fn = on_added;
    } else if (parts == 3 && m == SY_HTTP_GET) {
        q.op = SY_STORE_GET_CONVERSATION_ITEM, fn = on_item;
    } else if (parts == 3 && m == SY_HTTP_DELETE) {
        q.op = SY_STORE_DELETE_CONVERSATION_ITEM, fn = on_item_deleted;
    } else {
        return unknown_route(ex);
    }
    sy_api_store_call(ex, &q, fn, c);
}

void sy_api_conversations(struct sy_exchange *ex)
{
    struct conv_call *c = sy_arena_alloc(ex->arena, sizeof *c);
    *c = (struct conv_call){ 0 };
    sy_arena_defer(ex->arena, conv_cleanup, c);
    sy_slice items = SY_LIT("");
    int parts = split(sy_http_path(ex->req), &c->id, &items, &c->item_id);
    if (parts < 0)
        return unknown_route(ex);
    c->id = sy_arena_dup(ex->arena, c->id);
    c->item_id = sy_arena_dup(ex->arena, c->item_id);
    route(ex, c, parts, sy_http_method(ex->req));
}
