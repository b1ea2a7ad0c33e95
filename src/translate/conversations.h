/* The Conversations API wire format: request bodies (create, update, add items) and the
 * Conversation object. Items are normalised like a create request's input items
 * (translate/responses_items.h). */
#ifndef SY_TRANSLATE_CONVERSATIONS_H
#define SY_TRANSLATE_CONVERSATIONS_H

#include <stdint.h>

#include "translate/responses_items.h"

struct sy_json;

struct sy_conversation_body {
    sy_slice                  metadata;   /* JSON object text; empty = absent */
    struct sy_responses_item *items;
    size_t                    nitems;
};

/* POST /v1/conversations {items?, metadata?}; update {metadata} (items refused); add items
 * {items} (required, 1..20). Errors: SY_EINVAL with diag naming the member. */
enum sy_conversation_body_kind { SY_CONV_CREATE, SY_CONV_UPDATE, SY_CONV_ADD_ITEMS };
sy_status sy_conversation_decode(struct sy_arena *a, const struct sy_json *root, enum sy_conversation_body_kind kind,
                                 sy_responses_id_fn id_fn, void *id_ctx, struct sy_conversation_body *out,
                                 struct sy_diag *diag) SY_MUST_CHECK;
/* {"id","object":"conversation","created_at","metadata"} */
sy_status sy_conversation_write(struct sy_buf *out, sy_slice id, int64_t created_at, sy_slice metadata) SY_MUST_CHECK;
#endif
