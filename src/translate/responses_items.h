/* Responses codec, stored state: the item objects a stored response keeps (its input as the
 * input_items endpoint lists it, its output as the Response carried it), the list and deletion
 * objects of the by-id endpoints, and the `error` event that replaces a terminal event the
 * gateway could not make durable. */
#ifndef SY_TRANSLATE_RESPONSES_ITEMS_H
#define SY_TRANSLATE_RESPONSES_ITEMS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/diag.h"
#include "core/status.h"
#include "translate/responses.h"

struct sy_json;

/* One item: its id and its whole compact JSON object text (arena memory). */
struct sy_responses_item {
    sy_slice id;
    sy_slice json;
};

/* A create request's `input` (a string or an array of items; NULL = none) as stored items: a
 * string is one user message; a message without `type` gets "type":"message"; string content
 * becomes one input_text part (output_text for assistant messages); an item without an id gets
 * one from id_fn (msg_, fc_, fco_, rs_ or item_ by type). Other members are kept as sent. */
sy_status sy_responses_input_items(struct sy_arena *a, const struct sy_json *input, sy_responses_id_fn id_fn,
                                   void *id_ctx, struct sy_responses_item **out, size_t *n) SY_MUST_CHECK;
/* The `output` items of a Response object text (as the encoder made it). */
sy_status sy_responses_output_items(struct sy_arena *a, sy_slice response, struct sy_responses_item **out,
                                    size_t *n) SY_MUST_CHECK;
/* A context for the next turn as a create-request body: {"model":model,"input":[items]}, so the
 * request decoder turns stored items back into IR items. */
sy_status sy_responses_context_body(struct sy_buf *out, sy_slice model, const sy_slice *items, size_t n) SY_MUST_CHECK;
/* {"object":"list","data":[items],"first_id":…,"last_id":…,"has_more":…} (ids null when empty). */
sy_status sy_responses_write_item_list(struct sy_buf *out, const sy_slice *items, const sy_slice *ids, size_t n,
                                       bool has_more) SY_MUST_CHECK;
/* {"id":id,"object":object,"deleted":true} */
sy_status sy_responses_write_deleted(struct sy_buf *out, sy_slice id, const char *object) SY_MUST_CHECK;
/* An SSE `error` event {"type":"error","code","message","param":null,"sequence_number"} and
 * `data: [DONE]`. */
sy_status sy_responses_write_error_event(struct sy_buf *out, int64_t seq, const char *code,
                                         const char *message) SY_MUST_CHECK;
/* A stored snapshot of a run that ended without writing its final object (its instance died):
 * the same object with "status":"failed" and "error" replaced by error_json. */
sy_status sy_responses_mark_failed(struct sy_buf *out, sy_slice response, sy_slice error_json) SY_MUST_CHECK;
/* A lifecycle event (response.failed, ...): {"type","sequence_number","response"} + [DONE]. */
sy_status sy_responses_write_lifecycle(struct sy_buf *out, const char *type, int64_t seq,
                                       sy_slice response) SY_MUST_CHECK;
/* The sequence_number of the first event in SSE text, or -1. */
int64_t sy_responses_first_sequence(sy_slice sse);

#endif
