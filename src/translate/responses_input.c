/* Responses codec, request direction: the `input` member (a string, or an array of items) →
 * IR items. Items: message (roles user/system/developer/assistant, with or without `type`),
 * function_call, function_call_output, reasoning, and compaction items Switchyard made (their
 * summary becomes a developer message "Summary of the earlier conversation:\n<summary>"; another
 * server's encrypted compaction is unsupported_value naming `input[i].encrypted_content`).
 * item_reference and every hosted or custom item type are refused with unsupported_value naming
 * `input[i].type`. Members of items that the gateway does not interpret (phase, namespace,
 * prompt_cache_breakpoint, created_by, ...) are ignored. */
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "translate/responses_internal.h"

#define PARAM_MAX 96

/* param = base + suffix (truncated to PARAM_MAX). */
static void sub(char *param, const char *base, const char *suffix)
{
    size_t b = strnlen(base, PARAM_MAX - 1), n = strnlen(suffix, PARAM_MAX - 1 - b);
    memcpy(param, base, b);
    memcpy(param + b, suffix, n);
    param[b + n] = '\0';
}

static int trunc_len(sy_slice s) { return s.len > 64 ? 64 : (int)s.len; }

static sy_status opt_status(struct sy_rsd *c, const struct sy_json *o, const char *base, enum sy_ir_status *out)
{
    static const char *const vals[] = { "in_progress", "completed", "incomplete", NULL };
    char param[PARAM_MAX];
    sy_slice s = SY_SLICE_NULL;
    bool present;
    sub(param, base, ".status");
    sy_status st = sy_chk_opt_str(&c->k, o, "status", param, &s, &present);
    if (st || !present || (st = sy_chk_enum(&c->k, param, s, vals)))
        return st;
    *out = s.ptr[0] == 'i' && s.ptr[1] == 'n' && s.ptr[2] == '_' ? SY_ST_IN_PROGRESS
           : s.ptr[0] == 'c'                                     ? SY_ST_COMPLETED
                                                                 : SY_ST_INCOMPLETE;
    return SY_OK;
}

static sy_status opt_id(struct sy_rsd *c, const struct sy_json *o, const char *base, sy_slice *out)
{
    char param[PARAM_MAX];
    sub(param, base, ".id");
    return sy_chk_opt_str(&c->k, o, "id", param, out, NULL);
}

/* Concatenate member `key` of every object in arr with sep in between (arena copy). */
static sy_status join_texts(struct sy_rsd *c, const struct sy_json *arr, const char *base, const char *want_type,
                            const char *sep, sy_slice *out)
{
    struct sy_buf b;
    sy_buf_init(&b, SY_BUF_UNCAPPED);
    sy_status st = SY_OK;
    for (size_t j = 0; st == SY_OK && j < sy_json_len(arr); j++) {
        const struct sy_json *p = sy_json_at(arr, j);
        char param[PARAM_MAX];
        sy_slice type, text;
        snprintf(param, sizeof param, "%s[%zu]", base, j);
        if ((st = sy_chk_type(&c->k, p, param, SY_JSON_OBJECT)))
            break;
        snprintf(param, sizeof param, "%s[%zu].type", base, j);
        const char *const allowed[] = { want_type, NULL };
        if ((st = sy_chk_req_str(&c->k, p, "type", param, &type)) || (st = sy_chk_enum(&c->k, param, type, allowed)))
            break;
        snprintf(param, sizeof param, "%s[%zu].text", base, j);
        if ((st = sy_chk_req_str(&c->k, p, "text", param, &text)))
            break;
        if ((j && sy_buf_append_cstr(&b, sep)) || sy_buf_append_slice(&b, text))
            st = SY_EINTERNAL;
    }
    if (st == SY_OK)
        *out = sy_arena_dup(c->k.a, b.len ? sy_buf_slice(&b) : SY_LIT(""));
    sy_buf_free(&b);
    return st;
}

/* ------------------------------------------------------------------ content parts */

