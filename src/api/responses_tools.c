/* POST /v1/responses/input_tokens and POST /v1/responses/compact (docs/responses.md). To an
 * openai-responses deployment both are passthroughs (model rewritten). To an openai-chat
 * deployment Switchyard answers them itself with ONE non-streaming chat request:
 *   input_tokens  the request a create would send, with the token limit forced to 1; the
 *                 answer is the upstream's own usage.prompt_tokens (no usage: 502
 *                 usage_unavailable). The count includes the chat template's tokens and costs
 *                 one generated token.
 *   compact       the context plus a final user message asking for a summary; the answer is a
 *                 `response.compaction` whose compaction item carries the summary in a gateway
 *                 blob (translate/responses_compact.c), which /v1/responses reads back.
 * Every Responses field is read and written by the Responses codec, every chat field by the chat
 * codec; this file only orchestrates. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api/endpoints.h"
#include "api/relay.h"
#include "api/responses_internal.h"
#include "api/store_call.h"
#include "core/buf.h"
#include "core/time.h"
#include "http/http.h"
#include "json/json.h"
#include "route/route.h"
#include "translate/chat.h"
#include "translate/responses.h"

enum tool { TOOL_INPUT_TOKENS, TOOL_COMPACT };

/* Per-request state; lives in the exchange arena. */
struct tool_call {
    struct sy_relay_translator tr;
    struct sy_ir_sink          sink;    /* collects the chat answer */
    struct sy_exchange        *ex;
    enum tool                  tool;
    struct sy_ir_request       req;
    struct sy_dropped          dropped;
    struct sy_json            *root;    /* the parsed client request; IR slices point into it */
    struct sy_json            *ctx_root;/* the stored context (previous_response_id / conversation) */
    const struct sy_deployment *dep;
    struct sy_buf              text;    /* the answer's text (compact: the summary) */
    struct sy_ir_usage         usage;
    bool                       ended;
};

static void tc_cleanup(void *arg)
{
    struct tool_call *t = arg;
    sy_buf_free(&t->text);
    sy_dropped_free(&t->dropped);
    sy_json_free(t->root);
    sy_json_free(t->ctx_root);
}


/* ------------------------------------------------------------------ the chat answer */

/* Keeps the text, the usage and whether the answer ended; reasoning and refusals are not part
 * of either answer. */
static sy_status collect(struct sy_ir_sink *self, const struct sy_ir_event *ev)
{
    struct tool_call *t = (struct tool_call *)((char *)self - offsetof(struct tool_call, sink));
    switch (ev->kind) {
    case SY_IR_TEXT_DELTA:
        return sy_buf_append_slice(&t->text, ev->text);
    case SY_IR_USAGE:
        t->usage = *ev->usage;
        return SY_OK;
    case SY_IR_END:
        t->ended = true;
        return SY_OK;
    default:
        return SY_OK;
    }
}

static int fail_body(struct tool_call *t, const char *code, const char *message, struct sy_buf *out)
{
    struct sy_diag d;
    sy_diag_clear(&d);
    sy_diag_setf(&d, "%s", message);
    sy_diag_code(&d, code);
    sy_buf_reset(out);
    if (sy_error_envelope(out, SY_EUPSTREAM, &d) != SY_OK)
        sy_buf_reset(out);
    t->ex->error = code;
    return sy_status_http(SY_EUPSTREAM);
}

static int answer_input_tokens(struct tool_call *t, struct sy_buf *out)
{
    if (!t->usage.present)
        return fail_body(t, "usage_unavailable",
                         "The upstream chat server reported no token usage, so the input tokens cannot be counted "
                         "(Switchyard reports the upstream's own prompt_tokens).",
                         out);
    if (sy_responses_write_input_tokens(out, t->usage.input_tokens) != SY_OK)
        return fail_body(t, "internal_error", "the answer could not be written", out);
    return 200;
}

