/* Relay one upstream exchange to the client. RAW relays any route as it is (status, headers
 * minus hop-by-hop, body streamed as it arrives). LLM relays a chat or Responses passthrough:
 * JSON answers are buffered (bounded) and replied whole with the allowed headers; SSE answers
 * are relayed event by event, byte-exact, each event whole, observed for usage, with
 * heartbeats while silent, and a malformed, cut-off or stalled upstream stream ends with an
 * error event and `data: [DONE]`. Both modes pause the upstream while the client is slow and
 * cancel it at once when the client leaves. The relay finishes the exchange. */
#ifndef SY_API_RELAY_H
#define SY_API_RELAY_H

#include "api/exchange.h"
#include "config/config.h"

enum sy_relay_mode { SY_RELAY_RAW, SY_RELAY_LLM, SY_RELAY_TRANSLATE };

/* TRANSLATE mode: the client speaks another format than the upstream. The relay keeps the
 * mechanics (timeouts, backpressure, heartbeats, cancel on disconnect, SSE framing of the
 * upstream); the translator turns upstream payloads into client bytes. Every callback appends
 * to `out`, which the relay writes to the client. */
struct sy_relay_translator {
    /* Client Content-Type of a streamed answer (e.g. "text/event-stream"). */
    const char *stream_content_type;
    /* One upstream SSE event's data. Non-OK (diag set): the stream fails (then `end` runs). */
    sy_status (*event)(void *ctx, sy_slice data, struct sy_buf *out, struct sy_diag *diag);
    /* The upstream stream is over: st == SY_OK when it ended normally, else the failure with an
     * OpenAI-style code and message. Append the closing bytes. Return true to keep the reply
     * open (e.g. until a store write is durable): then end it with sy_relay_finish. */
    bool (*end)(void *ctx, sy_status st, const char *code, const char *message, struct sy_buf *out);
    /* A whole 2xx (non-SSE) upstream answer → the client body; returns the HTTP status, or 0 to
     * answer later with sy_relay_finish. */
    int (*whole)(void *ctx, sy_slice body, struct sy_buf *out);
    /* A non-2xx upstream answer → the client error body (the status is kept). */
    void (*error)(void *ctx, int status, sy_slice body, struct sy_buf *out);
    void *ctx;
};

struct sy_relay_opts {
    enum sy_relay_mode          mode;
    const struct sy_deployment *deployment;  /* timeouts and upstream auth */
    const char                 *method;
    const char                 *url;         /* absolute upstream URL */
    sy_slice                    body;        /* must live as long as the exchange */
    const struct sy_relay_translator *translator; /* TRANSLATE mode only; lives as long as the exchange */
};

struct sy_relay;

/* Start the upstream call; from here on the relay owns the reply and finishes the exchange.
 * The handle lives as long as the exchange (only for sy_relay_finish). */
struct sy_relay *sy_relay_start(struct sy_exchange *ex, const struct sy_relay_opts *o);
/* End a reply the translator held open: streamed, write `bytes` and end; whole, reply
 * `status` with the JSON body `bytes`. No-op when the client has already gone. */
void sy_relay_finish(struct sy_relay *rl, int status, sy_slice bytes);

#endif