static sy_status dec_image(struct sy_rsd *c, const struct sy_json *p, const char *base, struct sy_ir_part *out)
{
    static const char *const details[] = { "low", "high", "auto", "original", NULL };
    char pu[PARAM_MAX], pf[PARAM_MAX], pd[PARAM_MAX];
    bool has_url, has_file;
    sub(pu, base, ".image_url");
    sub(pf, base, ".file_id");
    sub(pd, base, ".detail");
    out->kind = SY_PART_IMAGE;
    sy_status st;
    if ((st = sy_chk_opt_str(&c->k, p, "image_url", pu, &out->image_url, &has_url)) ||
        (st = sy_chk_opt_str(&c->k, p, "file_id", pf, &out->file_id, &has_file)) ||
        (st = sy_chk_opt_str(&c->k, p, "detail", pd, &out->detail, NULL)))
        return st;
    if (out->detail.ptr && (st = sy_chk_enum(&c->k, pd, out->detail, details)))
        return st;
    if (has_file)
        return sy_chk_fail(&c->k, pf, "unsupported_value",
                           "Images by 'file_id' are not supported when the model is served by a chat-completions "
                           "upstream; send 'image_url' (a URL or a data URL) instead.");
    return has_url ? SY_OK : sy_chk_missing(&c->k, pu);
}

static sy_status dec_file(struct sy_rsd *c, const struct sy_json *p, const char *base, struct sy_ir_part *out)
{
    char pdata[PARAM_MAX], pname[PARAM_MAX], pid[PARAM_MAX], purl[PARAM_MAX];
    bool has_data, has_id, has_url;
    sub(pdata, base, ".file_data");
    sub(pname, base, ".filename");
    sub(pid, base, ".file_id");
    sub(purl, base, ".file_url");
    out->kind = SY_PART_FILE;
    sy_status st;
    if ((st = sy_chk_opt_str(&c->k, p, "file_data", pdata, &out->file_data, &has_data)) ||
        (st = sy_chk_opt_str(&c->k, p, "filename", pname, &out->filename, NULL)) ||
        (st = sy_chk_opt_str(&c->k, p, "file_id", pid, &out->file_id, &has_id)) ||
        (st = sy_chk_opt_str(&c->k, p, "file_url", purl, &out->file_url, &has_url)))
        return st;
    if (has_id || has_url)
        return sy_chk_fail(&c->k, has_id ? pid : purl, "unsupported_value",
                           "Files by '%s' are not supported when the model is served by a chat-completions "
                           "upstream; send 'file_data' (with 'filename') instead.",
                           has_id ? "file_id" : "file_url");
    return has_data ? SY_OK : sy_chk_missing(&c->k, pdata);
}

/* One part of a user/system/developer message or of a function_call_output array. */
static sy_status dec_input_part(struct sy_rsd *c, const struct sy_json *p, const char *base, struct sy_ir_part *out)
{
    static const char *const types[] = { "input_text", "input_image", "input_file", NULL };
    char param[PARAM_MAX];
    sy_slice type;
    sy_status st;
    if ((st = sy_chk_type(&c->k, p, base, SY_JSON_OBJECT)))
        return st;
    sub(param, base, ".type");
    if ((st = sy_chk_req_str(&c->k, p, "type", param, &type)))
        return st;
    if (sy_slice_eq_cstr(type, "input_text")) {
        out->kind = SY_PART_TEXT;
        sub(param, base, ".text");
        return sy_chk_req_str(&c->k, p, "text", param, &out->text);
    }
    if (sy_slice_eq_cstr(type, "input_image"))
        return dec_image(c, p, base, out);
    if (sy_slice_eq_cstr(type, "input_file"))
        return dec_file(c, p, base, out);
    if (sy_slice_eq_cstr(type, "input_audio") || sy_slice_eq_cstr(type, "input_video"))
        return sy_chk_fail(&c->k, param, "unsupported_value",
                           "Content type '%.*s' is not supported when the model is served by a chat-completions "
                           "upstream.",
                           trunc_len(type), type.ptr);
    return sy_chk_enum(&c->k, param, type, types);
}

