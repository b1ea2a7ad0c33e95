/* The Chat Completions codec: every JSON field of the chat wire format is read or written here
 * and nowhere else. Directions: IR request → upstream chat request body (R→C); upstream chat
 * completion or chunk stream → IR events (R→C). (The chat-client directions for Responses
 * upstreams arrive with that feature and live here too.) */
#ifndef SY_TRANSLATE_CHAT_H
#define SY_TRANSLATE_CHAT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/diag.h"
#include "core/status.h"
#include "ir/ir.h"
#include "ir/ir_stream.h"
#include "translate/dropped.h"

/* What the upstream chat server accepts beyond the common core. */
enum sy_chat_dialect {
    SY_CHAT_GENERIC, /* vLLM, Ollama, llama.cpp, ...: developer→system, max_tokens, no OpenAI-only hints */
    SY_CHAT_OPENAI,  /* OpenAI: developer role, max_completion_tokens, user/safety_identifier/... */
};

struct sy_chat_encode_opts {
    sy_slice             model;     /* upstream model name to send */
    bool                 stream;    /* stream: true + stream_options.include_usage: true */
    enum sy_chat_dialect dialect;
    int64_t              max_tokens_override; /* > 0: sent as the token limit (max_tokens |
                                                 max_completion_tokens) instead of the request's
                                                 max_output_tokens; 0: no override */
};

/* Encode req as a chat request body into out. Parameters with no chat equivalent are added to
 * dropped (the caller decides between dropping and refusing); parameters that would change the
 * answer and cannot be carried fail with SY_EINVAL, diag naming `param` and code
 * "unsupported_parameter" or "unsupported_value". */
sy_status sy_chat_encode_request(const struct sy_ir_request *req, const struct sy_chat_encode_opts *o,
                                 struct sy_buf *out, struct sy_dropped *dropped, struct sy_diag *diag) SY_MUST_CHECK;

/* Decode a whole `chat.completion` body into IR events on sink: START, deltas (reasoning, text
 * with logprobs, refusal, tool calls), USAGE, FINISH, END. A body that is not a valid chat
 * completion yields SY_EUPSTREAM with diag set and no END. */
sy_status sy_chat_decode_completion(sy_slice body, struct sy_ir_sink *sink, struct sy_diag *diag) SY_MUST_CHECK;

/* Streaming decoder for `chat.completion.chunk` data payloads. Only choices[0] is read (the
 * gateway never asks for n > 1). Tool calls are keyed by `index`; fragments without one by
 * their `id` (a new id gets the next free key), else by their position in the chunk; a legacy
 * `function_call` gets a key of its own. A key's call id and name are sent once (first sight).
 * finish_reason is remembered and sent as FINISH just before END. */
struct sy_chat_tool_slot; /* private to chat_stream.c */

struct sy_chat_stream {
    struct sy_ir_sink *sink;
    bool               started, finished, done_seen;
    sy_status          failed;           /* first failure (SY_OK: none); later feeds return it */
    bool               saw_finish;       /* a finish_reason arrived ... */
    enum sy_ir_finish  finish;           /* ... and this is the last one */
    uint32_t           tool_slots;       /* next free key for calls without `index` */
    struct sy_chat_tool_slot *slots;     /* calls seen (arena memory) */
    uint32_t           nslots, capslots;
    struct sy_arena   *arena;            /* for small per-stream allocations */
};

void sy_chat_stream_init(struct sy_chat_stream *s, struct sy_arena *arena, struct sy_ir_sink *sink);
/* Feed one SSE event's data (a JSON chunk, or "[DONE]"). Emits events on the sink. A chunk that
 * is not valid JSON or not a chunk object: SY_EUPSTREAM with diag. An upstream in-stream error
 * object ({"error":{...}}): SY_EUPSTREAM with diag carrying its message (and its code when it is
 * a string). "[DONE]" emits FINISH (when a finish_reason was seen) and END; "[DONE]" before any
 * chunk is SY_EUPSTREAM. Empty data (a keep-alive) is ignored, and so is anything after the end.
 * A sink failure is returned as is. After any failure every feed returns that status again and
 * emits nothing. */
sy_status sy_chat_stream_feed(struct sy_chat_stream *s, sy_slice data, struct sy_diag *diag) SY_MUST_CHECK;
/* The upstream closed the stream without "[DONE]". If a finish_reason was seen (some servers
 * omit "[DONE]"), emit FINISH + END and return true; otherwise (also after the end or a failure)
 * emit nothing and return false, and the caller reports the cut-off stream as an ERROR. A sink
 * failure during these two events is the sink's to remember; the return value is still true. */
bool sy_chat_stream_finish(struct sy_chat_stream *s);

#endif
