/* Chat codec, client side: the `messages` of a `POST /v1/chat/completions` body → IR items for a
 * Responses upstream (mapping.md §1.1, §7). Messages become items in order:
 *   system / developer / user → a message item (string content kept as a string, parts as
 *     parts: text, image_url (detail "auto" when absent), file; input_audio → 400);
 *   assistant → a message item with output_text / refusal parts when it has non-empty text or a
 *     non-null refusal, then one function_call per tool call (call_id = tc.id; custom calls
 *     → 400), then the legacy function_call (call_id "call_legacy_<n>"); audio → 400;
 *   tool → function_call_output (text parts joined with "");
 *   legacy function → function_call_output answering the most recent unanswered legacy call of
 *     that name (none: 400).
 * `name` on a message has no slot and is dropped; so is `prompt_cache_breakpoint` on a part.
 * Unknown keys inside messages and parts are ignored (they are never forwarded). */
#include <stdio.h>
#include <string.h>

#include "json/json.h"
#include "translate/chat_client.h"
#include "translate/chat_internal.h"

struct sy_chatd_legacy {
    sy_slice name, call_id;
    bool     answered;
};

static struct sy_ir_item *new_item(struct sy_chatd *c, enum sy_ir_item_kind kind)
{
    struct sy_ir_request *r = c->k.req;
    r->items = sy_chk_grow(&c->k, r->items, r->nitems, &c->capitems, sizeof *r->items);
    struct sy_ir_item *it = &r->items[r->nitems++];
    memset(it, 0, sizeof *it);
    it->kind = kind;
    return it;
}

/* ------------------------------------------------------------------ content parts */

/* The `image_url` object of an image part (pi names it). */
static sy_status dec_image(struct sy_chatd *c, const struct sy_json *img, const char *pi, struct sy_ir_part *out)
{
    static const char *const details[] = { "auto", "low", "high", NULL };
    char param[192];
    snprintf(param, sizeof param, "%s.url", pi);
    sy_status st = sy_chk_req_str(&c->k, img, "url", param, &out->image_url);
    snprintf(param, sizeof param, "%s.detail", pi);
    out->detail = SY_LIT("auto");
    if (st == SY_OK)
        st = sy_chk_enum_str(&c->k, sy_json_get(img, "detail"), param, details, &out->detail);
    out->kind = SY_PART_IMAGE;
    return st;
}

/* The `file` object of a file part (pf names it). */
static sy_status dec_file(struct sy_chatd *c, const struct sy_json *f, const char *pf, struct sy_ir_part *out)
{
    char param[192];
    snprintf(param, sizeof param, "%s.file_data", pf);
    sy_status st = sy_chk_opt_str(&c->k, f, "file_data", param, &out->file_data, NULL);
    snprintf(param, sizeof param, "%s.file_id", pf);
    if (st == SY_OK)
        st = sy_chk_opt_str(&c->k, f, "file_id", param, &out->file_id, NULL);
    snprintf(param, sizeof param, "%s.filename", pf);
    if (st == SY_OK)
        st = sy_chk_opt_str(&c->k, f, "filename", param, &out->filename, NULL);
    out->kind = SY_PART_FILE;
    return st;
}

enum role_kind { R_SYSTEM, R_USER, R_ASSISTANT, R_TOOL };

/* One element of a `content` array; which part types are allowed depends on the role. */
static sy_status dec_part(struct sy_chatd *c, const struct sy_json *p, const char *pp, enum role_kind rk,
                          struct sy_ir_part *out)
{
    static const char *const user_types[] = { "text", "image_url", "input_audio", "file", NULL };
    static const char *const asst_types[] = { "text", "refusal", NULL };
    static const char *const text_types[] = { "text", NULL };
    char param[160];
    sy_slice type;
    sy_status st = sy_chk_type(&c->k, p, pp, SY_JSON_OBJECT);
    snprintf(param, sizeof param, "%s.type", pp);
    if (st || (st = sy_chk_req_str(&c->k, p, "type", param, &type)))
        return st;
    if ((st = sy_chk_enum(&c->k, param, type, rk == R_USER ? user_types : rk == R_ASSISTANT ? asst_types : text_types)))
        return st;
    if (!sy_chk_null(sy_json_get(p, "prompt_cache_breakpoint"))) {
        char pb[160];
        snprintf(pb, sizeof pb, "%s.prompt_cache_breakpoint", pp);
        sy_chk_drop(&c->k, pb); /* no slot in the IR */
    }
    memset(out, 0, sizeof *out);
    if (sy_slice_eq_cstr(type, "input_audio"))
        return sy_chatd__unsupported(c, param, "unsupported_value", "Audio input ('input_audio' content parts)");
    /* the payload is the member named like the type */
    const char *key = sy_slice_eq_cstr(type, "image_url") ? "image_url"
                      : sy_slice_eq_cstr(type, "file")    ? "file"
                      : sy_slice_eq_cstr(type, "refusal") ? "refusal"
                                                          : "text";
    snprintf(param, sizeof param, "%s.%s", pp, key);
    if (key[0] == 'r' || key[0] == 't') {
        out->kind = key[0] == 'r' ? SY_PART_REFUSAL : SY_PART_TEXT;
        return sy_chk_req_str(&c->k, p, key, param, &out->text);
    }
    const struct sy_json *o;
    if ((st = sy_chk_req_member(&c->k, p, key, param, SY_JSON_OBJECT, &o)))
        return st;
    return key[0] == 'i' ? dec_image(c, o, param, out) : dec_file(c, o, param, out);
}