/* One part of an assistant message: output_text or refusal. */
static sy_status dec_output_part(struct sy_rsd *c, const struct sy_json *p, const char *base, struct sy_ir_part *out)
{
    static const char *const types[] = { "output_text", "refusal", NULL };
    char param[PARAM_MAX];
    sy_slice type;
    sy_status st;
    if ((st = sy_chk_type(&c->k, p, base, SY_JSON_OBJECT)))
        return st;
    sub(param, base, ".type");
    if ((st = sy_chk_req_str(&c->k, p, "type", param, &type)) || (st = sy_chk_enum(&c->k, param, type, types)))
        return st;
    if (sy_slice_eq_cstr(type, "refusal")) {
        out->kind = SY_PART_REFUSAL;
        sub(param, base, ".refusal");
        return sy_chk_req_str(&c->k, p, "refusal", param, &out->text);
    }
    out->kind = SY_PART_TEXT;
    sub(param, base, ".text");
    if ((st = sy_chk_req_str(&c->k, p, "text", param, &out->text)))
        return st;
    const struct sy_json *ann = sy_json_get(p, "annotations"), *lp = sy_json_get(p, "logprobs");
    if (ann && sy_json_type_of(ann) != SY_JSON_NULL) {
        sub(param, base, ".annotations");
        if (sy_json_type_of(ann) != SY_JSON_ARRAY)
            return sy_chk_bad_type(&c->k, param, "an array", ann);
        out->annotations = sy_chk_node_text(&c->k, ann);
    }
    if (lp && sy_json_type_of(lp) != SY_JSON_NULL) {
        sub(param, base, ".logprobs");
        if (sy_json_type_of(lp) != SY_JSON_ARRAY)
            return sy_chk_bad_type(&c->k, param, "an array", lp);
        out->logprobs = sy_chk_node_text(&c->k, lp);
    }
    return SY_OK;
}

/* content: string, or an array of parts. */
static sy_status dec_content(struct sy_rsd *c, const struct sy_json *content, const char *base, bool assistant,
                             struct sy_ir_item *out)
{
    char param[PARAM_MAX];
    sub(param, base, ".content");
    if (!content || sy_json_type_of(content) == SY_JSON_NULL)
        return sy_chk_missing(&c->k, param);
    if (sy_json_as_str(content, &out->content_string)) {
        out->content_is_string = true;
        return SY_OK;
    }
    if (sy_json_type_of(content) != SY_JSON_ARRAY)
        return sy_chk_bad_type(&c->k, param, "a string or an array", content);
    size_t n = sy_json_len(content);
    out->parts = sy_arena_alloc(c->k.a, (n ? n : 1) * sizeof *out->parts);
    out->nparts = n;
    for (size_t j = 0; j < n; j++) {
        char pb[PARAM_MAX];
        snprintf(pb, sizeof pb, "%s.content[%zu]", base, j);
        const struct sy_json *p = sy_json_at(content, j);
        sy_status st = assistant ? dec_output_part(c, p, pb, &out->parts[j]) : dec_input_part(c, p, pb, &out->parts[j]);
        if (st)
            return st;
    }
    return SY_OK;
}

/* ------------------------------------------------------------------ items */

static sy_status dec_message(struct sy_rsd *c, const struct sy_json *o, const char *base, struct sy_ir_item *out)
{
    static const char *const roles[] = { "user", "assistant", "system", "developer", NULL };
    char param[PARAM_MAX];
    sy_slice role;
    sy_status st;
    sub(param, base, ".role");
    out->kind = SY_ITEM_MESSAGE;
    if ((st = sy_chk_req_str(&c->k, o, "role", param, &role)) || (st = sy_chk_enum(&c->k, param, role, roles)) ||
        (st = opt_id(c, o, base, &out->id)) || (st = opt_status(c, o, base, &out->status)))
        return st;
    out->role = sy_slice_eq_cstr(role, "user")        ? SY_ROLE_USER
                : sy_slice_eq_cstr(role, "assistant") ? SY_ROLE_ASSISTANT
                : sy_slice_eq_cstr(role, "system")    ? SY_ROLE_SYSTEM
                                                      : SY_ROLE_DEVELOPER;
    return dec_content(c, sy_json_get(o, "content"), base, out->role == SY_ROLE_ASSISTANT, out);
}

