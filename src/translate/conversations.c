/* The Conversations API wire format (see conversations.h). Items are checked by the Responses
 * request decoder (the same rules as a create request's input) and normalised like input items. */
#include <stdio.h>
#include <string.h>

#include "json/write.h"
#include "translate/checked.h"
#include "translate/conversations.h"

#define MAX_ITEMS_PER_CALL 20

/* The Responses decoder names items "input[i]...": the Conversations API calls them "items". */
static void rename_param(struct sy_diag *d)
{
    if (!d || strncmp(d->param, "input", 5) != 0)
        return;
    char p[sizeof d->param];
    snprintf(p, sizeof p, "items%s", d->param + 5);
    sy_diag_param(d, p);
}

static sy_status check_items(struct sy_arena *a, const struct sy_json *items, struct sy_diag *diag)
{
    struct sy_buf b;
    sy_buf_init(&b, SY_BUF_UNCAPPED);
    struct sy_json_writer w;
    sy_jw_init(&w, &b);
    sy_jw_obj_begin(&w);
    sy_jw_key(&w, "model");
    sy_jw_cstr(&w, "-");
    sy_jw_key(&w, "input");
    sy_jw_node(&w, items);
    sy_jw_obj_end(&w);
    struct sy_json *root = NULL;
    sy_status st = sy_jw_status(&w);
    if (st == SY_OK)
        st = sy_json_parse(sy_buf_slice(&b), &root, diag);
    struct sy_ir_request req;
    if (st == SY_OK)
        st = sy_responses_decode_request(a, root, &req, NULL, diag);
    rename_param(diag);
    sy_json_free(root);
    sy_buf_free(&b);
    return st;
}

static sy_status decode_items(struct sy_arena *a, const struct sy_chk *k, const struct sy_json *v, bool required,
                              sy_responses_id_fn id_fn, void *id_ctx, struct sy_conversation_body *out)
{
    if (sy_chk_null(v))
        return required ? sy_chk_missing(k, "items") : SY_OK;
    sy_status st = sy_chk_type(k, v, "items", SY_JSON_ARRAY);
    if (st != SY_OK)
        return st;
    size_t n = sy_json_len(v);
    if (n > MAX_ITEMS_PER_CALL)
        return sy_chk_fail(k, "items", "array_above_max_length",
                           "Invalid 'items': array too long. Expected an array with maximum length %d, but got an "
                           "array with length %zu instead.",
                           MAX_ITEMS_PER_CALL, n);
    if (required && n == 0)
        return sy_chk_fail(k, "items", "empty_array",
                           "Invalid 'items': empty array. Expected an array with minimum length 1, but got an empty "
                           "array instead.");
    if ((st = check_items(a, v, k->diag)) != SY_OK)
        return st;
    return sy_responses_input_items(a, v, id_fn, id_ctx, &out->items, &out->nitems);
}

sy_status sy_conversation_decode(struct sy_arena *a, const struct sy_json *root, enum sy_conversation_body_kind kind,
                                 sy_responses_id_fn id_fn, void *id_ctx, struct sy_conversation_body *out,
                                 struct sy_diag *diag)
{
    struct sy_chk k = { .a = a, .diag = diag };
    *out = (struct sy_conversation_body){ 0 };
    if (sy_json_type_of(root) != SY_JSON_OBJECT)
        return sy_chk_bad_type(&k, "body", "an object", root);
    const char *key;
    const struct sy_json *val;
    sy_status st = SY_OK;
    for (size_t i = 0; st == SY_OK && sy_json_member(root, i, &key, &val); i++) {
        if (strcmp(key, "metadata") == 0 && kind != SY_CONV_ADD_ITEMS)
            st = sy_chk_metadata(&k, val, &out->metadata);
        else if (strcmp(key, "items") == 0 && kind != SY_CONV_UPDATE)
            st = SY_OK; /* below, after every member name is known */
        else
            st = sy_chk_unknown(&k, key);
    }
    if (st == SY_OK && kind != SY_CONV_UPDATE)
        st = decode_items(a, &k, sy_json_get(root, "items"), kind == SY_CONV_ADD_ITEMS, id_fn, id_ctx, out);
    if (st == SY_OK && kind == SY_CONV_UPDATE && !sy_json_get(root, "metadata"))
        st = sy_chk_missing(&k, "metadata");
    return st;
}

sy_status sy_conversation_write(struct sy_buf *out, sy_slice id, int64_t created_at, sy_slice metadata)
{
    struct sy_json_writer w;
    sy_jw_init(&w, out);
    sy_jw_obj_begin(&w);
    sy_jw_key(&w, "id");
    sy_jw_str(&w, id);
    sy_jw_key(&w, "object");
    sy_jw_cstr(&w, "conversation");
    sy_jw_key(&w, "created_at");
    sy_jw_int(&w, created_at);
    sy_jw_key(&w, "metadata");
    sy_jw_raw(&w, metadata.len ? metadata : SY_LIT("{}"));
    sy_jw_obj_end(&w);
    return sy_jw_status(&w);
}
