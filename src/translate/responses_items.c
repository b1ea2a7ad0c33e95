/* Responses codec, stored state: item objects, list/deletion objects, the store-failure event
 * (see responses_items.h). */
#include <string.h>

#include "json/json.h"
#include "json/write.h"
#include "sse/sse.h"
#include "translate/responses_items.h"

#define MAX_ITEMS 100000

static const char *id_prefix(sy_slice type)
{
    if (type.len == 0 || sy_slice_eq_cstr(type, "message"))
        return "msg_";
    if (sy_slice_eq_cstr(type, "function_call"))
        return "fc_";
    if (sy_slice_eq_cstr(type, "function_call_output"))
        return "fco_";
    if (sy_slice_eq_cstr(type, "reasoning"))
        return "rs_";
    return "item_";
}

static sy_slice finish(struct sy_arena *a, struct sy_buf *b, struct sy_json_writer *w, sy_status *st)
{
    *st = sy_jw_status(w);
    sy_slice out = *st == SY_OK ? sy_arena_dup(a, sy_buf_slice(b)) : SY_LIT("");
    sy_buf_free(b);
    return out;
}

/* `"content":[{"type":"input_text"|"output_text","text":s}]` for string content. */
static void text_content(struct sy_json_writer *w, sy_slice role, sy_slice text)
{
    bool assistant = sy_slice_eq_cstr(role, "assistant");
    sy_jw_arr_begin(w);
    sy_jw_obj_begin(w);
    sy_jw_key(w, "type");
    sy_jw_cstr(w, assistant ? "output_text" : "input_text");
    sy_jw_key(w, "text");
    sy_jw_str(w, text);
    if (assistant) {
        sy_jw_key(w, "annotations");
        sy_jw_raw(w, SY_LIT("[]"));
    }
    sy_jw_obj_end(w);
    sy_jw_arr_end(w);
}

/* One array element of `input` as a stored item. */
static sy_status input_item(struct sy_arena *a, const struct sy_json *it, sy_responses_id_fn id_fn, void *id_ctx,
                            struct sy_responses_item *out)
{
    sy_slice type = SY_SLICE_NULL, role = SY_SLICE_NULL, text;
    (void)sy_json_as_str(sy_json_get(it, "type"), &type);
    (void)sy_json_as_str(sy_json_get(it, "role"), &role);
    if (!sy_json_as_str(sy_json_get(it, "id"), &out->id))
        out->id = sy_arena_dup(a, id_fn(id_ctx, id_prefix(type)));
    else
        out->id = sy_arena_dup(a, out->id);
    struct sy_buf b;
    sy_buf_init(&b, SY_BUF_UNCAPPED);
    struct sy_json_writer w;
    sy_jw_init(&w, &b);
    sy_jw_obj_begin(&w);
    sy_jw_key(&w, "id");
    sy_jw_str(&w, out->id);
    if (type.len == 0) {
        sy_jw_key(&w, "type");
        sy_jw_cstr(&w, "message");
    }
    const char *key;
    const struct sy_json *val;
    for (size_t i = 0; sy_json_member(it, i, &key, &val); i++) {
        if (strcmp(key, "id") == 0)
            continue;
        sy_jw_key(&w, key);
        if (strcmp(key, "content") == 0 && sy_json_as_str(val, &text))
            text_content(&w, role, text);
        else
            sy_jw_node(&w, val);
    }
    bool has_status = sy_json_get(it, "status") != NULL;
    if (!has_status && (type.len == 0 || sy_slice_eq_cstr(type, "message") || sy_slice_eq_cstr(type, "function_call") ||
                        sy_slice_eq_cstr(type, "function_call_output"))) {
        sy_jw_key(&w, "status");
        sy_jw_cstr(&w, "completed");
    }
    sy_jw_obj_end(&w);
    sy_status st;
    out->json = finish(a, &b, &w, &st);
    return st;
}

