/* Responses codec, `POST /v1/responses/input_tokens` (responses-api.md §11): the request body
 * (the create members that shape the prompt, plus `personality`) and the answer object. */
#include "translate/responses_internal.h"

/* A model-owned style preset: no chat equivalent, so it is checked and dropped. */
static sy_status dec_personality(struct sy_rsd *c, const struct sy_json *v)
{
    sy_slice s = SY_SLICE_NULL;
    if (sy_json_type_of(v) == SY_JSON_NULL)
        return SY_OK;
    if (!sy_json_as_str(v, &s))
        return sy_rsd_bad_type(c, "personality", "a string", v);
    if (s.len > 64)
        return sy_rsd_fail(c, "personality", "string_above_max_length",
                           "Invalid 'personality': string too long. Expected a string with maximum length 64, but "
                           "got a string with length %zu instead.",
                           s.len);
    if (c->dropped)
        sy_dropped_add(c->dropped, "personality");
    return SY_OK;
}

static const struct sy_rsd_member count_members[] = {
    { "model", NULL },
    { "input", NULL },
    { "instructions", NULL },
    { "tools", NULL },
    { "tool_choice", NULL },
    { "parallel_tool_calls", NULL },
    { "reasoning", NULL },
    { "text", NULL },
    { "truncation", NULL },
    { "conversation", NULL },
    { "previous_response_id", NULL },
    { "personality", dec_personality },
    { NULL, NULL },
};

sy_status sy_responses_decode_input_tokens(struct sy_arena *a, const struct sy_json *root, struct sy_ir_request *req,
                                           struct sy_dropped *dropped, struct sy_diag *diag)
{
    struct sy_rsd c = { .a = a, .req = req, .dropped = dropped, .diag = diag };
    return sy_rsd_decode(&c, root, count_members);
}

sy_status sy_responses_write_input_tokens(struct sy_buf *out, int64_t input_tokens)
{
    size_t mark = out->len;
    struct sy_json_writer w;
    sy_jw_init(&w, out);
    sy_jw_obj_begin(&w);
    sy_jw_key(&w, "object");
    sy_jw_cstr(&w, "response.input_tokens");
    sy_jw_key(&w, "input_tokens");
    sy_jw_int(&w, input_tokens);
    sy_jw_obj_end(&w);
    sy_status st = sy_jw_status(&w);
    if (st != SY_OK && out->data) {
        out->len = mark;
        out->data[mark] = '\0';
    }
    return st;
}