static sy_slice trimmed(sy_slice s)
{
    while (s.len && strchr(" \t\r\n", s.ptr[0]))
        s = sy_slice_from(s.ptr + 1, s.len - 1);
    while (s.len && strchr(" \t\r\n", s.ptr[s.len - 1]))
        s.len--;
    return s;
}

static int answer_compact(struct tool_call *t, struct sy_buf *out)
{
    sy_slice summary = trimmed(sy_buf_slice(&t->text));
    if (summary.len == 0)
        return fail_body(t, "empty_summary", "The upstream model returned no summary text.", out);
    struct sy_responses_compaction c = {
        .id = sy_api_new_id(t->ex->arena, "resp_"),
        .created_at = sy_wall_unix(),
        .item_id = sy_api_new_id(t->ex->arena, "cmp_"),
        .summary = summary,
        .req = &t->req,
        .usage = &t->usage,
        .id_fn = sy_api_id_fn,
        .id_ctx = t->ex->arena,
    };
    if (sy_responses_write_compaction(out, &c) != SY_OK)
        return fail_body(t, "internal_error", "the answer could not be written", out);
    return 200;
}

static int answer(struct tool_call *t, struct sy_buf *out)
{
    if (t->usage.present) {
        t->ex->prompt_tokens = t->usage.input_tokens;
        t->ex->completion_tokens = t->usage.output_tokens;
        t->ex->total_tokens = t->usage.total_tokens;
    }
    return t->tool == TOOL_COMPACT ? answer_compact(t, out) : answer_input_tokens(t, out);
}

/* ------------------------------------------------------------------ relay callbacks */

static int tc_whole(void *ctx, sy_slice body, struct sy_buf *out)
{
    struct tool_call *t = ctx;
    struct sy_diag d;
    sy_diag_clear(&d);
    if (sy_chat_decode_completion(body, &t->sink, &d) != SY_OK || !t->ended)
        return sy_api_malformed_answer(t->ex, "chat completion", &d, out);
    return answer(t, out);
}

/* The upstream streamed although it was asked not to: refused (the reply is already a 200). */
static sy_status tc_event(void *ctx, sy_slice data, struct sy_buf *out, struct sy_diag *diag)
{
    (void)ctx;
    (void)data;
    (void)out;
    sy_diag_setf(diag, "upstream answered a non-streaming request with an event stream");
    sy_diag_code(diag, "upstream_malformed");
    return SY_EUPSTREAM;
}

static bool tc_end(void *ctx, sy_status st, const char *code, const char *message, struct sy_buf *out)
{
    (void)st;
    (void)fail_body(ctx, code ? code : "upstream_malformed",
                    message ? message : "upstream answered a non-streaming request with an event stream", out);
    return false;
}

static void tc_error(void *ctx, int status, sy_slice body, struct sy_buf *out)
{
    (void)ctx;
    sy_api_upstream_error_body(status, body, out);
}

/* ------------------------------------------------------------------ over chat */

/* compact: the client's context, then the summarisation instruction as the last user message
 * (t->req itself keeps only the client's items: its user messages go back in the answer). */
static void add_instruction(struct tool_call *t, struct sy_ir_request *chat)
{
    const struct sy_ir_request *r = &t->req;
    struct sy_ir_item *items = sy_arena_alloc(t->ex->arena, (r->nitems + 1) * sizeof *items);
    if (r->nitems)
        memcpy(items, r->items, r->nitems * sizeof *items);
    items[r->nitems] = (struct sy_ir_item){ .kind = SY_ITEM_MESSAGE, .role = SY_ROLE_USER, .content_is_string = true,
                                            .content_string = sy_responses_compact_instruction() };
    chat->items = items;
    chat->nitems = r->nitems + 1;
}

