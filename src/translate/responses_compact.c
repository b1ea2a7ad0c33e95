/* Responses codec, compaction (responses-api.md §11, docs/responses.md): the compact request
 * body, the summarisation instruction a chat model gets, the gateway's own compaction blob
 * ("sy1:" + base64 of {"v":1,"summary":"..."}: readable, not encrypted), and the
 * `response.compaction` object. OpenAI's blobs are encrypted and only OpenAI can read them; a
 * chat upstream gets the summary a Switchyard blob carries instead. */
#include <string.h>

#include "core/base64.h"
#include "core/buf.h"
#include "translate/responses_internal.h"

#define BLOB_PREFIX "sy1:"
#define BLOB_VERSION 1

static const char instruction[] =
    "Summarize the conversation above so that it can continue without it. Your summary replaces every "
    "earlier message, tool call and tool result: whoever continues will see only the user's messages and "
    "your summary.\n"
    "\n"
    "Keep:\n"
    "- the user's goals and requests, and every preference, constraint or instruction they gave;\n"
    "- the facts that were established and the decisions that were made, with the reasons that still "
    "matter;\n"
    "- the results of tool calls that are still relevant, with exact values, names, identifiers, paths, "
    "numbers and error messages;\n"
    "- what has been done so far, and the tasks and questions that are still open, in order;\n"
    "- anything the assistant said it would do.\n"
    "\n"
    "Be concise and factual: leave out greetings, repetition and whatever no longer matters, and add "
    "nothing that is not in the conversation. Write in the language of the conversation. Answer with the "
    "summary only.";

sy_slice sy_responses_compact_instruction(void) { return sy_slice_from(instruction, sizeof instruction - 1); }

/* ------------------------------------------------------------------ request */

static const struct sy_rsd_member compact_members[] = {
    { "model", NULL },
    { "input", NULL },
    { "instructions", NULL },
    { "previous_response_id", NULL },
    { "prompt_cache_key", NULL },
    { "prompt_cache_options", NULL },
    { "prompt_cache_retention", NULL },
    { "service_tier", NULL },
    { NULL, NULL },
};

sy_status sy_responses_decode_compact(struct sy_arena *a, const struct sy_json *root, struct sy_ir_request *req,
                                      struct sy_dropped *dropped, struct sy_diag *diag)
{
    struct sy_rsd c = { .a = a, .req = req, .dropped = dropped, .diag = diag };
    return sy_rsd_decode(&c, root, compact_members);
}

/* ------------------------------------------------------------------ blob */

sy_status sy_responses_compaction_encode(struct sy_buf *out, sy_slice summary)
{
    struct sy_buf json;
    sy_buf_init(&json, SY_BUF_UNCAPPED);
    struct sy_json_writer w;
    sy_jw_init(&w, &json);
    sy_jw_obj_begin(&w);
    sy_jw_key(&w, "v");
    sy_jw_int(&w, BLOB_VERSION);
    sy_jw_key(&w, "summary");
    sy_jw_str(&w, summary);
    sy_jw_obj_end(&w);
    size_t mark = out->len;
    sy_status st = sy_jw_status(&w);
    if (st == SY_OK && (st = sy_buf_append_cstr(out, BLOB_PREFIX)) == SY_OK &&
        (st = sy_base64_encode(out, sy_buf_slice(&json))) != SY_OK && out->data) {
        out->len = mark;
        out->data[mark] = '\0';
    }
    sy_buf_free(&json);
    return st;
}

sy_status sy_responses_compaction_decode(struct sy_arena *a, sy_slice blob, sy_slice *summary)
{
    size_t plen = strlen(BLOB_PREFIX);
    if (blob.len < plen || memcmp(blob.ptr, BLOB_PREFIX, plen) != 0)
        return SY_EINVAL;
    struct sy_buf json;
    sy_buf_init(&json, SY_BUF_UNCAPPED);
    sy_status st = sy_base64_decode(&json, sy_slice_from(blob.ptr + plen, blob.len - plen));
    struct sy_json *root = NULL;
    struct sy_diag d;
    sy_diag_clear(&d);
    if (st == SY_OK && sy_json_parse(sy_buf_slice(&json), &root, &d) != SY_OK)
        st = SY_EINVAL;
    int64_t v = 0;
    sy_slice s = SY_SLICE_NULL;
    if (st == SY_OK && (!sy_json_as_int(sy_json_get(root, "v"), &v) || v != BLOB_VERSION ||
                        !sy_json_as_str(sy_json_get(root, "summary"), &s)))
        st = SY_EINVAL;
    if (st == SY_OK)
        *summary = sy_arena_dup(a, s);
    sy_json_free(root);
    sy_buf_free(&json);
    return st == SY_OK ? SY_OK : SY_EINVAL;
}