static sy_status dec_function_call(struct sy_rsd *c, const struct sy_json *o, const char *base, struct sy_ir_item *out)
{
    char pc[PARAM_MAX], pn[PARAM_MAX], pa[PARAM_MAX];
    sub(pc, base, ".call_id");
    sub(pn, base, ".name");
    sub(pa, base, ".arguments");
    out->kind = SY_ITEM_FUNCTION_CALL;
    sy_status st;
    if ((st = sy_chk_req_str(&c->k, o, "call_id", pc, &out->call_id)) ||
        (st = sy_chk_req_str(&c->k, o, "name", pn, &out->name)) ||
        (st = sy_chk_req_str(&c->k, o, "arguments", pa, &out->arguments)) || (st = opt_id(c, o, base, &out->id)))
        return st;
    return opt_status(c, o, base, &out->status);
}

static sy_status dec_function_call_output(struct sy_rsd *c, const struct sy_json *o, const char *base,
                                          struct sy_ir_item *out)
{
    char pc[PARAM_MAX], po[PARAM_MAX];
    sub(pc, base, ".call_id");
    sub(po, base, ".output");
    out->kind = SY_ITEM_FUNCTION_CALL_OUTPUT;
    sy_status st;
    if ((st = sy_chk_req_str(&c->k, o, "call_id", pc, &out->call_id)) || (st = opt_id(c, o, base, &out->id)) ||
        (st = opt_status(c, o, base, &out->status)))
        return st;
    const struct sy_json *v = sy_json_get(o, "output");
    if (!v || sy_json_type_of(v) == SY_JSON_NULL)
        return sy_chk_missing(&c->k, po);
    if (sy_json_as_str(v, &out->output))
        return SY_OK;
    if (sy_json_type_of(v) != SY_JSON_ARRAY)
        return sy_chk_bad_type(&c->k, po, "a string or an array", v);
    size_t n = sy_json_len(v);
    if (n == 0) {
        out->output = SY_LIT("");
        return SY_OK;
    }
    out->parts = sy_arena_alloc(c->k.a, n * sizeof *out->parts);
    out->nparts = n;
    for (size_t j = 0; j < n; j++) {
        char pb[PARAM_MAX];
        snprintf(pb, sizeof pb, "%s.output[%zu]", base, j);
        if ((st = dec_input_part(c, sy_json_at(v, j), pb, &out->parts[j])))
            return st;
    }
    return SY_OK;
}

static sy_status dec_reasoning_item(struct sy_rsd *c, const struct sy_json *o, const char *base, struct sy_ir_item *out)
{
    char ps[PARAM_MAX], pc[PARAM_MAX], pe[PARAM_MAX];
    sub(ps, base, ".summary");
    sub(pc, base, ".content");
    sub(pe, base, ".encrypted_content");
    out->kind = SY_ITEM_REASONING;
    sy_status st;
    if ((st = opt_id(c, o, base, &out->id)) || (st = opt_status(c, o, base, &out->status)) ||
        (st = sy_chk_opt_str(&c->k, o, "encrypted_content", pe, &out->encrypted_content, NULL)))
        return st;
    const struct sy_json *sum, *content = sy_json_get(o, "content");
    if ((st = sy_chk_req_member(&c->k, o, "summary", ps, SY_JSON_ARRAY, &sum)) ||
        (st = join_texts(c, sum, ps, "summary_text", "\n\n", &out->summary_text)) || sy_chk_null(content))
        return st;
    if ((st = sy_chk_type(&c->k, content, pc, SY_JSON_ARRAY)))
        return st;
    return join_texts(c, content, pc, "reasoning_text", "", &out->reasoning_text);
}

/* A compaction item: a gateway blob's summary becomes one developer message (where the item
 * stands); an encrypted blob from another server cannot be read here. */