/* The chat request body, or SY_EINVAL with d set (also when strict mode refuses a drop). */
static sy_status chat_body(struct tool_call *t, const struct sy_deployment *dep, struct sy_buf *body,
                           struct sy_diag *d)
{
    sy_status st = sy_responses_check_call_ids(&t->req, d);
    if (st != SY_OK)
        return st;
    struct sy_ir_request chat = t->req;
    if (t->tool == TOOL_COMPACT)
        add_instruction(t, &chat);
    struct sy_chat_encode_opts co = {
        .model = dep->model ? sy_slice_cstr(dep->model) : t->req.model,
        .dialect = dep->openai_dialect ? SY_CHAT_OPENAI : SY_CHAT_GENERIC,
        .max_tokens_override = t->tool == TOOL_INPUT_TOKENS ? 1 : 0,
    };
    st = sy_chat_encode_request(&chat, &co, body, &t->dropped, d);
    if (st == SY_OK)
        st = sy_api_check_strict(t->ex, dep, &t->dropped, d);
    return st;
}

static void over_chat(struct sy_exchange *ex, const struct sy_deployment *dep, struct tool_call *t)
{
    struct sy_diag d;
    sy_diag_clear(&d);
    struct sy_buf body;
    sy_buf_init(&body, SY_BUF_UNCAPPED);
    sy_status st = chat_body(t, dep, &body, &d);
    if (st != SY_OK) {
        sy_buf_free(&body);
        sy_ex_fail(ex, st, &d);
        return;
    }
    t->sink.event = collect;
    t->tr = (struct sy_relay_translator){
        .stream_content_type = "application/json",
        .event = tc_event, .end = tc_end, .whole = tc_whole, .error = tc_error, .ctx = t,
    };
    sy_api_start_translation(ex, dep, SY_LIT("/chat/completions"), &body, &t->dropped, &t->tr);
    sy_buf_free(&body);
}

static void context_loaded(void *ctx)
{
    struct tool_call *t = ctx;
    over_chat(t->ex, t->dep, t);
}

/* ------------------------------------------------------------------ entry points */

static void handle(struct sy_exchange *ex, enum tool tool)
{
    struct sy_json *root = sy_api_parse_object(ex);
    if (!root)
        return;
    sy_slice model = SY_SLICE_NULL;
    const struct sy_deployment *dep = NULL;
    if (sy_json_as_str(sy_json_get(root, "model"), &model)) {
        ex->model = sy_arena_dup(ex->arena, model).ptr;
        dep = sy_route_pick(ex->w->cfg, model, &ex->w->rr);
    }
    if (dep && dep->kind == SY_PROVIDER_OPENAI_RESPONSES) { /* the upstream judges the body */
        sy_json_free(root);
        sy_api_responses_passthrough(ex, dep, tool == TOOL_COMPACT ? SY_LIT("/responses/compact") : SY_LIT("/responses/input_tokens"));
        return;
    }
    struct tool_call *t = sy_arena_alloc(ex->arena, sizeof *t);
    t->ex = ex;
    t->tool = tool;
    t->root = root;
    sy_buf_init(&t->text, SY_BUF_UNCAPPED);
    sy_dropped_init(&t->dropped);
    sy_arena_defer(ex->arena, tc_cleanup, t);
    struct sy_diag d;
    sy_diag_clear(&d);
    sy_status st = tool == TOOL_COMPACT ? sy_responses_decode_compact(ex->arena, root, &t->req, &t->dropped, &d)
                                        : sy_responses_decode_input_tokens(ex->arena, root, &t->req, &t->dropped, &d);
    if (st == SY_OK && !dep) {
        sy_diag_setf(&d, "The model '%s' does not exist or is not served by this gateway.", ex->model);
        sy_diag_param(&d, "model");
        st = SY_ENOMODEL;
    }
    if (st != SY_OK) {
        sy_ex_fail(ex, st, &d);
        return;
    }
    t->dep = dep;
    sy_api_load_context(ex, &t->req, &t->ctx_root, NULL, context_loaded, t);
}

void sy_api_responses_input_tokens(struct sy_exchange *ex) { handle(ex, TOOL_INPUT_TOKENS); }

void sy_api_responses_compact(struct sy_exchange *ex) { handle(ex, TOOL_COMPACT); }