/* ------------------------------------------------------------------ response.compaction */

static void key_str(struct sy_json_writer *w, const char *key, sy_slice v)
{
    sy_jw_key(w, key);
    sy_jw_str(w, v);
}

/* One content part of a user message, in input form. */
static void write_input_part(struct sy_json_writer *w, const struct sy_ir_part *p)
{
    sy_jw_obj_begin(w);
    switch (p->kind) {
    case SY_PART_TEXT:
    case SY_PART_REFUSAL: /* never in a user message */
        key_str(w, "type", SY_LIT("input_text"));
        key_str(w, "text", p->text);
        break;
    case SY_PART_IMAGE:
        key_str(w, "type", SY_LIT("input_image"));
        key_str(w, "image_url", p->image_url);
        key_str(w, "detail", p->detail.len ? p->detail : SY_LIT("auto"));
        break;
    case SY_PART_FILE:
        key_str(w, "type", SY_LIT("input_file"));
        if (p->file_data.len)
            key_str(w, "file_data", p->file_data);
        if (p->filename.len)
            key_str(w, "filename", p->filename);
        break;
    }
    sy_jw_obj_end(w);
}

static void write_user_message(struct sy_json_writer *w, const struct sy_ir_item *it, sy_slice id)
{
    sy_jw_obj_begin(w);
    key_str(w, "id", id);
    key_str(w, "type", SY_LIT("message"));
    key_str(w, "role", SY_LIT("user"));
    key_str(w, "status", SY_LIT("completed"));
    sy_jw_key(w, "content");
    sy_jw_arr_begin(w);
    if (it->content_is_string) {
        struct sy_ir_part text = { .kind = SY_PART_TEXT, .text = it->content_string };
        write_input_part(w, &text);
    }
    for (size_t j = 0; !it->content_is_string && j < it->nparts; j++)
        write_input_part(w, &it->parts[j]);
    sy_jw_arr_end(w);
    sy_jw_obj_end(w);
}

static void write_output(struct sy_json_writer *w, const struct sy_responses_compaction *c, sy_slice blob)
{
    const struct sy_ir_request *r = c->req;
    sy_jw_key(w, "output");
    sy_jw_arr_begin(w);
    for (size_t i = 0; r && i < r->nitems; i++) {
        const struct sy_ir_item *it = &r->items[i];
        if (it->kind != SY_ITEM_MESSAGE || it->role != SY_ROLE_USER)
            continue;
        write_user_message(w, it, it->id.len || !c->id_fn ? it->id : c->id_fn(c->id_ctx, "msg_"));
    }
    sy_jw_obj_begin(w);
    key_str(w, "type", SY_LIT("compaction"));
    key_str(w, "id", c->item_id);
    key_str(w, "encrypted_content", blob);
    sy_jw_obj_end(w);
    sy_jw_arr_end(w);
}

sy_status sy_responses_write_compaction(struct sy_buf *out, const struct sy_responses_compaction *c)
{
    struct sy_buf blob;
    sy_buf_init(&blob, SY_BUF_UNCAPPED);
    sy_status st = sy_responses_compaction_encode(&blob, c->summary);
    size_t mark = out->len;
    struct sy_ir_usage zero = { .present = true };
    struct sy_json_writer w;
    sy_jw_init(&w, out);
    sy_jw_obj_begin(&w);
    key_str(&w, "id", c->id);
    key_str(&w, "object", SY_LIT("response.compaction"));
    sy_jw_key(&w, "created_at");
    sy_jw_int(&w, c->created_at);
    write_output(&w, c, sy_buf_slice(&blob));
    sy_rs_write_usage(&w, c->usage && c->usage->present ? c->usage : &zero);
    sy_jw_obj_end(&w);
    if (st == SY_OK)
        st = sy_jw_status(&w);
    if (st != SY_OK && out->data) {
        out->len = mark;
        out->data[mark] = '\0';
    }
    sy_buf_free(&blob);
    return st;
}