/* `content` as a parts array (empty arrays refused). */
static sy_status dec_parts(struct sy_chatd *c, const struct sy_json *v, const char *pc, enum role_kind rk,
                           struct sy_ir_part **parts, size_t *nparts)
{
    size_t n = sy_json_len(v);
    if (n == 0)
        return sy_chk_fail(&c->k, pc, "empty_array",
                           "Invalid '%s': empty array. Expected an array with minimum length 1, but got an empty array "
                           "instead.",
                           pc);
    *parts = sy_arena_alloc(c->k.a, n * sizeof **parts);
    *nparts = n;
    for (size_t j = 0; j < n; j++) {
        char pp[128];
        snprintf(pp, sizeof pp, "%s[%zu]", pc, j);
        sy_status st = dec_part(c, sy_json_at(v, j), pp, rk, &(*parts)[j]);
        if (st != SY_OK)
            return st;
    }
    return SY_OK;
}

/* The texts of a string or text-parts `content`, joined with "" (tool outputs). */
static sy_status joined_text(struct sy_chatd *c, const struct sy_json *v, const char *pc, sy_slice *out)
{
    if (sy_json_as_str(v, out))
        return SY_OK;
    if (sy_json_type_of(v) != SY_JSON_ARRAY)
        return sy_chk_bad_type(&c->k, pc, "a string or an array", v);
    struct sy_ir_part *parts = NULL;
    size_t n = 0;
    sy_status st = dec_parts(c, v, pc, R_TOOL, &parts, &n);
    struct sy_buf b;
    sy_buf_init(&b, SY_BUF_UNCAPPED);
    for (size_t j = 0; j < n && st == SY_OK; j++)
        st = sy_buf_append_slice(&b, parts[j].text);
    *out = st == SY_OK && b.len ? sy_arena_dup(c->k.a, sy_buf_slice(&b)) : SY_LIT("");
    sy_buf_free(&b);
    return st;
}

/* ------------------------------------------------------------------ messages */

static sy_status dec_plain(struct sy_chatd *c, const struct sy_json *m, const char *pm, enum sy_ir_role role)
{
    char pc[96];
    snprintf(pc, sizeof pc, "%s.content", pm);
    const struct sy_json *v = sy_json_get(m, "content");
    if (sy_chk_null(v))
        return sy_chk_missing(&c->k, pc);
    struct sy_ir_item *it = new_item(c, SY_ITEM_MESSAGE);
    it->role = role;
    if (sy_json_as_str(v, &it->content_string)) {
        it->content_is_string = true;
        return SY_OK;
    }
    if (sy_json_type_of(v) != SY_JSON_ARRAY)
        return sy_chk_bad_type(&c->k, pc, "a string or an array", v);
    return dec_parts(c, v, pc, role == SY_ROLE_USER ? R_USER : R_SYSTEM, &it->parts, &it->nparts);
}

static sy_status dec_tool_call(struct sy_chatd *c, const struct sy_json *tc, const char *pt)
{
    static const char *const types[] = { "function", "custom", NULL };
    char param[128];
    sy_slice type;
    sy_status st = sy_chk_type(&c->k, tc, pt, SY_JSON_OBJECT);
    snprintf(param, sizeof param, "%s.type", pt);
    if (st || (st = sy_chk_req_str(&c->k, tc, "type", param, &type)) || (st = sy_chk_enum(&c->k, param, type, types)))
        return st;
    if (sy_slice_eq_cstr(type, "custom"))
        return sy_chatd__unsupported(c, param, "unsupported_value", "Custom tool calls");
    struct sy_ir_item *it = new_item(c, SY_ITEM_FUNCTION_CALL);
    const struct sy_json *fn;
    snprintf(param, sizeof param, "%s.id", pt);
    if ((st = sy_chk_req_str(&c->k, tc, "id", param, &it->call_id)))
        return st;
    snprintf(param, sizeof param, "%s.function", pt);
    if ((st = sy_chk_req_member(&c->k, tc, "function", param, SY_JSON_OBJECT, &fn)))
        return st;
    snprintf(param, sizeof param, "%s.function.name", pt);
    if ((st = sy_chk_req_str(&c->k, fn, "name", param, &it->name)))
        return st;
    snprintf(param, sizeof param, "%s.function.arguments", pt);
    return sy_chk_req_str(&c->k, fn, "arguments", param, &it->arguments);
}

