/* POST /v1/responses over a chat upstream: the per-request state shared by the translator
 * (api/responses.c) and the stored-state side (api/responses_state.c: context from
 * previous_response_id / conversation before the call, the durable write before the client
 * sees the terminal event). */
#ifndef SY_API_RESPONSES_INTERNAL_H
#define SY_API_RESPONSES_INTERNAL_H

#include "api/endpoints.h"
#include "api/relay.h"
#include "store/store.h"
#include "translate/chat.h"
#include "translate/responses.h"

/* Lives in the exchange arena. */
struct responses_over_chat {
    struct sy_relay_translator   tr;
    struct sy_exchange          *ex;
    const struct sy_deployment  *dep;
    struct sy_relay             *relay;
    struct sy_ir_request         req;
    struct sy_responses_encoder *enc;
    struct sy_chat_stream        cs;
    struct sy_buf                sse;     /* encoder output, moved to the relay's buffer */
    struct sy_buf                held;    /* terminal output held until the store write is durable */
    bool                         holding;
    bool                         storing; /* store != false: written before the terminal event */
    struct sy_dropped            dropped;
    struct sy_json              *root;    /* the parsed client request; IR slices point into it */
    struct sy_json              *ctx_root;/* the loaded context (previous_response_id / conversation) */
    sy_slice                     response_id;
    int64_t                      created_at;
    struct sy_store_job         *job;     /* the pending store write, detached on cleanup */
};

/* Load the context (previous_response_id chain or conversation items), then over_chat. */
void sy_roc_load_context(struct responses_over_chat *t);
/* Translate and call the chat upstream (context already in t->req). */
void sy_roc_over_chat(struct responses_over_chat *t);
/* The response reached its terminal state: write it (and its items) to the store, then
 * release the held output (or a store error in its place). */
void sy_roc_store(struct responses_over_chat *t);

#endif
