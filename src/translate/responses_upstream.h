/* The Responses codec, upstream side (a chat client in front of a Responses-only upstream):
 * IR request → `POST /v1/responses` body, and the upstream's Response object or Responses SSE
 * events → IR events. Part of the one Responses codec (translate/responses_*.c). */
#ifndef SY_TRANSLATE_RESPONSES_UPSTREAM_H
#define SY_TRANSLATE_RESPONSES_UPSTREAM_H

#include <stdbool.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/diag.h"
#include "core/status.h"
#include "ir/ir.h"
#include "ir/ir_stream.h"
#include "translate/dropped.h"

struct sy_responses_request_opts {
    sy_slice model;                  /* upstream model name */
    bool     stream;
    bool     system_as_instructions; /* hoist system/developer messages into `instructions` */
};

/* Encode req as a Responses request body (mapping.md §1: items, flat tools with explicit
 * `strict`, text.format, max_output_tokens, reasoning, include for logprobs, store false unless
 * the client asked, previous_response_id forwarded). Unsupported → SY_EINVAL with diag. */
sy_status sy_responses_encode_request(const struct sy_ir_request *req, const struct sy_responses_request_opts *o,
                                      struct sy_buf *out, struct sy_dropped *dropped, struct sy_diag *diag) SY_MUST_CHECK;

/* A whole Response object → IR events: START (id = the Response id, model, created_at), then per
 * output item in order: reasoning text, message text (with logprobs) / refusal, function calls
 * (key = their order among function calls; id = call_id), USAGE, FINISH (from status and
 * incomplete_details), END; status "failed"/"cancelled" → ERROR with the error object's
 * code/message. Not a Response: SY_EUPSTREAM with diag, nothing after. */
sy_status sy_responses_decode_response(sy_slice body, struct sy_ir_sink *sink, struct sy_diag *diag) SY_MUST_CHECK;

/* Streaming decoder for upstream Responses SSE events. */
struct sy_responses_stream {
    struct sy_ir_sink *sink;
    struct sy_arena   *arena;
    bool               started, finished;
    sy_status          failed;
    void              *priv;      /* decoder state (output_index → tool key, ...) */
};

void sy_responses_stream_init(struct sy_responses_stream *s, struct sy_arena *a, struct sy_ir_sink *sink);
/* One SSE event (its `event:` name may be empty; the JSON `type` decides). Emits IR events:
 * response.created → START; output_text.delta → TEXT_DELTA; refusal.delta → REFUSAL_DELTA;
 * reasoning deltas → REASONING_DELTA; output_item.added (function_call) + arguments deltas →
 * TOOL_DELTA; response.completed / incomplete → USAGE, FINISH, END; response.failed / error →
 * ERROR. "[DONE]" is accepted and ignored. Unknown event types are ignored. Malformed data:
 * SY_EUPSTREAM with diag. */
sy_status sy_responses_stream_feed(struct sy_responses_stream *s, sy_slice event, sy_slice data,
                                   struct sy_diag *diag) SY_MUST_CHECK;

#endif