/* Legacy assistant `function_call` {name, arguments}: a call with a synthesized call_id. */
static sy_status dec_legacy_call(struct sy_chatd *c, const struct sy_json *fc, const char *pm)
{
    char param[128];
    snprintf(param, sizeof param, "%s.function_call", pm);
    sy_status st = sy_chk_type(&c->k, fc, param, SY_JSON_OBJECT);
    if (st != SY_OK)
        return st;
    struct sy_ir_item *it = new_item(c, SY_ITEM_FUNCTION_CALL);
    snprintf(param, sizeof param, "%s.function_call.name", pm);
    if ((st = sy_chk_req_str(&c->k, fc, "name", param, &it->name)))
        return st;
    snprintf(param, sizeof param, "%s.function_call.arguments", pm);
    if ((st = sy_chk_req_str(&c->k, fc, "arguments", param, &it->arguments)))
        return st;
    char id[48];
    int n = snprintf(id, sizeof id, "call_legacy_%zu", c->nlegacy);
    it->call_id = sy_arena_dup(c->k.a, sy_slice_from(id, (size_t)n));
    c->legacy = sy_chk_grow(&c->k, c->legacy, c->nlegacy, &c->caplegacy, sizeof *c->legacy);
    c->legacy[c->nlegacy++] = (struct sy_chatd_legacy){ .name = it->name, .call_id = it->call_id };
    return SY_OK;
}

/* The assistant's text and refusal as one message item (nothing when it has neither). */
static sy_status dec_assistant_text(struct sy_chatd *c, const struct sy_json *m, const char *pm)
{
    char param[96];
    const struct sy_json *content = sy_json_get(m, "content");
    struct sy_ir_part *parts = NULL;
    size_t nparts = 0;
    sy_slice text = SY_SLICE_NULL, refusal = SY_SLICE_NULL;
    sy_status st = SY_OK;
    snprintf(param, sizeof param, "%s.content", pm);
    if (!sy_chk_null(content) && !sy_json_as_str(content, &text)) {
        if (sy_json_type_of(content) != SY_JSON_ARRAY)
            return sy_chk_bad_type(&c->k, param, "a string or an array", content);
        st = dec_parts(c, content, param, R_ASSISTANT, &parts, &nparts);
    }
    snprintf(param, sizeof param, "%s.refusal", pm);
    if (st || (st = sy_chk_opt_str(&c->k, m, "refusal", param, &refusal, NULL)))
        return st;
    struct sy_ir_part *out = sy_arena_alloc(c->k.a, (nparts + 2) * sizeof *out);
    size_t n = 0;
    if (text.len > 0)
        out[n++] = (struct sy_ir_part){ .kind = SY_PART_TEXT, .text = text };
    for (size_t j = 0; j < nparts; j++)
        if (parts[j].kind == SY_PART_REFUSAL || parts[j].text.len > 0)
            out[n++] = parts[j];
    if (refusal.ptr)
        out[n++] = (struct sy_ir_part){ .kind = SY_PART_REFUSAL, .text = refusal };
    if (n == 0)
        return SY_OK;
    struct sy_ir_item *it = new_item(c, SY_ITEM_MESSAGE);
    it->role = SY_ROLE_ASSISTANT;
    it->parts = out;
    it->nparts = n;
    return SY_OK;
}

static sy_status dec_assistant(struct sy_chatd *c, const struct sy_json *m, const char *pm)
{
    char param[96];
    if (!sy_chk_null(sy_json_get(m, "audio"))) {
        snprintf(param, sizeof param, "%s.audio", pm);
        return sy_chatd__unsupported(c, param, "unsupported_parameter", "Assistant 'audio'");
    }
    sy_status st = dec_assistant_text(c, m, pm);
    const struct sy_json *calls = sy_json_get(m, "tool_calls");
    snprintf(param, sizeof param, "%s.tool_calls", pm);
    if (st == SY_OK && !sy_chk_null(calls))
        st = sy_chk_type(&c->k, calls, param, SY_JSON_ARRAY);
    for (size_t j = 0; st == SY_OK && j < sy_json_len(calls); j++) {
        snprintf(param, sizeof param, "%s.tool_calls[%zu]", pm, j);
        st = dec_tool_call(c, sy_json_at(calls, j), param);
    }
    const struct sy_json *fc = sy_json_get(m, "function_call");
    if (st == SY_OK && !sy_chk_null(fc))
        st = dec_legacy_call(c, fc, pm);
    return st;
}

