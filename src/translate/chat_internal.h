/* Private helpers shared by the chat codec's decoders (chat_response.c defines them, chat_stream.c
 * uses them), and the client-side request decoder's context (chat_client_request.c and
 * chat_client_messages.c; its checked readers live in translate/checked.h). Nothing outside
 * src/translate/chat_*.c includes this. */
#ifndef SY_TRANSLATE_CHAT_INTERNAL_H
#define SY_TRANSLATE_CHAT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/diag.h"
#include "core/slice.h"
#include "core/status.h"
#include "ir/ir.h"
#include "ir/ir_stream.h"
#include "json/json.h"
#include "translate/checked.h"
#include "translate/dropped.h"

struct sy_json;

/* Send one event; a non-OK status from the sink is returned as is. */
sy_status sy_chat__emit(struct sy_ir_sink *sink, const struct sy_ir_event *ev) SY_MUST_CHECK;

/* String member `key` of obj; empty slice when absent, null or not a string. */
sy_slice sy_chat__str(const struct sy_json *obj, const char *key);

/* `finish_reason` → IR (stop, length, tool_calls/function_call, content_filter; else NONE). */
enum sy_ir_finish sy_chat__finish(const struct sy_json *reason);

/* Fill u from a chat `usage` object (totals summed when missing). */
void sy_chat__usage(const struct sy_json *usage, struct sy_ir_usage *u);

/* If root carries a non-null `error` (or is an older vLLM `{"object":"error",…}`), set diag from
 * it (message, and code when the upstream gave a string code) and return SY_EUPSTREAM; SY_OK
 * otherwise. */
sy_status sy_chat__error_object(const struct sy_json *root, struct sy_diag *diag) SY_MUST_CHECK;

/* Malformed-input failure: SY_EUPSTREAM with `what` as the message. */
sy_status sy_chat__malformed(struct sy_diag *diag, const char *what) SY_MUST_CHECK;

/* The reasoning text of a message or delta: `reasoning_content` when it is a non-empty string,
 * else `reasoning` (servers in transition send both with the same text; one is taken, never
 * both). */
sy_slice sy_chat__reasoning(const struct sy_json *msg);

/* Emit the text of a `content` value as TEXT_DELTA (a string, or an array of {type:"text"} parts
 * as some servers send); `logprobs` rides on the first event. null/absent/"" emit nothing.
 * Any other shape: SY_EUPSTREAM. */
sy_status sy_chat__emit_content(struct sy_ir_sink *sink, const struct sy_json *content, sy_slice logprobs,
                                struct sy_diag *diag) SY_MUST_CHECK;

/* Convert a choice's `logprobs` ({content:[TokenLogprob]}) into the Responses form into out
 * (`[{"token","logprob","bytes","top_logprobs":[{"token","logprob","bytes"}]}]`, bytes computed
 * from the token's UTF-8 when null or missing). Leaves out empty when logprobs is null/absent or
 * has no `content` array. SY_ETOOBIG when out is full. */
sy_status sy_chat__logprobs(const struct sy_json *logprobs, struct sy_buf *out) SY_MUST_CHECK;

/* A tool call's `function.arguments`: a string as is, an object/array (some servers) as compact
 * JSON text written into scratch; empty when absent or null. */
sy_slice sy_chat__arguments(const struct sy_json *fn, struct sy_buf *scratch);

/* ------------------------------------------------------------------ client request decoder */

struct sy_chatd_legacy; /* a legacy assistant function_call awaiting its function message */

/* Decoder context of sy_chat_decode_request; k carries the arena, diag, dropped list and the
 * request being filled, for the checked readers (translate/checked.h). */
struct sy_chatd {
    struct sy_chk           k;
    size_t                  capitems, captools;
    struct sy_chatd_legacy *legacy;
    size_t                  nlegacy, caplegacy;
    int64_t                 max_tokens, max_completion_tokens;
    bool                    has_stream_options, has_messages, tool_choice_set;
    enum sy_ir_tool_choice  fc_choice; /* legacy function_call */
    sy_slice                fc_name;
};

/* code (unsupported_parameter / unsupported_value): "<what> is not supported when the model is
 * served by a Responses upstream." */
sy_status sy_chatd__unsupported(struct sy_chatd *c, const char *param, const char *code, const char *what);

/* The `messages` member → c->req->items (chat_client_messages.c). */
sy_status sy_chatd__messages(struct sy_chatd *c, const struct sy_json *v) SY_MUST_CHECK;

#endif
