/* The API side of the state store: the owner of an exchange's objects, new object ids, and
 * one store job run on behalf of an exchange (the client may leave while it runs). */
#ifndef SY_API_STORE_CALL_H
#define SY_API_STORE_CALL_H

#include "api/exchange.h"
#include "store/store.h"

/* The owner id of what this exchange stores: "" without gateway keys, else a digest of the
 * presented key (stable across restarts and key renames; the key itself is never stored).
 * Computed once per exchange. */
sy_slice sy_api_owner(struct sy_exchange *ex);
/* prefix + 48 random hex digits, arena memory ("resp_", "conv_", "msg_", ...). */
sy_slice sy_api_new_id(struct sy_arena *a, const char *prefix);
/* sy_responses_id_fn over sy_api_new_id (ctx: the arena). */
sy_slice sy_api_id_fn(void *arena, const char *prefix);

struct sy_responses_item;
/* Codec items as store items (arena memory; the texts are shared, not copied). */
const struct sy_store_item *sy_api_store_items(struct sy_arena *a, const struct sy_responses_item *in, size_t n);

typedef void (*sy_api_store_fn)(struct sy_exchange *ex, const struct sy_store_result *r, void *ctx);
/* Run req; fn runs on this worker's loop with the result. If the client leaves first the job is
 * detached and the exchange finished (fn never runs). When the store refuses the job, the
 * exchange fails with 503. */
void sy_api_store_call(struct sy_exchange *ex, const struct sy_store_req *req, sy_api_store_fn fn, void *ctx);
/* Fail the exchange for a store result that is not SY_OK: ENOTFOUND → 404 "No <what> found with
 * id '<id>'." (param `param`), ETOOBIG → 400 with the store's message, else 500. */
void sy_api_store_fail(struct sy_exchange *ex, const struct sy_store_result *r, const char *what, sy_slice id,
                       const char *param);

#endif