sy_status sy_responses_input_items(struct sy_arena *a, const struct sy_json *input, sy_responses_id_fn id_fn,
                                   void *id_ctx, struct sy_responses_item **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    sy_slice text;
    if (sy_json_as_str(input, &text)) {
        struct sy_responses_item *it = sy_arena_alloc(a, sizeof *it);
        it->id = sy_arena_dup(a, id_fn(id_ctx, "msg_"));
        struct sy_buf b;
        sy_buf_init(&b, SY_BUF_UNCAPPED);
        struct sy_json_writer w;
        sy_jw_init(&w, &b);
        sy_jw_obj_begin(&w);
        sy_jw_key(&w, "id");
        sy_jw_str(&w, it->id);
        sy_jw_key(&w, "type");
        sy_jw_cstr(&w, "message");
        sy_jw_key(&w, "role");
        sy_jw_cstr(&w, "user");
        sy_jw_key(&w, "content");
        text_content(&w, SY_LIT("user"), text);
        sy_jw_key(&w, "status");
        sy_jw_cstr(&w, "completed");
        sy_jw_obj_end(&w);
        sy_status st;
        it->json = finish(a, &b, &w, &st);
        *out = it;
        *n = 1;
        return st;
    }
    if (sy_json_type_of(input) != SY_JSON_ARRAY)
        return SY_OK;
    size_t len = sy_json_len(input);
    if (len > MAX_ITEMS)
        return SY_ETOOBIG;
    struct sy_responses_item *items = sy_arena_alloc(a, (len ? len : 1) * sizeof *items);
    for (size_t i = 0; i < len; i++) {
        sy_status st = input_item(a, sy_json_at(input, i), id_fn, id_ctx, &items[i]);
        if (st != SY_OK)
            return st;
    }
    *out = items;
    *n = len;
    return SY_OK;
}

sy_status sy_responses_output_items(struct sy_arena *a, sy_slice response, struct sy_responses_item **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    size_t s, e;
    if (!sy_json_find_member(response, "output", &s, &e))
        return SY_EINVAL;
    struct sy_json *arr = NULL;
    struct sy_diag d;
    sy_diag_clear(&d);
    sy_status st = sy_json_parse(sy_slice_from(response.ptr + s, e - s), &arr, &d);
    if (st != SY_OK)
        return st;
    size_t len = sy_json_len(arr);
    struct sy_responses_item *items = sy_arena_alloc(a, (len ? len : 1) * sizeof *items);
    for (size_t i = 0; i < len && st == SY_OK; i++) {
        const struct sy_json *it = sy_json_at(arr, i);
        sy_slice id = SY_LIT("");
        (void)sy_json_as_str(sy_json_get(it, "id"), &id);
        items[i].id = sy_arena_dup(a, id);
        struct sy_buf b;
        sy_buf_init(&b, SY_BUF_UNCAPPED);
        struct sy_json_writer w;
        sy_jw_init(&w, &b);
        sy_jw_node(&w, it);
        items[i].json = finish(a, &b, &w, &st);
    }
    sy_json_free(arr);
    if (st == SY_OK) {
        *out = items;
        *n = len;
    }
    return st;
}

sy_status sy_responses_context_body(struct sy_buf *out, sy_slice model, const sy_slice *items, size_t n)
{
    struct sy_json_writer w;
    sy_jw_init(&w, out);
    sy_jw_obj_begin(&w);
    sy_jw_key(&w, "model");
    sy_jw_str(&w, model);
    sy_jw_key(&w, "input");
    sy_jw_arr_begin(&w);
    for (size_t i = 0; i < n; i++)
        sy_jw_raw(&w, items[i]);
    sy_jw_arr_end(&w);
    sy_jw_obj_end(&w);
    return sy_jw_status(&w);
}

sy_status sy_responses_write_item_list(struct sy_buf *out, const sy_slice *items, const sy_slice *ids, size_t n,
                                       bool has_more)
{
    struct sy_json_writer w;
    sy_jw_init(&w, out);
    sy_jw_obj_begin(&w);
    sy_jw_key(&w, "object");
    sy_jw_cstr(&w, "list");
    sy_jw_key(&w, "data");
    sy_jw_arr_begin(&w);
    for (size_t i = 0; i < n; i++)
        sy_jw_raw(&w, items[i]);
    sy_jw_arr_end(&w);
    sy_jw_key(&w, "first_id");
    if (n)
        sy_jw_str(&w, ids[0]);
    else
        sy_jw_null(&w);
    sy_jw_key(&w, "last_id");
    if (n)
        sy_jw_str(&w, ids[n - 1]);
    else
        sy_jw_null(&w);
    sy_jw_key(&w, "has_more");
    sy_jw_bool(&w, has_more);
    sy_jw_obj_end(&w);
    return sy_jw_status(&w);
}

