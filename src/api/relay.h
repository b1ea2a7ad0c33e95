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

enum sy_relay_mode { SY_RELAY_RAW, SY_RELAY_LLM };

struct sy_relay_opts {
    enum sy_relay_mode          mode;
    const struct sy_deployment *deployment;  /* timeouts and upstream auth */
    const char                 *method;
    const char                 *url;         /* absolute upstream URL */
    sy_slice                    body;        /* must live as long as the exchange */
};

/* Start the upstream call; from here on the relay owns the reply and finishes the exchange. */
void sy_relay_start(struct sy_exchange *ex, const struct sy_relay_opts *o);

#endif
