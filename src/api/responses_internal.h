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
    sy_slice                     ctx_body;/* the same as a create body ({"model","input"}), or empty */
    sy_slice                     response_id;
    int64_t                      created_at;
    struct sy_store_job         *job;     /* the pending store write, detached on cleanup */
};

/* Load the stored context of req — its previous_response_id chain or its conversation's items
 * — and decode it in front of req's own items (req->input_start set; *root gets the parsed
 * context, which the caller frees; *body, when not NULL, its text), then call then(ctx). Unknown
 * ids fail the exchange (400 previous_response_id / 404 conversation). No context: then(ctx)
 * at once. */
void sy_api_load_context(struct sy_exchange *ex, struct sy_ir_request *req, struct sy_json **root, sy_slice *body,
                         void (*then)(void *ctx), void *ctx);
/* Load the context (previous_response_id chain or conversation items), then sy_roc_call. */
void sy_roc_load_context(struct responses_over_chat *t);
/* Decode a stored context (a create body of items) in arena a and put its items before req's
 * own (req->input_start set). */
sy_status sy_roc_prepend(struct sy_arena *a, struct sy_ir_request *req, const struct sy_json *ctx_root,
                         struct sy_diag *d) SY_MUST_CHECK;
/* The context is in place: a background run (api/background_run.c) or the call right here. */
void sy_roc_call(struct responses_over_chat *t);
/* Translate and call the chat upstream (context already in t->req). */
void sy_roc_over_chat(struct responses_over_chat *t);
/* Fill q (id, owner, created_at and the run fields already set) as the final PUT_RESPONSE of a
 * terminal encoder: its object, its input items (root's `input`), its output items, and the
 * conversation to append them to when it finished (completed / incomplete). */
sy_status sy_roc_final_put(struct sy_arena *a, const struct sy_json *root, const struct sy_ir_request *req,
                          struct sy_responses_encoder *enc, struct sy_store_req *q) SY_MUST_CHECK;
/* The response reached its terminal state: write it (and its items) to the store, then
 * release the held output (or a store error in its place). */
void sy_roc_store(struct responses_over_chat *t);

#endif