sy_status sy_responses_write_deleted(struct sy_buf *out, sy_slice id, const char *object)
{
    struct sy_json_writer w;
    sy_jw_init(&w, out);
    sy_jw_obj_begin(&w);
    sy_jw_key(&w, "id");
    sy_jw_str(&w, id);
    sy_jw_key(&w, "object");
    sy_jw_cstr(&w, object);
    sy_jw_key(&w, "deleted");
    sy_jw_bool(&w, true);
    sy_jw_obj_end(&w);
    return sy_jw_status(&w);
}

/* Begin a terminal event's JSON in b: {"type":type … (the caller adds members and ends it). */
static void terminal_begin(struct sy_json_writer *w, struct sy_buf *b, const char *type)
{
    sy_buf_init(b, SY_BUF_UNCAPPED);
    sy_jw_init(w, b);
    sy_jw_obj_begin(w);
    sy_jw_key(w, "type");
    sy_jw_cstr(w, type);
}

/* End it, then the SSE event and `data: [DONE]` to out. */
static sy_status terminal_end(struct sy_json_writer *w, struct sy_buf *b, struct sy_buf *out, const char *type)
{
    sy_jw_obj_end(w);
    sy_status st = sy_jw_status(w);
    if (st == SY_OK)
        st = sy_sse_write_event(out, sy_slice_cstr(type), sy_buf_slice(b));
    if (st == SY_OK)
        st = sy_sse_write_done(out);
    sy_buf_free(b);
    return st;
}

sy_status sy_responses_write_error_event(struct sy_buf *out, int64_t seq, const char *code, const char *message)
{
    struct sy_buf b;
    struct sy_json_writer w;
    terminal_begin(&w, &b, "error");
    sy_jw_key(&w, "code");
    sy_jw_cstr(&w, code);
    sy_jw_key(&w, "message");
    sy_jw_cstr(&w, message);
    sy_jw_key(&w, "param");
    sy_jw_null(&w);
    sy_jw_key(&w, "sequence_number");
    sy_jw_int(&w, seq);
    return terminal_end(&w, &b, out, "error");
}

sy_status sy_responses_mark_failed(struct sy_buf *out, sy_slice response, sy_slice error_json)
{
    struct sy_json *root = NULL;
    struct sy_diag d;
    sy_diag_clear(&d);
    sy_status st = sy_json_parse(response, &root, &d);
    if (st != SY_OK)
        return st;
    struct sy_json_writer w;
    sy_jw_init(&w, out);
    sy_jw_obj_begin(&w);
    const char *key;
    const struct sy_json *val;
    for (size_t i = 0; sy_json_member(root, i, &key, &val); i++) {
        sy_jw_key(&w, key);
        if (strcmp(key, "status") == 0)
            sy_jw_cstr(&w, "failed");
        else if (strcmp(key, "error") == 0)
            sy_jw_raw(&w, error_json);
        else
            sy_jw_node(&w, val);
    }
    sy_jw_obj_end(&w);
    sy_json_free(root);
    return sy_jw_status(&w);
}

sy_status sy_responses_write_lifecycle(struct sy_buf *out, const char *type, int64_t seq, sy_slice response)
{
    struct sy_buf b;
    struct sy_json_writer w;
    terminal_begin(&w, &b, type);
    sy_jw_key(&w, "sequence_number");
    sy_jw_int(&w, seq);
    sy_jw_key(&w, "response");
    sy_jw_raw(&w, response);
    return terminal_end(&w, &b, out, type);
}

int64_t sy_responses_first_sequence(sy_slice sse)
{
    const char *p = memmem(sse.ptr, sse.len, "data: ", 6);
    if (!p)
        return -1;
    p += 6;
    const char *nl = memchr(p, '\n', (size_t)(sse.ptr + sse.len - p));
    sy_slice data = sy_slice_from(p, nl ? (size_t)(nl - p) : (size_t)(sse.ptr + sse.len - p));
    size_t s, e;
    if (!sy_json_find_member(data, "sequence_number", &s, &e))
        return -1;
    int64_t v = 0;
    for (size_t i = s; i < e; i++) {
        if (data.ptr[i] < '0' || data.ptr[i] > '9')
            return -1;
        v = v * 10 + (data.ptr[i] - '0');
    }
    return v;
}