static sy_status dec_tool_message(struct sy_chatd *c, const struct sy_json *m, const char *pm)
{
    char param[96];
    struct sy_ir_item *it = new_item(c, SY_ITEM_FUNCTION_CALL_OUTPUT);
    snprintf(param, sizeof param, "%s.tool_call_id", pm);
    sy_status st = sy_chk_req_str(&c->k, m, "tool_call_id", param, &it->call_id);
    snprintf(param, sizeof param, "%s.content", pm);
    const struct sy_json *v = sy_json_get(m, "content");
    if (st == SY_OK && sy_chk_null(v))
        return sy_chk_missing(&c->k, param);
    return st ? st : joined_text(c, v, param, &it->output);
}

/* Legacy {"role":"function","name":N,"content":C}. */
static sy_status dec_function_message(struct sy_chatd *c, const struct sy_json *m, const char *pm)
{
    char param[96];
    sy_slice name;
    snprintf(param, sizeof param, "%s.name", pm);
    sy_status st = sy_chk_req_str(&c->k, m, "name", param, &name);
    struct sy_ir_item *it = new_item(c, SY_ITEM_FUNCTION_CALL_OUTPUT);
    snprintf(param, sizeof param, "%s.content", pm);
    it->output = SY_LIT("");
    if (st == SY_OK)
        st = sy_chk_opt_str(&c->k, m, "content", param, &it->output, NULL);
    struct sy_chatd_legacy *lc = NULL;
    for (size_t k = c->nlegacy; st == SY_OK && !lc && k-- > 0;)
        if (!c->legacy[k].answered && sy_slice_eq(c->legacy[k].name, name))
            lc = &c->legacy[k];
    if (st == SY_OK && !lc)
        return sy_chk_fail(&c->k, pm, "invalid_value",
                           "Invalid '%s': no earlier assistant 'function_call' named '%.*s' awaits this function "
                           "result.",
                           pm, (int)(name.len > 64 ? 64 : name.len), name.ptr);
    if (st == SY_OK) {
        lc->answered = true;
        it->call_id = lc->call_id;
    }
    return st;
}

static sy_status dec_one_message(struct sy_chatd *c, const struct sy_json *m, size_t i)
{
    static const char *const roles[] = { "system", "developer", "user", "assistant", "tool", "function", NULL };
    char pm[48], param[96];
    sy_slice role;
    snprintf(pm, sizeof pm, "messages[%zu]", i);
    snprintf(param, sizeof param, "%s.role", pm);
    sy_status st = sy_chk_type(&c->k, m, pm, SY_JSON_OBJECT);
    if (st || (st = sy_chk_req_str(&c->k, m, "role", param, &role)) || (st = sy_chk_enum(&c->k, param, role, roles)))
        return st;
    const struct sy_json *name = sy_json_get(m, "name");
    snprintf(param, sizeof param, "%s.name", pm);
    if (!sy_chk_null(name) && !sy_slice_eq_cstr(role, "function")) {
        sy_slice unused;
        if ((st = sy_chk_str(&c->k, name, param, &unused)))
            return st;
        sy_chk_drop(&c->k, param); /* no slot in Responses items (mapping.md §7 #8) */
    }
    switch (role.ptr[0]) {
    case 's': return dec_plain(c, m, pm, SY_ROLE_SYSTEM);
    case 'd': return dec_plain(c, m, pm, SY_ROLE_DEVELOPER);
    case 'u': return dec_plain(c, m, pm, SY_ROLE_USER);
    case 'a': return dec_assistant(c, m, pm);
    case 't': return dec_tool_message(c, m, pm);
    default: return dec_function_message(c, m, pm);
    }
}

sy_status sy_chatd__messages(struct sy_chatd *c, const struct sy_json *v)
{
    if (sy_chk_null(v))
        return SY_OK;
    sy_status st = sy_chk_type(&c->k, v, "messages", SY_JSON_ARRAY);
    if (st == SY_OK && sy_json_len(v) == 0)
        return sy_chk_fail(&c->k, "messages", "empty_array",
                           "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an "
                           "empty array instead.");
    for (size_t i = 0; st == SY_OK && i < sy_json_len(v); i++)
        st = dec_one_message(c, sy_json_at(v, i), i);
    c->has_messages = true;
    return st;
}
