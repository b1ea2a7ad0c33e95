/* The Chat Completions codec, client side (a chat client in front of a Responses upstream):
 * the client's chat request → IR request, and IR events → the `chat.completion` object or the
 * `chat.completion.chunk` SSE stream. Part of the one chat codec (translate/chat_*.c): the same
 * field names and conventions as the upstream side in chat.h. */
#ifndef SY_TRANSLATE_CHAT_CLIENT_H
#define SY_TRANSLATE_CHAT_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/diag.h"
#include "core/status.h"
#include "ir/ir.h"
#include "ir/ir_stream.h"
#include "translate/dropped.h"

struct sy_json;

/* Decode a `POST /v1/chat/completions` body (parsed, an object) into req (arena memory; strings
 * borrow from root, which must outlive req). Parameters with no Responses equivalent are either
 * added to dropped (hints: seed, prediction, prompt_cache_retention, prompt_cache_options,
 * messages[i].name, ...) or refused with SY_EINVAL, diag param/code "unsupported_parameter" (n > 1,
 * stop, logit_bias, audio, modalities audio, web_search_options, moderation) or
 * "unsupported_value" (input_audio parts, custom tools / tool calls / tool_choice) —
 * mapping.md §1 and §7. Unknown members: 400 unknown_parameter. IR defaults set here: tool
 * strict 0 when absent, store 0 when absent, want_logprobs from `logprobs` (req->include stays
 * empty), include_usage from stream_options. An extra body field `previous_response_id` is kept
 * (sessions on a Responses upstream). dropped and diag may be NULL. */
sy_status sy_chat_decode_request(struct sy_arena *a, const struct sy_json *root, struct sy_ir_request *req,
                                 struct sy_dropped *dropped, struct sy_diag *diag) SY_MUST_CHECK;

struct sy_chat_encoder;

struct sy_chat_encoder_opts {
    sy_slice       model;         /* model to report (the client's) */
    struct sy_buf *sse_out;       /* chunks are appended here; NULL = build the whole completion */
    bool           include_usage; /* stream_options.include_usage: usage chunk before [DONE] */
    bool           want_logprobs; /* the client asked for logprobs */
    sy_slice       service_tier;  /* tier to echo as `service_tier`; empty = the one START
                                     reports (omitted when the upstream reported none) */
};

/* New encoder. The completion id IS the upstream Response id, verbatim (e.g. "resp_abc", not
 * "chatcmpl-…"), so a client can send it back as previous_response_id; only when START carries
 * no id is one generated ("chatcmpl-" + 24 random characters). `created` comes from START (the
 * clock when it has none); `model` is o->model, or START's model when o->model is empty. */
struct sy_chat_encoder *sy_chat_encoder_new(struct sy_arena *a, const struct sy_chat_encoder_opts *o);
/* Feed IR events here. Streaming: role chunk on START, content / refusal / reasoning_content /
 * tool-call deltas (index, id, type, name, then argument fragments), the finish_reason chunk,
 * the usage chunk (`choices: []`) when asked and the upstream reported usage, then
 * `data: [DONE]`; ERROR → an error chunk {"error":{message,type,param,code}} and `data: [DONE]`
 * (never a fake finish). A non-OK return is an output failure (sse_out / a text over its cap);
 * it is sticky. Events after END or ERROR are ignored. */
struct sy_ir_sink *sy_chat_encoder_sink(struct sy_chat_encoder *e);
/* After END (non-streaming): the whole `chat.completion` JSON (arena memory). */
sy_slice sy_chat_encoder_final(const struct sy_chat_encoder *e);
/* Usage seen, or NULL. */
const struct sy_ir_usage *sy_chat_encoder_usage(const struct sy_chat_encoder *e);
/* True when the stream ended with ERROR (non-streaming callers answer an HTTP error instead);
 * then status/code/message describe it. */
bool sy_chat_encoder_failed(const struct sy_chat_encoder *e, sy_status *status, const char **code, const char **message);

#endif