static sy_status dec_compaction(struct sy_rsd *c, const struct sy_json *o, const char *base, struct sy_ir_item *out)
{
    char pe[PARAM_MAX];
    sy_slice blob, summary;
    sy_status st;
    sub(pe, base, ".encrypted_content");
    if ((st = opt_id(c, o, base, &out->id)) || (st = sy_chk_req_str(&c->k, o, "encrypted_content", pe, &blob)))
        return st;
    if (sy_responses_compaction_decode(c->k.a, blob, &summary) != SY_OK)
        return sy_chk_fail(&c->k, pe, "unsupported_value",
                           "Only compaction items made by Switchyard can be used when the model is served by a "
                           "chat-completions upstream; this item's 'encrypted_content' comes from another server, "
                           "which alone can read it.");
    size_t plen = sizeof SY_RESPONSES_SUMMARY_PREFIX - 1;
    char *text = sy_arena_alloc(c->k.a, plen + summary.len + 1);
    memcpy(text, SY_RESPONSES_SUMMARY_PREFIX, plen);
    if (summary.len)
        memcpy(text + plen, summary.ptr, summary.len);
    out->kind = SY_ITEM_MESSAGE;
    out->role = SY_ROLE_DEVELOPER;
    out->content_is_string = true;
    out->content_string = sy_slice_from(text, plen + summary.len);
    return SY_OK;
}

static sy_status unsupported_item(struct sy_rsd *c, const char *base, sy_slice type)
{
    char param[PARAM_MAX];
    sub(param, base, ".type");
    if (sy_slice_eq_cstr(type, "item_reference"))
        return sy_chk_fail(&c->k, param, "unsupported_value",
                           "Input items of type 'item_reference' are not supported here: item references are "
                           "resolved by the stored-responses feature, which is not available for this request.");
    return sy_chk_fail(&c->k, param, "unsupported_value",
                       "Input item type '%.*s' is not supported when the model is served by a chat-completions "
                       "upstream.",
                       trunc_len(type), type.ptr);
}

static sy_status dec_item(struct sy_rsd *c, const struct sy_json *o, size_t i, struct sy_ir_item *out)
{
    char base[32], param[PARAM_MAX];
    sy_slice type = SY_SLICE_NULL;
    bool has_type;
    sy_status st;
    snprintf(base, sizeof base, "input[%zu]", i);
    sub(param, base, ".type");
    if ((st = sy_chk_type(&c->k, o, base, SY_JSON_OBJECT)) ||
        (st = sy_chk_opt_str(&c->k, o, "type", param, &type, &has_type)))
        return st;
    if (!has_type) {
        if (sy_json_get(o, "role"))
            return dec_message(c, o, base, out);
        if (sy_json_get(o, "id"))
            return unsupported_item(c, base, SY_LIT("item_reference"));
        return sy_chk_missing(&c->k, param);
    }
    if (sy_slice_eq_cstr(type, "message"))
        return dec_message(c, o, base, out);
    if (sy_slice_eq_cstr(type, "function_call"))
        return dec_function_call(c, o, base, out);
    if (sy_slice_eq_cstr(type, "function_call_output"))
        return dec_function_call_output(c, o, base, out);
    if (sy_slice_eq_cstr(type, "reasoning"))
        return dec_reasoning_item(c, o, base, out);
    if (sy_slice_eq_cstr(type, "compaction"))
        return dec_compaction(c, o, base, out);
    return unsupported_item(c, base, type);
}

sy_status sy_rsd_input(struct sy_rsd *c, const struct sy_json *input)
{
    struct sy_ir_request *r = c->req;
    sy_slice s;
    r->items = NULL;
    r->nitems = 0;
    if (!input || sy_json_type_of(input) == SY_JSON_NULL)
        return SY_OK;
    if (sy_json_as_str(input, &s)) {
        r->items = sy_arena_alloc(c->k.a, sizeof *r->items);
        r->items[0].kind = SY_ITEM_MESSAGE;
        r->items[0].role = SY_ROLE_USER;
        r->items[0].content_is_string = true;
        r->items[0].content_string = s;
        r->nitems = 1;
        return SY_OK;
    }
    if (sy_json_type_of(input) != SY_JSON_ARRAY)
        return sy_chk_bad_type(&c->k, "input", "a string or an array", input);
    size_t n = sy_json_len(input);
    r->items = sy_arena_alloc(c->k.a, (n ? n : 1) * sizeof *r->items);
    for (size_t i = 0; i < n; i++) {
        sy_status st = dec_item(c, sy_json_at(input, i), i, &r->items[i]);
        if (st)
            return st;
        r->nitems++;
    }
    return SY_OK;
}
